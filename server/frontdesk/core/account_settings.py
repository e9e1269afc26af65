"""An account's settings (contract: Account settings), validated into one frozen value.

`parse_account_settings` checks a whole PUT body and names every bad field at once;
`account_settings_to_json` writes the stored document back with every default filled in.

Rules (contract, Version 2: the precise rules): every field is a non-negative number of
seconds, fractions allowed, 0 = off; unknown fields are ignored; a missing field takes its
default. Choices it leaves open: `null` is wrong, not missing (as in widget settings);
`true`/`false` are not numbers; NaN and infinities are refused; whole numbers go out as
integers (`5.0` is stored and answered as `5`).

A new field is one entry in `FIELDS` and one attribute of `AccountSettings`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from frontdesk.core.coverage import GAP_ALERT_AFTER
from frontdesk.core.errors import Invalid


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """One account's stored settings; every field already valid (seconds, 0 = off)."""

    auto_away_after: float = 0
    reassign_after: float = 0
    gap_alert_after: float = GAP_ALERT_AFTER  # coverage.gap after this long offline while open


DEFAULT_ACCOUNT_SETTINGS = AccountSettings()

FIELDS: tuple[str, ...] = tuple(f.name for f in fields(AccountSettings))
"""Every field is a non-negative number of seconds; the document has exactly these keys."""


def parse_account_settings(raw: object) -> AccountSettings:
    """Validate a settings document; Invalid names every bad field (422 `fields`)."""
    if not isinstance(raw, Mapping):
        raise Invalid({"body": "must be a JSON object"}, "invalid account settings")
    errors: dict[str, str] = {}
    values: dict[str, float] = {}
    for name in FIELDS:
        if name not in raw:
            continue
        value = parse_seconds(raw[name])
        if value is None:
            errors[name] = "must be a number of seconds, 0 or more (0 = off)"
        else:
            values[name] = value
    if errors:
        raise Invalid(errors, "invalid account settings")
    return replace(DEFAULT_ACCOUNT_SETTINGS, **values)


def account_settings_to_json(settings: AccountSettings) -> dict[str, float | int]:
    """The stored document with every default filled in (whole seconds as integers)."""
    return {name: whole_or_fraction(getattr(settings, name)) for name in FIELDS}


def whole_or_fraction(value: float) -> float | int:
    """5.0 goes out as 5: as the client most likely wrote it."""
    return int(value) if float(value).is_integer() else float(value)


def parse_seconds(value: object) -> float | None:
    """A non-negative, finite JSON number (not a bool) as float, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # a JSON integer too large for a float
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return number
