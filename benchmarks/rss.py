"""Run a command and report its wall time and peak memory, children included (helper of run.py).

    python rss.py CMD [ARGS...]   ->  one JSON line on stdout

- ``peak_rss_mb``: the highest sum of RSS over the whole process tree, sampled every 10 ms (psutil);
  shared pages count once per process, so this over-states what a forked pool really uses;
- ``peak_pss_mb``: the same with PSS (shared pages split between their users), where readable;
- ``max_process_mb``: ru_maxrss of the largest single process (getrusage(RUSAGE_CHILDREN)).

Needs psutil (run.py runs this with its tools venv, which has it).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import psutil


def tree(p: psutil.Process):
    try:
        return [p] + p.children(recursive=True)
    except psutil.Error:
        return [p]


def main() -> None:
    cmd = sys.argv[1:]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = psutil.Process(proc.pid)
    peak_rss = peak_pss = 0
    pss_ok = True
    while proc.poll() is None:
        rss = pss = 0
        for p in tree(root):
            try:
                if pss_ok:
                    try:
                        mi = p.memory_full_info()
                        rss += mi.rss
                        pss += getattr(mi, "pss", 0)
                        continue
                    except (psutil.AccessDenied, AttributeError):
                        pss_ok = False
                rss += p.memory_info().rss
            except psutil.Error:
                continue
        peak_rss = max(peak_rss, rss)
        peak_pss = max(peak_pss, pss)
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"wall": wall, "rc": proc.returncode, "peak_rss_mb": peak_rss / 2**20,
                      "peak_pss_mb": peak_pss / 2**20 if pss_ok else None, "max_process_mb": ru.ru_maxrss / 1024,
                      "cpu_s": ru.ru_utime + ru.ru_stime}))


if __name__ == "__main__":
    main()
