"""recipelint/model/gitobj.py reads what git reads: every answer is compared with real git's
(`git cat-file`, `git ls-tree -r`) on repositories built here, loose and packed in every way git packs
them; what the reader leaves to git (a corrupt pack, a missing object, SHA-256, another owner) is
answered by git through GitRepo."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recipelint.model import gitobj
from recipelint.model.git import GitRepo
from recipelint.model.gitbatch import batch_read
from recipelint.model.gitobj import Store, Unsupported, UnsupportedQuestion, _Pack, apply_delta
from recipelint.model.refs import read_refs

ROOT = Path(__file__).resolve().parent.parent
_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
        "GIT_CONFIG_NOSYSTEM": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def _git(root, *args, input=None) -> bytes:
    env = {**_ENV, "HOME": str(root)}
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env,
                          input=input).stdout


def _commit(root: Path, files: dict[str, str | None], message: str = "c") -> None:
    for rel, text in files.items():
        p = root / rel
        if text is None:
            p.unlink()
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "--allow-empty", "-m", message)


def _compose(i: int) -> str:
    """Texts that differ a little from release to release, so packs hold deltas."""
    lines = [f"  service{k}:\n    image: example/app:{k}.{i if k % 3 == 0 else 0}\n" for k in range(60)]
    return "version: '3.8'\nservices:\n" + "".join(lines)


def _sliding(i: int) -> str:
    """Ten hash lines from the i-th on: each version is most like its neighbours, so packs chain deltas."""
    return "".join(hashlib.sha1(f"{j}".encode()).hexdigest() * 5 + "\n" for j in range(i, i + 10))


def _history(root: Path) -> None:
    _git(root, "init", "-q", "-b", "main")
    for i in range(6):
        _commit(root, {"compose.yml": _compose(i), "abra.sh": f"export APP_VERSION=v{i}\n",
                       "conf/nginx.conf.tmpl": "x" * 300 + str(i) * 50, "conf/deep/a.txt": f"{i}\n",
                       ".env.sample": "COMPOSE_FILE=compose.yml\n", "sliding.txt": _sliding(i)}, f"release {i}")
        _git(root, "tag", "-a", "-m", f"r{i}", f"{i}.0.0+1.{i}")
    _git(root, "tag", "light", "HEAD~2")
    _git(root, "tag", "-a", "-m", "outer", "nested", "3.0.0+1.3")  # a tag of an annotated tag
    _git(root, "branch", "feature/x", "HEAD~3")
    _commit(root, {"compose.yml": _compose(99), "conf/deep/a.txt": None, "new.yml": "a: 1\n"}, "main moves on")


def _revs(root: Path) -> list[str]:
    names = [n.decode() for n in _git(root, "for-each-ref", "--format=%(refname:short)").split()]
    return names + ["HEAD", _git(root, "rev-parse", "HEAD").decode().strip()]


def _cat_batch(root: Path, specs: list[str]) -> list[tuple[bytes, bytes] | None]:
    """git's (type, contents) for each spec, through one `git cat-file --batch`."""
    out = _git(root, "cat-file", "--batch", input="".join(s + "\n" for s in specs).encode())
    res = []
    i = 0
    for _ in specs:
        nl = out.index(b"\n", i)
        head = out[i:nl].split()
        i = nl + 1
        if len(head) != 3:
            res.append(None)
            continue
        size = int(head[2])
        res.append((head[1], out[i:i + size]))
        i += size + 1
    return res


def _same_as_git(root: Path, revs: list[str] | None = None) -> int:
    """Assert every object, every rev:path and every tree listing read by gitobj equals git's; the
    number of rev:path reads compared."""
    store = Store.open(root)
    everything = _git(root, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)").split()
    want = _cat_batch(root, [o.decode() for o in everything])
    for oid, w in zip(everything, want):
        assert store.read(bytes.fromhex(oid.decode())) == w, oid
    compared = 0
    for rev in revs or _revs(root):
        listing = _git(root, "ls-tree", "-r", "--name-only", "-z", rev).split(b"\0")[:-1]
        assert store.tree_paths(rev) == listing, rev
        paths = [p.decode() for p in listing] + ["nope.yml", "conf", "conf/deep", "compose.yml/x", "conf/nope/a"]
        got = [store.blob_at(rev, p) for p in paths]
        git = _cat_batch(root, [f"{rev}:{p}" for p in paths])
        assert got == [g[1] if g is not None and g[0] == b"blob" else None for g in git], rev
        compared += len(paths)
    return compared


