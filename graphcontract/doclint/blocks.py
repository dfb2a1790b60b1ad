"""The fenced code blocks of a Graph API reference page and what they hold.

Owns ``CodeBlock`` (a fence with its blockType annotation), the HTTP request lines of the
"HTTP request" blocks, and the request/response examples: their request or status line, their
JSON body and the line of every JSON value in it (``locate``), plus ``normalize_path`` to
compare request targets. ``page`` finds the blocks in the markdown; this module reads them.
It knows nothing about the contract. Line numbers are 1-based.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from graphcontract.types import JSON

Pointer = tuple[str | int, ...]
"""A place inside a JSON value: object keys and array indexes."""

_REQUEST_LINE = re.compile(
    r"^\s*(?P<method>GET|POST|PUT|PATCH|DELETE)\s+(?P<target>\S.*?)(?:\s+HTTP/\d(?:\.\d)?)?\s*$"
)
_STATUS_LINE = re.compile(r"^\s*HTTP/\d(?:\.\d)?\s+(?P<status>\d{3})\b")


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code block and the blockType comment that annotates it, if any."""

    line: int
    lang: str
    section: str
    content: tuple[str, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def block_type(self) -> str | None:
        value = self.meta.get("blockType")
        return str(value) if value is not None else None


@dataclass(frozen=True)
class RequestLine:
    """``METHOD target`` as written in an HTTP request block or an example request."""

    line: int
    method: str
    target: str

    @property
    def path(self) -> str:
        return normalize_path(self.target)


@dataclass(frozen=True)
class Example:
    """A request or response example: its first line and its JSON body with value lines."""

    kind: Literal["request", "response"]
    name: str | None
    line: int
    request: RequestLine | None
    status: int | None
    body: JSON = None
    body_line: int | None = None
    body_error: str | None = None
    error_line: int | None = None
    locations: Mapping[Pointer, int] = field(default_factory=dict)

    def line_of(self, pointer: Pointer) -> int:
        """The line of the value at ``pointer``, or of its closest located ancestor."""
        while pointer and pointer not in self.locations:
            pointer = pointer[:-1]
        return self.locations.get(pointer, self.body_line or self.line)


def request_lines(blocks: Sequence[CodeBlock]) -> tuple[RequestLine, ...]:
    """Request lines of the "HTTP request" section's blocks (not the examples)."""
    return tuple(
        RequestLine(block.line + 1 + offset, match["method"], match["target"])
        for block in blocks
        if block.block_type == "ignored"
        or (block.block_type is None and block.section.casefold() == "http request")
        for offset, match in enumerate(map(_REQUEST_LINE.match, block.content))
        if match
    )


def read_examples(blocks: Sequence[CodeBlock]) -> tuple[Example, ...]:
    """Blocks marked request/response, or unmarked http/json ones under such a heading."""
    marked = [
        (b, b.block_type or (b.section.casefold() if b.lang in ("http", "json") else None))
        for b in blocks
    ]
    return tuple(_example(b, m) for b, m in marked if m in ("request", "response"))


def normalize_path(target: str) -> str:
    """A request target as a comparable path: no host, version, query; ``{…}`` → ``{}``."""
    path = re.sub(r"^https?://[^/]+", "", target.strip())
    path = re.sub(r"\{[^}]*\}", "{}", path)
    path = path.split("?", 1)[0].split("#", 1)[0]
    path = re.sub(r"^/(?:beta|v1\.0)(?=/|$)", "", path)
    return "/" + path.strip("/")


def _example(block: CodeBlock, marked: str) -> Example:
    kind: Literal["request", "response"] = "request" if marked == "request" else "response"
    name = block.meta.get("name")
    request, status, body_start = None, None, None
    for offset, text in enumerate(block.content):
        stripped = text.strip()
        if not stripped:
            continue
        if stripped.startswith(("{", "[")):
            body_start = offset
            break
        if request is None and status is None:
            match, status_match = _REQUEST_LINE.match(text), _STATUS_LINE.match(text)
            if match:
                request = RequestLine(block.line + 1 + offset, match["method"], match["target"])
            elif status_match:
                status = int(status_match["status"])
    example = Example(kind, str(name) if name is not None else None, block.line, request, status)
    if body_start is None:
        return example
    body_line = (block.line + 1) + body_start
    text = "\n".join(block.content[body_start:])
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        return replace(
            example, body_line=body_line, body_error=exc.msg, error_line=body_line + exc.lineno - 1
        )
    return replace(example, body=body, body_line=body_line, locations=locate(text, body_line))


def locate(text: str, first_line: int = 1) -> dict[Pointer, int]:
    """The line of every value (and object key) in the JSON document ``text``."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    decoder = json.JSONDecoder()
    found: dict[Pointer, int] = {}

    def line_at(pos: int) -> int:
        return first_line + bisect.bisect_right(starts, pos) - 1

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        return pos

    def value(pos: int, pointer: Pointer) -> int:
        pos = skip(pos)
        found.setdefault(pointer, line_at(pos))
        if text[pos] == "{":
            pos = skip(pos + 1)
            while text[pos] != "}":
                key_line = line_at(pos)
                key, pos = decoder.raw_decode(text, pos)
                found[(*pointer, key)] = key_line
                pos = value(skip(pos) + 1, (*pointer, key))
                pos = skip(pos)
                pos = skip(pos + 1) if text[pos] == "," else pos
            return pos + 1
        if text[pos] == "[":
            pos, index = skip(pos + 1), 0
            while text[pos] != "]":
                pos = skip(value(pos, (*pointer, index)))
                pos = skip(pos + 1) if text[pos] == "," else pos
                index += 1
            return pos + 1
        return int(decoder.raw_decode(text, pos)[1])

    with contextlib.suppress(ValueError, IndexError):  # text json.loads accepted: no errors
        value(0, ())
    return found
