"""What the mock's faults look for in a request body, anywhere in it: the longest string, a
string that passes a test, the first annotation; and the ASCII-only copy lossy-unicode stores."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphcontract.types import JSON, is_annotation


def longest_string(value: JSON) -> int:
    """The length of the longest string anywhere in ``value`` (crash-on-long-string)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        return max((longest_string(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((longest_string(v) for v in value), default=0)
    return 0


def any_string(value: JSON, test: Callable[[str], bool]) -> bool:
    """Whether some string anywhere in ``value`` passes ``test`` (crash-on-nul)."""
    if isinstance(value, str):
        return test(value)
    if isinstance(value, Mapping):
        return any(any_string(v, test) for v in value.values())
    if isinstance(value, list):
        return any(any_string(v, test) for v in value)
    return False


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
