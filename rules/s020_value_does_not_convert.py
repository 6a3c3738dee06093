from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._schema import schema_findings


class ValueDoesNotConvert(Rule):
    code = "S020"
    name = "value-does-not-convert"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "A value cannot become the type `docker stack deploy` converts it to (count, duration, byte size, port)."
    why = """
    The compose schema lets many values be strings, because they may hold `${VARIABLES}`; docker
    converts them only after interpolation, and a value that does not convert stops the deploy. After
    interpolation these must be: whole numbers of 0 or more (`deploy.replicas`, `parallelism`,
    `max_attempts`, healthcheck `retries`, `pids`; ulimits may also be -1), Go durations with a unit (`10s`, `1m30s`:
    healthcheck times, `stop_grace_period`, update/rollback `delay` and `monitor`, restart `delay` and
    `window`), byte sizes (`512M`, `1g`: `resources.*.memory`, tmpfs `size`), CPU counts (`0.5`),
    ratios, and ports (`8080:80/tcp`, `127.0.0.1:8080:80`, ranges; 0 to 65535). A literal that
    cannot convert is reported at its node. A value that is still an unresolved `${VAR}` is left
    alone; one resolved from `.env.sample`, abra.sh or an inline default is checked as resolved, and
    the message shows both.
    """
    fix = """
    Write the value in the form the message shows (`30s`, not `30`; `512M`, not `512MB RAM`), or fix
    the default in `.env.sample` that it resolves to.
    """

    def check(self, recipe):
        yield from schema_findings(self, recipe)

    valid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    ports:
      - "8080:80"
      - "127.0.0.1:9000-9001:9000-9001/udp"
      - target: 443
        published: ${HTTPS_PORT}
    healthcheck:
      interval: 1m30s
      retries: "3"
    stop_grace_period: ${GRACE}
    deploy:
      replicas: ${REPLICAS:-2}
      resources:
        limits:
          memory: 1.5g
          cpus: "0.5"
""", note="literals that convert, unresolved and resolved interpolation"),
    ]
    invalid = [
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    healthcheck:
      interval: "30"
      timeout: 5 seconds
    deploy:
      replicas: two
""", expect=[(6, 17), (7, 16), (9, 17)], note="a duration without unit, a count in words"),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    deploy:
      replicas: ${REPLICAS}
      resources:
        limits:
          memory: ${MEMORY:-lots}
""", env="REPLICAS=three\n", expect=[(6, 17), (9, 19)],
                note="values resolved from .env.sample or an inline default are checked after interpolation"),
        Example(compose="""\
version: "3.8"
services:
  app:
    image: nginx:1.25
    ports:
      - "8080:80/http"
      - "70000:80"
      - target: 80
        published: http
""", expect=[(6, 9), (7, 9), (9, 20)], note="ports: short syntax and long syntax"),
    ]
