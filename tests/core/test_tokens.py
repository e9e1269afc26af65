"""Agent tokens (core/tokens.py): only well-formed, unexpired HS256 tokens admit an agent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from frontdesk.core.tokens import AgentClaims, BadToken, issue_token, verify_token

SECRET = "s" * 64
NOW = datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)  # the clock is passed in, never read


def signed(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"sub": "ann", "account": "acme", "name": "Ann",
                            "exp": int(NOW.timestamp()) + 60}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_issued_token_round_trips() -> None:
    token, expires = issue_token(SECRET, "acme", "ann", "Ann Lee", NOW, timedelta(hours=1))
    assert expires == NOW + timedelta(hours=1)
    assert verify_token(token, SECRET, NOW) == AgentClaims("acme", "ann", "Ann Lee")


def test_expiry_is_judged_by_the_clock_passed_in() -> None:
    token, expires = issue_token(SECRET, "acme", "ann", "Ann", NOW, timedelta(seconds=10))
    assert verify_token(token, SECRET, expires - timedelta(seconds=1)).agent == "ann"
    for later in (expires, expires + timedelta(days=1)):
        with pytest.raises(BadToken, match="expired"):
            verify_token(token, SECRET, later)


@pytest.mark.parametrize("token", [
    None, "", 42, "not.a.jwt",
    signed(claims(), secret="another-secret-entirely-" * 3),
    signed(claims(), algorithm="HS512"),
    jwt.encode(claims(), None, algorithm="none"),  # type: ignore[arg-type]
    signed(claims(sub=None)), signed(claims(account=None)), signed(claims(name=None)),
    signed(claims(exp=None)),
    signed(claims(exp="tomorrow")), signed(claims(exp=True)),
    signed(claims(sub="has space")), signed(claims(account="x" * 65)), signed(claims(sub=7)),
    signed(claims(name="")), signed(claims(name="n" * 201)), signed(claims(name=["Ann"])),
    signed(claims(name="\ud800")),
], ids=lambda t: str(t)[:24])
def test_refused(token: object) -> None:
    with pytest.raises(BadToken):
        verify_token(token, SECRET, NOW)


def test_the_reason_never_holds_the_secret_or_token() -> None:
    token = signed(claims(), secret="wrong-secret-" * 6)
    with pytest.raises(BadToken) as caught:
        verify_token(token, SECRET, NOW)
    assert SECRET not in str(caught.value) and token not in str(caught.value)


def test_longest_name_is_accepted() -> None:
    assert verify_token(signed(claims(name="n" * 200)), SECRET, NOW).name == "n" * 200
