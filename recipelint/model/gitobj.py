"""Git objects read straight from `.git`, without a git process: loose objects, packfiles, refs.

Answers the questions recipelint asks of a recipe's history (the blob at ``rev:path``, every file
path at ``rev``, an object's type and contents) for the revisions it asks about: tag names
(lightweight or annotated, peeled through tags of tags), branch names, `HEAD` and full commit ids.

Covered: loose objects (zlib); packs of version 2 and 3 with `.idx` version 1 or 2 (including the
64-bit offset table); commit, tree, blob and tag objects; OFS_DELTA and REF_DELTA entries and delta
chains (recently inflated bases are kept in a small LRU); `.git` directories and `.git` files
(`gitdir: …`, worktrees through `commondir`, submodules); loose refs, symbolic refs and packed-refs;
`objects/info/alternates`.

Anything else raises :class:`Unsupported`, and the caller asks git instead for that repository:
SHA-256 or unknown repository formats, reftables, replace refs, environment variables that change
what git reads, a repository owned by another user (git's `safe.directory` check), revision syntax
beyond a plain name, an object not found (git may know more: a promisor remote, a pack written while
we read), a corrupt or unknown pack or idx, a zlib error, a size that does not match.
"""

from __future__ import annotations

import os
import zlib

_TYPES = {1: b"commit", 2: b"tree", 3: b"blob", 4: b"tag"}
_OFS_DELTA, _REF_DELTA = 6, 7
_HEXDIGITS = frozenset(b"0123456789abcdef")
# What git reads differently when these are set: leave such runs to git.
_GIT_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
            "GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_NAMESPACE", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS",
            "GIT_CONFIG_COUNT", "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_INDEX_FILE",
            "GIT_SHALLOW_FILE", "GIT_REF_PARANOIA")
_ROOT_PREFIXES = ("refs/", "refs/tags/", "refs/heads/", "refs/remotes/")  # git's dwim order (then N/HEAD)
_CACHE_BYTES = 32 << 20  # inflated objects kept (delta bases, trees): at most this many bytes


class Unsupported(Exception):
    """This repository is left to git."""


class UnsupportedQuestion(Unsupported):
    """This question (a revision or path syntax, a name that is not a ref) is left to git; the
    repository's other questions are still answered here."""


def _hex(data: bytes) -> bool:
    return len(data) == 40 and _HEXDIGITS.issuperset(data)


def find_gitdir(root) -> tuple[str, str] | None:
    """(git dir, common dir) of the repository whose top level is ``root``, read from ``root/.git``
    (a directory, or a file `gitdir: …`); None when there is no `.git`; Unsupported when only git can
    tell (a `.git` file pointing somewhere odd, `core.worktree`, a directory without HEAD)."""
    root = os.fspath(root)
    dotgit = os.path.join(root, ".git")
    try:
        if os.path.isdir(dotgit):
            gitdir = dotgit
        elif os.path.isfile(dotgit):
            with open(dotgit, "rb") as fh:
                data = fh.read(4096)
            if not data.startswith(b"gitdir: "):
                raise Unsupported(".git file")
            target = data[8:].rstrip(b"\r\n").decode("utf-8", "surrogateescape")
            if not target or "\n" in target:
                raise Unsupported(".git file")
            gitdir = os.path.normpath(os.path.join(root, target))
        else:
            return None
        common = gitdir
        cpath = os.path.join(gitdir, "commondir")
        if os.path.exists(cpath):
            with open(cpath, "rb") as fh:
                c = fh.read(4096).rstrip(b"\r\n").decode("utf-8", "surrogateescape")
            if not c or "\n" in c:
                raise Unsupported("commondir")
            common = os.path.normpath(os.path.join(gitdir, c))
        if not os.path.isfile(os.path.join(gitdir, "HEAD")) or not os.path.isdir(os.path.join(common, "objects")):
            raise Unsupported("not a plain repository")
    except (OSError, UnicodeError) as e:
        raise Unsupported(str(e)) from None
    return gitdir, common


