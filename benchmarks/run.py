"""Speed benchmark (not a test): recipelint against compose-lint, yamllint and dclint on the same files.

    python benchmarks/run.py [--n 400] [--runs 3] [--quick] [--work DIR] [--json FILE]

What it does, all in one run:

1. Installs the peers in a benchmark-local cache (``--work``, default ``$XDG_CACHE_HOME/recipelint-bench``):
   compose-lint, yamllint and psutil from PyPI in one venv, dclint from npm, and recipelint's own
   dependencies in a second venv (recipelint itself runs from this source tree). A peer that cannot
   be installed is reported as such and left out.
2. Generates a synthetic catalogue of N recipes (benchmarks/gen_catalogue.py, from our fixtures).
3. One recipe, cold process: `recipelint check R --no-cache` against `compose-lint R/compose.yml`,
   `yamllint R/compose.yml` and `dclint R/compose.yml`, for 3 recipes of median size; also
   recipelint with a warm result cache.
4. The catalogue: `recipelint check --catalogue --no-cache` (and with a warm result cache) against
   each peer run once over every compose*.yml of the catalogue (the files recipelint parses), at
   N/4, N/2 and N recipes (dclint, at about 0.2 s a file, only at N/4).
5. Peak memory of the N-recipe sweep, children included (benchmarks/rss.py).

Every timing is the median of ``--runs`` runs after one warm-up run; every command is a fresh
process. ``--quick`` (N=20, 1 run) is the CI smoke run: it proves the benchmark works, the
figures it prints mean little on a busy CI machine. Python bytecode caching is on for every tool
(as for an installed tool), and recipelint's result cache points at a private directory.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_catalogue  # noqa: E402


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- tools
def sh(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def ensure_tools(work: Path) -> dict:
    """{name: argv prefix} for every tool that could be installed; {name: reason} under "missing"."""
    tools: dict = {"missing": {}}
    py = sys.executable
    venv = work / "venv-peers"
    if not (venv / "bin" / "python").exists():
        log(f"benchmark: creating {venv}")
        sh([py, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    for pkg, exe in (("compose-lint", "compose-lint"), ("yamllint", "yamllint"), ("psutil", None)):
        if exe and (venv / "bin" / exe).exists() or (exe is None and
                                                       sh([str(venv / "bin" / "python"), "-c", "import psutil"])
                                                       .returncode == 0):
            pass
        else:
            r = sh(pip + [pkg])
            if r.returncode != 0:
                tools["missing"][pkg] = f"pip install {pkg} failed: {(r.stderr.strip().splitlines() or ['?'])[-1]}"
                continue
        if exe:
            tools[pkg] = [str(venv / "bin" / exe)]
    tools["psutil-python"] = str(venv / "bin" / "python") if "psutil" not in tools["missing"] else None
    npm_dir = work / "npm"
    dclint = npm_dir / "node_modules" / ".bin" / "dclint"
    if not dclint.exists():
        if shutil.which("npm") is None:
            tools["missing"]["dclint"] = "npm is not installed"
        else:
            r = sh(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(npm_dir), "dclint"])
            if r.returncode != 0:
                tools["missing"]["dclint"] = f"npm install dclint failed: {r.stderr.strip()[-200:]}"
    if dclint.exists():
        tools["dclint"] = [str(dclint)]
    # recipelint: its dependencies in a clean venv (no unrelated site-packages to slow start-up), code from here
    rl = work / "venv-recipelint"
    if not (rl / "bin" / "python").exists():
        log(f"benchmark: creating {rl}")
        sh([py, "-m", "venv", str(rl)])
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"]
    stamp = rl / "deps.txt"
    if not stamp.is_file() or stamp.read_text() != "\n".join(deps):
        r = sh([str(rl / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *deps])
        if r.returncode != 0:
            raise SystemExit(f"benchmark: cannot install recipelint's dependencies: {r.stderr.strip()[-300:]}")
        stamp.write_text("\n".join(deps))
    mod, _, fn = project["scripts"]["recipelint"].partition(":")  # the console script's entry, as installed
    tools["recipelint"] = [str(rl / "bin" / "python"), "-c", f"from {mod} import {fn}; {fn}()"]
    return tools


def bench_env(work: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env.update(PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(work / "xdg"), NO_COLOR="1", FORCE_COLOR="0",
               PYTHONPYCACHEPREFIX=str(work / "pycache"))
    return env


# ---------------------------------------------------------------------------------------------- timing
def timed(cmd, env, runs: int, warm: int = 1) -> dict:
    """Median wall and CPU seconds of ``runs`` fresh processes after ``warm`` warm-up runs."""
    walls, cpus = [], []
    for i in range(warm + runs):
        before = os.times()
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        wall = time.perf_counter() - t
        after = os.times()
        if r.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(map(str, cmd[:4]))}...: exit {r.returncode}: {r.stderr.decode()[-400:]}")
        if i >= warm:
            walls.append(wall)
            cpus.append((after.children_user - before.children_user) + (after.children_system - before.children_system))
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "runs": len(walls)}


def ms(x: float) -> str:
    return f"{x * 1000:8.0f} ms"


def compose_files(recipes: list[Path]) -> list[str]:
    out = []
    for r in recipes:
        out += sorted(str(p) for p in r.glob("compose*.yml"))
    return out


def peer_cmds(tools: dict, files: list[str]) -> dict:
    cmds = {}
    if "compose-lint" in tools:
        cmds["compose-lint"] = tools["compose-lint"] + ["check", *files]
    if "yamllint" in tools:
        cmds["yamllint"] = tools["yamllint"] + ["-f", "parsable", *files]
    if "dclint" in tools:
        cmds["dclint"] = tools["dclint"] + ["--color", "false", *files]
    return cmds


# ---------------------------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=None, help="recipes in the catalogue (default 400; --quick: 20)")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per measurement (default 3; --quick: 1)")
    ap.add_argument("--quick", action="store_true", help="CI smoke run: small N, few runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None,
                    help="tools, catalogue and caches (default $XDG_CACHE_HOME/recipelint-bench)")
    ap.add_argument("--json", type=Path, default=None, help="also write all figures to this file")
    a = ap.parse_args()
    n = a.n or (20 if a.quick else 400)
    runs = a.runs or (1 if a.quick else 3)
    work = a.work or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "recipelint-bench"
    work.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    load0 = os.getloadavg()[0]

    tools = ensure_tools(work)
    env = bench_env(work)
    log(f"benchmark: generating {n} recipes")
    full = gen_catalogue.generate(work / f"catalogue-{n}-{a.seed}", n, a.seed)
    sizes = sorted({max(1, n // 4), max(1, n // 2), n})
    cats = {k: (full if k == n else gen_catalogue.subset(full, work / f"catalogue-{n}-{a.seed}-first{k}", k))
            for k in sizes}
    overlay = full / "overlay"
    recipes = sorted((full / "recipes").iterdir())
    rl = tools["recipelint"]
    res: dict = {"n": n, "runs": runs, "cpus": len(os.sched_getaffinity(0)), "missing": tools["missing"]}

    out = []
    out.append(f"recipelint speed benchmark: {n} synthetic recipes, median of {runs} runs, "
               f"{res['cpus']} CPUs, python {sys.version.split()[0]}")
    for name, why in tools["missing"].items():
        out.append(f"  not measured: {name} ({why})")

    # ---- one recipe
    lines = {r: sum(1 for _ in open(r / "compose.yml")) for r in recipes}
    by_size = sorted(recipes, key=lambda r: (lines[r], r.name))
    picks = [by_size[len(by_size) // 2 + d] for d in (-1, 0, 1) if 0 <= len(by_size) // 2 + d < len(by_size)]
    out.append("\nOne recipe, cold process (recipelint: default rules, --no-cache; peers: that recipe's compose.yml)")
    out.append(f"  {'recipe':22} {'lines':>5} {'recipelint':>11} {'warm cache':>11} "
               + " ".join(f"{t:>12}" for t in peer_cmds(tools, ["x"])) + "   ratio vs compose-lint")
    one = []
    for r in picks:
        row = {"recipe": r.name, "lines": lines[r],
               "overlays": len(list(r.glob("compose.*.yml")))}
        row["recipelint"] = timed(rl + ["check", str(r), "--overlay", str(overlay), "--no-cache"], env, runs)
        row["recipelint_warm"] = timed(rl + ["check", str(r), "--overlay", str(overlay)], env, runs)
        for t, cmd in peer_cmds(tools, [str(r / "compose.yml")]).items():
            row[t] = timed(cmd, env, runs)
        ratio = row["recipelint"]["wall"] / row["compose-lint"]["wall"] if "compose-lint" in row else None
        row["ratio_compose_lint"] = ratio
        one.append(row)
        out.append(f"  {r.name:22} {lines[r]:5d} {ms(row['recipelint']['wall']):>11} "
                   f"{ms(row['recipelint_warm']['wall']):>11} "
                   + " ".join(f"{ms(row[t]['wall']):>12}" for t in peer_cmds(tools, ["x"]))
                   + (f"   {ratio:.2f}x (target <= 0.80x)" if ratio else ""))
    res["one_recipe"] = one

    # ---- catalogue, with scaling
    out.append("\nCatalogue sweep (recipelint --catalogue --no-cache, all cores; peers: one process over every "
               "compose*.yml of those recipes)")
    out.append(f"  {'recipes':>7} {'files':>6} {'recipelint':>11} {'CPU':>8} {'per recipe':>10} {'warm cache':>11} "
               + " ".join(f"{t:>12}" for t in peer_cmds(tools, ["x"])) + "   ratio vs yamllint")
    sweep = []
    for k in sizes:
        cat = cats[k]
        rs = sorted((cat / "recipes").iterdir())
        files = compose_files(rs)
        row = {"recipes": k, "files": len(files)}
        cmd = rl + ["check", "--catalogue", str(cat / "recipes"), "--overlay", str(overlay)]
        row["recipelint"] = timed(cmd + ["--no-cache"], env, runs)
        row["recipelint_warm"] = timed(cmd, env, runs)
        for t, pc in peer_cmds(tools, files).items():
            if t == "dclint":  # ~0.2 s a file: only at the smallest size (its rate is linear), 2 runs, no warm-up
                if k == sizes[0]:
                    row[t] = timed(pc, env, min(runs, 2), warm=0)
                continue
            row[t] = timed(pc, env, runs)
        ratio = row["recipelint"]["wall"] / row["yamllint"]["wall"] if "yamllint" in row else None
        row["ratio_yamllint"] = ratio
        sweep.append(row)
        out.append(f"  {k:7d} {len(files):6d} {ms(row['recipelint']['wall']):>11} {row['recipelint']['cpu']:6.1f} s "
                   f"{row['recipelint']['wall'] / k * 1000:7.1f} ms {ms(row['recipelint_warm']['wall']):>11} "
                   + " ".join(f"{ms(row[t]['wall']) if t in row else '-':>12}" for t in peer_cmds(tools, ["x"]))
                   + (f"   {ratio:.2f}x (target <= 0.50x)" if ratio else ""))
    res["catalogue"] = sweep
    if len(sweep) >= 2:
        base = sweep[0]
        parts = [f"{s['recipes']}: {s['recipelint']['wall'] / base['recipelint']['wall']:.2f}x wall, "
                 f"{s['recipelint']['cpu'] / base['recipelint']['cpu']:.2f}x CPU for "
                 f"{s['recipes'] / base['recipes']:.0f}x recipes" for s in sweep[1:]]
        out.append("  scaling (recipelint, vs the smallest): " + "; ".join(parts))
    big = sweep[-1]
    out.append(f"  {n} recipes: {big['recipelint']['wall']:.2f} s wall (target < 4 s on 2 cores), "
               f"{big['recipelint']['cpu']:.2f} s CPU")

    # ---- memory
    if tools.get("psutil-python"):
        cmd = rl + ["check", "--catalogue", str(full / "recipes"), "--overlay", str(overlay), "--no-cache"]
        r = sh([tools["psutil-python"], str(Path(__file__).resolve().parent / "rss.py"), *cmd], env=env, cwd=ROOT)
        try:
            mem = json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            mem = {"error": r.stderr[-300:]}
        res["memory"] = mem
        if "peak_rss_mb" in mem:
            pss = f", PSS {mem['peak_pss_mb']:.0f} MB" if mem.get("peak_pss_mb") else ""
            out.append(f"\nPeak memory of the {n}-recipe sweep, all processes: RSS {mem['peak_rss_mb']:.0f} MB"
                       f"{pss} (target <= 150 MB); largest single process {mem['max_process_mb']:.0f} MB")
        else:
            out.append(f"\nPeak memory: not measured ({mem.get('error', '?')})")
    out.append(f"\n(benchmark wall time {time.perf_counter() - t_start:.0f} s; load average at the end "
               f"{os.getloadavg()[0]:.1f}, at the start {load0:.1f}: other work on the machine inflates wall times)")
    print("\n".join(out))
    if a.json:
        a.json.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
