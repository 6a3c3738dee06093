"""Speed benchmark (not a test): start-up cost and check time on the bundled fixtures.

    python benchmarks/bench_check.py [--runs N]

Prints, for each fixture recipe, the median wall time of a whole `recipelint check` process
(what a pre-commit hook pays) and of the in-process lint (load + rules), plus the process
start-up floor (`recipelint --version`) and which heavy modules a check imported.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    subprocess.run([sys.executable, str(ROOT / "fixtures" / "build.py")], check=True, capture_output=True)
    overlay = ROOT / "fixtures" / "overlay"
    recipes = sorted(p for p in (ROOT / "fixtures" / "recipes").iterdir() if p.is_dir())
    recipes += sorted(p for p in (ROOT / "fixtures" / "_build").iterdir() if p.is_dir())
    entry = [sys.executable, "-c", "from recipelint.cli import run; run()"]

    floor = wall(entry + ["--version"], args.runs)
    print(f"process start-up (recipelint --version): {floor * 1000:7.1f} ms")
    heavy_probe = ("import sys\nfrom recipelint.cli import run\nsys.argv=['recipelint','check',%r,'--overlay',%r]\n"
                   "try:\n    run()\nexcept SystemExit:\n    pass\n"
                   "print(','.join(m for m in ('libcst','jsonschema','docker') if m in sys.modules) or '-')")

    from recipelint import engine
    from recipelint.model import Recipe

    rules = engine.discover()
    print(f"{'recipe':28} {'process':>10} {'in-process':>11}  heavy imports")
    for r in recipes:
        proc = wall(entry + ["check", str(r), "--overlay", str(overlay)], args.runs)
        inproc = []
        for _ in range(args.runs):
            t = time.perf_counter()
            engine.run(Recipe.load(r, overlay_root=overlay), rules)
            inproc.append(time.perf_counter() - t)
        heavy = subprocess.run([sys.executable, "-c", heavy_probe % (str(r), str(overlay))], capture_output=True, text=True,
                               cwd=ROOT).stdout.strip().splitlines()[-1]
        print(f"{r.name:28} {proc * 1000:8.1f} ms {statistics.median(inproc) * 1000:8.1f} ms  {heavy}")


if __name__ == "__main__":
    main()
