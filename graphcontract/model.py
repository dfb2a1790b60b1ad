"""An executable model of the OData PATCH rules for one position: the state an accepted
partial update leaves, and which rule a difference from that state breaks.

Pure functions over JSON values and the Contract (which properties are writable, which are
complex values, which collections). The rules (OData 4.01 Protocol section 11.4.3, the Update
workPosition page): a property the body omits keeps its value; a complex value is merged
property by property, recursively (``nested="merge"``), or replaced wholly when the run's
policy pins ``nested="replace"``; a collection is replaced wholly; null clears; a refused
request changes nothing; read-only and server-managed properties are never taken from a body.
The state machine (``runner.statemachine``) holds a target to these rules step after step.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from graphcontract.contract import Contract, PropertySpec
from graphcontract.oracles.compare import leaves, same
from graphcontract.types import JSON, JSONObject, is_annotation

Deleted = dict[str, JSON]
"""Leaves a null deleted, by dotted path (``detail.company.city``), with the value they had."""


def apply_patch(
    contract: Contract, state: JSONObject, body: JSONObject, *, nested: str = "merge"
) -> JSONObject:
    """The position after an accepted PATCH of ``body`` over ``state``: only updatable
    properties change (read-only, server-managed and undeclared names, and annotations, are
    not applied); ``state`` itself is left as it was."""
    out = copy.deepcopy(state)
    for name, value in body.items():
        if name not in contract.updatable:
            continue
        prop = contract.entity.properties[name]
        out[name] = _applied(contract, prop, out.get(name), value, nested)
    return out


def _applied(contract: Contract, prop: PropertySpec, old: JSON, new: JSON, nested: str) -> JSON:
    if contract.is_enum(prop.type_name) and isinstance(new, int) and not isinstance(new, bool):
        return str(new)  # a number names the member (or the flags) it stands for
    if (
        new is None
        or prop.collection
        or not contract.is_structured(prop.type_name)
        or not isinstance(new, dict)
    ):
        return copy.deepcopy(new)
    base: JSONObject = dict(old) if isinstance(old, dict) and nested == "merge" else {}
    spec = contract.structured(prop.type_name)
    for key, value in new.items():
        sub = spec.properties.get(key)
        if is_annotation(key) or sub is None:
            continue
        base[key] = _applied(contract, sub, base.get(key), value, nested)
    return base


def deleted_by(state: JSONObject, body: JSONObject) -> Deleted:
    """The non-null leaves of ``state`` that a null in ``body`` deletes."""
    out: Deleted = {}
    for path, value in leaves(body):
        if value is not None or not path:
            continue
        old: JSON = state
        for part in path:
            old = old.get(part) if isinstance(old, dict) else None
        for sub, leaf in leaves(old, path) if isinstance(old, dict) else [(path, old)]:
            if leaf is not None:
                out[".".join(sub)] = leaf
    return out


def written_paths(body: JSONObject) -> set[str]:
    """Dotted paths of every leaf a body sets (a value, a collection or a null)."""
    return {".".join(path) for path, _ in leaves(body) if path}


def forget_written(deleted: Deleted, body: JSONObject) -> Deleted:
    """``deleted`` without the paths ``body`` writes a value to (or under)."""
    written = {p for p, v in leaves(body) if p and v is not None}
    dotted = {".".join(p) for p in written}
    return {
        path: value
        for path, value in deleted.items()
        if not any(path == w or path.startswith(w + ".") for w in dotted)
    }


def rule_broken(body: JSONObject, path: str, got: JSON, deleted: Mapping[str, JSON]) -> str:
    """The clause a difference at ``path`` (dotted, as ``compare.differences`` names it)
    between the model and an answer to ``body`` breaks: a value sent reads back otherwise
    (response.echo; a collection: merge.collections-replace; a null: merge.null-clears), a
    top-level property the body omits changed (merge.omitted-preserved), a sub-property it
    omits inside a value it sends changed (merge.nested), or came back with the value a null
    deleted (merge.null-clears)."""
    node: JSON = body
    parts = path.split(".")
    for depth, part in enumerate(parts):
        if node is None:
            return "merge.null-clears"
        if isinstance(node, list):
            return "merge.collections-replace"
        if not isinstance(node, dict) or part not in node:
            if depth == 0:
                return "merge.omitted-preserved"
            if path in deleted and same(got, deleted[path], parts[-1]):
                return "merge.null-clears"
            if got is not None and any(d.startswith(path + ".") for d in deleted):
                return "merge.null-clears"  # a value the null deleted came back with others
            return "merge.nested"
        node = node[part]
    if node is None:
        return "merge.null-clears"
    if isinstance(node, list):
        return "merge.collections-replace"
    return "response.echo"


def changes_anything(
    contract: Contract, state: JSONObject, body: JSONObject, *, nested: str = "merge"
) -> bool:
    """Whether an accepted ``body`` changes a writable property of ``state`` (in the
    contract's sense: another form of the same value changes nothing)."""
    after = apply_patch(contract, state, body, nested=nested)
    return any(not same(state.get(n), after.get(n), n) for n in contract.updatable)
