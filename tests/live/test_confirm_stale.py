"""`recipelint confirm` for stale overlay tests (T001/T002, probe stale-overlay) on a real swarm.

The fixture recipe (fixtures/live/stale-overlay) is built into a real git repository: release
1.0.0+1 runs app and worker on recipelint-test/busybox:1; the unmerged branch `slim` moves app to
:2 and drops worker, and the overlay test asserts the branch's state. The probe deploys the release
tag as its own stack and evaluates each assert against what the swarm runs. A claim that holds at
the release (handed over with --findings) is refuted. Nothing owned by the run may remain.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.live._swarm import owned

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "live" / "stale-overlay"


@pytest.fixture()
def stale_recipe(tmp_path) -> Path:
    sys.path.insert(0, str(ROOT / "fixtures"))
    try:
        from build import load_history
    finally:
        sys.path.pop(0)
    from recipelint.testing import build_repo

    dest = tmp_path / "stale-overlay"
    build_repo(dest, load_history("stale-overlay", FIXTURE))
    return dest


def run_confirm(*args, timeout=240):
    cmd = [sys.executable, "-c", "from recipelint.cli import run; run()", "confirm", *map(str, args),
           "--format", "json", "-q"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return p, time.monotonic() - t0


def check_clean(client, report: dict) -> dict:
    run = report["confirm"][0]
    assert run["residue"] == [] and run["clean"] is True, run
    assert owned(client, run["session"]) == []
    assert run["stack"].startswith("rl-stale-overlay-")
    return run


def test_asserts_of_an_unmerged_branch_are_confirmed_against_the_release(docker_client, test_images,
                                                                          stale_recipe):
    p, wall = run_confirm(stale_recipe, "--overlay", FIXTURE / "overlay")
    assert p.stdout, p.stderr
    report = json.loads(p.stdout)
    by_code = {f["code"]: f for f in report["findings"]}
    assert sorted(by_code) == ["T001", "T002"], report["findings"]
    t1, t2 = by_code["T001"], by_code["T002"]
    assert (t1["verdict"], t1["probe_error"], t1["line"], t1["column"]) == ("confirmed", None, 8, 5)
    assert (t2["verdict"], t2["probe_error"], t2["line"], t2["column"]) == ("confirmed", None, 13, 5)
    assert "images: app: recipelint-test/busybox:1, worker: recipelint-test/busybox:1" in t1["evidence"]
    assert "check image eq 'recipelint-test/busybox:2': fails on the deployed release" in t1["evidence"]
    assert "check services not present 'worker': fails on the deployed release" in t2["evidence"]
    assert any(e.startswith("release 1.0.0+1 deployed as stack rl-stale-overlay-") and e.endswith(
        "-rel: services {app, worker}") for e in t2["evidence"]), t2["evidence"]
    assert p.returncode == 1, p.stderr
    run = check_clean(docker_client, report)
    # only the release was deployed: the working tree's deploy is skipped for this probe
    assert run["converged"] is None and "deploy" not in run["timings"], run
    print(f"\nstale-overlay confirmed in {wall:.1f}s wall; phases {run['timings']}")


def test_assert_that_holds_at_the_release_is_refuted(docker_client, test_images, stale_recipe, tmp_path):
    claims = tmp_path / "claims.json"
    common = {"severity": "error", "class": "stale-test", "recipe": "stale-overlay", "root": "overlay",
              "path": "stale-overlay/test_release.py", "fix": "", "probe": "stale-overlay"}
    claims.write_text(json.dumps({"findings": [
        {**common, "code": "T001", "name": "overlay-pins-unreleased-image", "line": 8, "column": 5,
         "service": None, "message": "claim: app runs busybox:1",
         "data": {"release": "1.0.0+1", "subjects": ["app"], "any_of": False,
                  "checks": [{"kind": "image", "mode": "eq", "negative": False,
                              "values": ["recipelint-test/busybox:1"]}]}},
        {**common, "code": "T002", "name": "overlay-asserts-unreleased-services", "line": 13, "column": 5,
         "service": None, "message": "claim: worker is deployed",
         "data": {"release": "1.0.0+1", "subjects": [], "any_of": False,
                  "checks": [{"kind": "services", "mode": "present", "negative": False,
                              "values": ["worker"]}]}},
    ]}))
    p, wall = run_confirm(stale_recipe, "--findings", claims)
    assert p.stdout, p.stderr
    report = json.loads(p.stdout)
    verdicts = {f["code"]: (f["verdict"], f["probe_error"]) for f in report["findings"]}
    assert verdicts == {"T001": ("refuted", None), "T002": ("refuted", None)}, report["findings"]
    t1 = next(f for f in report["findings"] if f["code"] == "T001")
    assert "check image eq 'recipelint-test/busybox:1': holds on the deployed release" in t1["evidence"]
    assert p.returncode == 0, p.stderr
    check_clean(docker_client, report)
    print(f"\nstale-overlay refuted in {wall:.1f}s wall")


def test_finding_without_structured_checks_cannot_be_probed(docker_client, test_images, stale_recipe, tmp_path):
    """An old report (no data.checks) is inconclusive with a reason, exit 2, and still leaves nothing."""
    claims = tmp_path / "old.json"
    claims.write_text(json.dumps({"findings": [{
        "code": "T001", "name": "overlay-pins-unreleased-image", "severity": "error", "class": "stale-test",
        "recipe": "stale-overlay", "root": "overlay", "path": "stale-overlay/test_release.py", "line": 8,
        "column": 5, "service": None, "message": "old report", "fix": "", "probe": "stale-overlay",
        "data": {"release": "1.0.0+1"}}]}))
    p, _ = run_confirm(stale_recipe, "--findings", claims)
    report = json.loads(p.stdout)
    f = report["findings"][0]
    assert f["verdict"] == "inconclusive" and "data.checks" in f["probe_error"], f
    assert p.returncode == 2
    check_clean(docker_client, report)
