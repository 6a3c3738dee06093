"""The fast `check` entry (recipelint.entry): it parses exactly as click does or leaves the argv to click, it
imports no click, and what it prints, writes and exits with is what the click command gives."""

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recipelint import cli
from recipelint.checkopts import CHECK_OPTIONS, Decline, parse_check
from recipelint.entry import fast_params

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures" / "recipes"

# a fixed place for path values: an existing directory, an existing file, a missing path
_PLACE = Path(tempfile.mkdtemp(prefix="recipelint-cli-fast-"))
(_PLACE / "dir").mkdir()
(_PLACE / "file.toml").write_text("")
DIR, FILE, MISSING = str(_PLACE / "dir"), str(_PLACE / "file.toml"), str(_PLACE / "missing")


def click_params(args):
    """ctx.params of click's `check` for these args (after `check`), or None when click refuses them."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            with cli.main.make_context("recipelint", ["check"]) as group:
                return cli.check.make_context("check", list(args), parent=group).params
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort,
                ValueError):  # ValueError: os.stat of a path with a NUL, a crash in click
            return None


def fast(args):
    try:
        return parse_check(list(args))
    except Decline:
        return None


def typed(params):
    """Values with their types: Path('x') and 'x', 1 and True, () and [] must not compare equal."""
    def t(v):
        if isinstance(v, tuple):
            return ("tuple", tuple(t(x) for x in v))
        return (type(v).__name__, v)
    return {k: t(v) for k, v in params.items()}


VALUES = {
    "choice": st.sampled_from(["text", "json", "sarif", "concise", "full", "github", "junit", "error", "warning",
                               "info", "JSON", "bogus", "", " json"]),
    "int": st.sampled_from(["1", "2", "16", "0", "-1", "x", " 3", "+2", "2_0", "\u0663", "1.5", ""]),
    "path": st.sampled_from([DIR, FILE, MISSING, "", "-", "--", "a=b", "-x", "rel/x", "é", "x\0y"]),
    "str": st.sampled_from(["B", "N0,B001", "", "-x", "B001,", "--no-cache", "a=b"]),
}
JUNK = st.sampled_from(["--", "-", "--bogus", "-h", "--help", "--version", "-x", "-jo", "-oj", "--no-cache=1",
                        "--show-fix=", "--=x", "-", "-o=", "--format=", "check", "rules", DIR, FILE, MISSING,
                        "\udcff", "-j=2", "-5"])


@st.composite
def option_tokens(draw):
    opt = draw(st.sampled_from(CHECK_OPTIONS))
    flag = draw(st.sampled_from(opt.flags))
    if opt.kind == "flag":
        return [flag]
    value = draw(VALUES[opt.kind])
    if len(flag) == 2:  # a short option: attached or next
        return draw(st.sampled_from([[flag + value], [flag, value]])) if value else [flag, value]
    form = draw(st.sampled_from(["next", "eq", "missing"]))
    if form == "eq":
        return [f"{flag}={value}"]
    if form == "missing":
        return [flag]
    return [flag, value]


ARGV = st.lists(st.one_of(option_tokens(), st.lists(JUNK, min_size=1, max_size=1),
                          st.lists(VALUES["path"], min_size=1, max_size=1)), max_size=8).map(
    lambda chunks: [t for c in chunks for t in c])


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARGV)
def test_the_fast_parser_declines_or_gives_exactly_clicks_parameters(args):
    mine = fast(args)
    if mine is None:
        return
    theirs = click_params(args)
    assert theirs is not None, f"click refuses {args!r}, the fast parser took it: {mine!r}"
    assert typed(mine) == typed(theirs)


ACCEPTED = [
    [],
    [DIR],
    [DIR, FILE, MISSING],
    ["--no-cache", DIR],
    [DIR, "--overlay", DIR, "--no-cache"],
    ["--format", "json", DIR],
    ["--format=sarif", DIR],
    ["--output-format", "junit", DIR],
    ["-o", MISSING, DIR],
    ["-o" + MISSING, DIR],
    ["--output=" + MISSING, DIR],
    ["--output-file", FILE, DIR],
    ["-j", "2", "--catalogue", DIR],
    ["-j2", "--catalogue", DIR, "--catalogue", DIR],
    ["--jobs=3", "--catalogue", DIR],
    ["--select", "B", "--select", "N0,B001", "--ignore", "S010", DIR],
    ["--fail-on", "info", "--show-fix", "--no-inline-ignores", "--isolated", DIR],
    ["--config", FILE, DIR],
    ["--format", "json", "--format", "text", DIR],
    ["--", "--format", "-o"],
    [DIR, "--", DIR],
    ["-"],
    ["--overlay", "--no-cache"],  # click takes the next token as the value, whatever it is
]


@pytest.mark.parametrize("args", ACCEPTED, ids=[" ".join(a)[-60:] or "-" for a in ACCEPTED])
def test_the_usual_argv_is_taken_by_the_fast_parser_as_click_takes_it(args):
    mine = fast(args)
    assert mine is not None
    assert typed(mine) == typed(click_params(args))


DECLINED = [
    ["--help"], ["-h"], [DIR, "-h"], ["--version"], ["--bogus"], ["--format", "bogus"], ["--format"],
    ["--jobs", "0"], ["-j", "x"], ["-jx"], ["-o"], ["-o", DIR], ["--config", DIR], ["--no-cache=yes"],
    ["--fail-on", "nope"], ["-x"], ["-oj" + "\0"], ["x\0y"], ["\udcff"],
]


@pytest.mark.parametrize("args", DECLINED, ids=[repr(a) for a in DECLINED])
def test_the_fast_parser_leaves_help_errors_and_odd_tokens_to_click(args):
    assert fast(args) is None


def test_only_a_plain_check_takes_the_fast_path(monkeypatch):
    assert fast_params(["check", DIR]) == parse_check([DIR])
    for argv in ([], ["--help"], ["--version"], ["rules"], ["fix", DIR], ["report", DIR], ["confirm", DIR],
                 ["-h", "check"], ["--", "check"], ["chec"], ["check", "--help"]):
        assert fast_params(argv) is None, argv
    monkeypatch.setattr(os, "name", "nt")  # click's main expands wildcards in argv on Windows
    assert fast_params(["check", DIR]) is None
    monkeypatch.undo()
    monkeypatch.setenv("_RECIPELINT_COMPLETE", "bash_complete")
    assert fast_params(["check", DIR]) is None


def test_the_click_command_is_built_from_the_table():
    params = {p.name: p for p in cli.check.params}
    assert list(params) == ["paths"] + [o.dest for o in CHECK_OPTIONS]
    for o in CHECK_OPTIONS:
        p = params[o.dest]
        assert (tuple(p.opts), p.is_flag, p.multiple, p.help, bool(p.show_default)) == (
            o.flags, o.kind == "flag", o.multiple, o.help, o.show_default), o.dest
        if o.default is not None:  # the values of absent options: the differential tests above
            assert p.default == o.default
        if o.kind == "choice":
            assert tuple(p.type.choices) == o.choices
        if o.kind == "int":
            assert (p.type.min, p.type.max) == (o.min, None)
        if o.kind == "path":
            assert p.type.dir_okay is o.dir_okay and p.type.exists is False
    assert params["paths"].nargs == -1 and params["paths"].required is False


# ------------------------------------------------------------------------------------------ subprocesses
FAST = "from recipelint.entry import run; run()"
CLICK = "from recipelint.cli import run; run()"


def run(entry, *args, extra=(), cwd=ROOT, env=None):
    r = subprocess.run([sys.executable, *extra, "-c", entry, *map(str, args)], capture_output=True,
                       cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    return r.returncode, r.stdout, r.stderr


def imported(stderr: bytes) -> set[str]:
    """Module names in `-X importtime` output."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.decode().splitlines()
            if line.startswith("import time:") and "|" in line}


