"""Shared by the live tests: what the engine still holds that carries a run's owner label."""

OWNER = "io.recipelint.owner"


def owned(client, owner: str) -> list[str]:
    """Every service, container, network, volume, config and secret labelled as owned by ``owner``."""
    flt = {"label": f"{OWNER}={owner}"}
    out = [f"service {s.name}" for s in client.services.list(filters=flt)]
    out += [f"container {c.name}" for c in client.containers.list(all=True, filters=flt)]
    out += [f"network {n.name}" for n in client.networks.list(filters=flt)]
    out += [f"volume {v.name}" for v in client.volumes.list(filters=flt)]
    out += [f"config {c.name}" for c in client.configs.list(filters=flt)]
    out += [f"secret {s.name}" for s in client.secrets.list(filters=flt)]
    return out
