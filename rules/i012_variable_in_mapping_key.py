from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import compose_docs, key_var_uses


class VariableInMappingKey(Rule):
    code = "I012"
    name = "variable-in-mapping-key"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A `${VAR}` is written in a mapping key, where docker (and abra) never interpolate."
    why = """
    Compose interpolation replaces variables in values only; keys are taken literally by
    `docker stack deploy` and by abra, which uses the same loader. In map-form labels,
    `traefik.http.routers.${STACK_NAME}.rule: ...` therefore defines a router literally named
    `${STACK_NAME}`, the same name in every stack that does this: Traefik sees one router defined
    several times with different rules and drops it, so both apps answer 404. Likewise
    `coop-cloud.${STACK_NAME}.version:` is a label abra never finds. In list form,
    `- "traefik.http.routers.${STACK_NAME}.rule=..."`, the whole item is a value and is
    interpolated, which is why recipes write labels that way.
    """
    fix = """
    Write these labels (or environment entries) in list form, `- "key=value"`, so the variable in
    the key is interpolated; or use a fixed name without a variable.
    """

    def check(self, recipe):
        for rel, doc in compose_docs(recipe):
            for path, key_node, use in key_var_uses(doc):
                where = "label" if "labels" in path else "key"
                yield self.finding(use.loc, f"{use.text} in the {where} {path[-1]!r} is never interpolated (docker "
                                            "interpolates values, not keys), so it stays literally "
                                            f"{use.text}; write it in list form: - \"{path[-1]}=...\"",
                                   data={"variable": use.name, "key": path[-1]})

    valid = [
        Example(compose="""\
x-labels: &labels
  ${NOT_USED}: here
services:
  app:
    image: nginx:1.27
    environment:
      - NAME_${SUFFIX}=1
    deploy:
      labels:
        - "traefik.http.routers.${STACK_NAME}.rule=Host(`${DOMAIN}`)"
        - "coop-cloud.${STACK_NAME}.version=1.0.0+1.27.0"
""", note="list form: the whole item is a value and is interpolated; x- blocks are skipped"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        traefik.enable: "true"
        traefik.http.routers.${STACK_NAME}.rule: Host(`${DOMAIN}`)
        "coop-cloud.${STACK_NAME}.version": 1.0.0+1.27.0
""", expect=[(7, 30), (8, 21)], note="map-form labels with the stack name in the key"),
    ]
