"""Reference integrity helpers (I002-I013): what a recipe defines, what it refers to, and where.

Everything here works on the positioned model: references are reported at the node that names
them, variables at their `${...}` inside the scalar, template calls at their `{{ ... }}`.
A value that is only unresolved interpolation is never judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from recipelint.model.compose import ComposeView, Service, parse_mount
from recipelint.model.envfile import parse_assignments
from recipelint.model.yamlnode import YNode, synth
from recipelint.record import Frozen
from recipelint.rule import Loc
from recipelint_rules._knowledge import ABRA_PROVIDED_VARS, IMPLICIT_NETWORKS

KINDS = ("networks", "volumes", "configs", "secrets")

# compose interpolation: `$$`, `${NAME}`, `${NAME<op><arg>}`, `$NAME`. An argument is bounded (512 characters):
# an unbounded `[^}]*` rescans the rest of the text from every unclosed `${`, which is quadratic.
_VAR = re.compile(r"\$(?:(?P<esc>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]{0,512})\}"
                  r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")
_UNRESOLVED = re.compile(r"\$\{[^}]{0,512}\}")


def unresolved_only(text: str | None) -> bool:
    """True when nothing but unresolved `${VAR}` symbols (and blanks) is left after interpolation."""
    if text is None:
        return False
    return "${" in text and not _UNRESOLVED.sub("", text).strip()


def has_unresolved(text: str | None) -> bool:
    return text is not None and "${" in text


# ---------------------------------------------------------------- compose documents

def compose_docs(recipe) -> list[tuple[str, YNode]]:
    """Every compose file of the recipe that parses: the chain first, then the optional overlays."""
    out = []
    for rel in list(recipe.chain) + list(recipe.optional_overlays):
        doc = recipe.yaml(rel)
        if doc is not None and doc.is_map and all(rel != r for r, _ in out):
            out.append((rel, doc))
    return out


def working_dir(recipe) -> PurePosixPath:
    """Where docker resolves relative paths: the folder of the first compose file deployed."""
    return PurePosixPath(recipe.chain[0]).parent if recipe.chain else PurePosixPath(".")


def resolve_path(recipe, text: str | None) -> str | None:
    """A recipe-relative path for a compose `file:` value, or None when it cannot be known
    (unresolved interpolation, an absolute host path)."""
    if not text:
        return None
    val = recipe.interpolate(text)
    if has_unresolved(val) or "$" in val or val.startswith(("/", "~")):
        return None
    parts: list[str] = []
    for p in (working_dir(recipe) / val).parts:
        if p in ("", "."):
            continue
        if p == "..":
            if not parts:
                return None  # outside the recipe
            parts.pop()
            continue
        parts.append(p)
    return "/".join(parts)


def defined_anywhere(recipe, kind: str) -> set[str]:
    """Names defined under top-level ``kind`` in any compose file of the recipe."""
    cache = recipe.__dict__.setdefault("_integrity_defined", {})
    if kind not in cache:
        names: set[str] = set()
        for _, doc in compose_docs(recipe):
            top = doc.get(kind)
            if top is not None and top.is_map:
                names.update(top.value)
        cache[kind] = names
    return cache[kind]


# ---------------------------------------------------------------- references from services

class Ref(Frozen):
    __slots__ = _fields = ("kind", "name", "node")

    def __init__(self, kind: str, name: str, node: YNode):
        self.kind = kind  # networks | volumes | configs | secrets
        self.name = name
        self.node = node  # where the name is written


def service_refs(svc: Service, kind: str, recipe=None) -> Iterator[Ref]:
    """The named resources a service refers to, each at the node that names it."""
    if kind == "networks":
        for name, n in svc.networks.items():
            name = _interp(recipe, name) if "$" in name else name
            if name is not None:
                yield Ref(kind, name, inside(n.key or n))
    elif kind == "volumes":
        vols = svc.node.get("volumes")
        for item in (vols.value if vols is not None and vols.is_seq else []):
            if item.is_map:
                m = parse_mount(item)
                typ = (item.get("type").text if item.get("type") is not None else None) or "volume"
                if m is None or not m.source or typ != "volume":
                    continue
                src = _interp(recipe, m.source)
                if src is not None:
                    yield Ref(kind, src, inside(item.get("source")))
                continue
            raw = item.text or ""
            cut = _top_level_colon(raw)  # compose interpolates first, then splits `src:target:mode`
            if cut < 0:
                continue  # an anonymous volume
            src = _interp(recipe, raw[:cut])
            if src is None or not src or src.startswith(("/", ".", "~")) or "/" in src:
                continue  # unknown, or a bind mount
            yield Ref(kind, src, synth(raw[:cut], item, 0, cut))
    else:
        k = "config" if kind == "configs" else "secret"
        for r in svc.filerefs(k):
            src_node = r.node.get("source") if r.node.is_map else r.node
            name = _interp(recipe, r.source) if "$" in r.source else r.source
            if name is not None:
                yield Ref(kind, name, inside(src_node or r.node))


def inside(n: YNode) -> YNode:
    """A scalar's text as a node of its own: inside the quotes, where the name is written."""
    if n is not None and n.is_scalar and n.text and n.style in ("'", '"'):
        return synth(n.text, n, 0, len(n.text))
    return n


