"""Catalogue sweeps: lint every recipe under one or more directories (like ~/.abra/recipes).

API (also used by `recipelint report --catalogue`):

    discover_recipes(dirs) -> list[Path]
    lint_catalogue(paths, *, overlay=None, select=(), ignore=(), jobs=None, cache=True, progress=False)
        -> list[(path, recipe_name, findings, error_or_None)]   # in the order of ``paths``

Recipes are linted in a process pool (fork where the platform has it, so workers inherit the
engine and the rule catalogue already imported by the parent; elsewhere each worker imports them
once, in its initializer). Work is handed out in chunks, and each recipe's result goes through the
per-recipe result cache (recipelint/cache.py) unless ``cache=False``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_INLINE_BELOW = 4  # fewer recipes than this: a pool costs more than it saves


def discover_recipes(dirs) -> list[Path]:
    """Every recipe directly under each DIR, by name; duplicates once.

    A recipe is a subdirectory that `check PATH` would accept: it holds, at its top level, a compose file
    by the model's naming rule (`compose*.yml`/`.yaml`, `docker-compose*.yml`/`.yaml`) or an `.env.sample`
    (a recipe whose compose file is missing is linted, and I001 says so, rather than silently skipped)."""
    out: list[Path] = []
    seen: set[Path] = set()
    for d in dirs:
        d = Path(d)
        try:
            entries = sorted(d.iterdir(), key=lambda p: p.name)
        except OSError:
            continue
        for e in entries:
            if e.name.startswith(".") or not _looks_like_recipe(e):
                continue
            key = e.resolve()
            if key not in seen:
                seen.add(key)
                out.append(e)
    return out


def _looks_like_recipe(d: Path) -> bool:
    """What Recipe.load accepts: an `.env.sample`, or a compose file by the model's own naming rule."""
    from .model.recipe import _is_compose_name

    if (d / ".env.sample").is_file():
        return True
    try:
        return any(e.is_file() and _is_compose_name(e.name) for e in os.scandir(d))
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------- one recipe
_STATE: dict = {}


def _setup(overlay, select, ignore, use_cache, cfg_opts=None) -> None:
    """Per process: the rules and options (the pool initializer, and the inline path).

    ``cfg_opts`` (fail_on, no_inline_ignores, config_file, isolated) go to recipelint.config.prepare,
    which finds each recipe's own config file, exactly as `check PATH` does."""
    from . import engine

    rules = engine.discover()
    _STATE.update(overlay=Path(overlay) if overlay is not None else None, sel=engine.split_codes(select),
                  ign=engine.split_codes(ignore), rules=rules, codes=engine.known_codes(rules), cache=use_cache,
                  cfg_opts=dict(cfg_opts or {}), configs={})


def _lint(path: Path):
    """(path, name, findings, error, failing): ``failing`` says whether an unsuppressed finding reaches the
    recipe's `fail-on` (its config's, unless the command line gave one)."""
    from . import config

    path = Path(path)
    name = path.resolve().name
    o = _STATE["cfg_opts"]
    try:
        from .model import NotARecipe, Recipe

        try:
            recipe = Recipe.load(path, overlay_root=_STATE["overlay"])
            name = recipe.name
            chosen, eff, cfg = config.prepare(path, recipe, _STATE["rules"], _STATE["codes"],
                                              select=_STATE["sel"], ignore=_STATE["ign"], fail_on=o.get("fail_on"),
                                              no_inline_ignores=o.get("no_inline_ignores", False),
                                              config_file=o.get("config_file"), isolated=o.get("isolated", False),
                                              cache=_STATE["configs"])
        except (NotARecipe, config.ConfigError) as exc:
            return path, name, [], str(exc), False
        found = run_cached(path, recipe, chosen, select_=eff.select, ignore=eff.ignore, overlay=_STATE["overlay"],
                           use_cache=_STATE["cache"], config_key=cfg.key(), inline_ignores=eff.inline_ignores,
                           keep_suppressed=True)
        found, failing = config.finish(cfg, eff, found)
    except Exception as exc:  # noqa: BLE001 - one broken recipe must not stop a sweep
        return path, name, [], f"{path}: cannot lint: {type(exc).__name__}: {exc}", False
    return path, name, found, None, failing


