from recipelint.rule import RECIPE_DEFECT, WARNING, Example, Rule
from recipelint_rules._abra import image_ref


class ImageUntagged(Rule):
    code = "R003"
    name = "image-untagged"
    severity = WARNING  # abra: warn
    category = RECIPE_DEFECT
    probe = None
    summary = "An image has no tag, so Docker pulls whatever `latest` is that day (abra R003)."
    why = """
    `image: nginx` means `nginx:latest`. Every deploy, and every node that pulls the image for the
    first time, may get a different version, so two servers running the same recipe release can run
    different software, and a release of the recipe no longer says what it deploys. abra's `recipe lint`
    wants every image tagged. An image pinned by digest (`@sha256:...`) is fixed and passes; an image
    written as an unresolved `${VAR}` is not judged.
    """
    fix = """
    Add the upstream version as the tag, e.g. `nginx:1.25.3`, and let recipe upgrades move it.
    """

    def check(self, recipe):
        for view, svc in recipe.services():
            node = svc.image
            ref = image_ref(recipe, node)
            if ref is None or ref.tag is not None or ref.digest:
                continue
            yield self.finding(node, f"service '{svc.name}': image '{ref.name}' has no tag (Docker reads it as "
                                     f"'{ref.name}:latest')", service=svc.name)

    valid = [
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n'),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: registry.example.org:5000/team/app:2.1.0\n',
                note="a registry port is not a tag, the tag is"),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx@sha256:' + "a" * 64 + "\n",
                note="pinned by digest"),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: ${APP_IMAGE}\n',
                note="an unresolved variable is not judged"),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:${NGINX_VERSION}\n',
                note="a tag from a variable is a tag"),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:${NGINX_VERSION}\n',
                env="NGINX_VERSION=\n", note="a tag the operator fills in is not judged"),
    ]
    invalid = [
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx\n', expect=[(4, 12)]),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: registry.example.org:5000/team/app\n',
                expect=[(4, 12)], note="the colon belongs to the registry's port"),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: "${APP_IMAGE}"\n', env="APP_IMAGE=nginx\n",
                expect=[(4, 12)], note="the variable resolves through .env.sample"),
    ]
