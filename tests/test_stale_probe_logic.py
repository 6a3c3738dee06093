"""The stale-overlay probe's evaluation of an assert's claims against deployed services (no Docker)."""

import pytest

from recipelint.runner.probes import ProbeError, _norm_image, live_check_holds

DEPLOYED = {"app": "docker.io/example/app:1.0@sha256:" + "a" * 64, "db": "postgres:15", "worker": "example/app:1.0"}


@pytest.mark.parametrize("check, subjects, expected", [
    ({"kind": "image", "mode": "eq", "values": ["example/app:1.0"]}, ["app"], True),
    ({"kind": "image", "mode": "eq", "values": ["example/app:2.0"]}, ["app"], False),
    ({"kind": "image", "mode": "eq", "negative": True, "values": ["example/app:2.0"]}, ["app"], True),
    ({"kind": "image", "mode": "startswith", "values": ["example/app:"]}, ["app"], True),
    ({"kind": "image", "mode": "contains", "values": ["bitnami"]}, [], False),
    ({"kind": "image", "mode": "contains", "negative": True, "values": ["bitnami"]}, [], True),
    ({"kind": "image", "mode": "contains", "values": ["postgres"]}, [], True),
    ({"kind": "image", "mode": "contains", "values": ["postgres"]}, ["app"], False),
    ({"kind": "image", "mode": "oneof", "values": ["postgres:16", "library/postgres:15"]}, ["db"], True),
    ({"kind": "image", "mode": "endswith", "values": [":15"]}, ["db"], True),
    ({"kind": "image", "mode": "within", "values": ["images: postgres:15, redis:7"]}, ["db"], True),
    ({"kind": "services", "mode": "present", "values": ["worker"]}, [], True),
    ({"kind": "services", "mode": "present", "negative": True, "values": ["worker"]}, [], False),
    ({"kind": "services", "mode": "exactly", "values": ["app", "db", "worker"]}, [], True),
    ({"kind": "services", "mode": "exactly", "values": ["app", "db"]}, [], False),
    ({"kind": "services", "mode": "include", "values": ["app", "db"]}, [], True),
    ({"kind": "services", "mode": "within", "values": ["app", "db"]}, [], False),
])
def test_claims_against_deployed_services(check, subjects, expected):
    assert live_check_holds(check, DEPLOYED, subjects) is expected


def test_image_references_are_compared_as_tests_write_them():
    assert _norm_image("docker.io/library/postgres:15@sha256:" + "b" * 64) == "postgres:15"
    assert _norm_image("index.docker.io/example/app:1") == "example/app:1"
    assert _norm_image("ghcr.io/x/y:2") == "ghcr.io/x/y:2"


@pytest.mark.parametrize("check", [
    {"kind": "image", "mode": "eq", "values": []},
    {"kind": "image", "mode": "sideways", "values": ["x"]},
    {"kind": "services", "mode": "sideways", "values": ["x"]},
    {"kind": "volume", "mode": "eq", "values": ["x"]},
])
def test_malformed_checks_are_probe_errors(check):
    with pytest.raises(ProbeError):
        live_check_holds(check, DEPLOYED, ["app"])
