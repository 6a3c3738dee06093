"""Autofix: turn findings into surgical text edits, show them as a unified diff, apply on request.

    plan(recipe, findings) -> FixPlan   # nothing is written
    FixPlan.diff()                      # unified diff, `git apply`-able from the recipe root
    FixPlan.relint(rules)               # the findings that would remain after the fix (in memory)
    FixPlan.write_all()                 # the only writer (FixPlan.write: the same, recipe files named)

A fixer (``FIXERS``: code -> module with ``fix(recipe, finding) -> (edits, note)``) raises
:class:`Refuse` with a reason instead of guessing. Edits of different findings that overlap are
refused (identical ones, such as two findings bumping the same config version, count once), and
a YAML file that no longer parses after the edits refuses every finding that touched it. See
docs/adr/0007-autofix.md.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from .edits import Edit, Refuse, apply

FIXERS = {
    "N001": "recipelint.fix.n001",
    "B001": "recipelint.fix.b001",
    "R001": "recipelint.fix.r001",
    "S010": "recipelint.fix.r001",  # a missing version: the same edit as abra's R001
    "R012": "recipelint.fix.r012",
    "T001": "recipelint.fix.t001",  # stale overlay asserts: libcst edits of the test file
    "T002": "recipelint.fix.t001",
}

FIXED, REFUSED, NO_FIX = "fixed", "refused", "no-fix"


def fixable(code: str) -> bool:
    return code in FIXERS


@dataclass
class Outcome:
    finding: object
    status: str  # fixed | refused | no-fix
    note: str
    edits: list[Edit] = field(default_factory=list)


@dataclass
class FixPlan:
    recipe: object
    outcomes: list[Outcome]
    old: dict[str, str]
    new: dict[str, str]
    created: set[str] = field(default_factory=set)  # files the fix adds (e.g. abra.sh)
    # test files under the --overlay root (Edit.root == "overlay"), keyed by their overlay-root-relative path
    overlay_old: dict[str, str] = field(default_factory=dict)
    overlay_new: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> list[str]:
        return sorted(rel for rel in self.new if self.new[rel] != self.old[rel])

    @property
    def changed_overlay(self) -> list[str]:
        return sorted(rel for rel in self.overlay_new if self.overlay_new[rel] != self.overlay_old[rel])

    @property
    def any_changed(self) -> bool:
        return bool(self.changed or self.changed_overlay)

    def diff(self) -> str:
        """Recipe files relative to the recipe root, then overlay files relative to the overlay root."""
        return "".join(unified_diff(rel, self.old[rel], self.new[rel], created=rel in self.created)
                       for rel in self.changed) + \
            "".join(unified_diff(rel, self.overlay_old[rel], self.overlay_new[rel]) for rel in self.changed_overlay)

    def relint(self, rules, select_=(), ignore=()):
        """Findings of the recipe as the fix would leave it (read from memory, nothing written)."""
        from recipelint import engine
        from recipelint.model.recipe import DirSource, Recipe

        r = self.recipe
        src = _PatchedSource(r.source if isinstance(r.source, DirSource) else DirSource(r.root),
                             {k: v for k, v in self.new.items() if k in self.changed})
        fixed = Recipe(r.root, name=r.name, overlay_root=r.overlay_root, source=src)
        patched = {("overlay", k): v for k, v in self.overlay_new.items() if k in self.changed_overlay}
        patched.update({("recipe", k): v for k, v in self.new.items() if k in self.changed})
        if any(t for t in r.overlay_tests if (t.root_kind, t.rel) in patched):
            from recipelint.model.overlay import TestFile

            fixed.__dict__["overlay_tests"] = [
                TestFile(t.root_kind, t.rel, t.path, patched[(t.root_kind, t.rel)])
                if (t.root_kind, t.rel) in patched else t for t in r.overlay_tests]
        return engine.run(fixed, rules, select_=select_, ignore=ignore)

    def write(self) -> list[str]:
        """Write the changed files (keeping CRLF line ends and file modes); returns the recipe-relative
        paths of the recipe files (overlay files are written too: ``write_all`` names both)."""
        return [rel for root, rel in self.write_all() if root == "recipe"]

    def write_all(self) -> list[tuple[str, str]]:
        """Write every changed file; returns (root, path) pairs, root "recipe" or "overlay"."""
        written = [("recipe", rel) for rel in self._write_recipe()]
        for rel in self.changed_overlay:
            _write_text(self.recipe.overlay_root / rel, self.overlay_new[rel])
            written.append(("overlay", rel))
        return written

    def _write_recipe(self) -> list[str]:
        import os
        import tempfile

        written = []
        for rel in self.changed:
            path = self.recipe.root / rel
            raw = b"" if rel in self.created else path.read_bytes()
            text = self.new[rel]
            if b"\r\n" in raw:
                if raw.count(b"\n") != raw.count(b"\r\n"):
                    raise Refuse(f"{rel}: mixed line endings; not writing it")
                text = text.replace("\n", "\r\n")
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".recipelint")
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
                os.chmod(tmp, 0o644 if rel in self.created else path.stat().st_mode & 0o7777)
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            written.append(rel)
        return written


def _write_text(path, text: str) -> None:
    """Atomically replace a test file with ``text`` as it was read (its line ends kept in the text),
    restoring a UTF-8 BOM the reader stripped, keeping the file's mode."""
    import os
    import tempfile

    raw = path.read_bytes()
    data = (b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b"") + text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".recipelint")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def test_file(recipe, root: str, rel: str):
    """The recipe's test file (``recipe.overlay_tests``) at ``rel`` under ``root``, or None."""
    for t in recipe.overlay_tests:
        if t.root_kind == root and t.rel == rel:
            return t
    return None


