"""Shared by the integrations tests (test_report*, test_config*): the CLI as a user runs it, and a
recipe with one B001 finding (compose.yml:6:9)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DUMP = """\
services:
  db:
    image: postgres:15
    deploy:
      labels:
        backupbot.backup.pre-hook: "pg_dump -U a a > /var/lib/postgresql/data/x.sql"
"""


def cli(*args, cwd=None):
    """Run the real console entry point in a subprocess (a private result cache under ``cwd``)."""
    cwd = Path(cwd or ROOT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if cwd != ROOT:
        env["XDG_CACHE_HOME"] = str(cwd / ".cache")
    r = subprocess.run([sys.executable, "-c", "from recipelint.entry import run; run()", *map(str, args)],
                       capture_output=True, text=True, cwd=cwd, env=env)
    return r.returncode, r.stdout, r.stderr