@pytest.mark.parametrize("args", [
    ["check", FIX / "gitea", "--no-cache"],
    ["check", "--catalogue", FIX, "--no-cache", "-j", "1", "--format", "json"],
])
def test_a_piped_check_imports_no_click(args):
    code, out, err = run(FAST, *args, extra=["-X", "importtime"])
    mods = imported(err)
    assert "recipelint.engine" in mods and code == 1
    assert not {m for m in mods if m == "click" or m.startswith("click.")}
    assert "recipelint.cli" not in mods
    code, _, err = run(FAST, "rules", "--format", "json", extra=["-X", "importtime"])
    assert code == 0 and "click" in imported(err)  # the other commands are click's


SAME = [
    (["check", FIX / "gitea", "--no-cache"], 1),
    (["check", FIX / "gitea", "--no-cache", "--format", "json"], 1),
    (["check", FIX / "gitea", "--no-cache", "--format=sarif"], 1),
    (["check", FIX / "gitea", "--no-cache", "--output-format", "full"], 1),
    (["check", FIX / "gitea", "--no-cache", "--format", "github", "--fail-on", "info"], 1),
    (["check", FIX / "gitea", "--no-cache", "--format", "junit", "--ignore", "N"], 1),
    (["check", FIX / "mumble", FIX / "gitea", "--no-cache", "--format", "concise", "--select", "B,N0,C"], 1),
    (["check", FIX / "mumble", "--no-cache", "--show-fix"], 0),
    (["check", "--no-cache", "--", FIX / "keycloak"], 0),
    (["check", *sorted(p for p in FIX.iterdir() if p.is_dir()), "--no-cache", "--format", "full", "--show-fix"], 1),
    (["check", "--catalogue", FIX, "-j1", "--no-cache"], 1),
    (["check", "--catalogue", FIX, "--no-cache", "--format", "json", "--isolated", "--no-inline-ignores"], 1),
    (["check", FIX / "gitea", "--select", "ZZZ"], 2),
    (["check", FIX / "gitea", "--overlay", MISSING], 2),
    (["check", FIX / "gitea", "--config", MISSING], 2),
    (["check", MISSING], 2),
    (["check", "--catalogue", MISSING], 2),
    (["check", FIX / "gitea", "-o", Path(MISSING) / "x" / "out.txt"], 2),
    # click's own usage errors and help, through the fast entry's fallback
    (["check", FIX / "gitea", "--format", "bogus"], 2),
    (["check", "--jobs", "0", "--catalogue", FIX], 2),
    (["check", "--bogus"], 2),
    (["check", "-o"], 2),
    (["check", "-o", DIR, FIX / "gitea"], 2),
    (["check", "--help"], 0),
    (["--version"], 0),
    ([], 2),
    (["rules"], 0),
]


