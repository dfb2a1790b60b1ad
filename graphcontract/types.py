"""JSON aliases, and the rule that tells annotations from properties, shared by every module."""

from __future__ import annotations

from typing import Any, TypeAlias

JSON: TypeAlias = Any
"""A decoded JSON value (None, bool, int, float, str, list or dict)."""

JSONObject: TypeAlias = dict[str, Any]
"""A decoded JSON object."""

Path: TypeAlias = tuple[str, ...]
"""A location inside a JSON value; ``"[]"`` stands for "every item of a collection"."""


def is_annotation(key: str) -> bool:
    """An instance annotation (``@odata.type``) or a property annotation
    (``startMonthYear@odata.type``), OData JSON 4.01 sections 18-20: never a property."""
    return "@" in key
