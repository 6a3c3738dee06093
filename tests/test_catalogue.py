"""Catalogue sweeps (`check --catalogue`, recipelint.catalogue) and the per-recipe result cache."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recipelint import cache, catalogue, engine
from recipelint.testing import build_repo, write_files

ROOT = Path(__file__).resolve().parent.parent

# B001 fires at the pre-hook key: line 6, column 9
DUMP = """\
services:
  db:
    image: postgres:15
    deploy:
      labels:
        backupbot.backup.pre-hook: "pg_dump -U a a > /var/lib/postgresql/data/x.sql"
"""
# the same recipe with the replay hook: no B001
REPLAYED = DUMP + """\
        backupbot.restore.post-hook: "psql -U a a < /var/lib/postgresql/data/x.sql"
"""
CLEAN = """\
services:
  app:
    image: nginx:1.27
"""


def cli(*args, env=None):
    r = subprocess.run([sys.executable, "-c", "from recipelint.cli import run; run()", *map(str, args)],
                       capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    return r.returncode, r.stdout, r.stderr


def make_catalogue(base: Path, n_dump=3, n_clean=3) -> Path:
    cat = base / "recipes"
    for i in range(n_dump):
        write_files(cat / f"dump-{i}", {"compose.yml": DUMP})
    for i in range(n_clean):
        write_files(cat / f"clean-{i}", {"compose.yml": CLEAN})
    write_files(cat / "not-a-recipe", {"README.md": "no compose here\n"})
    write_files(cat / ".hidden", {"compose.yml": DUMP})
    write_files(cat / "deep" / "nested", {"compose.yml": DUMP})  # depth 2: not a recipe of this catalogue
    return cat


def b001(results):
    return [(name, f.code, f.path, f.line, f.column, f.recipe) for _p, name, fs, _e in results for f in fs
            if f.code == "B001"]


# --------------------------------------------------------------------------------------------- discovery
def test_discover_takes_depth_one_dirs_with_compose_yml_sorted_and_once(tmp_path):
    cat = make_catalogue(tmp_path, n_dump=2, n_clean=1)
    found = catalogue.discover_recipes([cat, cat / "..", cat])
    assert [p.name for p in found] == ["clean-0", "dump-0", "dump-1"]
    more = tmp_path / "more"
    write_files(more / "aaa", {"compose.yml": CLEAN})
    assert [p.name for p in catalogue.discover_recipes([cat, more])] == ["clean-0", "dump-0", "dump-1", "aaa"]
    assert catalogue.discover_recipes([tmp_path / "missing"]) == []


# --------------------------------------------------------------------------------------------- the sweep
def test_pool_and_inline_give_the_same_findings_in_input_order(tmp_path):
    cat = make_catalogue(tmp_path, n_dump=5, n_clean=4)
    paths = catalogue.discover_recipes([cat])
    inline = catalogue.lint_catalogue(paths, select=["B001"], jobs=1, cache=False)
    for jobs in (2, 3):
        pooled = catalogue.lint_catalogue(paths, select=["B001"], jobs=jobs, cache=False)
        assert [r[1] for r in pooled] == [p.name for p in paths]
        assert b001(pooled) == b001(inline) == [(f"dump-{i}", "B001", "compose.yml", 6, 9, f"dump-{i}")
                                                for i in range(5)]
        assert all(err is None for *_x, err in pooled)
        # every finding of the pooled run is the one the inline run produced, field for field
        assert [[vars(f) for f in fs] for _p, _n, fs, _e in pooled] == \
            [[vars(f) for f in fs] for _p, _n, fs, _e in inline]


def test_a_path_that_is_not_a_recipe_is_an_error_entry_not_an_exception(tmp_path):
    (tmp_path / "empty").mkdir()
    res = catalogue.lint_catalogue([tmp_path / "empty"], jobs=1, cache=False)
    assert len(res) == 1 and res[0][2] == [] and "not a recipe" in res[0][3]


def test_cli_catalogue_text_has_findings_and_the_summary_tables(tmp_path):
    cat = make_catalogue(tmp_path, n_dump=2, n_clean=2)
    code, out, err = cli("check", "--catalogue", cat, "--select", "B001", "-j", "2")
    assert code == 1 and err == ""  # a pipe: no progress bar, nothing on stderr
    lines = out.splitlines()
    assert f"{cat}/dump-0/compose.yml:6:9: B001 [backup-dump-not-restored]" in lines[0]
    assert f"{cat}/dump-1/compose.yml:6:9: B001 [backup-dump-not-restored]" in lines[1]
    code_rows = [ln.split() for ln in lines if ln.startswith("B001 ")]
    assert code_rows == [["B001", "backup-dump-not-restored", "error", "2", "2"]]
    recipe_rows = [ln.split() for ln in lines if ln.startswith("dump-")]
    assert recipe_rows == [["dump-0", "1", "0", "0", "1"], ["dump-1", "1", "0", "0", "1"]]
    assert lines[-1] == "4 recipes: 2 with findings, 2 clean"


def test_cli_catalogue_json_keeps_the_envelope_with_recipe_on_every_finding(tmp_path):
    cat = make_catalogue(tmp_path, n_dump=2, n_clean=1)
    extra = tmp_path / "extra"
    write_files(extra / "solo", {"compose.yml": DUMP})
    code, out, _ = cli("check", "--catalogue", cat, "--catalogue", extra, "--select", "B001", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["schema_version"] == 1 and doc["tool"]["name"] == "recipelint"
    assert [(f["recipe"], f["code"], f["path"], f["line"], f["column"]) for f in doc["findings"]] == \
        [("dump-0", "B001", "compose.yml", 6, 9), ("dump-1", "B001", "compose.yml", 6, 9),
         ("solo", "B001", "compose.yml", 6, 9)]
    assert doc["summary"]["recipes"] == ["clean-0", "dump-0", "dump-1", "solo"]
    assert doc["summary"]["by_code"] == {"B001": 3}


def test_cli_catalogue_clean_exits_0_and_bad_input_is_one_line(tmp_path):
    cat = tmp_path / "cat"
    write_files(cat / "a", {"compose.yml": CLEAN})
    code, out, err = cli("check", "--catalogue", cat, "--select", "B001")
    assert code == 0 and out.splitlines()[-1] == "1 recipes: 0 with findings, 1 clean"
    code, out, err = cli("check", "--catalogue", tmp_path / "nope")
    assert code == 2 and out == "" and err == f"recipelint: error: --catalogue {tmp_path / 'nope'}: not a directory\n"
    (tmp_path / "none").mkdir()
    code, _, err = cli("check", "--catalogue", tmp_path / "none")
    assert code == 2 and len(err.splitlines()) == 1 and "no recipe" in err
    code, _, err = cli("check", "--catalogue", cat, "--select", "Q9")
    assert code == 2 and err.startswith("recipelint: error: --select Q9:")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_piped_sweep_imports_nothing_heavy_it_does_not_need(tmp_path, jobs):
    """No progress bar on a pipe (rich), no overlay tests (libcst), no schema rule selected (jsonschema),
    and libyaml composes every file (ruamel is the fallback)."""
    cat = make_catalogue(tmp_path, n_dump=3, n_clean=3)
    probe = ("import sys\nfrom recipelint.cli import run\n"
             f"sys.argv=['recipelint','check','--catalogue',{str(cat)!r},'-j',{jobs!r},'--select','B001']\n"
             "try:\n    run()\nexcept SystemExit:\n    pass\n"
             "print('HEAVY', sorted(m for m in ('rich', 'libcst', 'jsonschema', 'ruamel.yaml') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.splitlines()[-1] == "HEAVY []"


# --------------------------------------------------------------------------------------------- the cache
@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    d = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(d))
    return d / "recipelint"


def entries(cache_root: Path) -> list[Path]:
    return sorted(cache_root.rglob("*.json")) if cache_root.exists() else []


def test_cache_lives_in_xdg_cache_home(private_cache):
    assert cache.cache_dir() == private_cache


def test_a_hit_skips_the_engine_and_returns_the_same_findings(tmp_path, private_cache, monkeypatch):
    r = tmp_path / "rec"
    write_files(r, {"compose.yml": DUMP})
    first = catalogue.lint_catalogue([r], select=["B001"], jobs=1)
    assert len(entries(private_cache)) == 1

    def no_engine(*a, **k):
        raise AssertionError("the engine ran on a cache hit")

    monkeypatch.setattr(engine, "run", no_engine)
    second = catalogue.lint_catalogue([r], select=["B001"], jobs=1)
    assert [vars(f) for f in second[0][2]] == [vars(f) for f in first[0][2]]
    assert [(f.code, f.line, f.column) for f in second[0][2]] == [("B001", 6, 9)]
    assert second[0][2][0].fingerprint == first[0][2][0].fingerprint


def test_changing_a_file_changes_the_result(tmp_path, private_cache):
    r = tmp_path / "rec"
    write_files(r, {"compose.yml": DUMP})
    run = lambda: [(f.code, f.line, f.column) for f in catalogue.lint_catalogue([r], select=["B001"], jobs=1)[0][2]]
    assert run() == [("B001", 6, 9)]
    write_files(r, {"compose.yml": REPLAYED})
    assert run() == []
    write_files(r, {"compose.yml": DUMP})
    assert run() == [("B001", 6, 9)]
    # same size, same mtime second: only the contents differ (the key is the contents, not stat data)
    same_size = DUMP.replace("pg_dump -U a a", "pg_dump -U b b")
    assert len(same_size) == len(DUMP)
    st = os.stat(r / "compose.yml")
    write_files(r, {"compose.yml": same_size.replace("image: postgres:15", "image: postgrex:15")})
    os.utime(r / "compose.yml", ns=(st.st_atime_ns, st.st_mtime_ns))
    k1 = cache.recipe_key(r, "rec", None, {})
    write_files(r, {"compose.yml": same_size})
    os.utime(r / "compose.yml", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cache.recipe_key(r, "rec", None, {}) != k1
    # one slot per recipe and option set: the edits above overwrote it
    assert len(entries(private_cache)) == 1


def test_overlay_tests_selection_and_git_refs_are_part_of_the_key(tmp_path, private_cache):
    r = tmp_path / "rec"
    build_repo(r, [{"files": {"compose.yml": CLEAN}, "tag": "1.0.0+1.27"}])
    ov = tmp_path / "overlay"
    write_files(ov / "rec", {"test_a.py": "def test_a():\n    assert True\n"})
    k = cache.recipe_key(r, "rec", ov, {"select": ["B001"]})
    assert cache.recipe_key(r, "rec", ov, {"select": ["B001"]}) == k
    assert cache.recipe_key(r, "rec", ov, {"select": ["B"]}) != k
    assert cache.recipe_key(r, "rec", None, {"select": ["B001"]}) != k
    write_files(ov / "rec", {"test_a.py": "def test_a():\n    assert 1\n"})
    k2 = cache.recipe_key(r, "rec", ov, {"select": ["B001"]})
    assert k2 != k
    subprocess.run(["git", "-C", str(r), "tag", "1.0.1+1.27"], check=True, capture_output=True)
    k3 = cache.recipe_key(r, "rec", ov, {"select": ["B001"]})
    assert k3 != k2
    write_files(ov / "unrelated", {"test_b.py": "x = 1\n"})  # another recipe's overlay tests
    assert cache.recipe_key(r, "rec", ov, {"select": ["B001"]}) == k3


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 1, "key": "other", "findings": []}',
                                    b'{"format": 1}', b"\x00\xff" * 50, b"[1, 2, 3]"])
def test_a_damaged_entry_is_a_miss_and_gets_rewritten(tmp_path, private_cache, damage):
    r = tmp_path / "rec"
    write_files(r, {"compose.yml": DUMP})
    catalogue.lint_catalogue([r], select=["B001"], jobs=1)
    [slot] = entries(private_cache)
    slot.write_bytes(damage)
    res = catalogue.lint_catalogue([r], select=["B001"], jobs=1)
    assert [(f.code, f.line, f.column) for f in res[0][2]] == [("B001", 6, 9)]
    assert json.loads(slot.read_bytes())["format"] == cache.FORMAT


def test_a_forged_entry_for_the_right_key_is_what_a_hit_returns(tmp_path, private_cache):
    """Proves the cached path is really taken (the test above cannot tell a miss from a hit)."""
    r = tmp_path / "rec"
    write_files(r, {"compose.yml": DUMP})
    catalogue.lint_catalogue([r], select=["B001"], jobs=1)
    [slot] = entries(private_cache)
    entry = json.loads(slot.read_bytes())
    entry["findings"][0]["message"] = "from the cache"
    slot.write_text(json.dumps(entry))
    res = catalogue.lint_catalogue([r], select=["B001"], jobs=1)
    assert [f.message for f in res[0][2]] == ["from the cache"]
    nocache = catalogue.lint_catalogue([r], select=["B001"], jobs=1, cache=False)
    assert [f.message for f in nocache[0][2]] != ["from the cache"]


def test_no_cache_flag_neither_reads_nor_writes(tmp_path):
    xdg = tmp_path / "xdg"
    r = tmp_path / "rec"
    write_files(r, {"compose.yml": DUMP})
    code, out, _ = cli("check", r, "--select", "B001", "--no-cache", env={"XDG_CACHE_HOME": str(xdg)})
    assert code == 1 and "compose.yml:6:9: B001" in out
    assert entries(xdg / "recipelint") == []
    code, out2, _ = cli("check", r, "--select", "B001", env={"XDG_CACHE_HOME": str(xdg)})
    assert code == 1 and out2 == out and len(entries(xdg / "recipelint")) == 1
    code, out3, _ = cli("check", "--catalogue", tmp_path, "--select", "B001", "--no-cache",
                        env={"XDG_CACHE_HOME": str(tmp_path / "xdg2")})
    assert code == 1 and "rec/compose.yml:6:9: B001" in out3
    assert entries(tmp_path / "xdg2" / "recipelint") == []


def test_an_unwritable_cache_dir_is_not_an_error(tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    r = tmp_path / "rec"
    write_files(r, {"compose.yml": DUMP})
    code, out, err = cli("check", r, "--select", "B001", env={"XDG_CACHE_HOME": str(blocker)})
    assert code == 1 and "compose.yml:6:9: B001" in out and err == ""


def test_a_terminal_gets_a_progress_bar_on_stderr_and_stdout_stays_clean(tmp_path):
    import pty

    cat = make_catalogue(tmp_path, n_dump=3, n_clean=3)
    master, slave = pty.openpty()
    try:
        r = subprocess.Popen([sys.executable, "-c", "from recipelint.cli import run; run()", "check", "--catalogue",
                              str(cat), "--select", "B001", "-j", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=slave, env={**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm",
                                                "COLUMNS": "100"})
        os.close(slave)
        out, _ = r.communicate(timeout=120)
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
    finally:
        os.close(master)
    assert r.returncode == 1
    assert b"linting" in err and b"/6" in err  # the bar, on the terminal
    assert b"linting" not in out and out.decode().splitlines()[-1] == "6 recipes: 3 with findings, 3 clean"


def test_each_recipe_gets_its_nearest_config_file_and_inline_ignores(tmp_path):
    cat = make_catalogue(tmp_path, n_dump=3, n_clean=1)
    (cat / ".recipelint.toml").write_text('ignore = ["B001"]\n')  # the catalogue's config ...
    (cat / "dump-1" / ".recipelint.toml").write_text('fail-on = "error"\n')  # ... which dump-1's own replaces
    suppressed = DUMP.replace('x.sql"\n', 'x.sql"  # recipelint: ignore[B001] replayed by the ops runbook\n')
    write_files(cat / "dump-2", {"compose.yml": suppressed, ".recipelint.toml": 'fail-on = "error"\n'})
    code, out, err = cli("check", "--catalogue", cat, "--select", "B001")
    assert (code, err) == (1, "")
    assert [ln.split(": ")[0] for ln in out.splitlines() if ": B001 " in ln] == [f"{cat}/dump-1/compose.yml:6:9"]
    assert [ln.split() for ln in out.splitlines() if ln.startswith(("dump-", "clean-"))] == \
        [["dump-1", "1", "0", "0", "1"]]
    code, out, _ = cli("check", "--catalogue", cat, "--select", "B001", "--no-inline-ignores")
    assert [ln.split(": ")[0] for ln in out.splitlines() if ": B001 " in ln] == \
        [f"{cat}/dump-1/compose.yml:6:9", f"{cat}/dump-2/compose.yml:6:9"]
    code, out, _ = cli("check", "--catalogue", cat, "--select", "B001", "--isolated")
    assert len([ln for ln in out.splitlines() if ": B001 " in ln]) == 2  # dump-2's stays suppressed inline
    code, _, err = cli("check", "--catalogue", cat, "--config", tmp_path / "nope.toml")
    assert code == 2 and err.startswith("recipelint: error: --config")


def test_the_sweep_really_shares_the_recipes_between_processes(tmp_path, monkeypatch):
    import time

    cat = make_catalogue(tmp_path, n_dump=6, n_clean=6)
    paths = catalogue.discover_recipes([cat])
    real = catalogue._lint

    def tagged(path):  # the forked workers inherit this wrapper
        time.sleep(0.05)
        p, name, fs, _err, failing = real(path)
        return p, name, fs, f"pid {os.getpid()}", failing

    monkeypatch.setattr(catalogue, "_lint", tagged)
    res = catalogue.lint_catalogue(paths, select=["B001"], jobs=3, cache=False)
    pids = {err for *_x, err in res}
    assert len(pids) == 3 and f"pid {os.getpid()}" in pids  # this process and two workers each did some
    assert [r[1] for r in res] == [p.name for p in paths]


def test_the_api_leaves_suppressed_findings_out_unless_asked(tmp_path):
    cat = tmp_path / "cat"
    write_files(cat / "rec", {"compose.yml": DUMP.replace('x.sql"\n', 'x.sql"  # recipelint: ignore[B001] runbook\n')})
    [(_p, name, fs, err)] = catalogue.lint_catalogue(catalogue.discover_recipes([cat]), select=["B001"], jobs=1)
    assert (name, fs, err) == ("rec", [], None)
    [(_p, _n, fs, _e)] = catalogue.lint_catalogue([cat / "rec"], select=["B001"], jobs=1, keep_suppressed=True)
    assert [(f.code, f.line, f.column, f.suppressed["justification"]) for f in fs] == [("B001", 6, 9, "runbook")]


def test_the_key_follows_symlinked_dirs_once_and_never_opens_a_fifo(tmp_path):
    r = tmp_path / "rec"
    shared = tmp_path / "shared"
    write_files(r, {"compose.yml": CLEAN})
    write_files(shared, {"app.conf.tmpl": "a\n"})
    os.symlink(shared, r / "conf")
    os.symlink(r, r / "loop")  # a link back up: walked once, not forever
    os.mkfifo(r / "pipe")
    k = cache.recipe_key(r, "rec", None, {})
    write_files(shared, {"app.conf.tmpl": "b\n"})  # a file the recipe reads through its link
    assert cache.recipe_key(r, "rec", None, {}) != k
