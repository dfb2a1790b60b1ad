"""Schema validation: the contract takes jsonschema-rs's word for a body it accepts and asks
jsonschema about any other, so jsonschema-rs may never accept what jsonschema refuses, on any
body a run can meet: valid updates laid over a stored position, and that position with any
place given an odd value (dates and date-times that only look right, Unicode digits, numbers
past 64 bits, infinities and NaN, wrong types). Where jsonschema-rs is the stricter one
(it refuses an infinite Double that jsonschema takes), jsonschema decides."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphcontract.contract import load_contract
from graphcontract.types import JSON, JSONObject
from strategies import valid_bodies

CONTRACT = load_contract()
STORED: JSONObject = CONTRACT.seed["positions"][0]

DATE = r"\d{4}-\d{2}-\d{2}"
DATE_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})"
ODD_VALUES = st.one_of(
    st.from_regex(DATE, fullmatch=True),
    st.from_regex(DATE_TIME, fullmatch=True),
    st.sampled_from(["2021-02-29", "2024-02-29", "2021-04-31", "2021-13-01", "0000-01-01"]),
    st.sampled_from(["2021-01-01T24:00:00Z", "2021-06-30T23:59:60Z", "2021-01-01T00:00:00+24:00"]),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=12),
    st.lists(st.one_of(st.none(), st.text(max_size=4), st.integers()), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.none(), st.text(max_size=4)), max_size=2),
)


def _places(node: JSON, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found: list[tuple[str | int, ...]] = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _places(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _places(value, (*prefix, index))
    return found


PLACES = _places(STORED)


def _jsonschema_says_valid(which: str, body: JSON) -> bool:
    schema = CONTRACT.request_schema if which == "request" else CONTRACT.response_schema
    cls: Any = jsonschema.validators.validator_for(schema)
    return bool(cls(schema, format_checker=cls.FORMAT_CHECKER).is_valid(body))


def _with_value(body: JSONObject, place: tuple[str | int, ...], value: JSON) -> JSONObject:
    changed = copy.deepcopy(body)
    node: Any = changed
    for step in place[:-1]:
        node = node[step]
    node[place[-1]] = value
    return changed


@settings(max_examples=300, deadline=None)
@given(place=st.sampled_from(PLACES), value=ODD_VALUES)
def test_both_validators_agree_on_a_stored_position_with_an_odd_value(place, value):
    body = _with_value(STORED, place, value)
    assert CONTRACT.is_valid("response", body) == _jsonschema_says_valid("response", body)
    assert (CONTRACT.response_errors(body) == []) == _jsonschema_says_valid("response", body)


@settings(max_examples=100, deadline=None)
@given(update=valid_bodies(CONTRACT))
def test_both_validators_agree_on_valid_updates_and_their_results(update):
    assert CONTRACT.is_valid("request", update)
    assert _jsonschema_says_valid("request", update)
    merged = {**STORED, **update}
    assert CONTRACT.is_valid("response", merged) == _jsonschema_says_valid("response", merged)


@pytest.mark.parametrize(
    ("place", "value"),
    [
        (("createdDateTime",), "2021-02-30T00:00:00Z"),
        (("createdDateTime",), "2021-06-30T23:59:60Z"),
        (("detail", "startMonthYear"), "2021-02-29"),
        (("detail", "startMonthYear"), "２０２１-01-01"),
        (("categories",), [2**70]),
        (("inference", "confidenceScore"), float("inf")),
        (("inference", "confidenceScore"), float("-inf")),
        (("inference", "confidenceScore"), float("nan")),
        (("detail", "jobTitle"), "\ud800"),
        (("allowedAudiences",), "family,contacts"),
        (("allowedAudiences",), "FAMILY"),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_both_validators_agree_on_edge_values(place, value):
    body = _with_value(STORED, place, value)
    assert CONTRACT.is_valid("response", body) == _jsonschema_says_valid("response", body)
