"""Widget settings: every validation rule of the contract, defaults, and the JSON round trip."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.core.errors import Invalid
from frontdesk.core.model import Mode, Routing, WidgetStatus
from frontdesk.core.settings import (
    CLOSED_WEEK,
    DAYS,
    DEFAULT_OFFLINE_MESSAGE,
    DEFAULT_ONLINE_MESSAGE,
    WidgetSettings,
    format_minute,
    origin_allowed,
    parse_origin,
    parse_settings,
    settings_to_json,
)


def invalid_fields(raw: object) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        parse_settings(raw)
    return caught.value.fields


def with_field(key: str, value: object) -> dict[str, object]:
    return {"account": "acme", key: value}


# -- defaults and the stored document ------------------------------------------------------


def test_only_account_gives_every_default() -> None:
    parsed = parse_settings({"account": "acme"})
    assert parsed == WidgetSettings(account="acme")
    assert parsed.mode is Mode.MANUAL
    assert parsed.manual_status is WidgetStatus.ONLINE
    assert parsed.timezone == "UTC"
    assert parsed.hours == CLOSED_WEEK
    assert parsed.closed_dates == ()
    assert parsed.offline_when_team_away is False
    assert parsed.online_message == DEFAULT_ONLINE_MESSAGE
    assert parsed.offline_message == DEFAULT_OFFLINE_MESSAGE
    assert parsed.allowed_origins == ()
    assert parsed.routing is Routing.BROADCAST
    assert parsed.max_conversations_per_agent == 0


def test_defaults_are_filled_in_the_stored_document() -> None:
    assert settings_to_json(parse_settings({"account": "acme"})) == {
        "account": "acme",
        "mode": "manual",
        "manual_status": "online",
        "timezone": "UTC",
        "hours": {day: [] for day in DAYS},
        "closed_dates": [],
        "offline_when_team_away": False,
        "online_message": DEFAULT_ONLINE_MESSAGE,
        "offline_message": DEFAULT_OFFLINE_MESSAGE,
        "allowed_origins": [],
        "routing": "broadcast",
        "max_conversations_per_agent": 0,
        "max_queue": 0,
        "max_queue_wait": 0,
    }


def test_default_messages_are_friendly_and_distinct() -> None:
    assert DEFAULT_ONLINE_MESSAGE and DEFAULT_OFFLINE_MESSAGE
    assert DEFAULT_ONLINE_MESSAGE != DEFAULT_OFFLINE_MESSAGE


FULL: dict[str, Any] = {
    "account": "acme",
    "mode": "scheduled",
    "manual_status": "offline",
    "timezone": "Europe/Berlin",
    "hours": {
        "mon": [["09:00", "12:00"], ["12:00", "17:30"]],
        "fri": [["00:00", "24:00"]],
        "sun": [["22:15", "23:59"]],
    },
    "closed_dates": ["2026-12-25", "2026-12-24", "2026-12-25"],
    "offline_when_team_away": True,
    "online_message": "Hi!",
    "offline_message": "",
    "allowed_origins": ["https://Acme.Example/", "http://127.0.0.1:8000", "https://acme.example"],
    "routing": "least_busy",
    "max_conversations_per_agent": 3,
}


def test_a_full_document_is_parsed() -> None:
    parsed = parse_settings(FULL)
    assert parsed == WidgetSettings(
        account="acme",
        mode=Mode.SCHEDULED,
        manual_status=WidgetStatus.OFFLINE,
        timezone="Europe/Berlin",
        hours=(((540, 720), (720, 1050)), (), (), (), ((0, 1440),), (), ((1335, 1439),)),
        closed_dates=(date(2026, 12, 25), date(2026, 12, 24)),
        offline_when_team_away=True,
        online_message="Hi!",
        offline_message="",
        allowed_origins=("https://acme.example", "http://127.0.0.1:8000"),
        routing=Routing.LEAST_BUSY,
        max_conversations_per_agent=3,
    )


def test_the_stored_document_writes_24_00_and_every_day() -> None:
    document = settings_to_json(parse_settings(FULL))
    assert document["hours"] == {
        "mon": [["09:00", "12:00"], ["12:00", "17:30"]],
        "tue": [],
        "wed": [],
        "thu": [],
        "fri": [["00:00", "24:00"]],
        "sat": [],
        "sun": [["22:15", "23:59"]],
    }
    assert document["closed_dates"] == ["2026-12-25", "2026-12-24"]
    assert document["allowed_origins"] == ["https://acme.example", "http://127.0.0.1:8000"]
    assert json.loads(json.dumps(document)) == document  # plain JSON types only


def test_unknown_top_level_fields_are_ignored() -> None:
    assert parse_settings({"account": "acme", "colour": "teal", "hours_v2": 5}) == WidgetSettings(
        account="acme"
    )


@pytest.mark.parametrize(
    ("minute", "text"), [(0, "00:00"), (61, "01:01"), (1439, "23:59"), (1440, "24:00")]
)
def test_format_minute(minute: int, text: str) -> None:
    assert format_minute(minute) == text


# -- the settings value --------------------------------------------------------------------


def test_settings_are_hashable_and_compare_by_fields() -> None:
    one = parse_settings(FULL)
    two = parse_settings(json.loads(json.dumps(FULL)))
    assert one == two and hash(one) == hash(two)
    assert len({one, two, WidgetSettings(account="acme")}) == 2


def test_zone_and_closed_dates_are_ready_to_use() -> None:
    parsed = parse_settings(FULL)
    assert parsed.zone.key == "Europe/Berlin"
    assert parsed.is_closed_on(date(2026, 12, 24))
    assert not parsed.is_closed_on(date(2026, 12, 26))


def test_settings_cannot_be_changed() -> None:
    parsed = WidgetSettings(account="acme")
    with pytest.raises(AttributeError):
        parsed.mode = Mode.SCHEDULED  # type: ignore[misc]


# -- every rule, one field at a time -------------------------------------------------------


@pytest.mark.parametrize("raw", [[], "acme", None, 5, True, [["account", "acme"]]])
def test_a_body_that_is_not_an_object_is_named_body(raw: object) -> None:
    assert set(invalid_fields(raw)) == {"body"}


def test_account_is_required() -> None:
    assert set(invalid_fields({})) == {"account"}
    assert set(invalid_fields({"mode": "manual"})) == {"account"}


@pytest.mark.parametrize("account", ["", "a b", "acme!", "x" * 65, "ácme", 5, None, True, ["acme"]])
def test_account_must_match_the_id_pattern(account: object) -> None:
    assert set(invalid_fields({"account": account})) == {"account"}


@pytest.mark.parametrize("account", ["a", "ACME_co-1", "x" * 64])
def test_good_accounts(account: str) -> None:
    assert parse_settings({"account": account}).account == account


ENUMS = [
    ("mode", ["manual", "scheduled"]),
    ("manual_status", ["online", "offline"]),
    ("routing", ["broadcast", "round_robin", "least_busy"]),
]


@pytest.mark.parametrize(("key", "words"), ENUMS)
def test_enums_take_the_contract_words(key: str, words: list[str]) -> None:
    for word in words:
        assert getattr(parse_settings(with_field(key, word)), key).value == word


@pytest.mark.parametrize(("key", "words"), ENUMS)
@pytest.mark.parametrize("value", ["", "MANUAL", "Online", "busy", "round-robin", 0, None, True])
def test_enums_refuse_anything_else(key: str, words: list[str], value: object) -> None:
    assert set(invalid_fields(with_field(key, value))) == {key}


@pytest.mark.parametrize(
    "zone",
    [
        "UTC",
        "Europe/Berlin",
        "America/New_York",
        "Australia/Lord_Howe",
        "Pacific/Apia",
        "Etc/GMT+5",
    ],
)
def test_real_zones_are_accepted(zone: str) -> None:
    assert parse_settings(with_field("timezone", zone)).zone.key == zone


@pytest.mark.parametrize(
    "zone",
    [
        "",
        "local",
        "localtime",
        "posixrules",
        "/etc/passwd",
        "../etc/passwd",
        "/usr/share/zoneinfo/UTC",
        "Europe",
        "Europe/",
        "europe/berlin",
        " UTC",
        "UTC ",
        "Mars/Olympus_Mons",
        "zone.tab",
        "tzdata.zi",
        "a\x00b",
        "+01:00",
        5,
        None,
        ["UTC"],
    ],
)
def test_anything_but_a_zone_name_is_refused(zone: object) -> None:
    assert set(invalid_fields(with_field("timezone", zone))) == {"timezone"}


@pytest.mark.parametrize(
    ("hours", "week"),
    [
        ({}, CLOSED_WEEK),
        ({"mon": []}, CLOSED_WEEK),
        ({"tue": [["00:00", "24:00"]]}, ((), ((0, 1440),), (), (), (), (), ())),
        ({"sun": [["23:59", "24:00"]]}, ((), (), (), (), (), (), ((1439, 1440),))),
        (
            {"wed": [["09:00", "12:00"], ["12:00", "13:00"]]},
            ((), (), ((540, 720), (720, 780)), (), (), (), ()),
        ),
        (
            {"thu": [["00:00", "00:01"], ["23:00", "23:30"]]},
            ((), (), (), ((0, 1), (1380, 1410)), (), (), ()),
        ),
        ({"fri": [("08:00", "09:00")]}, ((), (), (), (), ((480, 540),), (), ())),
    ],
)
def test_good_hours(hours: dict[str, object], week: tuple[object, ...]) -> None:
    assert parse_settings(with_field("hours", hours)).hours == week


@pytest.mark.parametrize("hours", [[], "09:00-17:00", None, 5, [["09:00", "17:00"]]])
def test_hours_must_be_an_object(hours: object) -> None:
    assert set(invalid_fields(with_field("hours", hours))) == {"hours"}


@pytest.mark.parametrize("day", ["monday", "Mon", "MON", "", "1", "weekend"])
def test_an_unknown_day_is_named(day: str) -> None:
    assert set(invalid_fields(with_field("hours", {day: []}))) == {f"hours.{day}"}


def test_a_day_that_is_not_text_is_named_hours() -> None:
    assert set(invalid_fields(with_field("hours", {1: []}))) == {"hours"}


@pytest.mark.parametrize(
    "day",
    [
        None,
        "09:00-17:00",
        {"09:00": "17:00"},
        ["09:00", "17:00"],  # a pair, not a list of pairs
        [["09:00"]],
        [["09:00", "12:00", "13:00"]],
        [[]],
        [["9:00", "17:00"]],
        [["09:00", "17:60"]],
        [["09:00", "25:00"]],
        [["09:00", "24:01"]],
        [["09:00:00", "17:00"]],
        [["09.00", "17.00"]],
        [[" 09:00", "17:00"]],
        [["-1:00", "17:00"]],
        [[540, 1020]],
        [[None, "17:00"]],
        [["24:00", "24:00"]],  # starts at 24:00
        [["24:00", "01:00"]],
        [["17:00", "09:00"]],  # start not before end
        [["09:00", "09:00"]],
        [["00:00", "00:00"]],
        [["09:00", "12:00"], ["11:59", "13:00"]],  # overlap
        [["13:00", "14:00"], ["09:00", "10:00"]],  # unsorted
        [["09:00", "12:00"], ["09:00", "12:00"]],  # repeated
        [["00:00", "24:00"], ["10:00", "11:00"]],
        [["09:00", "12:00"], "12:00-13:00"],
    ],
)
def test_bad_intervals_name_the_day(day: object) -> None:
    fields = invalid_fields(with_field("hours", {"mon": [["01:00", "02:00"]], "wed": day}))
    assert set(fields) == {"hours.wed"}
    assert fields["hours.wed"]


def test_every_bad_day_is_named_at_once() -> None:
    fields = invalid_fields(
        with_field(
            "hours",
            {
                "mon": [["10:00", "09:00"]],
                "tue": [["09:00", "17:00"]],
                "sat": [["24:00", "24:00"]],
                "holiday": [],
            },
        )
    )
    assert set(fields) == {"hours.mon", "hours.sat", "hours.holiday"}


@pytest.mark.parametrize(
    ("dates", "stored"),
    [
        ([], ()),
        (["2026-12-25"], (date(2026, 12, 25),)),
        (["2026-12-31", "2026-01-01"], (date(2026, 12, 31), date(2026, 1, 1))),
        (["2026-12-25", "2026-12-26", "2026-12-25"], (date(2026, 12, 25), date(2026, 12, 26))),
        (["2028-02-29"], (date(2028, 2, 29),)),
    ],
)
def test_closed_dates_keep_their_order_without_duplicates(
    dates: list[str], stored: tuple[date, ...]
) -> None:
    assert parse_settings(with_field("closed_dates", dates)).closed_dates == stored


@pytest.mark.parametrize(
    "dates",
    [
        None,
        "2026-12-25",
        {"2026-12-25": True},
        ["2026-13-01"],
        ["2026-02-30"],
        ["2027-02-29"],
        ["20261225"],
        ["2026-1-5"],
        ["2026-12-25T00:00"],
        ["2026-12-25 "],
        ["25.12.2026"],
        ["2026-W52-5"],
        [""],
        [20261225],
        [None],
        ["2026-12-24", "christmas"],
    ],
)
def test_bad_closed_dates(dates: object) -> None:
    assert set(invalid_fields(with_field("closed_dates", dates))) == {"closed_dates"}


@pytest.mark.parametrize("value", [True, False])
def test_team_away_toggle_takes_booleans(value: bool) -> None:
    assert (
        parse_settings(with_field("offline_when_team_away", value)).offline_when_team_away is value
    )


@pytest.mark.parametrize("value", [0, 1, "true", "false", None, [], 1.0])
def test_team_away_toggle_refuses_anything_else(value: object) -> None:
    assert set(invalid_fields(with_field("offline_when_team_away", value))) == {
        "offline_when_team_away"
    }


@pytest.mark.parametrize("key", ["online_message", "offline_message"])
@pytest.mark.parametrize("text", ["", "Hello", "x" * 1000, "Grüße 👋\nbis gleich"])
def test_good_messages(key: str, text: str) -> None:
    assert getattr(parse_settings(with_field(key, text)), key) == text


@pytest.mark.parametrize("key", ["online_message", "offline_message"])
@pytest.mark.parametrize("text", ["x" * 1001, None, 5, ["hi"], {"en": "hi"}, True])
def test_bad_messages(key: str, text: object) -> None:
    assert set(invalid_fields(with_field(key, text))) == {key}


@pytest.mark.parametrize(
    ("origin", "stored"),
    [
        ("https://acme.example", "https://acme.example"),
        ("https://acme.example/", "https://acme.example"),
        ("HTTPS://ACME.Example", "https://acme.example"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("https://acme.example:443", "https://acme.example"),
        ("http://acme.example:80", "http://acme.example"),
        ("http://acme.example:443", "http://acme.example:443"),
        ("https://shop.acme-co.example", "https://shop.acme-co.example"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
    ],
)
def test_origins_are_stored_as_browsers_send_them(origin: str, stored: str) -> None:
    assert parse_origin(origin) == stored
    assert parse_settings(with_field("allowed_origins", [origin])).allowed_origins == (stored,)


@pytest.mark.parametrize(
    "origin",
    [
        "acme.example",
        "//acme.example",
        "ftp://acme.example",
        "ws://acme.example",
        "https://acme.example/path",
        "https://acme.example//",
        "https://acme.example?q=1",
        "https://acme.example#top",
        "https://user@acme.example",
        "https://acme.example:",
        "https://acme.example:0",
        "https://acme.example:65536",
        "https://acme.example:http",
        "https://",
        "https:///",
        "https://acme..example",
        "https://-acme.example",
        "https://acme.example.",
        "https://acme example",
        " https://acme.example",
        "https://acme.example ",
        "https://bücher.example",
        "http://[::1",
        "http://[nope]",
        "http://999.1.1.1",
        "*",
        "null",
        "",
        5,
        None,
    ],
)
def test_anything_but_an_origin_is_refused(origin: object) -> None:
    assert parse_origin(origin) is None
    assert set(invalid_fields(with_field("allowed_origins", [origin]))) == {"allowed_origins"}


def test_origins_keep_their_order_without_duplicates() -> None:
    raw = ["https://b.example", "https://a.example", "https://B.example/", "https://b.example:443"]
    parsed = parse_settings(with_field("allowed_origins", raw))
    assert parsed.allowed_origins == ("https://b.example", "https://a.example")


@pytest.mark.parametrize("origins", ["https://acme.example", None, {"https://acme.example": 1}])
def test_origins_must_be_a_list(origins: object) -> None:
    assert set(invalid_fields(with_field("allowed_origins", origins))) == {"allowed_origins"}


@pytest.mark.parametrize("value", [0, 1, 7, 1000])
def test_good_conversation_limits(value: int) -> None:
    assert (
        parse_settings(with_field("max_conversations_per_agent", value)).max_conversations_per_agent
        == value
    )


@pytest.mark.parametrize("value", [-1, 1001, 10**9, True, False, 2.0, 2.5, "5", None, [5]])
def test_bad_conversation_limits(value: object) -> None:
    assert set(invalid_fields(with_field("max_conversations_per_agent", value))) == {
        "max_conversations_per_agent"
    }


@pytest.mark.parametrize(
    "key",
    [
        "account",
        "mode",
        "manual_status",
        "timezone",
        "hours",
        "closed_dates",
        "offline_when_team_away",
        "online_message",
        "offline_message",
        "allowed_origins",
        "routing",
        "max_conversations_per_agent",
    ],
)
def test_null_is_not_a_missing_field(key: str) -> None:
    assert set(invalid_fields({**FULL, key: None})) == {key}


# -- many at once --------------------------------------------------------------------------


def test_every_bad_field_is_named_at_once() -> None:
    fields = invalid_fields(
        {
            "account": "no spaces",
            "mode": "sometimes",
            "manual_status": "busy",
            "timezone": "local",
            "hours": {"mon": [["17:00", "09:00"]], "tue": [["09:00", "17:00"]], "xmas": []},
            "closed_dates": ["tomorrow"],
            "offline_when_team_away": 1,
            "online_message": "x" * 1001,
            "offline_message": 0,
            "allowed_origins": ["https://acme.example/chat"],
            "routing": "random",
            "max_conversations_per_agent": -3,
        }
    )
    assert set(fields) == {
        "account",
        "mode",
        "manual_status",
        "timezone",
        "hours.mon",
        "hours.xmas",
        "closed_dates",
        "offline_when_team_away",
        "online_message",
        "offline_message",
        "allowed_origins",
        "routing",
        "max_conversations_per_agent",
    }
    assert all(isinstance(text, str) and text for text in fields.values())


def test_a_missing_account_is_named_with_the_other_faults() -> None:
    fields = invalid_fields({"mode": "x", "timezone": ""})
    assert set(fields) == {"account", "mode", "timezone"}


def test_the_error_says_what_is_wrong() -> None:
    with pytest.raises(Invalid) as caught:
        parse_settings(with_field("timezone", "local"))
    assert "IANA" in caught.value.fields["timezone"]
    assert caught.value.message


def test_one_bad_field_spoils_the_whole_document() -> None:
    with pytest.raises(Invalid):
        parse_settings({**FULL, "routing": "random"})


# -- round trip ----------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    points = sorted(draw(st.sets(st.integers(0, 1440), max_size=6)))
    kept = draw(st.integers(0, 2 ** len(points)))  # one bit per piece between two points
    pieces = zip(points, points[1:], strict=False)
    return tuple(piece for index, piece in enumerate(pieces) if kept >> index & 1)


ID_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

origins = st.builds(
    lambda scheme, host, port: f"{scheme}://{host}" + ("" if port is None else f":{port}"),
    st.sampled_from(["http", "https"]),
    st.lists(
        st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), min_size=1, max_size=3
    ).map(".".join),
    st.none() | st.integers(1, 65535).filter(lambda port: port not in (80, 443)),
)

messages = st.text(max_size=30) | st.just("x" * 1000)

widget_settings = st.builds(
    WidgetSettings,
    account=st.text(ID_CHARACTERS, min_size=1, max_size=64),
    mode=st.sampled_from(Mode),
    manual_status=st.sampled_from(WidgetStatus),
    timezone=st.sampled_from(ZONES),
    hours=st.tuples(*[day_hours()] * 7),
    closed_dates=st.lists(
        st.dates(date(2020, 1, 1), date(2035, 12, 31)), max_size=5, unique=True
    ).map(tuple),
    offline_when_team_away=st.booleans(),
    online_message=messages,
    offline_message=messages,
    allowed_origins=st.lists(origins, unique=True, max_size=4).map(tuple),
    routing=st.sampled_from(Routing),
    max_conversations_per_agent=st.integers(0, 1000),
)


@settings(max_examples=200, deadline=None)
@given(widget_settings)
def test_the_stored_document_parses_back_to_the_same_settings(value: WidgetSettings) -> None:
    document = json.loads(json.dumps(settings_to_json(value)))
    assert parse_settings(document) == value
    assert settings_to_json(parse_settings(document)) == document


# -- the queue limits (contract: An honest queue) ----------------------------------------------


@pytest.mark.parametrize(("key", "value", "stored"), [
    ("max_queue", 0, 0), ("max_queue", 5, 5), ("max_queue", 100_000, 100_000),
    ("max_queue_wait", 0, 0), ("max_queue_wait", 1.5, 1.5), ("max_queue_wait", 30.0, 30),
    ("max_queue_wait", 600, 600),
])
def test_queue_limits_are_accepted(key: str, value: object, stored: object) -> None:
    document = settings_to_json(parse_settings(with_field(key, value)))
    assert document[key] == stored
    assert type(document[key]) is type(stored)


@pytest.mark.parametrize(("key", "value"), [
    ("max_queue", -1), ("max_queue", 2.5), ("max_queue", 3.0), ("max_queue", True),
    ("max_queue", "3"), ("max_queue", None), ("max_queue", 100_001),
    ("max_queue_wait", -0.5), ("max_queue_wait", True), ("max_queue_wait", "10"),
    ("max_queue_wait", None), ("max_queue_wait", float("inf")), ("max_queue_wait", 10**400),
])
def test_bad_queue_limits_are_named(key: str, value: object) -> None:
    assert set(invalid_fields(with_field(key, value))) == {key}


def test_queue_limits_round_trip() -> None:
    parsed = parse_settings({"account": "acme", "max_queue": 3, "max_queue_wait": 2.5})
    assert (parsed.max_queue, parsed.max_queue_wait) == (3, 2.5)
    assert parse_settings(json.loads(json.dumps(settings_to_json(parsed)))) == parsed


@pytest.mark.parametrize(("allowed", "origin", "expected"), [
    ([], "https://anyone.example", True),                       # empty list = any origin
    (["https://acme.example"], None, True),                     # no Origin: not a browser
    (["https://acme.example"], "https://acme.example", True),
    (["https://acme.example"], "HTTPS://ACME.example:443/", True),  # normalised like stored
    (["https://acme.example"], "https://evil.example", False),
    (["https://acme.example"], "not an origin", False),
])
def test_origin_allowed(allowed, origin, expected):
    settings = parse_settings({"account": "acme", "allowed_origins": allowed})
    assert origin_allowed(settings, origin) is expected
