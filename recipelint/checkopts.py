"""`recipelint check`'s options as plain data: the one source of truth for its click command and its fast parser.

cli.py builds `check`'s click decorators from CHECK_ARGUMENT and CHECK_OPTIONS; recipelint.entry parses the
argv of a plain `check` with :func:`parse_check` (no click import) and hands anything it is not sure of to
click. This module imports nothing beyond what the interpreter has loaded at startup (os, stat).
"""

from __future__ import annotations

import os
import stat

FORMATS = ("text", "concise", "full", "json", "sarif", "github", "junit")
SEVERITIES = ("error", "warning", "info")


class Opt:
    """One option. kind: "flag" (is_flag), "str", "choice" (``choices``), "int" (``min``: click.IntRange(min=)),
    "path" (click.Path(path_type=Path, dir_okay=``dir_okay``)). ``flags`` as click takes them (the first long one
    names the option in click's messages)."""

    __slots__ = ("dest", "flags", "kind", "multiple", "choices", "min", "default", "show_default", "help",
                 "dir_okay")

    def __init__(self, dest, flags, kind, help, *, multiple=False, choices=None, min=None, default=None,
                 show_default=False, dir_okay=True):
        self.dest, self.flags, self.kind, self.help = dest, flags, kind, help
        self.multiple, self.choices, self.min, self.default = multiple, choices, min, default
        self.show_default, self.dir_okay = show_default, dir_okay

    @property
    def takes_value(self) -> bool:
        return self.kind != "flag"

    def empty(self):
        """The value click gives when the option is absent."""
        if self.multiple:
            return ()
        return False if self.kind == "flag" else self.default


# PATHS: click.argument("paths", nargs=-1, required=False, type=click.Path(path_type=Path))
CHECK_ARGUMENT = {"dest": "paths", "nargs": -1, "required": False, "kind": "path"}

# In click's order (the order of `recipelint check --help`).
CHECK_OPTIONS = (
    Opt("overlay", ("--overlay",), "path",
        "cc-ci style overlay root: DIR/<recipe>/**/*.py are that recipe's overlay tests."),
    Opt("fmt", ("--format", "--output-format"), "choice",
        "text/concise: one line per finding; full: with the source line and a caret; json: the "
        "envelope of schemas/findings.schema.json; sarif: SARIF 2.1.0; github: workflow annotations; "
        "junit: JUnit XML.", choices=FORMATS, default="text", show_default=True),
    Opt("select", ("--select",), "str",
        "Only these codes (comma-separated, by prefix: B, N0, B001). Replaces the config file's `select`.",
        multiple=True),
    Opt("ignore", ("--ignore",), "str",
        "Skip these codes (comma-separated, by prefix). Replaces the config file's `ignore`.", multiple=True),
    Opt("fail_on", ("--fail-on",), "choice",
        "Lowest severity that makes the exit code 1 (default: the config's `fail-on`, else error).",
        choices=SEVERITIES),
    Opt("show_fix", ("--show-fix",), "flag", "Text format: print each finding's fix under it."),
    Opt("output", ("--output-file", "--output", "-o"), "path",
        "Write the report to this file instead of standard output.", dir_okay=False),
    Opt("no_inline_ignores", ("--no-inline-ignores",), "flag",
        "Disregard every `recipelint: ignore[...]` comment (CI: see everything)."),
    Opt("config_file", ("--config",), "path",
        "Use this pyproject.toml or .recipelint.toml instead of the nearest one above each recipe.",
        dir_okay=False),
    Opt("isolated", ("--isolated",), "flag", "Use no configuration file."),
    Opt("catalogue", ("--catalogue",), "path",
        "Lint every recipe under DIR (each subdirectory holding a compose*.yml or .env.sample), in parallel. "
        "Repeatable.", multiple=True),
    Opt("jobs", ("--jobs", "-j"), "int", "Worker processes for --catalogue (default: cores).", min=1),
    Opt("no_cache", ("--no-cache",), "flag", "Ignore and do not write the result cache."),
)

