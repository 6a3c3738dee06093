"""Traefik labels of a service, parsed (the P rules).

Traefik's Docker provider in Swarm mode reads the service's `deploy.labels`. Keys look like
`traefik.<protocol>.<routers|services|middlewares>.<name>.<option...>`; names are compared after
interpolation, where an unknown `${STACK_NAME}` stays a symbol on both sides, so
`routers.${STACK_NAME}.service=${STACK_NAME}` still matches `services.${STACK_NAME}.loadbalancer...`.
Option names are case-insensitive in Traefik (`loadBalancer` = `loadbalancer`).
"""

from __future__ import annotations


from recipelint.model.compose import Label, Service
from recipelint.record import Frozen
from recipelint_rules._knowledge import TRAEFIK_FALSE, TRAEFIK_LABEL_PREFIX, TRAEFIK_PROTOCOLS, TRAEFIK_TRUE

SECTIONS = ("routers", "services", "middlewares")


class TLabel(Frozen):
    __slots__ = _fields = ("proto", "section", "name", "option", "label", "value")

    def __init__(self, proto: str, section: str, name: str, option: str, label: Label, value: str):
        self.proto = proto  # http | tcp | udp
        self.section = section  # routers | services | middlewares
        self.name = name  # after interpolation
        self.option = option  # lower-case, e.g. "rule", "service", "loadbalancer.server.port"
        self.label = label
        self.value = value  # after interpolation


def deploy_labels(svc: Service) -> dict[str, Label]:
    return {k: lab for k, lab in svc.labels.items() if lab.where == "deploy"}


def parse(recipe, svc: Service) -> list[TLabel]:
    """P002-P006 each parse every service of every variant: the result is kept on the service, for
    this recipe (the service's node never changes; interpolation depends only on the recipe)."""
    got = svc.__dict__.get("_tlabels")
    if got is not None and got[0] is recipe:
        return list(got[1])
    out = _parse(recipe, svc)
    svc.__dict__["_tlabels"] = (recipe, tuple(out))
    return out


def _parse(recipe, svc: Service) -> list[TLabel]:
    out = []
    for key, lab in deploy_labels(svc).items():
        if not key.startswith(TRAEFIK_LABEL_PREFIX):
            continue
        parts = recipe.interpolate(key).split(".")
        if len(parts) < 5 or parts[1] not in TRAEFIK_PROTOCOLS or parts[2] not in SECTIONS:
            continue
        out.append(TLabel(parts[1], parts[2], parts[3], ".".join(parts[4:]).lower(), lab,
                          recipe.interpolate(lab.value or "").strip()))
    return out


def enable_label(svc: Service) -> Label | None:
    return deploy_labels(svc).get(TRAEFIK_LABEL_PREFIX + "enable")


def enabled(recipe, svc: Service) -> bool | None:
    """True/False as Traefik reads `traefik.enable` (Go's ParseBool); None when absent, unresolved
    interpolation, or not a boolean."""
    lab = enable_label(svc)
    if lab is None:
        return None
    val = recipe.interpolate(lab.value or "").strip()
    if val in TRAEFIK_TRUE:
        return True
    if val in TRAEFIK_FALSE:
        return False
    return None


def groups(tlabels: list[TLabel], section: str) -> dict[tuple[str, str], list[TLabel]]:
    """(protocol, name) -> its labels, in file order, for one section."""
    out: dict[tuple[str, str], list[TLabel]] = {}
    for t in tlabels:
        if t.section == section:
            out.setdefault((t.proto, t.name), []).append(t)
    for v in out.values():
        v.sort(key=lambda t: (t.label.key_node.line or 0, t.label.key_node.col or 0))
    return out


def first(labels: list[TLabel]) -> TLabel:
    return labels[0]


def label_items(label: Label):
    """Each item of a comma-separated label value (`mw1, mw2`): (the item without surrounding blanks,
    its offset in the value), for ``label.value_node.pos_at(offset, len(item))``."""
    offset = 0
    for raw in (label.value or "").split(","):
        yield raw.strip(), offset + len(raw) - len(raw.lstrip())
        offset += len(raw) + 1
