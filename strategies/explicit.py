"""Deterministic cases for the ``ci`` profile that neither the edge-case catalog (valid values
at every site, one write) nor the state machine (histories of writes) sends: the classic wrong
values of every Edm type at every place, every read-only property, @odata.type control
information that agrees with the metadata; and the every-property writes both build on.

Generation finds what nobody thought of; these lists make sure that what everybody thinks of
is sent on every run, in the same order, whatever Hypothesis draws. Everything is derived from
the Contract.
"""

from __future__ import annotations

from collections.abc import Callable

from graphcontract.contract import (
    EVOLVABLE_SENTINEL,
    Contract,
    EnumSpec,
    PropertySpec,
    StructuredType,
)
from graphcontract.types import JSON, JSONObject, Path
from strategies.invalid import (
    READ_ONLY,
    READ_ONLY_REASON,
    InvalidBody,
    foreign_members,
    read_only_probe,
    short_json,
)
from strategies.values import Place, dotted, item_path, request_objects, request_places, wrap

TYPES = "types.rejects"

_WRONG_PRIMITIVES: dict[str, tuple[tuple[JSON, str], ...]] = {
    "Edm.String": ((1, "String given a number"), (True, "String given a boolean")),
    "Edm.Boolean": (("true", "Boolean given a string"), (1, "Boolean given a number")),
    "Edm.Int32": (
        (1.5, "Int32 given a fraction"),
        (2**31, "Int32 out of range"),
        ("1", "Int32 given a string"),
    ),
    "Edm.Double": (("0.5", "Double given a string"), (True, "Double given a boolean")),
    "Edm.Date": (
        ("datetime-value", "Date placeholder from the docs"),
        ("2020-02-30", "Date that does not exist"),
        ("2020-07-06T06:34:12Z", "Date given a date-time"),
        ("2020-07-06T00:00:00Z", "Date given a midnight date-time"),
        ("2020-7-6", "Date without zero padding"),
    ),
}
"""The classic wrong values of each Edm type (the ones real services get wrong)."""

_VALID_PRIMITIVES: dict[str, JSON] = {
    "Edm.Boolean": False,
    "Edm.Int32": -(2**31),
    "Edm.Double": 0.1,
    "Edm.Date": "2000-02-29",
}


def _distinct_string(path: Path) -> str:
    """A valid string that names its place and mixes scripts (echo must be byte-exact)."""
    return f"{dotted(path)} · Ωμέγα 東京 🚀"


def valid_leaf(contract: Contract, place: Place) -> JSON:
    prop = place.prop
    if contract.is_enum(prop.type_name):
        members = contract.enums[prop.type_name].sendable_members
        return members[len(place.path) % len(members)]
    if prop.type_name == "Edm.String":
        return _distinct_string(place.path)
    return _VALID_PRIMITIVES[prop.type_name]


def lively_leaf(contract: Contract, place: Place) -> JSON:
    """A valid value that is not its type's default: ``true``, an enum member other than
    the first (the zero a non-nullable field falls back to), a non-zero number. A property
    reset to its default then shows as a change."""
    prop = place.prop
    if contract.is_enum(prop.type_name):
        members = contract.enums[prop.type_name].sendable_members
        return members[1 + len(place.path) % (len(members) - 1)] if len(members) > 1 else members[0]
    if prop.type_name == "Edm.Boolean":
        return True
    return valid_leaf(contract, place)


Leaf = Callable[[Contract, Place], JSON]


def _full_object(contract: Contract, type_name: str, prefix: Path, leaf: Leaf) -> JSONObject:
    """Every declared property of a (non-open) complex type, with a distinctive valid value."""
    out: JSONObject = {}
    for prop in contract.structured(type_name).properties.values():
        path = (*prefix, prop.name)
        place = Place(path, prop, contract.structured(type_name))
        out[prop.name] = _valid_value(contract, place, leaf)
    return out


def _valid_value(contract: Contract, place: Place, leaf: Leaf = valid_leaf) -> JSON:
    prop = place.prop
    if contract.is_structured(prop.type_name):
        item = _full_object(contract, prop.type_name, item_path(place), leaf)
        return [item] if prop.collection else item
    value = leaf(contract, place)
    return [value, _distinct_string((*place.path, "2"))] if prop.collection else value


