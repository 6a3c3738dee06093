"""`recipelint confirm`: one isolation deploy, one probe per confirmable finding, verdicts, nothing left.

The runner knows probes by name only; each finding carries the probe its rule declared.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .probes import CONFIRMED, INCONCLUSIVE, PROBES, ProbeContext, ProbeError, ProbeResult


@dataclass
class Outcome:
    finding: object
    verdict: str
    evidence: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class ConfirmRun:
    recipe: str
    stack: str | None = None
    session: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    converged: bool | None = None
    deploy_evidence: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # the deploy could not run
    timings: dict[str, float] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    teardown_errors: list[str] = field(default_factory=list)
    residue: list[str] | None = None
    kept: bool = False
    keep_commands: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.error or any(o.error for o in self.outcomes) or (self.residue and not self.kept):
            return 2
        return 1 if any(o.verdict == CONFIRMED for o in self.outcomes) else 0


def confirm(recipe, findings, *, timeout: float = 120.0, keep: bool = False, client=None, log=None) -> ConfirmRun:
    """Deploy ``recipe`` once and run the probe of every finding that names one."""
    from .deploy import DeployError, bind_evidence, deploy
    from .session import SwarmSession

    log = log or (lambda msg: None)
    t_start = time.monotonic()
    run = ConfirmRun(recipe=recipe.name)
    todo = [f for f in findings if f.probe]
    if not todo:
        run.timings["total"] = round(time.monotonic() - t_start, 2)
        return run
    # SessionError (no engine, not a swarm manager) goes to the caller: one line, exit 2
    session = SwarmSession(recipe.name, client=client, keep=keep, log=log)
    log = session.log  # the same log, with the session's secret values redacted
    run.stack, run.session, run.kept = session.stack, session.owner, keep
    run.timings["connect"] = round(time.monotonic() - t_start, 2)
    session.install_signal_handlers()
    try:
        dep = None
        # probes that deploy what they need themselves (stale-overlay deploys the release) spare the
        # working tree's deploy
        if any(getattr(PROBES.get(f.probe), "needs_deploy", True) for f in todo):
            try:
                dep = deploy(session, recipe, timeout=timeout, log=log)
            except DeployError as exc:
                run.error = f"deploy failed: {exc}"
                run.outcomes = [Outcome(f, INCONCLUSIVE, [], error=run.error) for f in todo]
                return run
            run.timings.update(dep.seconds)
            run.converged = dep.converged
            run.deploy_evidence = dep.evidence
            run.notes = dep.notes
        else:
            run.notes = ["the working tree was not deployed: every probe deploys what it needs itself"]
        t_probes = time.monotonic()
        cache: dict = {}
        # what the deploy changed about the recipe's bind mounts can decide a verdict: say it with each
        adapted = bind_evidence(dep) if dep is not None else []
        for f in todo:
            out = _run_probe(session, dep, recipe, f, log, cache, timeout)
            if adapted and getattr(PROBES.get(f.probe), "needs_deploy", True):
                out.evidence += [a for a in adapted if a not in out.evidence]
            run.outcomes.append(out)
        run.timings["probes"] = round(time.monotonic() - t_probes, 2)
    except Exception as exc:  # noqa: BLE001 - report, never leave things behind
        from docker.errors import DockerException

        if not isinstance(exc, (DockerException, OSError)):
            raise
        run.error = f"the engine failed during the run: {' '.join(str(exc).split())[:300]}"
        done = {id(o.finding) for o in run.outcomes}
        run.outcomes += [Outcome(f, INCONCLUSIVE, [], error=run.error) for f in todo if id(f) not in done]
    finally:
        rep = session.close()  # first thing: nothing may come between the run and its teardown
        if keep:
            run.keep_commands = session.keep_commands()
        run.timings["teardown"] = rep.seconds
        run.removed, run.teardown_errors, run.residue = rep.removed, rep.errors, rep.residue
        run.timings["total"] = round(time.monotonic() - t_start, 2)
        session.scrub(run)  # no generated secret value in the report
    return run


def _run_probe(session, dep, recipe, finding, log, cache: dict, timeout: float = 120.0) -> Outcome:
    t0 = time.monotonic()
    fn = PROBES.get(finding.probe)
    key = (finding.probe, fn.key(finding)) if fn is not None else None
    if key in cache:
        prev = cache[key]
        return Outcome(finding, prev.verdict, [f"same probe run as {prev.finding.code} for this service"]
                       + list(prev.evidence), error=prev.error, seconds=0.0)
    if fn is None:
        out = Outcome(finding, INCONCLUSIVE, [], error=f"no probe named {finding.probe!r} in this runner")
    elif getattr(fn, "needs_deploy", True) and dep is None:
        out = Outcome(finding, INCONCLUSIVE, [], error=f"probe {finding.probe} needs the recipe deployed")
    elif fn.needs_convergence and not dep.converged:
        out = Outcome(finding, INCONCLUSIVE, list(dep.evidence),
                      error=f"the deploy did not converge, so probe {finding.probe} could not run")
    else:
        log(f"probe {finding.probe} for {finding.code} ({finding.service or '-'})")
        try:
            session.checkpoint("probe")
            res: ProbeResult = fn(ProbeContext(session, dep, recipe, finding, log, timeout=timeout))
            out = Outcome(finding, res.verdict, list(res.evidence), error=res.error)
        except ProbeError as exc:
            out = Outcome(finding, INCONCLUSIVE, [], error=f"probe {finding.probe} could not run: {exc}")
    out.seconds = round(time.monotonic() - t0, 2)
    if key is not None:
        cache[key] = out
    log(f"  -> {out.verdict}" + (f" ({out.error})" if out.error else ""))
    return out


# ------------------------------------------------------------------ output

def to_json(runs: list[ConfirmRun], recipes: list[str]) -> dict:
    from recipelint.report.jsonfmt import envelope

    findings = [o.finding for r in runs for o in r.outcomes]
    outcomes = [o for r in runs for o in r.outcomes]
    env = envelope(findings, recipes=recipes, extra={"confirm": [_run_dict(r) for r in runs]})
    for d, o in zip(env["findings"], outcomes):
        d["verdict"] = o.verdict
        d["evidence"] = list(o.evidence)
        d["probe_error"] = o.error
        d["probe_seconds"] = o.seconds
    verdicts = {}
    for o in outcomes:
        verdicts[o.verdict] = verdicts.get(o.verdict, 0) + 1
    env["summary"]["verdicts"] = verdicts
    return env


def _run_dict(r: ConfirmRun) -> dict:
    return {
        "recipe": r.recipe, "stack": r.stack, "session": r.session, "converged": r.converged,
        "deploy_evidence": r.deploy_evidence, "notes": r.notes, "error": r.error, "timings": r.timings,
        "removed": r.removed, "teardown_errors": r.teardown_errors, "residue": r.residue,
        "clean": (r.residue == [] if r.residue is not None else None), "kept": r.kept,
        "keep_commands": r.keep_commands, "exit_code": r.exit_code,
    }


def to_text(runs: list[ConfirmRun], roots: dict) -> str:
    from recipelint.report.text import location

    out = []
    for r in runs:
        for o in r.outcomes:
            f = o.finding
            out.append(f"{location(f, roots)}: {f.code} [{f.name}] {f.message}")
            out.append(f"    verdict: {o.verdict} (probe {f.probe}, {o.seconds:g}s)")
            if o.error:
                out.append(f"    error: {o.error}")
            for e in o.evidence:
                out.append(f"    evidence: {e}")
        if r.stack is None and not r.error:
            out.append(f"{r.recipe}: no finding names a probe; nothing to deploy")
            continue
        if r.error:
            out.append(f"{r.recipe}: error: {r.error}")
        if r.stack:
            phases = ", ".join(f"{k} {v:g}s" for k, v in r.timings.items())
            out.append(f"{r.recipe}: stack {r.stack}: " +
                       ("converged" if r.converged else "did not converge" if r.converged is False
                           else "working tree not deployed (its probes deploy what they need)")
                       + f"; {phases}")
            out.extend(f"{r.recipe}: note: {n}" for n in r.notes)
            if r.kept:
                out.append(f"{r.recipe}: --keep: left running; remove it with:")
                out.extend(f"    {c}" for c in r.keep_commands)
            elif r.residue:
                out.append(f"{r.recipe}: teardown left residue: {', '.join(r.residue)}")
                out.extend(f"    {e}" for e in r.teardown_errors)
            else:
                out.append(f"{r.recipe}: teardown: removed {len(r.removed)} object(s); "
                           f"nothing labelled io.recipelint.owner={r.session} remains")
    n = [o.verdict for r in runs for o in r.outcomes]
    out.append(f"{len(n)} finding(s) probed: " + ", ".join(f"{n.count(v)} {v}" for v in
                                                         ("confirmed", "refuted", "inconclusive")))
    return "\n".join(out) + "\n"
