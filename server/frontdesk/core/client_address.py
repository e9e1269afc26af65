"""Whose address a request comes from, for per-address limits behind a reverse proxy.

The TCP peer, unless the peer is one of the operator's trusted proxies
(FRONTDESK_TRUSTED_PROXIES): then the right-most address of `X-Forwarded-For` that is not a
trusted proxy itself (what each proxy appends can be trusted; what the client sent cannot).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(raw: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR ranges; ValueError names the first bad one."""
    networks = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{part!r} is not an IP address or CIDR range") from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _networks(raw: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(",".join(raw))


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in trusted)


def client_address(peer: str | None, forwarded_for: str | None,
                   trusted_proxies: Sequence[str]) -> str:
    """The client's address (see the module doc); "unknown" without a peer."""
    if not peer:
        return "unknown"
    trusted = _networks(tuple(trusted_proxies))
    if not trusted or not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer
