"""`pip install .` into a fresh venv gives a `recipelint` that works from any directory:
the rule catalogue and the schemas ship inside the wheel."""

import json
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{cmd}: {r.stdout}\n{r.stderr}"
    return r


def test_wheel_installs_and_runs_outside_the_source_tree(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                                             "_build", ".pytest_cache", ".hypothesis"))
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", wheels, src)
    wheel = next(wheels.glob("recipelint-*.whl"))
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    py = venv / "bin" / "python"
    purelib = Path(run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    # the dependencies come from this interpreter's site-packages (no network needed); recipelint from the wheel
    deps = [p for p in site.getsitepackages() + [sysconfig.get_paths()["purelib"]] if Path(p).is_dir()]
    (purelib / "deps.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    run(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", purelib, wheel)
    # the console script exactly as the wheel declares it (entry_points.txt), not a hand-picked function
    eps = next(purelib.glob("recipelint-*.dist-info")) / "entry_points.txt"
    target = next(line.split("=", 1)[1].strip() for line in eps.read_text().splitlines()
                  if line.split("=", 1)[0].strip() == "recipelint")
    mod, func = target.split(":")
    assert (mod, func) == ("recipelint.entry", "run")
    (venv / "bin" / "recipelint").write_text(f"#!{py}\nfrom {mod} import {func}\n{func}()\n")
    (venv / "bin" / "recipelint").chmod(0o755)

    elsewhere = tmp_path / "elsewhere"
    recipe = elsewhere / "db"
    recipe.mkdir(parents=True)
    (recipe / "compose.yml").write_text(
        "services:\n  db:\n    image: postgres:15\n    deploy:\n      labels:\n"
        "        backupbot.backup.pre-hook: \"pg_dump -U a a > /var/lib/postgresql/data/x.sql\"\n")
    where = run(py, "-c", "import recipelint, recipelint.engine as e; print(recipelint.__file__); print(e.rules_dir())",
                cwd=elsewhere).stdout.split()
    assert str(purelib) in where[0] and where[1] == str(purelib / "recipelint" / "rules")
    assert (purelib / "recipelint" / "schemas" / "findings.schema.json").is_file()
    assert (purelib / "recipelint" / "schemas" / "swarm-overlay.schema.json").is_file()  # the S rules' Swarm layer
    r = subprocess.run([venv / "bin" / "recipelint", "check", "db", "--format", "json", "--ignore", "R,S010"], capture_output=True,
                       text=True, cwd=elsewhere)
    assert r.returncode == 1, r.stderr
    assert [(f["code"], f["line"], f["column"]) for f in json.loads(r.stdout)["findings"]] == [("B001", 6, 9)]
