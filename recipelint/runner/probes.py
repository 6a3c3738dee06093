"""Probes: live checks that confirm or refute one static finding.

A rule names its probe (``probe = "backup-roundtrip"``); the runner looks the name up here and
knows no rule. A probe receives a ProbeContext (the session, the deployment, the recipe, the
finding) and returns a ProbeResult: ``confirmed``, ``refuted`` or ``inconclusive``, with evidence
lines (the SQL error, the resolved addresses, the log line). A probe that cannot run raises
ProbeError; the runner records it as inconclusive with ``error`` set (exit code 2).

What each probe reads from the finding: ``finding.service`` (the service the finding is about) and
``finding.data``:
- backup-roundtrip: nothing more; the service's backupbot labels drive it.
- shared-network-dns: ``name`` (or ``host``/``target_name``): the host name as the caller writes it,
  `${STACK_NAME}` allowed; ``network`` (default: the first shared network of the caller,
  e.g. `proxy`); ``target_service`` (default: the bare name) - the stack's own service it means.
- readonly-config: ``target``: the container path of the read-only file.
- stale-overlay: ``checks`` (list of {kind: image|services, mode, negative, values}), ``any_of``,
  ``subjects`` (services an image claim is about; empty: any service) and ``release`` (default: the
  recipe's latest release tag). It deploys that release, read from git, as a second owned stack and
  evaluates the assert's claims against the services and images the swarm actually runs. It needs no
  deploy of the working tree (``needs_deploy=False``).
"""

from __future__ import annotations

import io
import re
import shlex
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath

CONFIRMED = "confirmed"
REFUTED = "refuted"
INCONCLUSIVE = "inconclusive"


@dataclass
class ProbeResult:
    verdict: str
    evidence: list[str] = field(default_factory=list)
    error: str | None = None  # set when the probe could not run (exit code 2)


class ProbeError(Exception):
    """The probe could not run; the message says why."""


@dataclass
class ProbeContext:
    session: object
    deployment: object
    recipe: object
    finding: object
    log: object = None
    timeout: float = 120.0  # seconds a probe's own deploy may take to converge

    @property
    def client(self):
        return self.session.client

    def service(self, name: str | None = None):
        name = name or self.finding.service
        svc = self.deployment.services.get(name)
        if svc is None:
            raise ProbeError(f"service {name!r} is not part of the deployed default variant")
        return svc

    def container(self, name: str | None = None, wait: float = 20.0):
        from .deploy import running_container

        deadline = time.monotonic() + wait
        while True:
            ctr = running_container(self.client, self.service(name))
            if ctr is not None:
                return ctr
            if time.monotonic() > deadline:
                raise ProbeError(f"service {name or self.finding.service!r} has no running container")
            time.sleep(0.5)


PROBES: dict[str, object] = {}


def _same_claim(finding) -> tuple:
    import json

    return (finding.service, json.dumps(finding.data or {}, sort_keys=True, default=str))


def probe(name: str, *, needs_convergence: bool = True, needs_deploy: bool = True, key=_same_claim):
    """Register a probe. ``key(finding)`` says which findings make the same claim: one run answers them all.
    ``needs_deploy=False``: the probe deploys what it needs itself, so the working tree is not deployed
    for it (``ctx.deployment`` may be None)."""
    def deco(fn):
        fn.probe_name = name
        fn.needs_convergence = needs_convergence
        fn.needs_deploy = needs_deploy
        fn.key = key
        PROBES[name] = fn
        return fn
    return deco


# ------------------------------------------------------------------ helpers

def sh(ctr, script: str, *, user: str = "", env: dict | None = None, timeout_hint: str = "") -> tuple[int, str]:
    """Run ``sh -c script`` in a container (as backupbot runs hooks); (exit code, output)."""
    res = ctr.exec_run(["sh", "-c", script], user=user, environment=env or None, demux=False)
    out = (res.output or b"").decode("utf-8", "replace")
    return res.exit_code, out


def container_env(ctr) -> dict[str, str]:
    out = {}
    for item in (ctr.attrs.get("Config") or {}).get("Env") or []:
        k, _, v = item.partition("=")
        out[k] = v
    return out


