"""`recipelint check` without click: the command's body, shared by the click command (cli.check) and the fast
entry (recipelint.entry), and the helpers both use (usage problems, --select/--ignore checks, output).

Nothing here imports click, unless :func:`echo` meets a case only click's echo settles exactly.
"""

from __future__ import annotations

import codecs
import io
import sys


class UsageProblem(Exception):
    pass


def fail(msg: str) -> None:
    raise UsageProblem(msg)


def selection(select, ignore, overlay=None):
    """(rules, --select codes, --ignore codes) for a command, with the flags and --overlay checked."""
    from . import engine

    rules = engine.discover()
    codes = engine.known_codes(rules)
    sel = resolve_codes(select, codes, "--select")
    ign = resolve_codes(ignore, codes, "--ignore")
    if overlay is not None and not overlay.is_dir():
        fail(f"--overlay {overlay}: not a directory")
    return rules, sel, ign


def resolve_codes(values, all_codes: set[str], flag: str) -> list[str]:
    from .engine import split_codes

    codes = split_codes(values)
    for c in codes:
        if not any(k.startswith(c) for k in all_codes):
            fail(f"{flag} {c}: no rule code starts with {c!r} (see `recipelint rules`)")
    return codes


def error_line(exc: Exception) -> str:
    """The one line (no newline) a failure ends with on either entry path: an OSError names its file;
    anything else is an internal error, re-raised instead under RECIPELINT_DEBUG=1."""
    if isinstance(exc, OSError):  # e.g. `-o` into a directory that does not exist
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return f"recipelint: error: {where}{exc.strerror or exc}"
    import os

    if os.environ.get("RECIPELINT_DEBUG"):
        raise exc
    return (f"recipelint: internal error: {type(exc).__name__}: {exc} "
            "(RECIPELINT_DEBUG=1 shows the traceback; please report it)")


def _plain_stream(stream) -> bool:
    """A stream click.echo would write to as it is, and where its output is the text itself."""
    if type(stream) is not io.TextIOWrapper or not stream.errors or not stream.encoding:
        return False
    try:
        return codecs.lookup(stream.encoding).name != "ascii"  # click re-wraps an ASCII stream in UTF-8
    except LookupError:
        return False


def echo(text: str, err: bool = False) -> None:
    """click.echo(text, nl=False, err=err), byte for byte: write and flush. Where click would do more
    (ANSI escapes it strips when not on a terminal, an ASCII or unusual stream it re-wraps), or when click is
    loaded anyway, click.echo itself writes."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:
        return
    if "click" in sys.modules or "\x1b" in text or not _plain_stream(stream):
        import click

        click.echo(text, nl=False, err=err)
        return
    if text:
        stream.write(text)
    stream.flush()


def check(paths=(), overlay=None, fmt="text", select=(), ignore=(), fail_on=None, show_fix=False, output=None,
          catalogue=(), jobs=None, no_cache=False, no_inline_ignores=False, config_file=None,
          isolated=False) -> int:
    """`recipelint check` with click's parameters (recipelint.checkopts): print the report, return the exit code.

    Exit codes: 0 no finding at the failing severity, 1 findings, 2 usage error (UsageProblem, raised).
    """
    if catalogue:
        from .catalogue import check_catalogue
        return check_catalogue(catalogue, paths=paths, overlay=overlay, fmt=fmt, select=select, ignore=ignore,
                               fail_on=fail_on, show_fix=show_fix, output=output, jobs=jobs,
                               cache=not no_cache, resolve=resolve_codes, fail=fail,
                               config_options={"no_inline_ignores": no_inline_ignores, "config_file": config_file,
                                               "isolated": isolated})
    from pathlib import Path

    paths = paths or (Path("."),)
    from . import config, engine
    from .catalogue import run_cached
    from .model import NotARecipe, Recipe
    from .report import FORMATS

    rules, sel, ign = selection(select, ignore, overlay)
    codes = engine.known_codes(rules)
    if config_file is not None and not config_file.is_file():
        fail(f"--config {config_file}: no such file")
    recipes = []
    for p in paths:
        try:
            recipes.append((p, Recipe.load(p, overlay_root=overlay)))
        except NotARecipe as exc:
            fail(str(exc))
    findings = []
    roots = {}
    failing = False
    configs: dict = {}
    for p, r in recipes:
        try:  # the nearest config file; flags win over it (recipelint.config)
            chosen, eff, cfg = config.prepare(p, r, rules, codes, select=sel, ignore=ign, fail_on=fail_on,
                                              no_inline_ignores=no_inline_ignores, config_file=config_file,
                                              isolated=isolated, cache=configs)
        except config.ConfigError as exc:
            fail(str(exc))
        found = run_cached(p, r, chosen, select_=eff.select, ignore=eff.ignore, overlay=overlay,
                           use_cache=not no_cache, config_key=cfg.key(), inline_ignores=eff.inline_ignores,
                           keep_suppressed=True)
        found, fails = config.finish(cfg, eff, found)
        failing = failing or fails
        findings.extend(found)
        roots[(r.name, "recipe")] = str(p)
        if overlay is not None:
            roots[(r.name, "overlay")] = str(overlay)
    text = FORMATS[fmt](findings, roots=roots, recipes=[r.name for _, r in recipes], show_fix=show_fix)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        echo(text)
    return 1 if failing else 0
