"""What the mock's faults look for in a request body, anywhere in it: the first annotation;
the ASCII-only copy lossy-unicode stores; the cut copy long-values-cut stores. (Its strings:
``types.strings_in``.)"""

from __future__ import annotations

from collections.abc import Mapping

from graphcontract.types import JSON, is_annotation


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
