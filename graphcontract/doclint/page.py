"""Read a Microsoft Graph API reference page (markdown) into located parts.

Owns the line-based parsing of a page: YAML front matter, headings, pipe tables, code fences
(```http or ``` http) with the ``<!-- { "blockType": ... } -->`` comment that precedes them
(one line or several), the HTTP request lines, the permission and property tables, and the JSON
bodies of the request/response examples together with the line of every JSON value. It knows
nothing about the contract: ``checks`` judges what this module finds. Line numbers are 1-based.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from graphcontract.errors import UsageError
from graphcontract.types import JSON

Pointer = tuple[str | int, ...]
"""A place inside a JSON value: object keys and array indexes."""

_REQUEST_LINE = re.compile(
    r"^\s*(?P<method>GET|POST|PUT|PATCH|DELETE)\s+(?P<target>\S.*?)(?:\s+HTTP/\d(?:\.\d)?)?\s*$"
)
_STATUS_LINE = re.compile(r"^\s*HTTP/\d(?:\.\d)?\s+(?P<status>\d{3})\b")
_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})\s*(?P<lang>[^`\s]*)")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_TAB_HEADING = re.compile(r"^\[[^\]]*\]\(#tab/")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_POSSIBLE = re.compile(r"possible values (?:are|is|include)\s*:?\s*", re.IGNORECASE)
_SEPARATOR_CELL = re.compile(r"^:?-+:?$")


@dataclass(frozen=True)
class Heading:
    line: int
    level: int
    text: str


@dataclass(frozen=True)
class TableRow:
    line: int
    cells: tuple[str, ...]

    def cell(self, index: int | None) -> str:
        return self.cells[index] if index is not None and index < len(self.cells) else ""


@dataclass(frozen=True)
class Table:
    """A pipe table: header cells and the data rows below the separator row."""

    line: int
    section: str
    header: tuple[str, ...]
    rows: tuple[TableRow, ...]

    def column(self, name: str) -> int | None:
        """Index of the first header cell starting with ``name`` (case-insensitive)."""
        wanted = name.casefold()
        return next((i for i, c in enumerate(self.header) if c.casefold().startswith(wanted)), None)


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


@dataclass(frozen=True)
class PropertyRow:
    """One row of a property table: name, documented type and "Possible values are" list."""

    line: int
    name: str
    type_text: str
    type_name: str
    collection: bool
    description: str
    possible_values: tuple[str, ...] | None


@dataclass(frozen=True)
class PermissionRow:
    line: int
    scheme: str
    text: str

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(v.strip().rstrip(".") for v in _plain(self.text).split(",") if v.strip())


@dataclass(frozen=True)
class Problem:
    """Something the parser itself could not read (becomes a finding)."""

    line: int
    kind: str
    message: str


@dataclass(frozen=True)
class Page:
    path: str
    lines: tuple[str, ...]
    front_matter: Mapping[str, Any]
    headings: tuple[Heading, ...]
    tables: tuple[Table, ...]
    blocks: tuple[CodeBlock, ...]
    problems: tuple[Problem, ...]

    @property
    def title(self) -> str:
        title = self.front_matter.get("title")
        if isinstance(title, str) and title.strip():
            return title.strip()
        return next((h.text for h in self.headings if h.level == 1), "")

    @property
    def doc_type(self) -> str:
        return str(self.front_matter.get("doc_type") or "").strip()

    @property
    def looks_like_api_page(self) -> bool:
        sections = {h.text.casefold() for h in self.headings} & {"http request", "properties"}
        return bool(self.doc_type or sections or any(b.block_type for b in self.blocks))

    @property
    def http_requests(self) -> tuple[RequestLine, ...]:
        """Request lines of the "HTTP request" section (not the examples)."""
        return tuple(
            RequestLine(block.line + 1 + offset, match["method"], match["target"])
            for block in self.blocks
            if block.block_type == "ignored"
            or (block.block_type is None and block.section.casefold() == "http request")
            for offset, match in enumerate(map(_REQUEST_LINE.match, block.content))
            if match
        )

    @functools.cached_property
    def examples(self) -> tuple[Example, ...]:
        """Blocks marked request/response, or unmarked http/json ones under such a heading."""
        marked = [
            (b, b.block_type or (b.section.casefold() if b.lang in ("http", "json") else None))
            for b in self.blocks
        ]
        return tuple(_example(b, m) for b, m in marked if m in ("request", "response"))

    @property
    def methods(self) -> tuple[str, ...]:
        requests = self.http_requests or tuple(e.request for e in self.examples if e.request)
        return tuple(dict.fromkeys(r.method for r in requests))

    @property
    def property_rows(self) -> tuple[PropertyRow, ...]:
        return tuple(row for table in self.property_tables for row in _property_rows(table))

    @property
    def property_tables(self) -> tuple[Table, ...]:
        return tuple(
            t for t in self.tables
            if t.header and t.header[0].casefold() == "property" and t.column("type") is not None
        )

    @property
    def permissions(self) -> tuple[PermissionRow, ...]:
        rows: list[PermissionRow] = []
        for table in self.tables:
            if table.header and table.header[0].casefold().startswith("permission type"):
                rows.extend(PermissionRow(r.line, _plain(r.cell(0)), r.cell(1)) for r in table.rows)
        return tuple(rows)


# -- reading --------------------------------------------------------------------------------


def load_page(path: Path | str) -> Page:
    """Read and parse a page; UsageError if it is unreadable or not a Graph API page."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such page") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a text page (not UTF-8)") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the page ({exc.strerror or exc})") from None
    page = parse_page(text, str(path))
    if not page.looks_like_api_page:
        raise UsageError(
            f"{path}: not a Graph API reference page (no doc_type front matter, no "
            "'HTTP request' or 'Properties' section, no blockType example)"
        )
    return page


