"""RFC 7396 merge patch: the RFC's own examples (Appendix A), table-driven."""

from __future__ import annotations

import copy

import pytest

from frontdesk.core.merge_patch import merge_patch

RFC_7396_APPENDIX_A = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize("target,patch,expected", RFC_7396_APPENDIX_A)
def test_rfc_7396_examples(target, patch, expected):
    before = copy.deepcopy(target), copy.deepcopy(patch)
    assert merge_patch(target, patch) == expected
    assert (target, patch) == before  # neither argument changes


def test_a_nested_day_resets_alone():
    settings = {"hours": {"mon": [["09:00", "17:00"]], "tue": [["10:00", "12:00"]]}, "mode": "scheduled"}
    assert merge_patch(settings, {"hours": {"mon": None}}) == {
        "hours": {"tue": [["10:00", "12:00"]]}, "mode": "scheduled"}
