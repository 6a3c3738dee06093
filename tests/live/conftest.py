"""Fixtures for tests that need a real Docker Engine in swarm mode.

`docker_client`  a docker SDK client (docker.from_env()).  If the engine is
                 unreachable or is not a swarm manager the requesting test
                 FAILS (pytest.fail, reported as an error in setup) with a
                 message saying how to fix it.  Never a skip: a live test that
                 cannot run must not look green.
`test_images`    makes sure the local test images exist and are current by
                 running scripts/build-test-images (a no-op taking ~0.2 s
                 when they are), and returns their tags:
                 {"busybox": "recipelint-test/busybox:1",
                  "postgres": "recipelint-test/postgres:15"}.

Set the engine up with `scripts/docker-up` (as root); see docs/live-infra.md.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "scripts" / "build-test-images"

TEST_IMAGES = {
    "busybox": "recipelint-test/busybox:1",
    "postgres": "recipelint-test/postgres:15",
}
IMAGE_LABEL = "io.recipelint.test-image"
OWNER_LABEL = "io.recipelint.owner"

_HOW_TO_FIX = "start it with `scripts/docker-up` (as root); see docs/live-infra.md"


@pytest.fixture(scope="session")
def docker_client():
    try:
        import docker  # noqa: PLC0415 - only live tests need the SDK
    except ImportError as e:  # pragma: no cover - dependency of the package
        pytest.fail(f"the `docker` Python SDK is not installed: {e}", pytrace=False)

    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    error = None
    try:
        client = docker.from_env(timeout=60)
        client.ping()
        info = client.info()
    except Exception as e:  # noqa: BLE001 - any failure here means "no usable engine"
        error = f"{type(e).__name__}: {e}"
    if error is not None:  # failed outside the except block: no chained traceback noise
        pytest.fail(f"live test needs a Docker Engine, but none answers at {where}: {error}\n"
                    f"{_HOW_TO_FIX}", pytrace=False)

    swarm = info.get("Swarm") or {}
    state = swarm.get("LocalNodeState")
    if state != "active":
        client.close()
        pytest.fail(f"live test needs a swarm manager, but the engine at {where} has swarm state "
                    f"{state!r}\n{_HOW_TO_FIX}", pytrace=False)
    if not swarm.get("ControlAvailable"):
        client.close()
        pytest.fail(f"live test needs a swarm manager, but the engine at {where} is a swarm worker "
                    f"(node {swarm.get('NodeID')})", pytrace=False)
    yield client
    client.close()


@pytest.fixture(scope="session")
def test_images(docker_client):
    try:
        p = subprocess.run([str(BUILD_SCRIPT)], cwd=ROOT, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as e:
        p, error = None, f"{type(e).__name__}: {e}"
    if p is None:
        pytest.fail(f"could not run {BUILD_SCRIPT.relative_to(ROOT)}: {error}", pytrace=False)
    if p.returncode != 0:
        pytest.fail(f"{BUILD_SCRIPT.relative_to(ROOT)} failed (exit {p.returncode}):\n"
                    f"{p.stderr}{p.stdout}", pytrace=False)
    for tag in TEST_IMAGES.values():
        try:
            image, error = docker_client.images.get(tag), None
        except Exception as e:  # noqa: BLE001
            image, error = None, f"{type(e).__name__}: {e}"
        if image is None:
            pytest.fail(f"{tag} missing after build-test-images: {error}", pytrace=False)
        if (image.labels or {}).get(IMAGE_LABEL) != "1":
            pytest.fail(f"{tag} exists but lacks the {IMAGE_LABEL}=1 label", pytrace=False)
    return dict(TEST_IMAGES)
