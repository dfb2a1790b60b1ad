"""Valid partial PATCH bodies: non-empty subsets of the documented updatable properties.

A valid body never carries read-only, undocumented or undeclared properties, annotations,
or ``{}`` as the whole body; every value in it validates against the request schema.
"""

from __future__ import annotations

from hypothesis.strategies import SearchStrategy

from graphcontract.contract import Contract
from graphcontract.types import JSON, JSONObject
from strategies.values import nested_names, property_values, subsets


def _updatable(contract: Contract, prop_name: str) -> None:
    if prop_name not in contract.updatable:
        known = ", ".join(contract.updatable)
        raise ValueError(f"{prop_name!r} is not an updatable property; updatable: {known}")


def valid_value_for(contract: Contract, prop_name: str) -> SearchStrategy[JSON]:
    """A valid value for one top-level updatable property (null included when nullable)."""
    _updatable(contract, prop_name)
    return property_values(contract, contract.entity.properties[prop_name], partial=True)


def changing_value_for(contract: Contract, prop_name: str) -> SearchStrategy[JSON]:
    """A valid value that changes something when sent: complex values carry at least one leaf."""
    _updatable(contract, prop_name)
    prop = contract.entity.properties[prop_name]
    return property_values(contract, prop, partial=True, nonempty=True)


def updatable_subsets(contract: Contract, *, min_size: int = 0) -> SearchStrategy[JSONObject]:
    """Objects with at least ``min_size`` of the updatable properties, each with a valid value."""
    values = {name: valid_value_for(contract, name) for name in contract.updatable}
    likely = nested_names(contract, contract.entity) & set(values)
    return subsets(values, min_size, likely=likely, likely_odds=2)


def valid_bodies(contract: Contract) -> SearchStrategy[JSONObject]:
    """Any non-empty subset of the updatable properties, each with a valid (partial) value."""
    return updatable_subsets(contract, min_size=1)
