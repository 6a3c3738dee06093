"""The rule engine: discovers rules in `rules/`, runs them, and turns everything that goes
wrong (a rule that raises, a file that does not parse) into findings of its own.

It knows no rule by name.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from .record import Frozen
from .rule import ERROR, HARNESS, RECIPE_DEFECT, STALE_TEST, STYLE, WARNING, Finding, Rule


class MetaCode(Frozen):
    """A code the engine itself emits (not a catalogue rule)."""

    __slots__ = _fields = ("code", "name", "severity", "category", "summary", "why", "fix", "probe")

    def __init__(self, code: str, name: str, severity: str, category: str, summary: str, why: str, fix: str,
                 probe: None = None):
        self.code = code
        self.name = name
        self.severity = severity
        self.category = category
        self.summary = summary
        self.why = why
        self.fix = fix
        self.probe = probe


META: dict[str, MetaCode] = {m.code: m for m in [
    MetaCode("E001", "rule-crashed", ERROR, HARNESS, "A rule raised an exception while checking this recipe.",
             "The run goes on with the other rules; this rule's findings for the recipe are missing.",
             "Report it with the message and the recipe; meanwhile `--ignore` the rule."),
    MetaCode("E002", "rule-file-broken", ERROR, HARNESS, "A file in the rule catalogue failed to load.",
             "Every rule in that file is missing from the run; the other rules still run.",
             "Report it with the message; it is a bug in recipelint's catalogue, not in the recipe."),
    MetaCode("E101", "yaml-syntax-error", ERROR, RECIPE_DEFECT, "A YAML file does not parse.",
             "Docker and abra refuse a file that does not parse; rules cannot see what it holds.",
             "Fix the YAML at the given position."),
    MetaCode("E102", "yaml-duplicate-key", ERROR, RECIPE_DEFECT, "A mapping has the same key twice.",
             "The later value silently wins, which usually hides a mistake.", "Remove or merge one of the keys."),
    MetaCode("E103", "python-syntax-error", ERROR, STALE_TEST,
             "An overlay test file does not parse.", "pytest cannot collect it, and rules cannot read its asserts.",
             "Fix the Python syntax at the given position."),
    MetaCode("E104", "unreadable-file", ERROR, HARNESS, "A file cannot be read (permissions, encoding).",
             "Nothing in it can be checked.", "Make the file readable UTF-8 text."),
    MetaCode("E105", "compose-not-a-mapping", ERROR, RECIPE_DEFECT, "A compose file's top level is not a mapping.",
             "Docker expects `services:` and friends at the top level.", "Make the top level a mapping."),
    MetaCode("E106", "input-too-large", ERROR, HARNESS,
             "A file is beyond what recipelint reads: too big, too many lines, nested too deep, "
             "or its YAML aliases expand too far.",
             "recipelint bounds its input so that a hostile or runaway file cannot hang or crash it; "
             "nothing in this file is checked.",
             "Shrink the file (real recipe files are far below the limits), or split it."),
    MetaCode("X001", "unused-suppression", WARNING, STYLE,
             "A `recipelint: ignore[...]` comment suppresses nothing.",
             "Stale suppressions hide future findings at that line for no reason.", "Remove the comment or the code."),
    MetaCode("X002", "suppression-without-reason", ERROR, STYLE,
             "A `recipelint: ignore[...]` comment gives no reason.",
             "A suppression is a decision someone made; without the why, nobody can tell later whether it still "
             "holds. The suppression still applies, but the missing reason is reported.",
             "Write the reason after the brackets: `# recipelint: ignore[B001] the entrypoint replays the dump`."),
]}


def rules_dir() -> Path:
    """`recipelint/rules` in an installed wheel, else the source tree's top-level `rules/`."""
    here = Path(__file__).resolve().parent
    for cand in (here / "rules", here.parent / "rules"):
        if cand.is_dir():
            return cand
    raise RuntimeError("recipelint: the rule catalogue (rules/) is missing from this installation")


_LOADED: dict[Path, list[type[Rule]]] = {}
LOAD_ERRORS: list[str] = []  # rule files that failed to import, reported as E002 on every recipe


