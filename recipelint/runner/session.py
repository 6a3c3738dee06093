"""A SwarmSession: one isolation run on a Docker swarm, owning everything it creates.

Ownership: every object the session creates (services, their containers, networks, volumes,
configs, secrets) carries ``io.recipelint.owner=<session id>`` and
``com.docker.stack.namespace=<stack>``. Teardown removes only objects that carry the owner
label *and* that this session created or that the engine created for its services (task
containers, volumes made implicitly by a mount). A pre-existing network such as ``proxy`` has no
owner label and is never touched, whatever its name.

Teardown runs from ``close()`` (call it in ``finally``) and from SIGINT/SIGTERM, removes
services first, waits for their containers to be gone, then removes volumes, configs, secrets and
networks, and finally lists everything still carrying the owner label: that list is the residue.
"""

from __future__ import annotations

import re
import secrets as _secrets
import signal
import time
from dataclasses import dataclass, field

OWNER_LABEL = "io.recipelint.owner"
STACK_LABEL = "com.docker.stack.namespace"
KINDS = ("service", "container", "volume", "config", "secret", "network")


class SessionError(Exception):
    """The session cannot run (engine unreachable, not a swarm manager...). One clear line."""


@dataclass
class Created:
    kind: str
    id: str
    name: str


@dataclass
class TeardownReport:
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    residue: list[str] = field(default_factory=list)  # "kind name" still carrying the owner label
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not self.residue


def slug(name: str, limit: int = 20) -> str:
    s = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return (s[:limit].strip("-")) or "recipe"


def connect(client=None):
    """A docker client for DOCKER_HOST (default: the local socket) that is a swarm manager."""
    import docker
    from docker.errors import DockerException

    try:
        client = client or docker.from_env(timeout=60)
        client.ping()
        info = client.info()
    except DockerException as exc:
        raise SessionError(f"cannot reach the Docker engine (DOCKER_HOST or the local socket): {_short(exc)}") \
            from None
    except Exception as exc:  # noqa: BLE001 - requests/urllib3 errors when the socket is absent
        raise SessionError(f"cannot reach the Docker engine (DOCKER_HOST or the local socket): {_short(exc)}") \
            from None
    sw = info.get("Swarm") or {}
    if sw.get("LocalNodeState") != "active":
        raise SessionError("the Docker engine is not part of a swarm (state: "
                           f"{sw.get('LocalNodeState') or 'unknown'}); run `docker swarm init` first")
    if not sw.get("ControlAvailable"):
        raise SessionError("the Docker engine is in a swarm but is not a manager; run confirm against a manager "
                           "node (set DOCKER_HOST)")
    return client


def _short(exc) -> str:
    text = " ".join(str(exc).split())
    return text[:300]