def _interp(recipe, text: str) -> str | None:
    val = recipe.interpolate(text) if recipe is not None else text
    return None if has_unresolved(val) or "$" in val else val


def _top_level_colon(text: str) -> int:
    depth = 0
    for i, ch in enumerate(text):
        if text.startswith("${", i):
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == ":" and not depth:
            return i
    return -1


def undefined_refs(recipe, kind: str) -> Iterator[tuple[ComposeView, Service, Ref]]:
    """References to ``kind`` that the deployed variant does not define.

    The default variant must define everything it uses. A variant with an optional overlay is
    judged only on names no compose file of the recipe defines: optional overlays are often
    meant to be combined (`compose.s3.tokenfile.yml` on top of `compose.s3.yml`).
    """
    implicit = set(IMPLICIT_NETWORKS) if kind == "networks" else set()
    for view in recipe.views:
        defined = set(view.top(kind)) | implicit
        if view is not recipe.default:
            defined |= defined_anywhere(recipe, kind)
        for svc in view.services.values():
            for ref in service_refs(svc, kind, recipe):
                if ref.name not in defined:
                    yield view, svc, ref


# ---------------------------------------------------------------- variables

class VarUse(Frozen):
    __slots__ = _fields = ("name", "handled", "loc", "text", "shell")

    def __init__(self, name: str, handled: bool, loc: Loc, text: str, shell: bool = False):
        self.name = name
        self.handled = handled  # a default, an error message or an alternative is written in place
        self.loc = loc
        self.text = text  # the `${...}` as written
        self.shell = shell  # inside a command, entrypoint, healthcheck or backup hook: a shell will run it


_SHELL_KEYS = ("command", "entrypoint", "healthcheck")


def var_uses(node: YNode) -> Iterator[VarUse]:
    """Every interpolated variable in the scalar values (not keys: docker does not interpolate keys)."""
    for path, n in node.walk():
        if not n.is_scalar or not isinstance(n.value, str) or "$" not in n.value:
            continue
        shell = any(p in _SHELL_KEYS for p in path if isinstance(p, str)) or (
            "labels" in path and "hook" in (n.value.split("=", 1)[0] if path and isinstance(path[-1], int)
                                            else str(path[-1])))
        for m in _VAR.finditer(n.value):
            if m.group("esc"):
                continue
            name = m.group("braced") or m.group("plain")
            line, col, end_line, end_col = n.pos_at(m.start(), len(m.group(0)))
            yield VarUse(name, bool(m.group("op")), Loc(n.file, line, col, end_line, end_col), m.group(0), shell)


def documented_vars(recipe) -> set[str]:
    """Variables an operator is told about or that abra sets: every `.env.sample` assignment,
    active or commented out (`#SMTP_HOST=`: an option abra users uncomment), abra.sh exports,
    and the variables abra provides itself."""
    names = {a.name for a in recipe.env.assigns}
    names |= set(recipe.abra)
    names |= set(ABRA_PROVIDED_VARS)
    return names


def deploy_env(recipe) -> dict[str, str]:
    """The values abra interpolates a fresh app with: `.env.sample`, then abra.sh exports over it
    (abra reads abra.sh after the app's env, so its exports win)."""
    vals = dict(recipe.env.values)
    vals.update({k: a.value for k, a in recipe.abra.items()})
    return vals


def interpolate_deploy(recipe, text: str) -> str:
    from recipelint.model.envfile import interpolate

    return interpolate(text, deploy_env(recipe))


# ---------------------------------------------------------------- service environment

def service_env_names(recipe, svc: Service) -> set[str] | None:
    """Names set in the container's environment (where golang templates' `env` looks), or None if
    an `env_file` cannot be read (then nothing can be said)."""
    names = set(svc.environment)
    ef = svc.node.get("env_file")
    if ef is None:
        return names
    items = ef.value if ef.is_seq else [ef]
    for item in items:
        path_node = item.get("path") if item.is_map else item
        rel = resolve_path(recipe, path_node.text if path_node is not None else None)
        text = recipe.read(rel) if rel else None
        if text is None:
            return None
        names |= {a.name for a in parse_assignments(text, rel) if a.active}
    return names


def _file_names(svc: Service, key: str) -> Iterator[str]:
    """Each `configs:`/`secrets:` entry's file name as written: its target, else its source."""
    lst = svc.node.get(key)
    for n in (lst.value if lst is not None and lst.is_seq else []):
        if n.is_map:
            s, t = n.get("source"), n.get("target")
            name = t.text if t is not None and t.text else (s.text if s is not None else None)
        else:
            name = n.text
        if name:
            yield name


