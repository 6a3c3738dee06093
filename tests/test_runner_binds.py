"""What an isolation deploy makes of a recipe's bind mounts (ADR 0017), without an engine: the policy
(copy or empty tmpfs), the copy itself, the service specs `_create_services` builds for short and
long syntax, the session's temporary directory (teardown, residue, --keep commands) and how the
adaptations reach the report."""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
from pathlib import Path

import pytest

from recipelint.model import Recipe
from recipelint.runner import binds as B
from recipelint.runner import confirm as C
from recipelint.runner import deploy as D
from recipelint.runner import session as S
from tests.runner_fakes import FakeEngine, _Client, bare_session


@pytest.fixture
def recipe(tmp_path):
    root = tmp_path / "app"
    (root / "conf").mkdir(parents=True)
    (root / "conf" / "app.ini").write_text("name=demo\n")
    (root / "conf" / "sub").mkdir()
    (root / "conf" / "sub" / "x").write_text("x")
    (root / "init.sh").write_text("#!/bin/sh\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("host data")
    return root, outside


def plan(root, source, **kw):
    kw.setdefault("base_dir", root)
    return B.plan_bind(source, recipe_root=root, **kw)


def test_recipe_local_directory_and_file_are_copied(recipe):
    root, _ = recipe
    d = plan(root, "./conf")
    assert (d.action, d.path, d.size) == (B.COPY, (root / "conf").resolve(), len("name=demo\n") + 1)
    f = plan(root, "./init.sh")
    assert (f.action, f.path) == (B.COPY, (root / "init.sh").resolve())
    # an absolute path that is inside the recipe is recipe-local too; `..` that stays inside as well
    assert plan(root, str(root / "conf")).action == B.COPY
    assert plan(root, "./conf/sub/../app.ini").path == (root / "conf" / "app.ini").resolve()
    # the whole recipe (`.`): copied, .git left out
    assert plan(root, ".").action == B.COPY


@pytest.mark.parametrize("source", ["/", "/etc", "~/data", "~"])
def test_host_directories_become_tmpfs(recipe, source):
    root, _ = recipe
    p = plan(root, source)
    assert p.action == B.TMPFS and p.path is None
    assert "host path" in p.reason, p.reason


def test_host_files_and_sockets_become_an_empty_file_and_only_their_metadata_is_read(recipe):
    import socket

    root, outside = recipe
    sock_path = outside / "docker.sock"
    srv = socket.socket(socket.AF_UNIX)
    try:
        srv.bind(str(sock_path))
        for src in (str(outside / "secret"), str(sock_path)):  # a file like /etc/localtime; a socket
            p = plan(root, src)
            assert (p.action, p.path) == (B.EMPTY_FILE, None) and "host path" in p.reason, (src, p)
            # a remote engine's host cannot be looked at: a tmpfs
            assert plan(root, src, local_engine=False).action == B.TMPFS
    finally:
        srv.close()
    assert (outside / "secret").read_text() == "host data"


def test_dotdot_escape_becomes_tmpfs(recipe):
    root, outside = recipe
    p = plan(root, "./conf/../../outside")
    assert p.action == B.TMPFS and "outside the recipe" in p.reason
    # a relative source is read against base_dir (the first compose file's folder), not the cwd
    sub = root / "compose"
    sub.mkdir()
    assert plan(root, "../conf", base_dir=sub).action == B.COPY
    assert plan(root, "../../outside", base_dir=sub).action == B.TMPFS


def test_symlink_leaving_the_recipe_becomes_tmpfs_and_one_inside_is_followed(recipe):
    root, outside = recipe
    (root / "escape").symlink_to(outside)
    (root / "escape-file").symlink_to(outside / "secret")
    (root / "inside").symlink_to(root / "conf")
    for src, action in (("./escape", B.TMPFS), ("./escape-file", B.EMPTY_FILE), ("./escape/secret", B.EMPTY_FILE)):
        p = plan(root, src)
        assert p.action == action and "outside the recipe" in p.reason, (src, p)
    p = plan(root, "./inside")
    assert p.action == B.COPY and p.path == (root / "conf").resolve()


def test_recipe_root_reached_through_a_symlink_still_counts_as_inside(recipe, tmp_path):
    root, _ = recipe
    link = tmp_path / "link-to-app"
    link.symlink_to(root)
    assert B.plan_bind("./conf", recipe_root=link, base_dir=link).action == B.COPY


def test_missing_source_becomes_tmpfs(recipe):
    root, _ = recipe
    p = plan(root, "./nope")
    assert p.action == B.TMPFS and p.reason == "its source does not exist"
    assert plan(root, "").action == B.TMPFS


def test_remote_engine_turns_recipe_local_binds_into_tmpfs(recipe):
    root, _ = recipe
    p = plan(root, "./conf", local_engine=False)
    assert p.action == B.TMPFS and "remote" in p.reason


def test_release_deploy_never_copies_the_working_tree(recipe):
    root, _ = recipe
    p = plan(root, "./conf", release="1.0.0+1.2")
    assert p.action == B.TMPFS and "1.0.0+1.2" in p.reason
    p = plan(root, "./init.sh", release="1.0.0+1.2")  # a file keeps its shape, never its content
    assert p.action == B.EMPTY_FILE and "1.0.0+1.2" in p.reason


def test_size_cap_and_entry_cap(recipe):
    root, _ = recipe
    (root / "big").write_bytes(b"0" * 2048)
    assert plan(root, "./big", cap=4096).action == B.COPY
    p = plan(root, "./big", cap=1024)
    assert p.action == B.TMPFS and "copy cap" in p.reason
    (root / "conf" / "big").write_bytes(b"0" * 2048)
    assert plan(root, "./conf", cap=1024).action == B.TMPFS
    p = plan(root, "./conf", max_entries=2)
    assert p.action == B.TMPFS and "entries" in p.reason
    assert B.COPY_CAP == 64 * 1024 * 1024


def test_a_special_file_becomes_an_empty_file_and_a_tree_holding_one_tmpfs(recipe):
    root, _ = recipe
    os.mkfifo(root / "fifo")
    p = plan(root, "./fifo")
    assert p.action == B.EMPTY_FILE and "special file" in p.reason
    os.mkfifo(root / "conf" / "sub" / "fifo")
    p = plan(root, "./conf")
    assert p.action == B.TMPFS and "special file" in p.reason


def test_git_is_neither_copied_nor_counted(recipe):
    root, _ = recipe
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_bytes(b"0" * 4096)
    assert plan(root, ".", cap=1024).action == B.COPY
    p = plan(root, "./.git")
    assert p.action == B.TMPFS and ".git" in p.reason


@pytest.mark.parametrize("url,local", [
    ("http+docker://localhost", True), ("http+docker://localnpipe", True),
    ("http+docker://localunixsocket", True),
    ("http://10.0.0.5:2375", False), ("https://swarm.example:2376", False), ("http+docker://ssh", False),
    ("", False),
])
def test_engine_is_local(url, local):
    assert B.engine_is_local(_Client(url)) is local


def test_copy_keeps_links_as_links_and_leaves_out_git_and_special_files(recipe, tmp_path):
    root, outside = recipe
    src = root / "conf"
    (src / ".git").mkdir()
    (src / ".git" / "config").write_text("[core]")
    (src / "out").symlink_to(outside / "secret")
    os.mkfifo(src / "fifo")  # appeared after the plan: skipped, never opened for reading
    (src / "app.ini").chmod(0o640)
    dest = tmp_path / "copy" / "conf"
    dest.parent.mkdir()
    B.copy_into(src, dest)
    assert (dest / "app.ini").read_text() == "name=demo\n"
    assert (dest / "app.ini").stat().st_mode & 0o777 == 0o640
    assert (dest / "sub" / "x").read_text() == "x"
    assert not (dest / ".git").exists() and not (dest / "fifo").exists()
    assert (dest / "out").is_symlink() and os.readlink(dest / "out") == str(outside / "secret")
    # a file alone
    B.copy_into(root / "init.sh", tmp_path / "copy" / "init.sh")
    assert (tmp_path / "copy" / "init.sh").read_text() == "#!/bin/sh\n"


def test_copy_over_the_cap_is_refused(recipe, tmp_path):
    root, _ = recipe
    with pytest.raises(B.CopyError, match="copy cap"):
        B.copy_into(root / "conf", tmp_path / "c", cap=4)


# ------------------------------------------------------------------ the service specs


COMPOSE = """\
version: "3.8"
services:
  app:
    image: busybox
    volumes:
      - ./conf:/etc/app
      - ./init.sh:/init.sh:ro
      - OUTSIDE/secret:/etc/localtime:ro
      - /:/host
      - ./missing:/missing
      - type: bind
        source: ./conf
        target: /long
        read_only: true
      - type: bind
        source: /etc
        target: /etc-host
        bind:
          create_host_path: true
"""


def _specs(root: Path, client):
    # a host file outside the recipe (as /etc/localtime or the docker socket would be; this one is ours)
    (root / "compose.yml").write_text(COMPOSE.replace("OUTSIDE", str(root.parent / "outside")))
    (root / ".env.sample").write_text("TYPE=app\nDOMAIN=app.example.com\n")
    r = Recipe.load(root)
    sess = bare_session(client)
    dep = D.Deployment(stack=sess.stack, env={})
    dep.networks["default"] = f"{sess.stack}_default"
    D._create_services(sess, r, r.default, {"STACK_NAME": sess.stack}, dep)
    (_, kw), = client.services.created
    return sess, dep, {m["Target"]: m for m in kw["mounts"]}


def test_services_get_private_copies_and_tmpfs_never_a_host_path(recipe):
    root, _ = recipe
    sess, dep, mounts = _specs(root, FakeEngine())
    before = {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    try:
        tmp = Path(sess.tempdir)
        assert tmp.name.startswith(f"recipelint-confirm-{sess.owner}-") and tmp.parent == Path(tempfile.gettempdir())
        assert tmp.stat().st_mode & 0o777 == 0o700
        for tgt in ("/etc/app", "/init.sh", "/long"):
            m = mounts[tgt]
            assert m["Type"] == "bind" and Path(m["Source"]).is_relative_to(tmp), m
        assert mounts["/etc/app"]["ReadOnly"] is False
        assert mounts["/init.sh"]["ReadOnly"] is True and mounts["/long"]["ReadOnly"] is True
        assert (Path(mounts["/etc/app"]["Source"]) / "app.ini").read_text() == "name=demo\n"
        assert Path(mounts["/init.sh"]["Source"]).read_text() == "#!/bin/sh\n"
        assert mounts["/etc/app"]["Source"] != mounts["/long"]["Source"]  # one copy per mount
        lt = mounts["/etc/localtime"]  # a host file: an empty file of the session's, read-only as declared
        assert lt["Type"] == "bind" and lt["ReadOnly"] is True and Path(lt["Source"]).is_relative_to(tmp), lt
        assert Path(lt["Source"]).read_bytes() == b"" and Path(lt["Source"]).name == "localtime"
        assert (root.parent / "outside" / "secret").read_text() == "host data"
        for tgt in ("/host", "/missing", "/etc-host"):
            m = mounts[tgt]
            assert m["Type"] == "tmpfs" and not m.get("Source"), m
        # writing into the copy leaves the working tree alone
        (Path(mounts["/etc/app"]["Source"]) / "new").write_text("written by the app")
        (Path(mounts["/etc/app"]["Source"]) / "app.ini").write_text("changed")
        assert {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
        notes = dep.notes
        assert "service app: bind mount ./conf -> a private copy at /etc/app (the working tree is never " \
               "written)" in notes, notes
        assert any(n.startswith(f"service app: bind mount {root.parent / 'outside' / 'secret'} at /etc/localtime "
                                "replaced by an empty file: it is a host path") for n in notes), notes
        assert any("./missing at /missing replaced by an empty tmpfs: its source does not exist" in n
                   for n in notes), notes
        assert len([n for n in notes if ": bind mount " in n]) == 7
    finally:
        rep = sess.teardown(wait=1)
    assert not os.path.exists(sess.tempdir)
    assert f"tempdir {sess.tempdir}" in rep.removed and rep.residue == [], rep


def test_remote_engine_binds_nothing(recipe):
    root, _ = recipe
    sess, dep, mounts = _specs(root, FakeEngine("http://10.0.0.5:2375"))
    assert all(m["Type"] == "tmpfs" for m in mounts.values()), mounts
    assert sess.tempdir is None
    assert sum("the engine is remote" in n for n in dep.notes) == 4, dep.notes


# ------------------------------------------------------------------ the session's temporary directory


def test_temp_dir_is_residue_until_teardown_and_keep_prints_its_removal(tmp_path):
    sess = bare_session(FakeEngine(), )
    d = sess.private_dir()
    assert sess.private_dir() == d  # one per session
    Path(d, "x").write_text("1")
    assert sess.residue() == [f"tempdir {d}"]
    assert any(c.startswith("rm -rf ") and d in c for c in sess.keep_commands())
    rm = sess.label_commands()[-1]
    assert rm.startswith("rm -rf ") and f"recipelint-confirm-{sess.owner}-" in rm
    listed = subprocess.run(["sh", "-c", f"ls -d {rm[len('rm -rf '):]}"], capture_output=True, text=True)
    assert listed.stdout.split() == [d], (rm, listed)
    # one made by this session but never recorded (a signal between mkdtemp and the record) is found too
    stray = tempfile.mkdtemp(prefix=f"recipelint-confirm-{sess.owner}-")
    assert f"tempdir {stray}" in sess.residue()
    # --keep: close() only reports; the directory stays and is residue
    sess.keep = True
    rep = sess.close()
    assert os.path.isdir(d) and f"tempdir {d}" in rep.residue
    sess.keep, sess.report, sess._closing = False, None, False
    rep = sess.close()
    assert rep.residue == [] and not os.path.exists(d) and not os.path.exists(stray)
    assert {f"tempdir {d}", f"tempdir {stray}"} <= set(rep.removed)


def test_another_sessions_temp_dir_is_left_alone():
    mine = bare_session(FakeEngine())
    others = [tempfile.mkdtemp(prefix=f"recipelint-confirm-{mine.owner[:-1]}-"),  # a prefix of mine's id
              tempfile.mkdtemp(prefix=f"recipelint-confirm-{mine.owner}-x-{secrets.token_hex(3)}-")]  # mine's + more
    try:
        mine.private_dir()
        assert mine.residue() == [f"tempdir {mine.tempdir}"]
        mine.close()
        assert all(os.path.isdir(o) for o in others)
        # the removal command for an unreachable engine matches the same names only
        rm = mine.label_commands()[-1]
        for o in others:
            script = f'for f in {rm[len("rm -rf "):]}; do [ "$f" = {o} ] && exit 1; done; exit 0'
            assert subprocess.run(["sh", "-c", script]).returncode == 0, (rm, o)
    finally:
        for o in others:
            os.rmdir(o)


# ------------------------------------------------------------------ how the notes reach the report


def test_notes_are_printed_and_bind_notes_join_the_evidence():
    from recipelint.rule import Finding

    f = Finding(code="X001", name="x", severity="error", recipe="app", path="compose.yml", line=1, column=1, end_line=1, end_column=1,
                service="app", message="m", fix="", probe="p", category="recipe-defect", root="recipe", data={})
    run = C.ConfirmRun(recipe="app", stack="rl-app-1", session="rl-app-1", converged=True,
                       notes=["service app: bind mount ./conf -> a private copy at /etc/app (the working tree "
                              "is never written)"], residue=[])
    run.outcomes.append(C.Outcome(f, "refuted", ["e"]))
    text = C.to_text([run], {("app", "recipe"): "app"})
    assert "app: note: service app: bind mount ./conf -> a private copy at /etc/app" in text
    assert C._run_dict(run)["notes"] == run.notes


def test_confirm_adds_the_bind_adaptations_to_each_verdicts_evidence(monkeypatch):
    from recipelint.rule import Finding
    from recipelint.runner import probes as P

    notes = ["service app: published ports left out (isolation deploy)",
             "service proxy: bind mount /var/run/docker.sock at /var/run/docker.sock replaced by an empty tmpfs: "
             "it is a host path outside the recipe (the runner never mounts host paths)"]

    class Sess:
        stack = owner = "rl-app-000001"

        def __init__(self, *a, **kw):
            self.log = lambda m: None

        def install_signal_handlers(self):
            pass

        def checkpoint(self, phase):
            pass

        def close(self):
            return S.TeardownReport(residue=[])

        def scrub(self, run):
            pass

    def fake_deploy(session, recipe, **kw):
        return D.Deployment(stack=session.stack, env={}, notes=list(notes), converged=True)

    def fake_probe(ctx):
        return P.ProbeResult(P.REFUTED, ["probe said so"])

    fake_probe.needs_convergence, fake_probe.needs_deploy, fake_probe.key = True, True, lambda f: ()
    monkeypatch.setattr(S, "SwarmSession", Sess)
    monkeypatch.setattr(D, "deploy", fake_deploy)
    monkeypatch.setitem(P.PROBES, "fake-bind-probe", fake_probe)

    class R:
        name = "app"

    f = Finding(code="X001", name="x", severity="error", recipe="app", path="compose.yml", line=1, column=1, end_line=1, end_column=1,
                service="app", message="m", fix="", probe="fake-bind-probe", category="recipe-defect",
                root="recipe", data={})
    run = C.confirm(R(), [f])
    (out,) = run.outcomes
    assert out.evidence == ["probe said so", "deploy: " + notes[1]], out.evidence
    assert run.notes == notes
