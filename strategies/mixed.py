"""Mixed bodies: a valid partial body with exactly one must-reject part inserted into it.

They check atomicity (atomic.rejected): a server must refuse the whole body and apply none of
the valid part. The valid part always changes something outside the invalid path, so a server
that applies it before noticing the fault is caught; it is merged with the invalid part where
both go through the same complex value, and never leaves a null or a collection on the path.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from graphcontract.contract import Contract
from graphcontract.types import JSON, JSONObject, Path
from strategies.invalid import (
    InvalidBody,
    Part,
    invalid_parts,
    short_json,
    sited_clauses,
)
from strategies.valid import changing_value_for, valid_bodies
from strategies.values import ITEM, dotted, without_part, wrap


@dataclass(frozen=True)
class MixedBody:
    """A valid part plus one must-reject part; ``body`` is what is sent."""

    valid_part: JSONObject
    invalid: InvalidBody
    body: JSONObject


def make_room(valid: JSONObject, path: Path) -> None:
    """Drop from ``valid`` whatever would collide with a part at ``path``: the value already at
    ``path``, and a null or a collection where the path needs to go through an object."""
    node = valid
    for i, head in enumerate(path):
        if head not in node:
            return
        child = node[head]
        ends_here = i == len(path) - 1 or path[i + 1] == ITEM
        if ends_here or not isinstance(child, dict):
            del node[head]
            return
        node = child


def merge(base: JSONObject, extra: JSONObject) -> JSONObject:
    """``base`` with ``extra`` merged in, recursively where both hold an object."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def has_leaf(value: JSON) -> bool:
    """True if sending ``value`` sets something: it holds a scalar, a null or a collection."""
    if isinstance(value, dict):
        return any(has_leaf(v) for v in value.values())
    return True


@st.composite
def _mixed(
    draw: st.DrawFn,
    contract: Contract,
    parts: dict[str, SearchStrategy[Part]],
    bodies: SearchStrategy[JSONObject],
    changing: dict[str, SearchStrategy[JSON]],
) -> MixedBody:
    clause = draw(st.sampled_from(sorted(parts)))
    path, leaf, reason = draw(parts[clause])
    minimal = wrap(path, leaf)
    valid = copy.deepcopy(draw(bodies))
    make_room(valid, path)
    body = merge(valid, minimal)
    valid = without_part(body, path)
    if not has_leaf(valid):
        name = draw(st.sampled_from([n for n in sorted(changing) if n != path[0]]))
        extra = draw(changing[name])
        valid[name] = extra
        body[name] = extra
    description = f"{dotted(path)}: {short_json(leaf)} ({reason})"
    invalid = InvalidBody(clause, description, path, minimal)
    return MixedBody(valid_part=copy.deepcopy(valid), invalid=invalid, body=body)


def mixed_bodies(contract: Contract) -> SearchStrategy[MixedBody]:
    """Valid partial bodies with one must-reject part (enum non-member or wrong type) inside."""
    parts = {clause: invalid_parts(contract, clause) for clause in sited_clauses(contract)}
    changing = {name: changing_value_for(contract, name) for name in contract.updatable}
    return _mixed(contract, parts, valid_bodies(contract), changing)
