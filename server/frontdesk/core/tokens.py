"""Agent tokens: HS256 JWTs signed with FRONTDESK_SECRET (contract: WebSocket, agent hello)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from frontdesk.core.model import is_valid_id

ALGORITHM = "HS256"
MAX_NAME = 200  # characters of an agent's display name (the token route checks it too)


@dataclass(frozen=True, slots=True)
class AgentClaims:
    account: str
    agent: str
    name: str


class BadToken(Exception):
    """Any reason a token does not admit its bearer; the reason is for logs, never the secret."""


def verify_token(token: object, secret: str, now: datetime) -> AgentClaims:
    """Only HS256 is accepted, so `alg: none` and key-confusion tokens fail."""
    if not isinstance(token, str) or not token:
        raise BadToken("token must be a non-empty string")
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM],
            options={"require": ["sub", "account", "name", "exp"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise BadToken(type(exc).__name__) from None
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp <= now.timestamp():
        raise BadToken("token expired")
    agent, account, name = claims.get("sub"), claims.get("account"), claims.get("name")
    if not (isinstance(agent, str) and isinstance(account, str)
            and is_valid_id(agent) and is_valid_id(account)):
        raise BadToken("sub and account must be ids")
    if not isinstance(name, str) or not name or len(name) > MAX_NAME or not _is_utf8(name):
        raise BadToken("name must be a short non-empty string")
    return AgentClaims(account=account, agent=agent, name=name)


def issue_token(secret: str, account: str, agent: str, name: str, now: datetime,
                ttl: timedelta) -> tuple[str, datetime]:
    expires = now + ttl
    claims = {"sub": agent, "account": account, "name": name, "exp": int(expires.timestamp()),
              "iat": int(now.timestamp())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def _is_utf8(text: str) -> bool:
    """A lone surrogate (from a JSON escape) cannot be sent on in any frame."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
