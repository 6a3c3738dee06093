"""T001/T002 autofix: stale overlay-test asserts, found and changed with libcst (lossless).

* The state the assert claims matches an **older release** (the test was not updated for the
  release): an image equality (`image == "x/app:1.0"`, `image == APP_IMAGE`) or a service-set
  equality (`set(services) == {"app", "db"}`, `sorted(svc) == EXPECTED`) gets its literal - in the
  assert or in the one assignment of the constant it reads - rewritten to the release's value.
  Refused when that is a judgement: another comparison (startswith, `in`, negative), a computed
  value, a constant used outside these asserts, a list whose order we cannot know, several
  candidate images.
* The state exists only on a **branch**, on unreleased **main**, or **nowhere**: the test function is
  quarantined with ``@pytest.mark.skip(reason="recipelint T001: ...")`` (one decorator per function,
  whatever the number of findings in it), adding ``import pytest`` when the module has no pytest
  name. Refused: an assert at module level, in a fixture, or in a helper that is not a test.

Edits are insertions/replacements at offsets taken from libcst's PositionProvider, so every other
byte of the file stays. libcst is imported here only (never on `check`). See docs/adr/0007-autofix.md.
"""

from __future__ import annotations

import sys

from .edits import Edit, Refuse, offset

ROOTS = ("recipe", "overlay")  # the fix machinery lets this fixer edit overlay-root files too
KINDS = {"T001": "image", "T002": "services"}
_WHERE = {"branch", "main", "nowhere"}
MAX_LINE = 99


# ---------------------------------------------------------------- entry point

def fix(recipe, f) -> tuple[list[Edit], str]:
    from recipelint.fix import test_file

    tf = test_file(recipe, f.root, f.path)
    if tf is None or f.line is None:
        raise Refuse(f"{f.path}: cannot read the test file")
    verdict = _verdict_for(recipe, f, tf)
    if verdict is None:
        raise Refuse("the assert is no longer stale where the finding says (edited, or already skipped); "
                     "re-run check")
    mod = _Module(tf)
    if verdict.where == "older-release":
        return _rewrite(recipe, f, tf, mod, verdict)
    return _quarantine(recipe, f, tf, mod)


def _verdicts(recipe, tf):
    from recipelint_rules._overlay_helpers import stale_asserts  # the engine has loaded the rules package

    out = []
    for code, kind in KINDS.items():
        for v in stale_asserts(recipe, kind):
            if v.fact.file is tf:
                out.append((code, v))
    return out


def _verdict_for(recipe, f, tf):
    kind = KINDS[f.code]
    for code, v in _verdicts(recipe, tf):
        if v.kind == kind and v.fact.line == f.line and v.fact.col == f.column:
            return v
    return None


class _Module:
    """A test file parsed with libcst, with positions and parents."""

    def __init__(self, tf):
        import libcst as cst
        from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

        try:
            self.module = cst.parse_module(tf.text)
        except Exception as exc:  # noqa: BLE001 - libcst's syntax error: one line, no traceback
            raise Refuse(f"{tf.rel}: libcst cannot parse it ({type(exc).__name__}); edit by hand") from None
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self.pos = wrapper.resolve(PositionProvider)
        self.parent = wrapper.resolve(ParentNodeProvider)
        self.text = tf.text
        self.rel = tf.rel
        self.cst = cst

    def assert_at(self, line: int, col: int):
        cst = self.cst
        found = [n for n, p in self.pos.items() if isinstance(n, cst.Assert) and p.start.line == line]
        exact = [n for n in found if self.pos[n].start.column + 1 == col]
        if len(exact) == 1:
            return exact[0]
        if len(found) == 1:
            return found[0]
        raise Refuse(f"{self.rel}:{line}:{col}: no single assert there; re-run check")

    def start(self, node) -> int:
        p = self.pos[node].start
        return offset(self.text, p.line, p.column + 1)

    def end(self, node) -> int:
        p = self.pos[node].end
        return offset(self.text, p.line, p.column + 1)

    def ancestors(self, node):
        while node in self.parent:
            node = self.parent[node]
            yield node


# ---------------------------------------------------------------- quarantine

