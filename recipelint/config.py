"""Configuration: `[tool.recipelint]` in pyproject.toml, or `.recipelint.toml` with the same keys at its top.

Where: the nearest file at or above the recipe directory wins, so a recipe's own file overrides its
catalogue's (`~/.abra/recipes/.recipelint.toml`); in one directory `.recipelint.toml` wins over
pyproject.toml, and a pyproject.toml without `[tool.recipelint]` does not count. Files are not
merged. `--config FILE` names the file instead; `--isolated` uses none.

Precedence: a command-line flag replaces the file's key (`--select` replaces `select`, `--ignore`
replaces `ignore`, `--fail-on` replaces `fail-on`, `--no-inline-ignores` wins over `inline-ignores`).

Validated against schemas/config.schema.json; a problem is one line naming the file and the key.
Rules read the `knowledge` tables through :func:`knowledge`.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from .record import Record

NAMES = (".recipelint.toml", "pyproject.toml")

# knowledge key in the config -> table in rules/_knowledge.py
KNOWLEDGE_TABLES = {
    "app-rewritten-files": "APP_REWRITTEN_FILES",
    "shared-networks": "SHARED_NETWORKS",
    "conventional-service-names": "CONVENTIONAL_SERVICE_NAMES",
    "address-env-suffixes": "ADDRESS_ENV_SUFFIXES",
}


class ConfigError(Exception):
    """A configuration file that cannot be used (CLI: one line, exit 2)."""


class Config(Record):
    __slots__ = _fields = ("path", "section", "select", "ignore", "fail_on", "per_file_ignores", "inline_ignores",
                           "knowledge", "raw")

    def __init__(self, path: Path | None = None, section: str = "", select: list[str] | None = None,
                 ignore: list[str] | None = None, fail_on: str | None = None,
                 per_file_ignores: dict[str, list[str]] | None = None, inline_ignores: bool | None = None,
                 knowledge: dict | None = None, raw: dict | None = None):
        self.path = path
        self.section = section  # "[tool.recipelint]" or "" (top level)
        self.select = select
        self.ignore = ignore
        self.fail_on = fail_on
        self.per_file_ignores = {} if per_file_ignores is None else per_file_ignores
        self.inline_ignores = inline_ignores
        self.knowledge = {} if knowledge is None else knowledge
        self.raw = {} if raw is None else raw

    def ignored_in(self, path: str, code: str) -> bool:
        """Does `per-file-ignores` skip ``code`` in the file at ``path`` (recipe- or overlay-relative)?"""
        for pattern, codes in self.per_file_ignores.items():
            if _glob(path, pattern) and any(code.startswith(c.upper()) for c in codes):
                return True
        return False

    def key(self) -> str:
        """What of the config can change findings, for the result cache."""
        import json

        return json.dumps({"knowledge": self.knowledge}, sort_keys=True)


def _glob(path: str, pattern: str) -> bool:
    pattern = pattern.lstrip("./") if pattern.startswith("./") else pattern
    if fnmatch.fnmatchcase(path, pattern):
        return True
    return "/" not in pattern and fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)


def schema_path() -> Path:
    here = Path(__file__).resolve().parent
    for cand in (here / "schemas", here.parent / "schemas"):
        if (cand / "config.schema.json").is_file():
            return cand / "config.schema.json"
    raise ConfigError("recipelint: schemas/config.schema.json is missing from this installation")


def _read_toml(path: Path) -> dict:
    import tomllib

    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8; tomllib lets the decoder's error through
        line = exc.object[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); TOML files "
                          "must be UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _section(path: Path, doc: dict) -> tuple[dict | None, str]:
    if path.name == "pyproject.toml":
        tool = doc.get("tool")
        if not isinstance(tool, dict) or "recipelint" not in tool:
            return None, "[tool.recipelint]"
        sec = tool["recipelint"]
        if not isinstance(sec, dict):
            raise ConfigError(f"{path}: [tool.recipelint] must be a table")
        return sec, "[tool.recipelint]"
    return doc, ""


def find(start: Path) -> Path | None:
    """The nearest config file at or above ``start``."""
    d = Path(start).resolve()
    for cand in (d, *d.parents):
        for name in NAMES:
            p = cand / name
            if p.is_file():
                if name == "pyproject.toml":
                    try:
                        sec, _ = _section(p, _read_toml(p))
                    except ConfigError:
                        return p  # a broken pyproject.toml is reported by load(), not skipped
                    if sec is None:
                        continue
                return p
    return None


def load(path: Path, known_codes: set[str] | None = None) -> Config:
    """Read and validate one file. Raises ConfigError with `FILE: KEY: problem`."""
    path = Path(path)
    doc = _read_toml(path)
    sec, label = _section(path, doc)
    if sec is None:
        raise ConfigError(f"{path}: no [tool.recipelint] table")
    _validate(path, label, sec)
    cfg = Config(path=path, section=label, raw=sec)
    cfg.select = [c.upper() for c in sec["select"]] if "select" in sec else None
    cfg.ignore = [c.upper() for c in sec["ignore"]] if "ignore" in sec else None
    cfg.fail_on = sec.get("fail-on")
    cfg.per_file_ignores = {k: [c.upper() for c in v] for k, v in sec.get("per-file-ignores", {}).items()}
    cfg.inline_ignores = sec.get("inline-ignores")
    cfg.knowledge = sec.get("knowledge", {})
    if known_codes is not None:
        where = f"{path}: {label + ' ' if label else ''}"
        for key, codes in (("select", cfg.select or []), ("ignore", cfg.ignore or [])):
            for c in codes:
                if not any(k.startswith(c) for k in known_codes):
                    raise ConfigError(f"{where}{key}: no rule code starts with {c!r} (see `recipelint rules`)")
        for pattern, codes in cfg.per_file_ignores.items():
            for c in codes:
                if not any(k.startswith(c) for k in known_codes):
                    raise ConfigError(f"{where}per-file-ignores.{pattern!r}: no rule code starts with {c!r}")
    return cfg


def _validate(path: Path, label: str, sec: dict) -> None:
    import jsonschema

    import json

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(sec), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return
    e = errors[0]
    keypath = ".".join(str(p) for p in e.absolute_path)
    if e.validator == "additionalProperties":
        extra = sorted(set(e.instance) - set(e.schema.get("properties", {})))
        keypath = ".".join(filter(None, [keypath, extra[0] if extra else ""]))
        msg = "unknown key" + (f" (known: {', '.join(sorted(e.schema.get('properties', {})))})"
                               if e.schema.get("properties") else "")
    elif e.validator == "enum":
        msg = f"{e.instance!r} is not one of {', '.join(map(str, e.validator_value))}"
    elif e.validator == "pattern":
        msg = f"{e.instance!r} is not a rule code or prefix" if "[0-9]{0,3}" in e.validator_value \
            else f"{e.instance!r} does not match {e.validator_value}"
    else:
        msg = e.message
    prefix = f"{label} " if label else ""
    raise ConfigError(f"{path}: {prefix}{keypath or '(top level)'}: {msg}")


def for_recipe(recipe_dir: Path, *, explicit: Path | None = None, isolated: bool = False,
               known_codes: set[str] | None = None, _cache: dict | None = None) -> Config:
    """The config that applies to one recipe directory (an empty Config when there is none)."""
    if isolated:
        return Config()
    path = Path(explicit) if explicit is not None else find(recipe_dir)
    if path is None:
        return Config()
    if _cache is not None:
        key = str(path.resolve())
        if key not in _cache:
            _cache[key] = load(path, known_codes)
        return _cache[key]
    return load(path, known_codes)


def knowledge(recipe, table: str, base):
    """A knowledge table (by its rules/_knowledge.py name, e.g. "APP_REWRITTEN_FILES") as it applies
    to ``recipe``: the built-in ``base`` plus the entries of the recipe's config `knowledge` section.
    Mappings are merged (lists under the same key appended), sequences extended. Never mutates ``base``."""
    cfg = getattr(recipe, "config", None)
    key = next((k for k, t in KNOWLEDGE_TABLES.items() if t == table), None)
    extra = cfg.knowledge.get(key) if cfg is not None and key else None
    if not extra:
        return base
    if isinstance(base, dict):
        out = {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in base.items()}
        for k, v in extra.items():
            out[k] = list(dict.fromkeys([*out.get(k, []), *v]))
        return out
    return type(base)(dict.fromkeys([*base, *extra])) if isinstance(base, (list, tuple)) else base


class Effective(Record):
    """What one recipe's run uses once the command line and the file are combined."""

    __slots__ = _fields = ("select", "ignore", "fail_on", "inline_ignores")

    def __init__(self, select: list[str], ignore: list[str], fail_on: str, inline_ignores: bool):
        self.select = select
        self.ignore = ignore
        self.fail_on = fail_on
        self.inline_ignores = inline_ignores


