from functools import lru_cache
from pathlib import PurePosixPath

from recipelint.config import knowledge
from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._knowledge import APP_REWRITTEN_FILES


class ConfigOverWritableFile(Rule):
    code = "C001"
    name = "config-over-writable-file"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = "readonly-config"
    summary = "A swarm config or secret is mounted as a file inside a directory the service writes to."
    why = """
    Swarm mounts every `configs:`/`secrets:` entry of a service as a read-only file. When a
    volume or bind mount of the same service makes the parent directory writable, the
    recipe is telling two stories: the directory is state the app owns and writes, but one
    file in it is frozen. Apps that keep their settings in such a directory write them back
    (a generated secret, a migrated setting, an atomic rename over the file) and fail with
    `read-only file system` or `device or resource busy`. It bites on upgrades, when the new
    version has something new to save, and not on a cold install: the seed's gitea 3.6.0
    crash-looped with `failed to save "/etc/gitea/app.ini": open /etc/gitea/app.ini:
    read-only file system` while /etc/gitea was a writable volume. Files an app is known to
    rewrite at start or upgrade (gitea's app.ini, ...) are flagged even without a volume.
    """
    fix = """
    Mount the rendered config somewhere the app only reads (e.g. `/etc/gitea/app.ini.tmpl` or
    `/run/config/app.ini`) and have the entrypoint copy it into the writable volume when it
    starts, or point the app at a config path outside the volume. For files the app rewrites,
    let the app own the file in its volume and pass settings through environment variables.
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            image = recipe.interpolate(svc.image.text) if svc.image is not None and svc.image.text else ""
            rewritten = _rewritten_files(image, knowledge(recipe, "APP_REWRITTEN_FILES", APP_REWRITTEN_FILES))
            mounts = [m for m in svc.mounts if m.type in ("volume", "bind") and not m.read_only and m.target]
            for ref in svc.filerefs():
                target = _clean(recipe.interpolate(ref.target))
                parent = _writable_parent(recipe, target, mounts)
                known = target in rewritten
                if parent is None and not known:
                    continue
                what = "config" if ref.kind == "config" else "secret"
                if parent is not None:
                    vol = parent.source or "(anonymous volume)"
                    kind = "bind mount" if parent.type == "bind" else "volume"
                    msg = (f"service '{svc.name}': {what} '{ref.source}' is mounted read-only at {target}, "
                           f"inside {_clean(recipe.interpolate(parent.target))}, which {kind} '{vol}' makes "
                           "writable")
                    if known:
                        msg += "; the app rewrites this file at start/upgrade and will fail with a read-only error"
                    else:
                        msg += "; an app writing its own config there fails with a read-only error"
                else:
                    msg = (f"service '{svc.name}': {what} '{ref.source}' is mounted read-only at {target}, "
                           "a file this app rewrites at start/upgrade; it will fail with a read-only error")
                yield self.finding(ref.target_node, msg, service=svc.name, data={
                    "target": target, "config": ref.source, "kind": ref.kind,
                    "volume": parent.source if parent is not None else None,
                    "volume_target": _clean(recipe.interpolate(parent.target)) if parent is not None else None,
                    "known_rewriter": known,
                })

    valid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    volumes:
      - conf:/etc/nginx/conf.d
    configs:
      - source: nginx_conf
        target: /etc/nginx/nginx.conf
volumes:
  conf:
configs:
  nginx_conf:
    file: ./nginx.conf
""", files={"nginx.conf": "events {}\n"}, note="the volume is a sibling directory, not the config's parent"),
        Example(compose="""\
services:
  app:
    image: gitea/gitea:1.24.2-rootless
    volumes:
      - config:/etc/gitea:ro
      - data:/var/lib/gitea
    configs:
      - source: app_ini
        target: /etc/gitea/app.ini.tmpl
volumes:
  config:
  data:
configs:
  app_ini:
    file: ./app.ini.tmpl
""", files={"app.ini.tmpl": "[server]\n"},
                note="a template the app never writes, under a read-only volume"),
        Example(compose="""\
services:
  app:
    image: example/app:1
    volumes:
      - type: volume
        source: data
        target: /data
        read_only: true
    secrets:
      - source: token
        target: /data/token
volumes:
  data:
secrets:
  token:
    external: true
""", note="long-syntax read-only volume"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: gitea/gitea:1.24.2-rootless
    volumes:
      - config:/etc/gitea
      - data:/var/lib/gitea
    configs:
      - source: app_ini
        target: /etc/gitea/app.ini
volumes:
  config:
  data:
configs:
  app_ini:
    file: ./app.ini.tmpl
    template_driver: golang
""", files={"app.ini.tmpl": "[server]\n"}, expect=[(9, 17)], note="the seed's gitea 3.6.0"),
        Example(compose="""\
services:
  app:
    image: example/app:1
    volumes:
      - ./state:/srv/app
    configs:
      - settings.yml
    secrets:
      - source: key
        target: /srv/app/secret/key
configs:
  settings.yml:
    file: ./settings.yml
secrets:
  key:
    external: true
""", files={"settings.yml": "a: 1\n"}, expect=[(10, 17)],
                note="a secret under a writable bind mount; the short-syntax config lands at /settings.yml"),
        Example(compose="""\
services:
  app:
    image: codeberg.org/forgejo/forgejo:11
    configs:
      - source: app_ini
        target: /data/gitea/conf/app.ini
configs:
  app_ini:
    file: ./app.ini
""", files={"app.ini": "[server]\n"}, expect=[(6, 17)], note="a known rewriter without any volume"),
    ]


@lru_cache(maxsize=8192)  # pure, called for every mount of every variant
def _clean(path: str) -> str:
    p = str(PurePosixPath(path))
    return p if p != "." else path


def _writable_parent(recipe, target: str, mounts):
    """The nearest writable mount whose target is a parent directory of ``target``."""
    best = None
    for m in mounts:
        mt = _clean(recipe.interpolate(m.target)).rstrip("/") or "/"
        if mt == "/" or mt == target:
            continue
        if target.startswith(mt + "/") and (best is None or len(mt) > len(best[0])):
            best = (mt, m)
    return best[1] if best else None


def _repository(image: str) -> str:
    """`registry/ns/name:tag@digest` -> `registry/ns/name`."""
    ref = image.split("@", 1)[0]
    head, _, tail = ref.rpartition("/")
    if ":" in tail:
        tail = tail.split(":", 1)[0]
    return f"{head}/{tail}" if head else tail


def _rewritten_files(image: str, table: dict) -> set[str]:
    repo = _repository(image).lower()
    out: set[str] = set()
    for fragment, files in table.items():
        if fragment in repo:
            out.update(files)
    return out
