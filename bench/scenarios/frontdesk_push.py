"""Frontdesk under test: environment, widget setup, the agent token, and the pushed frames.

One widget `bench` of account `bench` with `offline_when_team_away`; one agent socket whose
status toggles busy/online, so each toggle flips the team's availability and the server
pushes one `widget.status` frame to every widget socket.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
import urllib.request
from datetime import UTC

ACCOUNT = "bench"
WIDGET = "bench"
AGENT = "bench-agent"
SUBPROTOCOL = "frontdesk.v1.json"
WIDGET_SETTINGS = {"account": ACCOUNT, "offline_when_team_away": True}
STATUSES = ("busy", "online")  # toggled in turn; the agent starts online

# Fallback copies of the two widget.status frames' text, used when frontdesk cannot be
# imported (the baselines send text of exactly these lengths).
_FALLBACK_MESSAGES = [
    '{"type":"widget.status","widget":"bench","status":"offline","reason":"team_away",'
    '"message":"We\'re away right now. Leave a message and we\'ll get back to you.",'
    '"next_change":null}',
    '{"type":"widget.status","widget":"bench","status":"online","reason":"manual",'
    '"message":"Hi! How can we help?","next_change":null}',
]


def make_env(base: dict[str, str]) -> tuple[dict[str, str], str, str]:
    """(environment, secret, api key) for `python -m frontdesk serve`."""
    secret = secrets.token_urlsafe(48)
    api_key = secrets.token_urlsafe(24)
    env = {k: v for k, v in base.items() if k != "REDIS_URL"}
    env.update({
        "FRONTDESK_SECRET": secret,
        "FRONTDESK_API_KEY": api_key,
        "FRONTDESK_HEARTBEAT": "30",
        "FRONTDESK_PRESENCE_TTL": "120",
    })
    return env, secret, api_key


def command(port: int) -> list[str]:
    return [sys.executable, "-m", "frontdesk", "serve", "--host", "127.0.0.1", "--port", str(port)]


def create_widget(port: int, api_key: str) -> dict:
    body = json.dumps(WIDGET_SETTINGS).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/widgets/{WIDGET}", data=body, method="PUT",
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def agent_token(secret: str) -> str:
    import jwt

    claims = {"sub": AGENT, "account": ACCOUNT, "name": "Bench Agent",
              "exp": int(time.time()) + 3600}
    return jwt.encode(claims, secret, algorithm="HS256")


def widget_hello() -> bytes:
    return json.dumps({"type": "hello"}).encode()


def agent_hello(secret: str) -> bytes:
    return json.dumps({"type": "hello", "token": agent_token(secret)}).encode()


def status_frame(turn: int) -> bytes:
    return json.dumps({"type": "status", "status": STATUSES[turn % 2]}).encode()


def welcome_message() -> str:
    """The text of a widget's welcome (for the baselines' answer to a hello)."""
    messages = pushed_messages()
    try:
        from frontdesk.core.frames import widget_welcome

        status = json.loads(messages[1])
        return json.dumps(widget_welcome("s" * 22, 30, "v" * 22, status, None),
                          separators=(",", ":"))
    except Exception:  # a half-edited tree: a welcome of about the same length
        return json.dumps({"type": "welcome", "session": "s" * 22, "heartbeat": 30,
                           "visitor": "v" * 22, "widget": json.loads(messages[1]),
                           "conversation": None}, separators=(",", ":"))


def pushed_messages() -> list[str]:
    """The text of the frames a toggle pushes: [after "busy", after "online"].

    Built with frontdesk's own payload builder and encoder, so the baselines broadcast text
    of the same length as Frontdesk's widget.status frames.
    """
    try:
        from datetime import datetime

        from frontdesk.codec import Encoding, encode_payload
        from frontdesk.core.settings import parse_settings
        from frontdesk.core.widget_status import compute_widget_status

        settings = parse_settings(WIDGET_SETTINGS)
        now = datetime.now(UTC)
        return [
            encode_payload(compute_widget_status(WIDGET, settings, available, now).to_payload(),
                           Encoding.JSON).decode()
            for available in (False, True)
        ]
    except Exception as exc:  # the bench still runs against a half-edited tree
        print(f"warning: frontdesk payloads not importable ({exc!r}); using fallback text",
              file=sys.stderr)
        return list(_FALLBACK_MESSAGES)