def _pack_entry_types(root: Path) -> set[int]:
    types = set()
    for idx in (root / ".git" / "objects" / "pack").glob("*.idx"):
        pack = _Pack(str(idx), str(idx.with_suffix(".pack")))
        for i in range(pack.n):
            types.add((pack.data[pack.offset(i)] >> 4) & 7)
    return types


@pytest.fixture()
def repo(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    _history(root)
    return root


def test_loose_objects(repo):
    assert not list((repo / ".git" / "objects" / "pack").glob("*.pack"))
    assert _same_as_git(repo) > 100


def test_after_gc_aggressive_ofs_deltas_and_packed_refs(repo):
    _git(repo, "gc", "-q", "--aggressive")
    assert (repo / ".git" / "packed-refs").is_file()
    assert not list((repo / ".git" / "refs" / "tags").iterdir())
    assert 6 in _pack_entry_types(repo)  # OFS_DELTA entries
    _same_as_git(repo)


def test_repack_without_reused_deltas_long_chains(repo):
    _git(repo, "repack", "-q", "-a", "-d", "-f", "--depth=250", "--window=250")
    assert 6 in _pack_entry_types(repo)
    chains = _git(repo, "verify-pack", "-v", *map(str, (repo / ".git/objects/pack").glob("*.idx")))
    assert b"chain length = 3" in chains  # chains, not only single deltas
    _same_as_git(repo)


def test_ref_delta_pack(repo):
    _git(repo, "-c", "repack.useDeltaBaseOffset=false", "repack", "-q", "-a", "-d", "-F")
    types = _pack_entry_types(repo)
    assert 7 in types and 6 not in types  # REF_DELTA only
    _same_as_git(repo)


def test_idx_version_1(repo):
    _git(repo, "-c", "pack.indexVersion=1", "repack", "-q", "-a", "-d", "-F")
    idx = next((repo / ".git/objects/pack").glob("*.idx"))
    assert idx.read_bytes()[:4] != b"\377tOc"
    assert _Pack(str(idx), str(idx.with_suffix(".pack"))).version == 1
    _same_as_git(repo)


def test_idx_with_64bit_offsets_written_by_git(repo):
    _git(repo, "repack", "-q", "-a", "-d", "-F")
    pack = next((repo / ".git/objects/pack").glob("*.pack"))
    idx = pack.with_suffix(".idx")
    idx.unlink()
    _git(repo, "index-pack", "--index-version=2,0x40", "-o", str(idx), str(pack))  # past 0x40: the 64-bit table
    p = _Pack(str(idx), str(pack))
    raw = idx.read_bytes()
    flagged = [i for i in range(p.n) if raw[p.offsets + 4 * i] & 0x80]
    assert flagged and len(raw) >= p.big + 8 * len(flagged) + 40
    _same_as_git(repo)


def _hand_idx(entries: list[tuple[bytes, int]]) -> bytes:
    """An idx version 2 for (name, offset) entries; offsets of 2**31 and above go to the 64-bit table."""
    entries = sorted(entries)
    fan = [sum(1 for n, _ in entries if n[0] <= b) for b in range(256)]
    small, big = [], []
    for _, off in entries:
        if off >= 0x80000000:
            small.append(0x80000000 | len(big))
            big.append(off)
        else:
            small.append(off)
    return (b"\377tOc" + (2).to_bytes(4, "big") + b"".join(f.to_bytes(4, "big") for f in fan)
            + b"".join(n for n, _ in entries) + b"\0\0\0\0" * len(entries)
            + b"".join(s.to_bytes(4, "big") for s in small) + b"".join(b.to_bytes(8, "big") for b in big)
            + b"\0" * 40)


def test_64bit_offset_table_hand_built(tmp_path):
    names = [bytes([0x10] * 20), bytes([0x80] + [1] * 19), bytes([0xFE] * 20)]
    offsets = [12, 5 * 2**30 + 7, 2**40 + 3]  # beyond 4 GiB: only the 64-bit table can hold these
    (tmp_path / "p.idx").write_bytes(_hand_idx(list(zip(names, offsets))))
    p = _Pack(str(tmp_path / "p.idx"), str(tmp_path / "p.pack"))
    assert [p.find(n) for n in names] == offsets
    assert p.find(bytes([0x80] + [2] * 19)) is None and p.find(bytes(20)) is None
    (tmp_path / "bad.idx").write_bytes(_hand_idx(list(zip(names, offsets)))[:-48])  # table cut short
    with pytest.raises(Unsupported):
        _Pack(str(tmp_path / "bad.idx"), str(tmp_path / "p.pack")).find(names[2])


def test_delta_applier_on_hand_made_deltas():
    base = bytes(range(256)) * 300  # 76,800 bytes
    # header: base size, result size (7-bit little-endian varints)
    def varint(n):
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not out[-1] & 0x80:
                return bytes(out)
    copy_all_offsets_omitted = bytes([0x80 | 0x10 | 0x20, 0x00, 0x01])  # offset 0 (no bytes), length 0x100
    copy_64k = bytes([0x80 | 0x01, 0x05])  # offset 5, no length bytes: 0x10000
    copy_high = bytes([0x80 | 0x02 | 0x04 | 0x10, 0x01, 0x01, 0x03])  # offset 0x10100, length 3
    insert = bytes([4]) + b"ABCD"
    want = base[:0x100] + base[5:5 + 0x10000] + b"ABCD" + base[0x10100:0x10103]
    delta = varint(len(base)) + varint(len(want)) + copy_all_offsets_omitted + copy_64k + insert + copy_high
    assert apply_delta(base, delta) == want
    for bad in (varint(len(base) + 1) + varint(4) + insert,  # wrong base size
                varint(len(base)) + varint(5) + insert,  # wrong result size
                varint(len(base)) + varint(4) + b"\0" + insert,  # opcode 0 is reserved
                varint(len(base)) + varint(3) + bytes([0x80 | 0x08 | 0x10, 0x01, 0x03]),  # copy past the end
                varint(len(base)) + varint(9) + bytes([9]) + b"ABC",  # insert past the end
                varint(len(base)) + varint(3) + bytes([0x80 | 0x01 | 0x10, 0x01])):  # truncated copy
        with pytest.raises(Unsupported):
            apply_delta(base, bad)


def test_tag_resolution_order_and_peeling(repo):
    head = _git(repo, "rev-parse", "HEAD").decode().strip()
    _git(repo, "tag", "same", "HEAD~4")
    _git(repo, "branch", "same", "HEAD~1")  # git prefers refs/tags/same
    s = Store.open(repo)
    assert s.resolve("same").hex() == _git(repo, "rev-parse", "same").decode().strip()
    assert s.resolve("HEAD").hex() == head and s.resolve(head).hex() == head
    assert s.peel(s.resolve("nested"), b"commit")[0].hex() == _git(repo, "rev-parse", "nested^{commit}").decode().strip()
    for rev in ("HEAD~1", "main^", "main@{0}", "1a2b3c", "no-such-ref", ":compose.yml", "a..b"):
        with pytest.raises(UnsupportedQuestion):
            s.resolve(rev)
    (repo / ".git" / "main").write_text(head + "\n")  # a file named like the ref in .git: git's first rule
    with pytest.raises(UnsupportedQuestion):
        s.resolve("main")
    _same_as_git(repo, ["same", "nested", "light", "feature/x", "1.0.0+1.1"])


def test_a_dot_git_file_worktree_and_separate_git_dir(repo, tmp_path):
    wt = tmp_path / "wt"
    _git(repo, "worktree", "add", "-q", str(wt), "-b", "wtb", "2.0.0+1.2")
    assert (wt / ".git").is_file()
    g = GitRepo.open(wt)
    assert g is not None and g.__dict__.get("_gitobj") is not None  # no rev-parse needed
    _commit(wt, {"wt-only.txt": "w\n"})
    _git(wt, "tag", "wt-tag")
    _same_as_git(wt)
    _git(repo, "tag", "-d", "nested")  # refs.py leaves a tag of a tag to for-each-ref
    rows = read_refs(g)
    assert rows == g._for_each_ref() and "wtb" in [r[1] for r in rows] and "wt-tag" in [r[1] for r in rows]
    sep = tmp_path / "sep"
    subprocess.run(["git", "init", "-q", "-b", "main", "--separate-git-dir", str(tmp_path / "sep.git"), str(sep)],
                   check=True, env={**_ENV, "HOME": str(tmp_path)})
    _commit(sep, {"compose.yml": "a: 1\n"})
    _git(sep, "tag", "-a", "-m", "r", "1.0.0+1")
    assert GitRepo.open(sep).__dict__.get("_gitobj") is not None
    assert GitRepo.open(sep).read("1.0.0+1", "compose.yml") == "a: 1\n"
    _same_as_git(sep)


def test_alternates(repo, tmp_path):
    _git(repo, "gc", "-q")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--shared", str(repo), str(clone)], check=True,
                   env={**_ENV, "HOME": str(tmp_path)})
    assert (clone / ".git/objects/info/alternates").is_file()
    _commit(clone, {"compose.yml": _compose(7)}, "in the clone")  # a loose object of its own
    _git(clone, "tag", "-a", "-m", "r", "7.0.0+1")
    _same_as_git(clone, ["7.0.0+1", "origin/feature/x", "2.0.0+1.2", "HEAD"])


