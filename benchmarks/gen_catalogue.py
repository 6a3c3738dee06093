"""Generate a synthetic catalogue of N realistic recipes for the speed benchmark (not a test).

    python benchmarks/gen_catalogue.py OUT_DIR --n 400 [--seed 1]

Each recipe is derived from one of our own fixture recipes (fixtures/recipes/*, the discourse git
fixture), with variations drawn from a seeded RNG, so the same (N, seed) always gives the same files:

- compose.yml grown to 100-300 lines by cloning the base's services under new names with other
  image tags, environment entries and labels;
- 1-20 overlays `compose.<feature>.yml` (most recipes few, some many); the first 0-2 are chained by
  COMPOSE_FILE in .env.sample, the rest are optional variants;
- the base's templates, scripts and abra.sh; an abra.sh version pin per templated overlay config;
- a git history of 3 commits with 2 release tags (annotated) on `main`;
- for about a third of the recipes, overlay tests under OUT_DIR/overlay/<name>/ (the base's fixture
  tests, renamed, plus a generated one).

Layout: OUT_DIR/recipes/<name>/ and OUT_DIR/overlay/<name>/. Git repositories are written with one
`git fast-import` per recipe.
"""

from __future__ import annotations

import argparse
import copy
import io
import os
import random
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GEN_VERSION = 1  # bump when the output changes; the runner caches catalogues by (n, seed, version)

FEATURES = ["smtp", "ldap", "oidc", "s3", "redis", "metrics", "backup", "cron", "mail", "sso", "cdn", "search",
            "worker", "office", "talk", "antivirus", "webdav", "proxy-protocol", "healthcheck", "migrations",
            "replica", "debug"]


def _yaml():
    from ruamel.yaml import YAML

    y = YAML()
    y.width = 4096
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def bases() -> list[dict]:
    """Our fixture recipes: name, files (relative path -> text), overlay test files."""
    out = []
    for d in sorted((FIXTURES / "recipes").iterdir()):
        if (d / "compose.yml").is_file():
            files = {p.relative_to(d).as_posix(): p.read_text(encoding="utf-8")
                     for p in sorted(d.rglob("*")) if p.is_file() and ".git" not in p.parts}
            ov = FIXTURES / "overlay" / d.name
            tests = {p.relative_to(ov).as_posix(): p.read_text(encoding="utf-8")
                     for p in sorted(ov.rglob("*.py"))} if ov.is_dir() else {}
            out.append({"name": d.name, "files": files, "tests": tests})
    disc = FIXTURES / "git" / "discourse" / "v0.8.1"
    if disc.is_dir():
        files = {p.relative_to(disc).as_posix(): p.read_text(encoding="utf-8") for p in sorted(disc.rglob("*"))
                 if p.is_file()}
        out.append({"name": "discourse", "files": files, "tests": {}})
    return out


def _bump_tag(image: str, rng: random.Random) -> str:
    repo, _, tag = image.rpartition(":")
    if not repo:
        return image
    nums = [int(x) for x in tag.split("-")[0].split(".") if x.isdigit()]
    if not nums:
        return image
    nums[-1] += rng.randint(0, 9)
    return f"{repo}:{'.'.join(map(str, nums))}"


def _dump(y, doc) -> str:
    buf = io.StringIO()
    y.dump(doc, buf)
    return buf.getvalue()


def grow_compose(text: str, rng: random.Random, target: int) -> str:
    """Clone services until the file has about ``target`` lines."""
    y = _yaml()
    doc = y.load(text)
    services = doc.get("services") or {}
    names = list(services)
    k = 0
    out = _dump(y, doc)
    while out.count("\n") < target and names and k < 60:
        src = rng.choice(names)
        clone = copy.deepcopy(services[src])
        new = f"{src}-{FEATURES[k % len(FEATURES)]}{k // len(FEATURES) or ''}"
        if isinstance(clone, dict):
            if isinstance(clone.get("image"), str):
                clone["image"] = _bump_tag(clone["image"], rng)
            env = clone.get("environment")
            if isinstance(env, list):
                env.append(f"{new.upper().replace('-', '_')}_ENABLED=true")
            elif isinstance(env, dict):
                env[f"{new.upper().replace('-', '_')}_ENABLED"] = "true"
            clone.pop("ports", None)
        services[new] = clone
        k += 1
        grown = _dump(y, doc)
        if grown.count("\n") > 300:  # the brief: 100-300 lines
            del services[new]
            break
        out = grown
    return out


def overlay_file(feature: str, svc: str, rng: random.Random, templated: bool) -> tuple[str, dict[str, str]]:
    """A compose.<feature>.yml adding env, labels and (sometimes) a templated config to one service."""
    up = feature.upper().replace("-", "_")
    lines = ["---", 'version: "3.8"', "", "services:", f"  {svc}:", "    environment:"]
    for j in range(rng.randint(2, 8)):
        lines.append(f"      - {up}_SETTING_{j}=${{{up}_SETTING_{j}}}")
    lines += ["    deploy:", "      labels:", f'        - "coop-cloud.${{STACK_NAME}}.{feature}=true"']
    extra = {}
    if templated:
        lines += ["    configs:", f"      - source: {feature.replace('-', '_')}_conf",
                  f"        target: /etc/{feature}/{feature}.conf", "",
                  "configs:", f"  {feature.replace('-', '_')}_conf:",
                  f"    name: ${{STACK_NAME}}_{feature.replace('-', '_')}_conf_${{{up}_CONF_VERSION}}",
                  f"    file: {feature}.conf.tmpl", "    template_driver: golang"]
        extra[f"{feature}.conf.tmpl"] = (f'# {feature} settings for {{{{ env "DOMAIN" }}}}\n'
                                         f'enabled = true\nhost = {{{{ env "{up}_HOST" }}}}\n')
    return "\n".join(lines) + "\n", extra


