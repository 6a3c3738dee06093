"""Stable node identities for findings, from which fingerprints are built (Finding.fingerprint).

In a YAML file a finding's node is named by its key path in the parsed tree
(`services/db/deploy/labels/backupbot.backup.pre-hook`; list items by index, `[2]`), found by
position among the nodes the parser produced. Elsewhere (templates, scripts, overlay tests) the
node is its line, named by a digest of the line's text without surrounding whitespace. Either
survives lines moving above it; neither depends on the message. Findings that still share every
piece of evidence are numbered in position order (`#2`, `#3`).
"""

from __future__ import annotations

import hashlib


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


def _innermost(index, line: int, col: int | None) -> str | None:
    pos = (line, col or 1)
    exact = [name for start, _, name in index if start == pos]
    if exact:
        return max(exact, key=len)  # a key and the mapping it opens start together: the key
    best = None
    for start, end, name in index:
        if start <= pos <= end:
            span = (end[0] - start[0], end[1] - start[1])
            if best is None or span < best[0]:
                best = (span, name)
    return best[1] if best else None


def assign(recipe, findings, tests=()) -> None:
    """Set ``node_id`` on each finding that has none (in place)."""
    yaml_cache: dict[str, list | None] = {}
    overlay_text = {(tf.root_kind, tf.rel): tf.text for tf in tests}
    for f in findings:
        if f.node_id is not None or f.line is None:
            continue
        name = None
        if f.root == "recipe" and f.path.endswith((".yml", ".yaml")):
            if f.path not in yaml_cache:
                tree = recipe._yaml.get(f.path)  # only trees the run parsed; never parse anew here
                yaml_cache[f.path] = _yaml_index(tree) if tree is not None else None
            index = yaml_cache[f.path]
            if index:
                name = _innermost(index, f.line, f.column)
        if name is None:
            text = recipe._texts.get(f.path) if f.root == "recipe" else overlay_text.get((f.root, f.path))
            if text is not None:
                lines = text.splitlines()
                if 0 < f.line <= len(lines):
                    digest = hashlib.sha256(" ".join(lines[f.line - 1].split()).encode()).hexdigest()[:12]
                    name = f"line:{digest}"
        f.node_id = name
    seen: dict[tuple, int] = {}
    for f in sorted(findings, key=lambda x: x.sort_key()):
        key = (f.code, f.recipe, f.root, f.path, f.service, f.node_id)
        n = seen.get(key, 0) + 1
        seen[key] = n
        if n > 1:
            f.node_id = f"{f.node_id or ''}#{n}"
