"""Helpers shared by the abra-parity rules (R001-R015): image references, services across
every compose variant, the stack-wide anchor node, the README metadata block, `${VAR}` uses.

abra lints the services of every compose file of a recipe merged together, so a service counts
as having a healthcheck (or an image, or a traefik label) when any variant gives it one.
"""

from __future__ import annotations

import re

from recipelint.model.yamlnode import YNode
from recipelint.record import Frozen, Record
from recipelint_rules._knowledge import (README_METADATA_END, README_METADATA_FIELDS, README_METADATA_PLACEHOLDERS,
                                         README_METADATA_START)

# `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?err}`, `$NAME` (the argument bounded, so an
# unclosed `${` cannot make the scan quadratic)
VAR_USE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]{0,512})\}"
                     r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


def unresolved(text: str | None) -> bool:
    """True when interpolation left a `${VAR}` symbol in ``text`` (a value we must not judge)."""
    return text is not None and "${" in text


# ---------------------------------------------------------------- images

class ImageRef(Frozen):
    __slots__ = _fields = ("name", "tag", "digest", "tag_unresolved")

    def __init__(self, name: str, tag: str | None, digest: str | None, tag_unresolved: bool):
        self.name = name
        self.tag = tag  # None: no tag written
        self.digest = digest
        self.tag_unresolved = tag_unresolved  # the tag is (partly) an unresolved ${VAR}


def image_ref(recipe, node: YNode | None) -> ImageRef | None:
    """The image reference of an `image:` node after interpolation; None when it is empty or the
    name itself is an unresolved variable (nothing can be said about it)."""
    if node is None or node.text is None or not node.text.strip():
        return None
    text = recipe.interpolate(node.text.strip())
    digest = None
    if "@" in text:
        text, _, digest = text.partition("@")
    slash = text.rfind("/")
    colon = text.rfind(":")
    name, tag = (text[:colon], text[colon + 1:]) if colon > slash else (text, None)
    if unresolved(name) or not name:
        return None
    # an empty tag (`app:${TAG}` with `TAG=` in .env.sample) is left for the operator to fill in: not judged
    return ImageRef(name, tag, digest, unresolved(tag) or tag == "")


# ---------------------------------------------------------------- services across variants

def services_by_name(recipe) -> dict[str, list]:
    """service name -> [(view, Service), ...] over every compose variant, the default view first."""
    out: dict[str, list] = {}
    for view, svc in recipe.services():
        out.setdefault(svc.name, []).append((view, svc))
    return out


def service_anchor(svc) -> YNode:
    """Where to report something about a whole service: its name in the `services:` mapping."""
    return svc.node.key or svc.node


def services_anchor(recipe) -> YNode | None:
    """Where to report something about the whole stack: the `services:` key of the first compose file
    that has one (None when no compose file has services)."""
    for rel in list(recipe.chain) + list(recipe.optional_overlays):
        doc = recipe.yaml(rel)
        if doc is None:
            continue
        svcs = doc.get("services")
        if svcs is not None:
            return svcs.key or svcs
    return None


def deploy_label(svc, key: str) -> YNode | None:
    """The value node of a `deploy.labels` entry (list or map form), or None."""
    labels = svc.node.find("deploy", "labels")
    if labels is None or not labels.is_map:
        return None
    return labels.get(key)


def service_label(svc, key: str) -> YNode | None:
    labels = svc.node.get("labels")
    if labels is None or not labels.is_map:
        return None
    return labels.get(key)


# ---------------------------------------------------------------- README metadata

class MetaField(Frozen):
    __slots__ = _fields = ("key", "value", "line", "col")

    def __init__(self, key: str, value: str, line: int, col: int):
        self.key = key
        self.value = value
        self.line = line
        self.col = col  # column of the field name's `**`


class Metadata(Record):
    __slots__ = _fields = ("start", "end", "fields")

    def __init__(self, start: tuple[int, int] | None = None, end: tuple[int, int] | None = None,
                 fields: dict[str, MetaField] | None = None):
        self.start = start  # (line, col) of `<!-- metadata -->`
        self.end = end
        self.fields = fields


_FIELD = re.compile(r"^\s*[*+-]\s+(?P<bold>\*\*|__)(?P<key>[^*_:]+?):?(?P=bold)\s*:?(?P<value>.*)$")


def readme_metadata(text: str) -> Metadata:
    md = Metadata(fields={})
    for i, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if md.start is None:
            if s == README_METADATA_START:
                md.start = (i, line.index(README_METADATA_START) + 1)
            continue
        if s == README_METADATA_END:
            md.end = (i, line.index(README_METADATA_END) + 1)
            break
        m = _FIELD.match(line)
        if m:
            key = m.group("key").strip()
            md.fields.setdefault(key, MetaField(key, m.group("value").strip(), i, m.start("bold") + 1))
    return md


def is_placeholder(value: str) -> bool:
    return value.strip().lower() in README_METADATA_PLACEHOLDERS


def required_fields() -> list[str]:
    return [k for k, req in README_METADATA_FIELDS.items() if req]
