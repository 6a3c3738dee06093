"""The pre-commit hook, run by the real `pre-commit` tool on temporary recipe repositories.

pre-commit installs a hook from a git repository at a revision, so the test snapshots this
working tree into a temporary git repository (a commit of exactly what is on disk now) and
points a recipe repository's `.pre-commit-config.yaml` at it. pre-commit builds the hook's
virtualenv with pip (recipelint and its dependencies come from the package index); both recipes
share one PRE_COMMIT_HOME, so the environment is built once.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

# A complete small recipe (release tag, README metadata, healthchecks, Traefik labels) whose database
# backs up a pg_dump dump; CLEAN replays it on restore, DUMP does not (B001 and nothing else).
COMPOSE = """\
---
version: "3.8"

services:
  app:
    image: nginx:1.25.3
    networks:
      - proxy
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost"]
      interval: 30s
      timeout: 10s
      retries: 10
      start_period: 1m
    deploy:
      restart_policy:
        condition: on-failure
      labels:
        - "traefik.enable=true"
        - "traefik.http.services.${STACK_NAME}.loadbalancer.server.port=80"
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)"
        - "traefik.http.routers.${STACK_NAME}.entrypoints=web-secure"
        - "traefik.http.routers.${STACK_NAME}.tls.certresolver=${LETS_ENCRYPT_ENV}"
        - "coop-cloud.${STACK_NAME}.version=1.0.0+1.25.3"
  db:
    image: postgres:15.4
    networks:
      - internal
    volumes:
      - postgres:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD", "pg_isready", "-U", "app"]
      interval: 30s
      timeout: 10s
      retries: 10
      start_period: 1m
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "pg_dump -U app app > /var/lib/postgresql/data/backup.sql"
        backupbot.backup.volumes.postgres.path: "backup.sql"
RESTORE
networks:
  proxy:
    external: true
  internal:

volumes:
  postgres:
"""
DUMP = COMPOSE.replace("RESTORE\n", "")
CLEAN = COMPOSE.replace("RESTORE", '        backupbot.restore.post-hook: "psql -U app app < /var/lib/postgresql/data/backup.sql"')
ENV_SAMPLE = "TYPE=myrecipe\n\nDOMAIN=myrecipe.example.com\n\nLETS_ENCRYPT_ENV=production\n"
README = """\
# My recipe

<!-- metadata -->

* **Category**: Apps
* **Status**: 1, alpha
* **Image**: [nginx](https://hub.docker.com/_/nginx), 4, upstream
* **Healthcheck**: Yes
* **Backups**: Yes
* **Email**: No
* **Tests**: No
* **SSO**: No

<!-- endmetadata -->
"""
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd, *args):
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    assert r.returncode == 0, f"git {args}: {r.stderr}"
    return r.stdout.strip()


def test_hooks_file_declares_the_recipelint_hook():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "recipelint"]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert hook["entry"] == "recipelint check"  # no PATH: the hook lints the repository root


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """This working tree as a git repository at one commit: what a `repo:` line can point at."""
    dest = tmp_path_factory.mktemp("hookrepo") / "recipelint"
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "_build", ".pytest_cache", ".hypothesis",
        ".benchmarks"))
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "snapshot")
    return dest, git(dest, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def run_pre_commit(tmp_path, hook_repo, home, compose, args=None):
    repo_path, rev = hook_repo
    rec = tmp_path / "myrecipe"
    rec.mkdir()
    (rec / "compose.yml").write_text(compose)
    (rec / ".env.sample").write_text(ENV_SAMPLE)
    (rec / "README.md").write_text(README)
    hook = {"id": "recipelint"}
    if args:
        hook["args"] = args
    (rec / ".pre-commit-config.yaml").write_text(yaml.safe_dump(
        {"repos": [{"repo": str(repo_path), "rev": rev, "hooks": [hook]}]}))
    git(rec, "init", "-q")
    git(rec, "add", "-A")
    git(rec, "commit", "-q", "-m", "recipe")
    git(rec, "tag", "-a", "-m", "release", "1.0.0+1.25.3")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    r = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=rec, capture_output=True,
                       text=True, env=env, timeout=900)
    return r.returncode, r.stdout + r.stderr


def test_pre_commit_fails_on_a_recipe_with_B001(tmp_path, hook_repo, pre_commit_home):
    code, out = run_pre_commit(tmp_path, hook_repo, pre_commit_home, DUMP)
    assert code == 1, out
    # the hook linted the repository root: paths are relative to it
    found = [ln.split(" [")[0] for ln in out.splitlines() if ln.startswith(("compose.yml:", ".:", "README"))]
    assert found == ["compose.yml:40:9: B001"], out
    assert "1 finding (1 error) in 1 recipe" in out


def test_pre_commit_passes_on_a_clean_recipe(tmp_path, hook_repo, pre_commit_home):
    code, out = run_pre_commit(tmp_path, hook_repo, pre_commit_home, CLEAN)
    assert code == 0, out
    assert "recipelint" in out and "Passed" in out, out
    assert "B001" not in out


def test_pre_commit_passes_args_to_check(tmp_path, hook_repo, pre_commit_home):
    code, out = run_pre_commit(tmp_path, hook_repo, pre_commit_home, DUMP, args=["--ignore", "B001"])
    assert code == 0, out