def _read_through_repo(root: Path, rev: str, path: str) -> tuple[str | None, object]:
    g = GitRepo.open(root)
    return g.read(rev, path), g.__dict__.get("_gitobj")


def test_a_corrupt_pack_is_left_to_git(repo):
    _git(repo, "repack", "-q", "-a")  # no -d: the loose copies stay, so git still answers
    pack = next((repo / ".git/objects/pack").glob("*.pack"))
    oid = bytes.fromhex(_git(repo, "rev-parse", "2.0.0+1.2:compose.yml").decode().strip())
    at = _Pack(str(pack.with_suffix(".idx")), str(pack)).find(oid)
    data = bytearray(pack.read_bytes())
    for off in range(at + 6, at + 30):  # inside that entry's zlib stream
        data[off] ^= 0x55
    pack.write_bytes(bytes(data))
    with pytest.raises(Unsupported):
        Store.open(repo).blob_at("2.0.0+1.2", "compose.yml")
    got, store = _read_through_repo(repo, "2.0.0+1.2", "compose.yml")
    assert got == batch_read(GitRepo(repo), "2.0.0+1.2:compose.yml") == _compose(2)
    assert store is None  # the repository went to git


def test_an_unknown_pack_version_is_left_to_git(repo):
    _git(repo, "repack", "-q", "-a")
    pack = next((repo / ".git/objects/pack").glob("*.pack"))
    data = bytearray(pack.read_bytes())
    data[7] = 9
    pack.write_bytes(bytes(data))
    with pytest.raises(Unsupported):
        Store.open(repo).blob_at("1.0.0+1.1", "abra.sh")
    assert _read_through_repo(repo, "1.0.0+1.1", "abra.sh")[0] == "export APP_VERSION=v1\n"


