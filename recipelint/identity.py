"""Stable node identities for findings, from which fingerprints are built (Finding.fingerprint).

In a YAML file a finding's node is named by its key path in the parsed tree
(`services/db/deploy/labels/backupbot.backup.pre-hook`; list items by index, `[2]`), found by
position among the nodes the parser produced. Elsewhere (templates, scripts, overlay tests) the
node is its line, named by a digest of the line's text without surrounding whitespace. Either
survives lines moving above it; neither depends on the message. Findings that still share every
piece of evidence are numbered in position order (`#2`, `#3`).
"""

from __future__ import annotations

from .record import sha256


def _yaml_index(tree) -> list[tuple[tuple, tuple, str]]:
    """(start, end, key path) for every node and key node of a tree."""
    out = []
    for path, node in tree.walk():
        name = "/".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path)
        if node.line is not None:
            out.append(((node.line, node.col), (node.end_line, node.end_col), name))
        k = node.key
        if k is not None and k.line is not None:
            out.append(((k.line, k.col), (k.end_line, k.end_col), name))
    return out


def _buckets(index) -> dict[int, list]:
    """line -> the nodes whose lines include it (so a position inside a scalar does not scan the tree)."""
    buckets: dict[int, list] = {}
    for item in index:
        (l0, _), (l1, _), _ = item
        for ln in range(l0, (l1 if l1 is not None else l0) + 1):
            buckets.setdefault(ln, []).append(item)
    return buckets


def _starts(index) -> dict[tuple, str]:
    """start position -> the name of the node starting there (a key and the mapping it opens start
    together: the longer path, the key's, wins)."""
    out: dict[tuple, str] = {}
    for start, _, name in index:
        if start not in out or len(name) > len(out[start]):
            out[start] = name
    return out


def _innermost(index, line: int, col: int | None, starts: dict | None = None,
               buckets: dict | None = None) -> str | None:
    pos = (line, col or 1)
    if starts is None:
        starts = _starts(index)
    if pos in starts:  # findings point at a node's start: one lookup, not a scan of the tree
        return starts[pos]
    best = None
    for start, end, name in (buckets.get(line, []) if buckets is not None else index):
        if start <= pos <= end:
            span = (end[0] - start[0], end[1] - start[1])
            if best is None or span < best[0]:
                best = (span, name)
    return best[1] if best else None


def assign(recipe, findings, tests=()) -> None:
    """Set ``node_id`` on each finding that has none (in place)."""
    yaml_cache: dict[str, tuple | None] = {}
    lines_cache: dict[tuple, list[str]] = {}
    overlay_text = {(tf.root_kind, tf.rel): tf.text for tf in tests}
    for f in findings:
        if f.node_id is not None or f.line is None:
            continue
        name = None
        if f.root == "recipe" and f.path.endswith((".yml", ".yaml")):
            if f.path not in yaml_cache:
                tree = recipe._yaml.get(f.path)  # only trees the run parsed; never parse anew here
                index = _yaml_index(tree) if tree is not None else None
                yaml_cache[f.path] = [index, _starts(index), None] if index else None
            cached = yaml_cache[f.path]
            if cached:
                if (f.line, f.column or 1) not in cached[1] and cached[2] is None:
                    cached[2] = _buckets(cached[0])  # built once per file, only if a finding needs it
                name = _innermost(cached[0], f.line, f.column, cached[1], cached[2])
        if name is None:
            text = recipe._texts.get(f.path) if f.root == "recipe" else overlay_text.get((f.root, f.path))
            if text is not None:
                if (f.root, f.path) not in lines_cache:
                    lines_cache[(f.root, f.path)] = text.splitlines()
                lines = lines_cache[(f.root, f.path)]
                if 0 < f.line <= len(lines):
                    digest = sha256(" ".join(lines[f.line - 1].split()).encode()).hexdigest()[:12]
                    name = f"line:{digest}"
        f.node_id = name
    seen: dict[tuple, int] = {}
    for f in sorted(findings, key=lambda x: x.sort_key()):
        key = (f.code, f.recipe, f.root, f.path, f.service, f.node_id)
        n = seen.get(key, 0) + 1
        seen[key] = n
        if n > 1:
            f.node_id = f"{f.node_id or ''}#{n}"