_LONG = {f: o for o in CHECK_OPTIONS for f in o.flags if f.startswith("--")}
_SHORT = {f[1]: o for o in CHECK_OPTIONS for f in o.flags if len(f) == 2 and f[0] == "-" and f[1] != "-"}


class Decline(Exception):
    """The fast parser is not sure: click parses this argv (and gives its own help or error)."""


def _path(value: str, opt_dir_okay: bool):
    # click.Path(exists=False, readable=True): a missing path is fine; an existing one must be readable,
    # and not a directory where dir_okay=False. Anything click would refuse, or might treat differently,
    # goes to click.
    try:
        st = os.stat(value)
    except OSError:
        pass
    except ValueError:  # an embedded NUL
        raise Decline from None
    else:
        if not opt_dir_okay and stat.S_ISDIR(st.st_mode):
            raise Decline
        if not os.access(value, os.R_OK):
            raise Decline
    from pathlib import Path

    return Path(value)


def _convert(opt: Opt, value: str):
    if opt.kind == "str":
        return value
    if opt.kind == "choice":
        if value not in opt.choices:
            raise Decline
        return value
    if opt.kind == "int":
        try:
            n = int(value)
        except ValueError:
            raise Decline from None
        if opt.min is not None and n < opt.min:
            raise Decline
        return n
    return _path(value, opt.dir_okay)


def parse_check(args: list[str]) -> dict:
    """The parameters click's `check` command would get for ``args`` (the argv after `check`), or Decline.

    Mirrors click's parser for this table: options anywhere among the paths, `--` ends options, `--opt=value`,
    a short option's value attached (`-j2`, `-ofile`) or the next token (whatever it is), repeated options
    (the last wins, or all with multiple=True). Declined: help, anything unknown, a flag given a value,
    a missing value, a value click would refuse, and tokens that are not plain text.
    """
    raw: dict[str, list[str]] = {}
    flags: set[str] = set()
    positional: list[str] = []
    rest = list(args)
    rest.reverse()  # pop() from the end
    while rest:
        arg = rest.pop()
        if "\0" in arg or not _plain(arg):
            raise Decline
        if arg == "--":
            rest.reverse()
            for a in rest:
                if "\0" in a or not _plain(a):
                    raise Decline
            positional.extend(rest)
            break
        if arg[:1] != "-" or len(arg) == 1:
            positional.append(arg)
            continue
        name, eq, value = arg.partition("=")
        opt = _LONG.get(name)
        if opt is None and arg[:2] == "--":
            raise Decline  # unknown long option (or --help): click says so
        if opt is not None:
            if not opt.takes_value:
                if eq:
                    raise Decline  # "does not take a value"
                flags.add(opt.dest)
                continue
            if not eq:
                if not rest:
                    raise Decline  # "requires an argument"
                value = rest.pop()
                if "\0" in value or not _plain(value):
                    raise Decline
        else:  # a short option cluster: -oFILE, -j2, -o FILE
            opt = _SHORT.get(arg[1])
            if opt is None or not opt.takes_value:
                raise Decline  # -h, an unknown letter
            value = arg[2:]
            if not value:
                if not rest:
                    raise Decline
                value = rest.pop()
                if "\0" in value or not _plain(value):
                    raise Decline
        raw.setdefault(opt.dest, []).append(value)
    params = {}
    for opt in CHECK_OPTIONS:
        if opt.kind == "flag":
            params[opt.dest] = opt.dest in flags
        elif opt.dest in raw:
            vals = raw[opt.dest]
            # multiple: every occurrence, in order; otherwise click keeps (and converts) only the last
            params[opt.dest] = tuple(_convert(opt, v) for v in vals) if opt.multiple else _convert(opt, vals[-1])
        else:
            params[opt.dest] = opt.empty()
    params[CHECK_ARGUMENT["dest"]] = tuple(_path(p, True) for p in positional)
    return params


def _plain(s: str) -> bool:
    """Text argv as it usually is: no lone surrogates (undecodable bytes), which click may treat otherwise."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
