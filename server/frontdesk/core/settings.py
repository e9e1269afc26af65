"""A widget's settings: the contract's JSON document, validated into one frozen value.

`parse_settings` checks a whole PUT body and names every bad field at once (contract: Widget
settings); `settings_to_json` writes the stored document back with every default filled in,
and `parse_settings(settings_to_json(s)) == s`.

Choices the contract leaves open:
- Unknown top-level fields are ignored, so an older server accepts a newer console's body.
- A field sent as `null` is wrong, not missing: leave a field out to get its default.
- `hours` keeps the intervals as given (touching ones are not joined; the schedule joins them).
- `closed_dates` keeps the order given, without duplicates; `allowed_origins` likewise, each
  lowercased, without a trailing slash and without the scheme's default port (443/80), which
  is how browsers write the `Origin` header.
- Messages may be empty; they are at most 1000 characters.
- `max_conversations_per_agent` is a whole JSON number (not 5.0, not true) from 0 to 1000.
- `max_queue` is a whole number from 0 to 100,000; `max_queue_wait` a number of seconds,
  fractions allowed, not negative, finite (whole seconds are answered as integers).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, available_timezones

from frontdesk.core.account_settings import parse_seconds, whole_or_fraction
from frontdesk.core.errors import Invalid
from frontdesk.core.model import Mode, Routing, WidgetStatus, is_valid_id

DEFAULT_ONLINE_MESSAGE = "We're online. Ask us anything!"
DEFAULT_OFFLINE_MESSAGE = "We're away right now. Leave a message and we'll get back to you."
DEFAULT_TIMEZONE = "UTC"

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 1440
MAX_MESSAGE_LENGTH = 1000
MAX_CONVERSATIONS_LIMIT = 1000
MAX_QUEUE_LIMIT = 100_000

Interval = tuple[int, int]
"""Local minutes since midnight: start inclusive, end exclusive, 0 <= start < end <= 1440."""

DayHours = tuple[Interval, ...]
WeekHours = tuple[DayHours, ...]

CLOSED_WEEK: WeekHours = ((),) * 7

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

_CLOCK = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_ORIGIN = re.compile(
    rf"(?P<scheme>https?)://(?P<host>\[[0-9a-f:.]+\]|{_LABEL}(?:\.{_LABEL})*)"
    r"(?::(?P<port>[0-9]{1,5}))?/?"
)
_DIGITS_AND_DOTS = re.compile(r"[0-9.]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Present in most zone directories but not IANA names: they mean the host's own zone.
_NOT_ZONES = frozenset({"localtime", "posixrules"})


@dataclass(frozen=True, slots=True)
class WidgetSettings:
    """One widget's stored settings; hashable, and every field already valid."""

    account: str
    mode: Mode = Mode.MANUAL
    manual_status: WidgetStatus = WidgetStatus.ONLINE
    timezone: str = DEFAULT_TIMEZONE
    hours: WeekHours = CLOSED_WEEK
    closed_dates: tuple[date, ...] = ()
    offline_when_team_away: bool = False
    online_message: str = DEFAULT_ONLINE_MESSAGE
    offline_message: str = DEFAULT_OFFLINE_MESSAGE
    allowed_origins: tuple[str, ...] = ()
    routing: Routing = Routing.BROADCAST
    max_conversations_per_agent: int = 0
    max_queue: int = 0  # 0 = no limit (contract: An honest queue)
    max_queue_wait: float = 0  # seconds, 0 = no limit
    # Derived once, so the schedule (run on every status computation) does no lookups.
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _closed: frozenset[date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", zone_named(self.timezone))
        object.__setattr__(self, "_closed", frozenset(self.closed_dates))

    @property
    def zone(self) -> ZoneInfo:
        """The `timezone` as a tzinfo, loaded when the settings were made."""
        return self._zone

    def is_closed_on(self, day: date) -> bool:
        """Contract: a local date in `closed_dates` is offline all day."""
        return day in self._closed


@lru_cache(maxsize=1024)
def zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name`, loaded once; ValueError for anything that is not one."""
    if not is_zone_name(name):
        raise ValueError(f"not an IANA time zone name: {name!r}")
    return ZoneInfo(name)


def is_zone_name(name: object) -> bool:
    """True for a real IANA zone name, never for "", "local", paths or the host's own zone."""
    if not isinstance(name, str) or name in _NOT_ZONES or name not in _zone_names():
        return False
    try:
        ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError, OSError: all mean "not a zone"
        return False
    return True


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def parse_settings(raw: object) -> WidgetSettings:
    """Validate a settings document (contract: Widget settings); Invalid names every bad field."""
    if not isinstance(raw, Mapping):
        raise Invalid({"body": "must be a JSON object"}, "invalid widget settings")
    errors: dict[str, str] = {}

    def take(key: str, parse: Callable[[object], T], default: T) -> T:
        if key not in raw:
            return default
        try:
            return parse(raw[key])
        except _Bad as bad:
            errors.update(bad.fields or {key: bad.message})
            return default

    if "account" not in raw:
        errors["account"] = "required"
    settings = WidgetSettings(
        account=take("account", _parse_account, ""),
        mode=take("mode", _enum_parser(Mode), Mode.MANUAL),
        manual_status=take("manual_status", _enum_parser(WidgetStatus), WidgetStatus.ONLINE),
        timezone=take("timezone", _parse_timezone, DEFAULT_TIMEZONE),
        hours=take("hours", _parse_hours, CLOSED_WEEK),
        closed_dates=take("closed_dates", _parse_closed_dates, ()),
        offline_when_team_away=take("offline_when_team_away", _parse_bool, False),
        online_message=take("online_message", _parse_message, DEFAULT_ONLINE_MESSAGE),
        offline_message=take("offline_message", _parse_message, DEFAULT_OFFLINE_MESSAGE),
        allowed_origins=take("allowed_origins", _parse_origins, ()),
        routing=take("routing", _enum_parser(Routing), Routing.BROADCAST),
        max_conversations_per_agent=take("max_conversations_per_agent", _parse_limit, 0),
        max_queue=take("max_queue", _parse_queue_limit, 0),
        max_queue_wait=take("max_queue_wait", _parse_seconds, 0.0),
    )  # every bad value was replaced by its default, so this is safe to build, then drop
    if errors:
        raise Invalid(dict(sorted(errors.items())), "invalid widget settings")
    return settings


def settings_to_json(settings: WidgetSettings) -> dict[str, object]:
    """The stored document with every default filled in (contract: PUT answers with it)."""
    return {
        "account": settings.account,
        "mode": settings.mode.value,
        "manual_status": settings.manual_status.value,
        "timezone": settings.timezone,
        "hours": {
            day: [[format_minute(start), format_minute(end)] for start, end in intervals]
            for day, intervals in zip(DAYS, settings.hours, strict=True)
        },
        "closed_dates": [day.isoformat() for day in settings.closed_dates],
        "offline_when_team_away": settings.offline_when_team_away,
        "online_message": settings.online_message,
        "offline_message": settings.offline_message,
        "allowed_origins": list(settings.allowed_origins),
        "routing": settings.routing.value,
        "max_conversations_per_agent": settings.max_conversations_per_agent,
        "max_queue": settings.max_queue,
        "max_queue_wait": whole_or_fraction(settings.max_queue_wait),
    }


def format_minute(minute: int) -> str:
    """Local minutes since midnight as "HH:MM"; 1440 is "24:00", the end of the day."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_origin(value: object) -> str | None:
    """An origin normalized as browsers send it (lowercase, no slash, no default port), or None."""
    if not isinstance(value, str):
        return None
    match = _ORIGIN.fullmatch(value.lower())
    if match is None:
        return None
    scheme, host, port = match.group("scheme", "host", "port")
    if len(host) > 253 or not _is_ip_literal_ok(host):
        return None
    if port is None:
        return f"{scheme}://{host}"
    number = int(port)
    if not 1 <= number <= 65535:
        return None
    if number == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{number}"


def origin_allowed(settings: WidgetSettings, origin: str | None) -> bool:
    """Contract: a page whose Origin is not in `allowed_origins` is refused; a client without
    Origin (not a browser), or a widget with an empty list, is not refused for it."""
    if origin is None or not settings.allowed_origins:
        return True
    return parse_origin(origin) in settings.allowed_origins  # normalised as stored


def _is_ip_literal_ok(host: str) -> bool:
    """A bracketed host must be an IPv6 address, and one of digits and dots an IPv4 address."""
    try:
        if host.startswith("["):
            ipaddress.IPv6Address(host[1:-1])
        elif _DIGITS_AND_DOTS.fullmatch(host):
            ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


class _Bad(Exception):
    """A field's value is wrong: `message` says how, or `fields` names sub-fields (`hours.mon`)."""

    def __init__(self, message: str = "", fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


def _parse_account(value: object) -> str:
    if not isinstance(value, str) or not is_valid_id(value):
        raise _Bad("must be 1 to 64 of A-Z a-z 0-9 _ -")
    return value


def _enum_parser(enum: type[E]) -> Callable[[object], E]:
    words = [member.value for member in enum]

    def parse(value: object) -> E:
        if isinstance(value, str) and value in words:
            return enum(value)
        raise _Bad("must be one of " + ", ".join(f'"{word}"' for word in words))

    return parse


def _parse_timezone(value: object) -> str:
    if not isinstance(value, str) or not is_zone_name(value):
        raise _Bad('must be an IANA time zone name such as "Europe/Berlin"')
    return value


def _parse_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Bad("must be true or false")
    return value


def _parse_message(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad("must be a string")
    if len(value) > MAX_MESSAGE_LENGTH:
        raise _Bad(f"must be at most {MAX_MESSAGE_LENGTH} characters")
    return value


def _parse_limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad("must be a whole number (0 = no limit)")
    if not 0 <= value <= MAX_CONVERSATIONS_LIMIT:
        raise _Bad(f"must be from 0 to {MAX_CONVERSATIONS_LIMIT} (0 = no limit)")
    return value


def _parse_queue_limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad("must be a whole number (0 = no limit)")
    if not 0 <= value <= MAX_QUEUE_LIMIT:
        raise _Bad(f"must be from 0 to {MAX_QUEUE_LIMIT} (0 = no limit)")
    return value


def _parse_seconds(value: object) -> float:
    seconds = parse_seconds(value)
    if seconds is None:
        raise _Bad("must be a number of seconds, 0 or more (0 = no limit)")
    return seconds


def _parse_closed_dates(value: object) -> tuple[date, ...]:
    if not isinstance(value, list | tuple):
        raise _Bad('must be a list of "YYYY-MM-DD" dates')
    days: dict[date, None] = {}  # ordered set: order as given, duplicates dropped
    for index, item in enumerate(value):
        day = _parse_date(item)
        if day is None:
            raise _Bad(f'item {index}: must be a date "YYYY-MM-DD"')
        days[day] = None
    return tuple(days)


def _parse_date(value: object) -> date | None:
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _parse_origins(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise _Bad('must be a list of origins such as "https://acme.example"')
    origins: dict[str, None] = {}
    for index, item in enumerate(value):
        origin = parse_origin(item)
        if origin is None:
            raise _Bad(
                f"item {index}: must be an origin: http or https, a host and maybe a port, "
                'no path ("https://acme.example")'
            )
        origins[origin] = None
    return tuple(origins)


def _parse_hours(value: object) -> WeekHours:
    """Each day's problems go under `hours.<day>`; `hours` itself only when not an object."""
    if not isinstance(value, Mapping):
        raise _Bad('must be an object from "mon".."sun" to lists of ["HH:MM", "HH:MM"]')
    week: list[DayHours] = [()] * 7
    errors: dict[str, str] = {}
    for key, day_value in value.items():
        if not isinstance(key, str):
            errors["hours"] = f"{key!r} is not a day; days are {', '.join(DAYS)}"
        elif key not in DAYS:
            errors[f"hours.{key}"] = f"not a day; days are {', '.join(DAYS)}"
        else:
            try:
                week[DAYS.index(key)] = _parse_day(day_value)
            except _Bad as bad:
                errors[f"hours.{key}"] = bad.message
    if errors:
        raise _Bad(fields=errors)
    return tuple(week)


def _parse_day(value: object) -> DayHours:
    if not isinstance(value, list | tuple):
        raise _Bad('must be a list of ["HH:MM", "HH:MM"] intervals')
    intervals: list[Interval] = []
    for index, pair in enumerate(value, start=1):  # people count intervals from 1
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise _Bad(f'interval {index}: must be a pair ["HH:MM", "HH:MM"]')
        start, end = _parse_clock(pair[0]), _parse_clock(pair[1])
        if start is None or end is None:
            raise _Bad(f'interval {index}: times must be "HH:MM" from "00:00" to "24:00"')
        if start == MINUTES_PER_DAY:
            raise _Bad(f'interval {index}: may not start at "24:00"')
        if start >= end:
            raise _Bad(f"interval {index}: the start must be before the end")
        if intervals and start < intervals[-1][1]:
            raise _Bad(
                f"interval {index}: intervals must be sorted and not overlap (touching is fine)"
            )
        intervals.append((start, end))
    return tuple(intervals)


def _parse_clock(value: object) -> int | None:
    """Minutes since midnight of "HH:MM"; "24:00" (1440) is accepted here, as an end only."""
    if not isinstance(value, str):
        return None
    if value == "24:00":
        return MINUTES_PER_DAY
    if _CLOCK.fullmatch(value) is None:
        return None
    return int(value[:2]) * 60 + int(value[3:])