def effective(cfg: Config, *, select=None, ignore=None, fail_on=None, no_inline_ignores=False) -> Effective:
    """Command-line values (None: not given) replace the file's; defaults fill the rest."""
    return Effective(
        select=list(select) if select else list(cfg.select or []),
        ignore=list(ignore) if ignore else list(cfg.ignore or []),
        fail_on=fail_on or cfg.fail_on or "error",
        inline_ignores=False if no_inline_ignores else (cfg.inline_ignores is not False),
    )


def prepare(recipe_dir: Path, recipe, rules, known_codes: set[str], *, select=None, ignore=None, fail_on=None,
            no_inline_ignores=False, config_file: Path | None = None, isolated=False, cache: dict | None = None):
    """Everything one recipe's run needs from its config and the command line:
    (the rules to run, the Effective options, the Config). Sets ``recipe.config`` for the rules.
    Raises ConfigError. (`check PATH` uses it; a catalogue sweep can call it per recipe.)"""
    from . import engine

    cfg = for_recipe(recipe_dir, explicit=config_file, isolated=isolated, known_codes=known_codes, _cache=cache)
    eff = effective(cfg, select=select, ignore=ignore, fail_on=fail_on, no_inline_ignores=no_inline_ignores)
    recipe.config = cfg
    return engine.select(rules, eff.select, eff.ignore), eff, cfg


SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


def finish(cfg: Config, eff: Effective, findings) -> tuple[list, bool]:
    """Drop what `per-file-ignores` skips; say whether anything left (not suppressed) reaches `fail-on`."""
    kept = [f for f in findings if not cfg.ignored_in(f.path, f.code)]
    threshold = SEVERITY_RANK[eff.fail_on]
    failing = any(getattr(f, "suppressed", None) is None and SEVERITY_RANK.get(f.severity, 2) >= threshold
                  for f in kept)
    return kept, failing