@pytest.mark.parametrize("args,code", SAME, ids=[" ".join(map(str, a)).replace(str(ROOT), "")[-70:] or "-"
                                                  for a, _ in SAME])
def test_the_fast_entry_prints_and_exits_as_the_click_command(args, code):
    fast_run = run(FAST, *args)
    assert fast_run[0] == code, fast_run[2]
    assert fast_run == run(CLICK, *args)


def test_usage_errors_on_the_fast_entry_are_clicks():
    assert run(FAST, "check", FIX / "gitea", "--format", "bogus") == (
        2, b"", b"recipelint: error: Invalid value for '--format' / '--output-format': 'bogus' is not one of "
                b"'text', 'concise', 'full', 'json', 'sarif', 'github', 'junit'.\n")
    assert run(FAST, "check", "-j0", "--catalogue", FIX) == (
        2, b"", b"recipelint: error: Invalid value for '--jobs' / '-j': 0 is not in the range x>=1.\n")
    code, out, err = run(FAST, "check", "-h")
    assert (code, err) == (0, b"") and out.startswith(b"Usage: -c check [OPTIONS] [PATHS]...\n")  # prog: python -c


def test_an_output_file_is_written_whole_by_both(tmp_path):
    args = ["check", FIX / "gitea", "--no-cache", "--format", "json"]
    assert run(FAST, *args, "-o", tmp_path / "fast.json") == (1, b"", b"")
    assert run(CLICK, *args, "--output-file", tmp_path / "click.json") == (1, b"", b"")
    text = (tmp_path / "fast.json").read_bytes()
    assert text == (tmp_path / "click.json").read_bytes() == run(CLICK, *args)[1]
    assert text.endswith(b"}\n")


def test_the_result_cache_is_complete_when_the_fast_entry_exits(tmp_path):
    """The fast entry leaves with os._exit: the cache entry it wrote must be whole, and a second run a hit."""
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    first = run(FAST, "check", FIX / "gitea", "--format", "json", env=env)
    entries = list((tmp_path / "recipelint").rglob("*.json"))
    assert first[0] == 1 and len(entries) == 1
    import json

    assert json.loads(entries[0].read_text())["findings"]
    stamp = entries[0].stat().st_mtime_ns
    assert run(FAST, "check", FIX / "gitea", "--format", "json", env=env) == first
    assert entries[0].stat().st_mtime_ns == stamp  # read, not rewritten: a hit
    assert first == run(CLICK, "check", FIX / "gitea", "--format", "json", "--no-cache")


