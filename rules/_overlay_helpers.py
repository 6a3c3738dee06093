"""What overlay-test asserts claim about a recipe's images and services, and where that holds (T001-T003).

An assert's *claims* are the checks we can evaluate against a compose file:

- an **image claim** compares a constant image reference (or a fragment of one) with a
  runtime value: ``image == IMG``, ``image.startswith(IMG)``, ``"bitnamilegacy" not in image``,
  ``image in (A, B)``. A constant counts as an image when it has the shape of an image
  reference and its repository is a service image's repository in some revision, or when
  the runtime side (or the constant's name, or the test's name) mentions "image" and the
  constant is image-shaped or a piece of some service's image. URLs and plain words that
  occur in no image are never image claims.
- a **service claim** compares service names with a runtime value whose source mentions
  "service"/"svc": ``"sidekiq" not in services``, ``"db" in services``,
  ``set(services) == {...}``, ``{"app", "db"} <= set(services)``. At least one constant
  must be a service name in some revision.

Asserts that may not run (inside an `if`/`try`, or in a test that can skip or xfail) get no verdict.

The service an image claim is about is taken from the strings of the enclosing test function
(``_image(stack, "app")``); without one, a positive claim holds if any service satisfies it and
a negative one if all do.

Revisions: the latest release tag (what the canonical sweep deploys), main, every branch whose
tip is not an ancestor of main, and up to five older releases; each read from git with its own
`.env.sample` for interpolation.
"""

from __future__ import annotations

import re

from recipelint.model.claims import image_matches, services_match
from recipelint.model.claims import norm as _norm
from recipelint.model.claims import repo as _repo
from recipelint.model.claims import variants as _variants
from recipelint.record import Record

_IMAGE_SHAPE = re.compile(
    r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?/)?"  # registry or first path part
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?)?"  # tag (may be empty in a prefix: "repo:")
    r"(?:@sha256:[0-9a-f]{0,64})?$")
_SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_MENTIONS_IMAGE = re.compile(r"image|img", re.I)
_MENTIONS_SERVICE = re.compile(r"servic|svc", re.I)
_OLDER_RELEASES = 5


# ---------------------------------------------------------------- revisions

class Rev(Record):
    __slots__ = _fields = ("kind", "name", "services")

    def __init__(self, kind: str, name: str, services: dict[str, str | None]):
        self.kind = kind  # release | main | branch | older-release | worktree
        self.name = name
        self.services = services  # service -> image, interpolated with that revision's env

    @property
    def label(self) -> str:
        return {"release": f"release {self.name}", "main": f"{self.name} (unreleased)",
                "branch": f"unmerged branch '{self.name}'", "older-release": f"older release {self.name}",
                "worktree": "the working tree"}[self.kind]


def _rev(recipe, kind: str, name: str) -> Rev:
    view = recipe.default
    out: dict[str, str | None] = {}
    for svc_name, svc in view.services.items():
        img = svc.image.text if svc.image is not None else None
        img = recipe.interpolate(img) if img else None
        out[svc_name] = img if img and "$" not in img else None
    return Rev(kind, name, out)


class Revisions(Record):
    __slots__ = _fields = ("release", "others", "older", "worktree")

    def __init__(self, release: Rev | None, others: list[Rev], older: list[Rev], worktree: Rev):
        self.release = release
        self.others = others  # unmerged branches, then main: where an unreleased state may live
        self.older = older  # older releases, newest first
        self.worktree = worktree

    @property
    def all(self) -> list[Rev]:
        return ([self.release] if self.release else []) + self.others + self.older + [self.worktree]

    @property
    def service_names(self) -> set[str]:
        return {s for r in self.all for s in r.services}

    @property
    def images(self) -> set[str]:
        return {i for r in self.all for i in r.services.values() if i}

    @property
    def repositories(self) -> set[str]:
        return {_norm(_repo(v)) for i in self.images for v in _variants(i)}


