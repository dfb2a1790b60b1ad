"""Gray-zone cases: bodies the documentation leaves open. Whether the target accepts one is
recorded at observe level; what an accepted one does to the position is judged like any update.

A fixed, deterministic list (for ``pytest.mark.parametrize``): ``{}`` as the whole body;
allowedAudiences flags combinations, numeric values, case variants and the evolvable sentinel,
and the same forms (fewer of them) at the nested enums; undeclared and undocumented
properties; ``[]``, ``null`` and null members for collections; ``@odata.type`` in the docs'
form (no ``#``) or contradicting the metadata, and a custom instance annotation; strings
holding U+0000 or a lone surrogate. The invalid strategies never produce any of these as
must-reject values, the valid ones never as must-accept values.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphcontract.contract import EVOLVABLE_SENTINEL, Contract, EnumSpec, PropertySpec
from graphcontract.types import JSON
from strategies.explicit import every_property_body, first_scalar_place, valid_leaf
from strategies.values import Place, dotted, item_path, request_objects, request_places, wrap

UNKNOWN_CLAUSE = "properties.unknown"
COLLECTIONS_CLAUSE = "collections.null-vs-empty"
EMPTY_CLAUSE = "body.empty"
ANNOTATIONS_CLAUSE = "body.annotations"
STRINGS_CLAUSE = "strings.unusual"
LONG_CLAUSE = "values.long"
LONG_STRINGS = (4_001, 65_536)
"""Past the common column widths (4,000: SQL Server's nvarchar; 65,535: MySQL's TEXT)."""
LONG_COLLECTIONS = (25, 200)
UNKNOWN_NAME = "graphcontractUnknown"


@dataclass(frozen=True)
class GrayCase:
    """One open body: whether it is accepted is recorded under an observe-level clause."""

    clause: str
    description: str
    body: JSON


def _enum_forms(enum: EnumSpec, *, every_member: bool) -> list[tuple[JSON, str]]:
    """The open forms of ``enum``'s values; numbers and upper case for every member, or
    (``every_member=False``, nested sites) for one, so each site costs a handful of requests."""
    members = enum.sendable_members
    forms: list[tuple[JSON, str]] = []
    if enum.is_flags:
        flags = [m for m in members if enum.members[m] != 0]
        if len(flags) >= 2:
            a, b = flags[0], flags[1]
            forms += [
                (f"{a},{b}", "flags combination"),
                (f"{a}, {b}", "flags combination with a space"),
                (",".join(flags), "every flag"),
                (enum.members[a] | enum.members[b], "numeric flags combination"),
            ]
    elif len(members) >= 2:
        forms.append((f"{members[0]},{members[1]}", "comma list of a non-flags enum"))
    chosen = members if every_member else members[-1:]
    for member in chosen:
        forms.append((enum.members[member], f"numeric value of {member}"))
    forms.append((str(enum.members[members[-1]]), f"numeric string for {members[-1]}"))
    for member in chosen:
        if member.upper() != member:
            forms.append((member.upper(), f"upper-case {member}"))
    capital = members[-1][:1].upper() + members[-1][1:]
    if capital != members[-1]:
        forms.append((capital, f"capitalised {members[-1]}"))
    if EVOLVABLE_SENTINEL in enum.members:
        forms.append((EVOLVABLE_SENTINEL, "the evolvable sentinel"))
    return forms


def _enum_cases(contract: Contract, *, combinations_only: bool = False) -> list[GrayCase]:
    cases = []
    for site in contract.enum_sites():
        gray = site.clause.removesuffix(".rejects") + ".gray"
        if gray not in contract.clauses or (combinations_only and not site.enum.is_flags):
            continue
        top_level = len(site.path) == 1
        for value, why in _enum_forms(site.enum, every_member=top_level):
            if combinations_only and not _names_several(value):
                continue
            text = f"{dotted(site.path)}: {value!r} ({why})"
            cases.append(GrayCase(gray, text, wrap(site.path, value)))
    return cases


def _names_several(value: JSON) -> bool:
    """A comma list of two or more names, or a number with two or more bits set."""
    if isinstance(value, str):
        return len([name for name in value.split(",") if name.strip()]) > 1
    return isinstance(value, int) and not isinstance(value, bool) and value & (value - 1) > 0


def flag_combinations(contract: Contract) -> list[GrayCase]:
    """The gray cases whose value names several members of a flags enum. A service may refuse
    them; one that accepts a combination stores all its members, and a later write that leaves
    the property out must keep them all (merge.omitted-preserved)."""
    return _enum_cases(contract, combinations_only=True)


def _typical(contract: Contract, prop: PropertySpec) -> JSON:
    simple: dict[str, JSON] = {
        "Edm.String": "graphcontract",
        "Edm.Boolean": True,
        "Edm.Int32": 1,
        "Edm.Double": 0.5,
        "Edm.Date": "2020-01-01",
        "Edm.DateTimeOffset": "2020-01-01T00:00:00Z",
    }
    if contract.is_enum(prop.type_name):
        item: JSON = contract.enums[prop.type_name].sendable_members[0]
    elif contract.is_structured(prop.type_name):
        item = {}
    else:
        item = simple[prop.type_name]
    return [item] if prop.collection else item


def _unknown_cases(contract: Contract) -> list[GrayCase]:
    cases = []
    for prefix, owner in request_objects(contract):
        if owner.open_type:
            continue
        name = UNKNOWN_NAME
        while name.casefold() in {n.casefold() for n in owner.properties}:
            name += "X"
        path = (*prefix, name)
        text = f"{dotted(path)}: undeclared on {owner.name}"
        cases.append(GrayCase(UNKNOWN_CLAUSE, text, wrap(path, "graphcontract")))
    for name in contract.undocumented:
        value = _typical(contract, contract.entity.properties[name])
        text = f"{name}: {value!r} (declared, not documented as updatable)"
        cases.append(GrayCase(UNKNOWN_CLAUSE, text, {name: value}))
    return cases


def _collection_cases(contract: Contract) -> list[GrayCase]:
    cases = []
    for place in request_places(contract):
        if not place.prop.collection:
            continue
        where = dotted(place.path)
        cases += [
            GrayCase(
                COLLECTIONS_CLAUSE, f"{where}: [] (may read back as null)", wrap(place.path, [])
            ),
            GrayCase(
                COLLECTIONS_CLAUSE, f"{where}: null sent for a collection", wrap(place.path, None)
            ),
            GrayCase(COLLECTIONS_CLAUSE, f"{where}: a null member", wrap(item_path(place), None)),
        ]
    return cases


def _annotation_cases(contract: Contract) -> list[GrayCase]:
    """Control information the metadata does not back: the docs' ``@odata.type`` without its
    ``#``, a type that contradicts the declared one, an annotation of no known vocabulary."""
    top = first_scalar_place(contract)
    named = {top.prop.name: valid_leaf(contract, top)}
    entity = contract.type_annotation(contract.entity.name)
    cases = [
        GrayCase(
            ANNOTATIONS_CLAUSE,
            f"@odata.type {entity[1:]!r} (the docs' form, no '#')",
            {"@odata.type": entity[1:], **named},
        ),
        GrayCase(
            ANNOTATIONS_CLAUSE,
            "@odata.graphcontractNote (control information of no OData version)",
            {"@odata.graphcontractNote": "x", **named},
        ),
        GrayCase(
            ANNOTATIONS_CLAUSE,
            "@graphcontract.note (an instance annotation of a vocabulary nobody knows)",
            {"@graphcontract.note": "sent by graphcontract", **named},
        ),
    ]
    nested = next(
        (p for p in request_places(contract) if len(p.path) == 1 and _is_complex(contract, p)),
        None,
    )
    if nested is None:
        return cases
    spec = contract.structured(nested.prop.type_name)
    inner = next(
        Place((*nested.path, p.name), p, spec)
        for p in spec.properties.values()
        if not p.collection and not contract.is_structured(p.type_name)
    )
    value = {inner.prop.name: valid_leaf(contract, inner)}
    declared = contract.type_annotation(spec.name)
    other = next(t for t in contract.types if t != spec.name)
    where = dotted(nested.path)
    cases += [
        GrayCase(
            ANNOTATIONS_CLAUSE,
            f"{where}@odata.type {declared[1:]!r} (the docs' form, no '#')",
            {nested.prop.name: {"@odata.type": declared[1:], **value}},
        ),
        GrayCase(
            ANNOTATIONS_CLAUSE,
            f"{where}@odata.type {contract.type_annotation(other)!r} (contradicts {spec.name})",
            {nested.prop.name: {"@odata.type": contract.type_annotation(other), **value}},
        ),
    ]
    return cases