def parse_page(text: str, path: str = "<page>") -> Page:
    lines = tuple(text.splitlines())
    problems: list[Problem] = []
    front_matter, start = _front_matter(lines, problems)
    headings: list[Heading] = []
    tables: list[Table] = []
    blocks: list[CodeBlock] = []
    section = ""
    meta: dict[str, Any] | None = None
    i = start
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        fence = _FENCE.match(raw)
        if fence:
            end = _fence_end(lines, i, fence["fence"])
            if end == len(lines):
                problems.append(Problem(i + 1, "page.unclosed-fence", "code fence is never closed"))
            lang = fence["lang"].casefold()
            blocks.append(CodeBlock(i + 1, lang, section, lines[i + 1 : end], meta or {}))
            meta, i = None, end + 1
            continue
        if stripped.startswith("<!--"):
            end = next((j for j in range(i, len(lines)) if "-->" in lines[j]), len(lines) - 1)
            comment = _comment(lines[i : end + 1], i + 1, problems)
            if comment is not None and "blockType" in comment:
                meta = comment
            i = end + 1
            continue
        heading = _HEADING.match(raw)
        if heading and not _TAB_HEADING.match(heading["text"]):
            headings.append(Heading(i + 1, len(heading["hashes"]), _plain(heading["text"])))
            section = _plain(heading["text"])
        elif stripped.startswith("|"):
            end = i
            while end < len(lines) and lines[end].strip().startswith("|"):
                end += 1
            table = _table(lines, i, end, section)
            if table is not None:
                tables.append(table)
            i = end
            continue
        i += 1
    return Page(
        path, lines, front_matter, tuple(headings), tuple(tables), tuple(blocks), tuple(problems)
    )


