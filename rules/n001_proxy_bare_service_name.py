from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Rule
from recipelint_rules._addresses import bare_references, qualified


class ProxyBareServiceName(Rule):
    code = "N001"
    name = "proxy-bare-service-name"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = "shared-network-dns"
    live_verdict = ("confirmed: the name resolves to another stack's task - from '{caller}', bare '{name}' "
                    "returns a decoy stack's address on '{network}'")
    summary = "A service on the shared proxy network reaches a sibling by a bare name that other stacks register there too."
    why = """
    `docker stack deploy` registers every service under two DNS names on each network it joins:
    `<stack>_<service>` and the bare `<service>`. On a stack's own internal network the bare name
    is unique. On a network shared by every stack (`proxy`, or any network declared
    `external: true`) it is not: all stacks that attach an `app` to `proxy` answer to `app` there,
    and docker's resolver hands out any of them. So a reverse proxy on `proxy` that forwards to
    `app:3000` reaches another stack's app, or a stopped one, at random. This is the seed's
    bluesky-pds failure: caddy sat on `proxy` and `internal`, its Caddyfile said
    `reverse_proxy app:3000` and `ask http://app:3000/tls-check`, `getent hosts app` inside caddy
    answered with foreign apps, on-demand TLS was refused and the health check got nothing.

    The rule fires when a service attached to a shared network names, in a config or secret it
    mounts (Caddyfile, nginx, traefik file provider, any URL in another file), in its command or
    entrypoint, or in an environment value (URLs anywhere, plain `host[:port]` in `*_HOST`,
    `*_URL`... variables), a service of its own stack that is also attached to that shared
    network, or one called `app`, which every Co-op Cloud stack has (see
    CONVENTIONAL_SERVICE_NAMES). A service naming itself counts too: its bare name is just as
    ambiguous on the shared network (use `localhost` for itself). Stack-qualified names
    (`${STACK_NAME}_app`, `{{ env "STACK_NAME" }}_app`) and names that are only part of a longer
    host (`app.example.com`, `myapp`) are fine. Variables are resolved from `.env.sample` only
    when known; an unknown one never matches.
    """
    fix = """
    Use the stack-qualified name, which is unique on every network: `{{ env "STACK_NAME" }}_app`
    in a golang-templated config (add `template_driver: golang` and a `STACK_NAME` environment
    entry if the file is not a template yet), `${STACK_NAME}_app` in compose values. For a
    service naming itself, use `localhost`.
    """

    def check(self, recipe):
        for ref in bare_references(recipe):
            if not ref.on_shared:
                continue
            if ref.target == ref.caller:
                whose, write = "its own name", "localhost"
            elif ref.target != ref.name:
                whose, write = f"an alias of this stack's '{ref.target}'", qualified(ref)
            elif ref.target_on_shared:
                whose, write = f"this stack's '{ref.target}'", qualified(ref)
            else:
                whose = f"this stack's '{ref.target}', which is not even on '{ref.network}'"
                write = qualified(ref)
            yield self.finding(
                ref.at,
                f"service '{ref.caller}' is on the shared network '{ref.network}' and names '{ref.name}' "
                f"({whose}) bare in {ref.context}; on '{ref.network}' other stacks answer to "
                f"'{ref.name}' too, so it can reach another stack. Write {write}",
                service=ref.caller,
                data={"name": ref.name, "network": ref.network, "caller": ref.caller, "target": ref.target},
            )

    valid = [
        Example(compose="""\
services:
  app:
    image: ghcr.io/bluesky-social/pds:0.4
    networks: [internal]
  caddy:
    image: caddy:2
    networks: [proxy, internal]
    environment:
      - STACK_NAME
    configs:
      - source: caddyfile
        target: /etc/caddy/Caddyfile
networks:
  proxy:
    external: true
  internal:
configs:
  caddyfile:
    file: Caddyfile
    template_driver: golang
""", files={"Caddyfile": "{\n\ton_demand_tls {\n\t\task http://{{ env \"STACK_NAME\" }}_app:3000/tls-check\n"
                         "\t}\n}\n\napp.example.com {\n\treverse_proxy {{ env \"STACK_NAME\" }}_app:3000\n"
                         "\tredir /app/path /\n}\n"},
                note="the bluesky-pds fix: stack-qualified names; `app` inside a longer host is no name"),
        Example(compose="""\
services:
  app:
    image: node:20
    networks: [internal]
  web:
    image: nginx:1.27
    networks: [proxy, internal]
    configs:
      - source: nginx_conf
        target: /etc/nginx/conf.d/default.conf
networks:
  proxy:
    external: true
  internal:
configs:
  nginx_conf:
    file: nginx.conf.tmpl
    template_driver: golang
""", files={"nginx.conf.tmpl": "upstream app {\n    server {{ env \"STACK_NAME\" }}_app:3000;\n}\n"
                                 "server {\n    listen 80;\n    location / {\n        proxy_pass http://app;\n    }\n"
                                 "    location /static {\n        proxy_pass http://myapp.example.org:8080;\n    }\n}\n"},
                note="`proxy_pass http://app` names the upstream group, whose server is stack-qualified"),
        Example(compose="""\
services:
  app:
    image: wordpress:6
    networks: [proxy, internal]
    environment:
      WORDPRESS_DB_HOST: ${STACK_NAME}_db
      SITE_URL: https://app.${DOMAIN}
  db:
    image: mariadb:11
    networks: [internal]
  worker:
    image: wordpress:6
    networks: [internal]
    command: ["wait-for", "app:80", "--", "wp", "cron"]
networks:
  proxy:
    external: true
  internal:
""", env="DOMAIN=example.com\n",
                note="qualified env value; a worker that is not on proxy may use bare names"),
        Example(compose="""\
services:
  app:
    image: php:8-fpm
    networks: [proxy, internal]
    environment:
      - DB_HOST=db
  db:
    image: mariadb:11
    networks: [internal]
networks:
  proxy:
    external: true
  internal:
""", note="a bare name of an internal-only sibling that is not `app` is N002's (a warning), not N001's"),
    ]
    invalid = [
        Example(compose="""\
services:
  app:
    image: ghcr.io/bluesky-social/pds:0.4
    networks: [internal]
  caddy:
    image: caddy:2
    networks: [proxy, internal]
    configs:
      - source: caddyfile
        target: /etc/caddy/Caddyfile
networks:
  proxy:
    external: true
  internal:
configs:
  caddyfile:
    file: Caddyfile
    template_driver: golang
""", files={"Caddyfile": "{\n\ton_demand_tls {\n\t\task http://app:3000/tls-check\n\t}\n}\n\n"
                         "{{ env \"DOMAIN\" }} {\n\treverse_proxy app:3000\n}\n"},
                expect=[("Caddyfile", 3, 14), ("Caddyfile", 8, 16)],
                note="the seed's bluesky-pds: caddy on proxy, bare `app` in ask and reverse_proxy"),
        Example(compose="""\
services:
  app:
    image: node:20
    networks: [internal]
  web:
    image: nginx:1.27
    networks: [proxy, internal]
    configs:
      - source: nginx_conf
        target: /etc/nginx/nginx.conf
networks:
  proxy:
    external: true
  internal:
configs:
  nginx_conf:
    file: nginx.conf
""", files={"nginx.conf": "http {\n  upstream backend {\n    server app:8080 max_fails=3;\n  }\n"
                          "  server {\n    location / { proxy_pass http://backend; }\n"
                          "    location /api/ { proxy_pass http://app:8080/api/; }\n  }\n}\n"},
                expect=[("nginx.conf", 3, 12), ("nginx.conf", 7, 40)],
                note="nginx: `server` in an upstream block and a proxy_pass URL"),
        Example(compose="""\
services:
  web:
    image: ghcr.io/example/frontend:1
    networks: [proxy, internal]
  app:
    image: ghcr.io/example/worker:1
    networks: [proxy, internal]
    environment:
      - "FRONTEND_URL=http://web:8000/hooks"
      - API_HOST=web
networks:
  proxy:
    external: true
  internal:
""", expect=[(9, 30), (10, 18)],
                note="`web` is attached to proxy too: env *_URL and *_HOST values name it bare"),
        Example(compose="""\
services:
  app:
    image: ghcr.io/example/app:1
    networks:
      proxy:
        aliases: [backend]
      internal:
  proxy-sidecar:
    image: caddy:2
    networks: [proxy, internal]
    command: ["caddy", "reverse-proxy", "--from", ":80", "--to", "backend:8080"]
networks:
  proxy:
    external: true
  internal:
""", expect=[(11, 67)], note="command arguments; a network alias of `app`, which is on proxy"),
        Example(compose="""\
services:
  traefik:
    image: traefik:v3.1
    networks: [proxy]
    configs:
      - source: file_provider
        target: /etc/traefik/dynamic.yml
  web:
    image: nginx:1.27
    networks: [proxy]
networks:
  proxy:
    external: true
configs:
  file_provider:
    file: dynamic.yml.tmpl
    template_driver: golang
""", files={"dynamic.yml.tmpl": "http:\n  services:\n    site:\n      loadBalancer:\n        servers:\n"
                                "          - url: \"http://web:80\"\n          - url: \"http://{{ env \"STACK_NAME\" }}_web:80\"\n"},
                expect=[("dynamic.yml.tmpl", 6, 26)], note="traefik file provider `url`; only the bare one"),
        Example(compose="""\
services:
  app:
    image: ghcr.io/example/app:1
    networks: [proxy]
    environment:
      PUBLIC_URL: https://${DOMAIN}
      SELF_URL: http://${SELF:-app}:3000
networks:
  proxy:
    external: true
""", env="DOMAIN=example.com\n",
                expect=[(7, 24)], note="a service naming itself (via a default that resolves to `app`)"),
    ]