def recipe(base: dict, i: int, seed: int) -> tuple[str, list[dict[str, str]], dict[str, str]]:
    """(name, [files at each of 3 commits], overlay tests)."""
    rng = random.Random(seed * 100003 + i)
    name = f"{base['name']}-{i:04d}"
    files = {k: v for k, v in base["files"].items() if k != "README.md" or rng.random() < 0.7}
    target = rng.randint(100, 300)
    files["compose.yml"] = grow_compose(base["files"]["compose.yml"], rng, target)
    svc_names = list((_yaml().load(files["compose.yml"]) or {}).get("services") or {"app": None})
    n_over = min(20, 1 + int(rng.expovariate(1 / 3.5)))
    feats = rng.sample(FEATURES, n_over)
    abra = files.get("abra.sh", "")
    for f in feats:
        templated = rng.random() < 0.4
        text, extra = overlay_file(f, rng.choice(svc_names), rng, templated)
        files[f"compose.{f}.yml"] = text
        files.update(extra)
        if templated:
            abra += f"export {f.upper().replace('-', '_')}_CONF_VERSION=v{rng.randint(1, 9)}\n"
    if abra:
        files["abra.sh"] = abra
    chained = feats[:rng.randint(0, min(2, len(feats)))]
    env = files.get(".env.sample", "TYPE=x\nDOMAIN=x.example.com\n")
    chain = ":".join(["compose.yml"] + [f"compose.{f}.yml" for f in chained])
    env = "\n".join(ln for ln in env.splitlines() if not ln.startswith("COMPOSE_FILE="))
    env += f'\nCOMPOSE_FILE="{chain}"\n' + "".join(f"#{f.upper().replace('-', '_')}_HOST=\n" for f in feats)
    files[".env.sample"] = env
    # history: two releases, then today's main
    v1 = dict(files)
    v1["compose.yml"] = files["compose.yml"].replace("version: \"3.8\"", "version: \"3.7\"")
    v2 = dict(files)
    v2.pop(f"compose.{feats[-1]}.yml", None) if len(feats) > 1 else None
    history = [v1, v2, files]
    tests = {}
    if rng.random() < 0.35:
        tests = dict(base["tests"])
        tests["test_generated.py"] = (
            '"""Generated overlay test."""\n\nimport os\n\n\ndef test_services_listed():\n'
            f'    services = {sorted(svc_names)!r}\n    assert "{svc_names[0]}" in services\n'
            '    assert os.environ.get("DOMAIN", "x") != ""\n')
    return name, history, tests


def write_git(root: Path, history: list[dict[str, str]], i: int) -> None:
    """One `git fast-import` writes 3 commits and 2 annotated release tags; then the work tree is checked out."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    who = "bench <bench@recipelint.invalid>"
    buf = io.BytesIO()
    ts = 1767225600 + i * 60
    for n, files in enumerate(history, start=1):
        buf.write(b"commit refs/heads/main\n")
        buf.write(f"mark :{n}\ncommitter {who} {ts + n} +0000\n".encode())
        msg = f"step {n}\n".encode()
        buf.write(b"data %d\n%s" % (len(msg), msg))
        if n > 1:
            buf.write(f"from :{n - 1}\n".encode())
        buf.write(b"deleteall\n")
        for path, text in sorted(files.items()):
            data = text.encode()
            buf.write(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    for n, tag in ((1, f"1.0.{i % 7}+1.{i % 5}.0"), (2, f"1.1.{i % 3}+1.{i % 5}.1")):
        buf.write(f"tag {tag}\nfrom :{n}\ntagger {who} {ts + n} +0000\n".encode())
        msg = f"release {tag}\n".encode()
        buf.write(b"data %d\n%s" % (len(msg), msg))
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=buf.getvalue(), check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "-f", "main"], check=True)


def generate(out: Path, n: int, seed: int = 1) -> Path:
    """Write the catalogue (idempotent: an existing complete one with the same stamp is kept)."""
    stamp = out / ".stamp"
    want = f"{GEN_VERSION} {n} {seed}"
    if stamp.is_file() and stamp.read_text() == want:
        return out
    if out.exists():
        shutil.rmtree(out)
    bs = bases()
    for i in range(n):
        base = bs[i % len(bs)]
        name, history, tests = recipe(base, i, seed)
        write_git(out / "recipes" / name, history, i)
        for rel, text in tests.items():
            p = out / "overlay" / name / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
    (out / "overlay").mkdir(parents=True, exist_ok=True)
    stamp.write_text(want)
    return out


def subset(full: Path, dest: Path, k: int) -> Path:
    """dest/recipes holds symlinks to the first k recipes of full (for the scaling runs)."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "recipes").mkdir(parents=True)
    for p in sorted((full / "recipes").iterdir())[:k]:
        os.symlink(p, dest / "recipes" / p.name)
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    generate(a.out, a.n, a.seed)
    recipes = sorted((a.out / "recipes").iterdir())
    lines = [sum(1 for _ in open(r / "compose.yml")) for r in recipes]
    overlays = [len(list(r.glob("compose.*.yml"))) for r in recipes]
    print(f"{len(recipes)} recipes in {a.out}: compose.yml {min(lines)}-{max(lines)} lines, "
          f"{min(overlays)}-{max(overlays)} overlays, {len(list((a.out / 'overlay').iterdir()))} with overlay tests")


if __name__ == "__main__":
    main()