def test_a_missing_object_is_left_to_git(repo):
    oid = _git(repo, "rev-parse", "3.0.0+1.3:abra.sh").decode().strip()
    (repo / ".git/objects" / oid[:2] / oid[2:]).unlink()
    with pytest.raises(Unsupported):
        Store.open(repo).blob_at("3.0.0+1.3", "abra.sh")
    got, store = _read_through_repo(repo, "3.0.0+1.3", "abra.sh")
    assert got is None and store is None
    assert GitRepo.open(repo).read("2.0.0+1.2", "abra.sh") == "export APP_VERSION=v2\n"


def test_a_corrupt_loose_object_is_left_to_git(repo):
    oid = _git(repo, "rev-parse", "3.0.0+1.3:abra.sh").decode().strip()
    p = repo / ".git/objects" / oid[:2] / oid[2:]
    p.chmod(0o644)
    p.write_bytes(zlib.compress(b"blob 99\0short"))  # a size that does not match
    with pytest.raises(Unsupported):
        Store.open(repo).blob_at("3.0.0+1.3", "abra.sh")
    p.write_bytes(b"x\x9c not zlib at all")  # (git streams the short one and waits: not asked of git here)
    with pytest.raises(Unsupported):
        Store.open(repo).blob_at("3.0.0+1.3", "abra.sh")
    got, store = _read_through_repo(repo, "3.0.0+1.3", "abra.sh")
    assert got is None and store is None  # git cannot read it either


def test_sha256_repository_is_left_to_git(tmp_path):
    root = tmp_path / "s"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main", "--object-format=sha256")
    _commit(root, {"compose.yml": "a: 1\n", "d/x.txt": "x\n"})
    _git(root, "tag", "-a", "-m", "r", "1.0.0+1")
    with pytest.raises(Unsupported):
        Store.open(root)
    g = GitRepo.open(root)
    assert g.read("1.0.0+1", "compose.yml") == "a: 1\n"
    assert g.list_files("1.0.0+1") == ["compose.yml", "d/x.txt"]