class _PatchedSource:
    """A recipe's files with some replaced by their fixed text."""

    def __init__(self, base, texts: dict[str, str]):
        self.base = base
        self.texts = texts

    def read(self, rel):
        return self.texts[rel] if rel in self.texts else self.base.read(rel)

    def list(self):
        return self.base.list()


def plan(recipe, findings) -> FixPlan:
    """Ask each finding's fixer for edits; keep those that agree with each other and leave valid YAML."""
    barred: set[int] = set()  # indexes of findings refused after the fact (broken YAML)
    reasons: dict[int, str] = {}
    while True:
        outcomes, accepted = _collect(recipe, findings, barred, reasons)
        old, new = _render(recipe, [e for e in accepted if e.root == "recipe"])
        ov_old, ov_new = _render_overlay(recipe, [e for e in accepted if e.root == "overlay"])
        broken = {("recipe", k): v for k, v in _broken_yaml(new, old).items()}
        broken.update({("recipe", k): v for k, v in _broken_python(new, old).items()})
        broken.update({("overlay", k): v for k, v in _broken_python(ov_new, ov_old).items()})
        if not broken:
            return FixPlan(recipe, outcomes, old, new, {rel for rel in new if recipe.read(rel) is None},
                           ov_old, ov_new)
        for i, o in enumerate(outcomes):
            hit = [b for b in broken if any((e.root, e.file) == b for e in o.edits)] if o.status == FIXED else []
            if hit:
                barred.add(i)
                reasons[i] = f"the edit would leave {hit[0][1]} unparseable ({broken[hit[0]]}); edit by hand"


def _collect(recipe, findings, barred, reasons):
    outcomes: list[Outcome] = []
    accepted: list[Edit] = []
    for i, f in enumerate(findings):
        mod = FIXERS.get(f.code)
        root = getattr(f, "root", "recipe")
        if mod is not None and root != "recipe" and root not in getattr(importlib.import_module(mod), "ROOTS", ()):
            mod = None  # a fixer edits recipe files unless it says it handles this root (ROOTS)
        if mod is None:
            outcomes.append(Outcome(f, NO_FIX, f"no autofix for {f.code}"))
            continue
        if i in barred:
            outcomes.append(Outcome(f, REFUSED, reasons[i]))
            continue
        try:
            edits, note = importlib.import_module(mod).fix(recipe, f)
        except Refuse as exc:
            outcomes.append(Outcome(f, REFUSED, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - a fixer's bug must not stop the others (nor write anything)
            outcomes.append(Outcome(f, REFUSED, f"the {f.code} fixer failed ({type(exc).__name__}: {exc}); "
                                                "nothing changed for this finding - please report it"))
            continue
        fresh = []
        for e in edits:
            if any(_same(e, a) for a in accepted) or any(_same(e, x) for x in fresh):
                continue
            fresh.append(e)
        clash = next(((e, a) for e in fresh for a in accepted if e.overlaps(a)), None)
        if clash is not None:
            outcomes.append(Outcome(f, REFUSED, f"its edit of {clash[0].file} overlaps another fix "
                                                f"({clash[1].why}); run fix again after applying"))
            continue
        accepted.extend(fresh)
        outcomes.append(Outcome(f, FIXED, note, edits))
    return outcomes, accepted


def _same(a: Edit, b: Edit) -> bool:
    return (a.root, a.file, a.start, a.end, a.new) == (b.root, b.file, b.start, b.end, b.new)


def _render(recipe, edits):
    old: dict[str, str] = {}
    new: dict[str, str] = {}
    files = sorted({e.file for e in edits})
    for rel in files:
        old[rel] = recipe.read(rel) or ""
        new[rel] = apply(old[rel], [e for e in edits if e.file == rel])
    return old, new


def _render_overlay(recipe, edits):
    old: dict[str, str] = {}
    new: dict[str, str] = {}
    for rel in sorted({e.file for e in edits}):
        tf = test_file(recipe, "overlay", rel)
        old[rel] = tf.text if tf is not None and tf.text is not None else ""
        new[rel] = apply(old[rel], [e for e in edits if e.file == rel])
    return old, new


def _broken_python(new: dict[str, str], old: dict[str, str]) -> dict[str, str]:
    """Python files that compiled before the edits and no longer do."""
    import ast

    out = {}
    for rel, text in new.items():
        if text == old[rel] or not rel.endswith(".py"):
            continue
        try:
            ast.parse(old[rel])
        except (SyntaxError, ValueError):
            continue
        try:
            ast.parse(text)
        except (SyntaxError, ValueError) as exc:
            out[rel] = f"line {getattr(exc, 'lineno', '?')}: {getattr(exc, 'msg', exc)}"
    return out


def _broken_yaml(new: dict[str, str], old: dict[str, str]) -> dict[str, str]:
    from recipelint.model.yamlnode import load_yaml

    out = {}
    for rel, text in new.items():
        if text == old[rel] or not rel.endswith((".yml", ".yaml")):
            continue
        _, probs = load_yaml(text, rel)
        _, before = load_yaml(old[rel], rel)
        if len(probs) > len(before):
            p = probs[0]
            out[rel] = f"line {p.line}: {p.message}"
    return out


def unified_diff(rel: str, old: str, new: str, created: bool = False) -> str:
    import difflib

    def lines(t):
        ls = t.splitlines(keepends=True)
        if ls and not ls[-1].endswith("\n"):
            ls[-1] += "\n\\ No newline at end of file\n"
        return ls

    return "".join(difflib.unified_diff(lines(old), lines(new), fromfile="/dev/null" if created else f"a/{rel}",
                                        tofile=f"b/{rel}"))


__all__ = ["FIXERS", "FixPlan", "Outcome", "Refuse", "fixable", "plan", "unified_diff"]
