"""`recipelint report`: the pre-staged verification log of a CI sweep, as Markdown.

For whoever investigates a sweep before anyone deploys: per recipe, each finding with its class
(recipe defect, stale test, harness), the `recipelint confirm` command that would prove it live,
the verdict that run is expected to give, and the fix; a summary on top. Static only: this module
never imports the runner.

The expected verdict is data on the rule (``Rule.live_verdict``, formatted with the finding's
``service`` and ``data``); a rule without one gets its probe's default from ``PROBE_VERDICTS``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from .rule import HARNESS, RECIPE_DEFECT, STALE_TEST, STYLE

# What a live run of each probe shows when the finding is real (the rule may say it more precisely).
PROBE_VERDICTS = {
    "backup-roundtrip": "confirmed: the marker row written before the backup is missing after the restore",
    "shared-network-dns": "confirmed: from the calling service, the bare name resolves to another stack's task "
                          "on the shared network",
    "readonly-config": "confirmed: the app's write to the read-only config fails (`read-only file system` in the "
                       "service's logs or task errors)",
    "stale-overlay": "confirmed: deployed at the latest release tag (as the sweep deploys it), the test's assert "
                     "fails against the running stack - the state it asserts is not released",
}
NO_PROBE = "no live probe: the static evidence is the verdict"

CLASS_TITLES = {RECIPE_DEFECT: "recipe defect", STALE_TEST: "stale test", HARNESS: "harness", STYLE: "style"}
CLASS_ORDER = (RECIPE_DEFECT, STALE_TEST, HARNESS, STYLE)


def expected_verdict(rule, finding) -> str:
    """The verdict a live run should give for this finding: the rule's text, else its probe's default."""
    text = getattr(rule, "live_verdict", "") or ""
    if text:
        values = {"service": finding.service or "", **{k: v for k, v in (finding.data or {}).items()}}
        try:
            text = text.format_map(_Strict(values))
        except (KeyError, IndexError, ValueError):
            pass
        return " ".join(text.split())
    probe = getattr(rule, "probe", None) or finding.probe
    if probe:
        return PROBE_VERDICTS.get(probe, f"see the {probe} probe's evidence")
    return NO_PROBE


class _Strict(dict):
    def __missing__(self, key):
        raise KeyError(key)


def confirm_command(path, finding, overlay) -> str | None:
    if not finding.probe:
        return None
    parts = ["recipelint", "confirm", str(path), "--select", finding.code]
    if overlay is not None:
        parts += ["--overlay", str(overlay)]
    return " ".join(shlex.quote(p) for p in parts)


# ---------------------------------------------------------------- markdown

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


def md(text: str) -> str:
    """Escape Markdown outside `code spans` (messages quote config text: `*`, `_`, `<`, `|`)."""
    out = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_esc(text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_esc(text[pos:]))
    return "".join(out)


def _esc(s: str) -> str:
    # `_` only at a word's edge (GitHub ignores intraword underscores), so `STACK_NAME` stays readable
    s = re.sub(r"([\\*<>|\[\]])", r"\\\1", s)
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", s)


def code(s: str) -> str:
    fence = "``" if "`" in s else "`"
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------- the report

def collect(paths=(), *, catalogue=(), overlay=None, select=(), ignore=()):
    """(path, recipe name, findings, error) per recipe, catalogue recipes first, then PATHs."""
    from .catalogue import discover_recipes, lint_catalogue

    todo = list(discover_recipes(catalogue)) if catalogue else []
    seen = {Path(p).resolve() for p in todo}
    for p in paths:
        if Path(p).resolve() not in seen:
            seen.add(Path(p).resolve())
            todo.append(Path(p))
    return lint_catalogue(todo, overlay=overlay, select=list(select), ignore=list(ignore))


def build(paths=(), *, catalogue=(), overlay=None, select=(), ignore=(), results=None) -> str:
    from . import engine
    from .fix import fixable

    if results is None:
        results = collect(paths, catalogue=catalogue, overlay=overlay, select=select, ignore=ignore)
    rules = {r.code: r for r in engine.discover()}
    rules.update({c: m for c, m in engine.META.items() if c not in rules})
    results = sorted(results, key=lambda r: (r[1], str(r[0])))
    return render(results, rules, overlay=overlay, catalogue=catalogue, fixable=fixable)


def render(results, rules, *, overlay=None, catalogue=(), fixable=lambda c: False) -> str:
    out: list[str] = ["# recipelint pre-staging report", ""]
    scope = []
    if catalogue:
        scope.append("catalogue " + ", ".join(code(str(d)) for d in catalogue))
    if overlay is not None:
        scope.append("overlay tests from " + code(str(overlay)))
    ok = [r for r in results if r[3] is None]
    bad = [r for r in results if r[3] is not None]
    allf = [f for r in ok for f in r[2]]
    out.append(f"{_plural(len(results), 'recipe')}" + (f" ({'; '.join(scope)})" if scope else "") +
               f", {_plural(len(allf), 'finding')}. Every finding below names the `recipelint confirm` run that "
               "would prove it and the verdict that run is expected to give; nothing here has been deployed.")
    out += ["", "## Summary", ""]
    if not allf:
        out.append("No findings.")
    # by class
    out += ["| class | findings | recipes |", "|---|---:|---|"] if allf else []
    for cat in CLASS_ORDER:
        fs = [f for f in allf if f.category == cat]
        if fs:
            recs = sorted({f.recipe for f in fs})
            out.append(f"| {CLASS_TITLES[cat]} | {len(fs)} | {', '.join(md(r) for r in recs)} |")
    other = [f for f in allf if f.category not in CLASS_ORDER]
    if other:
        out.append(f"| other | {len(other)} | {', '.join(sorted({md(f.recipe) for f in other}))} |")
    # by code
    out += ["", "| code | name | class | severity | findings | recipes | live probe | autofix |",
            "|---|---|---|---|---:|---|---|---|"] if allf else []
    for c in sorted({f.code for f in allf}):
        fs = [f for f in allf if f.code == c]
        f0 = fs[0]
        recs = sorted({f.recipe for f in fs})
        out.append(f"| {c} | {f0.name} | {CLASS_TITLES.get(f0.category, f0.category)} | {f0.severity} | "
                   f"{len(fs)} | {', '.join(md(r) for r in recs)} | {f0.probe or '-'} | "
                   f"{'yes' if fixable(c) else '-'} |")
    clean = [r[1] for r in ok if not r[2]]
    out += ["", "Recipes with no findings: " + (", ".join(md(n) for n in clean) if clean else "none") + "."]
    if clean:
        out.append("A red CI run of one of these has no static explanation: suspect a flake under load or the "
                   "harness, and confirm it with runs in isolation.")
    if bad:
        out += ["", "Not linted:"]
        out += [f"- {md(name)} ({code(str(path))}): {md(err)}" for path, name, _, err in bad]
    # per recipe
    for path, name, findings, err in results:
        if err is not None or not findings:
            continue
        out += ["", f"## {md(name)}", "", f"Path: {code(str(path))}. " + _recipe_line(findings)]
        rank = {c: i for i, c in enumerate(CLASS_ORDER)}
        for f in sorted(findings, key=lambda f: rank.get(f.category, len(rank))):  # stable: positions kept
            out += [""] + _finding(path, f, rules.get(f.code), overlay, fixable)
    return "\n".join(out).rstrip("\n") + "\n"


def _recipe_line(findings) -> str:
    parts = []
    for cat in CLASS_ORDER:
        n = sum(1 for f in findings if f.category == cat)
        if n:
            parts.append(_plural(n, CLASS_TITLES[cat]))
    return "Findings: " + ", ".join(parts) + "."


def _location(path, f, overlay) -> str:
    base = overlay if f.root == "overlay" and overlay is not None else path
    p = f"{str(base).rstrip('/')}/{f.path}" if f.path not in (".", "") else str(base)
    return p + (f":{f.line}:{f.column}" if f.line is not None else "")


def _finding(path, f, rule, overlay, fixable) -> list[str]:
    lines = [f"### {f.code} {f.name} - {code(_location(path, f, overlay))}", ""]
    cls = CLASS_TITLES.get(f.category, f.category)
    lines.append(f"- class: {cls} ({f.severity})" + (f"; service {code(f.service)}" if f.service else ""))
    lines.append(f"- finding: {md(f.message)}")
    cmd = confirm_command(path, f, overlay)
    lines.append(f"- confirm: {code(cmd)} (probe {code(f.probe)})" if cmd else
                 "- confirm: no live probe for this rule")
    verdict = expected_verdict(rule, f) if rule is not None else NO_PROBE
    lines.append(f"- expected verdict: {md(verdict)}")
    lines.append("- live result: not run yet")
    lines.append(f"- fix: {md(f.fix)}" if f.fix else "- fix: -")
    if fixable(f.code) and f.root == "recipe":
        lines.append(f"- autofix: {code('recipelint fix ' + shlex.quote(str(path)) + ' --select ' + f.code)} "
                     "shows the diff; add `--apply` to write it")
    return lines
