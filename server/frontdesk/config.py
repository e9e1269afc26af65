"""Settings from the environment (contract: Running it), validated all at once."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

from frontdesk.core.client_address import parse_networks
from frontdesk.store.redis_url import hide_password, is_cluster_url, parse_cluster_url


class ConfigError(Exception):
    """Bad environment: names every variable at fault, never a secret's value."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        lines = [f"{name}: {why}" for name, why in problems.items()]
        super().__init__("invalid configuration:\n  " + "\n  ".join(lines))


# Every variable `serve` reads, with its default and meaning: shown by `frontdesk serve --help`.
VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("REDIS_URL", "unset", "unset: an in-process store for one process; set: shared state in Redis"),
    ("FRONTDESK_SECRET", "required", "HS256 key for agent tokens, at least 32 bytes"),
    ("FRONTDESK_API_KEY", "required", "the back-office API key (Authorization: Bearer ...)"),
    ("FRONTDESK_HEARTBEAT", "10", "seconds; clients send a frame at least this often"),
    ("FRONTDESK_PRESENCE_TTL", "30", "seconds of silence before a socket is closed (4000)"),
    ("FRONTDESK_CLOSE_GRACE", "2", "seconds an agent stays connected after a clean close"),
    ("FRONTDESK_TRUSTED_PROXIES", "none",
     "addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed"),
    ("FRONTDESK_MAX_FRAME", "65536", "bytes; the largest frame a client may send (>= 1024)"),
    ("FRONTDESK_REQUEST_TIMEOUT", "10",
     "seconds for a whole HTTP request to arrive; then 408 and close"),
    ("FRONTDESK_MAX_HTTP_CONNECTIONS", "4096",
     "connections per process not upgraded to WebSocket (slowloris bound)"),
    ("FRONTDESK_EVENT_LOOP", "auto", "auto (uvloop when it imports), uvloop or asyncio"),
    ("FRONTDESK_HISTORY_DAYS", "35", "days the coverage history is kept (a whole number >= 1)"),
    ("FRONTDESK_WEBHOOK_ALLOW_PRIVATE", "0", "1: webhooks may target private addresses"),
    ("FRONTDESK_WEBHOOK_LEASE", "30", "seconds before another process retakes an attempt (>= 10)"),
)

# RFC 7518 3.2: an HS256 key must be at least as long as the hash output (32 bytes).
MIN_SECRET_BYTES = 32
GENERATE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
EVENT_LOOPS = ("auto", "uvloop", "asyncio")


@dataclass(frozen=True, slots=True)
class Settings:
    secret: str
    api_key: str
    redis_url: str | None = None
    heartbeat: float = 10.0
    presence_ttl: float = 30.0
    close_grace: float = 2.0
    max_frame: int = 65536
    trusted_proxies: tuple[str, ...] = ()  # FRONTDESK_TRUSTED_PROXIES (core/client_address.py)
    history_days: int = 35  # FRONTDESK_HISTORY_DAYS: how long the coverage history is kept
    # Not in the contract's environment list, but tunable for tests and operators.
    hello_timeout: float = 10.0
    max_frames_per_window: int = 500
    max_pending_bytes: int = 256 * 1024
    # The most a hello, a frame or an HTTP request waits for the store before the client is
    # told it is unavailable (1013, `unavailable`, 503); see README "Faults and limits".
    store_deadline: float = 2.0
    api_deadline: float = 10.0  # a back-office request, which may take several store calls
    # Against connections that never finish a request (web/http_protocol.py).
    request_timeout: float = 10.0
    max_http_connections: int = 4096
    event_loop: str = "auto"  # uvloop when installed (it is a dependency), else asyncio
    webhook_allow_private: bool = False  # FRONTDESK_WEBHOOK_ALLOW_PRIVATE
    webhook_lease: float = 30.0  # FRONTDESK_WEBHOOK_LEASE: a dead process's attempt is redone

    def with_generated_secrets(self) -> tuple[Settings, list[str]]:
        """For --demo: make up missing secrets; returns the names made up."""
        made: list[str] = []
        secret, api_key = self.secret, self.api_key
        if not secret:
            secret, made = secrets.token_urlsafe(32), [*made, "FRONTDESK_SECRET"]
        if not api_key:
            api_key, made = secrets.token_urlsafe(24), [*made, "FRONTDESK_API_KEY"]
        return replace(self, secret=secret, api_key=api_key), made


def _seconds(env: Mapping[str, str], name: str, default: float, problems: dict[str, str],
             *, positive: bool) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        problems[name] = f"must be a number of seconds (got {raw!r})"
        return default
    if not math.isfinite(value):
        problems[name] = f"must be a finite number of seconds (got {raw!r})"
    elif positive and value <= 0:
        problems[name] = f"must be positive (got {raw})"
    elif value < 0:
        problems[name] = f"must not be negative (got {raw})"
    return value


def _whole(env: Mapping[str, str], name: str, default: int, least: int,
           problems: dict[str, str], unit: str) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems[name] = f"must be a whole number of {unit} (got {raw!r})"
        return default
    if value < least:
        problems[name] = f"must be at least {least} (got {value})"
    return value


def _shown(value: float) -> str:
    """A number as the operator would have typed it: 5 rather than 5.0."""
    return f"{value:g}"


