"""Overlay tests (cc-ci `tests/<recipe>/**/*.py`, and a recipe's own `tests/`), read with libcst.

libcst costs ~0.4 s to import, so nothing here imports it until a test file is actually
parsed; a recipe without overlay tests never pays for it.

What rules get from here is not the syntax tree but *facts* about each `assert`:
the strings it compares (module-level constants, constants bound once inside the test
function, `+` and f-strings resolved), the shape of the comparison (``==``, ``in``,
``not in``, ``.startswith``...), whether its checks are alternatives (`or`), and the
strings its enclosing function mentions (``context``: e.g. the service a helper is
called for, ``_image(stack, "app")``).
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from ..record import Frozen, Record
from .yamlnode import Problem, offset_position


_NEGATE = {"==": "!=", "!=": "==", "in": "not in", "not in": "in", "is": "is not", "is not": "is"}


class Operand(Frozen):
    """One side of a comparison: its source text and the string values it stands for."""

    __slots__ = _fields = ("source", "strings", "collection", "via")

    def __init__(self, source: str, strings: tuple[str, ...], collection: bool, via: str | None):
        self.source = source
        self.strings = strings  # resolved string constants (empty if not constant)
        self.collection = collection  # a literal list/set/tuple (or a constant bound to one)
        self.via = via  # the module constant it was read through, if any


class Check(Frozen):
    """A single comparison inside an assert: ``left <op> right``.

    ``op`` is one of ``==``, ``!=``, ``in``, ``not in``, ``startswith``, ``endswith``,
    ``not startswith``, ``not endswith``, ``is``, ``is not``, ``<=``, ``>=``, ``<``, ``>``.
    """

    __slots__ = _fields = ("left", "op", "right")

    def __init__(self, left: Operand, op: str, right: Operand):
        self.left = left
        self.op = op
        self.right = right


class AssertFact(Frozen):
    __slots__ = _fields = ("file", "line", "col", "end_line", "end_col", "function", "source", "checks", "strings",
                           "any_of", "context", "guarded")

    def __init__(self, file: "TestFile", line: int, col: int, end_line: int, end_col: int, function: str | None,
                 source: str, checks: tuple[Check, ...], strings: tuple[tuple[str, str | None], ...],
                 any_of: bool = False, context: tuple[str, ...] = (), guarded: bool = False):
        self.file = file
        self.line = line
        self.col = col
        self.end_line = end_line
        self.end_col = end_col
        self.function = function
        self.source = source  # the assert statement's text
        self.checks = checks
        self.strings = strings  # every string the assert mentions: (value, via constant)
        self.any_of = any_of  # the checks are alternatives (`a or b`, `not (a and b)`): one holding is enough
        self.context = context  # every string constant the enclosing function mentions, in order
        self.guarded = guarded  # may not run: inside an `if`, or the test can skip/xfail (decorator, pytest.skip...)


class TestFile(Record):
    _fields = ("root_kind", "rel", "path", "text", "problems")

    def __init__(self, root_kind: str, rel: str, path: Path, text: str, problems: list[Problem] | None = None):
        self.root_kind = root_kind  # "overlay" (relative to --overlay DIR) or "recipe" (relative to the recipe)
        self.rel = rel
        self.path = path
        self.text = text
        self.problems = [] if problems is None else problems

    @cached_property
    def module(self):
        if self.text is None or any(p.code in ("E104", "E106") for p in self.problems):
            return None  # not read (too large, unreadable): nothing to parse
        nul = self.text.find("\x00")
        if nul >= 0:  # Python refuses source with NUL bytes; libcst would report it at 1:1
            line, col = offset_position(self.text, nul)
            self.problems.append(Problem("E103", self.rel, line, col,
                                         "Python syntax error: source code cannot contain NUL bytes"))
            return None
        too_deep = _too_deep_for_libcst(self.text, self.rel)
        if too_deep is not None:
            self.problems.append(too_deep)
            return None
        import libcst as cst

        try:
            return cst.parse_module(self.text)
        except cst.ParserSyntaxError as exc:  # Python's parser accepted it (a Python syntax error is E103 above)
            self.problems.append(Problem("E103", self.rel, exc.raw_line, exc.raw_column + 1,
                                         f"Python syntax error: {exc.message}"))
            return None

    @cached_property
    def asserts(self) -> list[AssertFact]:
        """Read with Python's own ast (recipelint/model/overlay_ast.py: the same facts, without libcst's
        import); ``libcst_asserts`` is the reference it is tested against."""
        from . import overlay_ast

        tree = overlay_ast.parse(self)
        if tree is None:
            return []
        try:
            return overlay_ast.extract(self, tree)
        except RecursionError:
            self.problems.append(Problem("E106", self.rel, None, None, "Python nests too deep to analyse"))
            return []

    def libcst_asserts(self) -> list[AssertFact]:
        mod = self.module
        if mod is None:
            return []
        try:
            return _Extractor(self, mod).run()
        except RecursionError:  # _too_deep_for_libcst keeps real input far from this; never a crash regardless
            self.problems.append(Problem("E106", self.rel, None, None, "Python nests too deep to analyse"))
            return []


# a test that may not run its asserts: @pytest.mark.skip/skipif/xfail, pytest.skip(), importorskip()
_SKIPS = re.compile(r"\b(?:pytest|mark)\.(?:skip|skipif|xfail|importorskip)\b|(?<![\w.])(?:skip|xfail)\(")


def _op_name(op) -> str | None:
    import libcst as cst

    table = {
        cst.Equal: "==", cst.NotEqual: "!=", cst.In: "in", cst.NotIn: "not in", cst.Is: "is",
        cst.IsNot: "is not", cst.LessThanEqual: "<=", cst.GreaterThanEqual: ">=", cst.LessThan: "<",
        cst.GreaterThan: ">",
    }
    for t, name in table.items():
        if isinstance(op, t):
            return name
    return None


class _Extractor:
    def __init__(self, tf: TestFile, module):
        self.tf = tf
        self.module = module
        self.consts: dict[str, tuple[tuple[str, ...], bool]] = {}
        # function-local names: a constant value, or None when the name is bound to something else
        self.scopes: list[dict[str, tuple[tuple[str, ...], bool] | None]] = []
        self._any_of = False

    def _lookup(self, name: str) -> tuple[tuple[str, ...], bool] | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return self.consts.get(name)

    def run(self) -> list[AssertFact]:
        import libcst as cst
        from libcst.metadata import MetadataWrapper, PositionProvider

        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)
        # module-level constants (in order, so later ones can use earlier ones)
        for stmt in self.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    targets, value = self._assignment(small)
                    for name in targets:
                        val = self._values(value)
                        if val is not None:
                            self.consts[name] = val
        facts: list[AssertFact] = []
        extractor = self
        module_skips = any(
            isinstance(stmt, cst.SimpleStatementLine) and "pytestmark" in self._assignment(stmt.body[0])[0]
            and bool(_SKIPS.search(self.module.code_for_node(stmt)))
            for stmt in self.module.body if isinstance(stmt, cst.SimpleStatementLine) and stmt.body)

        class V(cst.CSTVisitor):
            def __init__(self):
                self.func: list[str] = []
                self.context: list[tuple[str, ...]] = []
                self.skippable: list[bool] = [module_skips]
                self.conditional = 0

            def visit_FunctionDef(self, node):
                self.func.append(node.name.value)
                extractor.scopes.append(extractor._local_constants(node))
                self.context.append(tuple(dict.fromkeys(v for v, _ in extractor._all_strings(node.body))))
                code = extractor.module.code_for_node(node)
                self.skippable.append(self.skippable[-1] or bool(_SKIPS.search(code)))

            def leave_FunctionDef(self, node):
                self.func.pop()
                extractor.scopes.pop()
                self.context.pop()
                self.skippable.pop()

            def visit_If(self, node):
                self.conditional += 1

            def leave_If(self, node):
                self.conditional -= 1

            def visit_Try(self, node):
                self.conditional += 1

            def leave_Try(self, node):
                self.conditional -= 1

            def visit_Assert(self, node):
                pos = positions[node]
                extractor._any_of = False
                checks = tuple(extractor._checks(node.test))
                strings = tuple(extractor._all_strings(node.test))
                facts.append(AssertFact(
                    extractor.tf, pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1,
                    self.func[-1] if self.func else None, extractor.module.code_for_node(node), checks, strings,
                    any_of=extractor._any_of, context=self.context[-1] if self.context else (),
                    guarded=self.skippable[-1] or self.conditional > 0,
                ))

        self.module.visit(V())
        return facts

    def _local_constants(self, func) -> dict[str, tuple[tuple[str, ...], bool] | None]:
        """Names a function binds: bound once to a constant -> its value; otherwise None (shadowed)."""
        import libcst as cst

        bound: dict[str, list] = {}
        extractor = self

        class A(cst.CSTVisitor):
            def visit_FunctionDef(inner, node):  # noqa: N805 - nested functions have their own scope
                return node is func

            def visit_ClassDef(inner, node):  # noqa: N805
                return False

            def visit_Assign(inner, node):  # noqa: N805
                for t in node.targets:
                    for n in _bound_names(t.target):
                        bound.setdefault(n, []).append(node.value if isinstance(t.target, cst.Name) else None)

            def visit_AnnAssign(inner, node):  # noqa: N805
                for n in _bound_names(node.target):
                    bound.setdefault(n, []).append(node.value)

            def visit_AugAssign(inner, node):  # noqa: N805
                for n in _bound_names(node.target):
                    bound.setdefault(n, []).append(None)

            def visit_For(inner, node):  # noqa: N805
                for n in _bound_names(node.target):
                    bound.setdefault(n, []).append(None)

            def visit_Param(inner, node):  # noqa: N805
                bound.setdefault(node.name.value, []).append(None)

            def visit_NamedExpr(inner, node):  # noqa: N805
                for n in _bound_names(node.target):
                    bound.setdefault(n, []).append(None)

        func.visit(A())
        scope: dict[str, tuple[tuple[str, ...], bool] | None] = {}
        self.scopes.append(scope)
        try:
            for name, values in bound.items():
                scope[name] = None
            for name, values in bound.items():
                if len(values) == 1 and values[0] is not None:
                    scope[name] = extractor._values(values[0])
        finally:
            self.scopes.pop()
        return scope

    # -- helpers ------------------------------------------------------------
    @staticmethod
    def _assignment(small):
        import libcst as cst

        if isinstance(small, cst.Assign):
            names = [t.target.value for t in small.targets if isinstance(t.target, cst.Name)]
            return names, small.value
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
            return [small.target.value], small.value
        return [], None

    def _values(self, node) -> tuple[tuple[str, ...], bool] | None:
        """String values of a constant expression, and whether it is a collection."""
        import libcst as cst

        s = self._string(node)
        if s is not None:
            return (s,), False
        if isinstance(node, (cst.List, cst.Set, cst.Tuple)):
            vals = []
            for el in node.elements:
                s = self._string(el.value)
                if s is None:
                    return None
                vals.append(s)
            return tuple(vals), True
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and \
                node.func.value in ("set", "frozenset", "sorted", "list", "tuple") and len(node.args) == 1:
            return self._values(node.args[0].value)
        if isinstance(node, cst.Name):
            return self._lookup(node.value)
        return None

    def _string(self, node) -> str | None:
        import libcst as cst

        if isinstance(node, cst.SimpleString):
            try:
                v = node.evaluated_value
            except Exception:  # noqa: BLE001 - odd literal: not a constant for us
                return None
            return v if isinstance(v, str) else None
        if isinstance(node, cst.ConcatenatedString):
            a, b = self._string(node.left), self._string(node.right)
            return a + b if a is not None and b is not None else None
        if isinstance(node, cst.Name):
            found = self._lookup(node.value)
            if found is None:
                return None
            vals, coll = found
            return vals[0] if not coll and len(vals) == 1 else None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            a, b = self._string(node.left), self._string(node.right)
            return a + b if a is not None and b is not None else None
        if isinstance(node, cst.FormattedString):
            out = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    out.append(part.value)
                elif isinstance(part, cst.FormattedStringExpression) and part.format_spec is None \
                        and part.conversion is None:
                    s = self._string(part.expression)
                    if s is None:
                        return None
                    out.append(s)
                else:
                    return None
            return "".join(out)
        return None

    def _operand(self, node) -> Operand:
        import libcst as cst

        via = node.value if isinstance(node, cst.Name) and self._lookup(node.value) is not None else None
        vals = self._values(node)
        src = self.module.code_for_node(node)
        if vals is None:
            return Operand(src, (), False, None)
        return Operand(src, vals[0], vals[1], via)

    def _checks(self, test, negated: bool = False):
        import libcst as cst

        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            yield from self._checks(test.expression, not negated)
            return
        if isinstance(test, cst.BooleanOperation):
            if isinstance(test.operator, cst.Or) != negated:
                self._any_of = True
            yield from self._checks(test.left, negated)
            yield from self._checks(test.right, negated)
            return
        if isinstance(test, cst.Comparison):
            left = test.left
            for target in test.comparisons:
                op = _op_name(target.operator)
                if op is not None:
                    if negated:
                        # `not a < b` is no comparison of its own (sets are only partly ordered):
                        # "not <" is a check the rules cannot read, so they claim nothing from it
                        op = _NEGATE.get(op, "not " + op)
                    yield Check(self._operand(left), op, self._operand(target.comparator))
                left = target.comparator
            return
        if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) and \
                test.func.attr.value in ("startswith", "endswith") and test.args:
            op = test.func.attr.value
            yield Check(self._operand(test.func.value), ("not " + op) if negated else op,
                        self._operand(test.args[0].value))

    def _all_strings(self, test):
        import libcst as cst

        seen = []

        class S(cst.CSTVisitor):
            def visit_SimpleString(inner, node):  # noqa: N805
                v = self._string(node)
                if v is not None:
                    seen.append((v, None))

            def visit_Name(inner, node):  # noqa: N805
                found = self._lookup(node.value)
                if found is not None:
                    for v in found[0]:
                        seen.append((v, node.value))

            def visit_FormattedString(inner, node):  # noqa: N805
                v = self._string(node)
                if v is not None:
                    seen.append((v, None))

        test.visit(S())
        return seen


def _bound_names(target) -> list[str]:
    import libcst as cst

    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _bound_names(el.value)]
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    return []


def discover_tests(recipe_root: Path, recipe_name: str, overlay_root: Path | None) -> list[TestFile]:
    """The overlay tests for a recipe: `OVERLAY/<name>/**/*.py` and the recipe's own `tests/**/*.py`."""
    found: list[TestFile] = []
    roots = []
    if overlay_root is not None:
        roots.append(("overlay", overlay_root, overlay_root / recipe_name))
    roots.append(("recipe", recipe_root, recipe_root / "tests"))
    for kind, base, d in roots:
        if not d.is_dir():
            continue
        for p in sorted(d.rglob("*.py")):
            rel = p.relative_to(base).as_posix()
            text, problem = _read_test(p, base, rel)
            tf = TestFile(kind, rel, p, text)
            if problem is not None:
                tf.problems.append(problem)
            found.append(tf)
    return found