def test_git_environment_and_other_owner_are_left_to_git(repo, monkeypatch):
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))
    with pytest.raises(Unsupported):
        Store.open(repo)
    monkeypatch.delenv("GIT_DIR")
    Store.open(repo)
    monkeypatch.setattr(gitobj.os, "geteuid", lambda: os.stat(repo).st_uid + 1)
    with pytest.raises(Unsupported):
        Store.open(repo)


def test_replace_refs_and_odd_paths_are_left_to_git(repo):
    s = Store.open(repo)
    for path in ("./compose.yml", "/compose.yml", "conf//deep/a.txt", "conf/", ""):
        with pytest.raises(UnsupportedQuestion):
            s.blob_at("1.0.0+1.1", path)
    a = _git(repo, "rev-parse", "1.0.0+1.1:abra.sh").decode().strip()
    b = _git(repo, "rev-parse", "2.0.0+1.2:abra.sh").decode().strip()
    _git(repo, "replace", a, b)
    with pytest.raises(Unsupported):
        Store.open(repo)
    assert GitRepo.open(repo).read("1.0.0+1.1", "abra.sh") == "export APP_VERSION=v2\n"  # git's answer


def test_a_plain_check_runs_no_git_process_and_imports_no_subprocess(tmp_path):
    rec = tmp_path / "rec"
    rec.mkdir()
    _git(rec, "init", "-q", "-b", "main")
    _commit(rec, {"compose.yml": "version: '3.8'\nservices:\n  app:\n    image: nginx:1.25\n",
                  "abra.sh": "export APP_VERSION=v1\n"})
    _git(rec, "tag", "-a", "-m", "r", "1.0.0+1.25")
    _commit(rec, {"abra.sh": "export APP_VERSION=v2\n"})
    prog = ("import sys\nfrom recipelint.cli import run\nsys.argv=['recipelint','check',%r,'--no-cache']\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "from recipelint.model.git import GitRepo\ng = GitRepo.open(__import__('pathlib').Path(%r))\n"
            "print('READ', repr(g.read('1.0.0+1.25', 'abra.sh')), g.list_files('main'), len(g.releases))\n"
            "print('MODS', 'subprocess' in sys.modules)" % (str(rec), str(rec)))
    r = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "PATH": "/nonexistent"})  # no git to run
    assert "READ 'export APP_VERSION=v1\\n' ['abra.sh', 'compose.yml'] 1" in r.stdout, r.stdout + r.stderr
    assert "MODS False" in r.stdout, r.stdout + r.stderr


