"""The command line: parses flags, calls the engine and reporters, maps results to exit codes.

Exit codes (check): 0 no finding at the failing severity, 1 findings, 2 usage error or unreadable recipe.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .checkcmd import UsageProblem, fail as _fail, selection as _selection
from .checkopts import CHECK_ARGUMENT, CHECK_OPTIONS



def _click_type(kind, opt=None):
    if kind == "path":
        return click.Path(path_type=Path, dir_okay=True if opt is None else opt.dir_okay)
    if kind == "choice":
        return click.Choice(list(opt.choices))
    if kind == "int":
        return click.IntRange(min=opt.min)
    return None


def _check_params(f):
    """`check`'s click argument and options, from recipelint.checkopts (which the fast entry parses with)."""
    for opt in reversed(CHECK_OPTIONS):
        kw = {"help": opt.help}
        if opt.kind == "flag":
            kw["is_flag"] = True
        else:
            t = _click_type(opt.kind, opt)
            if t is not None:
                kw["type"] = t
        if opt.multiple:
            kw["multiple"] = True
        if opt.default is not None:
            kw["default"] = opt.default
        if opt.show_default:
            kw["show_default"] = True
        f = click.option(*opt.flags, opt.dest, **kw)(f)
    a = CHECK_ARGUMENT
    return click.argument(a["dest"], nargs=a["nargs"], required=a["required"], type=_click_type(a["kind"]))(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, message="recipelint %(version)s", prog_name="recipelint")
def main() -> None:
    """Lint Co-op Cloud recipes and their overlay tests; confirm findings on a live swarm."""


@main.command()
@_check_params
def check(**params):
    """Lint each recipe directory in PATHS (default: the current directory)."""
    from . import checkcmd

    sys.exit(checkcmd.check(**params))


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="markdown: the full reference, as docs/rules.md holds it (python -m recipelint.docs).")
def list_rules(fmt):
    """List every rule: code, name, severity, class, live probe and summary."""
    import json

    from . import docs

    rules = docs.all_rules()
    if fmt == "markdown":
        click.echo(docs.render_markdown(rules), nl=False)
        return
    rows = [(r.code, r.name, r.severity, r.category, getattr(r, "probe", None) or "-", " ".join(r.summary.split()))
            for r in rules]
    if fmt == "json":
        keys = ("code", "name", "severity", "class", "probe", "summary")
        click.echo(json.dumps([dict(zip(keys, r)) for r in rows], indent=2))
        return
    widths = [max(len(r[i]) for r in rows + [("code", "name", "severity", "class", "probe", "")]) for i in range(5)]
    for row in [("code", "name", "severity", "class", "probe", "summary")] + rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row[:5], widths)) + "  " + row[5])


@main.command("rule")
@click.argument("code")
def explain(code):
    """Explain one rule (by code or name): what it finds, why it matters, how to fix it, its live probe and
    its examples."""
    from . import docs

    r = docs.find_rule(code)
    if r is None:
        _fail(f"rule {code}: unknown code or name (see `recipelint rules`)")
    click.echo(docs.rule_text(r), nl=False)


@main.command("confirm")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--overlay", "overlay", type=click.Path(path_type=Path),
              help="cc-ci style overlay root (as for check).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--select", multiple=True, help="Only findings with these codes (comma-separated, by prefix).")
@click.option("--ignore", multiple=True, help="Skip findings with these codes (comma-separated, by prefix).")
@click.option("--findings", "findings_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Confirm the findings in this `check --format json` report instead of running check.")
@click.option("--timeout", type=float, default=120.0, show_default=True,
              help="Seconds to wait for the deploy to converge.")
