"""The fault-handling pieces of the session that need no engine: redaction, the interrupted summary,
the pause hook's bounds. (They live here, beside the live fault trials they back up.)"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field

from recipelint.runner import session as S
from tests.runner_fakes import bare_session_kw as bare_session


def test_generated_values_are_redacted_longest_first_and_short_file_values_are_not():
    s = bare_session()
    a = s.new_secret_value()
    b = s.new_secret_value()
    assert a != b and len(a) == 32
    s.remember_secret("abc\n")  # too short to blank out safely
    s.remember_secret("hunter2hunter2\n")
    text = f"pw={a} other={b}{a} file=hunter2hunter2 short=abc"
    assert s.redact(text) == ("pw=[secret redacted] other=[secret redacted][secret redacted] "
                              "file=[secret redacted] short=abc")
    assert s.redact(None) is None and s.redact(3) == 3


def test_scrub_reaches_evidence_inside_outcomes():
    @dataclass
    class Outcome:
        evidence: list = field(default_factory=list)
        error: str | None = None

    @dataclass
    class Run:
        error: str | None = None
        deploy_evidence: list = field(default_factory=list)
        outcomes: list = field(default_factory=list)

    s = bare_session()
    v = s.new_secret_value()
    run = Run(error=f"x {v}", deploy_evidence=[f"log: {v}"], outcomes=[Outcome([f"e {v}"], f"err {v}")])
    s.scrub(run)
    assert run == Run("x [secret redacted]", ["log: [secret redacted]"],
                      [Outcome(["e [secret redacted]"], "err [secret redacted]")])


def test_interrupted_exit_codes_and_summary():
    s = bare_session()
    assert S.Interrupted("SIGINT", s).exit_code == 130
    assert S.Interrupted("SIGTERM", s).exit_code == 143
    assert S.Interrupted("SIGTERM", s).summary() == "interrupted by SIGTERM before teardown could run"
    s.report = S.TeardownReport(removed=["service a", "volume b"])
    assert S.Interrupted("SIGINT", s).summary() == (
        "interrupted by SIGINT; teardown removed 2 object(s); nothing labelled io.recipelint.owner=rl-unit-abcdef "
        "remains")
    s.report = S.TeardownReport(residue=["volume b"])
    assert S.Interrupted("SIGINT", s).summary() == "interrupted by SIGINT; teardown of rl-unit-abcdef left residue: volume b"


def test_a_signal_once_teardown_began_is_deferred_and_logged_not_raised():
    s = bare_session(_closing=True)
    s._on_signal(signal.SIGTERM, None)  # must not raise
    assert s._signal == "SIGTERM" and not s._raised
    assert s.logged == ["received SIGTERM during teardown: teardown of rl-unit-abcdef continues; "
                              "the run stops when it is done"]


def test_a_swallowed_signal_is_raised_again_at_the_next_phase(monkeypatch):
    monkeypatch.delenv(S.PAUSE_ENV, raising=False)
    s = bare_session(_signal="SIGINT")
    try:
        s.checkpoint("probe")
    except S.Interrupted as exc:
        assert exc.signame == "SIGINT" and s._raised
    else:
        raise AssertionError("checkpoint did not raise the pending signal")
    s.checkpoint("probe")  # raised once only


def test_the_pause_hook_waits_only_for_its_phase_and_ends_on_sigusr1(monkeypatch, capsys):
    import os
    import threading
    import time

    monkeypatch.setenv(S.PAUSE_ENV, "converge")
    s = bare_session()
    s.checkpoint("deploy")  # not asked for: returns at once
    assert capsys.readouterr().err == ""
    default = signal.getsignal(signal.SIGUSR1)

    def release():  # once the pause has its SIGUSR1 handler in place (the default one would kill us)
        for _ in range(2000):
            if signal.getsignal(signal.SIGUSR1) is not default:
                os.kill(os.getpid(), signal.SIGUSR1)
                return
            time.sleep(0.005)

    threading.Thread(target=release, daemon=True).start()
    s.checkpoint("converge")
    assert signal.getsignal(signal.SIGUSR1) is default
    assert capsys.readouterr().err == "recipelint: test pause at converge (RECIPELINT_TEST_PAUSE)\n"
    s.checkpoint("converge")  # once per phase
    assert capsys.readouterr().err == ""


def test_an_engine_failing_while_the_session_picks_its_id_is_one_clear_error():
    from docker.errors import APIError

    class Failing:
        def list(self, *a, **k):
            raise APIError("500 Server Error: Internal Server Error (\"rpc error: code = Unavailable\")")

    class Engine:
        services = containers = volumes = configs = secrets = networks = Failing()

        def ping(self):
            return True

        def info(self):
            return {"Swarm": {"LocalNodeState": "active", "ControlAvailable": True}}

    try:
        S.SwarmSession("unit", client=Engine())
    except S.SessionError as exc:
        assert str(exc) == ('the Docker engine failed while listing services: 500 Server Error: Internal Server '
                            'Error ("rpc error: code = Unavailable")'), str(exc)
    else:
        raise AssertionError("no SessionError")
