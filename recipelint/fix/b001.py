"""B001 autofix: add the `backupbot.restore.post-hook` that replays the dump the pre-hook writes.

Only when the hook is one dump command whose tool, database and file are written out:

* `pg_dump [conn] DB > FILE` (plain SQL; also `-f FILE`, `| gzip > FILE`): replay with
  `psql [conn] -d DB -f FILE`. A plain dump replayed into a running database must drop what it
  recreates, so the pre-hook also gains `--clean --if-exists` (pg_dump ignores both for archive
  formats). `-Fc`/`-Ft`/`-Fd` dumps replay with `pg_restore --clean --if-exists [conn] -d DB FILE`.
* `mysqldump`/`mariadb-dump [conn] (DB | --databases ... | --all-databases) > FILE`: replay
  with `mysql`/`mariadb [conn] [DB] < FILE` (mysqldump writes `DROP TABLE IF EXISTS` by default).

The connection options (`-U`, `-u`, `-p...`, `-h`, `-P`, `--user=`...) are copied from the
pre-hook as written, `$$` escapes included, and a `sh -c '...'` wrapper is copied too. Anything
else (a dump in a script, pg_dumpall, mongodump, sqlite, redis, several commands, a restore
post-hook that exists but does not replay) is refused with the reason.
"""

from __future__ import annotations

import re

from .edits import Edit, Refuse, add_map_key, after_node, item_prefix, quote_like, refuse_anchor, \
    scalar_source_offset

POST = "backupbot.restore.post-hook"

# tool -> (family, replay client)
TOOLS = {
    "pg_dump": ("postgres", "psql"),
    "mysqldump": ("mysql", "mysql"),
    "mariadb-dump": ("mysql", "mariadb"),
}
# options that take a value, per family: connection ones are copied to the replay
PG_CONN = {"-U": "--username", "-h": "--host", "-p": "--port"}
PG_VALUED = {"-U", "-h", "-p", "-d", "-f", "-F", "-n", "-N", "-t", "-T", "-j", "-Z", "-E", "-S",
             "--username", "--host", "--port", "--dbname", "--file", "--format", "--schema", "--exclude-schema",
             "--table", "--exclude-table", "--jobs", "--compress", "--encoding", "--superuser", "--role"}
MY_CONN = {"-u": "--user", "-p": "--password", "-h": "--host", "-P": "--port", "-S": "--socket"}
MY_VALUED = {"-u", "-h", "-P", "-S", "-r", "--user", "--host", "--port", "--socket", "--result-file",
             "--default-character-set", "--protocol"}

_TOKEN = re.compile(r"(?:[^\s'\"|<>;&]+|'[^']*'|\"(?:\\.|[^\"\\])*\")+|\|\||&&|[|<>;&]")
_WRAP = re.compile(r"^\s*(?P<sh>(?:exec\s+)?(?:/usr)?(?:/bin/)?(?:ba)?sh\s+-c\s+)(?P<q>['\"])(?P<body>.*)(?P=q)\s*$",
                   re.S)


