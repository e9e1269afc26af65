"""This process's live sockets, indexed by the contract's audiences, and event delivery.

The hub knows nothing of the store: it is handed events and writes each one's bytes to the
sockets it names. A delivery never waits for a socket: `Socket.push` queues or writes and
returns at once, and a socket too far behind closes itself (4002).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from frontdesk.codec import Encoding, OutgoingFrame
from frontdesk.core.events import Push

AccountListener = Callable[[str], None]


class Socket(Protocol):
    encoding: Encoding

    def push(self, data: bytes) -> None:
        """Write one complete WebSocket frame without waiting."""

    def close_now(self, code: int, reason: str = "") -> None:
        """Send a close frame at once, dropping frames not yet written."""


class Audience:
    """The sockets of one audience, kept apart by encoding so that a fan-out is two plain
    loops over sockets that all take the same bytes. A set is made only for an encoding the
    audience has (most audiences, a visitor's, hold one socket: an empty set is 216 bytes)."""

    __slots__ = ("json", "msgpack")

    def __init__(self) -> None:
        self.json: set[Socket] | None = None
        self.msgpack: set[Socket] | None = None

    def add(self, socket: Socket) -> None:
        if socket.encoding is Encoding.JSON:
            if self.json is None:
                self.json = set()
            self.json.add(socket)
        else:
            if self.msgpack is None:
                self.msgpack = set()
            self.msgpack.add(socket)

    def discard(self, socket: Socket) -> None:
        if self.json is not None:
            self.json.discard(socket)
            if not self.json:
                self.json = None
        if self.msgpack is not None:
            self.msgpack.discard(socket)
            if not self.msgpack:
                self.msgpack = None

    def __len__(self) -> int:
        return len(self.json or ()) + len(self.msgpack or ())

    def __contains__(self, socket: object) -> bool:
        return socket in (self.json or ()) or socket in (self.msgpack or ())

    def __iter__(self) -> Iterator[Socket]:
        yield from self.json or ()
        yield from self.msgpack or ()

    def write(self, frame: OutgoingFrame) -> int:
        """The fan-out loop: no awaits, no per-socket encoding or branching."""
        written = 0
        if self.json:
            data = frame.wire(Encoding.JSON)
            for socket in self.json:
                socket.push(data)
            written = len(self.json)
        if self.msgpack:
            data = frame.wire(Encoding.MSGPACK)
            for socket in self.msgpack:
                socket.push(data)
            written += len(self.msgpack)
        return written


class Hub:
    def __init__(self) -> None:
        self.widget_sockets: dict[tuple[str, str], Audience] = {}
        self.visitor_sockets: dict[tuple[str, str, str], Audience] = {}
        self.agent_sockets: dict[tuple[str, str], Audience] = {}
        self.account_agent_sockets: dict[str, Audience] = {}
        self._per_account: dict[str, int] = {}  # sockets of any kind, by account
        self._account_listeners: list[tuple[AccountListener, AccountListener]] = []

    def follow_accounts(self, joined: AccountListener, left: AccountListener) -> None:
        """Call `joined(account)` when the account's first socket here joins, `left(account)`
        when its last one leaves (what the bus subscriptions follow)."""
        self._account_listeners.append((joined, left))

    def _count(self, account: str, step: int) -> None:
        count = self._per_account.get(account, 0) + step
        if count > 0:
            self._per_account[account] = count
        else:
            self._per_account.pop(account, None)
        if count == 1 and step == 1:
            for joined, _ in self._account_listeners:
                joined(account)
        elif count == 0:
            for _, left in self._account_listeners:
                left(account)

    # --- membership ----------------------------------------------------------------------
    def add_agent(self, socket: Socket, account: str, agent: str) -> None:
        if socket not in self.agent_sockets.get((account, agent), ()):
            self._count(account, 1)
        _add(self.agent_sockets, (account, agent), socket)
        _add(self.account_agent_sockets, account, socket)

    def remove_agent(self, socket: Socket, account: str, agent: str) -> bool:
        """Forget the socket; True if it was the agent's last socket on this process."""
        present = socket in self.agent_sockets.get((account, agent), ())
        _discard(self.account_agent_sockets, account, socket)
        last = _discard(self.agent_sockets, (account, agent), socket)
        if present:
            self._count(account, -1)
        return last

    def add_widget(self, socket: Socket, account: str, widget: str, visitor: str) -> None:
        if socket not in self.visitor_sockets.get((account, widget, visitor), ()):
            self._count(account, 1)
        _add(self.widget_sockets, (account, widget), socket)
        _add(self.visitor_sockets, (account, widget, visitor), socket)

    def remove_widget(self, socket: Socket, account: str, widget: str, visitor: str) -> bool:
        """Forget the socket; True if it was the visitor's last socket on this process."""
        present = socket in self.visitor_sockets.get((account, widget, visitor), ())
        _discard(self.widget_sockets, (account, widget), socket)
        last = _discard(self.visitor_sockets, (account, widget, visitor), socket)
        if present:
            self._count(account, -1)
        return last

    def accounts(self) -> set[str]:
        """Accounts this process holds any socket of."""
        return set(self.account_agent_sockets) | {a for a, _ in self.widget_sockets}

    def widgets_of(self, account: str) -> list[str]:
        """The account's widgets this process holds sockets of."""
        return [widget for a, widget in self.widget_sockets if a == account]

    def counts(self) -> tuple[int, int]:
        """(agent sockets, widget sockets) open on this process."""
        agents = sum(len(s) for s in self.account_agent_sockets.values())
        widgets = sum(len(s) for s in self.widget_sockets.values())
        return agents, widgets

    # --- delivery --------------------------------------------------------------------------
    def close_widget(self, account: str, widget: str, code: int) -> None:
        """Close every socket of the widget on this process with `code` (a deleted widget)."""
        for socket in list(self.widget_sockets.get((account, widget)) or ()):
            socket.close_now(code)

    def deliver(self, event: Push) -> int:
        """Write the event's frame to each socket it names, once; returns sockets written."""
        account = event.account
        frame = OutgoingFrame(event.payload)
        written = 0
        if event.widget is not None and event.visitor is None:
            audience = self.widget_sockets.get((account, event.widget))
            if audience is not None:
                written += audience.write(frame)
        if event.all_agents:
            audience = self.account_agent_sockets.get(account)
            if audience is not None:
                written += audience.write(frame)
        else:
            for agent in event.agents:
                audience = self.agent_sockets.get((account, agent))
                if audience is not None:
                    written += audience.write(frame)
        if event.visitor is not None:
            widget, visitor = event.visitor
            audience = self.visitor_sockets.get((account, widget, visitor))
            if audience is not None:
                written += audience.write(frame)
        return written


def _add(index: dict[Any, Audience], key: Any, socket: Socket) -> None:
    audience = index.get(key)
    if audience is None:
        audience = index[key] = Audience()
    audience.add(socket)


def _discard(index: dict[Any, Audience], key: Any, socket: Socket) -> bool:
    audience = index.get(key)
    if audience is None:
        return False
    audience.discard(socket)
    if not audience:
        del index[key]
        return True
    return False
