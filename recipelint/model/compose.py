"""Compose files: normalisation, overlay merging (as `docker stack deploy -c a -c b`), service views.

See docs/adr/0002-overlay-merge.md for the merge rules and why.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..record import Frozen

from .yamlnode import YNode, synth

# service keys whose list items are merged by a key, the way docker/cli's loader does
_KEYED_LISTS = {
    "ports": lambda n: _port_key(n),
    "secrets": lambda n: _ref_source(n),
    "configs": lambda n: _ref_source(n),
    "volumes": lambda n: _mount_target(n),
}
# service keys whose value is replaced as a whole by an overlay
_REPLACED = {"command", "entrypoint", "healthcheck.test"}
# list-or-map keys normalised to maps before merging
_MAPPISH = ("labels", "environment")


# ---------------------------------------------------------------- normalisation

def _split_kv(item: YNode, sep: str = "=") -> tuple[YNode, YNode | None]:
    text = item.text or ""
    if sep in text:
        k, _, v = text.partition(sep)
        kn = synth(k, item, 0, len(k))
        vn = synth(v, item, len(k) + 1, len(v))
        kn.key = None
        return kn, vn
    return synth(text, item, 0, len(text)), None


def as_map(node: YNode | None) -> YNode | None:
    """`labels`/`environment` in list form (`- K=V`) become a mapping whose keys keep positions."""
    if node is None or node.is_map or not node.is_seq:
        return node
    out: dict[str, YNode] = {}
    for item in node.value:
        if not item.is_scalar or item.text is None:
            continue
        k, v = _split_kv(item)
        if v is None:
            v = YNode(None, item.file, item.line, item.col, item.end_line, item.end_col, lines=item.lines)
        v.key = k
        out[k.value] = v
    return YNode(out, node.file, node.line, node.col, node.end_line, node.end_col, key=node.key, lines=node.lines)


def normalise_service(svc: YNode) -> YNode:
    if not svc.is_map:
        return svc
    vals = dict(svc.value)
    for k in _MAPPISH:
        if k in vals:
            vals[k] = as_map(vals[k])
    dep = vals.get("deploy")
    if dep is not None and dep.is_map and "labels" in dep.value:
        dvals = dict(dep.value)
        dvals["labels"] = as_map(dvals["labels"])
        vals["deploy"] = _clone(dep, dvals)
    nets = vals.get("networks")
    if nets is not None and nets.is_seq:
        m = {}
        for item in nets.value:
            if item.text is not None:
                n = YNode(None, item.file, item.line, item.col, item.end_line, item.end_col, lines=item.lines)
                n.key = item
                m[item.text] = n
        vals["networks"] = _clone(nets, m)
    return _clone(svc, vals)


def _clone(node: YNode, value) -> YNode:
    return YNode(value, node.file, node.line, node.col, node.end_line, node.end_col, key=node.key,
                 style=node.style, lines=node.lines)


# ---------------------------------------------------------------- merge

def _port_key(n: YNode):
    """docker/cli merges ports by the published port alone (0 when none is given): `8080:81` in an
    overlay replaces `8080:80`, and unpublished ports replace each other."""
    if n.is_map:
        pub = n.get("published")
        text = pub.text if pub is not None and pub.is_scalar else None
    elif n.is_scalar and n.text is not None:
        parts = n.text.split("/", 1)[0].rsplit(":", 2)  # [[ip:]published:]target[/protocol]
        text = parts[-2] if len(parts) > 1 else None
    else:
        return ("port", id(n))
    text = (text or "").strip()
    return ("port", str(int(text)) if text.isdigit() else text or "0")


def _ref_source(n: YNode):
    if n.is_map:
        s = n.get("source")
        return s.text if s is not None else id(n)
    return n.text


def _mount_target(n: YNode):
    m = parse_mount(n)
    return m.target if m and m.target else id(n)


def merge(base: YNode | None, over: YNode | None, path: str = "") -> YNode | None:
    """Merge ``over`` onto ``base``: maps by key, keyed lists by key, other lists appended,
    scalars and whole-replaced keys taken from ``over``. Positions stay with each node."""
    if over is None:
        return base
    if base is None:
        return over
    if path in ("command", "entrypoint") and ((over.is_seq and not over.value) or over.text == ""):
        return base  # docker/cli replaces a command only with a non-empty one
    if path.startswith("networks.") and path.endswith(".aliases") and path.count(".") == 2:
        return over  # docker/cli replaces a service's aliases on a network, it does not append them
    if base.is_map and over.is_map and path not in _REPLACED:
        vals = dict(base.value)
        for k, v in over.value.items():
            sub = f"{path}.{k}" if path else k
            vals[k] = merge(vals.get(k), v, sub) if k in vals else v
        return _clone(base, vals)
    if base.is_seq and over.is_seq and path not in _REPLACED:
        leaf = path.rsplit(".", 1)[-1]
        keyf = _KEYED_LISTS.get(leaf) if path.count(".") == 0 else None
        if keyf is None:
            return _clone(over, list(base.value) + list(over.value))
        order: dict = {}
        for item in base.value:
            order[keyf(item)] = item
        for item in over.value:
            order[keyf(item)] = item
        return _clone(over, list(order.values()))
    return over


def merge_compose(docs: list[YNode]) -> YNode | None:
    """Merge whole compose documents in order (the `-c a -c b` chain)."""
    result: YNode | None = None
    for doc in docs:
        if doc is None or not doc.is_map:
            continue
        doc = _normalised_doc(doc)
        if result is None:
            result = doc
            continue
        vals = dict(result.value)
        for top, node in doc.value.items():
            if top == "services" and node.is_map and vals.get("services") is not None and vals["services"].is_map:
                svcs = dict(vals["services"].value)
                for name, svc in node.value.items():
                    svcs[name] = merge(svcs[name], svc) if name in svcs else svc
                vals["services"] = _clone(vals["services"], svcs)
            elif top in ("volumes", "networks", "configs", "secrets") and node.is_map and \
                    vals.get(top) is not None and vals[top].is_map:
                # top-level resources: an overlay's definition replaces the base one by name
                res = dict(vals[top].value)
                res.update(node.value)
                vals[top] = _clone(vals[top], res)
            else:
                vals[top] = node
        result = _clone(result, vals)
    return result


def _normalised_doc(doc: YNode) -> YNode:
    svcs = doc.get("services")
    if svcs is None or not svcs.is_map:
        return doc
    vals = dict(doc.value)
    vals["services"] = _clone(svcs, {k: normalise_service(v) for k, v in svcs.value.items()})
    return _clone(doc, vals)


# ---------------------------------------------------------------- views

class Mount(Frozen):
    """A volume/bind/tmpfs mount of a service, short or long syntax."""

    __slots__ = _fields = ("type", "source", "target", "read_only", "node")

    def __init__(self, type: str, source: str | None, target: str | None, read_only: bool, node: YNode):
        self.type = type  # volume | bind | tmpfs
        self.source = source
        self.target = target
        self.read_only = read_only
        self.node = node


def parse_mount(n: YNode) -> Mount | None:
    if n.is_map:
        def t(k):
            v = n.get(k)
            return v.text if v is not None else None
        ro = n.get("read_only")
        typ = t("type") or ("volume" if t("source") else "volume")
        return Mount(typ, t("source"), t("target"), bool(ro is not None and ro.value is True), n)
    text = n.text
    if not text:
        return None
    parts = text.split(":")
    if len(parts) == 1:
        return Mount("volume", None, parts[0], False, n)
    src, tgt = parts[0], parts[1]
    mode = parts[2] if len(parts) > 2 else ""
    typ = "bind" if src.startswith(("/", ".", "~", "$")) else "volume"
    return Mount(typ, src, tgt, "ro" in mode.split(","), n)


class FileRef(Frozen):
    """A `configs:`/`secrets:` entry of a service."""

    __slots__ = _fields = ("kind", "source", "target", "node", "target_node")

    def __init__(self, kind: str, source: str, target: str, node: YNode, target_node: YNode):
        self.kind = kind  # config | secret
        self.source = source
        self.target = target
        self.node = node  # the list item
        self.target_node = target_node  # the node to report at (the `target:` value, else the item)


def parse_fileref(kind: str, n: YNode) -> FileRef | None:
    if n.is_map:
        s = n.get("source")
        if s is None or s.text is None:
            return None
        tn = n.get("target")
        target = tn.text if tn is not None and tn.text else None
        if target is None:
            target = f"/{s.text}" if kind == "config" else f"/run/secrets/{s.text}"
        elif kind == "secret" and not target.startswith("/"):
            target = f"/run/secrets/{target}"
        return FileRef(kind, s.text, target, n, tn if tn is not None else s)
    if n.text:
        tgt = f"/{n.text}" if kind == "config" else f"/run/secrets/{n.text}"
        return FileRef(kind, n.text, tgt, n, n)
    return None


class Label(Frozen):
    __slots__ = _fields = ("key", "key_node", "value_node", "where")

    def __init__(self, key: str, key_node: YNode, value_node: YNode, where: str):
        self.key = key
        self.key_node = key_node  # where the label's name is written
        self.value_node = value_node  # where its value is written
        self.where = where  # "deploy" or "service"

    @property
    def value(self) -> str | None:
        return self.value_node.text


class Service:
    """One service of a merged compose document."""

    def __init__(self, name: str, node: YNode):
        self.name = name
        self.node = node

    def __repr__(self) -> str:  # pragma: no cover
        return f"Service({self.name})"

    @property
    def image(self) -> YNode | None:
        return self.node.get("image")

    @property
    def labels(self) -> dict[str, Label]:
        """Service `labels` and `deploy.labels` together (deploy wins on a clash, as backupbot reads it).
        Built once per service (nodes are never mutated); each call gets its own dict."""
        got = self.__dict__.get("_labels")
        if got is None:
            got = self.__dict__["_labels"] = self._labels_of()
        return dict(got)

    def _labels_of(self) -> dict[str, Label]:
        out: dict[str, Label] = {}
        for where, node in (("service", self.node.get("labels")), ("deploy", self.node.find("deploy", "labels"))):
            if node is None or not node.is_map:
                continue
            for k, v in node.value.items():
                out[k] = Label(k, v.key or v, v, where)
        return out

    @property
    def environment(self) -> dict[str, YNode]:
        env = self.node.get("environment")
        return dict(env.value) if env is not None and env.is_map else {}

    @property
    def networks(self) -> dict[str, YNode]:
        nets = self.node.get("networks")
        return dict(nets.value) if nets is not None and nets.is_map else {}

    def aliases(self, network: str) -> list[str]:
        n = self.networks.get(network)
        al = n.get("aliases") if n is not None and n.is_map else None
        return [a.text for a in al] if al is not None and al.is_seq else []

    @property
    def mounts(self) -> list[Mount]:
        """Built once per service, like ``labels``; each call gets its own list."""
        got = self.__dict__.get("_mounts")
        if got is None:
            vols = self.node.get("volumes")
            got = self.__dict__["_mounts"] = [] if vols is None or not vols.is_seq else \
                [m for m in (parse_mount(v) for v in vols.value) if m is not None]
        return list(got)

    def filerefs(self, kind: str | None = None) -> list[FileRef]:
        """Built once per service and kind, like ``labels``; each call gets its own list."""
        memo = self.__dict__.setdefault("_filerefs", {})
        got = memo.get(kind)
        if got is None:
            got = memo[kind] = self._filerefs_of(kind)
        return list(got)

    def _filerefs_of(self, kind: str | None) -> list[FileRef]:
        out = []
        for k, key in (("config", "configs"), ("secret", "secrets")):
            if kind and kind != k:
                continue
            lst = self.node.get(key)
            if lst is None or not lst.is_seq:
                continue
            out.extend(r for r in (parse_fileref(k, n) for n in lst.value) if r is not None)
        return out

    def command_nodes(self) -> Iterator[YNode]:
        """Scalar nodes of `command` and `entrypoint`, in either string or list form."""
        for key in ("command", "entrypoint"):
            n = self.node.get(key)
            if n is None:
                continue
            if n.is_seq:
                yield from (x for x in n.value if x.is_scalar)
            elif n.is_scalar:
                yield n


class ComposeView:
    """A merged compose document (one deployable variant of the recipe)."""

    def __init__(self, doc: YNode | None, files: list[str]):
        self.doc = doc
        self.files = files  # the chain that produced it
        svcs = doc.get("services") if doc is not None else None
        self.services: dict[str, Service] = {}
        if svcs is not None and svcs.is_map:
            for name, node in svcs.value.items():
                if node.is_map:
                    self.services[name] = Service(name, node)

    def top(self, kind: str) -> dict[str, YNode]:
        n = self.doc.get(kind) if self.doc is not None else None
        if n is None or not n.is_map:
            return {}
        return dict(n.value)

    @property
    def volumes(self) -> dict[str, YNode]:
        return self.top("volumes")

    @property
    def networks(self) -> dict[str, YNode]:
        return self.top("networks")

    @property
    def configs(self) -> dict[str, YNode]:
        return self.top("configs")

    @property
    def secrets(self) -> dict[str, YNode]:
        return self.top("secrets")

    def is_external_network(self, name: str) -> bool:
        n = self.networks.get(name)
        if n is None or not n.is_map:
            return False
        ext = n.get("external")
        return ext is not None and (ext.value is True or ext.is_map)
