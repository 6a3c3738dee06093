"""`recipelint confirm` on a real swarm: every probe confirms its defect and refutes its look-alike,
and nothing carrying the run's owner label is left afterwards.

Each test runs the real CLI in a subprocess against a fixture recipe in fixtures/live/ and checks
the verdict, the decisive evidence line, the exit code, the residue the run reports, and - on the
engine itself - that no service, container, network, volume, config or secret carries the run's
owner label. Docker missing or not a swarm manager is a failure (the `docker_client` fixture),
never a skip.
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
LIVE = ROOT / "fixtures" / "live"


def confirm(*args, timeout=240, env=None):
    cmd = [sys.executable, "-c", "from recipelint.cli import run; run()", "confirm", *map(str, args),
           "--format", "json", "-q"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    wall = time.monotonic() - t0
    return p, wall


def claim(tmp_path, recipe: str, code: str, name: str, probe: str, service: str, data: dict) -> Path:
    """A findings report holding one claim, as `check --format json` would write it."""
    f = tmp_path / f"{recipe}-{code}.json"
    f.write_text(json.dumps({"findings": [{
        "code": code, "name": name, "severity": "error", "class": "recipe-defect", "recipe": recipe,
        "path": "compose.yml", "line": 1, "column": 1, "service": service,
        "message": f"claim handed to confirm: {name}", "fix": "", "probe": probe, "data": data}]}))
    return f


def run_and_check(client, recipe: str, *extra, expect_exit: int, verdict: str, evidence: str, code: str):
    p, wall = confirm(LIVE / recipe, *extra)
    assert p.stdout, p.stderr
    report = json.loads(p.stdout)
    run = report["confirm"][0]
    found = [f for f in report["findings"] if f["code"] == code]
    assert len(found) == 1, report["findings"]
    f = found[0]
    assert (f["verdict"], f["probe_error"]) == (verdict, None), json.dumps(f, indent=1)
    assert any(evidence in line for line in f["evidence"]), f["evidence"]
    assert p.returncode == expect_exit, p.stderr + p.stdout
    assert run["residue"] == [] and run["clean"] is True, run
    assert owned(client, run["session"]) == []
    assert run["stack"].startswith(f"rl-{recipe}-")
    print(f"\n{recipe}: {verdict} in {wall:.1f}s wall; phases {run['timings']}")
    return report


# ---------------------------------------------------------------- backup-roundtrip

def test_backup_dump_without_restore_hook_is_confirmed(docker_client, test_images):
    run_and_check(docker_client, "backup-not-restored", expect_exit=1, verdict="confirmed", code="B001",
                  evidence='relation "ci_marker" does not exist')


def test_restore_hook_that_replays_the_dump_is_refuted(docker_client, test_images, tmp_path):
    f = claim(tmp_path, "backup-replayed", "B001", "backup-dump-not-restored", "backup-roundtrip", "db",
              {"dump_tool": "pg_dump"})
    run_and_check(docker_client, "backup-replayed", "--findings", f, expect_exit=0, verdict="refuted",
                  code="B001", evidence="the marker row is back")


# ---------------------------------------------------------------- shared-network-dns

def test_bare_name_from_a_proxy_attached_caller_is_confirmed(docker_client, test_images):
    report = run_and_check(docker_client, "dns-bare-name", expect_exit=1, verdict="confirmed", code="N001",
                           evidence="not this stack's app (the decoy)")
    ev = report["findings"][0]["evidence"]
    assert ev[0].startswith(("nslookup app in web -> ", "getent hosts app in web -> ")), ev


def test_stack_qualified_name_is_refuted(docker_client, test_images, tmp_path):
    f = claim(tmp_path, "dns-stack-name", "N001", "proxy-bare-service-name", "shared-network-dns", "web",
              {"name": "${STACK_NAME}_app", "network": "proxy", "caller": "web", "target": "app"})
    run_and_check(docker_client, "dns-stack-name", "--findings", f, expect_exit=0, verdict="refuted",
                  code="N001", evidence="answers only with this stack's app")


# ---------------------------------------------------------------- readonly-config

def test_config_the_app_rewrites_is_confirmed(docker_client, test_images):
    run_and_check(docker_client, "config-rewritten", expect_exit=1, verdict="confirmed", code="C001",
                  evidence="can't create /etc/app/app.ini: Read-only file system")


def test_config_the_app_only_reads_is_refuted(docker_client, test_images):
    run_and_check(docker_client, "config-read", expect_exit=0, verdict="refuted", code="C001",
                  evidence="no 'Read-only file system' in its logs")