def secret_problem(secret: str) -> str | None:
    """Why a FRONTDESK_SECRET is refused (never quoting it), or None when it will do."""
    size = len(secret.encode("utf-8"))
    if size >= MIN_SECRET_BYTES:
        return None
    return (f"must be at least {MIN_SECRET_BYTES} bytes (got {size}): HS256 keys shorter than "
            f"the hash are weak (RFC 7518 3.2); generate one with: {GENERATE_SECRET}")


def store_description(redis_url: str | None) -> str:
    """The store for logs and errors: `memory`, or the Redis URL without its password."""
    if not redis_url:
        return "memory"
    if is_cluster_url(redis_url):
        return hide_password(redis_url)
    parts = urlsplit(redis_url)
    if parts.password is None:
        return redis_url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, ""))


def _whole_days(env: Mapping[str, str], name: str, default: int,
                problems: dict[str, str]) -> int:
    """A positive whole number of days (contract: FRONTDESK_HISTORY_DAYS)."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
        problems[name] = f"must be a positive whole number of days (got {raw!r})"
        return default
    return int(text)


def load_settings(env: Mapping[str, str], *, demo: bool = False) -> Settings:
    """Read every variable, then fail once naming each bad one (--demo forgives only missing secrets)."""
    problems: dict[str, str] = {}
    secret = env.get("FRONTDESK_SECRET", "")
    api_key = env.get("FRONTDESK_API_KEY", "")
    if not demo:
        if not secret:
            problems["FRONTDESK_SECRET"] = ("is required (the HS256 key for agent tokens); "
                                            f"generate one with: {GENERATE_SECRET}")
        if not api_key:
            problems["FRONTDESK_API_KEY"] = "is required (the back-office API key)"
    if secret and (why := secret_problem(secret)):
        problems["FRONTDESK_SECRET"] = why
    redis_url = env.get("REDIS_URL") or None
    if redis_url is not None and is_cluster_url(redis_url):
        try:
            parse_cluster_url(redis_url)
        except ValueError as exc:
            problems["REDIS_URL"] = f"{exc} (got {store_description(redis_url)!r})"
    elif redis_url is not None and not redis_url.startswith(("redis://", "rediss://",
                                                             "unix://")):
        problems["REDIS_URL"] = ("must be a redis://, rediss://, unix://, redis+cluster:// or "
                                 f"rediss+cluster:// URL (got {store_description(redis_url)!r})")
    heartbeat = _seconds(env, "FRONTDESK_HEARTBEAT", 10.0, problems, positive=True)
    ttl = _seconds(env, "FRONTDESK_PRESENCE_TTL", 30.0, problems, positive=True)
    grace = _seconds(env, "FRONTDESK_CLOSE_GRACE", 2.0, problems, positive=False)
    if ("FRONTDESK_HEARTBEAT" not in problems and "FRONTDESK_PRESENCE_TTL" not in problems
            and ttl <= heartbeat):
        why = ("FRONTDESK_PRESENCE_TTL must be longer than FRONTDESK_HEARTBEAT "
               f"(got {_shown(ttl)} <= {_shown(heartbeat)})")
        problems["FRONTDESK_PRESENCE_TTL"] = why
        problems["FRONTDESK_HEARTBEAT"] = why
    max_frame = _whole(env, "FRONTDESK_MAX_FRAME", 65536, 1024, problems, "bytes")
    request_timeout = _seconds(env, "FRONTDESK_REQUEST_TIMEOUT", 10.0, problems, positive=True)
    max_http = _whole(env, "FRONTDESK_MAX_HTTP_CONNECTIONS", 4096, 1, problems, "connections")
    event_loop = env.get("FRONTDESK_EVENT_LOOP") or "auto"
    if event_loop not in EVENT_LOOPS:
        problems["FRONTDESK_EVENT_LOOP"] = f"must be one of {', '.join(EVENT_LOOPS)}"
    history_days = _whole_days(env, "FRONTDESK_HISTORY_DAYS", 35, problems)
    trusted_proxies = env.get("FRONTDESK_TRUSTED_PROXIES", "")
    try:
        proxies = tuple(str(n) for n in parse_networks(trusted_proxies))
    except ValueError as exc:
        problems["FRONTDESK_TRUSTED_PROXIES"] = f"must be addresses or CIDR ranges, comma-separated: {exc}"
        proxies = ()
    allow_private = env.get("FRONTDESK_WEBHOOK_ALLOW_PRIVATE", "")
    if allow_private not in ("", "0", "1"):
        problems["FRONTDESK_WEBHOOK_ALLOW_PRIVATE"] = f"must be 1 (on) or 0 (off) (got {allow_private!r})"
    lease = _seconds(env, "FRONTDESK_WEBHOOK_LEASE", 30.0, problems, positive=True)
    if "FRONTDESK_WEBHOOK_LEASE" not in problems and lease < 10:
        problems["FRONTDESK_WEBHOOK_LEASE"] = (
            f"must be at least 10 seconds, since an attempt takes up to 7 (got {_shown(lease)})")
    if problems:
        raise ConfigError(problems)
    settings = Settings(secret=secret, api_key=api_key, redis_url=redis_url, heartbeat=heartbeat,
                        presence_ttl=ttl, close_grace=grace, max_frame=max_frame,
                        request_timeout=request_timeout, max_http_connections=max_http,
                        event_loop=event_loop, history_days=history_days,
                        trusted_proxies=proxies,
                        webhook_allow_private=allow_private == "1", webhook_lease=lease)
    return settings