def revisions(recipe) -> Revisions:
    cache = recipe.__dict__.setdefault("_recipelint_overlay_revs", {})
    if "revs" in cache:
        return cache["revs"]
    worktree = _rev(recipe, "worktree", "")
    git = recipe.git
    rel = recipe.latest_release
    if git is None or rel is None:
        cache["revs"] = Revisions(None, [], [], worktree)
        return cache["revs"]
    release = _rev(recipe.at(rel.tag), "release", rel.tag)
    others: list[Rev] = []
    main = git.default_branch
    seen = {rel.commit}
    if main is not None:
        for b in git.branches:
            if b.commit in seen or b.name == main.name or git.is_ancestor(b.commit, main.commit):
                continue
            seen.add(b.commit)
            others.append(_rev(recipe.at(b.name), "branch", b.name))
        if main.commit != rel.commit:
            others.append(_rev(recipe.at(main.name), "main", main.name))
    final = [r for r in git.releases if r.prerelease is None and r.tag != rel.tag and r.version < rel.version]
    older = [_rev(recipe.at(r.tag), "older-release", r.tag) for r in reversed(final[-_OLDER_RELEASES:])]
    cache["revs"] = Revisions(release, others, older, worktree)
    return cache["revs"]


# ---------------------------------------------------------------- images

def image_like(s: str) -> bool:
    return "://" not in s and bool(_IMAGE_SHAPE.match(s))


# ---------------------------------------------------------------- claims

class Claim(Record):
    __slots__ = _fields = ("kind", "mode", "negative", "values", "via")

    def __init__(self, kind: str, mode: str, negative: bool, values: tuple[str, ...], via: str | None):
        self.kind = kind  # image | services
        # image: eq/startswith/endswith/contains/within/oneof; services: present/exactly/include/within
        self.mode = mode
        self.negative = negative
        self.values = values
        self.via = via

    def holds(self, rev: Rev, subjects: list[str]) -> bool | None:
        if self.kind == "services":
            return services_match(self.mode, set(rev.services), self.values) != self.negative
        chosen = [s for s in subjects if s in rev.services] if subjects else list(rev.services)
        results = []
        unknown = False
        for s in chosen:
            img = rev.services[s]
            if img is None:
                unknown = True
                continue
            if self.mode == "oneof":
                results.append(any(image_matches("eq", img, v) for v in self.values))
            else:
                results.append(image_matches(self.mode, img, self.values[0]))
        if not self.negative:
            if any(results):
                return True
            return None if unknown else False
        if any(results):
            return False
        return None if unknown else True

    def describe(self, subjects: list[str]) -> str:
        via = f" ({self.via})" if self.via else ""
        if self.kind == "services":
            if self.mode == "present":
                return f"service '{self.values[0]}' is {'not ' if self.negative else ''}deployed"
            names = ", ".join(sorted(self.values))
            what = {"exactly": "are exactly", "include": "include", "within": "are among"}[self.mode]
            if self.negative:
                what = "are not exactly"
            return f"the services {what} {{{names}}}{via}"
        who = " or ".join(f"'{s}'" for s in subjects) if subjects else "a service"
        verb = {"eq": ("is", "is not"), "startswith": ("starts with", "does not start with"),
                "endswith": ("ends with", "does not end with"), "contains": ("contains", "does not contain"),
                "within": ("is part of", "is not part of"), "oneof": ("is one of", "is none of")}[self.mode]
        val = ", ".join(repr(v) for v in self.values)
        return f"the image of {who} {verb[1] if self.negative else verb[0]} {val}{via}"


_NEG = {"!=": False, "not in": True, "not startswith": True, "not endswith": True}


def claims_of(fact, revs: Revisions) -> list[Claim | None]:
    """One entry per check of the assert: its Claim, or None when we cannot read it as one."""
    out: list[Claim | None] = []
    names = revs.service_names
    for chk in fact.checks:
        out.append(_claim(fact, chk, names, revs))
    return out


