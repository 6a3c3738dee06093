"""The conversions `docker stack deploy` applies to compose values, as plain predicates (S011, S020).

Each checker takes a value as the YAML parser (after interpolation) gives it and returns ``None``
when docker converts it, else a short phrase saying what was expected. A string that still holds
an unresolved ``$`` reference is always accepted: docker converts it only after interpolation,
and we never guess a variable's value. A value of the wrong YAML type altogether (a list where a
duration goes) is the compose-spec schema's to report (S001), so it is accepted here too.

The syntaxes follow docker's own parsers: Go's ``time.ParseDuration`` for durations, go-units'
``RAMInBytes`` for byte sizes, ``strconv.ParseUint`` for counts, and the
``[[IP:]PUBLISHED:]TARGET[/PROTOCOL]`` port syntax with optional ranges.
"""

from __future__ import annotations

import ipaddress
import re

_DURATION = re.compile(r"[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+")
_BYTES = re.compile(r"(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?")
_COUNT = re.compile(r"\+?\d+")
_DECIMAL = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+/\d+")
PROTOCOLS = ("tcp", "udp", "sctp")
MAX_PORT = 65535


def unresolved(value) -> bool:
    """A string docker would still interpolate: we leave it alone."""
    return isinstance(value, str) and "$" in value


def _skip(value) -> bool:
    return unresolved(value) or isinstance(value, (bool, dict, list)) or value is None


def count(value) -> str | None:
    """replicas, retries, parallelism, max_attempts, pids: an unsigned integer."""
    if _skip(value):
        return None
    if isinstance(value, int):
        return None if value >= 0 else "a whole number of 0 or more"
    if isinstance(value, float):
        return None if value.is_integer() and value >= 0 else "a whole number of 0 or more"
    return None if _COUNT.fullmatch(str(value).strip()) else "a whole number of 0 or more"


def ulimit(value) -> str | None:
    """ulimits: a whole number; -1 means unlimited (`memlock: -1`)."""
    if _skip(value):
        return None
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    if isinstance(value, int):
        return None if value >= -1 else "a whole number (-1 for unlimited)"
    return None if re.fullmatch(r"[-+]?\d+", str(value).strip()) and int(value) >= -1 \
        else "a whole number (-1 for unlimited)"


def duration(value) -> str | None:
    """Go duration syntax: `10s`, `1m30s`, `1.5h`, `500ms`; a bare `0` too."""
    if _skip(value) or not isinstance(value, str):
        return None
    v = value.strip()
    if v in ("0", "+0", "-0") or _DURATION.fullmatch(v):
        return None
    return "a duration such as 10s, 1m30s or 500ms (a number needs a unit)"


def bytes_(value) -> str | None:
    """Byte sizes: an integer, or `512M`, `1g`, `1.5GiB`, `100kb`."""
    if _skip(value):
        return None
    if isinstance(value, (int, float)):
        return None if value >= 0 else "a byte size such as 512M or 1g"
    return None if _BYTES.fullmatch(value.strip()) else "a byte size such as 512M or 1g"


def cpus(value) -> str | None:
    """deploy.resources.*.cpus: a decimal number of CPUs (`0.5`, `2`)."""
    if _skip(value) or isinstance(value, (int, float)):
        return None
    return None if _DECIMAL.fullmatch(value.strip()) else "a number of CPUs such as 0.5 or 2"


def ratio(value) -> str | None:
    """max_failure_ratio: a decimal number."""
    if _skip(value) or isinstance(value, (int, float)):
        return None
    try:
        float(value)
    except ValueError:
        return "a number such as 0.1"
    return None


def _port_range(text: str) -> tuple[int, int] | None:
    lo, _, hi = text.partition("-")
    a = int(lo)
    b = int(hi) if hi else a
    if a > MAX_PORT or b > MAX_PORT or a > b:
        return None
    return a, b


def port_number(value) -> str | None:
    """`target:`/`published:` in the long port syntax: a port number (published may be a range)."""
    if _skip(value):
        return None
    if isinstance(value, int):
        return None if 0 <= value <= MAX_PORT else f"a port number from 0 to {MAX_PORT}"
    text = str(value).strip()
    if re.fullmatch(r"\d+(?:-\d+)?", text) and _port_range(text):
        return None
    return f"a port number from 0 to {MAX_PORT}"


def _split_port(text: str) -> tuple[str | None, str | None, str, str | None] | None:
    """(ip, published, target, protocol) of a short port syntax, or None if it has no shape."""
    rest, _, proto = text.partition("/")
    if rest.startswith("["):  # [IPv6]:published:target
        ip, sep, tail = rest[1:].partition("]:")
        if not sep:
            return None
        parts = tail.split(":")
        if len(parts) != 2:
            return None
        return ip, parts[0], parts[1], proto or None
    parts = rest.split(":")
    if len(parts) == 1:
        return None, None, parts[0], proto or None
    if len(parts) == 2:
        return None, parts[0], parts[1], proto or None
    return ":".join(parts[:-2]), parts[-2], parts[-1], proto or None


def port_mapping(value) -> str | None:
    """A `ports:` item in the short syntax: `80`, `8080:80`, `127.0.0.1:8080:80/tcp`, `9000-9001:9000-9001`."""
    if _skip(value):
        return None
    expected = "a port mapping such as 80, 8080:80 or 127.0.0.1:8080:80/udp"
    if isinstance(value, int):
        return None if 0 <= value <= MAX_PORT else expected
    if isinstance(value, float):
        return expected
    split = _split_port(value.strip())
    if split is None:
        return expected
    ip, published, target, proto = split
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            return f"an IP address before the published port, not {ip!r}"
    if not re.fullmatch(r"\d+(?:-\d+)?", target) or (published and not re.fullmatch(r"\d+(?:-\d+)?", published)):
        return expected
    tgt = _port_range(target)
    pub = _port_range(published) if published else (0, 0)
    if tgt is None or pub is None:
        return expected
    if proto is not None and proto.lower() not in PROTOCOLS:
        return f"{', '.join(PROTOCOLS[:-1])} or {PROTOCOLS[-1]} after the slash"
    if published and "-" in published and "-" in target and pub[1] - pub[0] != tgt[1] - tgt[0]:
        return "published and target ranges of the same length"
    return None


def go_text(value) -> str:
    """How docker turns a YAML number into a string (Go's %v)."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)


def label_text(value) -> str | None:
    """Label and environment values: strings. A boolean is refused by docker's compose schema; a
    number is accepted and turned into text (the rule reports it only when that text changes)."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, bool):
        return "a string (quote it: \"true\"/\"false\")"
    if isinstance(value, (int, float)):
        return "a string"
    return None


CONVERTERS = {
    "count": count,
    "ulimit": ulimit,
    "duration": duration,
    "bytes": bytes_,
    "cpus": cpus,
    "ratio": ratio,
    "port-number": port_number,
    "port-mapping": port_mapping,
    "label-text": label_text,
}
