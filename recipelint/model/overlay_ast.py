"""Overlay-test facts read with Python's own `ast` (what `TestFile.asserts` uses).

libcst takes ~130 ms to import and ~20 ms to parse and walk a test file; Python's parser does both in
a millisecond. This reader gives the same `AssertFact`s as the libcst one in overlay.py (`_Extractor`,
kept as the reference: tests/test_overlay_ast.py compares the two on every Python file it can
find), so it has to reproduce what libcst sees in the source and `ast` does not keep:

- columns are characters, not UTF-8 bytes;
- an operand's text includes its own parentheses (`(a) == b`: `(a)`), as libcst's node code does;
- implicitly concatenated literals are separate strings (`"a" "b"` mentions "a" and "b");
- an f-string's text is its raw source text (`{{` stays `{{`);
- names that libcst holds as `Name` nodes and `ast` as plain strings (attribute names, keyword
  arguments, parameters, function, class and import names) count as mentions too;
- mentions come in source order (a dict's keys and values interleaved, `a if t else b` as written).
"""

from __future__ import annotations

import ast
import re

from .overlay import _NEGATE, _SKIPS, AssertFact, Check, Operand

_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
        ast.LtE: "<=", ast.GtE: ">=", ast.Lt: "<", ast.Gt: ">"}
_LINE_END = re.compile(r"\r\n|\r|\n")
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_PREFIX = re.compile(r"[rRbBuUfF]{0,2}")