def container_user(ctr) -> str:
    return (ctr.attrs.get("Config") or {}).get("User") or ""


def first_line(text: str, pattern: str | None = None) -> str:
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    if pattern:
        for x in lines:
            if re.search(pattern, x, re.I):
                return x
    return lines[0] if lines else ""


# ------------------------------------------------------------------ readonly-config

_RO = re.compile(r"read-only file system", re.I)


@probe("readonly-config", needs_convergence=False)
def readonly_config(ctx: ProbeContext) -> ProbeResult:
    """Did the app's own write to the read-only file fail? Read it from the service's logs and tasks."""
    from .deploy import container_logs

    target = (ctx.finding.data or {}).get("target")
    svc = ctx.service()
    svc.reload()
    tasks = svc.tasks()
    lines: list[str] = []
    for t in sorted(tasks, key=lambda t: t.get("CreatedAt") or ""):
        st = t.get("Status") or {}
        cid = (st.get("ContainerStatus") or {}).get("ContainerID")
        if cid:
            lines.extend(container_logs(ctx.client, cid, tail=200))
        if st.get("Err"):
            lines.append(f"task {t['ID'][:12]}: {st['Err']}")
    hits = [x for x in lines if _RO.search(x)]
    # prefer a line that names the file
    named = [x for x in hits if target and target in x]
    failed = sum(1 for t in tasks if (t.get("Status") or {}).get("State") in ("failed", "rejected"))
    if hits:
        ev = [f"log: {(named or hits)[0]}"]
        if failed:
            ev.append(f"{failed} task(s) of {svc.name} failed: the app exits when the write fails")
        if target:
            ev.append(f"{target} is a swarm config/secret: mounted read-only")
        return ProbeResult(CONFIRMED, ev)
    if not ctx.deployment.converged:
        return ProbeResult(INCONCLUSIVE, [f"{svc.name} did not converge, and its logs hold no read-only error"]
                           + ctx.deployment.evidence[:6], error="the deploy did not converge for another reason")
    ev = [f"{svc.name} ran through start-up ({len(lines)} log line(s)); no 'Read-only file system' in its logs"]
    if target:
        try:
            ctr = ctx.container()
            code, out = sh(ctr, f": >> {shlex.quote(target)}", user=container_user(ctr))
            what = first_line(out, "read-only") or ("the write succeeded" if code == 0 else f"exit {code}")
            ev.append(f"{target} as the container's user: {what}; the app never wrote it")
        except ProbeError:
            pass
    return ProbeResult(REFUTED, ev)


# ------------------------------------------------------------------ stale-overlay

def _norm_image(ref: str) -> str:
    """An image reference as a test reads it: no digest, no default registry or `library/`."""
    from recipelint.model.claims import variants

    return min(variants(ref), key=lambda v: (len(v), v))


def live_check_holds(check: dict, images: dict[str, str], subjects: list[str]) -> bool:
    """Does one claim of the assert hold for the deployed services (name -> image)? The same predicates
    as the T rules (recipelint.model.claims), applied to what the swarm runs."""
    from recipelint.model.claims import SERVICE_MODES, image_matches, services_match

    kind, mode, negative = check.get("kind"), check.get("mode"), bool(check.get("negative"))
    values = [str(v) for v in check.get("values") or []]
    if not values:
        raise ProbeError("a check of the finding has no values")
    if kind == "services":
        if mode not in SERVICE_MODES:
            raise ProbeError(f"unknown services check mode {mode!r}")
        return services_match(mode, set(images), values) != negative
    if kind == "image":
        chosen = [s for s in subjects if s in images] if subjects else sorted(images)
        try:
            if mode == "oneof":
                hit = any(image_matches("eq", images[s], v) for s in chosen for v in values)
            else:
                hit = any(image_matches(mode, images[s], values[0]) for s in chosen)
        except ValueError:
            raise ProbeError(f"unknown image check mode {mode!r}") from None
        return hit != negative
    raise ProbeError(f"unknown check kind {kind!r}")


