"""Read a Microsoft Graph API reference page (markdown) into located parts.

Owns ``Page``, ``load_page``/``parse_page`` and the line-based parsing of a page: YAML front
matter, headings, pipe tables, code fences (```http or ``` http) with the
``<!-- { "blockType": ... } -->`` comment that precedes them (one line or several), and the
permission and property tables. What the code blocks hold (HTTP request lines, the JSON bodies
of the request/response examples and the line of every JSON value) is read by ``blocks``. It
knows nothing about the contract: ``checks`` judges what this module finds. Line numbers are
1-based.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from graphcontract.doclint.blocks import (
    CodeBlock,
    Example,
    RequestLine,
    read_examples,
    request_lines,
)
from graphcontract.errors import UsageError

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
    def is_resource_page(self) -> bool:
        """A resource type's page: its doc_type says so, or without one its title does (an
        API page titled "Update X resource type" is still an API page)."""
        if self.doc_type:
            return self.doc_type.casefold() == "resourcepagetype"
        return self.title.casefold().endswith("resource type")

    @property
    def looks_like_api_page(self) -> bool:
        sections = {h.text.casefold() for h in self.headings} & {"http request", "properties"}
        return bool(self.doc_type or sections or any(b.block_type for b in self.blocks))

    @property
    def http_requests(self) -> tuple[RequestLine, ...]:
        """Request lines of the "HTTP request" section (not the examples)."""
        return request_lines(self.blocks)

    @functools.cached_property
    def examples(self) -> tuple[Example, ...]:
        """Blocks marked request/response, or unmarked http/json ones under such a heading."""
        return read_examples(self.blocks)

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
            t
            for t in self.tables
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
        rows.append(
            PropertyRow(
                row.line,
                name,
                _plain(row.cell(type_col)),
                type_name,
                collection,
                description,
                possible_values(description),
            )
        )
    return rows
