"""The strategies/ package, invalid side: invalid, mixed and gray-zone bodies.

Properties check that every invalid body fails the request schema through exactly one invalid
part (never a gray-zone value), that a mixed body's valid part passes on its own, and that the
gray cases are fixed observations never generated as invalid; coverage sweeps check that each
clause, place, depth and kind of fault can actually be produced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphcontract.contract import EVOLVABLE_SENTINEL
from strategies import (
    INVALID_CLAUSES,
    MUST_REJECT_CLAUSES,
    GrayCase,
    InvalidBody,
    MixedBody,
    flag_combinations,
    gray_cases,
    invalid_bodies,
    mixed_bodies,
    values_at,
    without_part,
    wrap,
)
from strategies.invalid import (
    READONLY_PROBE_DATETIME,
    READONLY_PROBE_NAME,
    READONLY_PROBE_PREFIX,
)
from strategies.values import ITEM, dotted, item_path, request_objects

from .strategy_samples import (
    CONTRACT,
    ENUM_SITES,
    FEW,
    PLACES,
    PROPERTY,
    Sample,
    can_produce,
    spec_at,
    walk,
)

OWNERS = dict(request_objects(CONTRACT))
NOT_MALFORMED = [c for c in INVALID_CLAUSES if c != "body.malformed"]
# Strategies are built once: building one is far dearer than drawing from it.
INVALID = {clause: invalid_bodies(CONTRACT, clause) for clause in INVALID_CLAUSES}


def is_gray_enum_value(value: Any, members: Iterable[str]) -> bool:
    """The brief's gray rules, written independently of strategies.invalid (``members``: the
    site's enum; another enum's member is no member of it)."""
    members = tuple(members)
    if value is None or isinstance(value, bool):
        return value is None
    if isinstance(value, int | float):
        return True
    if not isinstance(value, str) or value == "":
        return False
    if "," in value:  # a list is as gray as its items: one sure non-member makes it invalid
        items = [item.strip() for item in value.split(",") if item.strip()]
        return all(is_gray_enum_value(item, members) for item in items)
    return (
        value != value.strip()
        or re.fullmatch(r"[+-]?\d+", value) is not None
        or any(m.casefold() == value.casefold() for m in members)
    )


# -- invalid bodies ------------------------------------------------------------------------------


@PROPERTY
@given(invalid_bodies(CONTRACT))
def test_invalid_bodies_fail_the_request_schema(case: InvalidBody) -> None:
    assert case.clause in INVALID_CLAUSES
    assert case.description
    content = case.content()
    assert content, "never an empty body"
    text = content.decode("utf-8")  # never invalid UTF-8
    if case.clause == "body.malformed":
        assert case.path == ()
        try:
            decoded = json.loads(text)
        except ValueError:
            return
        assert not isinstance(decoded, dict)
        assert "NaN" not in text
        assert "Infinity" not in text
        return
    assert case.raw is None
    assert isinstance(case.body, dict)
    assert CONTRACT.request_errors(case.body) != []
    assert values_at(case.body, case.path), "the invalid part sits at its path"
    assert json.loads(text) == case.body


@pytest.mark.parametrize("clause", NOT_MALFORMED)
@settings(PROPERTY, max_examples=40)
@given(data=st.data())
def test_invalid_bodies_hold_exactly_one_invalid_part(clause: str, data: st.DataObject) -> None:
    case = data.draw(INVALID[clause])
    assert case.clause == clause
    assert CONTRACT.request_errors(case.body) != []
    assert CONTRACT.request_errors(without_part(case.body, case.path)) == []


ENUM_CLAUSES = sorted({site.clause for site in ENUM_SITES.values()})


@pytest.mark.parametrize("clause", ENUM_CLAUSES)
@settings(PROPERTY, max_examples=60)
@given(data=st.data())
def test_invalid_enum_values_are_never_gray(clause: str, data: st.DataObject) -> None:
    case = data.draw(INVALID[clause])
    assert ENUM_SITES[case.path].clause == clause
    members = ENUM_SITES[case.path].enum.members
    for value in values_at(case.body, case.path):
        assert not is_gray_enum_value(value, members), value


@PROPERTY
@given(INVALID["types.rejects"])
def test_type_rejects_are_never_gray(case: InvalidBody) -> None:
    spec = spec_at(case.path)
    assert spec is not None, case.path
    assert not CONTRACT.is_enum(spec.type_name), "enum values belong to the enum clauses"
    for value in values_at(case.body, case.path):
        assert value is not None, "never null for a collection or a collection member"
        if spec.type_name == "Edm.Double" and case.path[-1:] != (ITEM,) and not spec.collection:
            assert type(value) is not int, "an integer is a valid Double"
            assert value not in ("NaN", "INF", "-INF")


@pytest.mark.parametrize("clause", ["read-only.not-applied", "properties.unknown"])
@FEW
@given(data=st.data())
def test_probe_bodies_never_use_annotation_names(clause: str, data: st.DataObject) -> None:
    case = data.draw(INVALID[clause])
    assert not case.path[-1].startswith("@")
    if clause == "read-only.not-applied":
        assert case.path[0] in CONTRACT.read_only
        (value,) = values_at(case.body, case.path)
        assert (
            value == READONLY_PROBE_DATETIME
            or (isinstance(value, str) and value.startswith(READONLY_PROBE_PREFIX))
            or READONLY_PROBE_NAME in json.dumps(value)
        ), value
    elif case.path[0] not in CONTRACT.undocumented:
        owner = OWNERS[case.path[:-1]]
        assert case.path[-1].casefold() not in {n.casefold() for n in owner.properties}


def test_invalid_bodies_refuses_an_unknown_clause() -> None:
    with pytest.raises(ValueError, match="unknown clause"):
        invalid_bodies(CONTRACT, "merge.nested")


@pytest.mark.parametrize(
    ("body", "path", "left"),
    [
        ({"detail": {"layer": 1.5}, "isCurrent": True}, ("detail", "layer"), {"isCurrent": True}),
        ({"detail": {"layer": 1.5, "role": "x"}}, ("detail", "layer"), {"detail": {"role": "x"}}),
        ({"colleagues": [{"relationship": "no"}]}, ("colleagues", ITEM, "relationship"), {}),
        ({"categories": [5], "isCurrent": None}, ("categories", ITEM), {"isCurrent": None}),
        ({"id": "graphcontract-probe-1"}, ("id",), {}),
    ],
    ids=["drops-emptied-object", "keeps-siblings", "drops-emptied-item", "drops-item", "top"],
)
def test_without_part_takes_out_the_part_and_what_it_emptied(
    body: dict[str, Any], path: tuple[str, ...], left: dict[str, Any]
) -> None:
    assert without_part(body, path) == left
    assert values_at(body, path)
    assert values_at(wrap(path, "v"), path) == ["v"]
    assert without_part(wrap(path, "v"), path) == {}


def test_content_is_the_raw_bytes_or_utf8_json() -> None:
    assert InvalidBody("body.malformed", "x", (), None, b"{").content() == b"{"
    body = {"detail": {"jobTitle": "软件"}}
    assert InvalidBody("types.rejects", "x", ("detail",), body).content() == json.dumps(
        body, ensure_ascii=False
    ).encode("utf-8")


MALFORMED_KINDS = (
    "truncated JSON",
    "trailing garbage",
    "single quotes instead of double quotes",
    "unquoted keys",
    "not an object",
)


def invalid_features(case: InvalidBody) -> Iterable[str]:
    if case.clause == "properties.unknown" and case.path[-1] not in CONTRACT.undocumented:
        yield f"properties.unknown at {dotted(case.path[:-1])}"
    yield f"{case.clause} at {dotted(case.path)}"
    if case.clause == "types.rejects":
        yield type_feature(case.path)
    if case.clause == "body.malformed":
        yield from (kind for kind in MALFORMED_KINDS if case.description.startswith(kind))
    elif case.description.endswith(")"):
        yield case.description.rsplit(" (", 1)[1].rstrip(")")


def type_feature(path: tuple[str, ...]) -> str:
    """Kind of a types.rejects place and its depth: "Edm.String at depth 3", "item at depth 1"."""
    spec = spec_at(path)
    assert spec is not None
    if path[-1] == ITEM:
        kind = f"{spec.type_name} item"
    else:
        kind = f"Collection({spec.type_name})" if spec.collection else spec.type_name
    return f"types.rejects on {kind} at depth {len([p for p in path if p != ITEM])}"


def _expected_invalid_features() -> list[tuple[str, str]]:
    types_at = {
        type_feature(path)
        for place in PLACES.values()
        if not CONTRACT.is_enum(place.prop.type_name)
        for path in {place.path, item_path(place)}
    }
    unknown = "properties.unknown"
    reasons = [
        "Int32 given a fraction",
        "Int32 out of range",
        "Date not YYYY-MM-DD",
        "String given a number",
        "Boolean given a string",
        "Double given a string",
    ]
    return [
        *(("types.rejects", feature) for feature in sorted(types_at)),
        *((site.clause, f"{site.clause} at {dotted(path)}") for path, site in ENUM_SITES.items()),
        *(("read-only.not-applied", f"read-only.not-applied at {n}") for n in CONTRACT.read_only),
        *((unknown, f"{unknown} at {name}") for name in CONTRACT.undocumented),
        *((unknown, f"{unknown} at {dotted(path)}") for path, _ in request_objects(CONTRACT)),
        *(("types.rejects", reason) for reason in reasons),
        *(("body.malformed", kind) for kind in MALFORMED_KINDS),
    ]


INVALID_FEATURES = _expected_invalid_features()


@pytest.mark.parametrize(
    ("clause", "feature"), INVALID_FEATURES, ids=[feature for _, feature in INVALID_FEATURES]
)
def test_invalid_bodies_can_produce(clause: str, feature: str) -> None:
    size = 400 if clause == "types.rejects" else 60
    assert can_produce(NAMED[clause], feature, sweep_size=size)


# -- mixed bodies --------------------------------------------------------------------------------


def has_leaf(value: Any) -> bool:
    return any(not isinstance(v, dict) for _, v in walk(value))


@settings(PROPERTY, max_examples=150)
@given(mixed_bodies(CONTRACT))
def test_mixed_bodies_fail_while_their_valid_part_passes(mixed: MixedBody) -> None:
    invalid = mixed.invalid
    assert invalid.clause in MUST_REJECT_CLAUSES
    assert CONTRACT.request_errors(mixed.body) != []
    assert CONTRACT.request_errors(mixed.valid_part) == []
    assert CONTRACT.request_errors(invalid.body) != []
    assert has_leaf(mixed.valid_part), "the valid part changes something"
    assert without_part(mixed.body, invalid.path) == mixed.valid_part
    assert values_at(mixed.body, invalid.path) == values_at(invalid.body, invalid.path)
    assert values_at(mixed.valid_part, invalid.path) == []
    for depth in range(1, len(invalid.path)):
        assert None not in values_at(mixed.body, invalid.path[:depth]), "never under a null"


def mixed_features(mixed: MixedBody) -> Iterable[str]:
    path = mixed.invalid.path
    yield mixed.invalid.clause
    if len(path) > 1 and path[1] != ITEM and path[0] in mixed.valid_part:
        yield "merged into a complex value the valid part sends"


NAMED: dict[str, Sample] = {
    "mixed": (mixed_bodies(CONTRACT), mixed_features),
    **{clause: (INVALID[clause], invalid_features) for clause in INVALID_CLAUSES},
}


@pytest.mark.parametrize(
    "feature", [*sorted(MUST_REJECT_CLAUSES), "merged into a complex value the valid part sends"]
)
def test_mixed_bodies_can_produce(feature: str) -> None:
    assert can_produce(NAMED["mixed"], feature, sweep_size=100)


# -- gray cases ----------------------------------------------------------------------------------

GRAY = gray_cases(CONTRACT)


def canonical(body: Any) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False)


def test_gray_cases_are_fixed_and_named_uniquely() -> None:
    assert gray_cases(CONTRACT) == GRAY
    descriptions = [case.description for case in GRAY]
    assert len(set(descriptions)) == len(descriptions)


@pytest.mark.parametrize("case", GRAY, ids=[case.description for case in GRAY])
def test_gray_case_is_an_observation(case: GrayCase) -> None:
    assert CONTRACT.clauses[case.clause].level == "observe"
    assert isinstance(case.body, dict)
    assert case.body or case.clause == "body.empty"


def test_flag_combinations_are_the_gray_cases_naming_several_flags() -> None:
    combinations = [canonical(case.body) for case in flag_combinations(CONTRACT)]
    assert combinations == [
        canonical({"allowedAudiences": "family,contacts"}),
        canonical({"allowedAudiences": "family, contacts"}),
        canonical({"allowedAudiences": ",".join(_flags())}),
        canonical({"allowedAudiences": 3}),
    ]
    assert set(combinations) <= {canonical(case.body) for case in GRAY}


def _flags() -> list[str]:
    enum = CONTRACT.enums["allowedAudiences"]
    return [m for m in enum.sendable_members if enum.members[m] != 0]


def test_gray_cases_cover_the_documented_gray_zones() -> None:
    by_body = {canonical(case.body): case.clause for case in GRAY}
    gray_enum = "enum.allowedAudiences.gray"
    assert by_body[canonical({"allowedAudiences": "family,contacts"})] == gray_enum
    assert by_body[canonical({"allowedAudiences": 8})] == gray_enum
    assert by_body[canonical({"allowedAudiences": "ORGANIZATION"})] == gray_enum
    assert by_body[canonical({"allowedAudiences": EVOLVABLE_SENTINEL})] == gray_enum
    nested = "enum.nested.gray"
    assert by_body[canonical({"manager": {"relationship": "manager,colleague"}})] == nested
    assert by_body[canonical({"manager": {"relationship": EVOLVABLE_SENTINEL}})] == nested
    assert by_body[canonical({"colleagues": [{"relationship": "OTHER"}]})] == nested
    assert by_body[canonical({"detail": {"company": {"address": {"type": 3}}}})] == nested
    assert by_body[canonical({"categories": []})] == "collections.null-vs-empty"
    assert by_body[canonical({"colleagues": None})] == "collections.null-vs-empty"
    assert by_body[canonical({})] == "body.empty"
    annotations = [case.body for case in GRAY if case.clause == "body.annotations"]
    assert {"@odata.type": "microsoft.graph.workPosition", "allowedAudiences": "family"} in (
        annotations
    )
    assert any(
        body.get("detail", {}).get("@odata.type", "").startswith("#") for body in annotations
    )
    assert any("@graphcontract.note" in body for body in annotations)
    strings = [case.body for case in GRAY if case.clause == "strings.unusual"]
    assert {"categories": ["before\x00after"]} in strings
    assert {"categories": ["lone \ud800"]} in strings
    assert any("\\udc00" in json.dumps(body) for body in strings if "detail" in body)
    for name in CONTRACT.undocumented:
        assert any(case.clause == "properties.unknown" and name in case.body for case in GRAY)
    long = {case.description: case.body for case in GRAY if case.clause == "values.long"}
    assert len(long["categories: 200 items"]["categories"]) == 200
    colleagues = long["colleagues: 25 items"]["colleagues"]
    assert len({json.dumps(item) for item in colleagues}) == 25, "items are distinct"
    assert CONTRACT.request_errors({"colleagues": colleagues}) == []
    assert any(len(json.dumps(body)) > 65_536 for body in long.values() if "detail" in body)


GRAY_BODIES = frozenset(canonical(case.body) for case in GRAY)


@PROPERTY
@given(st.one_of([INVALID[clause] for clause in sorted(MUST_REJECT_CLAUSES)]))
def test_gray_cases_are_never_generated_as_invalid(case: InvalidBody) -> None:
    assert canonical(case.body) not in GRAY_BODIES
    assert canonical(wrap(case.path, values_at(case.body, case.path)[0])) not in GRAY_BODIES
