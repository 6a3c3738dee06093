import re

from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import (has_unresolved, interpolate_deploy, resolve_path, top_defs, var_uses,
                                         where_set)

_STACK = re.compile(r"\$\{STACK_NAME\}")


class ConfigChangedWithoutVersionBump(Rule):
    code = "I010"
    name = "config-changed-without-version-bump"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A config or secret file changed since the latest release, but the name it is created under did not."
    why = """
    Swarm configs and secrets are immutable: `docker stack deploy` can create one under a new name,
    but it cannot change the content behind a name that already exists, and the whole upgrade stops
    with `only updates to Labels are allowed`. That is why recipes put a version in the name,
    `name: ${STACK_NAME}_nginx_conf_${NGINX_CONF_VERSION}`, and pin the version in abra.sh. If the
    file changed since the latest release tag but the name resolves to the same thing as in that
    release, every app running the release fails to upgrade to this one. This is what abra's R012
    (config versions vendored) is for, checked against the git history: the file is read at the
    release tag and in the working tree, and the name is resolved with each one's abra.sh and
    `.env.sample`. Names that stay unresolved (a version only the operator's env sets) are left alone.
    """
    fix = """
    Bump the config's version variable in abra.sh (`export NGINX_CONF_VERSION=v2`), or in
    `.env.sample` for a secret, in the same change that edits the file.
    """

    def check(self, recipe):
        rel = recipe.latest_release
        if rel is None:
            return
        old = recipe.at(rel.tag)
        for kind in ("configs", "secrets"):
            old_defs = top_defs(old, kind)
            for key, (_, node) in top_defs(recipe, kind).items():
                if not node.is_map or key not in old_defs or not old_defs[key][1].is_map:
                    continue
                f, old_node = node.get("file"), old_defs[key][1]
                of = old_node.get("file")
                cur_path = resolve_path(recipe, f.text if f is not None else None)
                old_path = resolve_path(old, of.text if of is not None else None)
                if cur_path is None or old_path is None:
                    continue
                cur_text, old_text = recipe.read(cur_path), old.read(old_path)
                if cur_text is None or old_text is None or cur_text == old_text:
                    continue
                cur_name, name_node = self._name(recipe, key, node)
                old_name, _ = self._name(old, key, old_node)
                if cur_name != old_name or has_unresolved(_STACK.sub("", cur_name)):
                    continue
                at, how = name_node or node.key or node, f"its name is still {cur_name}"
                if name_node is not None:
                    versions = [u for u in var_uses(name_node) if u.name != "STACK_NAME"]
                    if versions:
                        at = versions[-1].loc
                        how = f"its name is still {cur_name} ({where_set(recipe, versions[-1].name)})"
                else:
                    how = f"it has no `name:`, so it is always {cur_name}"
                yield self.finding(at, f"{kind[:-1]} '{key}': {cur_path} changed since release {rel.tag}, but {how}; "
                                       "swarm cannot change a config or secret in place, so upgrading an app from "
                                       f"{rel.tag} fails (only updates to Labels are allowed)",
                                   data={kind[:-1]: key, "file": cur_path, "release": rel.tag})

    @staticmethod
    def _name(recipe, key, node):
        n = node.get("name")
        if n is None or not n.text:
            return "${STACK_NAME}_" + key, None
        return interpolate_deploy(recipe, n.text), n

    _COMPOSE = """\
services:
  web:
    image: nginx:1.27
    configs:
      - source: nginx_conf
        target: /etc/nginx/nginx.conf
configs:
  nginx_conf:
    name: ${STACK_NAME}_nginx_conf_${NGINX_CONF_VERSION}
    file: nginx.conf
"""
    valid = [
        Example(history=[
            {"files": {"compose.yml": _COMPOSE, "nginx.conf": "worker_processes 1;\n",
                       "abra.sh": "export NGINX_CONF_VERSION=v1\n"}, "tag": "1.0.0+1.27.0"},
            {"files": {"nginx.conf": "worker_processes 2;\n", "abra.sh": "export NGINX_CONF_VERSION=v2\n"}},
        ], note="the file changed and its version was bumped in the same change"),
        Example(history=[
            {"files": {"compose.yml": _COMPOSE, "nginx.conf": "worker_processes 1;\n",
                       "abra.sh": "export NGINX_CONF_VERSION=v1\n"}, "tag": "1.0.0+1.27.0"},
            {"files": {"compose.yml": _COMPOSE.replace("1.27", "1.28")}},
        ], note="only the image changed"),
        Example(history=[
            {"files": {"compose.yml": _COMPOSE, "nginx.conf": "worker_processes 1;\n"}, "tag": "1.0.0+1.27.0"},
            {"files": {"nginx.conf": "worker_processes 2;\n"}},
        ], note="a version that only the operator's env sets cannot be judged"),
    ]
    invalid = [
        Example(history=[
            {"files": {"compose.yml": _COMPOSE, "nginx.conf": "worker_processes 1;\n",
                       "abra.sh": "export NGINX_CONF_VERSION=v1\n"}, "tag": "1.0.0+1.27.0"},
            {"files": {"nginx.conf": "worker_processes 2;\n"}},
        ], expect=[(9, 36)], note="the file changed after the release, the version in abra.sh did not"),
        Example(history=[
            {"files": {"compose.yml": _COMPOSE.replace("${NGINX_CONF_VERSION}", "${NGINX_CONF_VERSION:-v3}"),
                       "nginx.conf": "worker_processes 1;\n"}, "tag": "1.0.0+1.27.0"},
            {"files": {"nginx.conf": "worker_processes 2;\n"}},
        ], files={"nginx.conf": "worker_processes 4;\n"}, expect=[(9, 36)],
            note="the version is a default in place; the edit is not even committed yet"),
        Example(history=[
            {"files": {"compose.yml": _COMPOSE.replace("    name: ${STACK_NAME}_nginx_conf_${NGINX_CONF_VERSION}\n",
                                                       ""),
                       "nginx.conf": "worker_processes 1;\n"}, "tag": "1.0.0+1.27.0"},
            {"files": {"nginx.conf": "worker_processes 2;\n"}},
        ], expect=[(8, 3)], note="no name at all: the stack-prefixed key never changes"),
    ]