def _test_function(mod, node):
    """The test function to mark: the outermost function around ``node``, at module level or a method of
    a module-level class."""
    cst = mod.cst
    funcs = [a for a in mod.ancestors(node) if isinstance(a, cst.FunctionDef)]
    if not funcs:
        raise Refuse("a module-level assert runs when pytest imports the module: no test to mark (a module-wide "
                     "skip would hide every test); move or fix the assert by hand")
    fn = funcs[-1]
    owner = mod.parent.get(fn)
    klass = None
    if isinstance(owner, cst.IndentedBlock):
        klass = mod.parent.get(owner)
        if not isinstance(klass, cst.ClassDef) or not isinstance(mod.parent.get(klass), cst.Module):
            raise Refuse(f"the assert is in '{fn.name.value}', which is not a module-level test; mark its tests by hand")
    for d in fn.decorators:
        if "fixture" in mod.module.code_for_node(d.decorator):
            raise Refuse(f"the assert is in fixture '{fn.name.value}': marks do not apply to fixtures; "
                         "skip the tests that use it by hand")
    if not fn.name.value.startswith("test") or (klass is not None and not klass.name.value.startswith("Test")):
        raise Refuse(f"the assert is in '{fn.name.value}', which pytest does not collect as a test (a helper): "
                     "marking it would change nothing; skip the tests that call it by hand")
    return fn


def _pytest_name(mod) -> str | None:
    """How the module names pytest's marks: `pytest.mark`, `pt.mark`, `mark` (None: not imported)."""
    cst = mod.cst
    for stmt in mod.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for a in small.names:
                    if mod.module.code_for_node(a.name) == "pytest":
                        return (a.asname.name.value if a.asname else "pytest") + ".mark"
            if isinstance(small, cst.ImportFrom) and small.module is not None and \
                    mod.module.code_for_node(small.module) == "pytest" and not isinstance(small.names, cst.ImportStar):
                for a in small.names:
                    if a.name.value == "mark":
                        return a.asname.name.value if a.asname else "mark"
    return None


def _import_edit(mod, root: str, nl: str) -> Edit:
    """`import pytest` where an isort-minded person would put it: among the third-party imports of the
    leading import block, else after the standard-library ones (a blank line between), else after the
    docstring, else before the first statement."""
    cst = mod.cst
    body = list(mod.module.body)
    i = 0
    doc = None
    if body and isinstance(body[0], cst.SimpleStatementLine) and len(body[0].body) == 1 and \
            isinstance(body[0].body[0], cst.Expr) and isinstance(body[0].body[0].value,
                                                                  (cst.SimpleString, cst.ConcatenatedString)):
        doc = body[0]
        i = 1
    imports = []
    while i < len(body) and isinstance(body[i], cst.SimpleStatementLine) and \
            all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in body[i].body):
        imports.append(body[i])
        i += 1
    why = "import pytest for the skip mark"

    def line_after(node) -> int:
        e = mod.end(node)
        j = mod.text.find("\n", e)
        return len(mod.text) if j < 0 else j + 1

    def top(stmt) -> str:
        s = stmt.body[0]
        if isinstance(s, cst.Import):
            return mod.module.code_for_node(s.names[0].name)
        return "." if s.relative else mod.module.code_for_node(s.module)

    third = [s for s in imports if top(s).split(".")[0] not in sys.stdlib_module_names and top(s) != "."
             and not top(s).startswith(".")]
    if third:
        for s in third:
            if top(s) > "pytest":
                at = offset(mod.text, mod.pos[s].start.line, 1)
                return Edit(mod.rel, at, at, "import pytest" + nl, why, root)
        at = line_after(third[-1])
        return Edit(mod.rel, at, at, "import pytest" + nl, why, root)
    if imports:
        at = line_after(imports[-1])
        return Edit(mod.rel, at, at, nl + "import pytest" + nl, why, root)
    if doc is not None:
        at = line_after(doc)
        return Edit(mod.rel, at, at, nl + "import pytest" + nl, why, root)
    if not body:
        raise Refuse(f"{mod.rel}: an empty module")
    first = body[0]
    anchor = first.decorators[0] if getattr(first, "decorators", None) else first
    at = offset(mod.text, mod.pos[anchor].start.line, 1)
    gap = 3 if isinstance(first, (cst.FunctionDef, cst.ClassDef)) else 2
    return Edit(mod.rel, at, at, "import pytest" + nl * gap, why, root)


def _pystr(s: str) -> str:
    if s.isprintable() and '"' not in s and "\\" not in s:
        return '"' + s + '"'
    return repr(s)


def _reason(verdicts) -> str:
    codes = sorted({c for c, _ in verdicts})
    by_where: dict[str, list[str]] = {}  # claims grouped by where their state exists
    deployed = []
    release = verdicts[0][1].release.name
    for _, v in verdicts:
        if v.where == "nowhere":
            where = "which no release, main or branch has"
        else:
            where = "which only " + " and ".join(r.label for r in v.exists_on if r.kind in ("main", "branch")) + \
                " has"
        by_where.setdefault(where, []).extend(c.describe(v.subjects) for c in v.failing)
        d = v.deployed()
        if d not in deployed:
            deployed.append(d)
    parts = [f"asserts {' and '.join(dict.fromkeys(claims))}, {where}" for where, claims in by_where.items()]
    tail = "Move the assert with that change." if any(v.where != "nowhere" for _, v in verdicts) else \
        "Correct the assert."
    return f"recipelint {', '.join(codes)}: " + "; ".join(parts) + \
        f"; the latest release {release} deploys {' and '.join(deployed)}. {tail}"


