"""Comparison of JSON states the way the contract means them.

``canon`` folds the differences the documentation leaves open: annotations (instance
annotations ``@ns.term`` and property annotations ``name@ns.term``, OData JSON 4.01
sections 18-20) are ignored, a missing property equals null, an empty collection equals null
(collections.null-vs-empty is recorded elsewhere), and a DateTimeOffset is compared as the
instant it names (``…12.5Z`` equals ``…12.500+00:00``), to the precision of the coarser of the
two forms (``…12.2294868Z`` equals ``…12.229Z``). An enum value is compared as the value it
names (``graphcontract.enums``): ``"family, contacts"`` equals ``"contacts,family"``, ``"3"``
and ``"me,family,contacts"``, in ``canon`` and in the exact comparisons alike, since every
one of those forms is one representation of one bit set. Booleans never equal numbers.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any

from graphcontract.contract import load_contract
from graphcontract.enums import EnumSpec
from graphcontract.types import JSON, is_annotation

DATETIME_SUFFIX = "DateTime"
"""Graph names every Edm.DateTimeOffset property ``…DateTime`` (createdDateTime,
lastModifiedDateTime here; a unit test holds the contract to it): their values are compared
as instants."""
DATETIME_FORM = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$"
)

_ABSENT: Any = None


def stamp_grain_s(value: JSON) -> float | None:
    """The coarsest unit a DateTimeOffset in this form may have been stored to, judged from
    its last non-zero digit (``…13.8170000Z`` may come from a store keeping milliseconds,
    ``…13Z`` from one keeping seconds, ``…05:00:00Z`` from one keeping hours); None when
    ``value`` is not a DateTimeOffset."""
    match = DATETIME_FORM.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    fraction = (match.group(2) or "").rstrip("0")
    if fraction:
        return 10.0 ** -len(fraction)
    clock = match.group(1)[11:]
    zeros = {"00:00:00": 86400.0, ":00:00": 3600.0, ":00": 60.0}
    return next((grain for tail, grain in zeros.items() if clock.endswith(tail)), 1.0)


class _Bool:
    """A boolean that does not compare equal to 0 or 1."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Bool) and other.value is self.value

    def __hash__(self) -> int:
        return hash(("bool", self.value))

    def __repr__(self) -> str:
        return "true" if self.value else "false"


class _EnumValue:
    """An enum value in an answer's form, equal to any other form of the same value."""

    __slots__ = ("bits", "enum", "text")

    def __init__(self, enum: EnumSpec, bits: int, text: str) -> None:
        self.enum = enum.name
        self.bits = bits
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _EnumValue) and (other.enum, other.bits) == (self.enum, self.bits)

    def __hash__(self) -> int:
        return hash((self.enum, self.bits))

    def __repr__(self) -> str:
        return repr(self.text)


def enum_value(value: JSON, key: str) -> JSON | _EnumValue:
    """``value`` as the enum value it names when ``key`` is a property holding an enum and
    ``value`` is one of its answer forms (EnumSpec.read); otherwise ``value`` itself."""
    if not isinstance(value, str) or not key:
        return value
    enum = _enum_named(key)
    bits = enum.read(value) if enum is not None else None
    return value if enum is None or bits is None else _EnumValue(enum, bits, value)


def no_enum_form(value: JSON, key: str) -> bool:
    """``key`` holds an enum and ``value`` is no form OData writes one in (a JSON number, an
    unknown name): response.shape's to judge, not a value lost or changed."""
    enum = _enum_named(key) if key else None
    if enum is None or value is None:
        return False
    return not isinstance(value, str) or enum.read(value) is None


@functools.cache
def _enum_named(key: str) -> EnumSpec | None:
    return load_contract().enums_by_property.get(key)


class _Instant:
    """A DateTimeOffset value that equals another one naming the same instant to the
    precision of the coarser of the two: a store that keeps milliseconds reads back
    ``…56.817Z`` for the ``…56.8173083Z`` its write answered (truncated or rounded)."""

    __slots__ = ("digits", "moment", "text")

    def __init__(self, text: str, moment: datetime, fraction: str) -> None:
        self.text = text
        self.digits = len(fraction)
        whole = moment.replace(tzinfo=None) - datetime(1, 1, 1)
        self.moment = (whole.days * 86400 + whole.seconds) * 10**9 + int(
            (fraction + "0" * 9)[:9] or 0
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Instant):
            return False
        unit = int(10 ** (9 - min(self.digits, other.digits, 9)))
        return abs(self.moment - other.moment) < unit

    def __hash__(self) -> int:
        return hash("instant")  # equality has a tolerance: one bucket keeps hash and eq agreed

    def __repr__(self) -> str:
        return self.text


