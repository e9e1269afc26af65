"""Webhook values: a registration, one event's delivery to one webhook, a claimed attempt.

Stores keep them as JSON text (`to_record` / `from_record`); the wire shapes are the contract's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from frontdesk.core.model import to_wire_time


def _wire_time(epoch: float) -> str:
    return to_wire_time(datetime.fromtimestamp(epoch, UTC))


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    account: str
    url: str
    events: tuple[str, ...]
    secret: str
    created: float

    def to_listing(self) -> dict[str, Any]:
        """GET .../webhooks item: never the secret."""
        return {"id": self.id, "url": self.url, "events": list(self.events),
                "created": _wire_time(self.created)}

    def to_created(self) -> dict[str, Any]:
        """The 201 answer: the only one that shows the secret."""
        return {**self.to_listing(), "secret": self.secret}

    def to_record(self) -> str:
        return json.dumps({"id": self.id, "account": self.account, "url": self.url,
                           "events": list(self.events), "secret": self.secret,
                           "created": self.created}, separators=(",", ":"))

    @classmethod
    def from_record(cls, text: str | bytes) -> Webhook:
        d = json.loads(text)
        return cls(d["id"], d["account"], d["url"], tuple(d["events"]), d["secret"],
                   float(d["created"]))


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one webhook; `manual` marks a requested redelivery not yet attempted."""

    event: str
    type: str
    seq: int
    occurred_at: float
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_code: int | None = None
    last_error: str | None = None
    next_attempt: float | None = None
    manual: bool = False

    def to_wire(self) -> dict[str, Any]:
        """An item of GET .../deliveries (next_attempt null unless pending)."""
        pending = self.status is DeliveryStatus.PENDING and self.next_attempt is not None
        return {"event": self.event, "type": self.type, "status": self.status.value,
                "attempts": self.attempts, "last_code": self.last_code,
                "last_error": self.last_error,
                "next_attempt": _wire_time(self.next_attempt) if pending else None}  # type: ignore[arg-type]

    def to_record(self) -> str:
        return json.dumps([self.event, self.type, self.seq, self.occurred_at, self.status.value,
                           self.attempts, self.last_code, self.last_error, self.next_attempt,
                           self.manual], separators=(",", ":"))

    @staticmethod
    def new_record_parts(event: str, kind: str, occurred_at: float,
                         due: float) -> tuple[str, str]:
        """A new pending delivery's record around its seq: `to_record()` is head + seq + tail."""
        head = json.dumps([event, kind], separators=(",", ":"))[:-1] + ","
        rest = [occurred_at, DeliveryStatus.PENDING.value, 0, None, None, due, False]
        return head, "," + json.dumps(rest, separators=(",", ":"))[1:]

    @classmethod
    def from_record(cls, text: str | bytes) -> Delivery:
        e, t, seq, at, status, attempts, code, error, nxt, manual = json.loads(text)
        return cls(e, t, int(seq), float(at), DeliveryStatus(status), int(attempts), code, error,
                   None if nxt is None else float(nxt), bool(manual))


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """An accepted event: its id and seq are the same for every webhook that gets it."""

    id: str
    seq: int
    type: str
    account: str
    occurred_at: float
    body: bytes


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this process may attempt now (until its lease ends), with what to send."""

    webhook: Webhook
    delivery: Delivery
    body: bytes