def _describe_check(check: dict) -> str:
    neg = "not " if check.get("negative") else ""
    vals = ", ".join(repr(v) for v in check.get("values") or [])
    return f"{check.get('kind')} {neg}{check.get('mode')} {vals}"


def _deployed_images(dep) -> dict[str, str]:
    out = {}
    for name, svc in dep.services.items():
        svc.reload()
        spec = ((svc.attrs.get("Spec") or {}).get("TaskTemplate") or {}).get("ContainerSpec") or {}
        out[name] = spec.get("Image") or ""
    return out


def _release_deployment(ctx: ProbeContext, release: str):
    """Deploy the recipe as it is at ``release`` (from git) once per run, as a second owned stack."""
    from .deploy import DeployError, deploy

    cache = ctx.session.__dict__.setdefault("_release_deploys", {})
    if release in cache:
        return cache[release]
    try:
        at = ctx.recipe.at(release)
    except ValueError as exc:
        raise ProbeError(str(exc)) from None
    if at.default.doc is None:
        raise ProbeError(f"release {release}: no compose file to deploy at that tag")
    stack = f"{ctx.session.stack}-rel"
    if ctx.log:
        ctx.log(f"deploying release {release} as {stack}")
    try:
        dep = deploy(ctx.session, at, timeout=ctx.timeout, stack=stack, log=ctx.log)
    except DeployError as exc:
        raise ProbeError(f"release {release} could not be deployed: {exc}") from None
    cache[release] = dep
    return dep


def _stale_key(finding) -> tuple:
    import json

    data = finding.data or {}
    return (json.dumps({k: data.get(k) for k in ("checks", "any_of", "subjects", "release")}, sort_keys=True),)


@probe("stale-overlay", needs_convergence=False, needs_deploy=False, key=_stale_key)
def stale_overlay(ctx: ProbeContext) -> ProbeResult:
    """Deploy the latest release (as the canonical sweep does) and evaluate the test's assert against it."""
    from .deploy import bind_evidence

    data = ctx.finding.data or {}
    checks = data.get("checks")
    if not checks:
        raise ProbeError("the finding carries no structured checks (data.checks): re-run `recipelint check` "
                         "to get a report this runner can confirm")
    release = data.get("release")
    if not release:
        rel = ctx.recipe.latest_release
        if rel is None:
            raise ProbeError("the recipe has no release tag, so there is no release to deploy")
        release = rel.tag
    dep = _release_deployment(ctx, release)
    images = _deployed_images(dep)
    subjects = [s for s in data.get("subjects") or []]
    results = [live_check_holds(c, images, subjects) for c in checks]
    holds = any(results) if data.get("any_of") else all(results)
    where = ", ".join(f"{k}: {_norm_image(v)}" for k, v in sorted(images.items()))
    ev = [f"release {release} deployed as stack {dep.stack}: services {{{', '.join(sorted(images))}}}",
          f"images: {where}",
          ("converged" if dep.converged else "did not converge (the service specs still show what it deploys)")]
    ev += bind_evidence(dep)
    for c, r in zip(checks, results):
        ev.append(f"check {_describe_check(c)}: {'holds' if r else 'fails'} on the deployed release")
    src = data.get("assert")
    if holds:
        ev.append(f"the assert{f' `{src}`' if src else ''} passes against the release: the test is not stale")
        return ProbeResult(REFUTED, ev)
    ev.append(f"the assert{f' `{src}`' if src else ''} fails against the release the sweep deploys")
    return ProbeResult(CONFIRMED, ev)


# ------------------------------------------------------------------ backup-roundtrip

