"""Settings from the environment (contract: Running it), validated all at once."""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace


class ConfigError(Exception):
    """Bad environment: names every variable at fault, never a secret's value."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        lines = [f"{name}: {why}" for name, why in problems.items()]
        super().__init__("invalid configuration:\n  " + "\n  ".join(lines))


@dataclass(frozen=True, slots=True)
class Settings:
    secret: str
    api_key: str
    redis_url: str | None = None
    heartbeat: float = 10.0
    presence_ttl: float = 30.0
    close_grace: float = 2.0
    max_frame: int = 65536
    # Not in the contract's environment list, but tunable for tests and operators.
    hello_timeout: float = 10.0
    max_frames_per_window: int = 500
    max_pending_bytes: int = 256 * 1024

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
        problems[name] = "must be a number of seconds"
        return default
    if not math.isfinite(value):
        problems[name] = "must be a finite number of seconds"
    elif positive and value <= 0:
        problems[name] = "must be positive"
    elif value < 0:
        problems[name] = "must not be negative"
    return value


def load_settings(env: Mapping[str, str], *, demo: bool = False) -> Settings:
    """Read every variable, then fail once naming each bad one (--demo forgives only missing secrets)."""
    problems: dict[str, str] = {}
    secret = env.get("FRONTDESK_SECRET", "")
    api_key = env.get("FRONTDESK_API_KEY", "")
    if not demo:
        if not secret:
            problems["FRONTDESK_SECRET"] = "is required (the HS256 key for agent tokens)"
        if not api_key:
            problems["FRONTDESK_API_KEY"] = "is required (the back-office API key)"
    redis_url = env.get("REDIS_URL") or None
    if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        problems["REDIS_URL"] = "must be a redis://, rediss:// or unix:// URL"
    heartbeat = _seconds(env, "FRONTDESK_HEARTBEAT", 10.0, problems, positive=True)
    ttl = _seconds(env, "FRONTDESK_PRESENCE_TTL", 30.0, problems, positive=True)
    grace = _seconds(env, "FRONTDESK_CLOSE_GRACE", 2.0, problems, positive=False)
    if ("FRONTDESK_HEARTBEAT" not in problems and "FRONTDESK_PRESENCE_TTL" not in problems
            and ttl <= heartbeat):
        why = "FRONTDESK_PRESENCE_TTL must be longer than FRONTDESK_HEARTBEAT"
        problems["FRONTDESK_PRESENCE_TTL"] = why
        problems["FRONTDESK_HEARTBEAT"] = why
    max_frame = 65536
    raw_frame = env.get("FRONTDESK_MAX_FRAME")
    if raw_frame:
        try:
            max_frame = int(raw_frame)
        except ValueError:
            problems["FRONTDESK_MAX_FRAME"] = "must be a whole number of bytes"
        else:
            if max_frame < 1024:
                problems["FRONTDESK_MAX_FRAME"] = "must be at least 1024"
    if problems:
        raise ConfigError(problems)
    settings = Settings(secret=secret, api_key=api_key, redis_url=redis_url, heartbeat=heartbeat,
                        presence_ttl=ttl, close_grace=grace, max_frame=max_frame)
    return settings