def parse(tf) -> ast.Module | None:
    """The test file's tree, or None with the file's problem recorded: what `TestFile.module` checks
    before libcst (not read, NUL bytes, nested too deep, a syntax error), with Python's parser."""
    from .overlay import python_tree
    from .yamlnode import Problem, offset_position

    if tf.text is None or any(p.code in ("E104", "E106") for p in tf.problems):
        return None
    nul = tf.text.find("\x00")
    if nul >= 0:
        line, col = offset_position(tf.text, nul)
        tf.problems.append(Problem("E103", tf.rel, line, col, "Python syntax error: source code cannot contain NUL bytes"))
        return None
    tree, problem = python_tree(tf.text, tf.rel)  # the one parse: checked for depth, then read
    if problem is not None:
        tf.problems.append(problem)
        return None
    if tree is None:  # the parser refused it with a ValueError: say what it says
        try:
            compile(tf.text, tf.rel, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            tf.problems.append(Problem("E103", tf.rel, None, None, f"Python syntax error: {exc}"))
        return None
    return tree


def extract(tf, tree: ast.Module) -> list[AssertFact]:
    return _Extractor(tf, tree).run()


class _Extractor:
    def __init__(self, tf, tree: ast.Module):
        self.tf = tf
        self.tree = tree
        text = tf.text
        self.lines: list[str] = []  # with their line ends
        pos = 0
        for m in _LINE_END.finditer(text):
            self.lines.append(text[pos:m.end()])
            pos = m.end()
        if pos < len(text) or not self.lines:
            self.lines.append(text[pos:])
        self.consts: dict[str, tuple[tuple[str, ...], bool]] = {}
        self.scopes: list[dict] = []
        self._any_of = False
        self.indent = ""  # the indentation of the statement being read
        self._strings: set[int] | None = None

    # -- positions ------------------------------------------------------------------------------
    def _col(self, line: int, byte_col: int) -> int:
        """0-based character column of a UTF-8 byte offset in a 1-based line."""
        s = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return byte_col if s.isascii() else len(s.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))

    def _span(self, node) -> tuple[int, int, int, int]:
        return (node.lineno, self._col(node.lineno, node.col_offset),
                node.end_lineno, self._col(node.end_lineno, node.end_col_offset))

    def _text(self, l1: int, c1: int, l2: int, c2: int) -> str:
        """The source between two places. Continuation lines lose the indentation of the block the
        statement is in (``self.indent``), unless they start inside a string or follow a backslash:
        libcst keeps that indentation with the block, not with the node."""
        if l1 == l2:
            return self.lines[l1 - 1][c1:c2]
        out = [self.lines[l1 - 1][c1:]]
        for ln in range(l1 + 1, l2 + 1):
            s = self.lines[ln - 1]
            if self.indent and s.startswith(self.indent) and ln not in self._in_string() and \
                    not self.lines[ln - 2].rstrip("\r\n").endswith("\\"):  # a backslash keeps it
                s = s[len(self.indent):]
                out.append(s[:c2 - len(self.indent)] if ln == l2 else s)
            else:
                out.append(s[:c2] if ln == l2 else s)
        return "".join(out)

    def _in_string(self) -> set[int]:
        """Lines that start inside a string token (a triple-quoted string's second line on)."""
        if self._strings is None:
            import io
            import tokenize

            self._strings = set()
            try:
                for tok in tokenize.generate_tokens(io.StringIO(self.tf.text).readline):
                    if tok.type == tokenize.STRING and tok.end[0] > tok.start[0] or \
                            tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1) and tok.end[0] > tok.start[0]:
                        self._strings.update(range(tok.start[0] + 1, tok.end[0] + 1))
            except (tokenize.TokenError, SyntaxError, IndentationError):
                pass
        return self._strings

    def _char(self, line: int, col: int, step: int):
        """The first non-blank character from (line, col) in direction ``step`` (+1 or -1), and its place."""
        while 0 < line <= len(self.lines):
            s = self.lines[line - 1]
            if step < 0:
                col -= 1
                while col >= 0 and s[col] in " \t\f\\\r\n":
                    col -= 1
                if col >= 0:
                    return s[col], line, col
                line -= 1
                col = len(self.lines[line - 1]) if line > 0 else 0
            else:
                while col < len(s) and s[col] in " \t\f\\\r\n":
                    col += 1
                if col < len(s):
                    return s[col], line, col
                line, col = line + 1, 0
        return None, line, col

    def _code(self, node, within=None, not_before=None) -> str:
        """A node's source text with the parentheses that wrap it (libcst's code_for_node), staying
        inside ``within`` (the parent's span) and after ``not_before`` (a call's own parenthesis)."""
        l1, c1, l2, c2 = self._span(node)
        while within is not None:
            ch, bl, bc = self._char(l1, c1, -1)
            if ch != "(" or (bl, bc) < within[:2] or (not_before is not None and (bl, bc) <= not_before):
                break
            ch2, al, ac = self._char(l2, c2, +1)
            if ch2 != ")" or (al, ac + 1) > within[2:]:
                break
            l1, c1, l2, c2 = bl, bc, al, ac + 1
        return self._text(l1, c1, l2, c2)

    def _leading(self, first_line: int, floor: int) -> int:
        """The first of the comment and blank lines right above ``first_line`` (after line ``floor``)."""
        line = first_line
        while line - 1 > floor:
            s = self.lines[line - 2].strip()
            if s and not s.startswith("#"):
                break
            line -= 1
        return line

    # -- the walk -------------------------------------------------------------------------------
    def _lookup(self, name: str):
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return self.consts.get(name)

    def run(self) -> list[AssertFact]:
        body = self.tree.body
        for stmt in body:
            for name in _assignment(stmt)[0]:
                val = self._values(_assignment(stmt)[1])
                if val is not None:
                    self.consts[name] = val
        module_skips = False
        prev_end = 0
        for stmt in body:
            first_on_line = stmt.lineno > prev_end
            if first_on_line and not isinstance(stmt, _COMPOUND) and "pytestmark" in _assignment(stmt)[0]:
                last = stmt.end_lineno
                for other in body:
                    if other.lineno == last and other is not stmt and other.lineno >= stmt.lineno:
                        last = max(last, other.end_lineno)
                start = self._leading(stmt.lineno, prev_end)
                if _SKIPS.search("".join(self.lines[start - 1:last])):
                    module_skips = True
            prev_end = max(prev_end, stmt.end_lineno)
        self.facts: list[AssertFact] = []
        self.func: list[str] = []
        self.context: list[tuple[str, ...]] = []
        self.skippable = [module_skips]
        self.conditional = 0
        self._block(body, 0)
        return self.facts

    def _block(self, stmts, floor: int) -> None:
        prev_end = floor
        for stmt in stmts:
            self._stmt(stmt, prev_end)
            prev_end = stmt.end_lineno

    def _stmt(self, node, prev_end: int) -> None:
        if isinstance(node, _FUNCS):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            start = self._leading(first, prev_end)
            code = "".join(self.lines[start - 1:node.end_lineno])
            self.func.append(node.name)
            self.scopes.append(self._local_constants(node))
            self.context.append(tuple(dict.fromkeys(v for v, _ in self._all_strings(node.body))))
            self.skippable.append(self.skippable[-1] or bool(_SKIPS.search(code)))
            self._block(node.body, node.lineno)
            self.func.pop()
            self.scopes.pop()
            self.context.pop()
            self.skippable.pop()
            return
        if isinstance(node, ast.Assert):
            self._assert(node)
            return
        counted = isinstance(node, (ast.If, ast.Try))
        self.conditional += counted
        if isinstance(node, ast.If):
            self._block(node.body, node.lineno)
            self._block(node.orelse, node.lineno)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            self._block(node.body, node.lineno)
            for h in node.handlers:
                self._block(h.body, h.lineno)
            self._block(node.orelse, node.lineno)
            self._block(node.finalbody, node.lineno)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                self._block(case.body, node.lineno)
        else:
            for fld in ("body", "orelse"):
                sub = getattr(node, fld, None)
                if isinstance(sub, list) and sub and isinstance(sub[0], ast.stmt):
                    self._block(sub, node.lineno)
        self.conditional -= counted

    def _assert(self, node) -> None:
        self._any_of = False
        line = self.lines[node.lineno - 1]
        self.indent = line[:len(line) - len(line.lstrip(" \t\f"))]
        checks = tuple(self._checks(node.test))
        strings = tuple(self._all_strings([node.test]))
        l1, c1, l2, c2 = self._span(node)
        src = self._text(l1, c1, l2, c2)
        semi = re.match(r"[ \t\f]*;[ \t\f]*", self.lines[l2 - 1][c2:])
        if semi:  # `assert x; y`: libcst's Assert owns the semicolon and the blanks around it
            src += semi.group()
        self.facts.append(AssertFact(
            self.tf, l1, c1 + 1, l2, c2 + 1, self.func[-1] if self.func else None, src,
            checks, strings, any_of=self._any_of, context=self.context[-1] if self.context else (),
            guarded=self.skippable[-1] or self.conditional > 0,
        ))

    def _local_constants(self, func) -> dict:
        """Names a function binds: bound once to a constant -> its value; otherwise None (shadowed)."""
        bound: dict[str, list] = {}

        def add(names, value):
            for n in names:
                bound.setdefault(n, []).append(value)

        def params(args):
            for a in args.posonlyargs + args.args + ([args.vararg] if args.vararg else []) + args.kwonlyargs \
                    + ([args.kwarg] if args.kwarg else []):
                add([a.arg], None)

        def walk(node):
            if isinstance(node, (*_FUNCS, ast.ClassDef)) and node is not func:
                return
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    add(_bound_names(t), node.value if isinstance(t, ast.Name) else None)
            elif isinstance(node, ast.AnnAssign):
                add(_bound_names(node.target), node.value)
            elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
                add(_bound_names(node.target), None)
            elif isinstance(node, (*_FUNCS, ast.Lambda)):
                params(node.args)
            for child in ast.iter_child_nodes(node):
                walk(child)

        walk(func)
        scope: dict = {}
        self.scopes.append(scope)
        try:
            for name in bound:
                scope[name] = None
            for name, values in bound.items():
                if len(values) == 1 and values[0] is not None:
                    scope[name] = self._values(values[0])
        finally:
            self.scopes.pop()
        return scope

    # -- values ---------------------------------------------------------------------------------
    def _values(self, node):
        """String values of a constant expression, and whether it is a collection."""
        if node is None:
            return None
        s = self._string(node)
        if s is not None:
            return (s,), False
        if isinstance(node, (ast.List, ast.Set, ast.Tuple)):
            vals = []
            for el in node.elts:
                s = self._string(el.value if isinstance(el, ast.Starred) else el)
                if s is None:
                    return None
                vals.append(s)
            return tuple(vals), True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("set", "frozenset", "sorted", "list", "tuple") and \
                len(node.args) + len(node.keywords) == 1:
            arg = node.args[0] if node.args else node.keywords[0].value
            return self._values(arg.value if isinstance(arg, ast.Starred) else arg)
        if isinstance(node, ast.Name):
            return self._lookup(node.id)
        return None

    def _string(self, node):
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, str):
                return None
            parts = self._literal_parts(node)
            if parts is None:
                return node.value
            out = [self._part_string(p) for p in parts]
            return None if None in out else "".join(out)
        if isinstance(node, ast.JoinedStr):
            parts = self._literal_parts(node)
            if parts is None:
                return None
            out = [self._part_string(p) for p in parts]
            return None if None in out else "".join(out)
        if isinstance(node, ast.Name):
            found = self._lookup(node.id)
            if found is None:
                return None
            vals, coll = found
            return vals[0] if not coll and len(vals) == 1 else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, b = self._string(node.left), self._string(node.right)
            return a + b if a is not None and b is not None else None
        return None

    def _part_string(self, part):
        kind, payload = part
        if kind == "str":
            return payload if isinstance(payload, str) else None
        out = []
        for piece in payload:  # an f-string: raw text and expressions
            if isinstance(piece, str):
                out.append(piece)
            else:
                s = self._string(piece[0]) if piece[1] else None
                if s is None:
                    return None
                out.append(s)
        return "".join(out)

    def _literal_parts(self, node):
        """The literal tokens of a string node, in order: ("str", value) or ("f", [raw text | (expr,
        plain)]); None when they cannot be read back from the source (then the node's value stands)."""
        try:
            src = self._text(*self._span(node))
            parts = _split_literals(src)
        except (SyntaxError, ValueError, IndexError, RecursionError):
            return None
        return parts

    def _operand(self, node, within, not_before=None) -> Operand:
        via = node.id if isinstance(node, ast.Name) and self._lookup(node.id) is not None else None
        vals = self._values(node)
        src = self._code(node, within, not_before)
        if vals is None:
            return Operand(src, (), False, None)
        return Operand(src, vals[0], vals[1], via)

    def _checks(self, test, negated: bool = False, within=None):
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            yield from self._checks(test.operand, not negated, self._span(test))
            return
        if isinstance(test, ast.BoolOp):
            if isinstance(test.op, ast.Or) != negated:
                self._any_of = True
            for v in test.values:
                yield from self._checks(v, negated, self._span(test))
            return
        if isinstance(test, ast.Compare):
            span = self._span(test)
            left = test.left
            for op_node, comp in zip(test.ops, test.comparators):
                op = _OPS.get(type(op_node))
                if op is not None:
                    if negated:
                        op = _NEGATE.get(op, "not " + op)  # `not a < b`: a check no rule reads
                    yield Check(self._operand(left, span), op, self._operand(comp, span))
                left = comp
            return
        if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and \
                test.func.attr in ("startswith", "endswith") and (test.args or test.keywords):
            op = test.func.attr
            arg = test.args[0] if test.args else test.keywords[0].value
            if isinstance(arg, ast.Starred):
                arg = arg.value
            call_open = self._char(test.func.end_lineno, self._col(test.func.end_lineno, test.func.end_col_offset),
                                   +1)[1:]
            yield Check(self._operand(test.func.value, self._span(test.func)), ("not " + op) if negated else op,
                        self._operand(arg, self._span(test), call_open))

    # -- mentions, in source order --------------------------------------------------------------
    def _all_strings(self, nodes) -> list[tuple[str, str | None]]:
        seen: list = []
        for n in nodes:
            self._mentions(n, seen)
        return seen

    def _name(self, name, seen) -> None:
        found = self._lookup(name) if isinstance(name, str) else None
        if found is not None:
            for v in found[0]:
                seen.append((v, name))

    def _mentions(self, node, seen) -> None:  # noqa: C901 - one branch per node shape whose order differs
        if node is None:
            return
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            if isinstance(node, ast.Constant) and not isinstance(node.value, str):
                return
            parts = self._literal_parts(node)
            if parts is None:
                if isinstance(node, ast.Constant):
                    seen.append((node.value, None))
                return
            for p in parts:
                v = self._part_string(p)
                if v is not None:
                    seen.append((v, None))
                if p[0] == "f":
                    for piece in p[1]:
                        if not isinstance(piece, str):
                            self._mentions(piece[0], seen)
                            for sub in piece[2:]:
                                self._mentions(sub, seen)
            return
        if isinstance(node, ast.Name):
            self._name(node.id, seen)
            return
        if isinstance(node, _FUNCS):
            for d in node.decorator_list:
                self._mentions(d, seen)
            self._name(node.name, seen)
            self._arguments(node.args, seen)
            self._mentions(node.returns, seen)
            for s in node.body:
                self._mentions(s, seen)
            return
        if isinstance(node, ast.ClassDef):
            for d in node.decorator_list:
                self._mentions(d, seen)
            self._name(node.name, seen)
            for a in _by_position(node.bases + node.keywords):
                self._mentions(a, seen)
            for s in node.body:
                self._mentions(s, seen)
            return
        if isinstance(node, ast.Lambda):
            self._arguments(node.args, seen)
            self._mentions(node.body, seen)
            return
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                self._mentions(k, seen)
                self._mentions(v, seen)
            return
        if isinstance(node, ast.IfExp):
            self._mentions(node.body, seen)
            self._mentions(node.test, seen)
            self._mentions(node.orelse, seen)
            return
        if isinstance(node, ast.Call):
            self._mentions(node.func, seen)
            for a in _by_position(node.args + node.keywords):
                self._mentions(a, seen)
            return
        if isinstance(node, ast.keyword):
            self._name(node.arg, seen)
            self._mentions(node.value, seen)
            return
        if isinstance(node, ast.Attribute):
            self._mentions(node.value, seen)
            self._name(node.attr, seen)
            return
        if isinstance(node, ast.ExceptHandler):
            self._mentions(node.type, seen)
            self._name(node.name, seen)
            for s in node.body:
                self._mentions(s, seen)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.ImportFrom) and node.module:
                for part in node.module.split("."):
                    self._name(part, seen)
            for alias in node.names:
                for part in alias.name.split("."):
                    self._name(part, seen)
                self._name(alias.asname, seen)
            return
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            for n in node.names:
                self._name(n, seen)
            return
        for child in ast.iter_child_nodes(node):
            self._mentions(child, seen)

    def _arguments(self, args, seen) -> None:
        positional = args.posonlyargs + args.args
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        for a, d in zip(positional, defaults):
            self._name(a.arg, seen)
            self._mentions(a.annotation, seen)
            self._mentions(d, seen)
        if args.vararg:
            self._name(args.vararg.arg, seen)
            self._mentions(args.vararg.annotation, seen)
        for a, d in zip(args.kwonlyargs, args.kw_defaults):
            self._name(a.arg, seen)
            self._mentions(a.annotation, seen)
            self._mentions(d, seen)
        if args.kwarg:
            self._name(args.kwarg.arg, seen)
            self._mentions(args.kwarg.annotation, seen)


