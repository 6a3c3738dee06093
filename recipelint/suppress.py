"""Inline suppressions: `recipelint: ignore[CODES] reason` comments, in each file's own comment syntax.

Forms (CODES is a comma-separated list of codes or code prefixes):

- ``# recipelint: ignore[B001] the dump is replayed by the entrypoint`` at the end of a line
  suppresses those codes for findings on that line;
- the same comment alone on its line suppresses them on the next line that holds something other
  than a comment (the YAML node below it);
- ``recipelint: ignore-file[N001] reason`` anywhere in a file suppresses those codes in the whole file.

The comment may be written in whatever syntax the file uses: ``#`` (YAML, shell, Caddyfile,
nginx, ini, Python), ``{{/* ... */}}`` (golang templates), ``//``, ``/* */``, ``;`` or ``<!-- -->``.
A reason is required: a directive without one still suppresses, but is itself reported (X002).
A directive whose code suppresses nothing is reported (X001). Suppressed findings are not
dropped: they come back marked ``suppressed`` so that SARIF can carry them.
"""

from __future__ import annotations

import re

from .record import Record

_DIRECTIVE = re.compile(r"recipelint:\s*(?P<kind>ignore-file|ignore)\[(?P<codes>[^\]]*)\](?P<rest>.*)$")
# Where a comment may start, in the syntaxes recipe files use.
_OPENERS = ("#", "{{/*", "{{- /*", "{{-/*", "/*", "//", ";", "<!--", "--")
# What may close the comment after the reason.
_CLOSERS = re.compile(r"\s*(?:\*/\s*-?\}\}|\*/|-->)\s*$")
_CODE = re.compile(r"^[A-Z][0-9]{0,3}$")


class Directive(Record):
    __slots__ = _fields = ("root", "path", "line", "col", "file_level", "codes", "reason", "target", "bad_codes")

    def __init__(self, root: str, path: str, line: int, col: int, file_level: bool, codes: list[str], reason: str,
                 target: int | None, bad_codes: list[str]):
        self.root = root
        self.path = path
        self.line = line  # where the comment is
        self.col = col  # where `recipelint:` starts
        self.file_level = file_level
        self.codes = codes
        self.reason = reason
        self.target = target  # the line it applies to (None: file level, or nothing follows)
        self.bad_codes = bad_codes


def parse(text: str, root: str, path: str) -> list[Directive]:
    """Every suppression directive in one file."""
    out: list[Directive] = []
    if "recipelint:" not in text:
        return out
    lines = text.splitlines()
    following: list[int | None] | None = None  # line -> the next code line after it, computed once
    for i, line in enumerate(lines, start=1):
        m = _DIRECTIVE.search(line)
        if not m:
            continue
        before = line[:m.start()]
        opener = _comment_start(before)
        if opener is None:
            continue  # `recipelint:` inside a value, not in a comment
        codes, bad = [], []
        for c in m.group("codes").split(","):
            c = c.strip().upper()
            if c:
                (codes if _CODE.match(c) else bad).append(c)
        reason = _CLOSERS.sub("", m.group("rest")).strip().lstrip(":-—– ").strip()
        file_level = m.group("kind") == "ignore-file"
        target = None
        if not file_level:
            if before[:opener].strip():
                target = i  # a trailing comment: this line
            else:
                if following is None:
                    following = _next_code_lines(lines)
                target = following[i]
        out.append(Directive(root, path, i, m.start() + 1, file_level, codes, reason, target, bad))
    return out


def _comment_start(before: str) -> int | None:
    """Offset of the comment opener that the directive sits in, or None."""
    best = None
    for op in _OPENERS:
        k = before.rfind(op)
        if k != -1 and (best is None or k < best):
            # the earliest opener on the line that is followed only by comment text
            best = k
    return best


def _next_code_lines(lines: list[str]) -> list[int | None]:
    """For each line number i (1-based), the first line after it that is neither blank nor only a
    comment (None at the end). One backward pass, so a file full of comments stays linear."""
    out: list[int | None] = [None] * (len(lines) + 2)
    nxt = None
    for j in range(len(lines), 0, -1):
        out[j] = nxt
        s = lines[j - 1].strip()
        if s and not (s.startswith(("#", "{{/*", "{{- /*", "//", ";", "<!--")) and _is_whole_comment(s)):
            nxt = j
    out[0] = nxt
    return out


def _is_whole_comment(s: str) -> bool:
    if s.startswith("{{"):
        return s.endswith("}}")
    if s.startswith("<!--"):
        return s.endswith("-->")
    return True


def collect(recipe, tests) -> list[Directive]:
    """Directives in every file the run read (a file no rule read cannot hold a finding)."""
    out: list[Directive] = []
    for rel, text in list(recipe._texts.items()):
        if text:
            out.extend(parse(text, "recipe", rel))
    for tf in tests:
        out.extend(parse(tf.text or "", tf.root_kind, tf.rel))
    return out


def apply(recipe, findings, tests, ran: set[str], known: set[str], meta_finding):
    """Mark suppressed findings; add X001 (unused) and X002 (no reason). Returns all findings."""
    directives = collect(recipe, tests)
    if not directives:
        return findings
    by_line: dict[tuple[str, str, int], list[Directive]] = {}
    by_file: dict[tuple[str, str], list[Directive]] = {}
    for d in directives:
        if d.file_level:
            by_file.setdefault((d.root, d.path), []).append(d)
        elif d.target is not None:
            by_line.setdefault((d.root, d.path, d.target), []).append(d)
    used: set[tuple[int, str]] = set()
    for f in findings:
        cands = list(by_line.get((f.root, f.path, f.line), ())) if f.line is not None else []
        cands += by_file.get((f.root, f.path), ())
        for d in cands:
            code = next((c for c in d.codes if f.code.startswith(c)), None)
            if code is None:
                continue
            used.add((id(d), code))
            f.suppressed = {"kind": "inSource", "justification": d.reason, "path": d.path, "line": d.line,
                            "file_level": d.file_level}
            break
    out = list(findings)
    for d in directives:
        form = "ignore-file" if d.file_level else "ignore"
        if not d.reason:
            out.append(meta_finding("X002", recipe.name, d.path, d.line, d.col,
                                    f"`recipelint: {form}[{','.join(d.codes + d.bad_codes)}]` gives no reason; "
                                    "write why after the brackets", root=d.root))
        for c in d.bad_codes:
            out.append(meta_finding("X001", recipe.name, d.path, d.line, d.col,
                                    f"suppression of {c!r}: not a rule code", root=d.root))
        for c in d.codes:
            if (id(d), c) in used:
                continue
            if not any(k.startswith(c) for k in known):
                msg = f"suppression of {c}: no rule code starts with {c!r} (see `recipelint rules`)"
            elif not any(r.startswith(c) for r in ran):
                continue  # the rule did not run (--select/--ignore): we cannot tell
            elif d.file_level:
                msg = f"file-level suppression of {c} matches no finding in this file"
            elif d.target is None:
                msg = f"suppression of {c} is followed by nothing it could apply to"
            elif d.target == d.line:
                msg = f"suppression of {c} matches no finding on this line"
            else:
                msg = f"suppression of {c} matches no finding on line {d.target}"
            out.append(meta_finding("X001", recipe.name, d.path, d.line, d.col, msg, root=d.root))
    return out
