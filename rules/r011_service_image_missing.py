from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._abra import service_anchor, services_by_name


class ServiceImageMissing(Rule):
    code = "R011"
    name = "service-image-missing"
    severity = ERROR  # abra: critical
    category = RECIPE_DEFECT
    probe = None
    summary = "A service has no `image:` (abra R011)."
    why = """
    `docker stack deploy` never builds images: it ignores `build:` and needs an `image:` that every node
    of the swarm can pull. A service without one cannot be deployed at all, and an empty `image:` fails
    the same way. abra's `recipe lint` treats it as critical. A service counts as having an image when
    any compose file of the recipe gives it one (an overlay may set it).
    """
    fix = """
    Publish the image to a registry and set `image: <registry>/<name>:<version>` on the service.
    """

    def check(self, recipe):
        for name, pairs in services_by_name(recipe).items():
            images = [svc.node.get("image") for _, svc in pairs if svc.node.get("image") is not None]
            if any(n.text and n.text.strip() for n in images):
                continue
            if images:
                yield self.finding(images[0].key or images[0], f"service '{name}' has an empty image", service=name)
                continue
            svc = pairs[0][1]
            build = " (docker stack deploy ignores its build:)" if svc.node.get("build") is not None else ""
            yield self.finding(service_anchor(svc), f"service '{name}' has no image{build}", service=name)

    valid = [
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n'),
        Example(files={"compose.yml": 'version: "3.8"\nservices:\n  app:\n    environment:\n      - A=1\n',
                       "compose.image.yml": 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n'},
                env='COMPOSE_FILE="compose.yml:compose.image.yml"\n', note="an overlay of the chain sets it"),
    ]
    invalid = [
        Example(compose='version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n  worker:\n    build: .\n',
                expect=[(5, 3)], note="build only"),
        Example(compose='version: "3.8"\nservices:\n  app:\n    image:\n', expect=[(4, 5)], note="empty"),
    ]