def annotated_bodies(contract: Contract) -> dict[str, JSONObject]:
    """Named valid bodies carrying type control information that agrees with the metadata:
    ``@odata.type`` of the position, of every complex value on the way to a nested property,
    and of an Edm.Date as a property annotation (``endMonthYear@odata.type: "#Date"``).
    OData JSON 4.01 section 4.5.3 lets a request carry them when they do not contradict the
    metadata, so they are the same updates."""
    bodies: dict[str, JSONObject] = {}
    top = first_scalar_place(contract)
    bodies["@odata.type of the position"] = {
        "@odata.type": contract.type_annotation(contract.entity.name),
        top.prop.name: valid_leaf(contract, top),
    }
    path, spec = max(
        ((p, s) for p, s in request_objects(contract) if "[]" not in p and not s.open_type),
        key=lambda entry: len(entry[0]),
    )
    scalar = _first_scalar(contract, path, spec)
    if scalar is not None:
        types = []
        owner = contract.entity
        for name in path:
            types.append(owner.properties[name].type_name)
            owner = contract.structured(types[-1])
        node: JSONObject = {scalar.prop.name: valid_leaf(contract, scalar)}
        for name, type_name in zip(reversed(path), reversed(types), strict=True):
            node = {name: {"@odata.type": contract.type_annotation(type_name), **node}}
        entity_type = contract.type_annotation(contract.entity.name)
        bodies[f"@odata.type at every level to {dotted(scalar.path)}"] = {
            "@odata.type": entity_type,
            **node,
        }
    for place in request_places(contract):
        if place.prop.type_name == "Edm.Date" and "[]" not in place.path:
            name = place.prop.name
            leaf = {f"{name}@odata.type": contract.type_annotation(place.prop.type_name)}
            bodies[f"{dotted(place.path)}@odata.type"] = wrap(
                place.path[:-1], {**leaf, name: valid_leaf(contract, place)}
            )
            break
    return bodies


def first_scalar_place(contract: Contract) -> Place:
    """The first single-valued primitive or enum property a client may write at the top."""
    for place in request_places(contract):
        prop = place.prop
        if (
            len(place.path) == 1
            and not prop.collection
            and not contract.is_structured(prop.type_name)
        ):
            return place
    raise ValueError("the contract has no single-valued updatable scalar")


def every_property_body(contract: Contract, leaf: Leaf = valid_leaf) -> JSONObject:
    """Every updatable property with a distinctive value, complex values complete: after it,
    every nullable place outside collections holds a value."""
    top = [p for p in request_places(contract) if len(p.path) == 1]
    return {p.prop.name: _valid_value(contract, p, leaf) for p in top}


def lively_body(contract: Contract) -> JSONObject:
    """A write of every property with values that are not their types' defaults (the state
    machine's first step): an omitted sibling later reset to 0, false or a first member then
    shows as a change."""
    return every_property_body(contract, lively_leaf)


def _first_scalar(
    contract: Contract, path: Path, spec: StructuredType, *, top: bool = False
) -> Place | None:
    """The first single-valued primitive or enum property (at the top, an updatable one)."""
    for prop in spec.properties.values():
        if top and prop.access != "updatable":
            continue
        if not prop.collection and (prop.is_primitive or contract.is_enum(prop.type_name)):
            return Place((*path, prop.name), prop, spec)
    return None


def _wrong_values(contract: Contract, prop: PropertySpec) -> list[tuple[JSON, str]]:
    if contract.is_enum(prop.type_name):
        return []
    if contract.is_structured(prop.type_name):
        return [("x", f"{prop.type_name} given a string"), ([], f"{prop.type_name} given an array")]
    return list(_WRONG_PRIMITIVES.get(prop.type_name, ()))


def _enum_wrongs(contract: Contract, enum: EnumSpec) -> list[tuple[JSON, str]]:
    foreign = [
        (name, f"a member of another enum, not of {enum.name}")
        for name in foreign_members(contract, enum)[:1]
    ]
    sentinel = [
        (name, f"{enum.name} has no {name}")
        for name in foreign_members(contract, enum)
        if name == EVOLVABLE_SENTINEL
    ]
    return [
        *foreign,
        *sentinel,
        ("graphcontract-not-a-member", f"not a member of {enum.name}"),
        ("", f"empty string for {enum.name}"),
        (True, f"{enum.name} given a boolean"),
    ]


def explicit_invalid_bodies(contract: Contract, clause: str) -> list[InvalidBody]:
    """Named must-reject bodies for ``clause``: every place of the body with the classic wrong
    values of its type (types.rejects), or every enum site with non-members (enum clauses)."""
    cases: list[InvalidBody] = []
    for place in request_places(contract):
        prop = place.prop
        if clause == TYPES:
            if prop.collection:
                item = "x" if contract.is_structured(prop.type_name) else 1
                for value, why in (
                    ("x", f"Collection({prop.type_name}) given a string"),
                    ([item], f"Collection({prop.type_name}) with a wrong item"),
                ):
                    cases.append(_case(TYPES, place.path, value, why))
                continue
            for value, why in _wrong_values(contract, prop):
                cases.append(_case(TYPES, place.path, value, why))
        elif contract.is_enum(prop.type_name):
            site_clause = "enum.allowedAudiences.rejects" if len(place.path) == 1 else "enum.nested"
            if site_clause == clause:
                for value, why in _enum_wrongs(contract, contract.enums[prop.type_name]):
                    cases.append(_case(clause, place.path, value, why))
    return cases


def explicit_read_only_bodies(contract: Contract) -> list[InvalidBody]:
    """One body per read-only property, carrying a value no server would produce (a complex
    one with its first nested value filled), so that each is sent on every run."""
    return [
        _case(
            READ_ONLY,
            (name,),
            read_only_probe(contract, contract.entity.properties[name], 0),
            READ_ONLY_REASON,
        )
        for name in contract.read_only
    ]


def _case(clause: str, path: Path, value: JSON, why: str) -> InvalidBody:
    return InvalidBody(
        clause=clause,
        description=f"{dotted(path)}: {short_json(value)} ({why})",
        path=path,
        body=wrap(path, value),
    )
