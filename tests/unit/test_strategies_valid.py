"""The strategies/ package, valid side: valid bodies, values and complex values.

Properties check every drawn body or value against the request schema (or its Edm type);
coverage sweeps check that each property, enum member at each enum site, nesting depth, null,
string and Int32 edge and collection size can actually be produced.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphcontract.contract import EVOLVABLE_SENTINEL
from graphcontract.oracles.compare import at
from graphcontract.runner.sequence_parts import EDITS, edit, edited_places, value_at
from graphcontract.types import is_annotation
from strategies import (
    annotated_bodies,
    complex_values,
    edm_values,
    lively_body,
    valid_bodies,
    valid_value_for,
    wrap,
)
from strategies.edge_cases import cases_at, edge_sites
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

NESTED_OBJECTS = [path for path, _ in request_objects(CONTRACT)[1:]]
# Strategies are built once: building one is far dearer than drawing from it.
VALID_FOR = {name: valid_value_for(CONTRACT, name) for name in CONTRACT.updatable}


COMPLEX_PLACES = {
    CONTRACT.structured(p.prop.type_name).name: p
    for p in PLACES.values()
    if CONTRACT.is_structured(p.prop.type_name)
}


COMPLEX = {
    (name, partial): complex_values(CONTRACT, name, partial=partial)
    for name in COMPLEX_PLACES
    for partial in (True, False)
}
EDM_CHECKS: dict[str, Callable[[Any], bool]] = {
    "Edm.String": lambda v: isinstance(v, str) and "\x00" not in v,
    "Edm.Boolean": lambda v: isinstance(v, bool),
    "Edm.Int32": lambda v: type(v) is int and -(2**31) <= v <= 2**31 - 1,
    "Edm.Double": lambda v: type(v) in (int, float) and math.isfinite(v),
    "Edm.Date": lambda v: re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None,
    "Edm.DateTimeOffset": lambda v: isinstance(v, str) and v.endswith("Z"),
}
EDM = {name: edm_values(CONTRACT, name) for name in [*EDM_CHECKS, *CONTRACT.enums]}


@PROPERTY
@given(valid_bodies(CONTRACT))
def test_valid_bodies_validate(body: dict[str, Any]) -> None:
    assert CONTRACT.request_errors(body) == []
    assert body, "the whole body is never {}"
    assert set(body) <= set(CONTRACT.updatable)
    for path, value in walk(body):
        assert not any(part.startswith("@") for part in path), path
        if path[-1:] == (ITEM,):
            assert value is not None, f"null member at {dotted(path)}"
        elif path and (spec := spec_at(path)) is not None and spec.collection:
            assert value is not None, f"null collection at {dotted(path)}"
            assert len(value) <= 4


@pytest.mark.parametrize("prop", CONTRACT.updatable)
@FEW
@given(data=st.data())
def test_valid_value_for_each_property_validates(prop: str, data: st.DataObject) -> None:
    value = data.draw(VALID_FOR[prop])
    assert CONTRACT.request_errors({prop: value}) == []


@pytest.mark.parametrize("name", ["id", "isSearchable", "nope"])
def test_valid_value_for_refuses_non_updatable_properties(name: str) -> None:
    with pytest.raises(ValueError, match="not an updatable property"):
        valid_value_for(CONTRACT, name)


@pytest.mark.parametrize("partial", [True, False], ids=["partial", "complete"])
@pytest.mark.parametrize("type_name", sorted(COMPLEX_PLACES))
@settings(FEW, max_examples=20)
@given(data=st.data())
def test_complex_values_validate_where_the_type_is_used(
    type_name: str, partial: bool, data: st.DataObject
) -> None:
    value = data.draw(COMPLEX[type_name, partial])
    declared = set(CONTRACT.structured(type_name).properties)
    if partial:
        assert set(value) <= declared
    else:
        assert set(value) == declared
    body = wrap(item_path(COMPLEX_PLACES[type_name]), value)
    assert CONTRACT.request_errors(body) == []


@pytest.mark.parametrize("type_name", [*EDM_CHECKS, *CONTRACT.enums])
@FEW
@given(data=st.data())
def test_edm_values_are_valid_for_their_type(type_name: str, data: st.DataObject) -> None:
    value = data.draw(EDM[type_name])
    if type_name in CONTRACT.enums:
        assert value in CONTRACT.enums[type_name].sendable_members
        assert value != EVOLVABLE_SENTINEL
    else:
        assert EDM_CHECKS[type_name](value), value
    json.dumps(value, allow_nan=False).encode("utf-8")  # no NaN, no lone surrogate


# -- coverage ------------------------------------------------------------------------------------


def valid_features(body: dict[str, Any]) -> Iterable[str]:
    for path, value in walk(body):
        if len(path) == 1:
            yield f"property {path[0]}"
        if path in ENUM_SITES and value is not None:
            yield f"{dotted(path)}="
            yield f"{dotted(path)}={value}"
        spec = spec_at(path) if path else None
        if value is None and spec is not None:
            yield f"null at depth {len([p for p in path if p != ITEM])}"
        if isinstance(value, dict) and path in NESTED_OBJECTS:
            declared = CONTRACT.structured(
                PLACES[path[:-1] if path[-1] == ITEM else path].prop.type_name
            ).properties
            if 0 < len(value) < len(declared):
                yield f"partial {dotted(path)}"
        if isinstance(value, str):
            if any(ord(c) > 127 for c in value):
                yield "non-ASCII string"
            if len(value) > 255:
                yield "string longer than 255"
            if value == "":
                yield "empty string"
        if spec is not None and spec.type_name == "Edm.Int32" and value is not None:
            yield {-(2**31): "Int32 minimum", 2**31 - 1: "Int32 maximum", 0: "Int32 zero"}.get(
                value, "Int32 other"
            )
        if isinstance(value, list):
            yield f"collection of {len(value)}"


NAMED: dict[str, Sample] = {
    "valid": (valid_bodies(CONTRACT), valid_features),
    **{
        f"value {name}": (VALID_FOR[name].map(functools.partial(wrap, (name,))), valid_features)
        for name in CONTRACT.updatable
    },
}


def _max_depth() -> int:
    return max(len([p for p in path if p != ITEM]) for path in PLACES)


VALID_FEATURES = [
    *(f"property {name}" for name in CONTRACT.updatable),
    *(f"{dotted(path)}=" for path in ENUM_SITES),
    *(f"partial {dotted(path)}" for path in NESTED_OBJECTS),
    *(f"null at depth {d}" for d in range(1, _max_depth() + 1)),
    "non-ASCII string",
    "string longer than 255",
    "empty string",
    "Int32 minimum",
    "Int32 maximum",
    "Int32 zero",
    "collection of 0",
    "collection of 4",
]


@pytest.mark.parametrize("feature", VALID_FEATURES)
def test_valid_bodies_can_produce(feature: str) -> None:
    assert can_produce(NAMED["valid"], feature, sweep_size=600)


MEMBERS = [
    (path[0], f"{dotted(path)}={member}")
    for path, site in ENUM_SITES.items()
    for member in site.enum.sendable_members
]


@pytest.mark.parametrize(("prop", "feature"), MEMBERS, ids=[feature for _, feature in MEMBERS])
def test_every_sendable_member_can_be_sent_at_every_enum_site(prop: str, feature: str) -> None:
    # valid_bodies draws each property's value from valid_value_for, and the test above shows
    # it reaches every enum site; searching the one property's values is far cheaper.
    assert can_produce(NAMED[f"value {prop}"], feature, sweep_size=300)


def test_valid_features_name_the_documented_nesting() -> None:
    expected = {"detail", "detail.company", "detail.company.address", "inference", "manager"}
    assert expected | {"colleagues[]"} == {dotted(p) for p in NESTED_OBJECTS}
    assert ("manager", "manager.relationship=friend") in MEMBERS
    assert ("colleagues", "colleagues[].relationship=friend") in MEMBERS
    assert ("detail", "detail.company.address.type=home") in MEMBERS


def _annotations(body: Any) -> list[tuple[str, Any]]:
    if isinstance(body, list):
        return [found for item in body for found in _annotations(item)]
    if not isinstance(body, dict):
        return []
    own = [(key, value) for key, value in body.items() if is_annotation(key)]
    return own + [found for value in body.values() for found in _annotations(value)]


ANNOTATED = annotated_bodies(CONTRACT)


def test_annotated_bodies_name_the_position_nested_values_and_a_primitive() -> None:
    keys = [key for body in ANNOTATED.values() for key, _ in _annotations(body)]
    assert keys.count("@odata.type") >= 3  # the position and at least two nested levels
    assert any(key.endswith("@odata.type") and key != "@odata.type" for key in keys)


@pytest.mark.parametrize("name", ANNOTATED, ids=list(ANNOTATED))
def test_annotated_bodies_are_valid_updates_with_agreeing_types(name: str) -> None:
    body = ANNOTATED[name]
    assert CONTRACT.request_errors(body) == []
    found = _annotations(body)
    assert found, "every annotated body carries control information"
    assert all(str(value).startswith("#") for _, value in found)
    assert any(not is_annotation(key) for key in body), "and names a property to update"


LIVELY = lively_body(CONTRACT)
OUTSIDE_COLLECTIONS = [p for p in PLACES.values() if ITEM not in p.path and not p.prop.collection]


def test_the_lively_write_is_valid_and_holds_no_default_at_any_scalar() -> None:
    """0, false, "" or a first enum member would hide a property reset to its default."""
    assert CONTRACT.request_errors(LIVELY) == []
    for place in OUTSIDE_COLLECTIONS:
        if CONTRACT.is_structured(place.prop.type_name):
            continue
        value = at(LIVELY, place.path)
        assert value not in (None, 0, False, ""), dotted(place.path)
        if CONTRACT.is_enum(place.prop.type_name):
            assert value != CONTRACT.enums[place.prop.type_name].sendable_members[0]


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


EDITED = [(path, how) for path in edited_places(LIVELY) for how in EDITS]


@pytest.mark.parametrize(("path", "how"), EDITED, ids=[f"{p}-{h}" for p, h in EDITED])
def test_each_edit_of_the_lively_write_is_valid_and_changes_case_accents_order_or_nothing(
    path: str, how: str
) -> None:
    """The state machine's edit-and-undo: a restatement, or a change a store comparing case-,
    accent- or order-insensitively skips (a collection's items also reversed, a complex item
    restated with fewer properties)."""
    written = value_at(LIVELY, path)
    changed = edit(written, how)
    assert CONTRACT.request_errors(wrap(tuple(path.split(".")), changed)) == []
    if how == "restate":
        assert changed == written
        return
    assert changed != written
    if isinstance(written, list):
        assert len(changed) == len(written)
        pairs = list(zip(reversed(written), changed, strict=True))
    else:
        pairs = [(written, changed)]
    for old, new in pairs:
        if isinstance(old, dict):
            assert new.items() < old.items(), "the same values, fewer of them"
        elif how in ("upper", "lower"):
            assert new.casefold() == old.casefold()
        elif how == "accents":
            assert _without_accents(new) == _without_accents(old)
            assert new != old
        else:
            assert new.startswith(old)


def test_every_nullable_place_outside_collections_gets_a_null_from_the_catalog_or_the_machine():
    """The catalog nulls every nullable leaf of every complex site; the state machine nulls
    every nullable top-level property after its filling write."""
    nulled = {
        (*site.path, name)
        for site in edge_sites(CONTRACT)
        for case in cases_at(CONTRACT, site)
        if isinstance(case.value, dict)
        for name, value in case.value.items()
        if value is None
    }
    nulled |= {(n,) for n in CONTRACT.updatable if CONTRACT.entity.properties[n].nullable}
    wanted = {p.path for p in OUTSIDE_COLLECTIONS if p.prop.nullable}
    assert wanted <= nulled, sorted(dotted(p) for p in wanted - nulled)
