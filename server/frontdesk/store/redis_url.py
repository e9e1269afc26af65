"""REDIS_URL for a Redis Cluster: `redis+cluster://[user:password@]host:port[,host:port...]`
(`rediss+cluster://` for TLS). Every host:port listed is a seed: the client asks the first
that answers for the slot map and learns every node from it, so one live seed is enough.

redis-py's `from_url` takes one host; this turns the seed list into its `startup_nodes`.
Query options are those of a plain URL that a cluster client takes too (`ssl_cert_reqs`,
`ssl_ca_certs`, `ssl_check_hostname`, `client_name`); a path (a database) is refused, as
Redis Cluster has only database 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")
_OPTIONS = {"ssl_cert_reqs", "ssl_ca_certs", "ssl_check_hostname", "client_name"}


@dataclass(frozen=True, slots=True)
class ClusterURL:
    seeds: tuple[tuple[str, int], ...]
    username: str | None = None
    password: str | None = None
    ssl: bool = False
    options: dict[str, str | bool] = field(default_factory=dict)

    def client_options(self) -> dict[str, object]:
        """Connection options every node connection of this cluster takes."""
        found: dict[str, object] = {"username": self.username, "password": self.password}
        if self.ssl:
            found["ssl"] = True
        found.update(self.options)
        return found


def is_cluster_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in CLUSTER_SCHEMES


def parse_cluster_url(url: str) -> ClusterURL:
    """The seeds and options of a cluster URL; ValueError saying what is wrong (no password)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in CLUSTER_SCHEMES:
        raise ValueError("the scheme must be redis+cluster or rediss+cluster")
    userinfo, at, hosts = parts.netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    seeds = []
    for item in hosts.split(","):
        host, colon, port = item.strip().rpartition(":")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"each node must be host:port (got {item.strip()!r})")
        seeds.append((host.strip("[]"), int(port)))
    if parts.path not in ("", "/", "/0"):
        raise ValueError("a cluster has only database 0 (drop the path)")
    options: dict[str, str | bool] = {}
    for name, value in parse_qsl(parts.query):
        if name not in _OPTIONS:
            raise ValueError(f"unknown option {name!r} (known: {', '.join(sorted(_OPTIONS))})")
        options[name] = (value.lower() in ("1", "true", "yes")
                         if name == "ssl_check_hostname" else value)
    return ClusterURL(tuple(seeds), username, password,
                      parts.scheme.lower() == "rediss+cluster", options)


def hide_password(url: str) -> str:
    """The URL with its password shown as *** (works for seed lists, which urlsplit cannot
    give a port for)."""
    parts = urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    rest = url.split("://", 1)[1][len(parts.netloc):]
    return f"{parts.scheme}://{user}:***@{hosts}{rest}"