# libcst's native parser overflows its stack (a segfault, not an exception) on deeply nested code, and
# its visitors recurse in Python: code nested deeper than this is not analysed (E106). Test code nests
# < 30 levels; libcst copes with ~190 of every shape we tried. `a or b or c` and `"a" "b" "c"` nest
# once per operand in libcst (flat in Python's ast), so they count that way here.
MAX_PY_DEPTH = 100


def _too_deep_for_libcst(text: str, rel: str) -> Problem | None:
    """E106 if ``text`` nests too deep for libcst, E103 if it does not parse, both found with Python's
    own parser (which bounds its stack); None to go on to libcst. A syntax error never reaches libcst:
    deep code with a syntax error elsewhere would crash it just the same."""
    return python_tree(text, rel)[1]


def python_tree(text: str, rel: str):
    """(tree, problem): Python's own parse of ``text`` and, when it cannot be analysed, why (E106 too
    deep, E103 a syntax error). The ast reader uses the tree; the libcst reader only the verdict, so a
    file is parsed by Python once. (None, None): the parser refused it with a ValueError."""
    import ast

    try:
        tree = compile(text, rel, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as err:
        if err.msg.startswith("too many"):  # too many nested parentheses / levels of indentation / blocks
            return None, Problem("E106", rel, err.lineno, err.offset or 1 if err.lineno else None,
                                 f"Python nests too deep to analyse ({err.msg})")
        if err.lineno:
            return None, Problem("E103", rel, err.lineno, err.offset or 1, f"Python syntax error: {err.msg}")
        return None, Problem("E103", rel, None, None, f"Python syntax error: {err.msg}")
    except (RecursionError, MemoryError):
        return None, Problem("E106", rel, None, None, "Python nests too deep to analyse")
    except ValueError:
        return None, None
    return tree, _nesting_problem(tree, text, rel)


def _nesting_problem(tree, text: str, rel: str) -> Problem | None:
    import ast

    lines = text.splitlines()
    stack = [(tree, 0, None)]
    while stack:
        node, depth, pos = stack.pop()
        if getattr(node, "lineno", None):
            pos = (node.lineno, node.col_offset + 1)  # else: the nearest enclosing node with a position
        if isinstance(node, ast.BoolOp):
            depth += len(node.values) - 1
        elif isinstance(node, (ast.Constant, ast.JoinedStr)) and getattr(node, "lineno", None):
            seg = lines[node.lineno - 1:node.end_lineno]
            if seg and len(seg) == 1:
                seg = [seg[0][node.col_offset:node.end_col_offset]]
            depth += sum(x.count("'") + x.count('"') for x in seg) // 2  # implicit concatenation: per literal
        if depth > MAX_PY_DEPTH:
            return Problem("E106", rel, pos[0] if pos else None, pos[1] if pos else None,
                           f"Python nests deeper than {MAX_PY_DEPTH} levels here; the file is not analysed")
        stack.extend((child, depth + 1, pos) for child in ast.iter_child_nodes(node))
    return None


# cc-ci test files are a few hundred lines. The ast reader walks a 10,000-line file of nothing but asserts
# in about a second (libcst took ~2.5 ms per assert, which is why the bound was 1,500 lines while it read
# the asserts). Beyond these a file is not analysed (E106), so a runaway file cannot stall a run
# (tests/test_hostile.py).
MAX_TEST_BYTES = 512 * 1024
MAX_TEST_LINES = 10_000


def _read_test(p: Path, base: Path, rel: str) -> tuple[str, Problem | None]:
    """A test file's text, or "" and why not: only regular files inside ``base``, bounded in size."""
    import os
    import stat

    try:
        real = p.resolve()
        if not real.is_relative_to(base.resolve()):
            return "", Problem("E104", rel, None, None, f"a symlink to {real}, outside {base}; not followed")
        st = os.stat(real)
        if not stat.S_ISREG(st.st_mode):
            return "", Problem("E104", rel, None, None, "not a regular file (a FIFO, device or directory); not read")
        if st.st_size > MAX_TEST_BYTES:
            return "", Problem("E106", rel, None, None, f"test file is {st.st_size // 1024} KiB, over the "
                                                         f"{MAX_TEST_BYTES // 1024} KiB recipelint analyses")
        with open(real, "rb") as fh:
            data = fh.read(MAX_TEST_BYTES + 1)
    except (OSError, RuntimeError) as exc:
        return "", Problem("E104", rel, None, None, f"cannot read test file: {exc}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        good = data[:exc.start].decode("utf-8-sig", errors="replace")
        line, col = offset_position(good, len(good))
        return "", Problem("E104", rel, line, col,
                           f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded; save the file as UTF-8")
    lines = text.count("\n") + (not text.endswith("\n"))
    if lines > MAX_TEST_LINES:
        return "", Problem("E106", rel, None, None, f"test file has {lines} lines, over the {MAX_TEST_LINES} "
                                                     "recipelint analyses")
    return text, None
