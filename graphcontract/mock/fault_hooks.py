"""What the mock's faults do to a value or a stored position, apart from the PATCH semantics in
``state.py``: the sloppy coercion of type-coercion, the US date form of bad-datetime-format,
the names a body carries that a faulty store keeps as sent (``id-writable``,
``stores-unknown-and-read-only``, ``read-only-applied``, ``read-only-merged``), and the values
a faulty store rewrites (``nfc-normalize``, ``trim-strings``, ``dedupe-collections``,
``early-years-shifted``).
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections.abc import Callable, Iterable

from graphcontract.contract import Contract, StructuredType
from graphcontract.types import JSON, JSONObject

ID_WRITABLE = "id-writable"
STORES_SENT = "stores-unknown-and-read-only"
KEY = "id"
_NUMERIC = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_EARLY_YEAR = re.compile(r"00(\d\d)(-\d\d-\d\d)")
_ISO_PREFIX = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})")


def read_only_kept(
    faults: frozenset[str], key: str, created: Iterable[str], modified_by: str
) -> bool:
    """Whether a read-only property sent in a body is applied instead of ignored."""
    if key == KEY:
        return ID_WRITABLE in faults
    return (
        STORES_SENT in faults
        or (key in created and "read-only-applied" in faults)
        or (key == modified_by and "read-only-merged" in faults)
    )


def undeclared_kept(faults: frozenset[str]) -> bool:
    """Whether a top-level name the model does not let a client write (undeclared,
    undocumented, an annotation) is stored as sent, as a store that assigns a body onto the
    record (``Object.assign``) does."""
    return STORES_SENT in faults


def keep_sent_stamps(faults: frozenset[str], result: JSONObject, apply: JSONObject) -> None:
    """``stores-unknown-and-read-only``: the lastModified* values a body sent replace the ones
    the write stamped."""
    if STORES_SENT not in faults:
        return
    for name in ("lastModifiedDateTime", "lastModifiedBy"):
        if name in apply:
            result[name] = copy.deepcopy(apply[name])


def stored_extras(
    faults: frozenset[str], stored: JSONObject, declared: Iterable[str]
) -> JSONObject:
    """The names a faulty store kept beside the declared properties (rendered with them)."""
    if STORES_SENT not in faults:
        return {}
    known = set(declared)
    return {k: copy.deepcopy(v) for k, v in stored.items() if k not in known}


def new_key(faults: frozenset[str], position_id: str, updated: JSONObject) -> str:
    """The key the updated position is stored under: the id a body sent under ``id-writable``
    (the position moves; its old id is gone), else the one it had."""
    sent = updated.get(KEY)
    if ID_WRITABLE in faults and isinstance(sent, str) and sent:
        return sent
    return position_id


def coerce(value: JSON, type_name: str) -> JSON:
    """What a sloppy server makes of a scalar of the wrong JSON type (type-coercion)."""
    if type_name == "Edm.String" and isinstance(value, int | float):
        return json.dumps(value)
    if not isinstance(value, str):
        return value
    if type_name == "Edm.Boolean" and value in ("true", "false"):
        return value == "true"
    if type_name == "Edm.Int32" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if type_name == "Edm.Double" and _NUMERIC.fullmatch(value):
        return json.loads(value)
    return value


def us_format(timestamp: str) -> str:
    """``2020-07-06T06:34:12.22Z`` → ``07/06/2020 06:34:12`` (bad-datetime-format)."""
    match = _ISO_PREFIX.match(timestamp)
    if not match:
        return timestamp
    year, month, day, clock = match.groups()
    return f"{month}/{day}/{year} {clock}"


def rewritten(faults: frozenset[str], contract: Contract, apply: JSONObject) -> JSONObject:
    """The values of a body as a faulty store keeps them: strings in NFC (``nfc-normalize``),
    without leading and trailing spaces (``trim-strings``), collections without repeated items
    (``dedupe-collections``), Dates of years 0-99 in the 1900s (``early-years-shifted``)."""
    value: JSON = apply
    if "nfc-normalize" in faults:
        value = _strings(value, lambda text: unicodedata.normalize("NFC", text))
    if "trim-strings" in faults:
        value = _strings(value, lambda text: text.strip(" "))
    if "dedupe-collections" in faults:
        value = _deduped(value)
    if "early-years-shifted" in faults:
        value = _early_years(contract, contract.entity, value)
    return value if isinstance(value, dict) else apply


def _strings(value: JSON, change: Callable[[str], str]) -> JSON:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: _strings(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v, change) for v in value]
    return value


def _deduped(value: JSON) -> JSON:
    """Every collection with each item kept once (a set, or a unique index on the items)."""
    if isinstance(value, dict):
        return {k: _deduped(v) for k, v in value.items()}
    if isinstance(value, list):
        kept: list[JSON] = []
        for item in value:
            if item not in kept:
                kept.append(_deduped(item))
        return kept
    return value


def _early_years(contract: Contract, spec: StructuredType, value: JSON) -> JSON:
    """Edm.Date values of years 0001-0099 moved to 1901-1999, as JavaScript's
    ``new Date(year, month, day)`` reads a year below 100."""
    if isinstance(value, list):
        return [_early_years(contract, spec, item) for item in value]
    if not isinstance(value, dict):
        return value
    out: JSONObject = {}
    for key, item in value.items():
        prop = spec.properties.get(key)
        match = _EARLY_YEAR.fullmatch(item) if isinstance(item, str) else None
        if prop is not None and prop.type_name == "Edm.Date" and match:
            item = f"19{match.group(1)}{match.group(2)}"
        elif prop is not None and contract.is_structured(prop.type_name):
            item = _early_years(contract, contract.structured(prop.type_name), item)
        out[key] = item
    return out
