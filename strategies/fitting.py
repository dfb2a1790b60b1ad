"""The hand-written cases of the contract suite, fitted to the selected facet.

The suite's hand-written bodies name workPosition's properties (``detail.jobTitle``,
``isCurrent``). On another facet a case whose names the facet does not declare is left out
(the generated and per-place cases cover every facet's own places), and a probe body the
suite needs on every facet (the /users and media-type probes) becomes the facet's first
string place carrying the same text. On workPosition every case is kept as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from graphcontract.contract import Contract, StructuredType
from graphcontract.types import JSON, JSONObject, Path
from strategies.explicit import lively_leaf
from strategies.values import request_places, wrap

T = TypeVar("T")


def declares(contract: Contract, body: JSON) -> bool:
    """Whether every property name in ``body`` (at every depth, annotations aside) is one
    the facet declares where it stands; the values may be wrong (refusal cases)."""
    if not isinstance(body, dict):
        return False
    return _declared(contract, contract.entity, body, top=True)


def _declared(contract: Contract, spec: StructuredType, body: JSONObject, *, top: bool) -> bool:
    for name, value in body.items():
        if "@" in name:
            continue
        prop = spec.properties.get(name)
        if prop is None or (top and prop.access != "updatable"):
            return False
        if not contract.is_structured(prop.type_name) or spec.open_type:
            continue
        inner = contract.structured(prop.type_name)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and not _declared(contract, inner, item, top=False):
                return False
    return True


def string_places(contract: Contract) -> list[Path]:
    """The single-valued String places outside collections, nested ones first
    (``detail.jobTitle`` before ``displayName``)."""
    found = [
        p.path
        for p in request_places(contract)
        if p.prop.type_name == "Edm.String" and not p.prop.collection and "[]" not in p.path
    ]
    return [p for p in found if len(p) > 1] + [p for p in found if len(p) == 1]


def text_body(contract: Contract, text: str) -> JSONObject:
    """A valid body writing ``text`` at the facet's first string place; on a facet without
    one (personAnnualEvent), a lively value at its first single-valued place."""
    places = string_places(contract)
    if places:
        return wrap(places[0], text)
    for place in request_places(contract):
        single = not place.prop.collection and "[]" not in place.path
        if single and not contract.is_structured(place.prop.type_name):
            return wrap(place.path, lively_leaf(contract, place))
    raise ValueError(f"{contract.facet} has no single-valued property to write")


def fitted(contract: Contract, body: JSONObject, text: str) -> JSONObject:
    """``body`` when the facet takes it as a valid body, else :func:`text_body`."""
    if declares(contract, body) and not contract.request_errors(body):
        return body
    return text_body(contract, text)


def fitting(contract: Contract, cases: Mapping[str, T]) -> dict[str, T]:
    """The cases whose body (the value itself, or its last item for a ``(clause, body)``
    pair) names only properties the facet declares."""
    kept: dict[str, T] = {}
    for name, case in cases.items():
        body = case[-1] if isinstance(case, tuple) else case
        if declares(contract, body):
            kept[name] = case
    return kept