def _config_checks(common: str, gitdir: str) -> None:
    """Unsupported for repository formats and settings this reader does not follow."""
    for d in {common, gitdir}:
        for name in ("config", "config.worktree"):
            try:
                with open(os.path.join(d, name), "rb") as fh:
                    text = fh.read().lower()
            except FileNotFoundError:
                continue
            except OSError as e:
                raise Unsupported(str(e)) from None
            for line in text.splitlines():
                line = line.strip()
                key = line.split(b"=", 1)[0].strip()
                if key == b"objectformat" and line.split(b"=", 1)[-1].strip() not in (b"sha1", b"\"sha1\""):
                    raise Unsupported("object format")
                if key in (b"refstorage", b"worktree"):  # reftable refs; core.worktree moves the top level
                    raise Unsupported(key.decode())
                if key == b"repositoryformatversion" and line.split(b"=", 1)[-1].strip() not in (b"0", b"1"):
                    raise Unsupported("repository format")
                if line.startswith((b"[include", b"[includeif")):
                    raise Unsupported("config include")


class _Pack:
    """One packfile and its index."""

    def __init__(self, idx_path: str, pack_path: str):
        self.pack_path = pack_path
        with open(idx_path, "rb") as fh:
            idx = fh.read()
        if idx[:4] == b"\377tOc":
            if int.from_bytes(idx[4:8], "big") != 2:
                raise Unsupported("idx version")
            self.version = 2
            fan = 8
        else:
            self.version = 1
            fan = 0
        self.fanout = [int.from_bytes(idx[fan + 4 * i:fan + 4 * i + 4], "big") for i in range(256)]
        n = self.n = self.fanout[255]
        if self.version == 2:
            self.names = fan + 1024
            self.offsets = self.names + 24 * n  # after the names (20n) and the CRCs (4n)
            self.big = self.offsets + 4 * n
            need = self.big + 40
            self.stride, self.name_skip = 20, 0
        else:
            self.names = fan + 1024  # 4-byte offset + 20-byte name per entry
            need = self.names + 24 * n + 40
            self.stride, self.name_skip = 24, 4
        if len(idx) < need or any(self.fanout[i] > self.fanout[i + 1] for i in range(255)):
            raise Unsupported("corrupt idx")
        self.idx = idx
        self._mm = None

    def find(self, oid: bytes) -> int | None:
        """The pack offset of ``oid`` (20 bytes), or None."""
        first = oid[0]
        lo = self.fanout[first - 1] if first else 0
        hi = self.fanout[first]
        idx, base, stride, skip = self.idx, self.names, self.stride, self.name_skip
        while lo < hi:
            mid = (lo + hi) // 2
            at = base + mid * stride + skip
            name = idx[at:at + 20]
            if name == oid:
                return self.offset(mid)
            if name < oid:
                lo = mid + 1
            else:
                hi = mid
        return None

    def offset(self, i: int) -> int:
        if self.version == 1:
            at = self.names + i * 24
            return int.from_bytes(self.idx[at:at + 4], "big")
        at = self.offsets + 4 * i
        off = int.from_bytes(self.idx[at:at + 4], "big")
        if off & 0x80000000:  # an index into the table of 64-bit offsets
            at = self.big + 8 * (off & 0x7FFFFFFF)
            if at + 8 > len(self.idx) - 40:
                raise Unsupported("corrupt idx")
            off = int.from_bytes(self.idx[at:at + 8], "big")
        return off

    @property
    def data(self):
        if self._mm is None:
            with open(self.pack_path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size < 32:
                    raise Unsupported("corrupt pack")
                if size > (1 << 20):
                    import mmap

                    self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                else:
                    self._mm = fh.read()
            head = self._mm[:12]
            if head[:4] != b"PACK" or int.from_bytes(head[4:8], "big") not in (2, 3):
                raise Unsupported("pack version")
        return self._mm


def _inflate(buf, pos: int, size: int) -> bytes:
    """``size`` bytes inflated from the zlib stream at ``buf[pos:]`` (its compressed length unknown)."""
    d = zlib.decompressobj()
    chunk = size + 64
    out = []
    got = 0
    end = len(buf)
    try:
        while not d.eof:
            if pos >= end:
                raise Unsupported("truncated pack entry")
            piece = d.decompress(buf[pos:pos + chunk], size + 1 - got)
            out.append(piece)
            got += len(piece)
            if got > size:
                raise Unsupported("pack entry size")
            if d.unconsumed_tail:
                raise Unsupported("pack entry size")
            pos += chunk
            chunk = max(chunk * 2, 4096)
    except zlib.error:
        raise Unsupported("zlib") from None
    data = out[0] if len(out) == 1 else b"".join(out)
    if len(data) != size:
        raise Unsupported("pack entry size")
    return data


def _varint(delta: bytes, i: int) -> tuple[int, int]:
    v = shift = 0
    while True:
        c = delta[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def apply_delta(base: bytes, delta: bytes) -> bytes:
    """The object a git delta (copy/insert instructions) makes of ``base``; Unsupported when corrupt."""
    try:
        src, i = _varint(delta, 0)
        size, i = _varint(delta, i)
        if src != len(base):
            raise Unsupported("delta base size")
        out = []
        n = len(delta)
        made = 0  # never more than the declared size (a delta of many copies could otherwise grow without bound)
        while i < n:
            if made > size:
                raise Unsupported("delta result size")
            cmd = delta[i]
            i += 1
            if cmd & 0x80:  # copy from the base
                off = ln = 0
                for bit in range(7):  # bits 0-3: offset bytes, 4-6: length bytes, little-endian, 0s left out
                    if cmd & (1 << bit):
                        if bit < 4:
                            off |= delta[i] << (8 * bit)
                        else:
                            ln |= delta[i] << (8 * (bit - 4))
                        i += 1
                if ln == 0:
                    ln = 0x10000
                if off + ln > src:
                    raise Unsupported("delta copy out of range")
                out.append(base[off:off + ln])
                made += ln
            elif cmd:  # insert the next cmd bytes
                if i + cmd > n:
                    raise Unsupported("delta insert out of range")
                out.append(delta[i:i + cmd])
                made += cmd
                i += cmd
            else:
                raise Unsupported("delta opcode 0")
    except IndexError:
        raise Unsupported("truncated delta") from None
    data = b"".join(out)
    if len(data) != size:
        raise Unsupported("delta result size")
    return data


class Store:
    """The objects and refs of one repository (see the module docstring for what it reads)."""

    def __init__(self, gitdir: str, common: str):
        self.gitdir, self.common = gitdir, common
        self._objdirs: list[str] | None = None
        self._packs: list[_Pack] | None = None
        self._cache: dict = {}  # LRU (dict order): oid or (pack, offset) -> (type, data)
        self._cache_bytes = 0
        self._packed_refs: dict[str, bytes] | None = None
        self._resolved: dict[str, bytes] = {}  # revision -> object id, for this run

    @classmethod
    def open(cls, root) -> "Store":
        env = os.environ
        if any(k in env for k in _GIT_ENV):
            raise Unsupported("git environment")
        found = find_gitdir(root)
        if found is None:
            raise Unsupported("no .git")
        gitdir, common = found
        try:
            if hasattr(os, "geteuid"):
                uid = os.geteuid()
                if os.stat(root).st_uid != uid or os.stat(gitdir).st_uid != uid:
                    raise Unsupported("owned by another user")  # git's safe.directory check decides
            if os.path.exists(os.path.join(common, "reftable")) or os.path.isdir(os.path.join(common, "refs", "replace")):
                raise Unsupported("reftable or replace refs")
        except OSError as e:
            raise Unsupported(str(e)) from None
        _config_checks(common, gitdir)
        store = cls(gitdir, common)
        if any(name.startswith("refs/replace/") for name in store.packed_refs()):
            raise Unsupported("replace refs")
        return store

    # ------------------------------------------------------------------ objects
    def _dirs(self) -> list[str]:
        if self._objdirs is None:
            dirs: list[str] = []
            todo = [(os.path.join(self.common, "objects"), 0)]
            while todo:
                d, depth = todo.pop(0)
                d = os.path.normpath(d)
                if d in dirs:
                    continue
                dirs.append(d)
                try:
                    with open(os.path.join(d, "info", "alternates"), "rb") as fh:
                        lines = fh.read().splitlines()
                except FileNotFoundError:
                    continue
                except OSError as e:
                    raise Unsupported(str(e)) from None
                if depth >= 5:
                    raise Unsupported("alternates too deep")
                for line in lines:
                    line = line.strip()
                    if not line or line.startswith(b"#"):
                        continue
                    if line.startswith(b'"'):
                        raise Unsupported("quoted alternate")
                    todo.append((os.path.join(d, line.decode("utf-8", "surrogateescape")), depth + 1))
            self._objdirs = dirs
        return self._objdirs

    def _pack_list(self) -> list[_Pack]:
        if self._packs is None:
            packs = []
            for d in self._dirs():
                pdir = os.path.join(d, "pack")
                try:
                    names = sorted(os.listdir(pdir))
                except FileNotFoundError:
                    continue
                except OSError as e:
                    raise Unsupported(str(e)) from None
                for name in names:
                    if name.endswith(".idx") and name.startswith("pack-"):
                        pack = os.path.join(pdir, name[:-4] + ".pack")
                        if os.path.isfile(pack):
                            try:
                                packs.append(_Pack(os.path.join(pdir, name), pack))
                            except OSError as e:
                                raise Unsupported(str(e)) from None
            self._packs = packs
        return self._packs

    def _remember(self, key, value: tuple[bytes, bytes]) -> None:
        cache = self._cache
        cache[key] = value
        self._cache_bytes += len(value[1])
        while self._cache_bytes > _CACHE_BYTES and len(cache) > 1:
            old = next(iter(cache))
            self._cache_bytes -= len(cache.pop(old)[1])

    def _cached(self, key):
        got = self._cache.pop(key, None)
        if got is not None:
            self._cache[key] = got  # most recently used goes last
        return got

    def read(self, oid: bytes) -> tuple[bytes, bytes]:
        """(type, contents) of the object named ``oid`` (20 bytes); Unsupported when it is not found."""
        got = self._cached(oid)
        if got is not None:
            return got
        for pack in self._pack_list():
            off = pack.find(oid)
            if off is not None:
                got = self._packed(pack, off)
                break
        else:
            got = self._loose(oid)
        self._remember(oid, got)
        return got

    def _loose(self, oid: bytes) -> tuple[bytes, bytes]:
        h = oid.hex()
        for d in self._dirs():
            try:
                with open(os.path.join(d, h[:2], h[2:]), "rb") as fh:
                    raw = fh.read()
            except FileNotFoundError:
                continue
            except OSError as e:
                raise Unsupported(str(e)) from None
            try:
                data = zlib.decompress(raw)
            except zlib.error:
                raise Unsupported("corrupt loose object") from None
            nul = data.find(b"\0", 0, 64)
            head = data[:nul].split(b" ")
            if nul < 0 or len(head) != 2 or head[0] not in (b"commit", b"tree", b"blob", b"tag") \
                    or not head[1].isdigit() or int(head[1]) != len(data) - nul - 1:
                raise Unsupported("corrupt loose object")
            return head[0], data[nul + 1:]
        raise Unsupported("object not found")

    def _packed(self, pack: _Pack, off: int) -> tuple[bytes, bytes]:
        buf = pack.data
        chain: list[tuple[tuple, bytes]] = []  # (where, delta) from the object asked for to its base
        seen = 0
        while True:
            key = (pack.pack_path, off)
            got = self._cached(key) if chain else None
            if got is not None:
                kind, data = got
                break
            if off < 12 or off >= len(buf) - 20:
                raise Unsupported("corrupt pack offset")
            c = buf[off]
            t = (c >> 4) & 7
            size = c & 15
            shift = 4
            pos = off + 1
            while c & 0x80:
                c = buf[pos]
                pos += 1
                size |= (c & 0x7F) << shift
                shift += 7
            if t in _TYPES:
                kind, data = _TYPES[t], _inflate(buf, pos, size)
                if chain:
                    self._remember(key, (kind, data))  # a delta base: keep it for the chain's other members
                break
            if t == _OFS_DELTA:
                c = buf[pos]
                pos += 1
                back = c & 0x7F
                while c & 0x80:
                    c = buf[pos]
                    pos += 1
                    back = ((back + 1) << 7) | (c & 0x7F)
                chain.append((key, _inflate(buf, pos, size)))
                if back <= 0 or back > off:
                    raise Unsupported("corrupt delta offset")
                off -= back
            elif t == _REF_DELTA:
                base = bytes(buf[pos:pos + 20])
                chain.append((key, _inflate(buf, pos + 20, size)))
                kind, data = self.read(base)
                break
            else:
                raise Unsupported("unknown pack entry type")
            seen += 1
            if seen > 10000:
                raise Unsupported("delta chain too long")
        for i in range(len(chain) - 1, -1, -1):
            key, delta = chain[i]
            data = apply_delta(data, delta)
            if i:
                self._remember(key, (kind, data))  # an inner link: the base of the links above it
        return kind, data

    # ------------------------------------------------------------------ refs
    def packed_refs(self) -> dict[str, bytes]:
        if self._packed_refs is None:
            refs: dict[str, bytes] = {}
            try:
                with open(os.path.join(self.common, "packed-refs"), "rb") as fh:
                    lines = fh.read().split(b"\n")
            except FileNotFoundError:
                lines = []
            except OSError as e:
                raise Unsupported(str(e)) from None
            for line in lines:
                if not line or line.startswith((b"#", b"^")):
                    continue
                oid, sp, name = line.partition(b" ")
                if not sp or not _hex(oid):
                    raise Unsupported("packed-refs")
                refs[name.decode("utf-8", "surrogateescape")] = bytes.fromhex(oid.decode())
            self._packed_refs = refs
        return self._packed_refs

    def ref(self, name: str, depth: int = 0) -> bytes | None:
        """The object a full ref name (``refs/...`` or ``HEAD``) points at, symbolic refs followed; None
        when there is no such ref."""
        if depth > 5:
            raise Unsupported("symbolic ref loop")
        per_worktree = name == "HEAD" or name.startswith(("refs/bisect/", "refs/worktree/", "refs/rewritten/"))
        path = os.path.join(self.gitdir if per_worktree else self.common, *name.split("/"))
        try:
            with open(path, "rb") as fh:
                data = fh.read(4096).strip()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return self.packed_refs().get(name)
        except OSError as e:
            raise Unsupported(str(e)) from None
        if data.startswith(b"ref: "):
            target = data[5:].strip().decode("utf-8", "surrogateescape")
            if not target.startswith("refs/"):
                raise Unsupported("odd symbolic ref")
            return self.ref(target, depth + 1)
        if not _hex(data):
            raise Unsupported("odd ref file")
        return bytes.fromhex(data.decode())

    def resolve(self, rev: str) -> bytes:
        """The object id ``rev`` names, the way git's revision parser finds it for a plain name (the
        first of refs/<rev>, refs/tags/<rev>, refs/heads/<rev>, refs/remotes/<rev>, its /HEAD); a full
        object id as itself; Unsupported for anything else."""
        got = self._resolved.get(rev)
        if got is None:
            got = self._resolved[rev] = self._resolve(rev)
        return got

    def _resolve(self, rev: str) -> bytes:
        if len(rev) == 40 and _hex(rev.encode("ascii", "replace")):
            return bytes.fromhex(rev)
        if rev == "HEAD":
            got = self.ref("HEAD")
            if got is None:
                raise UnsupportedQuestion("unborn HEAD")
            return got
        if not _plain_refname(rev):
            raise UnsupportedQuestion("revision syntax")
        if os.path.exists(os.path.join(self.gitdir, rev)) or os.path.exists(os.path.join(self.common, rev)):
            raise UnsupportedQuestion("a file of that name in .git")
        for prefix in _ROOT_PREFIXES:
            got = self.ref(prefix + rev)
            if got is not None:
                return got
        got = self.ref(f"refs/remotes/{rev}/HEAD")
        if got is not None:
            return got
        raise UnsupportedQuestion("no such ref")  # git may still find it: an abbreviated id, describe output

    def peel(self, oid: bytes, want: bytes) -> tuple[bytes, bytes]:
        """(oid, contents) of the ``want`` object (b"commit" or b"tree") ``oid`` leads to through tags and
        commits; Unsupported when it leads elsewhere."""
        for _ in range(64):
            kind, data = self.read(oid)
            if kind == want:
                return oid, data
            if kind == b"tag":
                if not data.startswith(b"object ") or not _hex(data[7:47]):
                    raise Unsupported("corrupt tag")
                oid = bytes.fromhex(data[7:47].decode())
            elif kind == b"commit" and want == b"tree":
                if not data.startswith(b"tree ") or not _hex(data[5:45]):
                    raise Unsupported("corrupt commit")
                oid = bytes.fromhex(data[5:45].decode())
            else:
                raise UnsupportedQuestion("cannot peel")  # a revision naming a blob, say
        raise Unsupported("tag chain too long")

    # ------------------------------------------------------------------ questions
    def blob_at(self, rev: str, path: str) -> bytes | None:
        """The contents of the blob at ``rev:path``, or None when that path is not a blob there."""
        if not path or path.startswith(("/", "./", "../")) or path.endswith("/") or "//" in path \
                or "\n" in path or "\0" in path:
            raise UnsupportedQuestion("path syntax")
        _, tree = self.peel(self.resolve(rev), b"tree")
        parts = path.encode("utf-8", "surrogateescape").split(b"/")
        for i, part in enumerate(parts):
            entry = _tree_entry(tree, part)
            if entry is None:
                return None
            mode, oid = entry
            last = i == len(parts) - 1
            if mode == b"160000":
                return None  # a submodule: no blob here (git: not in this repository's objects either)
            kind, data = self.read(oid)
            if last:
                return data if kind == b"blob" else None
            if kind != b"tree":
                return None
            tree = data
        return None

    def tree_paths(self, rev: str) -> list[bytes]:
        """Every non-tree entry at ``rev``, as `git ls-tree -r --name-only` lists them (bytes)."""
        _, tree = self.peel(self.resolve(rev), b"tree")
        out: list[bytes] = []
        stack = [(b"", tree, 0)]
        while stack:  # depth first, in tree order
            prefix, data, i = stack.pop()
            n = len(data)
            while i < n:
                sp = data.index(b" ", i)
                nul = data.index(b"\0", sp)
                mode, name, oid = data[i:sp], data[sp + 1:nul], data[nul + 1:nul + 21]
                i = nul + 21
                if mode == b"40000":
                    kind, sub = self.read(oid)
                    if kind != b"tree":
                        raise Unsupported("a subtree is not a tree")
                    stack.append((prefix, data, i))
                    prefix, data, i, n = prefix + name + b"/", sub, 0, len(sub)
                else:
                    out.append(prefix + name)
        return out

    def is_ancestor(self, commit: str, of: str) -> bool:
        """`git merge-base --is-ancestor commit of`: is ``commit`` reachable from ``of``. Walks both
        histories newest first, the way git's paint_down_to_common does, and stops once every commit
        left to visit is known to be reachable from both (so a branch off main costs a few commits, not
        main's history). Commits listed in `shallow` have no parents, as in git; grafts are git's."""
        a = self.peel(self.resolve(commit), b"commit")[0]
        b = self.peel(self.resolve(of), b"commit")[0]
        if a == b:
            return True
        shallow = self._shallow()
        import heapq

        p1, p2, stale = 1, 2, 4
        flags = {a: p1, b: p2}
        heap = [(-self._commit(a)[1], 0, a), (-self._commit(b)[1], 1, b)]
        seq = 2
        while any(not flags[c] & stale for _, _, c in heap):
            _, _, c = heapq.heappop(heap)
            f = flags[c] & (p1 | p2 | stale)
            if f == p1 | p2:
                f |= stale  # a common ancestor: what lies below it is below both
            for p in () if c in shallow else self._commit(c)[0]:
                if flags.get(p, 0) & f == f:
                    continue
                flags[p] = flags.get(p, 0) | f
                seq += 1
                if seq > 200000:
                    raise Unsupported("history too long to walk here")
                heapq.heappush(heap, (-self._commit(p)[1], seq, p))
        return bool(flags[a] & p2)

    def _commit(self, oid: bytes) -> tuple[list[bytes], int]:
        """(parents, committer time) of a commit."""
        kind, data = self.read(oid)
        if kind != b"commit":
            raise Unsupported("a parent is not a commit")
        parents = []
        i = data.find(b"\n") + 1
        while data.startswith(b"parent ", i):
            h = data[i + 7:i + 47]
            if not _hex(h):
                raise Unsupported("corrupt commit")
            parents.append(bytes.fromhex(h.decode()))
            i += 48
        when = 0
        j = data.find(b"\ncommitter ", i - 1)
        end = data.find(b"\n", j + 1)
        if j >= 0:
            line = data[j + 11:end if end >= 0 else len(data)]
            gt = line.rfind(b">")
            fields = line[gt + 1:].split()
            if gt >= 0 and fields and fields[0].isdigit():
                when = int(fields[0])
        return parents, when

    def _shallow(self) -> frozenset:
        if os.path.exists(os.path.join(self.common, "info", "grafts")):
            raise Unsupported("grafts")
        try:
            with open(os.path.join(self.common, "shallow"), "rb") as fh:
                lines = fh.read().split()
        except FileNotFoundError:
            return frozenset()
        except OSError as e:
            raise Unsupported(str(e)) from None
        if not all(_hex(x) for x in lines):
            raise Unsupported("shallow file")
        return frozenset(bytes.fromhex(x.decode()) for x in lines)

    def object(self, hexoid: str) -> tuple[bytes, bytes]:
        if not _hex(hexoid.encode("ascii", "replace")):
            raise UnsupportedQuestion("object name")
        return self.read(bytes.fromhex(hexoid))


def _tree_entry(tree: bytes, name: bytes) -> tuple[bytes, bytes] | None:
    """(mode, oid) of entry ``name`` in a tree object's contents."""
    i = 0
    n = len(tree)
    needle = b" " + name + b"\0"
    while i < n:
        j = tree.find(needle, i)
        if j < 0:
            return None
        # the match must start an entry: entries are "<mode> <name>\0<20 bytes>"; find the entry holding j
        while i < n:
            sp = tree.index(b" ", i)
            nul = tree.index(b"\0", sp)
            if sp == j:
                return tree[i:sp], tree[nul + 1:nul + 21]
            i = nul + 21
            if i > j:
                break
    return None


def _plain_refname(rev: str) -> bool:
    """A name git's revision parser would only look up as a ref (no ^ ~ : @{ .. and the like)."""
    if not rev or rev.startswith(("-", "/", ".")) or rev.endswith(("/", ".", ".lock")) or ".." in rev or "//" in rev:
        return False
    for c in rev:
        o = ord(c)
        if o <= 0x20 or o == 0x7F or c in "~^:?*[\\@{}":
            return False
    return all(part and not part.startswith(".") and not part.endswith(".lock") for part in rev.split("/"))
