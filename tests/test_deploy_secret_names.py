"""The file names an isolation deploy gives a service's secrets are the ones `docker stack deploy` gives:
the target as written, else the source. They are also what `{{ secret "..." }}` in a golang template
matches (I009), so a deploy that shortened `/run/secrets/x` to `x` would render a template a real
swarm refuses (checked on Docker 20.10: "secret target x not found")."""

from __future__ import annotations

from recipelint.model import Recipe
from recipelint.runner import deploy as D
from recipelint.runner import session as S
from tests.runner_fakes import FakeEngine, bare_session

COMPOSE = """\
version: "3.8"
services:
  app:
    image: busybox
    secrets:
      - short_one
      - source: long_one
        target: renamed
      - source: abs_one
        target: /run/secrets/abs_one
      - source: var_one
        target: ${VAR_TARGET}
secrets:
  short_one:
    external: true
  long_one:
    external: true
  abs_one:
    external: true
  var_one:
    external: true
"""


def test_secret_file_names_are_the_targets_as_written_else_the_source(tmp_path):
    (tmp_path / "compose.yml").write_text(COMPOSE)
    r = Recipe.load(tmp_path)
    client = FakeEngine()
    sess = bare_session(client)
    dep = D.Deployment(stack=sess.stack, env={})
    dep.networks["default"] = f"{sess.stack}_default"
    for i, src in enumerate(("short_one", "long_one", "abs_one", "var_one")):
        dep.secrets[src] = f"{sess.stack}_{src}"
        sess.created.append(S.Created("secret", f"id{i}", f"{sess.stack}_{src}"))
    try:
        D._create_services(sess, r, r.default, {"STACK_NAME": sess.stack, "VAR_TARGET": "from_env"}, dep)
        (_, kw), = client.services.created
        names = {ref["SecretName"]: ref["File"]["Name"] for ref in kw["secrets"]}
    finally:
        sess.teardown(wait=1)
    s = sess.stack
    assert names == {f"{s}_short_one": "short_one", f"{s}_long_one": "renamed",
                     f"{s}_abs_one": "/run/secrets/abs_one", f"{s}_var_one": "from_env"}
