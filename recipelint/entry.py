"""The console entry point (`recipelint`, `python -m recipelint`): a plain `recipelint check ...` without click.

click is the command line: every command, help text, error message and completion is click's
(recipelint.cli). Importing it costs ~25 ms, about a fifth of a cold single-recipe check, so the
pre-commit/CI hot path - `recipelint check [PATHS] [options]` - is parsed here from the same option
table (recipelint.checkopts) and runs the same body (recipelint.checkcmd.check). Anything the fast parser
is not sure of (another command, no command, help, --version, an unknown option, a missing or refused
value, shell completion) goes to click unchanged, so its help and errors stay click's.
"""

from __future__ import annotations

import os
import sys


def _completing() -> bool:
    # click's shell completion: `_<PROG>_COMPLETE` set in the environment (the name depends on argv[0])
    return any(k[:1] == "_" and k.endswith("_COMPLETE") for k in os.environ)


def fast_params(argv: list[str]) -> dict | None:
    """The parameters of `check` for this argv (without the program name), or None: click parses it."""
    if not argv or argv[0] != "check" or _completing() or os.name == "nt":  # click expands globs on Windows
        return None
    from .checkopts import Decline, parse_check

    try:
        return parse_check(argv[1:])
    except Decline:
        return None


class _PacifyFlush:
    """A stream whose flush ignores a closed pipe (as click's main does after EPIPE): no 'Exception ignored'
    at interpreter exit."""

    def __init__(self, wrapped):
        self._wrapped = wrapped

    def __getattr__(self, name):
        return getattr(self._wrapped, name)

    def flush(self):
        try:
            self._wrapped.flush()
        except OSError as exc:
            import errno

            if exc.errno != errno.EPIPE:
                raise


def run_check(params: dict) -> int:
    """checkcmd.check with cli.run's handling: one line on stderr for a usage problem or an error, never a
    traceback (RECIPELINT_DEBUG=1 re-raises internal errors); the exit code."""
    from .checkcmd import UsageProblem, check, echo, error_line

    try:
        try:
            return check(**params)
        except (EOFError, KeyboardInterrupt):
            echo("\n", err=True)  # as click's main: a newline, then "aborted"
            echo("recipelint: aborted\n", err=True)
            return 130
        except OSError as exc:
            import errno

            if exc.errno != errno.EPIPE:
                raise
            sys.stdout = _PacifyFlush(sys.stdout)
            sys.stderr = _PacifyFlush(sys.stderr)
            return 1
    except UsageProblem as exc:
        echo(f"recipelint: error: {exc}\n", err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback (RECIPELINT_DEBUG=1 re-raises a bug)
        echo(error_line(exc) + "\n", err=True)
        return 2


# Measured on a 2-core machine, one cold `check R --no-cache` of a ~200-line recipe (median CPU of 25
# interleaved runs): the cyclic GC ran 47 times for ~5 ms, and interpreter teardown (module dicts, the git
# batch process's finalizer) took ~17 ms. So, for recipes named on the command line (not a --catalogue sweep,
# whose parent forks and holds every result), the GC is off: 60 recipes in one run peaked 8 MB higher
# (68 -> 75 MB) and ran 0.2 s less CPU; past _GC_OFF_UP_TO recipes it stays on, so memory stays bounded.
_GC_OFF_UP_TO = 64


def _leave(code: int) -> None:
    """Exit without the interpreter's teardown once everything is written: the report went out through
    echo (flushed) or into the `-o` file (closed), the result cache through an atomic replace (closed), and
    the git batch process ends on its own when its stdin closes with this process."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - let a normal exit report it, as it would have
        sys.exit(code)
    os._exit(code)


def run() -> None:
    """Console entry point: `check` on the fast path when its argv is understood, else click (recipelint.cli)."""
    params = fast_params(sys.argv[1:])
    if params is None:
        from .cli import run as click_run

        click_run()
        return
    if not params["catalogue"] and len(params["paths"]) <= _GC_OFF_UP_TO:
        import gc

        gc.disable()
    _leave(run_check(params))
