from recipelint.rule import RECIPE_DEFECT, WARNING, Example, Rule
from recipelint_rules._addresses import bare_references, qualified


class ProxyBareInternalName(Rule):
    code = "N002"
    name = "proxy-bare-internal-name"
    severity = WARNING
    category = RECIPE_DEFECT
    probe = None
    summary = "A service on the shared proxy network reaches an internal-only sibling by its bare name."
    why = """
    The weaker form of N001. A service attached to a shared network (`proxy`, or any network
    declared `external: true`) names a sibling that is only on the stack's internal network,
    e.g. `DB_HOST=db` or `fastcgi_pass php:9000`. Today that works: nothing else on `proxy` is
    called `db`. But the caller resolves names on every network it is attached to, so the day
    another stack attaches a service called `db` to `proxy` (or gives one that alias), the name
    becomes ambiguous and this stack may talk to the other stack's database. The failure then
    appears in a recipe nobody touched. Names scanned and variables resolved as in N001; the
    conventional `app` is N001's even when this stack's `app` is internal-only.
    """
    fix = """
    Use the stack-qualified name, unique on every network: `${STACK_NAME}_db` in compose values,
    `{{ env "STACK_NAME" }}_db` in a golang-templated config.
    """

    def check(self, recipe):
        for ref in bare_references(recipe):
            if ref.on_shared:
                continue
            yield self.finding(
                ref.at,
                f"service '{ref.caller}' is on the shared network '{ref.network}' and names its internal "
                f"sibling '{ref.target}' bare ('{ref.name}' in {ref.context}); this breaks as soon as another "
                f"stack attaches a '{ref.name}' to '{ref.network}'. Write {qualified(ref)}",
                service=ref.caller,
                data={"name": ref.name, "network": ref.network, "caller": ref.caller, "target": ref.target},
            )

    valid = [
        Example(compose="""\
services:
  app:
    image: php:8-fpm
    networks: [proxy, internal]
    environment:
      - DB_HOST=${STACK_NAME}_db
      - CACHE_URL=redis://${STACK_NAME}_cache:6379/0
  db:
    image: mariadb:11
    networks: [internal]
  cache:
    image: redis:7
    networks: [internal]
networks:
  proxy:
    external: true
  internal:
""", note="stack-qualified names"),
        Example(compose="""\
services:
  app:
    image: php:8-fpm
    networks: [proxy, internal]
  cron:
    image: php:8-fpm
    networks: [internal]
    environment:
      - DB_HOST=db
    command: sh -c "until pg_isready -h db; do sleep 1; done; exec crond -f"
  db:
    image: postgres:16
    networks: [internal]
networks:
  proxy:
    external: true
  internal:
""", note="a caller that is not on the shared network may use bare names"),
        Example(compose="""\
services:
  app:
    image: ghcr.io/example/app:1
    networks: [proxy, internal]
    environment:
      - REDIS_HOST=redis.example.org
      - DB_NAME=db
      - SMTP_HOST=${SMTP_HOST}
  db:
    image: postgres:16
    networks: [internal]
networks:
  proxy:
    external: true
  internal:
""", note="a dotted host, a name that is no address, an unknown variable"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: ghcr.io/example/app:1
    networks: [proxy, internal]
    environment:
      DB_HOST: db
      DATABASE_URL: postgres://app:secret@db:5432/app
  db:
    image: postgres:16
    networks: [internal]
networks:
  proxy:
    external: true
  internal:
""", expect=[(6, 16), (7, 43)], note="*_HOST value and the host of a URL with credentials"),
        Example(compose="""\
services:
  web:
    image: nginx:1.27
    networks: [proxy, internal]
    configs:
      - source: site
        target: /etc/nginx/conf.d/default.conf
  php:
    image: php:8-fpm
    networks: [internal]
networks:
  proxy:
    external: true
  internal:
configs:
  site:
    file: site.conf.tmpl
    template_driver: golang
""", files={"site.conf.tmpl": "server {\n  listen 80;\n  location ~ \\.php$ {\n    # fastcgi_pass old:9000;\n"
                               "    fastcgi_pass php:9000;\n  }\n}\n"},
                expect=[("site.conf.tmpl", 5, 18)], note="nginx fastcgi_pass to an internal-only sibling"),
        Example(compose="""\
services:
  app:
    image: ghcr.io/example/app:1
    networks: [proxy, internal]
    entrypoint: ["/wait-for", "-h", "search", "--", "/entrypoint.sh"]
  search:
    image: getmeili/meilisearch:v1
    networks: [internal]
networks:
  proxy:
    external: true
  internal:
""", expect=[(5, 38)], note="an entrypoint `-h host` argument"),
    ]
