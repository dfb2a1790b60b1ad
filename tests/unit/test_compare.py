"""How the oracles compare JSON states: what counts as the same value (annotations, instants,
null and absent, booleans and numbers), and the exact comparison a refusal is held to."""

from __future__ import annotations

import pytest

from graphcontract.oracles.compare import (
    DATETIME_SUFFIX,
    canon,
    differences,
    exactly_equal,
    no_enum_form,
    parse_datetime,
    same,
    stamp_grain_s,
)
from graphcontract.oracles.rejection import expect_unchanged

from .oracle_samples import CONTRACT, SEED, exchange


@pytest.mark.parametrize(
    ("before", "after", "unchanged"),
    [
        ({"@microsoft.graph.readAt": "1"}, {"@microsoft.graph.readAt": "2"}, True),
        ({"isCurrent@odata.type": "#Boolean"}, {}, True),
        ({"isCurrent": True}, {"isCurrent": 1}, False),
        ({"detail": {"summary": None}}, {"detail": {}}, False),
        ({"categories": []}, {"categories": None}, False),
    ],
    ids=[
        "volatile-annotation",
        "property-annotation",
        "bool-to-number",
        "null-dropped",
        "empty-to-null",
    ],
)
def test_a_refusal_must_leave_the_payload_exactly_as_it_was(before, after, unchanged):
    """atomic.rejected compares readings exactly, annotations aside (a server may stamp each
    reading with an instance annotation of its own)."""
    verdicts = expect_unchanged(
        [], {**SEED, **before}, {**SEED, **after}, exchange(400, {"error": {}})
    )
    assert [v.outcome for v in verdicts] == ["pass" if unchanged else "fail"]


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("2020-07-06T06:34:12.2294868Z", "2020-07-06T06:34:12.2294868+00:00", True),
        ("2020-07-06T06:34:12.5Z", "2020-07-06T08:34:12.500+02:00", True),
        ("2020-07-06T06:34:12Z", "2020-07-06T06:34:12.0000000Z", True),
        ("2020-07-06T06:34:12Z", "2020-07-06T06:34:13Z", False),
        ("2020-07-06T06:34:12Z", "2020-07-06T06:34:12+01:00", False),
        ("2026-11-22T22:19:56.8173083Z", "2026-11-22T22:19:56.817Z", True),
        ("2026-11-22T22:19:56.8178083Z", "2026-11-22T22:19:56.818Z", True),
        ("2026-11-22T22:19:56.8173083Z", "2026-11-22T22:19:56.8170000Z", True),
        ("2026-11-22T22:19:56.8173083Z", "2026-11-22T22:19:56Z", True),
        ("2026-11-22T22:19:56.8173083Z", "2026-11-22T22:19:56.819Z", False),
        ("2026-11-22T22:19:56.8173083Z", "2026-11-22T22:19:56.8173084Z", False),
    ],
    ids=[
        "Z-or-offset",
        "other-offset",
        "trailing-zeros",
        "other-second",
        "other-instant",
        "milliseconds-store-truncates",
        "milliseconds-store-rounds",
        "milliseconds-written-with-7-digits",
        "seconds-store",
        "other-millisecond",
        "other-tick",
    ],
)
def test_datetimes_compare_as_instants(a, b, equal):
    assert same({"createdDateTime": a}, {"createdDateTime": b}) is equal
    assert same({"displayName": a}, {"displayName": b}) is (a == b)  # strings stay strings


def test_every_datetimeoffset_property_is_named_for_it():
    """canon() tells DateTimeOffset values by their property names (``…DateTime``)."""
    for spec in [CONTRACT.entity, *CONTRACT.types.values()]:
        for prop in spec.properties.values():
            named = prop.name.endswith(DATETIME_SUFFIX)
            assert named is (prop.type_name == "Edm.DateTimeOffset"), (spec.name, prop.name)


def test_canon_folds_only_gray_differences():
    assert same({"a": None, "b": []}, {})
    assert same({"@odata.type": "#x", "a": 1}, {"a": 1.0})
    assert not same({"a": True}, {"a": 1})
    assert not exactly_equal(True, 1)
    assert differences({"d": {"x": 1, "y": 2}}, {"d": {"x": 1, "y": 3}}) == ["d.y"]
    assert canon([]) is None


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2020-07-06T06:34:12.2294868Z", True),
        ("2020-07-06T06:34:12+02:00", True),
        ("07/06/2020 06:34:12", False),
        ("2020-07-06T06:34:12", False),
        (None, False),
    ],
)
def test_parse_datetime(text, ok):
    assert (parse_datetime(text) is not None) is ok


@pytest.mark.parametrize(
    ("text", "grain"),
    [
        ("2026-11-23T05:20:13.8173083Z", 1e-7),
        ("2026-11-23T05:20:13.8170000Z", 1e-3),
        ("2026-11-23T05:20:13.0000000Z", 1.0),
        ("2026-11-23T05:20:13+01:00", 1.0),
        ("2026-11-23T05:20:00Z", 60.0),
        ("2026-11-23T05:00:00Z", 3600.0),
        ("2026-11-23T00:00:00Z", 86400.0),
        ("yesterday", None),
        (None, None),
    ],
    ids=["ticks", "milliseconds", "zero-ticks", "seconds-offset", "minutes", "hours", "days",
         "not-a-date", "null"],
)  # fmt: skip
def test_stamp_grain_is_the_last_non_zero_unit(text, grain):
    assert stamp_grain_s(text) == (pytest.approx(grain) if grain else None)


@pytest.mark.parametrize(
    ("value", "key", "expected"),
    [
        (3, "allowedAudiences", True),
        ("family, bogus", "allowedAudiences", True),
        ("family, contacts", "allowedAudiences", False),
        ("3", "allowedAudiences", False),
        (None, "allowedAudiences", False),
        (1, "relationship", True),
        (3, "displayName", False),
    ],
    ids=[
        "json-number",
        "unknown-name",
        "dotnet-form",
        "number-as-string",
        "null",
        "nested-json-number",
        "not-an-enum",
    ],
)
def test_no_enum_form_names_answers_no_odata_serializer_writes(value, key, expected):
    assert no_enum_form(value, key) is expected
