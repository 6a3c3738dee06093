"""Rule documentation, generated from the rules themselves (metadata, docs, examples).

    python -m recipelint.docs > docs/rules.md       # regenerate (same as `recipelint rules --format markdown`)
    python -m recipelint.docs --check docs/rules.md  # exit 1 when the file is stale

`recipelint rule CODE|name` prints one rule as text (:func:`rule_text`).
"""

from __future__ import annotations

import sys
import textwrap

REGENERATE = "python -m recipelint.docs > docs/rules.md"
CLASS_TITLES = {"recipe-defect": "recipe defect", "stale-test": "stale test", "harness": "harness", "style": "style"}
LANG = {".yml": "yaml", ".yaml": "yaml", ".py": "python", ".sh": "sh", ".toml": "toml", ".json": "json"}


def _paras(text: str) -> list[str]:
    return [" ".join(p.split()) for p in textwrap.dedent(text or "").strip().split("\n\n") if p.strip()]


def _para(text: str) -> str:
    return "\n\n".join(_paras(text))


def all_rules():
    """Catalogue rules, then the engine's own codes, in code order."""
    from . import engine

    return sorted(list(engine.discover()) + list(engine.META.values()), key=lambda r: r.code)


def live_probe(r) -> str:
    """What `recipelint confirm` does for this rule, in a sentence."""
    probe = getattr(r, "probe", None)
    if not probe:
        return "none: the static evidence is the verdict."
    expected = ""
    text = getattr(r, "live_verdict", "") or ""
    if text:
        expected = " ".join(text.replace("{", "<").replace("}", ">").split())
    else:
        from .prestage import PROBE_VERDICTS

        expected = PROBE_VERDICTS.get(probe, "")
    out = f"`recipelint confirm RECIPE` runs the `{probe}` probe on a live swarm"
    return out + (f"; when the finding is real: {expected}." if expected else ".")


def _where(ex) -> str:
    spots = []
    for e in ex.expect:
        path, line, col = ("compose.yml", *e) if len(e) == 2 else e
        spots.append(f"{path}:{line}:{col}")
    return ", ".join(spots)


def _fence(path: str, content: str) -> list[str]:
    ext = path[path.rfind("."):] if "." in path.rsplit("/", 1)[-1] else ""
    ticks = "````" if "```" in content else "```"
    return [f"{ticks}{LANG.get(ext, 'text')}", f"# {path}" if LANG.get(ext) in ("yaml", "python", "sh", "toml")
            else f"--- {path}", content.rstrip("\n"), ticks]


def _example_md(ex, kind: str) -> list[str]:
    note = f" ({ex.note})" if ex.note else ""
    head = f"**Fires** at {_where(ex)}{note}:" if kind == "invalid" else f"**Passes**{note}:"
    out = [head, ""]
    for path, content in ex.all_files().items():
        out += _fence(path, content) + [""]
    for path, content in ex.overlay.items():
        out += _fence(f"overlay/{path}", content) + [""]
    if ex.history:
        out += [f"(the recipe is a git repository with {len(ex.history)} commit step(s); "
                "see the rule file for its history)", ""]
    return out


def render_markdown(rules=None) -> str:
    rules = all_rules() if rules is None else rules
    out = ["# recipelint rules", "",
           f"Generated from the rules themselves: do not edit; regenerate with `{REGENERATE}`.", "",
           "Each rule lives in one file in `rules/`; `recipelint rule CODE` prints the same text in a terminal.", "",
           "| code | name | severity | class | live probe | summary |", "|---|---|---|---|---|---|"]
    for r in rules:
        summary = " ".join(_paras(r.summary)).replace("|", "\\|")
        out.append(f"| [{r.code}](#{r.code.lower()}) | {r.name} | {r.severity} | {r.category} | "
                   f"{getattr(r, 'probe', None) or ''} | {summary} |")
    out.append("")
    for r in rules:
        probe = getattr(r, "probe", None)
        out += [f"## {r.code}", "", f"`{r.name}` · {r.severity} · {CLASS_TITLES.get(r.category, r.category)}"
                + (f" · live probe `{probe}`" if probe else ""), ""]
        out += [_para(r.summary), "", f"**Why.** {_para(r.why)}", "", f"**Fix.** {_para(r.fix)}", "",
                f"**Live probe.** {live_probe(r)}", ""]
        invalid = list(getattr(r, "invalid", []) or [])
        valid = list(getattr(r, "valid", []) or [])
        if invalid:
            out += _example_md(invalid[0], "invalid")
        if valid:
            out += _example_md(valid[0], "valid")
        if not invalid and not valid:
            out += ["Emitted by the engine itself (no examples).", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def rule_text(r, width: int = 88) -> str:
    """One rule for the terminal: what, why, fix, live probe, then every example."""

    def fill(t: str) -> str:
        return textwrap.fill(t, width, break_on_hyphens=False, break_long_words=False)

    def para(t: str) -> str:
        return "\n\n".join(fill(p) for p in _paras(t))

    probe = getattr(r, "probe", None)
    out = [f"{r.code} {r.name}  [{r.severity}, {r.category}" + (f", probe: {probe}]" if probe else "]"), "",
           para(r.summary), "", "Why", para(r.why), "", "Fix", para(r.fix), "", "Live probe",
           fill(live_probe(r))]
    for label, kind in (("Invalid", "invalid"), ("Valid", "valid")):
        for i, ex in enumerate(getattr(r, kind, []) or [], start=1):
            head = f"{label} example {i}" + (f": {ex.note}" if ex.note else "")
            if kind == "invalid" and ex.expect:
                head += f"  (fires at {_where(ex)})"
            out += ["", head]
            for path, content in ex.all_files().items():
                out += [f"--- {path}", textwrap.indent(content.rstrip("\n"), "  ")]
            for path, content in ex.overlay.items():
                out += [f"--- overlay/{path}", textwrap.indent(content.rstrip("\n"), "  ")]
    return "\n".join(out) + "\n"


def find_rule(code_or_name: str):
    """A rule (or engine code) by code (`b001`) or name (`backup-dump-not-restored`), else None."""
    key = code_or_name.strip()
    for r in all_rules():
        if r.code == key.upper() or r.name == key.lower():
            return r
    return None


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    text = render_markdown()
    if argv[:1] == ["--check"]:
        path = argv[1] if len(argv) > 1 else "docs/rules.md"
        try:
            with open(path, encoding="utf-8") as fh:
                current = fh.read()
        except OSError as exc:
            print(f"{path}: cannot read ({exc.strerror}); regenerate with `{REGENERATE}`", file=sys.stderr)
            return 1
        if current != text:
            print(f"{path} is stale; regenerate with `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
