"""JSON aliases, the rule that tells annotations from properties, and JSON text that every
output can carry, shared by every module."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
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


def json_text(value: JSON, **options: Any) -> str:
    """``json.dumps`` keeping non-ASCII text readable, except when ``value`` holds a lone
    surrogate (JSON can carry one as an escape, no UTF encoding can): then all of it is
    escaped, so the text always encodes as UTF-8."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return text if _encodable(text) else json.dumps(value, ensure_ascii=True, **options)


def printable(text: str) -> str:
    """``text`` with any lone surrogate written as its ``\\uXXXX`` escape."""
    return text if _encodable(text) else text.encode("utf-8", "backslashreplace").decode("utf-8")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_line(text: str) -> str:
    """``text`` as one line a terminal shows as written: control characters (NUL, ESC,
    newlines, C1 and bidirectional controls) as their ``\\xNN``/``\\uXXXX`` escapes, lone
    surrogates too, so sent or received data never reaches the console raw (grep keeps
    reading it as text, escape sequences stay inert)."""
    escaped = _CONTROL.sub(lambda m: _escape(m.group()), text)
    return printable(escaped)


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def strings_in(value: JSON) -> Iterator[str]:
    """Every string value anywhere in ``value`` (object keys aside)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def is_unusual_string(value: object) -> bool:
    """A string holding U+0000 or a lone surrogate: JSON carries both, many stores cannot."""
    return isinstance(value, str) and any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in value)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