def test_python_dash_m_and_the_console_script_use_the_fast_entry():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"recipelint": "recipelint.entry:run"}
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "recipelint", "check", FIX / "mumble", "--no-cache"],
                       capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (r.returncode, r.stdout) == run(CLICK, "check", FIX / "mumble", "--no-cache")[:2]
    assert r.returncode == 0 and "click" not in imported(r.stderr)


def test_a_closed_pipe_exits_1_quietly_on_both_paths():
    # `check --format json | head -c 1`: the reader goes away; no traceback, no "Exception ignored"
    outs = []
    for entry in (FAST, CLICK):
        proc = subprocess.Popen([sys.executable, "-c", entry, "check", "--catalogue", FIX, "--no-cache", "-j1",
                                 "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        proc.stdout.close()  # before it writes
        err = proc.stderr.read()
        outs.append((proc.wait(), err))
    assert outs[0] == outs[1] == (1, b"")


RAISING = ("import sys\nfrom recipelint import checkcmd\n"
           "def boom(**kw):\n    raise {exc}\n"
           "checkcmd.check = boom\n"
           "from recipelint.{mod} import run\nrun()\n")


@pytest.mark.parametrize("exc,code,err", [
    ("ValueError('kaboom')", 2, b"recipelint: internal error: ValueError: kaboom (RECIPELINT_DEBUG=1 shows the "
                                b"traceback; please report it)\n"),
    ("KeyboardInterrupt()", 130, b"\nrecipelint: aborted\n"),
    ("checkcmd.UsageProblem('no good')", 2, b"recipelint: error: no good\n"),
    ("PermissionError(13, 'Permission denied', '/x/out')", 2, b"recipelint: error: /x/out: Permission denied\n"),
    ("BrokenPipeError(32, 'Broken pipe')", 1, b""),
])
def test_errors_in_the_check_body_end_as_on_the_click_path(exc, code, err):
    got = [run(RAISING.format(exc=exc, mod=mod), "check", FIX / "mumble") for mod in ("entry", "cli")]
    assert got[0] == got[1] == (code, b"", err)


def test_recipelint_debug_shows_the_traceback_on_the_fast_path():
    code, out, err = run(RAISING.format(exc="ValueError('kaboom')", mod="entry"), "check", FIX / "mumble",
                         env={"RECIPELINT_DEBUG": "1"})
    assert code == 1 and err.startswith(b"Traceback") and err.endswith(b"ValueError: kaboom\n")


ECHO = ("import sys\nfrom recipelint.checkcmd import echo\n"
        "echo(sys.argv[1].encode().decode('unicode_escape'))\n"
        "echo(sys.argv[1].encode().decode('unicode_escape') + '\\n', err=True)\n"
        "print('|', 'click' in sys.modules, file=sys.stderr)\n")
CLICK_ECHO = ("import sys, click\n"
              "click.echo(sys.argv[1].encode().decode('unicode_escape'), nl=False)\n"
              "click.echo(sys.argv[1].encode().decode('unicode_escape'), err=True)\n"
              "print('|', False, file=sys.stderr)\n")


@pytest.mark.parametrize("text,encoding", [
    (t, e) for e in (None, "ascii", "latin-1") for t in ("plain\\n", "", "caf\\u00e9\\n", "red \\x1b[31mX\\x1b[0m\\n")
] + [("\\u2713 \\x1b[1mbold\\n", None), ("\\u2713\\n", "ascii")])
def test_echo_writes_what_click_echo_writes(text, encoding):
    env = {"PYTHONIOENCODING": encoding} if encoding else {}
    mine = subprocess.run([sys.executable, "-c", ECHO, text], capture_output=True, env={**os.environ, **env})
    theirs = subprocess.run([sys.executable, "-c", CLICK_ECHO, text], capture_output=True, env={**os.environ, **env})
    assert (mine.returncode, mine.stdout) == (theirs.returncode, theirs.stdout)
    assert mine.stderr.rsplit(b"|", 1)[0] == theirs.stderr.rsplit(b"|", 1)[0]
    # click is loaded only where click.echo would not simply write the text (escapes stripped, a re-wrapped
    # ASCII stream)
    plain = "\\x1b" not in text and encoding != "ascii"
    assert mine.stderr.rsplit(b"|", 1)[1].split() == [str(not plain).encode()]
