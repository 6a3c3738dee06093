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
- stale-overlay: not implemented yet (always inconclusive, says so).
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


def probe(name: str, *, needs_convergence: bool = True):
    def deco(fn):
        fn.probe_name = name
        fn.needs_convergence = needs_convergence
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

@probe("stale-overlay", needs_convergence=False)
def stale_overlay(ctx: ProbeContext) -> ProbeResult:
    return ProbeResult(INCONCLUSIVE, ["the stale-overlay probe is not implemented yet: deploying the latest "
                                      "release tag and comparing it with the test's asserts is left to do"])