def _front_matter(lines: tuple[str, ...], problems: list[Problem]) -> tuple[dict[str, Any], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    end = next((j for j in range(1, len(lines)) if lines[j].strip() == "---"), None)
    if end is None:
        problems.append(Problem(1, "page.front-matter", "front matter is never closed with ---"))
        return {}, 0
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        why = getattr(exc, "problem", None) or "syntax error"
        problems.append(Problem(line, "page.front-matter", f"front matter is not YAML: {why}"))
        return {}, end + 1
    return (data if isinstance(data, dict) else {}), end + 1


def _fence_end(lines: tuple[str, ...], start: int, fence: str) -> int:
    for j in range(start + 1, len(lines)):
        closing = lines[j].strip()
        if closing.startswith(fence[0] * len(fence)) and not closing.strip(fence[0]):
            return j
    return len(lines)


def _comment(raw: tuple[str, ...], line: int, problems: list[Problem]) -> dict[str, Any] | None:
    text = "\n".join(raw).strip().removeprefix("<!--")
    text = (text[: text.rfind("-->")] if "-->" in text else text).strip()
    if not text.startswith("{"):
        return None
    for candidate in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        return data if isinstance(data, dict) else None
    if "blockType" in text:
        problems.append(Problem(line, "page.annotation", "blockType comment is not valid JSON"))
    return None


def _split_row(text: str) -> tuple[str, ...]:
    body = text.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells: list[str] = []
    current: list[str] = []
    in_code, previous = False, ""
    for char in body:
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code and previous != "\\":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        previous = char
    cells.append("".join(current).strip())
    return tuple(cells)


def _table(lines: tuple[str, ...], start: int, end: int, section: str) -> Table | None:
    if end - start < 2:
        return None
    separator = _split_row(lines[start + 1])
    if not all(_SEPARATOR_CELL.match(c.replace(" ", "")) for c in separator if c):
        return None
    header = tuple(_plain(c) for c in _split_row(lines[start]))
    rows = tuple(TableRow(j + 1, _split_row(lines[j])) for j in range(start + 2, end))
    return Table(start + 1, section, header, rows)


def _plain(text: str) -> str:
    """Markdown cell text without links, emphasis and code marks."""
    return _LINK.sub(r"\1", text).replace("`", "").replace("*", "").strip()


# -- property tables ----------------------------------------------------------------------


def parse_type(text: str) -> tuple[str, bool]:
    """``"[relatedPerson](…) collection"`` → ``("relatedPerson", True)``; Edm names stay short."""
    plain = _plain(text)
    collection = False
    match = re.fullmatch(r"collection\s*\(\s*(.+?)\s*\)", plain, re.IGNORECASE)
    if match:
        plain, collection = match[1], True
    elif plain.casefold().endswith(" collection"):
        plain, collection = plain[: -len(" collection")].strip(), True
    for prefix in ("microsoft.graph.", "graph.", "Edm."):
        plain = plain.removeprefix(prefix)
    return plain, collection


def possible_values(description: str) -> tuple[str, ...] | None:
    """The members listed after "Possible values are:" in a description, if any."""
    match = _POSSIBLE.search(description)
    if match is None:
        return None
    rest, end, in_code = description[match.end() :], None, False
    for index, char in enumerate(rest):
        if char == "`":
            in_code = not in_code
        elif char == "." and not in_code and (index + 1 == len(rest) or rest[index + 1] in " |<"):
            end = index
            break
    segment = rest[:end]
    items = re.findall(r"`([^`]+)`", segment)
    if not items:
        items = [p.strip(" '\"*") for p in re.split(r",|\band\b|\bor\b", _plain(segment))]
    return tuple(item.strip() for item in items if item.strip())


def _property_rows(table: Table) -> list[PropertyRow]:
    type_col, desc_col = table.column("type"), table.column("description")
    rows = []
    for row in table.rows:
        name = _plain(row.cell(0))
        if not name:
            continue
        type_name, collection = parse_type(row.cell(type_col))
        description = row.cell(desc_col)
        rows.append(PropertyRow(row.line, name, _plain(row.cell(type_col)), type_name,
                                collection, description, possible_values(description)))
    return rows


# -- paths and examples -------------------------------------------------------------------


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
        return replace(example, body_line=body_line, body_error=exc.msg,
                       error_line=body_line + exc.lineno - 1)
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
