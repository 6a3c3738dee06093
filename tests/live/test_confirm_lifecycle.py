"""The session's promises on a real swarm: it touches nothing it did not create, it tears down on
SIGTERM, `--keep` leaves a stack that the printed commands remove, and it refuses clearly when
it cannot run (exit 2)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.live._swarm import OWNER, owned
from tests.live.test_confirm_probes import LIVE, ROOT, confirm

pytestmark = pytest.mark.live

CLI = [sys.executable, "-c", "from recipelint.cli import run; run()", "confirm"]


def test_foreign_look_alikes_and_a_pre_existing_proxy_are_left_alone(docker_client, test_images):
    c = docker_client
    made = []
    try:
        proxy = [n for n in c.networks.list(names=["proxy"]) if n.name == "proxy"]
        if not proxy:
            for _ in range(30):  # a proxy removed by an earlier run can linger for a moment
                try:
                    proxy = [c.networks.create("proxy", driver="overlay", attachable=True)]
                    break
                except Exception:  # noqa: BLE001
                    time.sleep(0.5)
            made.append(proxy[0])
        # a volume whose name looks like a confirm stack's, without the owner label
        look = c.volumes.create("rl-dns-bare-name-000000_internal")
        made.append(look)
        # and one with another session's owner label
        other = c.volumes.create("rl-other-0000aa_data", labels={OWNER: "rl-other-0000aa"})
        made.append(other)
        p, _ = confirm(LIVE / "dns-bare-name")
        report = json.loads(p.stdout)
        run = report["confirm"][0]
        assert p.returncode == 1, json.dumps(report, indent=1)
        assert run["residue"] == [] and owned(c, run["session"]) == [], run
        assert "network proxy" not in run["removed"], run["removed"]
        assert any("external network proxy exists; used as is" in n for n in run["notes"]), run["notes"]
        c.networks.get(proxy[0].id)  # still there
        c.volumes.get(look.name)
        c.volumes.get(other.name)
    finally:
        for obj in reversed(made):
            for _ in range(20):
                try:
                    obj.remove()
                    break
                except Exception:  # noqa: BLE001 - endpoints of a removed service linger a moment
                    time.sleep(0.5)


def _wait_for_stack(client, prefix: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for s in client.services.list():
            owner = (s.attrs["Spec"].get("Labels") or {}).get(OWNER, "")
            if owner.startswith(prefix):
                return owner
        time.sleep(0.2)
    raise AssertionError(f"no service of a {prefix}* stack appeared within {timeout}s")


def test_sigterm_tears_down(docker_client, test_images):
    p = subprocess.Popen(CLI + [str(LIVE / "config-read"), "--timeout", "60"], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        owner = _wait_for_stack(docker_client, "rl-config-read-")
        assert owned(docker_client, owner)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert "received SIGTERM: tearing down" in err, err
    assert owned(docker_client, owner) == [], err


def test_keep_leaves_the_stack_and_prints_commands_that_remove_it(docker_client, test_images):
    p = subprocess.run(CLI + [str(LIVE / "config-read"), "--keep", "-q"], cwd=ROOT, capture_output=True,
                       text=True, timeout=240)
    assert p.returncode == 0, p.stderr + p.stdout
    lines = p.stdout.splitlines()
    i = next(i for i, x in enumerate(lines) if "--keep: left running; remove it with:" in x)
    cmds = [x.strip() for x in lines[i + 1:] if x.startswith("    ")]
    owner = lines[i].split(": ")[0]
    stack_line = next(x for x in lines if ": stack rl-config-read-" in x)
    owner = stack_line.split(": stack ")[1].split(":")[0]
    kept = owned(docker_client, owner)
    assert any(k.startswith("service ") for k in kept) and any(k.startswith("volume ") for k in kept), kept
    assert cmds[0].startswith("docker service rm ")
    docker = shutil.which("docker", path="/usr/bin") or "docker"
    for cmd in cmds:
        sub = subprocess.run(["sh", "-c", cmd.replace("docker ", f"{docker} ")], capture_output=True, text=True,
                             timeout=120)
        assert sub.returncode == 0, (cmd, sub.stderr)
    deadline = time.monotonic() + 20
    while owned(docker_client, owner) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert owned(docker_client, owner) == []


def test_unreachable_engine_is_one_clear_line_and_exit_2(tmp_path):
    env = dict(os.environ, DOCKER_HOST=f"unix://{tmp_path}/no.sock")
    p = subprocess.run(CLI + [str(LIVE / "config-read")], cwd=ROOT, capture_output=True, text=True, timeout=60,
                       env=env)
    assert p.returncode == 2
    assert p.stdout == ""
    err = p.stderr.splitlines()
    assert len(err) == 1 and err[0].startswith(
        "recipelint: error: cannot reach the Docker engine (DOCKER_HOST or the local socket): "), p.stderr


def test_a_deploy_that_cannot_start_is_exit_2_with_the_task_error(docker_client, test_images, tmp_path):
    recipe = tmp_path / "config-read"
    shutil.copytree(LIVE / "config-read", recipe)
    compose = recipe / "compose.yml"
    compose.write_text(compose.read_text().replace("recipelint-test/busybox:1", "recipelint-test/absent:0"))
    p, _ = confirm(recipe)
    report = json.loads(p.stdout)
    f = report["findings"][0]
    assert p.returncode == 2, p.stderr
    assert f["verdict"] == "inconclusive" and f["probe_error"], f
    assert any("No such image: recipelint-test/absent:0" in e for e in f["evidence"]), f["evidence"]
    assert report["confirm"][0]["residue"] == []
