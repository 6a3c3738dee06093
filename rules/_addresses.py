"""Where a service names another host, and what the name resolves to on the networks it is on.

Two halves:

* **Scanners** find host names in text: a Caddyfile, an nginx config, a traefik file
  provider, any other config file (URLs only), a compose command, an environment value.
  Each returns :class:`HostRef` with the offset of the host in the scanned text. The
  dialects are data (``DIALECTS``, ``FILE_KINDS``, ``COMMAND_HOST_FLAGS``) so a reader can
  add a directive without touching the scanners.
* **Topology** answers, for one compose variant, which networks are shared between stacks
  and which services (or network aliases) a bare name reaches on each network.

:func:`bare_references` joins them: every place where a service attached to a shared network
names a service of its own stack by its bare name. N001 and N002 read from it.

Text is *masked* before scanning: golang template actions (`{{ env "STACK_NAME" }}`),
compose variables (`${STACK_NAME}`) and Caddy placeholders (`{$X}`, `{env.X}`) become runs
of an opaque host character of the same length, so offsets stay exact and a host such as
`{{ env "STACK_NAME" }}_app` stays one token. The host as written is then resolved the way
docker would (known `.env.sample` values, defaults written in the text) and only a name
that is still bare after that counts; unknown variables stay symbols and never match.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Iterator

from recipelint.model.templates import render_env
from recipelint.model.yamlnode import line_starts
from recipelint.record import Frozen
from recipelint.rule import Loc
from recipelint_rules._knowledge import ADDRESS_ENV_SUFFIXES, CONVENTIONAL_SERVICE_NAMES, SHARED_NETWORKS

# ---------------------------------------------------------------- dialects (data)

# Which dialect a mounted file speaks. Matched first against the file's recipe path and its
# mount target, then against the image of the service that mounts it; no match: "generic".
FILE_KINDS = (
    ("caddy", r"(?i)caddy"),
    ("nginx", r"(?i)nginx|openresty"),
    ("traefik", r"(?i)traefik"),
)

DIALECTS = {
    # Caddyfile: directive -> how its arguments name upstreams.
    #   "upstreams": every argument that is not a matcher (`/path`, `@name`, `*`) is an address
    #   "url": the first argument is a URL
    "caddy": {
        "reverse_proxy": "upstreams",
        "to": "upstreams",  # inside a reverse_proxy block
        "php_fastcgi": "upstreams",
        "forward_auth": "upstreams",
        "proxy": "upstreams",  # Caddy 1
        "ask": "url",  # on_demand_tls
    },
    # nginx: directives whose first argument is an address; `server` only inside `upstream`.
    "nginx": {
        "proxy_pass": "address",
        "fastcgi_pass": "address",
        "uwsgi_pass": "address",
        "scgi_pass": "address",
        "grpc_pass": "address",
        "memcached_pass": "address",
        "upstream/server": "address",
    },
    # traefik dynamic configuration (YAML or TOML file provider): keys whose value is an address.
    "traefik": {
        "url": "address",  # http services: loadBalancer.servers[].url
        "address": "address",  # tcp/udp servers, forwardAuth
    },
}

# Mounted files that are programs, not a proxy's configuration: scanned for URLs only.
SCRIPT_SUFFIXES = (".sh", ".sh.tmpl", ".bash", ".py", ".js")

# Command-line flags whose next word (or `=value`) is a host (`pg_isready -h db`, `--to app:3000`).
COMMAND_HOST_FLAGS = ("-h", "--host", "--hostname", "--upstream", "--to", "--server", "--addr", "--address")

# ---------------------------------------------------------------- masking

_OPAQUE = "\x01"  # stands for a variable part of a host; a host char, never part of a bare name
_HOST_CHARS = r"[\w.\x01-]"

_GO_CONTROL = re.compile(r"\{\{-?\s*(?:if|else|end|range|with|define|block|template|break|continue|/\*)\b")
_COMPOSE_VAR = re.compile(r"\$\$|\$\{[^}\n]{0,512}\}|\$[A-Za-z_]\w*")  # bounded: see _go_actions
_CADDY_PLACEHOLDER = re.compile(r"\{[^\s{}]+\}")


def _blank(m: re.Match, fill: str) -> str:
    return "".join(c if c == "\n" else fill for c in m.group(0))


def _blank_actions(text: str) -> str:
    """Every `{{ ... }}` action blanked: control actions with spaces, value actions with _OPAQUE.

    The same leftmost, non-overlapping matches as `re.sub(r"{{.*?}}", ..., flags=re.S)`, in linear
    time: once no `}}` follows an opening `{{`, none follows any later one either (the regex would
    rescan the rest of the text from every unclosed `{{`, which is quadratic)."""
    out: list[str] = []
    i = 0
    while True:
        start = text.find("{{", i)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            break
        action = text[start:end + 2]
        fill = " " if _GO_CONTROL.match(action) else _OPAQUE
        out.append(text[i:start])
        out.append("".join(c if c == "\n" else fill for c in action))
        i = end + 2
    out.append(text[i:])
    return "".join(out)


def mask(text: str, *, template: bool = False, compose: bool = False, caddy: bool = False) -> str:
    """``text`` with variable parts replaced, length for length (newlines kept)."""
    if template:
        text = _blank_actions(text)
    if compose:
        text = _COMPOSE_VAR.sub(lambda m: _blank(m, _OPAQUE), text)
    if caddy:
        text = _CADDY_PLACEHOLDER.sub(lambda m: _blank(m, _OPAQUE), text)
    return text


# ---------------------------------------------------------------- addresses

class HostRef(Frozen):
    """A host named in some text: ``text[offset:offset+len(host)] == host``."""

    __slots__ = _fields = ("host", "offset", "context")

    def __init__(self, host: str, offset: int, context: str):
        self.host = host  # as written (template actions and variables unresolved)
        self.offset = offset
        self.context = context  # what named it: a directive, key, flag, "url", "address"


_URL = re.compile(r"(?<![\w+.\x01-])[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s/@?#'\"]*@)?(?P<host>" + _HOST_CHARS + r"+)")
_HOSTPORT = re.compile(r"(?P<host>" + _HOST_CHARS + r"+)(?::[\w\x01]+)?/?")


def parse_address(token: str, masked: str | None = None) -> tuple[int, int] | None:
    """Where the host is in one address token: `scheme://[user@]host[:port][/path]` or `host[:port]`.

    Returns (start, end) within the token, or None if the token is not an address.
    """
    masked = token if masked is None else masked
    m = _URL.match(masked)
    if m:
        return m.span("host")
    m = _HOSTPORT.fullmatch(masked)
    if m:
        return m.span("host")
    return None


def _ref(text: str, start: int, end: int, context: str) -> HostRef:
    return HostRef(text[start:end], start, context)


def scan_urls(text: str, masked: str, context: str = "url") -> list[HostRef]:
    """Hosts of every `scheme://host` URL in the text."""
    return [_ref(text, *m.span("host"), context) for m in _URL.finditer(masked)]


def _words(masked: str, start: int = 0, end: int | None = None, seps: str = r"\s") -> Iterator[tuple[int, int]]:
    end = len(masked) if end is None else end
    for m in re.finditer(r"[^" + seps + r"]+", masked[start:end]):
        yield start + m.start(), start + m.end()


def _strip_quotes(masked: str, s: int, e: int) -> tuple[int, int]:
    if e - s >= 2 and masked[s] in "\"'" and masked[e - 1] == masked[s]:
        return s + 1, e - 1
    return s, e


def scan_caddy(text: str, masked: str) -> list[HostRef]:
    table = DIALECTS["caddy"]
    out = []
    pos = 0
    for line in masked.splitlines(keepends=True):
        body = re.split(r"(?:^|(?<=\s))#", line, maxsplit=1)[0]
        words = list(_words(body))
        i = 0
        while i < len(words):
            s, e = words[i]
            # a directive opens a line or follows the `{` of a one-line block
            starts = i == 0 or body[words[i - 1][0]:words[i - 1][1]] == "{"
            how = table.get(body[s:e]) if starts else None
            if how is None:
                i += 1
                continue
            directive = body[s:e]
            j = i + 1
            while j < len(words):
                ws, we = words[j]
                word = body[ws:we]
                if word in ("{", "}"):
                    break
                ws, we = _strip_quotes(body, ws, we)
                word = body[ws:we]
                if how == "upstreams" and word[:1] in ("/", "@", "*"):
                    j += 1
                    continue
                span = parse_address(word)
                if span is not None:
                    out.append(_ref(text, pos + ws + span[0], pos + ws + span[1], directive))
                j += 1
                if how == "url":
                    break
            i = j
        pos += len(line)
    return out


_NGINX_TOKEN = re.compile(r"#[^\n]*|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|[;{}]|[^\s;{}#\"']+")


def scan_nginx(text: str, masked: str) -> list[HostRef]:
    """nginx: statement-level tokenizer with a block stack; `upstream` group names are not hosts."""
    table = DIALECTS["nginx"]
    statements: list[tuple[str, list[tuple[int, int]]]] = []  # (enclosing block, tokens)
    upstreams: set[str] = set()
    stack: list[str] = []
    cur: list[tuple[int, int]] = []
    for m in _NGINX_TOKEN.finditer(masked):
        tok = m.group(0)
        if tok.startswith("#"):
            continue
        if tok == ";":
            if cur:
                statements.append((stack[-1] if stack else "", cur))
            cur = []
        elif tok == "{":
            name = masked[cur[0][0]:cur[0][1]] if cur else ""
            if name == "upstream" and len(cur) > 1:
                upstreams.add(text[cur[1][0]:cur[1][1]])
            stack.append(name)
            cur = []
        elif tok == "}":
            if stack:
                stack.pop()
            cur = []
        else:
            cur.append(_strip_quotes(masked, m.start(), m.end()))
    out = []
    for block, toks in statements:
        if len(toks) < 2:
            continue
        name = masked[toks[0][0]:toks[0][1]]
        key = f"{block}/{name}" if name == "server" else name
        if table.get(key) != "address":
            continue
        s, e = toks[1]
        span = parse_address(masked[s:e])
        if span is None:
            continue
        host = text[s + span[0]:s + span[1]]
        if name != "server" and host in upstreams:
            continue  # `proxy_pass http://backend;` names an upstream group, not a host
        out.append(HostRef(host, s + span[0], name))
    return out


def scan_traefik(text: str, masked: str) -> list[HostRef]:
    keys = "|".join(re.escape(k) for k, how in DIALECTS["traefik"].items() if how == "address")
    rx = re.compile(r"(?<![\w.-])[\"']?(?P<key>" + keys + r")[\"']?\s*[:=]\s*[\"']?(?P<val>[^\s\"',}\]#]+)")
    out = []
    for m in rx.finditer(masked):
        s, e = m.span("val")
        span = parse_address(masked[s:e])
        if span is not None:
            out.append(_ref(text, s + span[0], s + span[1], m.group("key")))
    return out


def scan_file(text: str, kind: str, template: bool) -> list[HostRef]:
    """Hosts named in a config file of the given dialect (see FILE_KINDS)."""
    masked = mask(text, template=template, caddy=(kind == "caddy"))
    if kind == "caddy":
        return scan_caddy(text, masked)
    if kind == "nginx":
        return scan_nginx(text, masked)
    if kind == "traefik":
        return scan_traefik(text, masked)
    return scan_urls(text, masked)


def scan_command(text: str) -> list[HostRef]:
    """A command or entrypoint argument (or a whole shell line): URLs, `host:port`, `-h host`."""
    masked = mask(text, compose=True)
    out = scan_urls(text, masked)
    taken = {r.offset for r in out}
    words = list(_words(masked, seps=r"\s\"';&|()"))
    for i, (s, e) in enumerate(words):
        word = masked[s:e]
        flag, eq, val = word.partition("=")
        if eq and flag in COMMAND_HOST_FLAGS:
            cand = [(s + len(flag) + 1, e, flag)]
        elif word in COMMAND_HOST_FLAGS and i + 1 < len(words):
            cand = [(words[i + 1][0], words[i + 1][1], word)]
        else:
            # a bare `host:port` word (a port must be written, else any word would match)
            m = re.fullmatch(r"(?P<host>" + _HOST_CHARS + r"+):(?:\d+|\x01+)", word)
            cand = [(s, s + m.end("host"), "host:port")] if m and "://" not in word else []
        for cs, ce, ctx in cand:
            span = parse_address(masked[cs:ce])
            if span is not None and cs + span[0] not in taken:
                taken.add(cs + span[0])
                out.append(_ref(text, cs + span[0], cs + span[1], ctx))
    return sorted(out, key=lambda r: r.offset)


def scan_command_nodes(nodes: list) -> Iterator[tuple[object, HostRef]]:
    """`scan_command` over each scalar of a command list, plus `["-h", "db"]` split over two items."""
    prev = ""
    for node in nodes:
        text = node.text or ""
        refs = scan_command(text)
        if prev in COMMAND_HOST_FLAGS and not any(r.offset == 0 for r in refs):
            masked = mask(text, compose=True)
            span = parse_address(masked)
            if span is not None:
                refs.insert(0, _ref(text, span[0], span[1], prev))
        for r in refs:
            yield node, r
        prev = text.strip()


def is_address_name(var: str) -> bool:
    """`DB_HOST`, `UPSTREAM_URL`, also a bare `HOST` or `URL` (see ADDRESS_ENV_SUFFIXES)."""
    v = var.upper()
    return any(v.endswith(suf) or v == suf.lstrip("_") for suf in ADDRESS_ENV_SUFFIXES)


def scan_env(name: str, value: str) -> list[HostRef]:
    """An environment value: URLs always; for address-like names (`*_HOST`, `*_URL`...) also
    each `host[:port]` item of a comma/space separated list."""
    masked = mask(value, compose=True)
    out = scan_urls(value, masked, context=name)
    if not is_address_name(name):
        return out
    taken = {r.offset for r in out}
    for s, e in _words(masked, seps=r"\s,;"):
        span = parse_address(masked[s:e])
        if span is not None and "://" not in masked[s:e] and s + span[0] not in taken:
            out.append(_ref(value, s + span[0], s + span[1], name))
    return sorted(out, key=lambda r: r.offset)


def file_kind(rel: str | None, target: str | None, image: str | None) -> str:
    """The dialect of a mounted file; scripts are "generic" whatever image runs them."""
    names = ((rel or "") + " " + (target or "")).lower()
    if any(n.endswith(SCRIPT_SUFFIXES) for n in ((rel or "").lower(), (target or "").lower())):
        return "generic"
    for subject in (names, image or ""):
        for kind, rx in FILE_KINDS:
            if re.search(rx, subject):
                return kind
    return "generic"


# ---------------------------------------------------------------- resolution

_BARE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def resolve(recipe, host: str, *, template: bool = False, compose: bool = False) -> str | None:
    """The host as docker would see it, if that is a bare name (no dot, no variable left)."""
    if template:
        host = render_env(host, recipe.env_values)
    if compose:
        host = recipe.interpolate(host)
    return host if _BARE.fullmatch(host) else None


# ---------------------------------------------------------------- topology

class Topology:
    """The networks of one compose variant, and which services a bare name reaches on each."""

    def __init__(self, view):
        self.view = view
        declared = view.networks
        self.shared = {n for n in declared if n in SHARED_NETWORKS or view.is_external_network(n)}
        self.shared.update(n for s in view.services.values() for n in s.networks if n in SHARED_NETWORKS)

    def nets(self, svc) -> list[str]:
        return list(svc.networks) or ["default"]

    def shared_nets(self, svc) -> list[str]:
        return [n for n in self.nets(svc) if n in self.shared]

    def reached(self, name: str) -> list[tuple[object, list[str]]]:
        """Services of this stack that answer to ``name`` (service name or alias), with the networks where they do."""
        index = self.__dict__.get("_answers")
        if index is None:  # built once per variant: a lookup per reference, not a scan of every service
            index = {}
            for svc in self.view.services.values():
                by_name: dict[str, list[str]] = {}
                for n in self.nets(svc):
                    for answer in dict.fromkeys([svc.name, *svc.aliases(n)]):
                        by_name.setdefault(answer, []).append(n)
                for answer, nets in by_name.items():
                    index.setdefault(answer, []).append((svc, nets))
            self._answers = index
        return list(index.get(name, ()))


class BareRef(Frozen):
    """A service on a shared network naming a service of its own stack by its bare name."""

    __slots__ = _fields = ("caller", "name", "target", "network", "on_shared", "target_on_shared", "at", "where",
                           "context")

    def __init__(self, caller: str, name: str, target: str, network: str, on_shared: bool, target_on_shared: bool,
                 at: object, where: str, context: str):
        self.caller = caller
        self.name = name  # the bare name as resolved
        self.target = target  # the service it means
        self.network = network  # the shared network of the caller where the name is ambiguous (or would be)
        # the name is ambiguous there: the target is attached too, or the name is conventional (`app`)
        self.on_shared = on_shared
        self.target_on_shared = target_on_shared  # the target itself is attached to that shared network
        self.at = at  # YNode or Loc: the host as written
        self.where = where  # "file" | "command" | "environment"
        self.context = context


def file_loc(rel: str, text: str, offset: int, length: int, starts: list[int] | None = None) -> Loc:
    starts = starts or line_starts(text)
    i = bisect.bisect_right(starts, offset) - 1
    line, col = i + 1, offset - starts[i] + 1
    return Loc(rel, line, col, line, col + length)


def _mounted_files(recipe, view, svc) -> Iterator[tuple[str, str, bool, str | None]]:
    """(recipe path, text, is golang template, container target) of each file the service mounts."""
    for ref in svc.filerefs():
        src = recipe.config_source(view, ref.kind, ref.source)
        if src is not None and src.file and src.text is not None:
            yield src.file, src.text, src.template, ref.target
    for m in svc.mounts:
        if m.type != "bind" or not m.source:
            continue
        source = recipe.interpolate(m.source)
        if source.startswith(("/", "~", "$")):
            continue  # a host path, not a recipe file
        base = posixpath.dirname(m.node.file or "")
        rel = posixpath.normpath(posixpath.join(base, source))
        if rel.startswith(".."):
            continue
        text = recipe.read(rel)
        if text is not None:
            yield rel, text, False, m.target


def _classify(topo: Topology, caller, name: str) -> tuple[str, str, bool, bool] | None:
    """(target, shared network, ambiguous there, target attached there), or None if not a sibling."""
    shared = topo.shared_nets(caller)
    reached = topo.reached(name)
    if not shared or not reached:
        return None
    for net in shared:
        for svc, nets in reached:
            if net in nets:
                return svc.name, net, True, True
    target = reached[0][0].name
    return target, shared[0], name in CONVENTIONAL_SERVICE_NAMES, False


def bare_references(recipe) -> list[BareRef]:
    """Every bare-name reference from a service on a shared network, over every variant.

    N001 and N002 both read these; the scan runs once per recipe and is kept on it."""
    cached = recipe.__dict__.get("_bare_references")
    if cached is None:
        cached = recipe.__dict__["_bare_references"] = list(_scan_bare_references(recipe))
    return cached


def _scan_bare_references(recipe) -> Iterator[BareRef]:
    from recipelint.model.yamlnode import synth

    topologies: dict[int, Topology] = {}  # one per variant (building one scans every service)
    for view, svc in recipe.services():
        topo = topologies.get(id(view))
        if topo is None:
            topo = topologies[id(view)] = Topology(view)
        if not topo.shared_nets(svc):
            continue
        image = svc.image.text if svc.image is not None else None
        for rel, text, template, target in _mounted_files(recipe, view, svc):
            kind = file_kind(rel, target, image)
            refs = scan_file(text, kind, template)
            starts = line_starts(text) if refs else None
            for r in refs:
                name = resolve(recipe, r.host, template=template)
                hit = _classify(topo, svc, name) if name else None
                if hit:
                    yield BareRef(svc.name, name, *hit,
                                  file_loc(rel, text, r.offset, len(r.host), starts), "file", r.context)
        for node, r in scan_command_nodes(list(svc.command_nodes())):
            name = resolve(recipe, r.host, compose=True)
            hit = _classify(topo, svc, name) if name else None
            if hit:
                yield BareRef(svc.name, name, *hit, synth(r.host, node, r.offset), "command", r.context)
        for var, node in svc.environment.items():
            if not node.is_scalar or node.text is None:
                continue
            for r in scan_env(var, node.text):
                name = resolve(recipe, r.host, compose=True)
                hit = _classify(topo, svc, name) if name else None
                if hit:
                    yield BareRef(svc.name, name, *hit, synth(r.host, node, r.offset),
                                  "environment", var)


def qualified(ref: BareRef) -> str:
    """How to write the reference so it only reaches this stack's service."""
    if ref.where == "file":
        return '{{ env "STACK_NAME" }}_' + ref.target
    return "${STACK_NAME}_" + ref.target