@click.option("--keep", is_flag=True, help="Leave the stack up for inspection and print how to remove it.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of standard output.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines on standard error.")
def confirm_cmd(path, overlay, fmt, select, ignore, findings_file, timeout, keep, output, quiet):
    """Prove or refute each finding of the recipe at PATH with one live isolation deploy on a swarm.

    Exit codes: 0 no finding confirmed, 1 a finding confirmed, 2 the deploy or a probe could not run;
    130/143 interrupted by SIGINT/SIGTERM (after the teardown).
    """
    import json

    from . import engine
    from .model import NotARecipe, Recipe
    from .reportin import findings_from_report
    from .runner.confirm import confirm, to_json, to_text

    rules, sel, ign = _selection(select, ignore, overlay)
    try:
        recipe = Recipe.load(path, overlay_root=overlay)
    except NotARecipe as exc:
        _fail(str(exc))
    if findings_file is not None:
        try:
            data = json.loads(findings_file.read_text(encoding="utf-8"))
            findings, changed = findings_from_report(recipe, data)
        except (ValueError, KeyError, TypeError) as exc:
            _fail(f"--findings {findings_file}: not a findings report ({exc})")
        for f in changed:  # the same fingerprints as check's, unless the file changed since the report
            if not quiet:
                click.echo(f"confirm: {f.path}:{f.line}:{f.column}: {f.code}: the recipe changed since the report "
                           "(fingerprint differs); confirming the finding as it is now", err=True)
        findings = [f for f in findings if (not sel or engine.matches(f.code, sel))
                    and not (ign and engine.matches(f.code, ign))]
    else:
        findings = engine.run(recipe, engine.select(rules, sel, ign), select_=sel, ignore=ign)

    def log(msg):
        if not quiet:
            click.echo(f"confirm: {msg}", err=True)

    from .runner.session import Interrupted, SessionError

    try:
        result = confirm(recipe, findings, timeout=timeout, keep=keep, log=log)
    except SessionError as exc:
        _fail(str(exc))
    except Interrupted as exc:  # a signal: the session tore down first; say what it left, exit 128+n
        click.echo(f"recipelint: {exc.summary()}", err=True)
        sys.exit(exc.exit_code)
    roots = {(recipe.name, "recipe"): str(path)}
    if overlay is not None:
        roots[(recipe.name, "overlay")] = str(overlay)
    if fmt == "json":
        text = json.dumps(to_json([result], [recipe.name]), indent=2) + "\n"
    else:
        text = to_text([result], roots)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    sys.exit(result.exit_code)


@main.command("report")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--catalogue", multiple=True, type=click.Path(path_type=Path),
              help="Every recipe under DIR (each subdirectory holding a compose*.yml or .env.sample). Repeatable.")
@click.option("--overlay", "overlay", type=click.Path(path_type=Path),
              help="cc-ci style overlay root (as for check).")
@click.option("--select", multiple=True, help="Only these codes (comma-separated, by prefix).")
@click.option("--ignore", multiple=True, help="Skip these codes (comma-separated, by prefix).")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the Markdown to this file instead of standard output.")
def report_cmd(paths, catalogue, overlay, select, ignore, output):
    """Pre-staging report (Markdown): per recipe, each finding's class, the `confirm` command that would
    prove it, the verdict a live run is expected to give, and the fix."""
    from .prestage import build

    if not paths and not catalogue:
        _fail("report: give recipe PATHs or --catalogue DIR")
    _, sel, ign = _selection(select, ignore, overlay)
    for d in catalogue:
        if not d.is_dir():
            _fail(f"--catalogue {d}: not a directory")
    text = build(paths, catalogue=catalogue, overlay=overlay, select=sel, ignore=ign)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command("fix")
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
@click.option("--apply", "apply_", is_flag=True, help="Write the fix (without it, only the diff is printed).")
@click.option("--overlay", "overlay", type=click.Path(path_type=Path),
              help="cc-ci style overlay root (as for check).")
@click.option("--select", multiple=True, help="Only fix findings with these codes (comma-separated, by prefix).")
@click.option("--ignore", multiple=True, help="Leave findings with these codes alone (comma-separated, by prefix).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
              help="Lowest severity of a remaining finding that makes the exit code 1.")
def fix_cmd(path, apply_, overlay, select, ignore, fail_on):
    """Fix what can be fixed safely in the recipe at PATH (default: the current directory): print a
    unified diff; --apply writes it.

    Exit codes: 0 nothing at the failing severity remains (with --apply: after the fix; without it: in
    the recipe as it is), 1 something does, 2 usage error.
    """
    from . import engine
    from .fix import Refuse
    from .fix.command import run_fix
    from .model import NotARecipe, Recipe

    rules, sel, ign = _selection(select, ignore, overlay)
    try:
        recipe = Recipe.load(path, overlay_root=overlay)
    except NotARecipe as exc:
        _fail(str(exc))
    try:
        code = run_fix(recipe, engine.select(rules, sel, ign), select_=sel, ignore=ign, write=apply_,
                       fail_on=fail_on, root_label=str(path), out=click.echo,
                       err=lambda m: click.echo(m, err=True))
    except Refuse as exc:
        _fail(str(exc))
    sys.exit(code)


def run() -> None:
    """Console entry point: one clear line on stderr for usage errors, never a traceback."""
    try:
        main.main(standalone_mode=False)
    except UsageProblem as exc:
        click.echo(f"recipelint: error: {exc}", err=True)
        sys.exit(2)
    except getattr(click.exceptions, "NoArgsIsHelpError", ()) as exc:  # click >= 8.2
        click.echo(exc.ctx.get_help(), err=True)
        sys.exit(2)
    except click.UsageError as exc:
        click.echo(f"recipelint: error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("recipelint: aborted", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback (RECIPELINT_DEBUG=1 re-raises a bug)
        from .checkcmd import error_line

        click.echo(error_line(exc), err=True)
        sys.exit(2)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    run()
