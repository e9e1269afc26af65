"""Offline messages: body validation, the payload shape, the order, and the rate-limit rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from frontdesk.core.errors import Invalid
from frontdesk.core.offline_messages import (
    OfflineMessage,
    is_email,
    newest_first,
    offline_message_created,
    offline_message_listing,
    parse_offline_message,
)
from frontdesk.core.rate_limit import Limit, retry_after


@pytest.mark.parametrize("email,ok", [
    ("ada@example.com", True), ("a.b+tag@mail.example.co.uk", True), ("x@[127.0.0.1]", True),
    ("o'hara@example.ie", True), ("UPPER@EXAMPLE.COM", True),
    ("", False), ("ada", False), ("ada@", False), ("@example.com", False),
    ("ada@example", False), ("ada@@example.com", False), ("a da@example.com", False),
    ("ada@exa mple.com", False), (".ada@example.com", False), ("ada.@example.com", False),
    ("a..da@example.com", False), ("ada@-example.com", False), ("ada@example.c0m", False),
    ("<ada@example.com>", False), ("a" * 65 + "@example.com", False),
    ("a@" + "b" * 250 + ".com", False), (None, False), (42, False),
])
def test_email(email, ok):
    assert is_email(email) is ok


@pytest.mark.parametrize("body,fields", [
    ({"email": "a@b.io", "text": "hi"}, None),
    ({"email": "a@b.io", "text": "x" * 4000, "visitor": "v-1"}, None),
    ({"email": "a@b.io", "text": "  hi  ", "visitor": None}, None),
    ({"email": "a@b.io", "text": "x" * 4001}, {"text"}),
    ({"email": "a@b.io", "text": ""}, {"text"}),
    ({"email": "a@b.io", "text": " \n\t "}, {"text"}),
    ({"email": "a@b.io", "text": 5}, {"text"}),
    ({"email": "a@b.io"}, {"text"}),
    ({"text": "hi"}, {"email"}),
    ({"email": "nope", "text": ""}, {"email", "text"}),
    ({"email": "a@b.io", "text": "hi", "visitor": "has space"}, {"visitor"}),
    ({"email": "a@b.io", "text": "hi", "visitor": 7}, {"visitor"}),
    (["a@b.io", "hi"], {"body"}),
])
def test_parse(body, fields):
    if fields is None:
        parsed = parse_offline_message(body)
        assert parsed.text == body["text"] and parsed.email == body["email"]
        assert parsed.visitor == body.get("visitor")
    else:
        with pytest.raises(Invalid) as bad:
            parse_offline_message(body)
        assert set(bad.value.fields) == fields


def _message(i: int, second: int, visitor: str | None = "v1") -> OfflineMessage:
    return OfflineMessage(id=f"m{i}", account="acme", widget="site", visitor=visitor,
                          email="a@b.io", text="hi", created=datetime(2026, 11, 30, 12, 0, second, 500, tzinfo=UTC))


def test_payloads():
    created = offline_message_created(_message(1, 5, visitor=None))
    assert created == {"type": "offline_message.created", "message": "m1", "widget": "site",
                       "visitor": None, "email": "a@b.io", "text": "hi",
                       "created": "2026-11-30T12:00:05Z"}
    assert offline_message_listing(_message(1, 5)) == {**created, "visitor": "v1", "read": False}


def test_newest_first():
    messages = [_message(1, 1), _message(2, 3), _message(3, 2)]
    assert [m.id for m in newest_first(messages)] == ["m2", "m3", "m1"]


@pytest.mark.parametrize("hits,now,expected", [
    ([], 100.0, 0),
    ([50.0] * 9, 100.0, 0),                  # 9 in the window: a 10th fits
    ([50.0] * 10, 100.0, 10),                # full until 110
    ([40.0] * 10, 100.0, 0),                 # all of them left the window at 100
    ([41.0, 42.0] + [99.0] * 8, 100.0, 1),   # the oldest leaves at 101
    ([41.0, 42.0] + [99.5] * 9, 100.0, 2),   # 11 hits: the second oldest must leave (102)
    ([99.9] * 10, 100.0, 60),
])
def test_retry_after(hits, now, expected):
    assert retry_after(hits, now, Limit(10, 60.0)) == expected