def discover(directory: Path | None = None) -> list[type[Rule]]:
    """Every Rule subclass defined in `rules/*.py` (files starting with `_` are helpers)."""
    directory = directory or rules_dir()
    if directory in _LOADED:
        return _LOADED[directory]
    found: list[type[Rule]] = []
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        modname = f"recipelint_rules.{path.stem}"
        if modname in sys.modules:
            mod = sys.modules[modname]
        else:
            _ensure_pkg(directory)
            spec = importlib.util.spec_from_file_location(modname, path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[modname] = mod
            try:
                spec.loader.exec_module(mod)
            except Exception as exc:  # noqa: BLE001 - one broken rule file must not stop the others
                del sys.modules[modname]
                import traceback

                tb = traceback.extract_tb(exc.__traceback__)
                where = next((f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb)), path.name)
                LOAD_ERRORS.append(f"rules/{path.name} failed to load: {type(exc).__name__}: {exc} [at {where}]")
                continue
        for obj in list(vars(mod).values()):
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == modname \
                    and getattr(obj, "code", None):
                found.append(obj)
    found.sort(key=lambda r: r.code)
    codes = [r.code for r in found]
    dup = {c for c in codes if codes.count(c) > 1}
    if dup:
        raise RuntimeError(f"rule codes defined twice: {', '.join(sorted(dup))}")
    _LOADED[directory] = found
    return found


def _ensure_pkg(directory: Path) -> None:
    """Make `recipelint_rules` a package so rule files can share helpers (`from recipelint_rules._x import y`)."""
    if "recipelint_rules" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location("recipelint_rules", directory / "__init__.py",
                                                  submodule_search_locations=[str(directory)])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["recipelint_rules"] = mod
    spec.loader.exec_module(mod)


def split_codes(values) -> list[str]:
    out = []
    for v in values or ():
        out.extend(c.strip().upper() for c in v.split(",") if c.strip())
    return out


def matches(code: str, prefixes: list[str]) -> bool:
    return any(code.startswith(p) for p in prefixes)


def select(rules: list[type[Rule]], select_: list[str], ignore: list[str]) -> list[type[Rule]]:
    out = []
    for r in rules:
        if select_ and not matches(r.code, select_):
            continue
        if ignore and matches(r.code, ignore):
            continue
        out.append(r)
    return out


def known_codes(rules: list[type[Rule]]) -> set[str]:
    return {r.code for r in rules} | set(META)


def _meta_finding(code: str, recipe: str, path: str, line, col, message: str, root: str = "recipe",
                  end_line=None, end_col=None) -> Finding:
    m = META[code]
    return Finding(code=m.code, name=m.name, severity=m.severity, category=m.category, recipe=recipe,
                   path=path, line=line, column=col, end_line=end_line, end_column=end_col, service=None,
                   message=message, fix=m.fix, probe=None, root=root)


def run(recipe, rules: list[type[Rule]], *, select_: list[str] = (), ignore: list[str] = (),
        inline_ignores: bool = True, keep_suppressed: bool = False) -> list[Finding]:
    """All findings for one recipe: rules, then read problems, then suppressions. Never raises.

    ``inline_ignores=False`` disregards every `recipelint: ignore` comment. Suppressed findings are
    left out unless ``keep_suppressed``: then they come back with ``suppressed`` set (for SARIF)."""
    findings: list[Finding] = []
    for cls in rules:
        rule = cls(recipe.name)
        try:
            findings.extend(rule.check(recipe))
        except Exception as exc:  # noqa: BLE001 - a rule's bug must not stop the run
            import traceback

            tb = traceback.extract_tb(exc.__traceback__)
            where = next((f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb)), "?")
            findings.append(_meta_finding("E001", recipe.name, ".", None, None,
                                          f"rule {cls.code} ({cls.name}) raised {type(exc).__name__}: {exc} "
                                          f"[at {where}]"))
    if rules:
        for err in LOAD_ERRORS:
            findings.append(_meta_finding("E002", recipe.name, ".", None, None, err))
    for p in recipe.problems:
        findings.append(_meta_finding(p.code, recipe.name, p.file, p.line, p.col, p.message))
    tests = recipe.__dict__.get("overlay_tests") or []  # only if a rule looked at them
    for tf in tests:
        for p in tf.problems:
            findings.append(_meta_finding(p.code, recipe.name, tf.rel, p.line, p.col, p.message, root=tf.root_kind))
    # one finding per place, however many variants produced it
    seen = set()
    unique = []
    for f in findings:
        key = (f.code, f.root, f.path, f.line, f.column, f.message)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    ran = {r.code for r in rules} | set(META)
    from . import identity, suppress

    identity.assign(recipe, unique, tests)
    if inline_ignores:
        known = set(META).union(*({r.code for r in rs} for rs in _LOADED.values())) | {r.code for r in rules}
        unique = suppress.apply(recipe, unique, tests, ran, known, _meta_finding)
        identity.assign(recipe, unique, tests)  # the X001/X002 findings just added
        if not keep_suppressed:
            unique = [f for f in unique if f.suppressed is None]
    if select_ or ignore:
        unique = [f for f in unique
                  if (not select_ or matches(f.code, select_)) and not (ignore and matches(f.code, ignore))]
    unique.sort(key=Finding.sort_key)
    return unique
