"""Deploy a recipe's default compose variant through the docker SDK, the way `docker stack deploy` would.

Naming follows the stack deployer: services `<stack>_<svc>` (alias `<svc>` on each of their
networks), networks `<stack>_<net>` (overlay, attachable), volumes `<stack>_<vol>`, configs and
secrets `<stack>_<key>` unless the recipe names them (`name: ${STACK_NAME}_x_${X_VERSION}`).
External networks (`proxy`) are used when present and created (owned, removed afterwards) when not.
Every secret gets a fresh random value, for this stack only (``session.new_secret_value``); values
are never printed or logged, and the session redacts them from anything the run reports.
A volume, secret, config or network that exists and is not the session's is never reused - except an
external network such as `proxy`, which is joined as is and left alone.

What an isolation deploy leaves out on purpose: published ports (the ingress mesh is shared and a
port may be taken), placement constraints (one local node), resource limits, update configs. The
stop grace period is short so teardown is quick.

Bind mounts (ADR 0017, binds.py): nothing is bound from the host. A source inside the recipe is
copied into the session's temporary directory and the copy is bound; a source that exists and is not
a directory (a host file, the docker socket, a device) becomes an empty file of the session's; any
other bind (a host directory, a missing source, or any bind when the engine is remote) becomes an
empty tmpfs at the same target. Each adaptation is a line of ``Deployment.notes``.
"""

from __future__ import annotations

import re
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .binds import COPY, EMPTY_FILE, TMPFS, BindPlan, CopyError, copy_into, engine_is_local, plan_bind

# Values that would point a recipe at the outside world; replaced with local ones.
SAFE_ENV = {
    "LETS_ENCRYPT_ENV": "staging",
    "SMTP_HOST": "localhost",
}


@dataclass
class Deployment:
    stack: str
    env: dict[str, str]
    services: dict[str, object] = field(default_factory=dict)  # compose name -> docker Service
    networks: dict[str, str] = field(default_factory=dict)  # compose name -> docker name
    volumes: dict[str, str] = field(default_factory=dict)
    configs: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was left out or adapted
    converged: bool = False
    evidence: list[str] = field(default_factory=list)  # why it did not converge
    seconds: dict[str, float] = field(default_factory=dict)

    def service_name(self, svc: str) -> str:
        return f"{self.stack}_{svc}"


def bind_evidence(dep) -> list[str]:
    """The deploy's bind-mount adaptations (ADR 0017), as lines of a verdict's evidence."""
    return [f"deploy: {n}" for n in dep.notes if ": bind mount " in n]


class DeployError(Exception):
    pass


def local_env(recipe, stack: str) -> dict[str, str]:
    """The env a deploy interpolates with: `.env.sample` and abra.sh, local-safe values, STACK_NAME."""
    from recipelint.model.envfile import interpolate

    env: dict[str, str] = {k: a.value for k, a in recipe.abra.items()}
    domain = f"{stack}.localhost"
    raw = {}
    for a in recipe.env.assigns:
        if a.active:
            raw[a.name] = a.value
    raw["DOMAIN"] = domain
    raw["STACK_NAME"] = stack
    for k, v in SAFE_ENV.items():
        if k in raw:
            raw[k] = v
    for k, v in raw.items():
        env[k] = interpolate(v, env, keep_unknown=False) if "$" in v else v
    for k in list(env):
        # other host names that would leave the machine: keep them under the local domain
        if k.endswith("_DOMAIN") and k != "DOMAIN" and "." in env[k] and not env[k].endswith(".localhost"):
            env[k] = f"{k.lower().replace('_', '-')}.{domain}"
    env["DOMAIN"] = domain
    env["STACK_NAME"] = stack
    return env


