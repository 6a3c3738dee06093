"""N001 autofix: qualify a bare service name with the stack name, and bump the config's version.

* In a golang-templated config (or one that can become a template): `app` ->
  `{{ env "STACK_NAME" }}_app`. swarmkit renders `{{ env "X" }}` from the *task's* environment,
  so every service mounting the config gets `STACK_NAME=${STACK_NAME}` (abra sets STACK_NAME when
  it deploys) if it lacks it, and the config's version is raised (swarm configs are immutable).
* In a compose value (environment, command): `app` -> `${STACK_NAME}_app`.
* A service naming itself: `localhost`.

Refused, with the reason: a name that comes from a variable or template action (change the
value where it is set), a name inside a YAML anchor, a bind-mounted file (swarm does not template
it), a file that is not a template yet but already holds `{{`.
"""

from __future__ import annotations

from .edits import (Edit, Refuse, add_map_key, after_node, append_seq_item, bump_config_version, item_prefix,
                    key_indent, offset, refuse_anchor, var_region_at)

STACK_ENV = "STACK_NAME"


def _ref_for(recipe, f):
    from recipelint_rules._addresses import bare_references  # the engine has loaded the rules package

    for r in bare_references(recipe):
        at = r.at
        if getattr(at, "file", None) == f.path and at.line == f.line and at.col == f.column and \
                r.caller == f.service:
            return r
    return None


def fix(recipe, f) -> tuple[list[Edit], str]:
    ref = _ref_for(recipe, f)
    if ref is None:
        raise Refuse("the reference is no longer where the finding says; re-run check")
    text = recipe.read(f.path)
    if text is None or f.line is None:
        raise Refuse(f"{f.path}: cannot read the file")
    start = offset(text, f.line, f.column)
    end = offset(text, f.end_line or f.line, f.end_column) if f.end_column else start + len(ref.name)
    written = text[start:end]
    var = var_region_at(text, start, end) if ref.where != "file" else None
    if var:
        raise Refuse(f"the name comes from the variable {var}: set its value (or default) to the qualified "
                     "name instead")
    if written != ref.name:
        if "{{" in written or "{$" in written or "{env." in written:
            raise Refuse(f"the name comes from {written!r}: change the value where it is set")
        raise Refuse(f"the name is written as {written!r} in a multi-line or escaped scalar; edit by hand")
    if ref.where == "file":
        return _fix_file(recipe, f, ref, text, start, end)
    return _fix_compose(recipe, f, ref, text, start, end)


# ---------------------------------------------------------------- compose values

