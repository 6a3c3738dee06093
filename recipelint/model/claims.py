"""What an overlay test's image and service claims mean, in one place: the T rules judge them against
each revision read from git, and the runner's stale-overlay probe against what a live deploy of the
release runs. Both must agree on what "the image is X" means, so both use these predicates.
"""

from __future__ import annotations

_DEFAULT_REGISTRY = ("docker.io/library/", "docker.io/", "index.docker.io/", "library/")


def variants(image: str) -> set[str]:
    """An image reference as a test may write it: with or without digest, default registry, `library/`."""
    out = {image, image.split("@", 1)[0]}
    for v in list(out):
        for prefix in _DEFAULT_REGISTRY:
            if v.startswith(prefix):
                out.add(v[len(prefix):])
    return out


def repo(ref: str) -> str:
    ref = ref.split("@", 1)[0]
    head, _, tail = ref.rpartition("/")
    tail = tail.split(":", 1)[0]
    return f"{head}/{tail}" if head else tail


def tag(ref: str) -> str | None:
    tail = ref.split("@", 1)[0].rpartition("/")[2]
    return tail.split(":", 1)[1] if ":" in tail else None


def norm(ref: str) -> str:
    for prefix in _DEFAULT_REGISTRY:
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def image_matches(mode: str, image: str, const: str) -> bool:
    """Does ``image`` satisfy ``mode`` (eq, startswith, endswith, contains: const in image, within:
    image in const) against the test's constant?"""
    imgs = variants(image)
    consts = variants(const)
    if mode == "eq":
        return any(v == t or repo(v) == t or ("/" not in t and ":" not in t and tag(v) == t)
                   for v in imgs for t in consts)
    if mode == "startswith":
        return any(v.startswith(t) for v in imgs for t in consts)
    if mode == "endswith":
        return any(v.endswith(t) for v in imgs for t in consts)
    if mode == "contains":
        return any(const in v for v in imgs)
    if mode == "within":
        return any(v in const for v in imgs)
    raise ValueError(mode)


SERVICE_MODES = ("present", "exactly", "include", "within")


def services_match(mode: str, names: set[str], values) -> bool:
    """Does the set of deployed service ``names`` satisfy ``mode`` against the test's ``values``?"""
    vals = set(values)
    if mode == "present":
        return values[0] in names
    if mode == "exactly":
        return vals == names
    if mode == "include":
        return vals <= names
    if mode == "within":
        return names <= vals
    raise ValueError(mode)