def _decorator(mark: str, reason: str, indent: str, nl: str) -> str:
    one = f"{indent}@{mark}.skip(reason={_pystr(reason)})"
    if len(one) <= MAX_LINE:
        return one + nl
    # one string literal a line (implicit concatenation), split after "; " and ". "
    pieces, cur = [], ""
    for word in reason.split(" "):
        cand = (cur + " " + word) if cur else word
        if cur and len(indent) + 8 + len(cand) > MAX_LINE:
            pieces.append(cur + " ")
            cur = word
        else:
            cur = cand
    pieces.append(cur)
    inner = indent + "    "
    lines = [f"{indent}@{mark}.skip(", f"{inner}reason=" + _pystr(pieces[0])]
    lines += [inner + "       " + _pystr(p) for p in pieces[1:]]
    lines.append(f"{indent})")
    return nl.join(lines) + nl


def _quarantine(recipe, f, tf, mod):
    target = mod.assert_at(f.line, f.column)
    fn = _test_function(mod, target)
    # every stale (non older-release) assert of the same test function: one decorator for all of them
    mine = []
    for code, v in _verdicts(recipe, tf):
        if v.where not in _WHERE:
            continue
        try:
            node = mod.assert_at(v.fact.line, v.fact.col)
        except Refuse:
            continue
        if fn in list(mod.ancestors(node)):
            mine.append((code, v))
    mine.sort(key=lambda cv: (cv[1].fact.line, cv[1].fact.col, cv[0]))
    nl = mod.module.default_newline
    mark = _pytest_name(mod)
    edits = []
    if mark is None:
        edits.append(_import_edit(mod, f.root, nl))
        mark = "pytest.mark"
    first = fn.decorators[0] if fn.decorators else fn
    p = mod.pos[first].start
    at = offset(mod.text, p.line, 1)
    indent = mod.text[at:at + p.column]
    if indent.strip():
        raise Refuse(f"{tf.rel}:{p.line}: the function does not start its own line; mark it by hand")
    reason = _reason(mine)
    edits.append(Edit(tf.rel, at, at, _decorator(mark, reason, indent, nl),
                      f"skip {fn.name.value} (stale overlay assert)", f.root))
    return edits, f"test '{fn.name.value}' marked @{mark}.skip (the reason names the claim and the release)"


# ---------------------------------------------------------------- older release: rewrite the literal

def _strings(mod, node):
    """(values, is_collection, literal nodes) of a string/collection literal; None otherwise."""
    cst = mod.cst
    if isinstance(node, cst.SimpleString):
        v = node.evaluated_value
        return ((v,), False, node) if isinstance(v, str) else None
    if isinstance(node, (cst.List, cst.Set, cst.Tuple)):
        vals = []
        for el in node.elements:
            if not isinstance(el.value, cst.SimpleString) or not isinstance(el.value.evaluated_value, str):
                return None
            vals.append(el.value.evaluated_value)
        return tuple(vals), True, node
    return None


def _unwrap(mod, node):
    cst = mod.cst
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and \
            node.func.value in ("set", "frozenset", "sorted", "list", "tuple") and len(node.args) == 1:
        node = node.args[0].value
    return node


def _binding(mod, name: str, scope_fn):
    """The one `name = <value>` that defines a constant: in the test function, else at module level."""
    cst = mod.cst
    for scope in ([scope_fn.body.body] if scope_fn is not None else []) + [mod.module.body]:
        found = []
        for stmt in scope:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and any(
                            isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                        found.append(small.value)
                    elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and \
                            small.target.value == name and small.value is not None:
                        found.append(small.value)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise Refuse(f"{name} is assigned more than once; update it by hand")
    return None


def _targets(mod, assert_node, fn):
    """(values, collection, literal node, constant name or None) for each comparison operand."""
    cst = mod.cst
    out = []
    for comp in [n for n in _walk(assert_node.test) if isinstance(n, cst.Comparison)]:
        operands = [comp.left] + [t.comparator for t in comp.comparisons]
        for o in operands:
            inner = _unwrap(mod, o)
            name = None
            if isinstance(inner, cst.Name):
                name = inner.value
                inner = _binding(mod, name, fn)
                inner = _unwrap(mod, inner) if inner is not None else None
            got = _strings(mod, inner) if inner is not None else None
            if got is not None:
                out.append((got[0], got[1], got[2], name))
    return out


def _walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(list(n.children)))