def _interp(value, env):
    from recipelint.model.envfile import interpolate

    if isinstance(value, str):
        return interpolate(value, env, keep_unknown=False)
    if isinstance(value, dict):
        return {k: _interp(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interp(v, env) for v in value]
    return value


_DUR = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT = {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}


def duration_ns(text) -> int | None:
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return int(text * 1e9)
    total = 0.0
    pos = 0
    s = str(text).strip()
    for m in _DUR.finditer(s):
        if m.start() != pos:
            raise DeployError(f"cannot read duration {text!r}")
        total += float(m.group(1)) * _UNIT[m.group(2)]
        pos = m.end()
    if pos != len(s) or not s:
        raise DeployError(f"cannot read duration {text!r}")
    return int(total)


def _mode(node) -> int | None:
    """A file mode as compose means it: `0440` is octal (YAML 1.1), like docker's loader reads it."""
    if node is None or node.text is None:
        return None
    t = node.text
    if re.fullmatch(r"0o?[0-7]+", t):
        return int(t.replace("o", ""), 8)
    return int(t)


def _words(v) -> list[str] | None:
    if v is None:
        return None
    if isinstance(v, list):
        return [str(x) for x in v]
    return shlex.split(str(v))


def _env_list(env_map: dict, env: dict) -> list[str]:
    out = []
    for k, v in (env_map or {}).items():
        if v is None:
            if k in env:
                out.append(f"{k}={env[k]}")
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        out.append(f"{k}={v}")
    return out


def _labels(node) -> dict:
    if not node:
        return {}
    return {str(k): ("" if v is None else ("true" if v is True else "false" if v is False else str(v)))
            for k, v in node.items()}


def deploy(session, recipe, *, timeout: float = 120.0, view=None, stack: str | None = None, log=None) -> Deployment:
    """Create everything the default variant needs, start the services and wait for convergence."""
    log = log or session.log
    stack = stack or session.stack
    view = view or recipe.default
    if view.doc is None:
        raise DeployError(f"{recipe.name}: no compose document to deploy ({', '.join(view.files)})")
    env = local_env(recipe, stack)
    dep = Deployment(stack=stack, env=env)
    t0 = time.monotonic()
    _create_resources(session, recipe, view, env, dep)
    _create_services(session, recipe, view, env, dep)
    dep.seconds["deploy"] = round(time.monotonic() - t0, 2)
    log(f"deployed {stack}: {len(dep.services)} service(s) in {dep.seconds['deploy']}s; waiting for convergence")
    t1 = time.monotonic()
    dep.converged, dep.evidence = wait_converged(session.client, dep.services, timeout,
                                                 pause=session.checkpoint)
    dep.seconds["converge"] = round(time.monotonic() - t1, 2)
    log(("converged" if dep.converged else "did not converge") + f" in {dep.seconds['converge']}s")
    return dep


def _name_of(kind: str, key: str, node, stack: str, env: dict) -> tuple[str, bool]:
    """(docker name, external?) of a top-level network/volume/config/secret."""
    external = False
    name = None
    if node is not None and node.is_map:
        ext = node.get("external")
        if ext is not None:
            if ext.is_map:
                external = True
                n = ext.get("name")
                name = n.text if n is not None else None
            else:
                external = ext.value is True
        n = node.get("name")
        if n is not None and n.text:
            name = n.text
    if name:
        return _interp(name, env), external
    if external:
        return key, True
    return f"{stack}_{key}", False


def _create_resources(session, recipe, view, env, dep: Deployment) -> None:
    from docker.errors import APIError

    c = session.client
    labels = session.labels(dep.stack)
    # networks: declared ones, plus `default` when a service has none
    nets = dict(view.networks)
    if any(not s.networks for s in view.services.values()):
        nets.setdefault("default", None)
    for key, node in nets.items():
        name, external = _name_of("network", key, node, dep.stack, env)
        dep.networks[key] = name
        existing = [n for n in c.networks.list(names=[name]) if n.name == name]
        if existing:
            if not external:
                raise DeployError(f"network {name} already exists and is not this session's; refusing to reuse it")
            dep.notes.append(f"external network {name} exists; used as is, left alone afterwards")
            continue
        driver = "overlay"
        if node is not None and node.is_map and node.get("driver") is not None and node.get("driver").text:
            driver = node.get("driver").text
        net = _create_network(c, name, driver, labels)
        session.record("network", net.id, name)
        if external:
            dep.notes.append(f"external network {name} was missing; created it for this run")
    # volumes
    for key, node in view.volumes.items():
        name, external = _name_of("volume", key, node, dep.stack, env)
        dep.volumes[key] = name
        if external:
            # a service mount creates a missing one (with the session's labels); an existing one holds
            # someone's data, which an isolation deploy must not mount
            if _foreign_volume(c, session, name):
                raise DeployError(f"volume {key} is external and {name} exists; an isolation deploy does not "
                                  "mount a volume it does not own")
            continue
        vol = c.volumes.create(name=name, driver="local", labels=labels)
        # creating a volume that exists returns the existing one, labels and data untouched
        if not session.owns(vol.attrs):
            raise DeployError(f"volume {name} already exists and is not this session's; refusing to use it")
        session.record("volume", vol.id, name)
    # secrets: a random value each, for this stack only
    for key, node in view.secrets.items():
        name, external = _name_of("secret", key, node, dep.stack, env)
        data = None
        if node is not None and node.is_map and node.get("file") is not None and not external:
            src = recipe.config_source(view, "secret", key)
            data = src.text if src is not None else None
        if data is None:
            data = session.new_secret_value()
        else:
            session.remember_secret(data)
        try:
            sec = c.secrets.create(name=name, data=data.encode(), labels=labels)
        except APIError as exc:
            raise DeployError(f"cannot create secret {name}: {exc.explanation or exc}") from None
        session.record("secret", sec.id, name)
        dep.secrets[key] = name
    # configs: file sources from the recipe, golang templating when asked
    for key, node in view.configs.items():
        name, external = _name_of("config", key, node, dep.stack, env)
        if external:
            raise DeployError(f"config {key} is external ({name}); an isolation deploy cannot provide it")
        src = recipe.config_source(view, "config", key)
        if src is None or src.text is None:
            raise DeployError(f"config {key}: its file ({src.path if src else '?'}) is missing from the recipe")
        templating = {"name": "golang"} if src.template else None
        try:
            cfg_id = c.api.create_config(name, src.text.encode(), labels=labels, templating=templating)
        except APIError as exc:
            raise DeployError(f"cannot create config {name}: {exc.explanation or exc}") from None
        cfg_id = cfg_id.get("ID") if isinstance(cfg_id, dict) else cfg_id
        session.record("config", cfg_id, name)
        dep.configs[key] = name


def _foreign_volume(c, session, name: str) -> bool:
    return any(v.name == name and not session.owns(v.attrs) for v in c.volumes.list(filters={"name": name}))


def _create_network(c, name: str, driver: str, labels: dict):
    """Create a network; retry a name conflict for a while (a network that a previous run removed can
    linger on the node for a few seconds after it left the swarm's store)."""
    from docker.errors import APIError

    deadline = time.monotonic() + 15
    while True:
        try:
            return c.networks.create(name, driver=driver, attachable=True,
                                     scope="swarm" if driver == "overlay" else None, labels=labels)
        except APIError as exc:
            if exc.status_code != 409 or time.monotonic() > deadline:
                raise DeployError(f"cannot create network {name}: {exc.explanation or exc}") from None
            time.sleep(0.5)


def _bind_mount(session, recipe, view, key: str, src: str | None, tgt: str, read_only: bool, dep: Deployment,
                local: bool, index: int):
    """The Mount that stands in for one bind mount of service ``key``: a private copy, an empty file of
    the session's (for a source that is a file, socket or device) or an empty tmpfs."""
    from docker.types import Mount

    # docker resolves a relative source against the folder of the first compose file
    first = view.files[0] if view.files else "compose.yml"
    base = recipe.root / PurePosixPath(first).parent
    plan = plan_bind(src or "", recipe_root=recipe.root, base_dir=base, local_engine=local,
                     release=getattr(recipe, "rev", None))
    import tempfile

    def holder() -> Path:  # a directory per mount (a probe may deploy the recipe again in the same session)
        return Path(tempfile.mkdtemp(prefix=f"{re.sub(r'[^A-Za-z0-9_.-]', '-', key)}-{index}-",
                                     dir=session.private_dir()))

    if plan.action == COPY:
        try:
            dest = holder() / (plan.path.name or "root")
            copy_into(plan.path, dest)
        except (OSError, CopyError) as exc:
            why = str(exc) if isinstance(exc, CopyError) else f"it could not be copied ({exc.strerror or exc})"
            plan = BindPlan(TMPFS, plan.source, reason=why)
        else:
            dep.notes.append(f"service {key}: bind mount {src} -> a private copy at {tgt}"
                             f"{' (read-only)' if read_only else ''} (the working tree is never written)")
            return Mount(tgt, str(dest), type="bind", read_only=read_only)
    if plan.action == EMPTY_FILE:
        try:
            empty = holder() / (PurePosixPath(tgt).name or "empty")
            empty.touch(mode=0o644, exist_ok=False)
        except OSError as exc:
            plan = BindPlan(TMPFS, plan.source, reason=f"{plan.reason}; an empty file could not be made "
                                                       f"({exc.strerror or exc})")
        else:
            dep.notes.append(f"service {key}: bind mount {src} at {tgt} replaced by an empty file: {plan.reason}")
            return Mount(tgt, str(empty), type="bind", read_only=read_only)
    dep.notes.append(f"service {key}: bind mount {src or '(no source)'} at {tgt} replaced by an empty tmpfs: "
                     f"{plan.reason}")
    return Mount(tgt, None, type="tmpfs")


def _create_services(session, recipe, view, env, dep: Deployment) -> None:
    from docker.errors import APIError
    from docker.types import (ConfigReference, EndpointSpec, Healthcheck, Mount, NetworkAttachmentConfig,
                              RestartPolicy, SecretReference, ServiceMode)

    c = session.client
    local = engine_is_local(c)
    cfg_ids = {x.name: x.id for x in session.created if x.kind == "config"}
    sec_ids = {x.name: x.id for x in session.created if x.kind == "secret"}
    for key, svc in view.services.items():
        spec = _interp(svc.node.plain(), env)
        name = dep.service_name(key)
        image = spec.get("image")
        if not image:
            raise DeployError(f"service {key}: no image")
        labels = session.labels(dep.stack, _labels((spec.get("deploy") or {}).get("labels")))
        labels["com.docker.stack.image"] = image
        clabels = session.labels(dep.stack, _labels(spec.get("labels")))
        # networks, with the bare service name as alias on each (what makes `app` resolve)
        netmap = spec.get("networks") or {"default": None}
        networks = []
        for net in netmap:
            if net not in dep.networks:
                raise DeployError(f"service {key}: network {net} is not declared")
            aliases = [key] + [a for a in (_interp(x, env) for x in svc.aliases(net)) if a and a != key]
            networks.append(NetworkAttachmentConfig(dep.networks[net], aliases=aliases))
        mounts = []
        for m in svc.mounts:
            src = _interp(m.source, env) if m.source else None
            tgt = _interp(m.target, env)
            if m.type == "volume":
                if src and src not in dep.volumes:
                    raise DeployError(f"service {key}: volume {src} is not declared")
                vname = dep.volumes[src] if src else None
                mounts.append(Mount(tgt, vname, type="volume", read_only=m.read_only,
                                    labels=session.labels(dep.stack)))
            elif m.type == "bind":
                mounts.append(_bind_mount(session, recipe, view, key, src, tgt, m.read_only, dep, local,
                                          len(mounts)))
            else:
                mounts.append(Mount(tgt, None, type="tmpfs"))
        configs = []
        for ref in svc.filerefs("config"):
            cname = dep.configs.get(ref.source)
            if cname is None:
                raise DeployError(f"service {key}: config {ref.source} is not declared")
            uid = gid = None
            mode = _mode(ref.node.get("mode")) if ref.node.is_map else None
            if ref.node.is_map:
                uid = ref.node.get("uid").text if ref.node.get("uid") is not None else None
                gid = ref.node.get("gid").text if ref.node.get("gid") is not None else None
            configs.append(ConfigReference(cfg_ids[cname], cname, filename=_interp(ref.target, env),
                                           uid=uid or "0", gid=gid or "0", mode=mode if mode is not None else 0o444))
        secrets = []
        for ref in svc.filerefs("secret"):
            sname = dep.secrets.get(ref.source)
            if sname is None:
                raise DeployError(f"service {key}: secret {ref.source} is not declared")
            mode = _mode(ref.node.get("mode")) if ref.node.is_map else None
            # the file name as `docker stack deploy` sends it: the target as written, else the source. It is
            # also what `{{ secret "..." }}` matches, so `target: /run/secrets/x` must stay that (not `x`:
            # a template reading "x" fails on a real swarm, and so it must here)
            tn = ref.node.get("target") if ref.node.is_map else None
            target = _interp(tn.text, env) if tn is not None and tn.text else ref.source
            secrets.append(SecretReference(sec_ids[sname], sname, filename=target,
                                           mode=mode if mode is not None else 0o444))
        hc = None
        h = spec.get("healthcheck")
        if isinstance(h, dict):
            if h.get("disable"):
                hc = Healthcheck(test=["NONE"])
            else:
                test = h.get("test")
                if isinstance(test, str):
                    test = ["CMD-SHELL", test]
                hc = Healthcheck(test=test, interval=duration_ns(h.get("interval")),
                                 timeout=duration_ns(h.get("timeout")), retries=h.get("retries"),
                                 start_period=duration_ns(h.get("start_period")))
        deploy_ = spec.get("deploy") or {}
        mode = ServiceMode("global") if deploy_.get("mode") == "global" else \
            ServiceMode("replicated", replicas=int(deploy_.get("replicas", 1)))
        rp = deploy_.get("restart_policy") or {}
        restart = RestartPolicy(condition=rp.get("condition", "any"),
                                delay=duration_ns(rp.get("delay")) or int(2e9),
                                max_attempts=int(rp.get("max_attempts", 0) or 0),
                                window=duration_ns(rp.get("window")) or 0)
        if (deploy_.get("placement") or {}).get("constraints"):
            dep.notes.append(f"service {key}: placement constraints left out (one local node)")
        if spec.get("ports"):
            dep.notes.append(f"service {key}: published ports left out (isolation deploy)")
        env_list = _env_list(spec.get("environment"), env)
        kwargs = dict(
            name=name, command=_words(spec.get("entrypoint")), args=_words(spec.get("command")),
            env=env_list, labels=labels, container_labels=clabels, networks=networks, mounts=mounts,
            configs=configs or None, secrets=secrets or None, healthcheck=hc, mode=mode, restart_policy=restart,
            endpoint_spec=EndpointSpec(mode=deploy_.get("endpoint_mode") or "vip"),
            user=spec.get("user"), workdir=spec.get("working_dir"), hostname=spec.get("hostname"),
            stop_grace_period=int(2e9), tty=bool(spec.get("tty")) or None,
            init=spec.get("init"), read_only=spec.get("read_only"), cap_add=spec.get("cap_add"),
        )
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        try:
            obj = c.services.create(image, **kwargs)
        except APIError as exc:
            raise DeployError(f"cannot create service {name}: {exc.explanation or exc}") from None
        session.record("service", obj.id, name)
        dep.services[key] = obj
        session.checkpoint("deploy")


# ------------------------------------------------------------------ convergence

def _task_health(client, task) -> str | None:
    cid = ((task.get("Status") or {}).get("ContainerStatus") or {}).get("ContainerID")
    if not cid:
        return None
    try:
        ctr = client.api.inspect_container(cid)
    except Exception:  # noqa: BLE001 - gone between two polls
        return None
    h = (ctr.get("State") or {}).get("Health")
    return h.get("Status") if h else "none"


def _wanted(svc) -> int:
    mode = svc.attrs["Spec"].get("Mode") or {}
    if "Global" in mode:
        return 1
    return int((mode.get("Replicated") or {}).get("Replicas", 1))


def service_state(client, svc, seen: dict | None = None, settle: float = 0.0) -> tuple[int, int, list[dict]]:
    """(healthy running tasks, failed tasks so far, tasks).

    Without a healthcheck a task counts once it has been seen running for ``settle`` seconds
    (``seen`` remembers when each task was first seen running), so an app that starts and
    crashes a moment later is not taken for converged."""
    tasks = svc.tasks()
    has_hc = bool(((svc.attrs["Spec"].get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Healthcheck"))
    ok = 0
    failed = 0
    for t in tasks:
        st = (t.get("Status") or {}).get("State")
        if st in ("failed", "rejected", "complete", "shutdown") and (t.get("DesiredState") != "running" or
                                                                      st in ("failed", "rejected")):
            if st in ("failed", "rejected"):
                failed += 1
            continue
        if st == "running" and t.get("DesiredState") == "running":
            if has_hc:
                ok += _task_health(client, t) == "healthy"
            elif seen is None:
                ok += 1
            else:
                first = seen.setdefault(t["ID"], time.monotonic())
                ok += time.monotonic() - first >= settle
    return ok, failed, tasks


def wait_converged(client, services: dict, timeout: float, *, crash_loop: int = 2,
                   settle: float = 2.0, pause=None) -> tuple[bool, list[str]]:
    """Wait until every service has its replicas running (and healthy when it has a healthcheck;
    running for ``settle`` seconds when it has none).

    Gives up early when a service has failed ``crash_loop`` times: waiting longer only repeats the crash.
    ``pause(phase)`` is called on every round (the session's checkpoint: signals, test pauses).
    """
    deadline = time.monotonic() + timeout
    seen: dict = {}
    while True:
        if pause is not None:
            pause("converge")
        pending = []
        looping = []
        for key, svc in services.items():
            svc.reload()
            ok, failed, _ = service_state(client, svc, seen, settle)
            if ok < _wanted(svc):
                pending.append(key)
                if failed >= crash_loop:
                    looping.append(key)
        if not pending:
            return True, []
        if looping or time.monotonic() > deadline:
            why = (f"crash loop in {', '.join(looping)}" if looping else
                   f"timed out after {timeout:g}s waiting for {', '.join(pending)}")
            return False, [why] + task_evidence(client, {k: services[k] for k in pending})
        time.sleep(0.5)


def task_evidence(client, services: dict, tail: int = 8) -> list[str]:
    """Task errors and the last log lines of each service's latest containers."""
    out = []
    for key, svc in services.items():
        tasks = sorted(svc.tasks(), key=lambda t: t.get("UpdatedAt") or "", reverse=True)
        for t in tasks[:2]:
            st = t.get("Status") or {}
            msg = st.get("Err") or st.get("Message") or ""
            out.append(f"{key}: task {t['ID'][:12]} {st.get('State')}: {msg}".rstrip(": "))
            cid = (st.get("ContainerStatus") or {}).get("ContainerID")
            if cid:
                for line in container_logs(client, cid, tail):
                    out.append(f"{key}: log: {line}")
    return out


def container_logs(client, cid: str, tail: int = 50) -> list[str]:
    try:
        raw = client.api.logs(cid, stdout=True, stderr=True, tail=tail)
    except Exception:  # noqa: BLE001
        return []
    return [x for x in raw.decode("utf-8", "replace").splitlines() if x.strip()]


def running_container(client, svc):
    """The docker Container of a service's running task, or None."""
    svc.reload()
    for t in svc.tasks(filters={"desired-state": "running"}):
        st = t.get("Status") or {}
        cid = (st.get("ContainerStatus") or {}).get("ContainerID")
        if st.get("State") == "running" and cid:
            try:
                return client.containers.get(cid)
            except Exception:  # noqa: BLE001
                continue
    return None
