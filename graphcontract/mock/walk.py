"""What the mock's faults look for in a request body, anywhere in it: the first annotation;
the ASCII-only copy lossy-unicode stores; the cut copy long-values-cut stores; the made-up
copy generated-answers reads. (Its strings: ``types.strings_in``.)"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping

from graphcontract.contract import Contract, StructuredType
from graphcontract.types import JSON, JSONObject, is_annotation


def first_annotation(value: JSON) -> str | None:
    """The first annotation key anywhere in a request body (annotations-refused)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = key if is_annotation(key) else first_annotation(item)
            if found is not None:
                return found
    if isinstance(value, list):
        for item in value:
            found = first_annotation(item)
            if found is not None:
                return found
    return None


def ascii_only(value: JSON) -> JSON:
    """``value`` with every non-ASCII character as ``?`` (lossy-unicode)."""
    if isinstance(value, str):
        return "".join(c if ord(c) < 128 else "?" for c in value)
    if isinstance(value, dict):
        return {k: ascii_only(v) for k, v in value.items()}
    if isinstance(value, list):
        return [ascii_only(v) for v in value]
    return value


def cut_long(value: JSON, chars: int, items: int) -> JSON:
    """``value`` with every string cut to ``chars`` characters and every collection to
    ``items`` items (long-values-cut: a column width and a fixed-size child table, no error)."""
    if isinstance(value, str):
        return value[:chars]
    if isinstance(value, dict):
        return {k: cut_long(v, chars, items) for k, v in value.items()}
    if isinstance(value, list):
        return [cut_long(v, chars, items) for v in value[:items]]
    return value


def generated(contract: Contract, position: JSONObject) -> JSONObject:
    """``position`` with every String and Boolean a client writes made up afresh, valid
    against the schema (generated-answers: a mock that invents each answer)."""
    return _made_up(contract, contract.entity, position, top=True)


def _made_up(
    contract: Contract, spec: StructuredType, value: JSONObject, *, top: bool
) -> JSONObject:
    out = dict(value)
    for name, prop in spec.properties.items():
        if top and name not in contract.updatable:
            continue
        old = out.get(name)
        if prop.type_name == "Edm.String":
            texts = [f"generated {secrets.token_hex(4)}" for _ in range(random.randint(0, 2))]
            out[name] = texts if prop.collection else texts[0] if texts else None
        elif prop.type_name == "Edm.Boolean" and not prop.collection:
            out[name] = random.choice((True, False))
        elif contract.is_structured(prop.type_name) and isinstance(old, dict):
            out[name] = _made_up(contract, contract.structured(prop.type_name), old, top=False)
    return out
