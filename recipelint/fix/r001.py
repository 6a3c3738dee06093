"""R001 autofix: `version: "3.8"` (abra's compose version) in every compose file.

A wrong value is replaced in its own quoting; an empty `version:` gets the value; a file without
one gets it as its first key, after any comments and `---`. A version written as a variable is
refused (the rule does not judge those anyway).
"""

from __future__ import annotations

from .edits import Edit, Refuse, offset, refuse_anchor


def _wanted() -> str:
    from recipelint_rules._knowledge import ABRA_COMPOSE_VERSION  # the engine has loaded the rules package

    return ABRA_COMPOSE_VERSION


def fix(recipe, f) -> tuple[list[Edit], str]:
    want = _wanted()
    rel = f.path
    doc = recipe.yaml(rel)
    text = recipe.read(rel)
    if doc is None or text is None or not doc.is_map or not doc.value:
        raise Refuse(f"{rel} does not parse as a compose mapping; fix it by hand")
    ver = doc.get("version")
    if ver is None:
        first = next(iter(doc.value.values())).key
        at = offset(text, first.line, 1)
        refuse_anchor(text, rel, at)
        return [Edit(rel, at, at, f'version: "{want}"\n\n', "abra's compose version")], \
            f'adds version: "{want}" to {rel}'
    if ver.text is None:
        key = ver.key
        at = offset(text, key.end_line, key.end_col)
        if text[at:at + 1] != ":":
            raise Refuse(f"{rel}:{key.line}:{key.col}: cannot find the `:` after `version`; edit by hand")
        refuse_anchor(text, rel, at)
        return [Edit(rel, at + 1, at + 1, f' "{want}"', "abra's compose version")], f'version -> "{want}"'
    if "$" in ver.text:
        raise Refuse(f"{rel}:{ver.line}:{ver.col}: the version is a variable; set it where it is defined")
    if ver.line != ver.end_line:
        raise Refuse(f"{rel}:{ver.line}:{ver.col}: a multi-line version; edit by hand")
    s, e = offset(text, ver.line, ver.col), offset(text, ver.end_line, ver.end_col)
    refuse_anchor(text, rel, s, e)
    quote = "'" if ver.style == "'" else '"'
    return [Edit(rel, s, e, f"{quote}{want}{quote}", "abra's compose version")], \
        f'version {ver.text} -> "{want}"'