def _is_complex(contract: Contract, place: Place) -> bool:
    return contract.is_structured(place.prop.type_name) and not place.prop.collection


UNUSUAL_STRINGS = (
    ("before\x00after", "U+0000 inside"),
    ("lone \ud800", "a lone high surrogate, sent as the escape \\ud800"),
    ("\udc00 lone", "a lone low surrogate, sent as the escape \\udc00"),
)
"""Strings JSON can carry that stores often cannot: U+0000 (PostgreSQL text, XML) and lone
surrogates (valid JSON escapes, not Unicode scalar values: UTF-8 encoders refuse them)."""


def _string_cases(contract: Contract) -> list[GrayCase]:
    strings = [
        p
        for p in request_places(contract)
        if p.prop.type_name == "Edm.String" and "[]" not in p.path
    ]
    single = next((p for p in strings if not p.prop.collection and len(p.path) > 1), None)
    many = next((p for p in strings if p.prop.collection), None)
    cases = []
    for place in (single, many):
        if place is None:
            continue
        for value, why in UNUSUAL_STRINGS:
            leaf: JSON = [value] if place.prop.collection else value
            text = f"{dotted(item_path(place))}: {why}"
            cases.append(GrayCase(STRINGS_CLAUSE, text, wrap(place.path, leaf)))
    return cases


