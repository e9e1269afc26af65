"""Account settings (contract: Account settings, and the precise rules' last line)."""

from __future__ import annotations

import pytest

from frontdesk.core.account_settings import (
    DEFAULT_ACCOUNT_SETTINGS,
    AccountSettings,
    account_settings_to_json,
    parse_account_settings,
)
from frontdesk.core.errors import Invalid


def invalid_fields(raw: object) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        parse_account_settings(raw)
    return caught.value.fields


def test_an_empty_document_takes_every_default() -> None:
    assert parse_account_settings({}) == DEFAULT_ACCOUNT_SETTINGS
    assert account_settings_to_json(DEFAULT_ACCOUNT_SETTINGS) == {
        "auto_away_after": 0, "reassign_after": 0, "gap_alert_after": 60}


GAP = {"gap_alert_after": 60}  # issue 14's field, at its default


@pytest.mark.parametrize(("body", "expected"), [
    ({"auto_away_after": 300}, {"auto_away_after": 300, "reassign_after": 0, **GAP}),
    ({"reassign_after": 1.5}, {"auto_away_after": 0, "reassign_after": 1.5, **GAP}),
    ({"auto_away_after": 60.0, "reassign_after": 0.25},
     {"auto_away_after": 60, "reassign_after": 0.25, **GAP}),
    ({"auto_away_after": 2, "unknown": "ignored", "reassign_after": 0},
     {"auto_away_after": 2, "reassign_after": 0, **GAP}),
    ({"gap_alert_after": 0}, {"auto_away_after": 0, "reassign_after": 0, "gap_alert_after": 0}),
    ({"gap_alert_after": 2.5},
     {"auto_away_after": 0, "reassign_after": 0, "gap_alert_after": 2.5}),
])
def test_numbers_fractions_and_unknown_fields(body: dict[str, object],
                                              expected: dict[str, object]) -> None:
    document = account_settings_to_json(parse_account_settings(body))
    assert document == expected
    for key, value in expected.items():
        assert type(document[key]) is type(value)


@pytest.mark.parametrize("value", [-1, -0.001, True, False, None, "5", [5], {"s": 5},
                                   float("nan"), float("inf"), 10**400])
@pytest.mark.parametrize("key", ["auto_away_after", "reassign_after", "gap_alert_after"])
def test_bad_values_are_named(key: str, value: object) -> None:
    assert set(invalid_fields({key: value})) == {key}


def test_every_bad_field_is_named_at_once() -> None:
    assert set(invalid_fields({"auto_away_after": -1, "reassign_after": "x"})) == {
        "auto_away_after", "reassign_after"}


@pytest.mark.parametrize("body", [[], "x", 5, None])
def test_a_body_that_is_not_an_object(body: object) -> None:
    assert set(invalid_fields(body)) == {"body"}


def test_round_trip() -> None:
    settings = AccountSettings(auto_away_after=1.5, reassign_after=120)
    assert parse_account_settings(account_settings_to_json(settings)) == settings
