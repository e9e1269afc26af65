"""Name resolution for webhook targets, and a connector that never opens a private address.

The delivery checks the target's addresses before each attempt; this connector checks them
again when the HTTP client opens a connection, and connects to an address it checked, so a
name that changes its answer in between (DNS rebinding) still cannot reach a private one.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore

from frontdesk.core.webhook_rules import RESOLVE_TIMEOUT, first_private, literal_address

Resolver = Callable[[str], Awaitable[list[str]]]


async def resolve_host(host: str) -> list[str]:
    """Every address of the name (raises OSError when it does not resolve)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class PrivateTarget(httpcore.ConnectError):
    """The connection would have reached a private address."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend, resolver: Resolver) -> None:
        self._inner = inner
        self._resolver = resolver

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        if literal_address(host) is not None:
            addresses = [host]
        else:
            try:
                addresses = await asyncio.wait_for(self._resolver(host), RESOLVE_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise httpcore.ConnectError(f"cannot resolve the host: {exc}") from None
        if not addresses or first_private(addresses) is not None:
            raise PrivateTarget("the target resolves to a private address")
        return await self._inner.connect_tcp(addresses[0], port, timeout=timeout,
                                             local_address=local_address,
                                             socket_options=socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise PrivateTarget("unix sockets are never a webhook target")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