def cache_options(select_, ignore, rules) -> dict:
    """What besides the files decides a recipe's findings: the selection and which rule classes ran."""
    return {"select": list(select_), "ignore": list(ignore),
            "rules": [f"{r.code}:{r.__module__}.{r.__qualname__}" for r in rules]}


def run_cached(path: Path, recipe, rules, *, select_=(), ignore=(), overlay=None, use_cache=True,
               config_key: str = "", **run_kw):
    """engine.run for an already loaded recipe, through the result cache (what `check PATH` uses).

    ``run_kw`` (inline_ignores, keep_suppressed) go to engine.run; they and ``config_key`` (what of
    the recipe's config can change findings, recipelint.config.Config.key) are part of the cache key."""
    from . import engine

    if not use_cache:
        return engine.run(recipe, rules, select_=select_, ignore=ignore, **run_kw)
    from . import cache

    options = cache_options(select_, ignore, rules)
    if run_kw or config_key:
        options.update(run=dict(sorted(run_kw.items())), config=config_key)
    try:
        key = cache.recipe_key(Path(path), recipe.name, overlay, options)
    except OSError:
        return engine.run(recipe, rules, select_=select_, ignore=ignore, **run_kw)
    hit = cache.load(Path(path), overlay, options, key)
    if hit is not None:
        return hit
    findings = engine.run(recipe, rules, select_=select_, ignore=ignore, **run_kw)
    cache.store(Path(path), overlay, options, key, findings)
    return findings


def _work(item):
    i, path = item
    return (i, *_lint(path))