@st.composite
def _histories(draw):
    names = st.sampled_from(["compose.yml", "abra.sh", "a/b.txt", "a/c/d.conf", "a-b", "a.b", "z", "e/f/g/h"])
    steps = draw(st.lists(st.dictionaries(names, st.one_of(st.none(), st.text("ab\n:é", max_size=40)),
                                          min_size=1, max_size=5), min_size=1, max_size=5))
    return steps, draw(st.sampled_from(["loose", "gc", "ref-delta"]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_histories())
def test_property_every_read_equals_git(tmp_path_factory, history):
    steps, packing = history
    root = tmp_path_factory.mktemp("h")
    _git(root, "init", "-q", "-b", "main")
    present: set[str] = set()
    for i, step in enumerate(steps):
        files = {}
        for rel, text in step.items():
            if text is None and rel not in present:
                continue
            files[rel] = text
            present.discard(rel) if text is None else present.add(rel)
        _commit(root, files, f"s{i}")
        _git(root, "tag", *(["-a", "-m", "r"] if i % 2 else []), f"{i}.0.0+1")
    if packing == "gc":
        _git(root, "gc", "-q", "--aggressive")
    elif packing == "ref-delta":
        _git(root, "-c", "repack.useDeltaBaseOffset=false", "repack", "-q", "-a", "-d", "-F")
    _same_as_git(root)
    shutil.rmtree(root)


def _dag(root: Path) -> list[str]:
    """Branches, merges and committer dates out of order (clock skew); every commit id."""
    _git(root, "init", "-q", "-b", "main")
    dates = iter([5, 3, 9, 1, 7, 2, 8, 4, 6, 10, 0, 11, 12])

    def commit(msg):
        env = {"GIT_COMMITTER_DATE": f"{1700000000 + 1000 * next(dates)} +0000"}
        subprocess.run(["git", "-C", str(root), "commit", "-q", "--allow-empty", "-m", msg], check=True,
                       capture_output=True, env={**_ENV, "HOME": str(root), **env})

    commit("m1")
    commit("m2")
    _git(root, "checkout", "-q", "-b", "feat")
    commit("f1")
    commit("f2")
    _git(root, "checkout", "-q", "main")
    commit("m3")
    _git(root, "checkout", "-q", "-b", "side", "feat~1")
    commit("s1")
    _git(root, "checkout", "-q", "main")
    _git(root, "merge", "-q", "--no-ff", "-m", "merge feat", "feat")
    commit("m4")
    _git(root, "checkout", "-q", "--orphan", "lonely")
    commit("o1")
    _git(root, "checkout", "-q", "main")
    _git(root, "tag", "-a", "-m", "r", "1.0.0+1", "HEAD~1")
    return _git(root, "rev-list", "--all").decode().split()


def _git_is_ancestor(root, a, b) -> bool:
    r = subprocess.run(["git", "-C", str(root), "merge-base", "--is-ancestor", a, b], capture_output=True)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode == 0


def test_is_ancestor_equals_merge_base(tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    commits = _dag(root)
    assert len(commits) == 9
    s = Store.open(root)
    pairs = [(a, b) for a in commits for b in commits]
    want = [_git_is_ancestor(root, a, b) for a, b in pairs]
    assert [s.is_ancestor(a, b) for a, b in pairs] == want
    assert 10 < sum(want) < len(pairs) - 10
    assert s.is_ancestor("1.0.0+1", "main") and not s.is_ancestor("main", "1.0.0+1")  # tags peeled
    g = GitRepo.open(root)
    assert g.is_ancestor(commits[-1], commits[0]) is _git_is_ancestor(root, commits[-1], commits[0])
    assert g.__dict__["_gitobj"] is not None


def test_is_ancestor_in_a_shallow_clone_and_with_grafts(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _dag(src)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-local", "--depth", "3", "--no-single-branch", str(src), str(clone)],
                   check=True, capture_output=True, env={**_ENV, "HOME": str(tmp_path)})
    assert (clone / ".git" / "shallow").is_file()
    commits = _git(clone, "rev-list", "--all").decode().split()
    s = Store.open(clone)
    pairs = [(a, b) for a in commits for b in commits]
    assert [s.is_ancestor(a, b) for a, b in pairs] == [_git_is_ancestor(clone, a, b) for a, b in pairs]
    (clone / ".git" / "info").mkdir(exist_ok=True)
    (clone / ".git" / "info" / "grafts").write_text(commits[0] + "\n")
    with pytest.raises(Unsupported):
        Store.open(clone).is_ancestor(commits[1], commits[0])
    g = GitRepo.open(clone)
    assert g.is_ancestor(commits[1], commits[0]) is _git_is_ancestor(clone, commits[1], commits[0])


def test_is_ancestor_stops_at_the_merge_base(tmp_path, monkeypatch):
    """A branch off a long main is answered from the few commits above their merge base."""
    root = tmp_path / "long"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    stream = []
    for i in range(1, 301):
        stream.append(f"commit refs/heads/main\nmark :{i}\ncommitter t <t@t> {1700000000 + i} +0000\n"
                      f"data 2\nc\n" + (f"from :{i - 1}\n" if i > 1 else "") + "\n")
    stream.append("commit refs/heads/feature\nmark :999\ncommitter t <t@t> 1700000150 +0000\ndata 2\nf\nfrom :290\n\n")
    _git(root, "fast-import", "--quiet", input="".join(stream).encode())
    s = Store.open(root)
    seen = []
    real = Store._commit
    monkeypatch.setattr(Store, "_commit", lambda self, oid: seen.append(oid) or real(self, oid))
    assert s.is_ancestor("feature", "main") is False is _git_is_ancestor(root, "feature", "main")
    assert 10 <= len(set(seen)) <= 20  # main's 10 commits above the base, the branch, the base: not 300
    seen.clear()
    with pytest.raises(UnsupportedQuestion):
        s.is_ancestor("main~20", "main")  # revision syntax is git's
    assert GitRepo.open(root).is_ancestor("main~20", "main") is True