def _claim(fact, chk, names: set[str], revs: Revisions) -> Claim | None:
    left, right = chk.left, chk.right
    if left.strings and not right.strings:
        const, runtime, const_left = left, right, True
    elif right.strings and not left.strings:
        const, runtime, const_left = right, left, False
    else:
        return None
    if _is_literal(runtime.source):
        return None
    op = chk.op
    src = runtime.source
    # -- service claims
    if _MENTIONS_SERVICE.search(src) and not _MENTIONS_IMAGE.search(src):
        vals = const.strings
        if all(_SERVICE_NAME.match(v) for v in vals) and any(v in names for v in vals):
            if not const.collection and const_left and op in ("in", "not in") and vals[0] in names:
                return Claim("services", "present", op == "not in", vals, const.via)
            if const.collection and op in ("==", "!="):
                return Claim("services", "exactly", op == "!=", vals, const.via)
            if const.collection and ((const_left and op in ("<=", "<")) or (not const_left and op in (">=", ">"))):
                return Claim("services", "include", False, vals, const.via)
            if const.collection and ((const_left and op in (">=", ">")) or (not const_left and op in ("<=", "<"))):
                return Claim("services", "within", False, vals, const.via)
        return None
    # -- image claims
    mentions = bool(_MENTIONS_IMAGE.search(src) or (const.via and _MENTIONS_IMAGE.search(const.via))
                    or (fact.function and "image" in fact.function.lower()))
    repos = revs.repositories
    images = revs.images

    def recognised(s: str) -> bool:
        if image_like(s) and "/" in s and _norm(_repo(s)) in repos:
            return True
        if not mentions:
            return False
        return image_like(s) and ("/" in s or ":" in s) or \
            (len(s) >= 3 and any(s in v for i in images for v in _variants(i)))

    if not all(recognised(s) for s in const.strings):
        return None
    base = op[4:] if op.startswith("not ") else op
    negative = op in _NEG
    if op in ("==", "!=") and not const.collection:
        return Claim("image", "eq", op == "!=", const.strings, const.via)
    if base in ("startswith", "endswith") and not const_left and not const.collection:
        return Claim("image", base, negative, const.strings, const.via)
    if base == "in" and const_left and not const.collection:
        return Claim("image", "contains", negative, const.strings, const.via)
    if base == "in" and not const_left:
        if const.collection:
            return Claim("image", "oneof", negative, const.strings, const.via)
        return Claim("image", "within", negative, const.strings, const.via)
    return None


def _is_literal(source: str) -> bool:
    s = source.strip()
    return s in ("None", "True", "False") or bool(re.fullmatch(r"[-+]?[\d_.]+", s))


# ---------------------------------------------------------------- verdicts

class Verdict(Record):
    __slots__ = _fields = ("fact", "kind", "claims", "failing", "subjects", "release", "exists_on")

    def __init__(self, fact: object, kind: str, claims: list[Claim], failing: list[Claim], subjects: list[str],
                 release: Rev, exists_on: list[Rev] | None = None):
        self.fact = fact  # AssertFact
        self.kind = kind
        self.claims = claims
        self.failing = failing
        self.subjects = subjects
        self.release = release
        self.exists_on = [] if exists_on is None else exists_on

    @property
    def where(self) -> str:
        kinds = [r.kind for r in self.exists_on]
        if "main" in kinds:
            return "main"
        if "branch" in kinds:
            return "branch"
        if "older-release" in kinds:
            return "older-release"
        return "nowhere"

    def deployed(self) -> str:
        if self.kind == "services":
            return "services " + "{" + ", ".join(sorted(self.release.services)) + "}"
        chosen = [s for s in self.subjects if s in self.release.services] if self.subjects else \
            sorted(self.release.services)
        if not chosen:
            return "no service " + " or ".join(f"'{s}'" for s in self.subjects)
        return ", ".join(f"{s}: {self.release.services[s] or '(unresolved image)'}" for s in chosen)

    def where_text(self) -> str:
        branches = [r for r in self.exists_on if r.kind == "branch"]
        main = [r for r in self.exists_on if r.kind == "main"]
        older = [r for r in self.exists_on if r.kind == "older-release"]
        if main:
            also = f" (also on {', '.join(r.label for r in branches)})" if branches else ""
            return f"that state is on {main[0].name} but in no release yet{also}: tag a release before the test " \
                   "can pass in the canonical sweep"
        if branches:
            names = " and ".join(r.label for r in branches)
            return f"that state exists only on {names}: the test belongs with that change, not the release sweep"
        if older:
            return f"that state matches {older[0].label}: the test was not updated for the release"
        return "no release, main or branch has that state"

    def message(self) -> str:
        claims = "; ".join(c.describe(self.subjects) for c in self.failing)
        return (f"asserts {claims}, but the latest release {self.release.name} deploys {self.deployed()}; "
                f"{self.where_text()}")

    def data(self) -> dict:
        """What the stale-overlay probe needs to re-check the assert against a live deploy of the release:
        ``checks`` are the assert's claims of this kind (all of them, so ``any_of`` can be evaluated),
        ``subjects`` the services an image claim is about (empty: any service)."""
        return {"release": self.release.name, "where": self.where, "exists_on": [r.name for r in self.exists_on],
                "claims": [c.describe(self.subjects) for c in self.failing],
                "checks": [{"kind": c.kind, "mode": c.mode, "negative": c.negative, "values": list(c.values)}
                           for c in self.claims],
                "any_of": bool(self.fact.any_of), "subjects": list(self.subjects),
                "assert": self.fact.source, "function": self.fact.function}


