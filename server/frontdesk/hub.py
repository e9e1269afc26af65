"""This process's live sockets, indexed by the contract's audiences, and event delivery.

The hub knows nothing of the store: it is handed events and writes each one's bytes to the
sockets it names. A delivery never waits for a socket: `Socket.push` queues or writes and
returns at once, and a socket too far behind closes itself (4002).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from frontdesk.codec import Encoding, OutgoingFrame
from frontdesk.core.events import Event


class Socket(Protocol):
    encoding: Encoding

    def push(self, data: bytes) -> None:
        """Write one complete WebSocket frame without waiting."""

    def close_now(self, code: int, reason: str = "") -> None:
        """Send a close frame at once, dropping frames not yet written."""


class Hub:
    def __init__(self) -> None:
        self.widget_sockets: dict[tuple[str, str], set[Socket]] = {}
        self.visitor_sockets: dict[tuple[str, str, str], set[Socket]] = {}
        self.agent_sockets: dict[tuple[str, str], set[Socket]] = {}
        self.account_agent_sockets: dict[str, set[Socket]] = {}
        self.frames_out = 0

    # --- membership ----------------------------------------------------------------------
    def add_agent(self, socket: Socket, account: str, agent: str) -> None:
        self.agent_sockets.setdefault((account, agent), set()).add(socket)
        self.account_agent_sockets.setdefault(account, set()).add(socket)

    def remove_agent(self, socket: Socket, account: str, agent: str) -> bool:
        """Forget the socket; True if it was the agent's last socket on this process."""
        _discard(self.account_agent_sockets, account, socket)
        return _discard(self.agent_sockets, (account, agent), socket)

    def add_widget(self, socket: Socket, account: str, widget: str, visitor: str) -> None:
        self.widget_sockets.setdefault((account, widget), set()).add(socket)
        self.visitor_sockets.setdefault((account, widget, visitor), set()).add(socket)

    def remove_widget(self, socket: Socket, account: str, widget: str, visitor: str) -> bool:
        """Forget the socket; True if it was the visitor's last socket on this process."""
        _discard(self.widget_sockets, (account, widget), socket)
        return _discard(self.visitor_sockets, (account, widget, visitor), socket)

    def has_visitor(self, account: str, widget: str, visitor: str) -> bool:
        return (account, widget, visitor) in self.visitor_sockets

    def accounts(self) -> set[str]:
        """Accounts this process holds any socket of."""
        return set(self.account_agent_sockets) | {a for a, _ in self.widget_sockets}

    def counts(self) -> tuple[int, int]:
        """(agent sockets, widget sockets) open on this process."""
        agents = sum(len(s) for s in self.account_agent_sockets.values())
        widgets = sum(len(s) for s in self.widget_sockets.values())
        return agents, widgets

    # --- delivery --------------------------------------------------------------------------
    def deliver(self, event: Event) -> int:
        """Write the event's frame to each socket it names, once; returns sockets written."""
        if event.close_code is not None:
            sockets = self.widget_sockets.get((event.account, event.widget or ""), ())
            for socket in list(sockets):
                socket.close_now(event.close_code)
            return 0
        frame = OutgoingFrame(event.payload)
        written = 0
        if event.widget is not None and event.visitor is None:
            written += _write_all(frame, self.widget_sockets.get((event.account, event.widget), ()))
        if event.all_agents:
            written += _write_all(frame, self.account_agent_sockets.get(event.account, ()))
        else:
            for agent in event.agents:
                written += _write_all(frame, self.agent_sockets.get((event.account, agent), ()))
        if event.visitor is not None:
            widget, visitor = event.visitor
            written += _write_all(frame, self.visitor_sockets.get((event.account, widget, visitor), ()))
        self.frames_out += written
        return written


def _write_all(frame: OutgoingFrame, sockets: Iterable[Socket]) -> int:
    """The fan-out loop: the same bytes for every socket of an encoding, no awaits."""
    json_bytes = msgpack_bytes = None
    count = 0
    for socket in sockets:
        if socket.encoding is Encoding.JSON:
            if json_bytes is None:
                json_bytes = frame.wire(Encoding.JSON)
            socket.push(json_bytes)
        else:
            if msgpack_bytes is None:
                msgpack_bytes = frame.wire(Encoding.MSGPACK)
            socket.push(msgpack_bytes)
        count += 1
    return count


def _discard(index: dict, key: object, socket: Socket) -> bool:
    sockets = index.get(key)
    if sockets is None:
        return False
    sockets.discard(socket)
    if not sockets:
        del index[key]
        return True
    return False
