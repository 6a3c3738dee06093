"""The live infrastructure itself: the engine is a swarm manager, the local test images run, and
a stack on an overlay network really works (scripts/docker-smoke).

Every container made here has a unique name and the label io.recipelint.owner=test, and is
removed whatever happens.
"""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from tests.live.conftest import OWNER_LABEL, ROOT

pytestmark = pytest.mark.live


def _run(client, image: str, command: list[str], timeout: int = 120) -> tuple[int, str]:
    name = f"rl-infra-test-{uuid.uuid4().hex[:10]}"
    container = client.containers.create(image, command, name=name, labels={OWNER_LABEL: "test"})
    try:
        container.start()
        status = container.wait(timeout=timeout)
        out = container.logs(stdout=True, stderr=True).decode(errors="replace")
        return status["StatusCode"], out
    finally:
        container.remove(force=True)


def test_swarm_is_active_and_both_test_images_run(docker_client, test_images):
    info = docker_client.info()
    assert info["Swarm"]["LocalNodeState"] == "active"
    assert info["Swarm"]["ControlAvailable"] is True
    node = docker_client.nodes.get(info["Swarm"]["NodeID"])
    assert node.attrs["Status"]["State"] == "ready", node.attrs["Status"]

    code, out = _run(docker_client, test_images["busybox"], ["echo", "ok"])
    assert (code, out) == (0, "ok\n")

    code, out = _run(docker_client, test_images["postgres"], ["postgres", "--version"])
    assert code == 0, out
    assert "(PostgreSQL) 15." in out, out

    leftover = docker_client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}=test",
                                                               "name": "rl-infra-test-"})
    assert leftover == []


def test_overlay_stack_runs_resolves_and_serves_postgres(docker_client, test_images):
    """scripts/docker-smoke: tasks reach running, services resolve each other, TCP over the
    overlay, attachable network, postgres psql/pg_dump/password login. It removes its stack."""
    env = dict(os.environ, RECIPELINT_SMOKE_OWNER="test")
    p = subprocess.run([str(ROOT / "scripts" / "docker-smoke")], cwd=ROOT, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=300, env=env)
    assert p.returncode == 0, p.stderr + p.stdout
    stacks = {s.attrs["Spec"]["Labels"].get("com.docker.stack.namespace", "")
              for s in docker_client.services.list(filters={"label": f"{OWNER_LABEL}=test"})}
    assert not {s for s in stacks if s.startswith("rlsmoke-")}, stacks
