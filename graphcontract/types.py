"""JSON aliases shared by every module."""

from __future__ import annotations

from typing import Any, TypeAlias

JSON: TypeAlias = Any
"""A decoded JSON value (None, bool, int, float, str, list or dict)."""

JSONObject: TypeAlias = dict[str, Any]
"""A decoded JSON object."""

Path: TypeAlias = tuple[str, ...]
"""A location inside a JSON value; ``"[]"`` stands for "every item of a collection"."""