# ---------------------------------------------------------------------------------------------- many
def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def lint_catalogue(paths, *, overlay=None, select=(), ignore=(), jobs=None, cache=True, progress=False,
                   config_options=None, with_failing=False, keep_suppressed=False):
    """Lint each recipe path; one (path, recipe_name, findings, error_or_None) per path, in order.

    ``jobs`` None means one worker per usable core; 1 lints in this process. ``progress`` True shows a
    rich progress bar on standard error (callers pass it only when standard error is a terminal).
    Each recipe's config file applies as for `check PATH`; ``config_options`` holds the flags
    (fail_on, no_inline_ignores, config_file, isolated). Findings an inline comment suppresses are left
    out, unless ``keep_suppressed`` (then they come with ``suppressed`` set, for SARIF and JSON).
    ``with_failing`` adds a fifth item: does the recipe fail its `fail-on`.
    """
    paths = [Path(p) for p in paths]
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    jobs = min(jobs, len(paths)) or 1
    _setup(overlay, select, ignore, cache, config_options)
    results: list = [None] * len(paths)
    bar = None
    try:
        if jobs == 1 or len(paths) < _INLINE_BELOW:
            bar = _Progress(len(paths)) if progress and paths else None
            for i, p in enumerate(paths):
                results[i] = _lint(p)
                if bar:
                    bar.advance(results[i][1])
        else:
            import multiprocessing as mp

            # The first recipe is linted here, before any fork: whatever the rules load lazily (a schema
            # validator, libcst) is then loaded once, and every forked worker inherits it.
            results[0] = _lint(paths[0])
            if "fork" in mp.get_all_start_methods():
                bar = _sweep_forked(mp.get_context("fork"), paths, results, jobs, progress)
            else:  # spawn: each worker imports the engine once, in its initializer
                rest = list(enumerate(paths))[1:]
                chunk = max(1, min(16, len(rest) // (jobs * 4)))
                init_args = (overlay, select, ignore, cache, config_options)
                with mp.get_context().Pool(jobs, initializer=_setup, initargs=init_args) as pool:
                    bar = _Progress(len(paths)) if progress else None
                    if bar:
                        bar.advance(results[0][1])
                    for i, *res in pool.imap_unordered(_work, rest, chunksize=chunk):
                        results[i] = tuple(res)
                        if bar:
                            bar.advance(res[1])
    finally:
        if bar:
            bar.close()
    if not keep_suppressed:
        results = [(r[0], r[1], [f for f in r[2] if getattr(f, "suppressed", None) is None], *r[3:])
                   for r in results]
    return results if with_failing else [r[:4] for r in results]


def _sweep_forked(ctx, paths, results, jobs, progress):
    """``jobs`` processes in all: this one and jobs-1 forked workers take the next recipe from a shared
    counter until none is left (so no process sits idle holding a copy of the engine: peak memory is
    jobs processes, not jobs+1). Workers send results back through a queue; the bar shows them as they come.
    Returns the progress bar (or None)."""
    n = len(paths)
    counter = ctx.Value("i", 1)  # results[0] is done
    queue = ctx.SimpleQueue()

    def take():
        with counter.get_lock():
            i = counter.value
            counter.value = i + 1
        return i if i < n else None

    def worker():
        try:
            while (i := take()) is not None:
                queue.put((i, *_lint(paths[i])))
        finally:
            queue.put(None)

    procs = []
    sys.stdout.flush()  # a forked worker must not inherit (and later flush) a copy of unwritten output
    sys.stderr.flush()
    for _ in range(jobs - 1):
        pr = ctx.Process(target=worker, daemon=True)
        pr.start()
        procs.append(pr)
    bar = _Progress(n) if progress else None  # started after the forks: its thread is not copied into them
    try:
        _share_work(take, queue, procs, paths, results, bar)
    except BaseException:
        if bar:
            bar.close()
        for pr in procs:
            pr.kill()
        raise
    return bar


def _share_work(take, queue, procs, paths, results, bar) -> None:
    if bar:
        bar.advance(results[0][1])
    done = 0  # workers that said they are finished

    def drain(block: bool) -> None:
        nonlocal done
        while done < len(procs) and (block or not queue.empty()):
            if block and queue.empty() and not any(pr.is_alive() for pr in procs):
                break  # a worker died without a word: its recipes are reported below
            if block and queue.empty():
                import time

                time.sleep(0.005)
                continue
            item = queue.get()
            if item is None:
                done += 1
                continue
            results[item[0]] = tuple(item[1:])
            if bar:
                bar.advance(item[2])

    while (i := take()) is not None:
        results[i] = _lint(paths[i])
        if bar:
            bar.advance(results[i][1])
        drain(block=False)
    drain(block=True)
    for pr in procs:
        pr.join(timeout=5)
    for i, r in enumerate(results):
        if r is None:  # only if a worker process was killed mid-recipe
            results[i] = (paths[i], paths[i].name, [], f"{paths[i]}: cannot lint: the worker process died", False)


class _Progress:
    """A rich progress bar on standard error; rich is imported only when a bar is shown."""

    def __init__(self, total: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.p = Progress(TextColumn("linting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          TextColumn("{task.description}"), console=Console(stderr=True), transient=True)
        self.p.start()
        self.task = self.p.add_task("", total=total)

    def advance(self, name: str) -> None:
        self.p.update(self.task, advance=1, description=name)

    def close(self) -> None:
        self.p.stop()


# ---------------------------------------------------------------------------------------------- CLI
def summary_table(results) -> str:
    """Counts per code and per recipe, as plain aligned text (pipe-friendly)."""
    by_code: dict[str, list] = {}
    per_recipe = []
    clean = 0
    for _path, name, findings, err in results:
        if err is not None:
            continue
        sev = {"error": 0, "warning": 0, "info": 0}
        findings = [f for f in findings if getattr(f, "suppressed", None) is None]  # counted: what is reported
        for f in findings:
            sev[f.severity] = sev.get(f.severity, 0) + 1
            row = by_code.setdefault(f.code, [f.name, f.severity, 0, set()])
            row[2] += 1
            row[3].add(name)
        if findings:
            per_recipe.append((name, sev["error"], sev["warning"], sev["info"], len(findings)))
        else:
            clean += 1
    out = []
    if by_code:
        w = max(len(r[0]) for r in by_code.values())
        out.append(f"\n{'code':5}  {'name':{w}}  {'severity':8}  {'findings':>8}  {'recipes':>7}")
        for code in sorted(by_code):
            nm, sev, n, recs = by_code[code]
            out.append(f"{code:5}  {nm:{w}}  {sev:8}  {n:8d}  {len(recs):7d}")
    if per_recipe:
        w = max(6, max(len(r[0]) for r in per_recipe))
        out.append(f"\n{'recipe':{w}}  {'errors':>6}  {'warnings':>8}  {'info':>4}  {'total':>5}")
        per_recipe.sort(key=lambda r: (-r[1], -r[2], -r[4], r[0]))
        for name, e, wn, i, n in per_recipe:
            out.append(f"{name:{w}}  {e:6d}  {wn:8d}  {i:4d}  {n:5d}")
    nerr = sum(1 for r in results if r[3] is not None)
    out.append(f"\n{len(results)} recipes: {len(per_recipe)} with findings, {clean} clean"
               + (f", {nerr} not linted" if nerr else ""))
    return "\n".join(out) + "\n"


def check_catalogue(catalogues, *, paths=(), overlay=None, fmt="text", select=(), ignore=(), fail_on=None,
                    show_fix=False, output=None, jobs=None, cache=True, formats=None, resolve=None, fail=None,
                    config_options=None) -> int:
    """`recipelint check --catalogue DIR...`: lint, print (findings, then the summary table), return the exit code.

    Exit codes: 0 nothing at the failing severity, 1 findings, 2 a recipe could not be linted or no recipe found.
    ``fail_on`` None: each recipe's config decides (else error), as for `check PATH`.
    """
    from .checkcmd import echo  # click.echo's behaviour without importing click (the fast `check` entry)

    if formats is None:
        from .report import FORMATS as formats

    def problem(msg):
        if fail is not None:
            fail(msg)  # the CLI's one-line usage error (exit 2)
        raise ValueError(msg)

    if resolve is not None:  # validate --select/--ignore against the catalogue's codes, as `check PATH` does
        from . import engine

        codes = engine.known_codes(engine.discover())
        select, ignore = resolve(select, codes, "--select"), resolve(ignore, codes, "--ignore")
    if overlay is not None and not Path(overlay).is_dir():
        problem(f"--overlay {overlay}: not a directory")
    for d in catalogues:
        if not Path(d).is_dir():
            problem(f"--catalogue {d}: not a directory")
    recipes = discover_recipes(catalogues)
    seen = {p.resolve() for p in recipes}
    recipes += [Path(p) for p in paths if Path(p).resolve() not in seen]
    if not recipes:
        problem(f"--catalogue {', '.join(map(str, catalogues))}: no recipe (a subdirectory holding a compose*.yml or .env.sample) found")
    cfg_file = (config_options or {}).get("config_file")
    if cfg_file is not None and not Path(cfg_file).is_file():
        problem(f"--config {cfg_file}: no such file")
    results = lint_catalogue(recipes, overlay=overlay, select=select, ignore=ignore, jobs=jobs, cache=cache,
                             progress=sys.stderr.isatty(),
                             config_options={**(config_options or {}), "fail_on": fail_on}, with_failing=True,
                             keep_suppressed=True)
    failing = any(r[4] for r in results)
    results = [r[:4] for r in results]
    findings = []
    roots = {}
    names = []
    errors = []
    for path, name, fs, err in results:
        if err is not None:
            errors.append(err)
            continue
        names.append(name)
        findings.extend(fs)
        roots[(name, "recipe")] = str(path)
        if overlay is not None:
            roots[(name, "overlay")] = str(overlay)
    from .rule import Finding

    findings.sort(key=Finding.sort_key)
    kw = {"roots": roots, "recipes": names, "show_fix": show_fix}
    if fmt == "json":
        kw["extra"] = {"catalogue": {"dirs": [str(d) for d in catalogues], "errors": errors}}
    text = formats[fmt](findings, **kw)
    if fmt in ("text", "concise", "full"):
        text += summary_table(results)
    if output is not None:
        Path(output).write_text(text, encoding="utf-8")
    else:
        echo(text)
    for err in errors:
        echo(f"recipelint: error: {err}\n", err=True)
    if errors:
        return 2
    return 1 if failing else 0
