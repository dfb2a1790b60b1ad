"""What the mock's faults do to a value or a stored position, apart from the PATCH semantics in
``state.py``: the sloppy coercion of type-coercion, the US date form of bad-datetime-format,
and the names a body carries that a faulty store keeps as sent (``id-writable``,
``stores-unknown-and-read-only``, ``read-only-applied``, ``read-only-merged``).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable

from graphcontract.types import JSON, JSONObject

ID_WRITABLE = "id-writable"
STORES_SENT = "stores-unknown-and-read-only"
KEY = "id"
_NUMERIC = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
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