_COMPOUND = (*_FUNCS, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
             ast.TryStar, ast.Match)


def _by_position(nodes):
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


def _assignment(stmt):
    if isinstance(stmt, ast.Assign):
        return [t.id for t in stmt.targets if isinstance(t, ast.Name)], stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return [stmt.target.id], stmt.value
    return [], None


def _bound_names(target) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for el in target.elts for n in _bound_names(el)]
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    return []


# -- string literals read back from the source ---------------------------------------------------
def _split_literals(src: str) -> list | None:
    """The literal tokens of an implicitly concatenated string's source. None when it is one plain
    token (the node's value is then exactly right)."""
    tokens = []
    i, n = 0, len(src)
    while i < n:
        while i < n and (src[i] in " \t\f\r\n()" or src.startswith("\\\n", i) or src.startswith("\\\r", i)):
            i += 1
        if i < n and src[i] == "#":
            while i < n and src[i] not in "\r\n":
                i += 1
            continue
        if i >= n:
            break
        m = _PREFIX.match(src, i)
        j = m.end()
        q = src[j:j + 3] if src[j:j + 3] in ('"""', "'''") else src[j:j + 1]
        if q not in ('"', "'", '"""', "'''"):
            raise ValueError("not a string literal")
        k = j + len(q)
        while True:
            if k >= n:
                raise ValueError("unterminated")
            if src[k] == "\\":
                k += 2
                continue
            if src.startswith(q, k):
                k += len(q)
                break
            k += 1
        tokens.append((m.group().lower(), src[i:k], src[j + len(q):k - len(q)]))
        i = k
    if len(tokens) == 1 and "f" not in tokens[0][0]:
        return None
    out = []
    for prefix, tok, body in tokens:
        if "f" in prefix:
            out.append(("f", _fstring_pieces(body, "r" in prefix)))
        else:
            out.append(("str", ast.literal_eval(tok)))
    return out


