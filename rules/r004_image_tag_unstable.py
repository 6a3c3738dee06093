from recipelint.rule import RECIPE_DEFECT, WARNING, Example, Rule
from recipelint_rules._abra import image_ref
from recipelint_rules._knowledge import UNSTABLE_TAGS


class ImageTagUnstable(Rule):
    code = "R004"
    name = "image-tag-unstable"
    severity = WARNING  # abra: warn
    category = RECIPE_DEFECT
    probe = None
    summary = "An image uses a moving tag such as `latest`, `main` or `nightly` (abra R004)."
    why = """
    A tag like `latest`, `main`, `edge` or `nightly` is re-pointed by upstream at every build. The
    recipe release that was tested is then not what the next deploy pulls, upgrades can jump major
    versions (and run their migrations) without anyone choosing to, and `abra recipe upgrade` cannot
    offer a next version because there is no version. abra's `recipe lint` warns about `latest`; we also
    know the other usual branch and channel names (rules/_knowledge.py: UNSTABLE_TAGS). An unresolved
    `${VAR}` tag is not judged.
    """
    fix = """
    Pin a released upstream version, e.g. `gitea/gitea:1.24.2` instead of `gitea/gitea:latest`.
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            node = svc.image
            ref = image_ref(recipe, node)
            if ref is None or ref.tag is None or ref.tag_unresolved or ref.digest:
                continue
            if ref.tag.lower() in UNSTABLE_TAGS:
                yield self.finding(node, f"service '{svc.name}': image '{ref.name}' uses the moving tag "
                                         f"'{ref.tag}'", service=svc.name)

    valid = [
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n'),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:latest@sha256:' + "b" * 64 + "\n",
                note="a digest pins it whatever the tag says"),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:${NGINX_TAG}\n',
                note="an unresolved variable is not judged"),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: example/latest-news:2.0.1\n',
                note="only the tag counts, not the name"),
    ]
    invalid = [
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:latest\n', expect=[(4, 12)]),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: "ghcr.io/example/app:${TAG:-main}"\n',
                expect=[(4, 12)], note="the default written in the file is what docker uses"),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: caddy:2.7.6\n  worker:\n'
                        '    image: example/worker:nightly\n', expect=[(6, 12)], note="a nightly build"),
    ]
