"""Bind mounts on a real swarm (ADR 0017): the app gets a private copy of its recipe-local bind and an
empty tmpfs instead of a host path, writes into both, and neither the recipe's working tree nor the
host directory changes; after teardown the session's temporary directory is gone and nothing
carrying its owner label is left."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from recipelint.model import Recipe
from recipelint.runner.deploy import deploy, running_container
from recipelint.runner.session import SwarmSession
from tests.live._swarm import owned
from tests.live.test_confirm_probes import LIVE, ROOT

pytestmark = pytest.mark.live

PLACEHOLDER = "/tmp/recipelint-bind-fixture-host"
FILE_PLACEHOLDER = "/tmp/recipelint-bind-fixture-hostfile"


def snapshot(top: Path) -> dict[str, bytes | None]:
    """Every path under ``top`` (and the file contents)."""
    return {str(p.relative_to(top)): (p.read_bytes() if p.is_file() else None) for p in sorted(top.rglob("*"))}


def claim(recipe_dir: Path) -> Path:
    """A findings report with one claim whose probe only reads the deployed app (the read-only copy of
    data/greeting), for runs through the CLI."""
    findings = recipe_dir.parent / "findings.json"
    findings.write_text(json.dumps({"findings": [{
        "code": "C001", "name": "readonly-config", "severity": "error", "class": "recipe-defect",
        "recipe": "bind-private", "path": "compose.yml", "line": 1, "column": 1, "service": "app",
        "message": "claim", "fix": "", "probe": "readonly-config", "data": {"target": "/greeting.txt"}}]}))
    return findings


@pytest.fixture
def recipe_and_host(tmp_path):
    recipe = tmp_path / "bind-private"
    shutil.copytree(LIVE / "bind-private", recipe)
    host = tmp_path / "host"
    host.mkdir()
    (host / "present").write_text("the host's own file\n")
    (tmp_path / "hostfile").write_text("the host's group file\n")
    compose = recipe / "compose.yml"
    text = compose.read_text()
    assert FILE_PLACEHOLDER in text  # replaced first: PLACEHOLDER is a prefix of it
    text = text.replace(FILE_PLACEHOLDER, str(tmp_path / "hostfile"))
    assert PLACEHOLDER in text
    compose.write_text(text.replace(PLACEHOLDER, str(host)))
    return recipe, host


def _exec(ctr, *cmd) -> tuple[int, str]:
    rc, out = ctr.exec_run(list(cmd))
    return rc, out.decode("utf-8", "replace")


def test_the_app_writes_into_a_private_copy_and_a_tmpfs_never_the_tree_or_the_host(
        docker_client, test_images, recipe_and_host):
    recipe_dir, host = recipe_and_host
    tree_before, host_before = snapshot(recipe_dir), snapshot(host)
    r = Recipe.load(recipe_dir)
    sess = SwarmSession(r.name, client=docker_client)
    try:
        sess.install_signal_handlers()
        dep = deploy(sess, r, timeout=90)
        assert dep.converged, dep.evidence
        ctr = running_container(docker_client, dep.services["app"])
        assert ctr is not None
        # the container saw the recipe's file, through the copy
        assert _exec(ctr, "cat", "/data/seen") == (0, "hello from the recipe\n")
        assert _exec(ctr, "cat", "/greeting.txt") == (0, "hello from the recipe\n")  # read-only, unchanged
        # and wrote where it was told to: into the copy and into the tmpfs at /host
        assert _exec(ctr, "cat", "/data/greeting") == (0, "changed by the app\n")
        assert _exec(ctr, "cat", "/host/new-file") == (0, "written by the app\n")
        rc, listing = _exec(ctr, "ls", "-A", "/host")
        assert (rc, listing.split()) == (0, ["new-file"])  # an empty tmpfs: the host's file is not there
        rc, mounts = _exec(ctr, "cat", "/proc/mounts")
        assert any(line.split()[1:3] == ["/host", "tmpfs"] for line in mounts.splitlines()), mounts
        # the bind sources on the engine are the session's copies, never the tree or the host dir
        spec = dep.services["app"].attrs["Spec"]["TaskTemplate"]["ContainerSpec"]["Mounts"]
        binds = [m for m in spec if m["Type"] == "bind"]
        assert len(binds) == 3 and all(m["Source"].startswith(sess.tempdir + "/") for m in binds), spec
        # the host file over the image's /etc/group: an empty file of the session's, read-only; the task started
        assert _exec(ctr, "wc", "-c", "/etc/group") == (0, "0 /etc/group\n")
        assert (host.parent / "hostfile").read_text() == "the host's group file\n"
        assert os.path.basename(sess.tempdir).startswith(f"recipelint-confirm-{sess.owner}-")
        # the working tree and the host directory are as they were
        assert snapshot(recipe_dir) == tree_before
        assert snapshot(host) == host_before
        notes = dep.notes
        assert "service app: bind mount ./data -> a private copy at /data (the working tree is never written)" \
            in notes, notes
        assert f"service app: bind mount {host} at /host replaced by an empty tmpfs: it is a host path outside " \
               "the recipe (the runner never mounts host paths)" in notes, notes
        assert f"service app: bind mount {host.parent / 'hostfile'} at /etc/group replaced by an empty file: it is " \
               "a host path outside the recipe (the runner never mounts host paths)" in notes, notes
    finally:
        rep = sess.close()
    assert rep.residue == [], rep
    assert f"tempdir {sess.tempdir}" in rep.removed
    assert not os.path.exists(sess.tempdir)
    assert owned(docker_client, sess.owner) == []
    assert snapshot(recipe_dir) == tree_before and snapshot(host) == host_before


def test_keep_leaves_the_copy_and_prints_its_removal(docker_client, test_images, recipe_and_host):
    """`--keep` through the CLI: the stack and the temp dir stay; the printed commands remove both."""
    recipe_dir, host = recipe_and_host
    findings = claim(recipe_dir)
    cmd = [sys.executable, "-c", "from recipelint.cli import run; run()", "confirm", str(recipe_dir),
           "--findings", str(findings), "--keep", "-q"]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
    lines = p.stdout.splitlines()
    stack_line = next((x for x in lines if ": stack rl-bind-private-" in x), None)
    assert stack_line, p.stdout + p.stderr
    owner = stack_line.split(": stack ")[1].split(":")[0]
    tmp_dirs = sorted(Path(tempfile.gettempdir()).glob(f"recipelint-confirm-{owner}-*"))
    cmds: list[str] = []
    try:
        assert any(": note: service app: bind mount ./data -> a private copy at /data" in x for x in lines), \
            p.stdout
        i = next(i for i, x in enumerate(lines) if "--keep: left running; remove it with:" in x)
        cmds = [x.strip() for x in lines[i + 1:] if x.startswith("    ")]
        assert len(tmp_dirs) == 1, (tmp_dirs, p.stdout, p.stderr)
        assert cmds[-1] == f"rm -rf {tmp_dirs[0]}", cmds
        assert owned(docker_client, owner)
    finally:
        # the printed commands; if the run printed none, the same removal by owner label
        docker = shutil.which("docker", path="/usr/bin") or "docker"
        for c in cmds or SwarmSession.label_commands(SimpleNamespace(owner=owner)):
            subprocess.run(["sh", "-c", c.replace("docker ", f"{docker} ")], capture_output=True, timeout=120)
    deadline = time.monotonic() + 20
    while owned(docker_client, owner) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert owned(docker_client, owner) == []
    assert not tmp_dirs[0].exists()
    assert snapshot(host) == {"present": b"the host's own file\n"}


def test_sigterm_mid_run_removes_the_copy_too(docker_client, test_images, recipe_and_host):
    """A signal at the convergence wait: teardown removes the temp dir with the docker objects."""
    import signal

    recipe_dir, host = recipe_and_host
    tree_before = snapshot(recipe_dir)
    findings = claim(recipe_dir)
    cmd = [sys.executable, "-c", "from recipelint.cli import run; run()", "confirm", str(recipe_dir),
           "--findings", str(findings)]
    env = dict(os.environ, RECIPELINT_TEST_PAUSE="converge")
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    owner = None
    err: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = p.stderr.readline()
            if not line:
                break
            err.append(line)
            if line.startswith("confirm: deployed rl-bind-private-"):
                owner = line.split()[2].rstrip(":")
            if "test pause at converge" in line:
                break
        assert owner and "test pause at converge" in err[-1], "".join(err)
        made = sorted(Path(tempfile.gettempdir()).glob(f"recipelint-confirm-{owner}-*"))
        assert len(made) == 1 and any(made[0].rglob("greeting")), made
        p.send_signal(signal.SIGTERM)
        out, rest = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 128 + signal.SIGTERM, "".join(err) + rest
    assert "received SIGTERM: tearing down" in "".join(err) + rest
    assert not made[0].exists(), "".join(err) + rest
    assert owned(docker_client, owner) == []
    assert snapshot(recipe_dir) == tree_before and snapshot(host) == {"present": b"the host's own file\n"}
