"""Engine-free stand-ins for the runner's tests: a SwarmSession without an engine, and a fake docker
client that records the services it is asked to create. Not a test module, so engine-free and live
tests can share it without importing each other."""

from __future__ import annotations

import secrets

from recipelint.runner import session as S


def bare_session_kw(**kw) -> S.SwarmSession:
    """A SwarmSession without an engine: only the attributes these pieces use."""
    s = S.SwarmSession.__new__(S.SwarmSession)
    s.stack = s.owner = "rl-unit-abcdef"
    s.keep = False
    s.report = None
    s.created = []
    s._secret_values = []
    s._signal = None
    s._raised = False
    s._closing = False
    s._paused = set()
    s.logged = []
    s.log = s.logged.append
    s.__dict__.update(kw)
    return s


class _Api:
    def __init__(self, base_url):
        self.base_url = base_url


class _Client:
    def __init__(self, base_url):
        self.api = _Api(base_url)


class _Obj:
    def __init__(self, i):
        self.id = f"svc{i}"


class _Services:
    def __init__(self):
        self.created = []

    def create(self, image, **kw):
        self.created.append((image, kw))
        return _Obj(len(self.created))

    def list(self, **kw):
        return []


class _Lists:
    def list(self, **kw):
        return []


class FakeEngine:
    def __init__(self, base_url="http+docker://localhost"):
        self.api = _Api(base_url)
        self.services = _Services()
        self.containers = self.volumes = self.configs = self.secrets = self.networks = _Lists()


def bare_session(client, owner=None) -> S.SwarmSession:
    owner = owner or f"rl-unit-{secrets.token_hex(3)}"
    return bare_session_kw(client=client, stack=owner, owner=owner, tempdir=None, _old_handlers={},
                           log=lambda m: None)