def fix(recipe, f) -> tuple[list[Edit], str]:
    view_svc = _service(recipe, f)
    if view_svc is None:
        raise Refuse("the service is no longer in the recipe; re-run check")
    view, svc = view_svc
    labels = svc.labels
    pre = labels.get("backupbot.backup.pre-hook")
    if pre is None or not pre.value:
        raise Refuse("the service has no backup pre-hook any more; re-run check")
    if labels.get(POST) is not None and labels[POST].value:
        raise Refuse(f"a {POST} exists ({labels[POST].value!r}) but does not replay the dump; "
                     "merge the replay into it by hand")
    hook = pre.value
    m = _WRAP.match(hook)
    wrapper, quote, body, body_at = (m.group("sh"), m.group("q"), m.group("body"), m.start("body")) if m \
        else ("", "", hook, 0)
    toks = [(t.group(0), t.start()) for t in _TOKEN.finditer(body)]
    words = [t for t, _ in toks]
    if any(w in (";", "&&", "||", "&") for w in words):
        raise Refuse("the pre-hook runs several commands; add the replay by hand")
    # the dump command, then `> FILE` or `| gzip > FILE`
    i = 0
    while i < len(words) and re.fullmatch(r"[A-Za-z_]\w*=\S*", words[i]):
        i += 1  # leading VAR=value assignments
    if i < len(words) and words[i] == "exec":
        i += 1
    tool = words[i].rsplit("/", 1)[-1] if i < len(words) else ""
    dumped = (f.data or {}).get("dump_tool")
    if tool not in TOOLS and dumped and tool and dumped not in tool:
        raise Refuse(f"the dump ({dumped}) happens inside {tool}, not in the hook itself; give it a restore "
                     f"mode and call that from a {POST} by hand")
    if tool not in TOOLS:
        raise Refuse(f"the pre-hook's dump ({(f.data or {}).get('dump_tool') or tool or 'unknown'}) has no "
                     "automatic replay (only pg_dump, mysqldump and mariadb-dump written in the hook)")
    family, client = TOOLS[tool]
    end = words.index("|") if "|" in words else words.index(">") if ">" in words else len(words)
    args = words[i + 1:end]
    rest = words[end:]
    gz = False
    out_file = None
    if rest[:1] == ["|"]:
        if len(rest) < 2 or rest[1] not in ("gzip", "pigz"):
            raise Refuse(f"the dump is piped into {rest[1] if len(rest) > 1 else 'nothing'}; add the replay by hand")
        gz = True
        rest = [w for w in rest[2:] if w not in ("-c", "-9", "-1", "-6")]
    if rest[:1] == [">"] and len(rest) == 2:
        out_file = rest[1]
    elif rest:
        raise Refuse(f"cannot read where the dump goes in {hook!r}; add the replay by hand")
    if family == "postgres":
        replay, pre_edit = _postgres(args, out_file, gz, client)
    else:
        replay, pre_edit = _mysql(args, out_file, gz, client)
    value = wrapper + quote + replay + quote if wrapper else replay
    edits = [_add_label(recipe, svc, pre, value)]
    note = f"adds {POST}: {value}"
    if pre_edit is not None:
        # insert `--clean --if-exists` right after the tool word in the pre-hook as written
        word_end = body_at + toks[i][1] + len(toks[i][0])
        rel = pre.value_node.file
        text = recipe.read(rel) or ""
        at = scalar_source_offset(text, pre.value_node, word_end)
        if at is None:
            raise Refuse(f"{rel}:{pre.value_node.line}: the pre-hook is a multi-line or escaped scalar; add "
                         f"`{pre_edit}` to its pg_dump and the replay by hand")
        refuse_anchor(text, rel, at)
        edits.append(Edit(rel, at, at, " " + pre_edit, "a plain dump replayed into a live database must "
                                                       "drop what it recreates"))
        note += f"; pre-hook pg_dump gains {pre_edit}"
    return edits, note


def _service(recipe, f):
    for view, svc in recipe.services():
        if svc.name == f.service:
            pre = svc.labels.get("backupbot.backup.pre-hook")
            if pre is not None and pre.key_node.file == f.path and pre.key_node.line == f.line:
                return view, svc
    return None


def _options(args, valued):
    """(option, value or None, raw words) for each option; positional words as (None, word, raw)."""
    out = []
    j = 0
    while j < len(args):
        a = args[j]
        if a.startswith("-") and len(a) > 1:
            if a.startswith("--"):
                name, _, val = a.partition("=")
            else:
                name, val = a[:2], a[2:]
            if val:
                out.append((name, val, [a]))
            elif name in valued and j + 1 < len(args):
                out.append((name, args[j + 1], [a, args[j + 1]]))
                j += 1
            else:
                out.append((name, None, [a]))
        else:
            out.append((None, a, [a]))
        j += 1
    return out