def _instant_value(text: str) -> _Instant | None:
    match = DATETIME_FORM.match(text)
    if match is None:
        return None
    head, fraction, zone = match.groups()
    try:
        moment = datetime.fromisoformat(head + ("+00:00" if zone in ("Z", "z") else zone))
    except ValueError:
        return None
    return _Instant(text, moment.astimezone(UTC), (fraction or "").rstrip("0"))


def canon(value: JSON, key: str = "") -> Any:
    """A comparable form of ``value`` (see the module docstring); ``key`` is the property
    ``value`` belongs to."""
    if isinstance(value, bool):
        return _Bool(value)
    if isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if is_annotation(name):
                continue
            folded = canon(item, name)
            if folded is not None:
                out[name] = folded
        return out
    if isinstance(value, list):
        return [canon(item, key) for item in value] or None
    if isinstance(value, str) and key.endswith(DATETIME_SUFFIX):
        return _instant_value(value) or value
    return enum_value(value, key)


def same(a: JSON, b: JSON, key: str = "") -> bool:
    """Equal in the contract's sense (``key``: the property both values belong to)."""
    return bool(canon(a, key) == canon(b, key))


def unchanged(before: JSON, after: JSON) -> bool:
    """Two readings of one resource hold exactly the same payload: annotations aside, equal
    as JSON (booleans distinct from numbers, null distinct from absent and from []; an enum
    value in another of its forms is the same value)."""
    return exactly_equal(without_annotations(before), without_annotations(after))


def without_annotations(value: JSON) -> JSON:
    if isinstance(value, dict):
        return {k: without_annotations(v) for k, v in value.items() if not is_annotation(k)}
    if isinstance(value, list):
        return [without_annotations(v) for v in value]
    return value


def exactly_equal(a: JSON, b: JSON, key: str = "") -> bool:
    """Equal as JSON values, booleans distinct from numbers, floats equal to equal ints, an
    enum value equal to its other forms (``key``: the property both values belong to)."""
    return bool(_strict(a, key) == _strict(b, key))


def _strict(value: JSON, key: str = "") -> Any:
    if isinstance(value, bool):
        return _Bool(value)
    if isinstance(value, dict):
        return {k: _strict(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_strict(v, key) for v in value]
    return enum_value(value, key)


def get(obj: JSON, key: str) -> JSON:
    """obj[key] for an object, null otherwise (absent equals null)."""
    return obj.get(key, _ABSENT) if isinstance(obj, dict) else _ABSENT


def differences(a: JSON, b: JSON, prefix: str = "") -> list[str]:
    """Paths where two states differ in the contract's sense, e.g. ``detail.role``."""
    key = prefix.rsplit(".", 1)[-1]
    return _diff(canon(a, key), canon(b, key), prefix)


def leaves(body: JSON, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], JSON]]:
    """(path, value) of every non-object value in a body (a collection is one value)."""
    if not isinstance(body, dict) or not body:
        return [(prefix, body)]
    out: list[tuple[tuple[str, ...], JSON]] = []
    for key, value in body.items():
        out += leaves(value, (*prefix, key))
    return out


def at(state: JSON, path: tuple[str, ...]) -> JSON:
    """The value at ``path`` (property names, ``"[]"`` for a collection's first item), null
    when absent."""
    value = state
    for part in path:
        if part == "[]":
            value = value[0] if isinstance(value, list) and value else _ABSENT
        else:
            value = get(value, part)
    return value


def _diff(a: Any, b: Any, prefix: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            out += _diff(a.get(key), b.get(key), f"{prefix}.{key}" if prefix else key)
        return out
    return [] if a == b else [prefix or "(whole value)"]


def parse_datetime(value: JSON) -> datetime | None:
    """An Edm.DateTimeOffset string as an aware datetime (7 fractional digits allowed)."""
    if not isinstance(value, str):
        return None
    match = DATETIME_FORM.match(value.strip())
    if match is None:
        return None
    head, fraction, zone = match.groups()
    zone = "+00:00" if zone in ("Z", "z") else zone
    text = f"{head}.{(fraction or '').ljust(6, '0')[:6]}{zone}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
