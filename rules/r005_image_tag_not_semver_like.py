from recipelint.rule import STYLE, WARNING, Example, Rule
from recipelint_rules._abra import image_ref
from recipelint_rules._knowledge import UNSTABLE_TAGS


class ImageTagNotSemverLike(Rule):
    code = "R005"
    name = "image-tag-not-semver-like"
    severity = WARNING  # abra: warn
    category = STYLE
    probe = None
    summary = "An image tag is not a dotted version such as `1.25` or `15.4-alpine` (abra R005)."
    why = """
    abra reads image tags as versions: `abra recipe upgrade` compares them to offer the next upstream
    release, and release tags of the recipe carry the main image's version after the `+`. A tag
    without a dot (`15`, `alpine`, `bookworm`, `stable`) cannot be compared and is often a moving
    tag in disguise: `postgres:15` follows every 15.x release. abra's `recipe lint` calls a tag
    semver-like when it has a dot, and so do we. Tags that R004 already reports as moving, digests
    and unresolved `${VAR}` tags are left alone.
    """
    fix = """
    Use the full upstream version, e.g. `postgres:15.4` or `postgres:15.4-alpine`.
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            node = svc.image
            ref = image_ref(recipe, node)
            if ref is None or ref.tag is None or ref.tag_unresolved or ref.digest:
                continue
            if ref.tag.lower() in UNSTABLE_TAGS or "." in ref.tag:
                continue
            yield self.finding(node, f"service '{svc.name}': image tag '{ref.tag}' of '{ref.name}' is not a dotted "
                                     "version", service=svc.name)

    valid = [
        Example(compose='version: "3.8"\nservices:\n  db:\n    image: postgres:15.4-alpine\n'),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:latest\n', note="R004's business"),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:${NGINX_TAG}\n',
                note="an unresolved variable is not judged"),
    ]
    invalid = [
        Example(compose='version: "3.8"\nservices:\n  db:\n    image: postgres:15\n', expect=[(4, 12)]),
        Example(compose='version: "3.8"\nservices:\n  cache:\n    image: redis:alpine\n', expect=[(4, 12)]),
        Example(compose='version: "3.8"\nservices:\n  db:\n    image: postgres:${PG_TAG}\n', env="PG_TAG=16\n",
                expect=[(4, 12)], note="resolved through .env.sample"),
    ]