def _postgres(args, out_file, gz, client):
    opts = _options(args, PG_VALUED)
    conn: list[str] = []
    db = None
    fmt = "p"
    clean = False
    for name, val, raw in opts:
        if name in PG_CONN or name in PG_CONN.values():
            conn += raw
        elif name in ("-d", "--dbname"):
            db = val
        elif name is None:
            if db is not None:
                raise Refuse("pg_dump is given two database names; add the replay by hand")
            db = val
        elif name in ("-f", "--file"):
            out_file = val
        elif name in ("-F", "--format"):
            fmt = (val or "p")[:1].lower()
        elif name in ("-c", "--clean"):
            clean = True
    if not db:
        raise Refuse("the pre-hook does not name the database pg_dump dumps (it would come from the "
                     "environment); add the replay by hand")
    if not out_file:
        raise Refuse("the pre-hook's pg_dump writes to standard output, not to a file; add the replay by hand")
    if fmt in ("c", "t", "d"):
        if gz:
            raise Refuse("a compressed archive-format dump; add the replay by hand")
        return " ".join([client.replace("psql", "pg_restore"), "--clean", "--if-exists", *conn, "-d", db,
                         out_file]), None
    if gz:
        replay = " ".join(["gunzip", "-c", out_file, "|", client, *conn, "-d", db])
    else:
        replay = " ".join([client, *conn, "-d", db, "-f", out_file])
    return replay, (None if clean else "--clean --if-exists")


def _mysql(args, out_file, gz, client):
    opts = _options(args, MY_VALUED)
    conn: list[str] = []
    db = None
    many = False
    for name, val, raw in opts:
        if name in MY_CONN or name in MY_CONN.values() or name == "--protocol":
            conn += raw
        elif name in ("-A", "--all-databases", "-B", "--databases"):
            many = True
        elif name in ("-r", "--result-file"):
            out_file = val
        elif name in ("--skip-opt", "--skip-add-drop-table"):
            raise Refuse(f"the dump is taken with {name}: replaying it would not replace existing tables")
        elif name is None and db is None and not many:
            db = val
    if not out_file:
        raise Refuse("the pre-hook's dump writes to standard output, not to a file; add the replay by hand")
    if not many and not db:
        raise Refuse("the pre-hook does not name the database it dumps; add the replay by hand")
    target = [] if many else [db]
    if gz:
        return " ".join(["gunzip", "-c", out_file, "|", client, *conn, *target]), None
    return " ".join([client, *conn, *target, "<", out_file]), None


def _add_label(recipe, svc, pre, value) -> Edit:
    """The new label next to the service's last backupbot label, written the way its labels are."""
    rel = pre.key_node.file
    text = recipe.read(rel) or ""
    path = ("services", svc.name, "deploy", "labels") if pre.where == "deploy" else ("services", svc.name, "labels")
    raw = recipe.yaml(rel).find(*path)
    why = "replays the dump on restore"
    if raw is None:
        raise Refuse(f"{rel}: cannot find the labels of service '{svc.name}'")
    if raw.is_map:
        last = [k for k in raw.value if k.startswith("backupbot.")][-1]
        return add_map_key(text, rel, raw, POST, value, why, after=last, value_style=pre.value_node.style)
    if raw.is_seq and raw.value:
        items = [n for n in raw.value if n.is_scalar and (n.text or "").startswith("backupbot.")]
        last = items[-1] if items else raw.value[-1]
        prefix = item_prefix(text, last)
        if prefix is None:
            raise Refuse(f"{rel}:{raw.line}:{raw.col}: flow-style labels; add the replay by hand")
        refuse_anchor(text, rel, after_node(text, last))
        at = after_node(text, last)
        return Edit(rel, at, at, "\n" + prefix + quote_like(f"{POST}={value}", last.style), why)
    raise Refuse(f"{rel}:{raw.line}:{raw.col}: labels that are neither a list nor a mapping")
