"""Webhook rules (contract: Availability events ... (webhooks), and Version 2's precise rules).

Pure: registration checks, which addresses count as private, the signature, the retry
schedule and what an attempt's answer means. Randomness and time come in as arguments.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from frontdesk.core.errors import Invalid
from frontdesk.core.model import to_wire_time
from frontdesk.core.webhook_model import Delivery, DeliveryStatus

EVENT_TYPES = (
    "widget.status", "agent.status", "conversation.joined", "conversation.queued",
    "conversation.closed", "conversation.revoked", "conversation.rejected",
    "offline_message.created", "coverage.gap", "coverage.gap_ended",
)
ALL_EVENTS = "*"
MAX_URL = 2048
MAX_SECRET = 256

ATTEMPT_TIMEOUT = 5.0  # the whole request and response
RESOLVE_TIMEOUT = 2.0
RETRY_CAP = 600.0  # retries are at most 10 minutes apart
RETRY_WINDOW = 24 * 3600.0  # counted from the event
JITTER = 0.2  # up to +-20 % of each gap
LOG_RETENTION = 7 * 24 * 3600.0
LOG_LIMIT = 100

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Registration:
    """A checked POST .../webhooks body; `host` is what must be resolved and checked."""

    url: str
    events: tuple[str, ...]
    secret: str | None
    host: str


def parse_registration(body: Mapping[str, Any]) -> Registration:
    """The body's url, events and secret, or Invalid naming every bad field."""
    fields: dict[str, str] = {}
    url, host = body.get("url"), ""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        fields["url"] = f"required: an http or https URL of at most {MAX_URL} characters"
    else:
        host = _url_host(url, fields)
    events = body.get("events")
    chosen: tuple[str, ...] = ()
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        fields["events"] = 'required: a non-empty list of event types, or ["*"]'
    elif ALL_EVENTS in events:
        if events != [ALL_EVENTS]:
            fields["events"] = '"*" must be alone: ["*"]'
        chosen = (ALL_EVENTS,)
    else:
        unknown = [e for e in events if e not in EVENT_TYPES]
        if unknown:
            fields["events"] = f"unknown event type {unknown[0]!r}; known: {', '.join(EVENT_TYPES)}"
        chosen = tuple(dict.fromkeys(events))
    secret = body.get("secret")
    if secret is not None and (not isinstance(secret, str) or not 1 <= len(secret) <= MAX_SECRET):
        fields["secret"] = f"must be a string of 1 to {MAX_SECRET} characters"
    if fields:
        raise Invalid(fields)
    assert isinstance(url, str) and (secret is None or isinstance(secret, str))
    return Registration(url, chosen, secret, host)


def _url_host(url: str, fields: dict[str, str]) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a bad port
    except ValueError:
        fields["url"] = "must be a valid URL"
        return ""
    if parts.scheme not in ("http", "https"):
        fields["url"] = "must be an http or https URL"
    elif not parts.hostname:
        fields["url"] = "must name a host"
    elif any(c.isspace() for c in url):
        fields["url"] = "must not contain spaces"
    return parts.hostname or ""


def literal_address(host: str) -> Address | None:
    """The host as an IP address when it is one (IPv6 without brackets), else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_private_address(address: Address) -> bool:
    """Loopback, private, link-local, unspecified, multicast or reserved (IPv4-mapped unwrapped)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_loopback or address.is_private or address.is_link_local
            or address.is_unspecified or address.is_multicast or address.is_reserved)


def first_private(addresses: Sequence[str]) -> str | None:
    """The first private one of resolved addresses (scope ids dropped), None if all are public."""
    for text in addresses:
        address = literal_address(text.split("%", 1)[0])
        if address is None or is_private_address(address):
            return text
    return None


def wants(events: Sequence[str], kind: str) -> bool:
    return kind in events or ALL_EVENTS in events


