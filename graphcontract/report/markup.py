"""Escaping and tolerant reading of report values, shared by report.html and its charts:
missing or malformed keys read as blanks rather than failing."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any


def escaped(value: object) -> str:
    """Escaped text of a value ('' for None), safe in element content and quoted attributes."""
    return "" if value is None else escape(str(value), quote=True)


def as_map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def as_number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