class SwarmSession:
    """Owns one isolation deploy. Use as a context manager, or call ``close()`` in ``finally``."""

    def __init__(self, recipe_name: str, *, client=None, keep: bool = False, log=None):
        self.client = connect(client)
        # The owner label's value is unique per session: a fresh id that nothing on the engine carries
        # yet, so everything labelled with it afterwards was made by (or for) this session - also an
        # object whose create call was interrupted by a signal before it could be recorded.
        for _ in range(5):
            self.id = _secrets.token_hex(3)
            self.stack = f"rl-{slug(recipe_name)}-{self.id}"
            self.owner = self.stack
            if not self.residue():
                break
        else:
            raise SessionError("could not pick an unused session id (5 tries)")
        self.keep = keep
        self.log = log or (lambda msg: None)
        self.created: list[Created] = []
        self.report: TeardownReport | None = None
        self._closing = False
        self._old_handlers: dict = {}

    # ------------------------------------------------------------ labels
    def labels(self, stack: str | None = None, extra: dict | None = None) -> dict:
        out = dict(extra or {})
        out[OWNER_LABEL] = self.owner
        out[STACK_LABEL] = stack or self.stack
        return out

    def owns(self, attrs: dict) -> bool:
        labels = (attrs.get("Spec") or {}).get("Labels") or attrs.get("Labels") or \
            (attrs.get("Config") or {}).get("Labels") or {}
        return labels.get(OWNER_LABEL) == self.owner

    def record(self, kind: str, obj_id: str, name: str) -> None:
        self.created.append(Created(kind, obj_id, name))

    # ------------------------------------------------------------ lifecycle
    def __enter__(self):
        self.install_signal_handlers()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def install_signal_handlers(self) -> None:
        def handler(signum, frame):
            name = signal.Signals(signum).name
            self.log(f"received {name}: tearing down {self.stack}")
            raise KeyboardInterrupt(name)

        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._old_handlers[sig] = signal.signal(sig, handler)
            except ValueError:  # not the main thread
                pass

    def _restore_handlers(self) -> None:
        for sig, old in self._old_handlers.items():
            try:
                signal.signal(sig, old)
            except ValueError:
                pass
        self._old_handlers.clear()

    def close(self) -> TeardownReport:
        """Tear down (or, with keep, only report). Idempotent; signals are held off while it runs."""
        if self.report is not None:
            return self.report
        if self._closing:
            return TeardownReport()
        self._closing = True
        held = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                held[sig] = signal.signal(sig, signal.SIG_IGN)
            except ValueError:
                pass
        try:
            if self.keep:
                self.report = TeardownReport(residue=self.residue())
            else:
                self.report = self.teardown()
        finally:
            for sig, old in held.items():
                try:
                    signal.signal(sig, old)
                except ValueError:
                    pass
            self._restore_handlers()
        return self.report

    # ------------------------------------------------------------ listing by owner label
    def _owned(self, kind: str) -> list:
        c = self.client
        flt = {"label": f"{OWNER_LABEL}={self.owner}"}
        if kind == "service":
            return c.services.list(filters=flt)
        if kind == "container":
            return c.containers.list(all=True, filters=flt)
        if kind == "volume":
            return c.volumes.list(filters=flt)
        if kind == "config":
            return c.configs.list(filters=flt)
        if kind == "secret":
            return c.secrets.list(filters=flt)
        if kind == "network":
            return c.networks.list(filters=flt)
        raise ValueError(kind)

    def _verified(self, obj) -> bool:
        """Double-check the label on the object itself (filters are the engine's; this is ours)."""
        attrs = getattr(obj, "attrs", {}) or {}
        return self.owns(attrs)

    def residue(self) -> list[str]:
        out = []
        for kind in KINDS:
            try:
                for obj in self._owned(kind):
                    if self._verified(obj):
                        out.append(f"{kind} {_name(obj)}")
            except Exception as exc:  # noqa: BLE001
                out.append(f"{kind} ? (cannot list: {_short(exc)})")
        return out

    def keep_commands(self) -> list[str]:
        """Exact commands that remove what a --keep run left behind."""
        names = {k: [] for k in KINDS}
        for kind in KINDS:
            for obj in self._owned(kind):
                if self._verified(obj):
                    names[kind].append(_name(obj))
        cmds = []
        flt = f"label={OWNER_LABEL}={self.owner}"
        if names["service"]:
            cmds.append("docker service rm " + " ".join(sorted(names["service"])))
        if names["service"] or names["container"]:
            cmds.append(f"while [ -n \"$(docker ps -aq --filter {flt})\" ]; do sleep 1; done")
        for kind, cmd in (("volume", "docker volume rm"), ("config", "docker config rm"),
                          ("secret", "docker secret rm"), ("network", "docker network rm")):
            if names[kind]:
                cmds.append(f"{cmd} " + " ".join(sorted(names[kind])))
        return cmds

    # ------------------------------------------------------------ teardown
    def teardown(self, wait: float = 90.0) -> TeardownReport:
        from docker.errors import APIError, NotFound

        t0 = time.monotonic()
        rep = TeardownReport()
        c = self.client

        def mine(kind, obj) -> bool:
            # the owner id was unused when the session began (see __init__), so the label alone proves
            # that this session made the object, or the engine made it for one of its services
            return self._verified(obj)

        # 1. services
        for svc in self._owned("service"):
            if not mine("service", svc):
                continue
            try:
                svc.remove()
                rep.removed.append(f"service {svc.name}")
            except NotFound:
                pass
            except APIError as exc:
                rep.errors.append(f"service {svc.name}: {_short(exc)}")
        # 2. wait for their containers to be gone (tasks stop, the engine removes the containers)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            left = [x for x in self._owned("container") if mine("container", x)]
            if not left:
                break
            # a stopped task container of a removed service is not always reaped at once
            for ctr in left:
                if ctr.status in ("exited", "dead", "created"):
                    try:
                        ctr.remove(force=True)
                    except (NotFound, APIError):
                        pass
            time.sleep(0.5)
        for ctr in self._owned("container"):
            if mine("container", ctr):
                try:
                    ctr.remove(force=True)
                except NotFound:
                    pass
                except APIError as exc:
                    rep.errors.append(f"container {ctr.name}: {_short(exc)}")
        # 3. volumes, configs, secrets, networks (retry briefly: endpoints and mounts go away lazily)
        for kind in ("volume", "config", "secret", "network"):
            deadline = time.monotonic() + 30
            while True:
                pending = [x for x in self._owned(kind) if mine(kind, x)]
                failed = []
                for obj in pending:
                    try:
                        obj.remove()
                        rep.removed.append(f"{kind} {_name(obj)}")
                    except NotFound:
                        pass
                    except APIError as exc:
                        failed.append(f"{kind} {_name(obj)}: {_short(exc)}")
                if not failed or time.monotonic() > deadline:
                    rep.errors.extend(failed)
                    break
                time.sleep(1.0)
        # swarm removes networks (and task containers) asynchronously, and a task that was starting when
        # its service was removed can still create its container and implicit volume afterwards: keep
        # sweeping what carries our label until nothing is left (or the deadline passes)
        deadline = time.monotonic() + 30
        rep.residue = self.residue()
        while rep.residue and time.monotonic() < deadline:
            time.sleep(0.5)
            for kind in ("service", "container", "volume", "config", "secret", "network"):
                for obj in self._owned(kind):
                    if not mine(kind, obj):
                        continue
                    try:
                        if kind == "container":
                            obj.remove(force=True)
                        else:
                            obj.remove()
                        rep.removed.append(f"{kind} {_name(obj)}")
                    except (NotFound, APIError):
                        pass
            rep.residue = self.residue()
        if not rep.residue:
            rep.errors = [e for e in rep.errors if not e.startswith(("volume ", "network "))]
        rep.seconds = round(time.monotonic() - t0, 2)
        return rep


def _name(obj) -> str:
    name = getattr(obj, "name", None)
    if name:
        return name
    attrs = getattr(obj, "attrs", {}) or {}
    return (attrs.get("Spec") or {}).get("Name") or attrs.get("Name") or obj.id