def stale_asserts(recipe, kind: str) -> list[Verdict]:
    """Overlay asserts whose ``kind`` claims ("image"/"services") do not hold at the latest release."""
    cache = recipe.__dict__.setdefault("_recipelint_overlay_revs", {})
    key = ("verdicts", kind)
    if key in cache:
        return cache[key]
    tests = [t for t in recipe.overlay_tests if t.root_kind == "overlay"]
    out: list[Verdict] = []
    if tests:
        revs = revisions(recipe)
        if revs.release is not None:
            for tf in tests:
                for fact in tf.asserts:
                    v = _verdict(fact, kind, revs)
                    if v is not None:
                        out.append(v)
    cache[key] = out
    return out


def unverifiable_asserts(recipe) -> list:
    """Overlay asserts with image/service claims on a recipe without git or a release tag (T003)."""
    tests = [t for t in recipe.overlay_tests if t.root_kind == "overlay"]
    if not tests:
        return []
    revs = revisions(recipe)
    if revs.release is not None:
        return []
    return [fact for tf in tests for fact in tf.asserts if any(c is not None for c in claims_of(fact, revs))]


def subjects_of(fact, revs: Revisions) -> list[str]:
    names = revs.service_names
    return list(dict.fromkeys(s for s in fact.context if s in names))


def _verdict(fact, kind: str, revs: Revisions) -> Verdict | None:
    if fact.guarded:
        return None  # behind an `if` or a skip/xfail: it may never run against the release
    all_claims = claims_of(fact, revs)
    mine = [c for c in all_claims if c is not None and c.kind == kind]
    if not mine:
        return None
    if fact.any_of and (None in all_claims or any(c.kind != kind for c in all_claims)):
        return None  # alternatives we cannot all evaluate: no verdict
    subjects = subjects_of(fact, revs)
    at_release = [c.holds(revs.release, subjects) for c in mine]
    if fact.any_of:
        if any(r is True for r in at_release) or None in at_release:
            return None
        failing = mine
    else:
        failing = [c for c, r in zip(mine, at_release) if r is False]
        if not failing:
            return None
    v = Verdict(fact, kind, mine, failing, subjects, revs.release)
    for rev in revs.others + revs.older:
        res = [c.holds(rev, subjects) for c in mine]
        ok = any(r is True for r in res) if fact.any_of else all(r is True for r in res)
        if ok:
            v.exists_on.append(rev)
    # older releases only matter when no newer revision has the state
    if any(r.kind in ("branch", "main") for r in v.exists_on):
        v.exists_on = [r for r in v.exists_on if r.kind != "older-release"]
    return v