def _fstring_pieces(body: str, raw: bool) -> list:
    """An f-string's body as raw text and (expression node, plain, *format-spec expressions):
    ``plain`` when the expression has neither a conversion nor a format spec."""
    pieces: list = []
    text = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "{" and body.startswith("{{", i) or c == "}" and body.startswith("}}", i):
            text.append(body[i:i + 2])
            i += 2
            continue
        if c == "\\" and not raw:
            text.append(body[i:i + 2])
            i += 2
            continue
        if c != "{":
            text.append(c)
            i += 1
            continue
        if text:
            pieces.append("".join(text))
            text = []
        j, depth, quote = i + 1, 0, None
        conv = spec = None
        while j < n:
            ch = body[j]
            if quote:
                if ch == "\\":
                    j += 2
                    continue
                if body.startswith(quote, j):
                    j += len(quote)
                    quote = None
                    continue
            elif ch in "'\"":
                quote = body[j:j + 3] if body[j:j + 3] in ('"""', "'''") else ch
                j += len(quote)
                continue
            elif ch in "([{":
                depth += 1
            elif ch in ")]}" and depth:
                depth -= 1
            elif ch == "}" and depth == 0:
                break
            elif ch == "!" and depth == 0 and conv is None and spec is None and not body.startswith("!=", j):
                conv = j
            elif ch == ":" and depth == 0 and spec is None:
                spec = j
                # the spec runs to the matching close brace; its {expressions} nest
                k, d2 = j + 1, 0
                while k < n and not (body[k] == "}" and d2 == 0):
                    d2 += body[k] == "{"
                    d2 -= body[k] == "}" and d2 > 0
                    k += 1
                j = k
                break
            j += 1
        if j >= n:
            raise ValueError("unterminated f-string expression")
        end = min(x for x in (conv, spec, j) if x is not None)
        expr_src = body[i + 1:end]
        if expr_src.rstrip().endswith("="):  # {x=}: libcst reads the expression as plain
            expr_src = expr_src.rstrip()[:-1]
        expr = ast.parse("(" + expr_src.strip() + "\n)", mode="eval").body
        subs = []
        if spec is not None:
            for piece in _fstring_pieces(body[spec + 1:j], raw):
                if not isinstance(piece, str):
                    subs.append(piece[0])
                    subs.extend(piece[2:])
        pieces.append((expr, conv is None and spec is None, *subs))
        i = j + 1
    if text:
        pieces.append("".join(text))
    return pieces