# --- the signed body ---------------------------------------------------------------------------
def event_body_parts(event_id: str, kind: str, account: str, occurred_at: float,
                     data: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """The POST body around its seq (which the store assigns): body = head + seq + tail.

    The same bytes go to every webhook that gets the event.
    """
    head = json.dumps({"id": event_id}, separators=(",", ":"), ensure_ascii=False)[:-1] + ',"seq":'
    rest = {"type": kind, "account": account,
            "occurred_at": to_wire_time(datetime.fromtimestamp(occurred_at, UTC)), "data": data}
    tail = "," + json.dumps(rest, separators=(",", ":"), ensure_ascii=False)[1:]
    return head.encode(), tail.encode()


def event_body(event_id: str, seq: int, kind: str, account: str, occurred_at: float,
               data: Mapping[str, Any]) -> bytes:
    head, tail = event_body_parts(event_id, kind, account, occurred_at, data)
    return head + str(seq).encode() + tail


def sign(secret: str, t: int, body: bytes) -> str:
    """The Frontdesk-Signature header: HMAC-SHA256 with the secret's UTF-8 over `<t>.<body>`."""
    mac = hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: float, tolerance: float = 300) -> bool:
    """What a receiver does: the v1 MAC matches and t is within `tolerance` seconds of now."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = sign(secret, t, body).rsplit("v1=", 1)[1]
    return abs(now - t) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))


# --- the schedule and the verdict ------------------------------------------------------------------
class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


def judge(code: int | None) -> Verdict:
    """2xx delivers; no answer, 3xx, 408, 429 and 5xx are retried; another 4xx fails at once."""
    if code is None:
        return Verdict.RETRY
    if 200 <= code < 300:
        return Verdict.DELIVERED
    if 400 <= code < 500 and code not in (408, 429):
        return Verdict.FAILED
    return Verdict.RETRY


def retry_gap(retry: int, jitter: float) -> float:
    """Seconds before the n-th retry (n >= 1): 2^(n-1) moved by jitter (-0.2..0.2), then capped."""
    base = 2.0 ** min(retry - 1, 30)
    return min(RETRY_CAP, base * (1.0 + max(-JITTER, min(JITTER, jitter))))


def next_attempt_at(occurred_at: float, ended_at: float, attempts: int,
                    jitter: float) -> float | None:
    """When to try again after `attempts` attempts, the last ending at ended_at; None: give up."""
    at = ended_at + retry_gap(attempts, jitter)
    return None if at > occurred_at + RETRY_WINDOW else at


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one attempt got: an HTTP status, or none and an error; or it was never made."""

    code: int | None
    error: str | None
    ended_at: float
    attempted: bool = True  # False: the target resolved to a private address


def after_attempt(delivery: Delivery, result: AttemptResult, jitter: float) -> Delivery:
    """The delivery once `result` is known (contract: retries and redeliver).

    A redelivery (`manual`) of a delivered or failed delivery takes that attempt's outcome;
    one of a pending delivery leaves its schedule as it was unless it delivered.
    """
    if not result.attempted:
        return replace(delivery, status=DeliveryStatus.FAILED, last_code=None,
                       last_error=result.error, next_attempt=None, manual=False)
    attempts = delivery.attempts + 1
    done = replace(delivery, attempts=attempts, last_code=result.code, last_error=result.error,
                   manual=False)
    verdict = judge(result.code)
    if verdict is Verdict.DELIVERED:
        return replace(done, status=DeliveryStatus.DELIVERED, next_attempt=None)
    if delivery.manual:
        if delivery.status is DeliveryStatus.PENDING:
            return done
        return replace(done, status=DeliveryStatus.FAILED, next_attempt=None)
    if verdict is Verdict.RETRY:
        at = next_attempt_at(delivery.occurred_at, result.ended_at, attempts, jitter)
        if at is not None:
            return replace(done, status=DeliveryStatus.PENDING, next_attempt=at)
    return replace(done, status=DeliveryStatus.FAILED, next_attempt=None)
