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

Files: the private copies of a recipe's bind mounts (see binds.py, ADR 0017) live in one temporary
directory per session, ``<tmp>/recipelint-confirm-<owner>-XXXX``. The owner id in its name plays the
part of the label: teardown removes every directory with that prefix, and one still there is residue.

Signals: the first SIGINT/SIGTERM/SIGHUP raises ``Interrupted`` (a KeyboardInterrupt) so the run
unwinds to its ``finally`` and tears down. A signal that arrives once teardown has begun (or while
the first one is still unwinding) is logged and deferred: teardown always finishes, and ``close()``
then raises ``Interrupted`` so the caller still exits as interrupted (128 + signal number).

Secrets: the session generates every secret value (``new_secret_value``) and remembers them, in
memory only, so that ``redact`` can blank them out of any text the run prints or reports.

Test hook: with ``RECIPELINT_TEST_PAUSE=<phase>[,<phase>...]`` in the environment the run stops
once at that phase - ``deploy`` (after the first service is created), ``converge`` (in the
convergence wait), ``probe`` (just before a probe runs), ``teardown`` (after the services are
removed) - prints ``recipelint: test pause at <phase>`` on standard error, and waits up to 30 s for
a signal, so a test can signal a run at a known phase (SIGUSR1 only ends the pause). Without the
variable it does nothing.
"""

from __future__ import annotations

import glob
import os
import re
import secrets as _secrets
import shlex
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field

OWNER_LABEL = "io.recipelint.owner"
STACK_LABEL = "com.docker.stack.namespace"
KINDS = ("service", "container", "volume", "config", "secret", "network")
SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))
PAUSE_ENV = "RECIPELINT_TEST_PAUSE"
PAUSE_SECONDS = 30.0
ENGINE_WAIT = 60.0  # how long teardown keeps retrying an engine that stopped answering
REDACTED = "[secret redacted]"
TEMP_PREFIX = "recipelint-confirm-"
TEMP_SUFFIX = re.compile(r"[a-z0-9_]{8}")  # what mkdtemp appends: no "-", so no other owner's dir matches


class SessionError(Exception):
    """The session cannot run (engine unreachable, not a swarm manager...). One clear line."""


class Interrupted(KeyboardInterrupt):
    """A signal stopped the run; raised once, after which the session tears down."""

    def __init__(self, signame: str, session=None):
        super().__init__(signame)
        self.signame = signame
        self.session = session

    @property
    def exit_code(self) -> int:
        return 128 + int(getattr(signal, self.signame, signal.SIGINT))

    def summary(self) -> str:
        """One line: the signal and what the teardown left."""
        s = self.session
        rep = getattr(s, "report", None)
        if s is None or rep is None:
            return f"interrupted by {self.signame} before teardown could run"
        if s.keep:
            return (f"interrupted by {self.signame}; --keep: left {len(rep.residue)} object(s) of {s.stack} running; "
                    "remove them with: " + " ; ".join(s.label_commands()))
        if rep.residue:
            return (f"interrupted by {self.signame}; teardown of {s.stack} left residue: "
                    + ", ".join(rep.residue))
        return (f"interrupted by {self.signame}; teardown removed {len(rep.removed)} object(s); "
                f"nothing labelled {OWNER_LABEL}={s.owner} remains")


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
        self.tempdir: str | None = None  # made on first use (private_dir)
        # The owner label's value is unique per session: a fresh id that nothing on the engine carries
        # yet, so everything labelled with it afterwards was made by (or for) this session - also an
        # object whose create call was interrupted by a signal before it could be recorded. The stack
        # name must be unused too: an object named `<stack>_...` or in its namespace that another run
        # (or a person) made is never ours to reuse, whatever its labels say.
        for _ in range(5):
            self.id = _new_id()
            self.stack = f"rl-{slug(recipe_name)}-{self.id}"
            self.owner = self.stack
            taken = self.residue() + self.name_in_use(self.stack)
            broken = [x for x in taken if "(cannot list: " in x]
            if broken:
                kind, _, why = broken[0].partition(" ? (cannot list: ")
                raise SessionError(f"the Docker engine failed while listing {kind}s: {why[:-1]}")
            if not taken:
                break
        else:
            raise SessionError("could not pick an unused session id (5 tries)")
        self.keep = keep
        raw_log = log or (lambda msg: None)
        self.log = lambda msg: raw_log(self.redact(msg))
        self.created: list[Created] = []
        self.report: TeardownReport | None = None
        self._closing = False
        self._old_handlers: dict = {}
        self._signal: str | None = None  # the first signal received
        self._raised = False  # Interrupted was raised for it
        self._paused: set[str] = set()
        self._secret_values: list[str] = []
        self._engine_lost: float | None = None  # when the engine stopped answering (teardown)
        self._engine_gone: str | None = None  # why teardown gave up on it

    # ------------------------------------------------------------ secrets
    def new_secret_value(self) -> str:
        """A fresh random secret value for this session; remembered (in memory) for ``redact``."""
        value = _secrets.token_urlsafe(24)
        self._secret_values.append(value)
        return value

    def remember_secret(self, value: str) -> None:
        """A secret value that came from elsewhere (a recipe's secret file): redact it too."""
        for v in {value, value.strip()}:
            if len(v) >= 8 and v not in self._secret_values:
                self._secret_values.append(v)

    def redact(self, text):
        """``text`` with every secret value of this session blanked out (non-strings pass through)."""
        if not isinstance(text, str) or not self._secret_values:
            return text
        for v in sorted(self._secret_values, key=len, reverse=True):
            if v in text:
                text = text.replace(v, REDACTED)
        return text

    def scrub(self, obj, depth: int = 2) -> None:
        """Redact, in place, the strings a result object holds: its string fields, the strings in its
        lists, and (``depth`` levels down) the objects in its lists."""
        for name, value in list(vars(obj).items()):
            if isinstance(value, str):
                setattr(obj, name, self.redact(value))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, str):
                        value[i] = self.redact(item)
                    elif depth > 1 and hasattr(item, "__dict__"):
                        self.scrub(item, depth - 1)

    # ------------------------------------------------------------ test hook
    def checkpoint(self, phase: str) -> None:
        """A phase boundary. Re-raises a signal that was swallowed on the way; with
        RECIPELINT_TEST_PAUSE naming ``phase``, waits here (once, up to 30 s) for a signal
        (SIGUSR1 just ends the wait)."""
        if self._signal and not self._closing and not self._raised:
            self._raised = True
            raise Interrupted(self._signal, self)
        wanted = [x.strip() for x in os.environ.get(PAUSE_ENV, "").split(",") if x.strip()]
        if phase not in wanted or phase in self._paused:
            return
        self._paused.add(phase)
        released: list[int] = []
        try:  # SIGUSR1 only ends the pause
            old = signal.signal(signal.SIGUSR1, lambda *_: released.append(1))
        except (ValueError, AttributeError):
            old = None
        print(f"recipelint: test pause at {phase} ({PAUSE_ENV})", file=sys.stderr, flush=True)
        try:
            deadline = time.monotonic() + PAUSE_SECONDS
            while time.monotonic() < deadline and not self._signal and not released:
                time.sleep(0.05)
        finally:
            if old is not None:
                signal.signal(signal.SIGUSR1, old)

    def name_in_use(self, stack: str) -> list[str]:
        """Objects in namespace ``stack`` or named ``stack``, ``stack_...`` or ``stack-...`` (the stacks
        that probes derive from it, such as ``<stack>-decoy``), whoever made them."""
        out = []
        c = self.client
        listers = {
            "service": lambda f: c.services.list(filters=f),
            "container": lambda f: c.containers.list(all=True, filters=f),
            "volume": lambda f: c.volumes.list(filters=f),
            "config": lambda f: c.configs.list(filters=f),
            "secret": lambda f: c.secrets.list(filters=f),
            "network": lambda f: c.networks.list(filters=f),
        }
        for kind, lister in listers.items():
            try:
                seen = {}
                for obj in lister({"label": f"{STACK_LABEL}={stack}"}) + lister({"name": stack}):
                    seen[obj.id] = obj
                for obj in seen.values():
                    name = _name(obj).lstrip("/")
                    labels = _labels_of(getattr(obj, "attrs", {}) or {})
                    if labels.get(STACK_LABEL) == stack or name == stack or name.startswith((stack + "_", stack + "-")):
                        out.append(f"{kind} {name}")
            except Exception as exc:  # noqa: BLE001 - cannot tell: count it as in use
                out.append(f"{kind} ? (cannot list: {_short(exc)})")
        return out

    # ------------------------------------------------------------ labels
    def labels(self, stack: str | None = None, extra: dict | None = None) -> dict:
        out = dict(extra or {})
        out[OWNER_LABEL] = self.owner
        out[STACK_LABEL] = stack or self.stack
        return out

    def owns(self, attrs: dict) -> bool:
        return _labels_of(attrs).get(OWNER_LABEL) == self.owner

    def record(self, kind: str, obj_id: str, name: str) -> None:
        self.created.append(Created(kind, obj_id, name))

    # ------------------------------------------------------------ files
    def private_dir(self) -> str:
        """The session's own temporary directory (made on first call, 0700), for the copies of bind
        mounts. Its name carries the owner id, so teardown and the residue check find it by name
        (``_tempdirs``), even if a signal came right after its creation."""
        if self.tempdir is None:
            self.tempdir = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{self.owner}-")
        return self.tempdir

    def _tempdirs(self) -> list[str]:
        owner = getattr(self, "owner", None)
        if not owner:
            return []
        prefix = f"{TEMP_PREFIX}{owner}-"
        found = {p for p in glob.glob(os.path.join(glob.escape(tempfile.gettempdir()), prefix + "*"))
                 if TEMP_SUFFIX.fullmatch(os.path.basename(p)[len(prefix):])}
        if getattr(self, "tempdir", None) and os.path.lexists(self.tempdir):
            found.add(self.tempdir)
        return sorted(found)

    def _remove_tempdirs(self, rep: "TeardownReport") -> None:
        for path in self._tempdirs():
            errors: list[str] = []
            shutil.rmtree(path, onerror=lambda fn, p, exc: errors.append(f"{p}: {exc[1]}"))
            if os.path.lexists(path):
                rep.errors.append(f"tempdir {path}: " + (errors[0] if errors else "still there"))
            else:
                rep.removed.append(f"tempdir {path}")

    # ------------------------------------------------------------ lifecycle
    def __enter__(self):
        self.install_signal_handlers()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _on_signal(self, signum, frame):
        name = signal.Signals(signum).name
        if self._closing or self._signal:
            # teardown is running, or the first signal is still unwinding towards it: let it finish
            when = "again" if self._signal else "during teardown"
            self._signal = self._signal or name
            self._log_from_handler(f"received {name} {when}: teardown of {self.stack} continues; "
                                   "the run stops when it is done")
            return
        self._signal = name
        self._raised = True
        self._log_from_handler(f"received {name}: tearing down {self.stack}")
        raise Interrupted(name, self)

    def _log_from_handler(self, msg: str) -> None:
        # the handler may run while the main code is half-way through writing to the same stream;
        # a buffered writer refuses the reentrant call, so fall back to a raw write
        try:
            self.log(msg)
        except RuntimeError:
            try:
                os.write(2, f"recipelint: {msg}\n".encode())
            except OSError:
                pass

    def install_signal_handlers(self) -> None:
        for sig in SIGNALS:
            try:
                old = signal.signal(sig, self._on_signal)
            except ValueError:  # not the main thread
                continue
            self._old_handlers.setdefault(sig, old)

    def _restore_handlers(self) -> None:
        for sig, old in self._old_handlers.items():
            try:
                signal.signal(sig, old)
            except ValueError:
                pass
        self._old_handlers.clear()

    def close(self) -> TeardownReport:
        """Tear down (or, with keep, only report). Idempotent. Signals that arrive meanwhile are logged
        and deferred; once the teardown is done, a signal that was not yet acted on raises Interrupted."""
        if self.report is not None:
            return self.report
        if self._closing:
            return TeardownReport()
        # from here on our handler only defers (it reads _closing), and it is installed before anything
        # else, so that no signal can escape from here with the teardown not done
        self._closing = True
        self.install_signal_handlers()
        try:
            if self.keep:
                self.report = TeardownReport(residue=self.residue())
            else:
                self.report = self.teardown()
        finally:
            self._restore_handlers()
        if self._signal and not self._raised:
            self._raised = True
            raise Interrupted(self._signal, self)
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
        out = [f"tempdir {p}" for p in self._tempdirs()]
        for kind in KINDS:
            try:
                for obj in self._owned(kind):
                    if self._verified(obj):
                        out.append(f"{kind} {_name(obj)}")
            except Exception as exc:  # noqa: BLE001
                out.append(f"{kind} ? (cannot list: {_short(exc)})")
        return out

    def keep_commands(self) -> list[str]:
        """Exact commands that remove what a --keep run left behind (by label, if the engine cannot
        list them now)."""
        names = {k: [] for k in KINDS}
        try:
            for kind in KINDS:
                for obj in self._owned(kind):
                    if self._verified(obj):
                        names[kind].append(_name(obj))
        except Exception:  # noqa: BLE001 - the engine does not answer: commands that find them by label
            return self.label_commands()
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
        dirs = self._tempdirs()
        if dirs:
            cmds.append("rm -rf " + " ".join(shlex.quote(d) for d in dirs))
        return cmds

    def label_commands(self) -> list[str]:
        """Commands that remove everything carrying this session's owner label, whatever it is."""
        flt = f"--filter label={OWNER_LABEL}={self.owner}"
        return [
            f"docker service ls -q {flt} | xargs -r docker service rm",
            f"docker ps -aq {flt} | xargs -r docker rm -f",
            f"docker volume ls -q {flt} | xargs -r docker volume rm",
            f"docker config ls -q {flt} | xargs -r docker config rm",
            f"docker secret ls -q {flt} | xargs -r docker secret rm",
            f"docker network ls -q {flt} | xargs -r docker network rm",
            "rm -rf " + shlex.quote(os.path.join(tempfile.gettempdir(), f"{TEMP_PREFIX}{self.owner}-"))
            + "[a-z0-9_]" * 8,
        ]

    # ------------------------------------------------------------ teardown
    def _list(self, kind: str) -> list:
        """The objects of ``kind`` this session owns. When the engine stops answering, retry for up to
        ENGINE_WAIT seconds (it may be restarting, or a proxy in front of it may have dropped the
        connection); after that, give up for good and return nothing (the residue says what is left)."""
        while True:
            if self._engine_gone:
                return []
            try:
                objs = [o for o in self._owned(kind) if self._verified(o)]
            except Exception as exc:  # noqa: BLE001 - requests/urllib3/docker errors alike
                now = time.monotonic()
                if self._engine_lost is None:
                    self._engine_lost = now
                    self.log(f"the engine does not answer during teardown ({_short(exc)}); "
                             f"retrying for up to {ENGINE_WAIT:g}s")
                if now - self._engine_lost > ENGINE_WAIT:
                    self._engine_gone = _short(exc)
                    return []
                time.sleep(0.5)
                continue
            if self._engine_lost is not None:
                self.log(f"the engine answers again after {time.monotonic() - self._engine_lost:.1f}s; "
                         "teardown continues")
                self._engine_lost = None
            return objs

    @staticmethod
    def _remove(kind: str, obj) -> str | None:
        """Remove one object; None when it is gone, else why not."""
        from docker.errors import NotFound

        try:
            if kind == "container":
                obj.remove(force=True)
            else:
                obj.remove()
        except NotFound:
            return None
        except Exception as exc:  # noqa: BLE001 - APIError (in use...) or the engine not answering
            return f"{kind} {_name(obj)}: {_short(exc)}"
        return None

    def teardown(self, wait: float = 90.0) -> TeardownReport:
        t0 = time.monotonic()
        rep = TeardownReport()
        self._engine_lost = None
        self._engine_gone = None
        # The owner id was unused when the session began (see __init__), so the label alone proves
        # that this session made an object, or the engine made it for one of its services.

        # 1. services
        for svc in self._list("service"):
            err = self._remove("service", svc)
            if err:
                rep.errors.append(err)
            else:
                rep.removed.append(f"service {svc.name}")
        self.checkpoint("teardown")
        # 2. remove their containers. Swarm would stop them itself, but only some 3 s after the service
        # is gone plus the stop grace period (5-6 s in all); an isolation deploy's containers need no
        # graceful stop, so kill them now (`rm -f`) and wait until the engine has let go of them
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            left = self._list("container")
            if not left:
                break
            for ctr in left:
                self._remove("container", ctr)
            time.sleep(0.2)
        # 3. volumes, configs, secrets, networks (retry briefly: endpoints and mounts go away lazily)
        for kind in ("volume", "config", "secret", "network"):
            deadline = time.monotonic() + 30
            while True:
                failed = []
                for obj in self._list(kind):
                    err = self._remove(kind, obj)
                    if err:
                        failed.append(err)
                    else:
                        rep.removed.append(f"{kind} {_name(obj)}")
                if not failed or time.monotonic() > deadline:
                    rep.errors.extend(failed)
                    break
                time.sleep(1.0)
        # 4. the private copies of bind mounts (local files: removed whether or not the engine answers)
        self._remove_tempdirs(rep)
        # swarm removes networks (and task containers) asynchronously, a task that was starting when
        # its service was removed can still create its container and implicit volume afterwards, and
        # a step above may have lost the engine for a moment: keep sweeping what carries our label
        # until nothing is left (or the deadline passes)
        deadline = time.monotonic() + 30
        rep.residue = self.residue() if not self._engine_gone else self._gone_residue(rep.removed)
        while any(not x.startswith("tempdir ") for x in rep.residue) and not self._engine_gone \
                and time.monotonic() < deadline:  # docker objects only: waiting does not free a temp dir
            time.sleep(0.5)
            for kind in KINDS:
                for obj in self._list(kind):
                    if not self._remove(kind, obj):
                        rep.removed.append(f"{kind} {_name(obj)}")
            rep.residue = self.residue() if not self._engine_gone else self._gone_residue(rep.removed)
        if any(x.startswith("tempdir ") for x in rep.residue):  # once more, now that every container is gone
            rep.errors = [e for e in rep.errors if not e.startswith("tempdir ")]
            self._remove_tempdirs(rep)
            rep.residue = [x for x in rep.residue if not x.startswith("tempdir ")] + \
                [f"tempdir {p}" for p in self._tempdirs()]
        if self._engine_gone:
            rep.errors.append(f"the engine stopped answering for more than {ENGINE_WAIT:g}s "
                              f"({self._engine_gone}); remove what is left with: " + " ; ".join(self.label_commands()))
        if not rep.residue:
            rep.errors = [e for e in rep.errors if not e.startswith(("volume ", "network ", "container ", "tempdir "))]
        rep.seconds = round(time.monotonic() - t0, 2)
        return rep

    def _gone_residue(self, removed: list[str]) -> list[str]:
        """The engine is gone: what this session recorded creating and did not see removed."""
        done = set(removed)
        return [f"{x.kind} {x.name} (engine unreachable; not confirmed removed)"
                for x in self.created if f"{x.kind} {x.name}" not in done] + \
            [f"tempdir {p}" for p in self._tempdirs()] + \
            [f"anything else labelled {OWNER_LABEL}={self.owner} (engine unreachable)"]


def _new_id() -> str:
    return _secrets.token_hex(3)


def _labels_of(attrs: dict) -> dict:
    return (attrs.get("Spec") or {}).get("Labels") or attrs.get("Labels") or \
        (attrs.get("Config") or {}).get("Labels") or {}


def _name(obj) -> str:
    name = getattr(obj, "name", None)
    if name:
        return name
    attrs = getattr(obj, "attrs", {}) or {}
    return (attrs.get("Spec") or {}).get("Name") or attrs.get("Name") or obj.id