def secret_target_names(recipe, svc: Service) -> set[str]:
    """The names `{{ secret "x" }}` can use in this service: each secret's target exactly as written
    (swarm matches the template's argument against the secret's file name), or its source when no
    target is given. `target: /run/secrets/x` is found as `/run/secrets/x` only, not as `x` (seen
    on Docker 20.10: "secret target x not found")."""
    return set(_file_names(svc, "secrets"))


def config_target_names(recipe, svc: Service) -> set[str] | None:
    """The names `{{ config "x" }}` can use in this service: each config's target exactly as
    written (interpolated), or its source when no target is given (docker's stack convert makes
    that the file name, and swarm compares the template's argument with the file name only).
    None when a target is left unresolved (then nothing can be said)."""
    out: set[str] = set()
    for name in _file_names(svc, "configs"):
        if "$" in name:
            name = _interp(recipe, name)
            if name is None:
                return None
        out.add(name)
    return out


def mounted_templates(recipe, view: ComposeView, svc: Service):
    """(FileRef, ConfigSource) for each golang-template config or secret the service mounts."""
    for ref in svc.filerefs():
        src = recipe.config_source(view, ref.kind, ref.source)
        if src is None or not src.template or src.text is None:
            continue
        yield ref, src


_COMMENT_STARTS = ("#", ";", "//")


def template_uses(recipe, fn: str, names_of, *, skip_comments: bool = False):
    """Template calls ``fn`` ("env", "secret" or "config") whose argument a mounting service never provides.

    ``names_of(recipe, svc)`` gives what a service provides (None: unknown). With ``skip_comments``,
    calls on a line that is a comment in the rendered file (`#`, `;`, `//`) are left out: they
    render, but nothing reads the result. A service is judged on
    the union over every variant: an overlay that adds `SMTP_HOST` to the service wires up the
    `{{ env "SMTP_HOST" }}` its template reads behind `{{ if ... }}`. Yields
    (service name, config/secret name, ConfigSource, TemplateRef), once each.
    """
    from recipelint.model.templates import template_refs

    provided: dict[str, set[str] | None] = {}
    mounts: dict[tuple[str, str, str], object] = {}  # (service, kind:name, file) -> ConfigSource
    for view in recipe.views:
        for svc in view.services.values():
            got = names_of(recipe, svc)
            if svc.name not in provided:
                provided[svc.name] = got
            elif provided[svc.name] is not None:
                provided[svc.name] = None if got is None else provided[svc.name] | got
            for ref, src in mounted_templates(recipe, view, svc):
                mounts.setdefault((svc.name, f"{ref.kind} '{ref.source}'", src.file), src)
    for (svc_name, what, _), src in sorted(mounts.items(), key=lambda kv: kv[0]):
        have = provided.get(svc_name)
        if have is None:
            continue
        lines = src.text.splitlines() if skip_comments else None
        for tref in template_refs(src.text):
            if tref.fn != fn or tref.arg in have:
                continue
            if skip_comments and lines[tref.line - 1][:tref.col - 1].lstrip().startswith(_COMMENT_STARTS):
                continue
            yield svc_name, what, src, tref


def where_set(recipe, var: str) -> str:
    """Where a fresh deploy takes ``var`` from, in words, for messages."""
    if var in recipe.abra:
        return f"{var}={recipe.abra[var].value} in abra.sh"
    a = recipe.env.get(var)
    if a is not None:
        return f"{var}={a.value} in .env.sample"
    return f"the default written for {var}"


def top_defs(recipe, kind: str) -> dict[str, tuple[str, YNode]]:
    """Top-level ``kind`` definitions over every compose file: name -> (compose file, node); the
    first file that defines a name wins (the chain comes first)."""
    out: dict[str, tuple[str, YNode]] = {}
    for rel, doc in compose_docs(recipe):
        top = doc.get(kind)
        if top is None or not top.is_map:
            continue
        for name, node in top.items():
            out.setdefault(name, (rel, node))
    return out


def key_var_uses(node: YNode) -> Iterator[tuple[tuple, YNode, VarUse]]:
    """Variables written in mapping keys, which docker never interpolates: (path, key node, use).
    Top-level `x-*` extension blocks are skipped (they only matter where they are merged in)."""
    for path, n in node.walk():
        if not n.is_map or (path and isinstance(path[0], str) and path[0].startswith("x-")):
            continue
        for k, v in n.items():
            kn = v.key
            if kn is None or "$" not in k or not isinstance(kn.value, str):
                continue
            for m in _VAR.finditer(k):
                if m.group("esc"):
                    continue
                name = m.group("braced") or m.group("plain")
                line, col, end_line, end_col = kn.pos_at(m.start(), len(m.group(0)))
                yield path + (k,), kn, VarUse(name, bool(m.group("op")),
                                               Loc(kn.file, line, col, end_line, end_col), m.group(0))
