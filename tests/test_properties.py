"""Property tests (hypothesis): the loaders, interpolation, overlay merging, label normalisation,
the overlay-test reader, every rule and the `check` command, on generated input.

- Nothing raises, whatever the input; no rule crashes (no E001); `check` exits 0, 1 or 2, and an
  exit 2 is one line on stderr.
- Every position a loader reports points into the text it came from.
- Interpolation: `$$` escaping round-trips; generated templates resolve as the compose docs say.
- Merging agrees with a small reference merger written here, independently, from the documented
  `docker stack deploy` semantics (docs/adr/0002-overlay-merge.md; docker/cli's loader: ports by
  published port, volumes by target, secrets and configs by source, command/entrypoint/healthcheck
  test replaced, maps by key, other lists appended).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from recipelint import engine
from recipelint.model import Recipe
from recipelint.model.compose import ComposeView, merge_compose
from recipelint.model.envfile import EnvFile, interpolate, parse_assignments, variables_in
from recipelint.model import overlay as overlay_model
from recipelint.model.yamlnode import load_yaml

RULES = engine.discover()
# RECIPELINT_PROPERTY_SCALE=20 multiplies every example count (a longer exploratory run)
SCALE = max(1, int(os.environ.get("RECIPELINT_PROPERTY_SCALE", "1")))


def _settings(n: int = 100):
    return settings(deadline=None, max_examples=n * SCALE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


FAST = _settings()
COUNTS: dict[str, int] = {}  # inputs tried per property (printed at the end of the run: tests/conftest.py)


def _count(name: str) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + 1


# ---------------------------------------------------------------------------------------- text strategies

# characters that matter to YAML, .env, templates and interpolation, plus a few hostile ones
SPECIAL = list(":-?[]{},#&*!|>'\"%@`=$\\/.\t\r\n ") + ["\x00", "\x07", "\ufeff", "\u00e9", "\u2028", "\U0001f600"]
WORDS = ["services", "app", "db", "image", "labels", "environment", "deploy", "networks", "proxy", "volumes",
         "configs", "secrets", "command", "ports", "backupbot.backup", "backupbot.backup.pre-hook",
         "backupbot.backup.path", "traefik.enable", "traefik.http.routers.app.rule", "${STACK_NAME}", "${DOMAIN}",
         "{{ env \"X\" }}", "{{ secret \"s\" }}", "COMPOSE_FILE", "compose.yml", "compose.x.yml", "<<", "*a",
         "&a", "!!python/object:os.system", "true", "null", "~", "0o755", "1e3", "---", "...", "${", "{{", "$$",
         "pg_dump -U x > /backup/d.sql", "/var/lib/postgresql/data", "nginx:1.27", "version", "3.8", "external",
         "template_driver", "golang", "file", "source", "target", "x-common"]
hostile_text = st.lists(st.one_of(st.sampled_from(SPECIAL), st.sampled_from(WORDS),
                                  st.text(max_size=6)), max_size=60).map("".join)


# -------------------------------------------------------------------- structured compose documents

def _q(s) -> str:
    if not isinstance(s, str):
        return json.dumps(s)
    # YAML allows only printable characters, even in double quotes: escape the others (\x7f, U+2028...)
    return "".join(c if c.isprintable() or c in "\\\"" else (json.dumps(c)[1:-1] if ord(c) < 0x20 else
                   f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}")
                   for c in json.dumps(s, ensure_ascii=False))


def emit(v, indent: int = 0) -> list[str]:
    """Block-style YAML for plain data (strings double-quoted, so every string stays a string)."""
    pad = " " * indent
    out: list[str] = []
    if isinstance(v, dict):
        if not v:
            return [pad + "{}"]
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                out.append(f"{pad}{_q(k)}:")
                out.extend(emit(x, indent + 2))
            else:
                out.append(f"{pad}{_q(k)}: {_flow(x)}")
        return out
    if isinstance(v, list):
        if not v:
            return [pad + "[]"]
        for x in v:
            if isinstance(x, (dict, list)) and x:
                sub = emit(x, indent + 2)
                out.append(f"{pad}- {sub[0].lstrip()}")
                out.extend(sub[1:])
            else:
                out.append(f"{pad}- {_flow(x)}")
        return out
    return [pad + _flow(v)]


def _flow(x) -> str:
    if isinstance(x, dict) and not x:
        return "{}"
    if isinstance(x, list) and not x:
        return "[]"
    return "null" if x is None else _q(x)


names = st.sampled_from(["app", "db", "web", "worker", "cache"])
label_keys = st.sampled_from(["backupbot.backup", "backupbot.backup.pre-hook", "backupbot.backup.post-hook",
                              "backupbot.backup.path", "backupbot.restore.post-hook", "traefik.enable",
                              "traefik.http.routers.app.rule", "traefik.docker.network", "coop-cloud.version",
                              "traefik.http.services.app.loadbalancer.server.port", "x"])
values = st.one_of(st.sampled_from(["true", "false", "", "pg_dump -U u db > /var/lib/postgresql/data/d.sql",
                                    "Host(`${DOMAIN}`)", "/var/lib/mysql", "/backup", "${STACK_NAME}_app",
                                    "proxy", "8080", "1.0.0+1.27", "mysqldump x > /tmp/d.sql", "a=b", "{{"]),
                   st.text(max_size=8))
junk = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), st.text(max_size=6)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                    max_leaves=6)


def maybe_junk(strategy):
    """Mostly the well-typed value, sometimes anything at all (odd types in every position)."""
    return st.one_of(strategy, strategy, strategy, junk)


labels_st = st.one_of(st.dictionaries(label_keys, values, max_size=4),
                      st.lists(st.builds(lambda k, v: f"{k}={v}", label_keys, values), max_size=4))
env_st = st.one_of(st.dictionaries(st.sampled_from(["A", "DOMAIN", "DB_HOST", "X"]), values, max_size=3),
                   st.lists(st.builds(lambda k, v: f"{k}={v}", st.sampled_from(["A", "DB_HOST"]), values),
                            max_size=3))
mount_st = st.one_of(st.sampled_from(["data:/var/lib/postgresql/data", "./c.conf:/etc/c.conf:ro", "/srv",
                                      "mysql:/var/lib/mysql", "backup:/backup"]),
                     st.fixed_dictionaries({"type": st.sampled_from(["volume", "bind", "tmpfs"]),
                                            "source": st.sampled_from(["data", "./x"]),
                                            "target": st.sampled_from(["/data", "/var/lib/mysql"])}))
ref_st = st.one_of(st.sampled_from(["c", "s", "db_password"]),
                   st.fixed_dictionaries({"source": st.sampled_from(["c", "s"]),
                                          "target": st.sampled_from(["/etc/c.conf", "pw", "/run/secrets/x"])}))
service_st = st.fixed_dictionaries({}, optional={
    "image": maybe_junk(st.sampled_from(["nginx:1.27", "postgres:15", "mariadb:10.11", "nginx", "${IMG}"])),
    "labels": maybe_junk(labels_st),
    "environment": maybe_junk(env_st),
    "deploy": maybe_junk(st.fixed_dictionaries({}, optional={"labels": maybe_junk(labels_st),
                                                             "replicas": st.integers(0, 3)})),
    "networks": maybe_junk(st.one_of(st.lists(st.sampled_from(["proxy", "internal", "backend"]), max_size=2),
                                     st.dictionaries(st.sampled_from(["proxy", "internal"]),
                                                     st.one_of(st.none(), st.fixed_dictionaries(
                                                         {"aliases": st.lists(names, max_size=2)})),
                                                     max_size=2))),
    "volumes": maybe_junk(st.lists(mount_st, max_size=3)),
    "configs": maybe_junk(st.lists(ref_st, max_size=2)),
    "secrets": maybe_junk(st.lists(ref_st, max_size=2)),
    "command": maybe_junk(st.one_of(st.text(max_size=10), st.lists(st.text(max_size=5), max_size=3))),
    "healthcheck": maybe_junk(st.fixed_dictionaries({"test": st.lists(st.sampled_from(["CMD", "curl", "-f"]),
                                                                      max_size=3)})),
})
resource_st = st.dictionaries(st.sampled_from(["c", "s", "data", "proxy", "internal", "db_password"]),
                              maybe_junk(st.fixed_dictionaries({}, optional={
                                  "external": st.booleans(), "name": st.sampled_from(["${STACK_NAME}_c", "c_v1"]),
                                  "file": st.sampled_from(["c.conf.tmpl", "c.conf", "../x", "/etc/passwd"]),
                                  "template_driver": st.just("golang")})), max_size=3)
compose_st = st.fixed_dictionaries({}, optional={
    "version": st.sampled_from(["3.8", "3", "2"]),
    "services": maybe_junk(st.dictionaries(names, maybe_junk(service_st), max_size=3)),
    "volumes": maybe_junk(resource_st), "networks": maybe_junk(resource_st),
    "configs": maybe_junk(resource_st), "secrets": maybe_junk(resource_st),
})


@st.composite
def mutated(draw, text_strategy):
    """A text, then a few edits at random places: inserted specials, deleted spans, duplicated lines."""
    text = draw(text_strategy)
    for _ in range(draw(st.integers(0, 3))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "dup"]))
        if op == "insert":
            text = text[:pos] + draw(st.one_of(st.sampled_from(SPECIAL), st.sampled_from(WORDS))) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 5)):]
        else:
            lines = text.split("\n")
            i = min(pos, len(lines) - 1)
            lines.insert(i, lines[i])
            text = "\n".join(lines)
    return text


compose_text = st.one_of(compose_st.map(lambda d: "\n".join(emit(d)) + "\n"),
                         mutated(compose_st.map(lambda d: "\n".join(emit(d)) + "\n")),
                         hostile_text)
env_text = st.one_of(
    st.lists(st.sampled_from(["TYPE=rec", "DOMAIN=rec.example.com", "COMPOSE_FILE=compose.yml",
                              'COMPOSE_FILE="$COMPOSE_FILE:compose.x.yml"', "#COMPOSE_FILE=compose.y.yml",
                              "SECRET_DB_PASSWORD_VERSION=v1", "export A=${B:-c}", "X='unterminated",
                              "LETS_ENCRYPT_ENV=production", "A=${", "=x", "# comment"]), max_size=6)
    .map("\n".join), hostile_text)
template_text = st.one_of(st.lists(st.sampled_from(['{{ env "DOMAIN" }}', '{{ secret "db_password" }}', "{{",
                                                    "}}", "{{ env \"X\" ", "plain", "${X}", "\n"]), max_size=8)
                          .map("".join), hostile_text)


# -------------------------------------------------------------------------------------------- loaders

def _positions_ok(text: str, problems) -> None:
    nlines = max(1, len(text.splitlines()) + 1)
    for p in problems:
        assert p.code in ("E101", "E102", "E106"), p
        assert (p.line is None) == (p.col is None), p
        if p.line is not None:
            assert 1 <= p.line <= nlines and p.col >= 1, (p, text)


@FAST
@given(st.one_of(compose_text, hostile_text.map(lambda t: "services:\n  app:\n    " + t)))
def test_yaml_loader_never_raises_and_positions_point_into_the_text(text):
    _count("yaml loader")
    node, problems = load_yaml(text, "compose.yml")
    _positions_ok(text, problems)
    if node is not None:
        lines = text.splitlines()
        for _path, n in node.walk():
            assert n.line >= 1 and n.col >= 1 and n.line <= len(lines) + 1, (n, text)


@FAST
@given(compose_st)
def test_yaml_loader_reads_what_was_written(doc):
    _count("yaml round trip")
    text = "\n".join(emit(doc)) + "\n"
    node, problems = load_yaml(text, "compose.yml")
    assert problems == []
    assert (node.plain() if node is not None else {}) == _stringify_keys(doc)


def _stringify_keys(v):
    if isinstance(v, dict):
        return {k if isinstance(k, str) else str(k): _stringify_keys(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_stringify_keys(x) for x in v]
    return v


@FAST
@given(env_text)
def test_env_loader_never_raises_and_positions_point_into_the_text(text):
    _count("env loader")
    lines = text.splitlines()
    for require_export in (False, True):
        for a in parse_assignments(text, ".env.sample", require_export=require_export):
            line = lines[a.line - 1]
            assert line[a.col - 1:a.col - 1 + len(a.name)] == a.name
            assert line[a.value_col - 2] == "="
    env = EnvFile(".env.sample", parse_assignments(text, ".env.sample"))
    env.values, env.compose_chain(), env.commented_overlays()  # noqa: B018 - must not raise


# ---------------------------------------------------------------------------------------- interpolation

@FAST
@given(st.text())
def test_interpolation_escape_round_trips(s):
    _count("interpolation")
    assert interpolate(s.replace("$", "$$"), {"A": "1", "B": ""}) == s
    assert interpolate(s.replace("$", "$$"), {}, keep_unknown=False) == s


var_names = st.sampled_from(["A", "B", "EMPTY", "UNSET", "X_1", "_y"])
literal = st.text(alphabet=st.characters(blacklist_characters="$}\x00", blacklist_categories=("Cs",)), max_size=5)
segment = st.one_of(
    st.tuples(st.just("lit"), literal),
    st.tuples(st.just("esc"), st.just("")),
    st.tuples(st.just("var"), var_names),
    st.tuples(st.just("plain"), var_names),
    st.tuples(st.sampled_from([":-", "-", ":+", "+"]), st.tuples(var_names, literal)),
)
ENV = {"A": "alpha", "B": "b$b", "EMPTY": "", "X_1": "x", "_y": "why"}


def render(segments) -> str:
    out = []
    for i, (kind, arg) in enumerate(segments):
        if kind == "lit":
            out.append(arg)
        elif kind == "esc":
            out.append("$$")
        elif kind == "var":
            out.append("${%s}" % arg)
        elif kind == "plain":
            out.append("$" + arg)
        else:
            out.append("${%s%s%s}" % (arg[0], kind, arg[1]))
    return "".join(out)


def expected(segments, env, keep_unknown=True) -> str:
    """What the compose docs say each form resolves to (unset kept as a symbol when keep_unknown)."""
    out = []
    for kind, arg in segments:
        if kind == "lit":
            out.append(arg)
        elif kind == "esc":
            out.append("$")
        elif kind in ("var", "plain"):
            out.append(env[arg] if arg in env else ("${%s}" % arg if keep_unknown else ""))
        else:
            name, word = arg
            val = env.get(name)
            if kind == ":-":
                out.append(val if val else word)
            elif kind == "-":
                out.append(val if val is not None else word)
            elif kind == ":+":
                out.append(word if val else ("${%s:+%s}" % (name, word) if val is None and keep_unknown else ""))
            else:
                out.append(word if val is not None else ("${%s+%s}" % (name, word) if keep_unknown else ""))
    return "".join(out)


def _separated(segments) -> bool:
    """`$A` must not run into a following literal that continues the name."""
    for (k1, _), (k2, a2) in zip(segments, segments[1:]):
        if k1 == "plain" and k2 == "lit" and a2[:1] and re.match(r"[A-Za-z0-9_]", a2[:1]):
            return False
    return True


@FAST
@given(st.lists(segment, max_size=8))
def test_interpolation_resolves_generated_templates_as_documented(segments):
    _count("interpolation")
    segments = [seg for seg in segments if seg != ("lit", "")]  # renders to nothing: `$A` + `` + `0` is `$A0`
    assume(_separated(segments))
    text = render(segments)
    assert interpolate(text, ENV) == expected(segments, ENV)
    assert interpolate(text, ENV, keep_unknown=False) == expected(segments, ENV, keep_unknown=False)
    assert variables_in(text) == [a if k in ("var", "plain") else a[0] for k, a in segments
                                  if k not in ("lit", "esc")]


@FAST
@given(st.text(max_size=30))
def test_interpolation_never_raises(s):
    _count("interpolation")
    interpolate(s, ENV)
    interpolate(s, {}, keep_unknown=False)
    variables_in(s)


# ------------------------------------------------------------------------------ merging vs a reference

def ref_kv(items):
    out = {}
    for it in items:
        k, sep, v = str(it).partition("=")
        out[k] = v if sep else None
    return out


def ref_normalise_service(svc: dict) -> dict:
    svc = dict(svc)
    for k in ("labels", "environment"):
        if isinstance(svc.get(k), list):
            svc[k] = ref_kv(svc[k])
    if isinstance(svc.get("deploy"), dict) and isinstance(svc["deploy"].get("labels"), list):
        svc["deploy"] = {**svc["deploy"], "labels": ref_kv(svc["deploy"]["labels"])}
    if isinstance(svc.get("networks"), list):
        svc["networks"] = {n: None for n in svc["networks"]}
    return svc


def ref_published(p):
    """docker/cli keys ports by the published port (0 when there is none)."""
    if isinstance(p, dict):
        return str(p.get("published") or 0)
    parts = str(p).split("/")[0].split(":")
    return "0" if len(parts) == 1 else parts[-2]


def ref_target(v):
    if isinstance(v, dict):
        return v.get("target")
    parts = str(v).split(":")
    return parts[0] if len(parts) == 1 else parts[1]


def ref_source(r):
    return r.get("source") if isinstance(r, dict) else r


REF_KEYS = {"ports": ref_published, "volumes": ref_target, "secrets": ref_source, "configs": ref_source}
REF_REPLACED = {"command", "entrypoint", "healthcheck.test"}


def ref_merge(base, over, path=""):
    if path in ("command", "entrypoint") and over in ([], ""):
        return base  # docker/cli: an empty command does not replace (mergeShellCommand)
    if path in REF_REPLACED or re.fullmatch(r"networks\.[^.]+\.aliases", path):
        return over  # aliases on a network are replaced (mergeServiceNetworkConfig)
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = ref_merge(base[k], v, f"{path}.{k}" if path else k) if k in base else v
        return out
    if isinstance(base, list) and isinstance(over, list):
        if path in REF_KEYS:
            keyed = {}
            for item in base + over:
                keyed[REF_KEYS[path](item)] = item
            return list(keyed.values())
        return base + over
    return over


def ref_merge_docs(docs: list[dict]) -> dict:
    result: dict = {}
    for doc in docs:
        doc = dict(doc)
        if isinstance(doc.get("services"), dict):
            doc["services"] = {n: ref_normalise_service(s) if isinstance(s, dict) else s
                               for n, s in doc["services"].items()}
        for top, v in doc.items():
            if top == "services" and isinstance(v, dict) and isinstance(result.get("services"), dict):
                svcs = dict(result["services"])
                for name, s in v.items():
                    svcs[name] = ref_merge(svcs[name], s) if name in svcs else s
                result["services"] = svcs
            elif top in ("volumes", "networks", "configs", "secrets") and isinstance(v, dict) \
                    and isinstance(result.get(top), dict):
                result[top] = {**result[top], **v}
            else:
                result[top] = v
    return result


def _canon(doc):
    """Keyed lists compared as sets of items (docker sorts them; order carries no meaning)."""
    doc = json.loads(json.dumps(doc))
    for svc in (doc.get("services") or {}).values() if isinstance(doc.get("services"), dict) else ():
        if isinstance(svc, dict):
            for k in REF_KEYS:
                if isinstance(svc.get(k), list):
                    svc[k] = sorted(svc[k], key=lambda x: json.dumps(x, sort_keys=True))
    return doc


label_item = st.builds(lambda k, v: f"{k}={v}", st.sampled_from(["a", "b", "c.d"]),
                       st.text(alphabet="xyz=: ", max_size=3))
merge_service = st.fixed_dictionaries({}, optional={
    "image": st.sampled_from(["nginx:1", "nginx:2", "postgres:15"]),
    "labels": st.one_of(st.lists(label_item, max_size=3),
                        st.dictionaries(st.sampled_from(["a", "b", "c.d"]), st.sampled_from(["1", "x"]), max_size=3)),
    "environment": st.one_of(st.lists(st.sampled_from(["A=1", "B=2", "A=3", "C"]), max_size=3),
                             st.dictionaries(st.sampled_from(["A", "B"]), st.sampled_from(["1", "2"]), max_size=2)),
    "deploy": st.fixed_dictionaries({}, optional={
        "labels": st.lists(label_item, max_size=2), "replicas": st.integers(1, 3),
        "placement": st.fixed_dictionaries({"constraints": st.lists(st.sampled_from(["node.role==manager",
                                                                                     "x==y"]), max_size=2)})}),
    "command": st.one_of(st.sampled_from(["run", "serve --x", ""]), st.lists(st.sampled_from(["a", "b"]), max_size=3)),
    "entrypoint": st.lists(st.sampled_from(["/e.sh", "-x"]), min_size=1, max_size=2),
    "healthcheck": st.fixed_dictionaries({"test": st.lists(st.sampled_from(["CMD", "curl", "x"]), min_size=1,
                                                           max_size=3)}, optional={"interval": st.just("30s")}),
    "ports": st.lists(st.one_of(st.sampled_from(["80", "8080:80", "8080:81", "127.0.0.1:9000:90", "53:53/udp",
                                                 "8443:443"]),
                                st.fixed_dictionaries({"target": st.sampled_from([80, 81]),
                                                       "published": st.sampled_from([8080, 9000])})), max_size=3),
    "volumes": st.lists(st.sampled_from(["data:/data", "other:/data", "./x:/x:ro", "/y", "logs:/var/log"]),
                        max_size=3),
    "secrets": st.lists(st.one_of(st.sampled_from(["s1", "s2"]),
                                  st.fixed_dictionaries({"source": st.sampled_from(["s1", "s2"]),
                                                         "target": st.sampled_from(["t1", "t2"])})), max_size=2),
    "configs": st.lists(st.fixed_dictionaries({"source": st.sampled_from(["c1", "c2"]),
                                               "target": st.sampled_from(["/c1", "/c2"])}), max_size=2),
    "networks": st.one_of(st.lists(st.sampled_from(["proxy", "internal"]), max_size=2, unique=True),
                          st.dictionaries(st.sampled_from(["proxy", "internal"]),
                                          st.one_of(st.none(), st.fixed_dictionaries(
                                              {"aliases": st.lists(st.sampled_from(["x", "y"]), max_size=2)})),
                                          max_size=2)),
    "dns": st.lists(st.sampled_from(["1.1.1.1", "8.8.8.8"]), max_size=2),
})
merge_doc = st.fixed_dictionaries({"services": st.dictionaries(st.sampled_from(["app", "db"]), merge_service,
                                                               max_size=2)},
                                  optional={"version": st.sampled_from(["3.8", "3.9"]),
                                            "volumes": st.dictionaries(st.sampled_from(["data", "other"]),
                                                                       st.one_of(st.none(), st.fixed_dictionaries(
                                                                           {"driver": st.just("local")}))),
                                            "secrets": st.dictionaries(st.sampled_from(["s1", "s2"]),
                                                                       st.fixed_dictionaries(
                                                                           {"external": st.booleans()}))})


@FAST
@given(st.lists(merge_doc, min_size=1, max_size=3))
def test_merge_agrees_with_the_reference_merger(docs):
    _count("overlay merge")
    nodes = []
    for i, d in enumerate(docs):
        node, problems = load_yaml("\n".join(emit(d)) + "\n", f"compose.{i}.yml")
        assert problems == []
        nodes.append(node)
    merged = merge_compose(nodes)
    assert _canon(merged.plain()) == _canon(ref_merge_docs(docs))
    # every merged value still points at the file that set it
    for _path, n in merged.walk():
        assert n.file in {f"compose.{i}.yml" for i in range(len(docs))} and n.line >= 1 and n.col >= 1


# ------------------------------------------------------------------------------- label normalisation

safe_text = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7e, blacklist_characters="\"\\="),
                    min_size=1, max_size=12)


@FAST
@given(st.dictionaries(safe_text, st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e,
                                                                   blacklist_characters="\"\\"), max_size=12),
                       min_size=1, max_size=5),
       st.booleans(), st.booleans())
def test_labels_normalise_the_same_from_list_and_map_form_with_exact_positions(labels, deploy, quoted):
    _count("label normalisation")
    q = (lambda s: f'"{s}"') if quoted else (lambda s: f"'{s}'" if "'" not in s else f'"{s}"')
    pad = " " * (8 if deploy else 6)
    list_form = "".join(f"{pad}- {q(f'{k}={v}')}\n" for k, v in labels.items())
    map_form = "".join(f"{pad}{q(k)}: {q(v)}\n" for k, v in labels.items())
    for body in (list_form, map_form):
        head = "services:\n  app:\n    image: x\n" + ("    deploy:\n      labels:\n" if deploy else "    labels:\n")
        text = head + body
        node, problems = load_yaml(text, "compose.yml")
        assert problems == []
        view = ComposeView(merge_compose([node]), ["compose.yml"])
        got = view.services["app"].labels
        assert {k: lab.value for k, lab in got.items()} == labels
        lines = text.splitlines()
        def text_at(n, length):  # a quoted scalar node starts at its quote; a carved-out one at its text
            start = n.col - 1 + (1 if n.style in ("'", '"') else 0)
            return lines[n.line - 1][start:start + length]

        for k, lab in got.items():
            assert text_at(lab.key_node, len(k)) == k
            if labels[k]:
                assert text_at(lab.value_node, len(labels[k])) == labels[k]
            assert lab.where == ("deploy" if deploy else "service")


# --------------------------------------------------------------------------------- overlay-test reader

PY_BITS = ["assert image == 'nginx:1.27'", "assert 'app' in services", "def test_x():", "    ", "if x:", "(", ")",
           "'", '"', "f'{x}'", "\t", "import pytest", "@pytest.mark.skip", "X = 'a'", "X = ['a', 'b']",
           "assert x.startswith(X)", "assert not (a and b)", "try:", "except Exception:", "pass", "lambda: 0",
           "async def f(): await x", "class T:", "print(", "\\", ":", "=", "assert", "\x00", "#", "'''", "\r\n"]
python_text = st.lists(st.one_of(st.sampled_from(PY_BITS), st.text(max_size=4)), max_size=25).map("\n".join)


@_settings(60)
@given(python_text)
def test_overlay_test_reader_never_raises(text):
    _count("overlay-test reader")
    tf = overlay_model.TestFile("overlay", "rec/test_x.py", Path("test_x.py"), text)
    facts = tf.asserts
    nlines = len(text.splitlines()) + 1
    for p in tf.problems:
        assert p.code == "E103" and 1 <= p.line <= nlines and p.col >= 1, (p, text)
    for f in facts:
        assert 1 <= f.line <= nlines and f.col >= 1


# ---------------------------------------------------------------------------- every rule, and `check`

@st.composite
def recipes(draw):
    files = {"compose.yml": draw(compose_text)}
    if draw(st.booleans()):
        files[".env.sample"] = draw(env_text)
    if draw(st.booleans()):
        files["compose.x.yml"] = draw(compose_text)
    if draw(st.booleans()):
        files["abra.sh"] = draw(st.sampled_from(["export C_VERSION=v1\n", "export =\n", "", "export A=${\n"]))
    if draw(st.booleans()):
        files[draw(st.sampled_from(["c.conf.tmpl", "c.conf"]))] = draw(template_text)
    if draw(st.booleans()):
        files["README.md"] = draw(st.sampled_from(["* **Backups**: Yes\n", "", "{{\n"]))
    if draw(st.booleans()):  # an overlay test (under OVERLAY/rec/), for the T rules and the reader
        files["../ov/rec/test_rec.py"] = draw(st.one_of(overlay_test_text, python_text))
    return files


overlay_test_text = st.lists(st.sampled_from([
    "def test_image(stack):", "    assert image(stack, 'app') == 'nginx:1.27'", "    assert 'db' in services(stack)",
    "IMG = 'postgres:15'", "    assert svc['Spec']['TaskTemplate']['ContainerSpec']['Image'].startswith(IMG)",
    "    if x:", "        assert 'worker' not in services", "@pytest.mark.skip", "import pytest",
    "    assert image == f'nginx:{V}'", "V = '1.27'", "    assert not ('a' in s and 'b' in s)",
]), max_size=10).map(lambda ls: "\n".join(ls) + "\n")


def _write(root: Path, files: dict) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode("utf-8", errors="surrogatepass"))


def _lint_in_process(root: Path, files: dict) -> None:
    recipe = Recipe.load(root, overlay_root=root.parent / "ov")
    findings = engine.run(recipe, RULES)
    crashed = [f.message for f in findings if f.code in ("E001", "E002")]
    assert not crashed, (crashed, files)
    for f in findings:
        assert f.line is None or (f.line >= 1 and f.column is not None and f.column >= 1), f


@_settings(150)
@given(recipes())
def test_every_rule_survives_any_recipe(files):
    _count("rules (engine.run)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "rec"
        root.mkdir()
        _write(root, files)
        _lint_in_process(root, files)


@_settings(12)
@given(recipes(), recipes(), st.sampled_from(["1.0.0+1.27", "0.1.0+x", "2.0.0-rc1+2", "not-a-release"]),
       st.booleans())
def test_every_rule_survives_any_recipe_with_history(released, current, tag, branch):
    """A git history: a tagged release, then the working state (and maybe a branch): T/I rules read it."""
    from recipelint.testing import build_repo

    _count("rules with git history (engine.run)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "rec"
        inside = lambda fs: {k: v for k, v in fs.items() if not k.startswith("../")}  # noqa: E731
        steps = [{"files": inside(released), "tag": tag}, {"files": {k: None for k in released} | inside(current)}]
        if branch:
            steps.append({"branch": "feature", "from": "main", "files": {"compose.yml": OK_COMPOSE}})
        build_repo(root, steps)
        _write(root, {k: v for k, v in current.items() if k.startswith("../")})
        _lint_in_process(root, current)


OK_COMPOSE = "services:\n  app:\n    image: nginx:1.28\n"


def run_cli(*args) -> tuple[int, str, str]:
    """`recipelint ...` in this process (fast): exit code, stdout, stderr."""
    from recipelint import cli

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["recipelint", *map(str, args)]
    code = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.run()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


@_settings(40)
@given(recipes(), st.sampled_from([(), ("--format", "json"), ("--select", "B,N,I"), ("--fail-on", "info"),
                                   ("--select", "ZZZ9"), ("--overlay", "/nonexistent/ov")]))
def test_check_exits_0_1_or_2_and_exit_2_is_one_line(files, flags):
    _count("check (CLI, in process)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "rec"
        root.mkdir()
        _write(root, files)
        code, out, err = run_cli("check", "--no-cache", *flags, root)
        assert code in (0, 1, 2), (code, err)
        assert "Traceback" not in err
        if code == 2:
            assert err.count("\n") == 1 and err.startswith("recipelint: error: "), err
        elif "--format" in flags:
            assert not [f for f in json.loads(out)["findings"] if f["code"] in ("E001", "E002")]
        else:
            assert " E001 " not in out and " E002 " not in out


# --------------------------------------------------------------- regressions found by the properties

def _merged_service(*texts):
    docs = [load_yaml(t, f"compose.{i}.yml")[0] for i, t in enumerate(texts)]
    return merge_compose(docs).find("services", "app")


def test_ports_merge_by_published_port_alone():
    """Found by test_merge_agrees_with_the_reference_merger: `8080:81` kept beside `8080:80`."""
    app = _merged_service("services:\n  app:\n    ports: ['8080:81', '9000:90']\n",
                          "services:\n  app:\n    ports: ['8080:80', {target: 91, published: 9000}]\n")
    assert app.get("ports").plain() == ["8080:80", {"target": 91, "published": 9000}]
    assert [(n.file, n.line, n.col) for n in app.get("ports")] == [("compose.1.yml", 3, 13), ("compose.1.yml", 3, 24)]


def test_empty_command_in_an_overlay_keeps_the_base_command():
    app = _merged_service("services:\n  app:\n    command: [run]\n", "services:\n  app:\n    command: []\n")
    assert app.get("command").plain() == ["run"]


def test_network_aliases_are_replaced_not_appended():
    app = _merged_service("services:\n  app:\n    networks: {proxy: {aliases: [a]}}\n",
                          "services:\n  app:\n    networks: {proxy: {aliases: [b]}}\n")
    assert app.find("networks", "proxy", "aliases").plain() == ["b"]


action_line = st.lists(st.sampled_from(["{{", "}}", "{{/*", "{{- /*", "*/}}", " env \"X\" ", "secret \"s\"", "{", "}",
                                        "x", " ", "-"]), max_size=20).map("".join)


@FAST
@given(action_line)
def test_template_actions_scan_agrees_with_the_action_regex(line):
    """The linear scan (templates._actions) finds exactly what the original regex finds."""
    from recipelint.model import templates

    _count("template actions")
    assert list(templates._actions(line)) == [(m.start(), m.end(), m.group(0))
                                              for m in templates._ANY_ACTION.finditer(line)]


DEEP_SHAPES = {
    "parens": lambda n: "(" * n + "1" + ")" * n, "brackets": lambda n: "[" * n + "]" * n,
    "or": lambda n: " or ".join(["a"] * n), "and-not": lambda n: " and ".join(["not a"] * n),
    "plus": lambda n: "+".join(["1"] * n), "unary": lambda n: "-" * n + "1", "attr": lambda n: "a" + ".b" * n,
    "calls": lambda n: "f" + "()" * n, "strings": lambda n: " ".join(["'a'"] * n),
    "lambdas": lambda n: "lambda: " * n + "1", "subscripts": lambda n: "a" + "[0]" * n,
    "ternary": lambda n: "a if b else " * n + "c", "compare": lambda n: " < ".join(["a"] * n),
}


@_settings(40)
@given(st.sampled_from(sorted(DEEP_SHAPES)), st.integers(1, 4000), st.booleans())
def test_overlay_test_reader_survives_deep_code(shape, n, broken):
    """libcst crashes the process on deep code; the reader must stop it first (or report E103/E106)."""
    _count("overlay-test reader (deep code)")
    text = f"def test_x():\n    assert image == ({DEEP_SHAPES[shape](n)})" + (" +" if broken else "") + "\n"
    tf = overlay_model.TestFile("overlay", "rec/test_x.py", Path("test_x.py"), text)
    facts = tf.asserts
    assert all(p.code in ("E103", "E106") for p in tf.problems)
    assert bool(facts) != bool(tf.problems)  # either analysed, or reported