def _quote_like(mod, old, value: str) -> str:
    prefix = old.prefix
    q = old.quote
    if "\n" in value or not value.isprintable() or "\\" in value or q[0] in value or "r" in prefix.lower() or \
            "b" in prefix.lower():
        raise Refuse(f"{mod.rel}: cannot write {value!r} in the literal's quoting; update it by hand")
    return prefix + q + value + q


def _rewrite(recipe, f, tf, mod, v):
    from recipelint.model.claims import repo as _repo, variants as _variants

    node = mod.assert_at(f.line, f.column)
    funcs = [a for a in mod.ancestors(node) if isinstance(a, mod.cst.FunctionDef)]
    fn = funcs[0] if funcs else None
    if len(v.failing) != 1:
        raise Refuse("several claims of the assert fail at the release; update it by hand")
    claim = v.failing[0]
    rel = v.release
    if claim.kind == "image":
        if claim.mode != "eq" or claim.negative or len(claim.values) != 1:
            raise Refuse("only an image equality (==) is rewritten; update this comparison by hand")
        old = claim.values[0]
        chosen = [s for s in v.subjects if s in rel.services] if v.subjects else list(rel.services)
        images = [rel.services[s] for s in chosen if rel.services[s]]
        if not v.subjects:
            images = [i for i in images if any(_repo(a) == _repo(b) for a in _variants(i) for b in _variants(old))]
        images = list(dict.fromkeys(images))
        if len(images) != 1:
            raise Refuse(f"the release has {len(images)} candidate images for {old!r}; update it by hand")
        new_img = images[0]
        form = [x for x in _variants(new_img) if ("@" in x) == ("@" in old) and
                (_repo(x) == _repo(old) or x == new_img)]
        new_val = (form or [new_img])[0]
        match = [t for t in _targets(mod, node, fn) if not t[1] and t[0] == (old,)]
    else:
        if claim.mode != "exactly" or claim.negative:
            raise Refuse("only an equality with the whole set of services is rewritten; update this one by hand")
        new_set = sorted(rel.services)
        match = [t for t in _targets(mod, node, fn) if t[1] and set(t[0]) == set(claim.values)]
    match = list({id(t[2]): t for t in match}.values())
    if len(match) != 1:
        raise Refuse(f"found {len(match)} literals holding the asserted value; update it by hand")
    values, coll, lit, name = match[0]
    if name is not None:
        _only_used_here(mod, name, node)
    if claim.kind == "image":
        new_text = _quote_like(mod, lit, new_val)
        note = f"{old!r} -> {new_val!r}"
    else:
        cst = mod.cst
        if isinstance(lit, (cst.List, cst.Tuple)) and list(values) != sorted(values):
            raise Refuse("a list of services in an order the release cannot tell; update it by hand")
        first = lit.elements[0].value if lit.elements else None
        if first is None:
            raise Refuse("an empty collection; update it by hand")
        items = [_quote_like(mod, first, s) for s in new_set]
        src = mod.module.code_for_node(lit)
        if "\n" in src:
            raise Refuse("a collection written over several lines; update it by hand")
        opener, closer = {cst.List: ("[", "]"), cst.Set: ("{", "}"), cst.Tuple: ("(", ")")}[type(lit)]
        if isinstance(lit, cst.Tuple) and not lit.lpar:
            opener, closer = "", ""
        body = ", ".join(items) + ("," if isinstance(lit, cst.Tuple) and len(items) == 1 else "")
        new_text = opener + body + closer
        note = "{" + ", ".join(sorted(values)) + "} -> {" + ", ".join(new_set) + "}"
    where = f" in {name}" if name else ""
    return [Edit(tf.rel, mod.start(lit), mod.end(lit), new_text,
                 f"update{where} to release {rel.name}", f.root)], \
        f"updated{where} to the release {rel.name}: {note}"


def _only_used_here(mod, name: str, assert_node) -> None:
    """Refuse to rewrite a constant that anything but this assert reads."""
    cst = mod.cst
    inside = {id(n) for n in _walk(assert_node)}
    for n in _walk(mod.module):
        if isinstance(n, cst.Name) and n.value == name and id(n) not in inside:
            par = mod.parent.get(n)
            if isinstance(par, (cst.AssignTarget, cst.AnnAssign)):
                continue
            line = mod.pos[n].start.line
            raise Refuse(f"{name} is also used at line {line}; rewriting it would change that too - "
                         "update the test by hand")
