"""Comparison of JSON states the way the contract means them.

``canon`` folds the differences the documentation leaves open: instance annotations
(``@…`` keys) are ignored, a missing property equals null, and an empty collection equals
null (collections.null-vs-empty is recorded elsewhere). Booleans never equal numbers.
"""

from __future__ import annotations

from typing import Any

from graphcontract.types import JSON

_ABSENT: Any = None


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


def canon(value: JSON) -> Any:
    """A comparable form of ``value`` (see the module docstring)."""
    if isinstance(value, bool):
        return _Bool(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key.startswith("@"):
                continue
            folded = canon(item)
            if folded is not None:
                out[key] = folded
        return out
    if isinstance(value, list):
        return [canon(item) for item in value] or None
    return value


def same(a: JSON, b: JSON) -> bool:
    """Equal in the contract's sense."""
    return bool(canon(a) == canon(b))


def exactly_equal(a: JSON, b: JSON) -> bool:
    """Equal as JSON values, booleans distinct from numbers, floats equal to equal ints."""
    return bool(_strict(a) == _strict(b))


def _strict(value: JSON) -> Any:
    if isinstance(value, bool):
        return _Bool(value)
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strict(v) for v in value]
    return value


def get(obj: JSON, key: str) -> JSON:
    """obj[key] for an object, null otherwise (absent equals null)."""
    return obj.get(key, _ABSENT) if isinstance(obj, dict) else _ABSENT


def differences(a: JSON, b: JSON, prefix: str = "") -> list[str]:
    """Paths where two states differ in the contract's sense, e.g. ``detail.role``."""
    ca, cb = canon(a), canon(b)
    return _diff(ca, cb, prefix)


def _diff(a: Any, b: Any, prefix: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            out += _diff(a.get(key), b.get(key), f"{prefix}.{key}" if prefix else key)
        return out
    return [] if a == b else [prefix or "(whole value)"]
