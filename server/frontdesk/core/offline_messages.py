"""Messages left while a widget is offline: validation and their one payload shape.

Contract (v2, "What agents see, what an offline visitor can do"): the body is
`{"visitor"?, "email", "text"}`; a bad email or an empty (after trimming spaces) or
over-4,000-character text is a 422. The text is kept as sent; only the check trims it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frontdesk.core.errors import Invalid
from frontdesk.core.model import is_valid_id, to_wire_time
from frontdesk.core.rate_limit import Limit

MAX_TEXT = 4000
MAX_EMAIL = 254  # RFC 5321's path limit, less the angle brackets
# Per visitor and widget, and per client address and widget (contract: v2 precise rules).
PER_VISITOR = Limit(limit=10, window=60.0)
PER_ADDRESS = Limit(limit=30, window=60.0)

# What a person means by an email address, not all of RFC 5322: a local part without spaces,
# quotes or angle brackets, one @, and a domain of dot-separated labels ending in a label of
# letters (a top-level domain), or an IP literal.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL}@(?:(?:{_LABEL}\.)+[A-Za-z]{{2,63}}|\[[0-9A-Fa-f:.]+\])")


def is_email(value: object) -> bool:
    if not isinstance(value, str) or len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value):
        return False
    local = value.split("@", 1)[0]
    return not (local.startswith(".") or local.endswith(".") or ".." in local)


@dataclass(frozen=True, slots=True)
class OfflineMessageInput:
    visitor: str | None
    email: str
    text: str


def parse_offline_message(raw: object) -> OfflineMessageInput:
    """Check a POST body; Invalid names every bad field at once."""
    if not isinstance(raw, Mapping):
        raise Invalid({"body": "must be a JSON object"}, "invalid message")
    fields: dict[str, str] = {}
    visitor = raw.get("visitor")
    if visitor is not None and not is_valid_id(visitor):
        fields["visitor"] = "must be an id of 1-64 letters, digits, '_' or '-'"
    email = raw.get("email")
    if "email" not in raw:
        fields["email"] = "required"
    elif not is_email(email):
        fields["email"] = "must be an email address such as name@example.com"
    text = raw.get("text")
    if "text" not in raw:
        fields["text"] = "required"
    elif not isinstance(text, str):
        fields["text"] = "must be a string"
    elif not text.strip():
        fields["text"] = "must not be empty"
    elif len(text) > MAX_TEXT:
        fields["text"] = f"must be at most {MAX_TEXT} characters (got {len(text)})"
    if fields:
        raise Invalid(fields, "invalid message")
    assert isinstance(email, str) and isinstance(text, str)
    return OfflineMessageInput(visitor=visitor if isinstance(visitor, str) else None,
                               email=email, text=text)


@dataclass(frozen=True, slots=True)
class OfflineMessage:
    id: str
    account: str
    widget: str
    visitor: str | None
    email: str
    text: str
    created: datetime
    read: bool = False


def offline_message_created(message: OfflineMessage) -> dict[str, Any]:
    """The frame to agents, the welcome's and the listing's items (one shape)."""
    return {"type": "offline_message.created", "message": message.id, "widget": message.widget,
            "visitor": message.visitor, "email": message.email, "text": message.text,
            "created": to_wire_time(message.created)}


def offline_message_read(message_id: str) -> dict[str, Any]:
    return {"type": "offline_message.read", "message": message_id}


def offline_message_listing(message: OfflineMessage) -> dict[str, Any]:
    """One item of GET .../offline-messages: the frame's payload, plus whether it was read."""
    return {**offline_message_created(message), "read": message.read}


def newest_first(messages: list[OfflineMessage]) -> list[OfflineMessage]:
    """Newest first; messages of the same second by id descending, so the order is stable."""
    return sorted(messages, key=lambda m: (m.created, m.id), reverse=True)