def _in_flow(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and text[i] in "[,{"


def _fix_compose(recipe, f, ref, text, start, end):
    refuse_anchor(text, f.path, start, end)
    new = "localhost" if ref.target == ref.caller else "${STACK_NAME}_" + ref.target
    node = _scalar_at(recipe, f.path, start)
    if node is not None and node.style is None and _in_flow(text, offset(text, node.line, node.col)):
        # a plain scalar in a flow list cannot hold `{`/`}`: quote the whole scalar
        ns, ne = offset(text, node.line, node.col), offset(text, node.end_line, node.end_col)
        value = text[ns:start] + new + text[end:ne]
        import json

        return [Edit(f.path, ns, ne, json.dumps(value), f"{ref.name} -> {new}")], f"'{ref.name}' -> {new}"
    return [Edit(f.path, start, end, new, f"{ref.name} -> {new}")], f"'{ref.name}' -> {new}"


def _scalar_at(recipe, rel, pos):
    doc = recipe.yaml(rel)
    text = recipe.read(rel) or ""
    if doc is None:
        return None
    best = None
    for _, n in doc.walk():
        if n.is_scalar and n.line is not None:
            s, e = offset(text, n.line, n.col), offset(text, n.end_line, n.end_col)
            if s <= pos < e:
                best = n
    return best


# ---------------------------------------------------------------- mounted files

def _mounting(recipe, rel):
    """(view, service, fileref, config definition name) for every mount of recipe file ``rel``."""
    out = []
    for view, svc in recipe.services():
        for fr in svc.filerefs():
            src = recipe.config_source(view, fr.kind, fr.source)
            if src is not None and src.file == rel:
                out.append((view, svc, fr))
    return out


def _fix_file(recipe, f, ref, text, start, end):
    if f.path.endswith((".yml", ".yaml", ".yml.tmpl", ".yaml.tmpl")):
        refuse_anchor(text, f.path, start, end)
    mounts = _mounting(recipe, f.path)
    if not mounts:
        raise Refuse(f"{f.path} is bind-mounted, not a swarm config: swarm does not template it, so "
                     "{{ env \"STACK_NAME\" }} would stay literal; qualify the name by hand")
    self_ref = ref.target == ref.caller
    edits: list[Edit] = []
    notes: list[str] = []
    templated = all(recipe.config_source(v, fr.kind, fr.source).template for v, _, fr in mounts)
    if self_ref:
        new = "localhost"
    else:
        new = '{{ env "STACK_NAME" }}_' + ref.target
        if not templated:
            if "{{" in text:
                raise Refuse(f"{f.path} is not a golang template yet but holds `{{{{`: making it one would "
                             "change what those mean; qualify the name by hand")
            for view, _, fr in _unique_defs(mounts):
                node = (view.configs if fr.kind == "config" else view.secrets).get(fr.source)
                raw = _raw_def(recipe, node, fr)
                edits.append(add_map_key(recipe.read(node.file) or "", node.file, raw, "template_driver",
                                         "golang", f"{fr.kind} '{fr.source}' becomes a golang template",
                                         after="file"))
                notes.append(f"{fr.kind} '{fr.source}' gets template_driver: golang")
        for view, svc, _ in mounts:
            if STACK_ENV not in svc.environment:
                e = _add_stack_env(recipe, svc)
                if e is not None:
                    edits.append(e)
                    notes.append(f"service '{svc.name}' gets {STACK_ENV} in its environment")
    edits.insert(0, Edit(f.path, start, end, new, f"{ref.name} -> {new}"))
    seen = set()
    for view, _, fr in _unique_defs(mounts):
        key = (fr.kind, fr.source)
        if key in seen:
            continue
        seen.add(key)
        bumped, what = bump_config_version(recipe, view, fr.kind, fr.source)
        edits.extend(bumped)
        notes.append(what)
    return edits, f"'{ref.name}' -> {new}; " + "; ".join(dict.fromkeys(notes))


def _unique_defs(mounts):
    seen = set()
    for view, svc, fr in mounts:
        defs = view.configs if fr.kind == "config" else view.secrets
        node = defs.get(fr.source)
        key = (fr.kind, fr.source, node.file if node is not None else None, node.line if node is not None else None)
        if key not in seen:
            seen.add(key)
            yield view, svc, fr


def _raw_def(recipe, node, fr):
    raw = recipe.yaml(node.file)
    found = raw.find(fr.kind + "s", fr.source) if raw is not None else None
    if found is None or not found.is_map:
        raise Refuse(f"{node.file}: cannot find the definition of {fr.kind} '{fr.source}'")
    return found


def _add_stack_env(recipe, svc) -> Edit | None:
    """`STACK_NAME=${STACK_NAME}` in the service's environment, in the file and form it is written."""
    env = svc.node.get("environment")
    why = f"service '{svc.name}': {{{{ env \"STACK_NAME\" }}}} reads the task's environment"
    if env is not None:
        rel = env.file
        raw = recipe.yaml(rel).find("services", svc.name, "environment")
        text = recipe.read(rel) or ""
        if raw is None:
            raise Refuse(f"{rel}: cannot find the environment of service '{svc.name}'")
        if raw.is_seq:
            return append_seq_item(text, rel, raw, "STACK_NAME=${STACK_NAME}", why)
        if raw.is_map:
            return add_map_key(text, rel, raw, STACK_ENV, "${STACK_NAME}", why)
        raise Refuse(f"{rel}:{raw.line}:{raw.col}: an environment that is neither a list nor a mapping")
    rel = svc.node.file
    raw = recipe.yaml(rel).find("services", svc.name)
    text = recipe.read(rel) or ""
    if raw is None or not raw.is_map or not raw.value:
        raise Refuse(f"{rel}: cannot find service '{svc.name}'")
    first = next(iter(raw.value.values())).key
    indent = key_indent(text, first) if first is not None else None
    if indent is None:
        raise Refuse(f"{rel}: service '{svc.name}' is a flow mapping; add {STACK_ENV} by hand")
    refuse_anchor(text, rel, offset(text, raw.line, raw.col))
    dash = indent + "  - "
    for child in raw.value.values():  # copy how this file indents a list under a key
        if child.is_seq and child.value and child.key is not None:
            p = item_prefix(text, child.value[0])
            kin = key_indent(text, child.key)
            if p is not None and kin is not None:
                dash = indent + p[len(kin):] if p.startswith(kin) else p
                break
    after = raw.value.get("image") or list(raw.value.values())[-1]
    at = after_node(text, after)
    return Edit(rel, at, at, "\n" + indent + "environment:\n" + dash + "STACK_NAME=${STACK_NAME}", why)

