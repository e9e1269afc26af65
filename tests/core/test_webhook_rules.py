"""Webhook rules, table by table (contract: webhooks, and Version 2's precise rules)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json

import pytest

from frontdesk.core.errors import Invalid
from frontdesk.core.webhook_model import Delivery, DeliveryStatus, Webhook
from frontdesk.core.webhook_rules import (
    EVENT_TYPES,
    AttemptResult,
    Verdict,
    after_attempt,
    event_body,
    event_body_parts,
    first_private,
    is_private_address,
    judge,
    next_attempt_at,
    parse_registration,
    retry_gap,
    sign,
    verify,
)

# --- registration ---------------------------------------------------------------------------


@pytest.mark.parametrize("body,host", [
    ({"url": "https://hooks.example.com/x", "events": ["*"]}, "hooks.example.com"),
    ({"url": "http://203.0.113.9:8080/x?a=1", "events": ["widget.status"]}, "203.0.113.9"),
    ({"url": "https://[2001:db8::1]/x", "events": list(EVENT_TYPES)}, "2001:db8::1"),
    ({"url": "https://a.example/", "events": ["agent.status"], "secret": "s"}, "a.example"),
    ({"url": "https://a.example/", "events": ["agent.status"], "secret": "x" * 256}, "a.example"),
])
def test_good_registrations(body, host):
    registration = parse_registration(body)
    assert registration.host == host
    assert registration.events == tuple(body["events"])
    assert registration.secret == body.get("secret")


@pytest.mark.parametrize("body,bad", [
    ({"events": ["*"]}, {"url"}),
    ({"url": "ftp://a.example/", "events": ["*"]}, {"url"}),
    ({"url": "https:///nohost", "events": ["*"]}, {"url"}),
    ({"url": "https://a.example:99999/", "events": ["*"]}, {"url"}),
    ({"url": "https://a.example/" + "x" * 3000, "events": ["*"]}, {"url"}),
    ({"url": 5, "events": ["*"]}, {"url"}),
    ({"url": "https://a.example/"}, {"events"}),
    ({"url": "https://a.example/", "events": []}, {"events"}),
    ({"url": "https://a.example/", "events": ["widget.status", "nope"]}, {"events"}),
    ({"url": "https://a.example/", "events": ["*", "widget.status"]}, {"events"}),
    ({"url": "https://a.example/", "events": "*"}, {"events"}),
    ({"url": "https://a.example/", "events": [1]}, {"events"}),
    ({"url": "https://a.example/", "events": ["*"], "secret": ""}, {"secret"}),
    ({"url": "https://a.example/", "events": ["*"], "secret": "x" * 257}, {"secret"}),
    ({"url": "https://a.example/", "events": ["*"], "secret": 12}, {"secret"}),
    ({"url": "gopher://x", "events": [], "secret": ""}, {"url", "events", "secret"}),
])
def test_bad_registrations_name_every_bad_field(body, bad):
    with pytest.raises(Invalid) as caught:
        parse_registration(body)
    assert set(caught.value.fields) == bad


# --- private addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize("address,private", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("10.1.2.3", True), ("172.16.0.1", True),
    ("192.168.1.1", True), ("169.254.169.254", True), ("0.0.0.0", True), ("224.0.0.1", True),
    ("240.0.0.1", True), ("255.255.255.255", True),
    ("::1", True), ("::", True), ("fe80::1", True), ("fc00::1", True), ("ff02::1", True),
    ("::ffff:127.0.0.1", True), ("::ffff:10.0.0.1", True), ("::ffff:169.254.1.1", True),
    ("8.8.8.8", False), ("93.184.216.34", False), ("2606:4700:4700::1111", False),
    ("::ffff:8.8.8.8", False),
])
def test_private_addresses(address, private):
    assert is_private_address(ipaddress.ip_address(address)) is private


def test_any_private_address_of_a_name_refuses_it():
    assert first_private(["8.8.8.8", "2606:4700:4700::1111"]) is None
    assert first_private(["8.8.8.8", "10.0.0.7"]) == "10.0.0.7"
    assert first_private(["fe80::1%eth0"]) == "fe80::1%eth0"


# --- body and signature ----------------------------------------------------------------------


def test_the_body_is_the_contracts_shape_and_splits_around_seq():
    frame = {"type": "widget.status", "widget": "w", "status": "online", "message": "hé"}
    body = event_body("evt_1", 42, "widget.status", "acme", 1796058000.7, frame)
    assert json.loads(body) == {"id": "evt_1", "seq": 42, "type": "widget.status",
                                "account": "acme", "occurred_at": "2026-11-30T17:00:00Z",
                                "data": frame}
    head, tail = event_body_parts("evt_1", "widget.status", "acme", 1796058000.7, frame)
    assert head + b"42" + tail == body


def test_signature_is_hmac_sha256_over_t_dot_body():
    body = b'{"id":"evt_1"}'
    expected = hmac.new(b"s3cr\xc3\xa9", b"1700000000." + body, hashlib.sha256).hexdigest()
    header = sign("s3cré", 1700000000, body)
    assert header == f"t=1700000000,v1={expected}"
    assert verify("s3cré", header, body, now=1700000010)
    assert not verify("other", header, body, now=1700000010)
    assert not verify("s3cré", header, body + b" ", now=1700000010)
    assert not verify("s3cré", header, body, now=1700009999)  # too old
    assert not verify("s3cré", "garbage", body, now=1700000000)


# --- verdicts and the schedule ----------------------------------------------------------------


@pytest.mark.parametrize("code,verdict", [
    (200, Verdict.DELIVERED), (204, Verdict.DELIVERED), (299, Verdict.DELIVERED),
    (None, Verdict.RETRY), (301, Verdict.RETRY), (302, Verdict.RETRY), (308, Verdict.RETRY),
    (408, Verdict.RETRY), (429, Verdict.RETRY), (500, Verdict.RETRY), (503, Verdict.RETRY),
    (400, Verdict.FAILED), (401, Verdict.FAILED), (404, Verdict.FAILED), (410, Verdict.FAILED),
    (422, Verdict.FAILED),
])
def test_verdicts(code, verdict):
    assert judge(code) is verdict


@pytest.mark.parametrize("retry,jitter,gap", [
    (1, 0.0, 1.0), (2, 0.0, 2.0), (3, 0.0, 4.0), (4, 0.2, 9.6), (4, -0.2, 6.4),
    (9, 0.0, 256.0), (10, 0.0, 512.0), (10, 0.2, 600.0),  # 614.4 capped: jitter before the cap
    (11, -0.2, 600.0), (11, 0.0, 600.0), (40, 0.0, 600.0), (1, 5.0, 1.2),
])
def test_retry_gaps(retry, jitter, gap):
    assert retry_gap(retry, jitter) == pytest.approx(gap)


def test_no_retry_past_24_hours_from_the_event():
    assert next_attempt_at(0.0, 100.0, 1, 0.0) == 101.0
    assert next_attempt_at(0.0, 86399.5, 1, 0.0) is None
    assert next_attempt_at(0.0, 86399.0, 1, 0.0) == 86400.0


def _pending(**changes) -> Delivery:
    base = Delivery("evt_1", "widget.status", 3, 1000.0, next_attempt=1000.0)
    return Delivery(**{**{n: getattr(base, n) for n in Delivery.__slots__}, **changes})


@pytest.mark.parametrize("before,code,attempted,status,attempts,next_attempt", [
    (_pending(), 200, True, DeliveryStatus.DELIVERED, 1, None),
    (_pending(), 500, True, DeliveryStatus.PENDING, 1, 1011.0),  # 1 s after the end at 1010
    (_pending(attempts=2), None, True, DeliveryStatus.PENDING, 3, 1014.0),  # 3rd retry: 4 s
    (_pending(), 400, True, DeliveryStatus.FAILED, 1, None),
    (_pending(), 410, True, DeliveryStatus.FAILED, 1, None),
    (_pending(), None, False, DeliveryStatus.FAILED, 0, None),  # private: never attempted
    # redeliveries: a settled one takes the attempt's outcome...
    (_pending(status=DeliveryStatus.FAILED, attempts=1, next_attempt=None, manual=True), 200,
     True, DeliveryStatus.DELIVERED, 2, None),
    (_pending(status=DeliveryStatus.DELIVERED, attempts=1, next_attempt=None, manual=True), 503,
     True, DeliveryStatus.FAILED, 2, None),
    # ...a pending one keeps its schedule unless it delivered
    (_pending(attempts=1, next_attempt=1500.0, manual=True), 503, True, DeliveryStatus.PENDING,
     2, 1500.0),
    (_pending(attempts=1, next_attempt=1500.0, manual=True), 204, True,
     DeliveryStatus.DELIVERED, 2, None),
])
def test_after_attempt(before, code, attempted, status, attempts, next_attempt):
    result = AttemptResult(code, None if code else "boom", 1010.0, attempted=attempted)
    after = after_attempt(before, result, jitter=0.0)
    assert (after.status, after.attempts, after.next_attempt) == (status, attempts, next_attempt)
    assert after.last_code == code and not after.manual
    assert after.event == before.event and after.seq == before.seq


def test_records_round_trip_byte_for_byte():
    head, tail = Delivery.new_record_parts("evt_1", "agent.status", 1796058000.123456, 1796058000.5)
    fresh = Delivery.from_record(head + "7" + tail)
    assert fresh == Delivery("evt_1", "agent.status", 7, 1796058000.123456, next_attempt=1796058000.5)
    assert fresh.to_record() == head + "7" + tail
    done = Delivery("e", "t", 1, 2.5, DeliveryStatus.FAILED, 3, 503, "answered 503 é", None, True)
    assert Delivery.from_record(done.to_record()) == done
    hook = Webhook("wh_1", "acme", "https://a.example/", ("*",), "sekrit", 1796058000.25)
    assert Webhook.from_record(hook.to_record()) == hook
    assert "secret" not in hook.to_listing() and hook.to_created()["secret"] == "sekrit"
    assert hook.to_listing()["created"] == "2026-11-30T17:00:00Z"


def test_deliveries_show_next_attempt_only_while_pending():
    wire = _pending(next_attempt=1796058000.0).to_wire()
    assert wire == {"event": "evt_1", "type": "widget.status", "status": "pending",
                    "attempts": 0, "last_code": None, "last_error": None,
                    "next_attempt": "2026-11-30T17:00:00Z"}
    assert _pending(status=DeliveryStatus.FAILED).to_wire()["next_attempt"] is None
