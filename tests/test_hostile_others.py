"""Hostile input that reaches code outside the loaders: the rules' own pattern matching, and the result
cache. Each case runs the real CLI (cache on, as users run it) under the 10 s hang guard of
tests/test_hostile.py.

Rules: a file well inside the size limits must not make a rule quadratic (its patterns, or loops over
services x services).

Every case here is a regex of the form `${NAME<op>[^}]*}` or `{{.*?}}` (re.S) that rescans the rest of
the text from each unclosed `${A:-` or `{{` (recipelint/model/envfile.py and templates.py had the same
defect; see their regression tests in tests/test_hostile.py).
"""

from __future__ import annotations

import os

from test_hostile import OK, at, lint, make

UNCLOSED_VARS = "${A:-" * 40_000  # 200 KB, unclosed: each `${` used to scan to the end of the value


def test_unclosed_interpolations_in_a_compose_value(tmp_path):
    """rules/_integrity.py var_uses (`_VAR`, `[^}]*`), run by the I rules on every scalar."""
    d = make(tmp_path, {"compose.yml": f'services:\n  app:\n    image: nginx:1.27\n    environment:\n'
                                      f'      X: "{UNCLOSED_VARS}"\n', ".env.sample": "TYPE=rec\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc in (0, 1) and not at(findings, "E101", "E106")


def test_unclosed_interpolations_in_a_config_name(tmp_path):
    """rules/_abra.py VAR_USE (`[^}]*`), run by R012 on config and secret names."""
    d = make(tmp_path, {"compose.yml": f'services:\n  app:\n    image: nginx:1.27\nconfigs:\n  c:\n'
                                      f'    name: "c_{UNCLOSED_VARS}"\n    file: c.conf\n',
                        "c.conf": "x\n", ".env.sample": "TYPE=rec\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc in (0, 1) and not at(findings, "E101", "E106")


def test_unclosed_template_actions_in_a_config_of_a_proxy_service(tmp_path):
    """rules/_addresses.py mask (`_GO_ACTION`, `{{.*?}}` with re.S), run by N001/N002 on templates."""
    d = make(tmp_path, {"compose.yml": "services:\n  app:\n    image: nginx:1.27\n    networks: [proxy]\n"
                                       "    configs: [{source: c, target: /etc/nginx/nginx.conf}]\nconfigs:\n  c:\n"
                                       "    file: nginx.conf.tmpl\n    template_driver: golang\n"
                                       "networks:\n  proxy:\n    external: true\n",
                        "nginx.conf.tmpl": "{{ " * 100_000 + "\n", ".env.sample": "TYPE=rec\n"})
    rc, findings, _ = lint(tmp_path, d)
    assert rc in (0, 1) and not at(findings, "E101", "E106")


def test_two_thousand_services(tmp_path):
    """~440 KB, inside the size limit: P005 (rules/_traefik.py parse, ~4M calls), N001/N002
    (rules/_addresses.py reached) and recipelint/identity.py assign each loop over services x services
    (51 s on the shared 2-core machine)."""
    n = 2000
    svcs = "".join(f"  s{i}:\n    image: nginx:1.27\n    networks: [proxy, internal]\n    environment:\n"
                   f"      - U=http://s{(i + 1) % n}:80\n    deploy:\n      labels:\n        - traefik.enable=true\n"
                   f"        - traefik.http.routers.s{i}.rule=Host(`${{DOMAIN}}`)\n" for i in range(n))
    d = make(tmp_path, {"compose.yml": 'version: "3.8"\nservices:\n' + svcs +
                        "networks:\n  proxy:\n    external: true\n  internal:\n", ".env.sample": "TYPE=rec\nDOMAIN=x\n"})
    assert (d / "compose.yml").stat().st_size < 512 * 1024
    rc, findings, _ = lint(tmp_path, d)
    assert rc in (0, 1) and not at(findings, "E101", "E106")


def test_fifo_with_the_result_cache_on(tmp_path):
    """recipelint/cache.py _hash_tree opens every file under the recipe to hash it: a FIFO blocks forever.
    (tests/test_hostile.py::test_fifo_is_never_opened covers the loaders with --no-cache.)"""
    d = make(tmp_path, {"compose.yml": OK})
    os.mkfifo(d / "compose.fifo.yml")
    rc, findings, _ = lint(tmp_path, d)
    assert rc == 1 and at(findings, "E104") == [("E104", "compose.fifo.yml", None, None)]