def _long_cases(contract: Contract) -> list[GrayCase]:
    """Values longer than anything the documentation bounds: a store may refuse them (400)
    but not cut them (a 200 whose value reads back shorter fails response.echo)."""
    places = request_places(contract)
    strings = [p for p in places if p.prop.type_name == "Edm.String" and "[]" not in p.path]
    # A nested string when the facet has one (detail.jobTitle), else a top-level one.
    nested = [p for p in strings if len(p.path) > 1]
    cases = []
    for text in (nested or strings)[:1]:
        cases += _long_strings(text)
    filled = every_property_body(contract)
    for place in (p for p in places if p.prop.collection and len(p.path) == 1):
        for count in LONG_COLLECTIONS:
            items = [
                _numbered(contract, place, filled[place.prop.name][0], n) for n in range(count)
            ]
            cases.append(
                GrayCase(
                    LONG_CLAUSE, f"{dotted(place.path)}: {count} items", wrap(place.path, items)
                )
            )
    return cases


def _long_strings(text: Place) -> list[GrayCase]:
    cases = []
    for size in LONG_STRINGS:
        value = ("long value · Ωμέγα " * (size // 19 + 1))[:size]
        cases.append(
            GrayCase(
                LONG_CLAUSE, f"{dotted(text.path)}: {size:,} characters", wrap(text.path, value)
            )
        )
    return cases


def _numbered(contract: Contract, place: Place, item: JSON, n: int) -> JSON:
    """``item`` made distinct: a string with ``n`` appended, or an object whose String
    properties each get ``n`` appended (a store that drops duplicate items would not show)."""
    if isinstance(item, str):
        return f"{item} {n}"
    if isinstance(item, dict) and contract.is_structured(place.prop.type_name):
        props = contract.structured(place.prop.type_name).properties
        return {
            k: f"{v} {n}" if k in props and props[k].type_name == "Edm.String" else v
            for k, v in item.items()
        }
    return item


def gray_cases(contract: Contract) -> list[GrayCase]:
    """Every gray-zone case, in a fixed order (descriptions are unique: use them as ids)."""
    empty = GrayCase(EMPTY_CLAUSE, "{} as the whole body (names nothing)", {})
    cases = [
        *_enum_cases(contract),
        *_unknown_cases(contract),
        *_collection_cases(contract),
        *_annotation_cases(contract),
        *_string_cases(contract),
        *_long_cases(contract),
    ]
    return [empty, *cases]
