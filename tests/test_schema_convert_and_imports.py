"""The Swarm conversions (rules/_convert.py) value by value, and the lazy import of jsonschema."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from recipelint import engine

ROOT = Path(__file__).resolve().parent.parent
engine.discover()
from recipelint_rules import _convert  # noqa: E402  (the engine makes rules/ the recipelint_rules package)

OK = None


@pytest.mark.parametrize("conv,value,ok", [
    ("count", 3, True), ("count", "3", True), ("count", "+3", True), ("count", 0, True),
    ("count", -1, False), ("count", "two", False), ("count", "1.5", False), ("count", "${N}", True),
    ("duration", "10s", True), ("duration", "1m30s", True), ("duration", "1.5h", True), ("duration", "500ms", True),
    ("duration", "0", True), ("duration", "10", False), ("duration", "5 s", False), ("duration", "1d", False),
    ("duration", "${T:-x}", True),
    ("bytes", "512M", True), ("bytes", "1g", True), ("bytes", "1.5GiB", True), ("bytes", 1024, True),
    ("bytes", "512 MB", True), ("bytes", "lots", False), ("bytes", "512X", False),
    ("ulimit", -1, True), ("ulimit", "65536", True), ("ulimit", -2, False), ("ulimit", "many", False),
    ("cpus", "0.5", True), ("cpus", 2, True), ("cpus", "half", False),
    ("ratio", "0.1", True), ("ratio", "a tenth", False),
    ("port-number", 80, True), ("port-number", "8080", True), ("port-number", 70000, False),
    ("port-number", "http", False),
    ("port-mapping", "80", True), ("port-mapping", 80, True), ("port-mapping", "8080:80", True),
    ("port-mapping", "127.0.0.1:8080:80/tcp", True), ("port-mapping", "[::1]:80:80", True),
    ("port-mapping", "9000-9001:9000-9001/udp", True), ("port-mapping", ":80", True),
    ("port-mapping", "${PORT}:80", True),
    ("port-mapping", "8080:80/http", False), ("port-mapping", "70000:80", False),
    ("port-mapping", "myhost:80:80", False), ("port-mapping", "9000-9002:9000-9001", False),
    ("port-mapping", "eighty", False),
    ("label-text", "true", True), ("label-text", None, True), ("label-text", True, False),
])
def test_conversions(conv, value, ok):
    problem = _convert.CONVERTERS[conv](value)
    assert (problem is None) == ok, problem


def test_wrong_yaml_types_are_left_to_the_type_rule():
    # a list where a duration goes is S001's finding, not a conversion failure as well
    assert _convert.duration(["10s"]) is None and _convert.count({"a": 1}) is None and _convert.bytes_(True) is None


def test_go_text_matches_how_docker_prints_numbers():
    assert _convert.go_text(1.10) == "1.1" and _convert.go_text(8080) == "8080" and _convert.go_text(2.0) == "2"


def _imported_after_check(tmp_path, *extra, compose='version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n'):
    rec = tmp_path / "rec"
    rec.mkdir(exist_ok=True)
    (rec / "compose.yml").write_text(compose)
    prog = ("import sys\nfrom recipelint.cli import run\nsys.argv=['recipelint','check',%r] + %r\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print('MODS', sorted(m for m in ('jsonschema','libcst','check_jsonschema') if m in sys.modules))"
            % (str(rec), list(extra)))
    r = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("MODS ")), None)
    assert line is not None, r.stdout + r.stderr
    return line


def test_ignore_S_never_imports_jsonschema(tmp_path):
    assert _imported_after_check(tmp_path, "--ignore", "S") == "MODS []"


def test_schema_rules_on_a_valid_file_import_neither_jsonschema_nor_the_check_jsonschema_package(tmp_path):
    # the compiled fast path (our schema compiler's predicate) says the file is valid: jsonschema is not needed
    assert _imported_after_check(tmp_path, "--select", "S") == "MODS []"


def test_schema_rules_import_jsonschema_only_when_a_file_fails(tmp_path):
    bad = 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25\n    ports: 80\n'
    assert _imported_after_check(tmp_path, "--select", "S", compose=bad) == "MODS ['jsonschema']"


def test_a_schema_failure_is_reported_once_not_by_every_S_rule(tmp_path, monkeypatch):
    from recipelint.model import Recipe
    from recipelint_rules import _schema

    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "compose.yml").write_text("services:\n  app:\n    image: nginx:1.25\n")

    def broken():
        raise RuntimeError("the check-jsonschema package (which ships the compose-spec schema) is not installed")

    monkeypatch.setattr(_schema, "_compose_validator", broken)
    monkeypatch.setattr(_schema, "_fast_compose", broken)
    found = engine.run(Recipe.load(rec), [r for r in engine.discover() if r.code.startswith("S")])
    assert [(f.code, "check-jsonschema" in f.message) for f in found] == [("E001", True)]