def _service_labels(svc) -> dict[str, str]:
    """Labels as backupbot sees them: container labels, then deploy labels (deploy wins)."""
    spec = svc.attrs.get("Spec") or {}
    out = dict(((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Labels") or {})
    out.update(spec.get("Labels") or {})
    return out


class _Db:
    """SQL in the service's container, with the credentials its environment gives."""

    def __init__(self, ctr):
        self.ctr = ctr
        env = container_env(ctr)
        if any(k.startswith("POSTGRES_") for k in env) or "PGDATA" in env:
            self.kind = "postgres"
            self.who = f"{env.get('POSTGRES_USER', 'postgres')}@{env.get('POSTGRES_DB') or env.get('POSTGRES_USER', 'postgres')}"
        elif any(k.startswith(("MYSQL_", "MARIADB_")) for k in env):
            self.kind = "mysql"
            self.who = f"root@{env.get('MYSQL_DATABASE') or env.get('MARIADB_DATABASE') or '?'}"
        else:
            raise ProbeError("the service's environment names no database (POSTGRES_*, MYSQL_*, MARIADB_*): "
                             "cannot write a marker")

    def run(self, sql: str) -> tuple[int, str]:
        q = shlex.quote(sql)
        if self.kind == "postgres":
            script = ('export PGPASSWORD="${POSTGRES_PASSWORD:-$(cat "${POSTGRES_PASSWORD_FILE:-/dev/null}" '
                      '2>/dev/null)}"; psql -X -q -v ON_ERROR_STOP=1 -tA -U "${POSTGRES_USER:-postgres}" '
                      f'-d "${{POSTGRES_DB:-${{POSTGRES_USER:-postgres}}}}" -c {q}')
        else:
            script = ('P="${MYSQL_ROOT_PASSWORD:-${MARIADB_ROOT_PASSWORD:-$(cat "${MYSQL_ROOT_PASSWORD_FILE:-'
                      '${MARIADB_ROOT_PASSWORD_FILE:-/dev/null}}" 2>/dev/null)}}"; '
                      'DB="${MYSQL_DATABASE:-$MARIADB_DATABASE}"; '
                      '$(command -v mariadb || echo mysql) -N -uroot -p"$P" "$DB" -e ' + q)
        return sh(self.ctr, script)


def _backup_paths(ctx, ctr, labels: dict[str, str]) -> list[str]:
    """The container paths backupbot copies, from the labels (or every volume, as backupbot does)."""
    mounts = [m for m in ctr.attrs.get("Mounts") or [] if m.get("Type") == "volume"]
    by_vol = {}
    for key, name in ctx.deployment.volumes.items():
        for m in mounts:
            if m.get("Name") == name:
                by_vol[key] = m["Destination"]
    paths: list[str] = []
    for k, v in labels.items():
        m = re.fullmatch(r"backupbot\.backup\.volumes\.([^.]+)\.path", k)
        if m:
            dest = by_vol.get(m.group(1))
            if dest is None:
                raise ProbeError(f"label {k}: volume {m.group(1)!r} is not mounted in the service")
            paths += [str(PurePosixPath(dest) / p.strip().lstrip("/")) for p in v.split(",") if p.strip()]
    if not paths and labels.get("backupbot.backup.path"):
        paths = [p.strip() for p in labels["backupbot.backup.path"].split(",") if p.strip()]
    if not paths:
        paths = [dest for key, dest in by_vol.items()
                 if labels.get(f"backupbot.backup.volumes.{key}", "true").lower() != "false"]
    return paths


def _hook(ctr, labels, key, ev) -> None:
    cmd = labels.get(key)
    if not cmd:
        ev.append(f"no {key}")
        return
    code, out = sh(ctr, cmd)
    ev.append(f"{key} `{cmd}` -> exit {code}" + (f": {first_line(out)}" if code and out.strip() else ""))
    if code != 0 and key.endswith("pre-hook") and "backup." in key:
        raise ProbeError(f"{key} failed (exit {code}): {first_line(out)}")


@probe("backup-roundtrip", key=lambda f: (f.service,))
def backup_roundtrip(ctx: ProbeContext) -> ProbeResult:
    """Marker row -> backup as backupbot -> drop marker -> restore as backupbot -> is the marker back?"""
    svc = ctx.service()
    svc.reload()
    labels = _service_labels(svc)
    ctr = ctx.container()
    db = _Db(ctr)
    token = _secrets_hex()
    ev: list[str] = []
    code, out = db.run(f"DROP TABLE IF EXISTS ci_marker; CREATE TABLE ci_marker (v text); "
                       f"INSERT INTO ci_marker VALUES ('{token}');")
    if code != 0:
        raise ProbeError(f"cannot write the marker ({db.kind} as {db.who}): {first_line(out, 'error')}")
    ev.append(f"marker: table ci_marker with one row, written with {db.kind} as {db.who}")
    # backup, as backupbot does it
    _hook(ctr, labels, "backupbot.backup.pre-hook", ev)
    saved: list[tuple[str, bytes]] = []
    for path in _backup_paths(ctx, ctr, labels):
        try:
            stream, stat = ctr.get_archive(path)
            data = b"".join(stream)
        except Exception as exc:  # noqa: BLE001 - docker.errors.NotFound and friends
            raise ProbeError(f"backup path {path} cannot be copied out: {' '.join(str(exc).split())[:200]}") \
                from None
        saved.append((path, data))
        ev.append(f"backup: copied {path} ({_tar_size(data)} bytes)")
    _hook(ctr, labels, "backupbot.backup.post-hook", ev)
    # destroy the marker
    code, out = db.run("DROP TABLE ci_marker;")
    if code != 0:
        raise ProbeError(f"cannot drop the marker: {first_line(out, 'error')}")
    ev.append("dropped table ci_marker")
    # restore, as backupbot does it
    _hook(ctr, labels, "backupbot.restore.pre-hook", ev)
    for path, data in saved:
        parent = str(PurePosixPath(path).parent)
        if not ctr.put_archive(parent, data):
            raise ProbeError(f"cannot put {path} back into the container")
        ev.append(f"restore: put {path} back")
    _hook(ctr, labels, "backupbot.restore.post-hook", ev)
    # is the marker back?
    code, out = db.run("SELECT v FROM ci_marker;")
    if code == 0 and token in out:
        ev.append("check: SELECT v FROM ci_marker -> the marker row is back")
        return ProbeResult(REFUTED, ev)
    if code != 0:
        ev.append(f"check: {first_line(out, 'error')}")
        return ProbeResult(CONFIRMED, ev)
    ev.append(f"check: ci_marker exists but the marker row is missing ({first_line(out) or 'no rows'})")
    return ProbeResult(CONFIRMED, ev)


def _tar_size(data: bytes) -> int:
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            return sum(m.size for m in tf.getmembers() if m.isfile())
    except tarfile.TarError:
        return len(data)


def _secrets_hex() -> str:
    import secrets

    return secrets.token_hex(8)


# ------------------------------------------------------------------ shared-network-dns

_IPV4 = re.compile(r"\b(\d{1,3}(?:\.\d{1,3}){3})\b")


def _service_addresses(client, svc, network_ids: set[str] | None = None) -> list[str]:
    """VIPs and task addresses of a service, optionally on some networks only."""
    svc.reload()
    out = []
    for vip in ((svc.attrs.get("Endpoint") or {}).get("VirtualIPs") or []):
        if network_ids is None or vip.get("NetworkID") in network_ids:
            out.append(vip.get("Addr", "").split("/")[0])
    for t in svc.tasks(filters={"desired-state": "running"}):
        for att in t.get("NetworksAttachments") or []:
            if network_ids is None or (att.get("Network") or {}).get("ID") in network_ids:
                out += [a.split("/")[0] for a in att.get("Addresses") or []]
    return [a for a in out if a]


def resolve_in(ctr, name: str) -> tuple[list[str], str]:
    """Addresses ``name`` resolves to inside a container (getent, else nslookup), and the tool's output."""
    q = shlex.quote(name)
    script = (f"if command -v getent >/dev/null 2>&1; then echo '# getent hosts {name}'; getent hosts {q}; "
              f"else echo '# nslookup {name}'; nslookup {q} 2>&1; fi")
    code, out = sh(ctr, script)
    lines = out.splitlines()
    addrs: list[str] = []
    in_answer = lines[:1] and lines[0].startswith("# getent")
    for line in lines[1:]:
        # nslookup prints the server first ("Server: 127.0.0.11", "Address: 127.0.0.11:53")
        if line.strip().lower().startswith("name:"):
            in_answer = True
            continue
        if in_answer or line.strip().lower().startswith(("address 1", "non-authoritative")):
            for a in _IPV4.findall(line):
                if a != "127.0.0.11" and a not in addrs:
                    addrs.append(a)
    if not addrs:  # busybox nslookup without "Name:" lines: every address but the resolver's
        for a in _IPV4.findall("\n".join(lines[1:])):
            if a != "127.0.0.11" and a not in addrs:
                addrs.append(a)
    return addrs, out


@probe("shared-network-dns")
def shared_network_dns(ctx: ProbeContext) -> ProbeResult:
    """Deploy a decoy stack with a service of the same bare name on the shared network; resolve from the caller."""
    from recipelint.model.envfile import interpolate

    from .deploy import wait_converged

    data = ctx.finding.data or {}
    dep = ctx.deployment
    caller = data.get("caller") or ctx.finding.service
    raw_name = data.get("name") or data.get("host") or data.get("target_name")
    if not caller or not raw_name:
        raise ProbeError("the finding names no caller service or host name (data.caller/.name)")
    name = interpolate(raw_name, dep.env, keep_unknown=False)
    target = data.get("target") or raw_name
    net_key = data.get("network")
    caller_svc = ctx.service(caller)
    if net_key is None:
        shared = [k for k, v in dep.networks.items() if not v.startswith(dep.stack + "_")]
        if not shared:
            raise ProbeError(f"service {caller!r} is on no shared network")
        net_key = shared[0]
    net_name = dep.networks.get(net_key)
    if net_name is None:
        raise ProbeError(f"network {net_key!r} is not part of the deployment")
    client = ctx.client
    net = client.networks.get(net_name)
    # the decoy: another stack's service answering to the bare name on the shared network
    decoy_stack = f"{dep.stack}-decoy"
    image = (caller_svc.attrs["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"])
    from docker.types import NetworkAttachmentConfig, RestartPolicy

    decoy = client.services.create(
        image, name=f"{decoy_stack}_{target}", command=["sh", "-c", "exec sleep 3600"],
        labels=ctx.session.labels(decoy_stack), container_labels=ctx.session.labels(decoy_stack),
        networks=[NetworkAttachmentConfig(net.id, aliases=[target])],
        restart_policy=RestartPolicy(condition="none"), stop_grace_period=int(1e9))
    ctx.session.record("service", decoy.id, decoy.name)
    ok, why = wait_converged(client, {"decoy": decoy}, 60, settle=0)
    if not ok:
        raise ProbeError("the decoy service did not start: " + "; ".join(why[:3]))
    ctr = ctx.container(caller)
    own_svc = dep.services.get(target)
    own = _service_addresses(client, own_svc) if own_svc is not None else []
    decoy_addrs = _service_addresses(client, decoy)
    for _ in range(20):  # the decoy's bare name reaches the resolver a moment after its task starts
        probe_addrs, _ = resolve_in(ctr, target)
        if any(a in decoy_addrs for a in probe_addrs):
            break
        time.sleep(0.5)
    addrs, out = resolve_in(ctr, name)
    tool = out.splitlines()[0].lstrip("# ") if out else f"resolve {name}"
    ev = [f"{tool} in {caller} -> {', '.join(addrs) or 'no answer'}",
          f"this stack's {target}: {', '.join(own) or 'none'}",
          f"decoy {decoy.name} on {net_name}: {', '.join(decoy_addrs)}"]
    if not addrs:
        return ProbeResult(INCONCLUSIVE, ev + [f"{name} did not resolve in {caller}"])
    foreign = [a for a in addrs if a not in own]
    if foreign:
        ev.append(f"{name} answers with {', '.join(foreign)}, not this stack's {target}"
                  + (" (the decoy)" if all(a in decoy_addrs for a in foreign) else ""))
        return ProbeResult(CONFIRMED, ev)
    ev.append(f"{name} answers only with this stack's {target}")
    return ProbeResult(REFUTED, ev)
