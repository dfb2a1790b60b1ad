"""The doc-lint finding rules: what a Graph reference page says that the contract does not.

Owns the example-body rules (contract validation plus the specific example rules: Edm.Date
values, null collections, ``@odata.type`` without ``#``, placeholder values, read-only
properties in a request), HTTP paths against the contract's OpenAPI paths, TODO placeholders
and parser problems, and ``page_findings``, which runs them all for one page (the property
table rules are ``doclint.tables``; ``Finding`` is ``doclint.finding``). Property names,
types and enum members come from the Contract; nothing here names them.
"""

from __future__ import annotations

import copy
import datetime
import functools
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml

from graphcontract.contract import Contract, PropertySpec, StructuredType
from graphcontract.doclint.blocks import Example, Pointer, RequestLine, normalize_path
from graphcontract.doclint.finding import Finding, Subject, clause
from graphcontract.doclint.page import Page
from graphcontract.doclint.tables import table_findings
from graphcontract.errors import ContractDataError, UsageError
from graphcontract.types import JSON, is_annotation

EXAMPLE_PAGES = {
    "request": "contracts/examples/update_workposition.request.json",
    "response": "contracts/examples/update_workposition.response.json",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
_TYPE_PLACEHOLDER = re.compile(
    r"^(?:String|Int16|Int32|Int64|Double|Boolean|Guid|Date|DateTimeOffset|TimeOfDay|Duration|"
    r"datetime-value|timestamp-value)(?:\s*\(.*\))?$",
    re.IGNORECASE,
)
_TODO = re.compile(r"\bTODO\b")


# -- which API a page is about ----------------------------------------------------------


def subject_of(contract: Contract, page: Page) -> Subject:
    """The contract type a page documents; UsageError for a page about something else."""
    names = {t.casefold(): t for t in (contract.entity.name, *contract.types)}
    if page.is_resource_page:
        first = page.title.split()[0].casefold() if page.title.split() else ""
        if first in names:
            return Subject("resource", contract.structured(names[first]))
        raise UsageError(
            f"{page.path}: a resource page for {page.title!r}, which is neither "
            f"{contract.entity.name} nor one of its types"
        )
    text = "\n".join(page.lines).casefold()
    if contract.entity.name.casefold() not in text:
        raise UsageError(f"{page.path}: not a Graph API page about {contract.entity.name}")
    kind: Literal["update", "operation"] = "update" if "PATCH" in page.methods else "operation"
    return Subject(kind, contract.entity)


# -- example bodies ---------------------------------------------------------------------

_Hit = tuple[Pointer, str, str, bool]
"""(where, kind, message, whether the value is taken out before schema validation)"""


def body_findings(
    contract: Contract,
    body: JSON,
    *,
    request: bool,
    page: str,
    line_of: Callable[[Pointer], int],
) -> list[Finding]:
    """The example rules for one request or response body."""
    hits: list[_Hit] = []
    if isinstance(body, dict):
        _walk(contract, contract.entity, body, (), request=request, top=True, hits=hits)
    cleaned = _without(body, [pointer for pointer, _, _, consumed in hits if consumed])
    errors = contract.request_errors(cleaned) if request else contract.response_errors(cleaned)
    related = clause(contract, "docs.examples")
    findings = [Finding(page, line_of(p), kind, message, related) for p, kind, message, _ in hits]
    generic = "example.request-invalid" if request else "example.response-invalid"
    what = "request" if request else "response"
    for message in errors:
        findings.append(
            Finding(
                page,
                line_of(_pointer_in(message, body)),
                generic,
                f"{what} example violates the contract: {message}",
                related,
            )
        )
    return findings


def example_hits(contract: Contract, body: JSON, *, request: bool) -> list[tuple[Pointer, str]]:
    """Where ``body`` breaks a specific example rule, and the finding's kind, in body order
    (the mock's seed generator fixes these values)."""
    hits: list[_Hit] = []
    if isinstance(body, dict):
        _walk(contract, contract.entity, body, (), request=request, top=True, hits=hits)
    return [(pointer, kind) for pointer, kind, _, _ in hits]


def _walk(
    contract: Contract,
    spec: StructuredType,
    obj: dict[str, Any],
    at: Pointer,
    *,
    request: bool,
    top: bool,
    hits: list[_Hit],
) -> None:
    for key, value in obj.items():
        here = (*at, key)
        if key == "@odata.type" and isinstance(value, str) and not value.startswith("#"):
            hits.append(
                (
                    here,
                    "example.odata-type-without-hash",
                    f"{_dotted(here)} is {value!r}; OData JSON 4.5.3 wants '#{value}'",
                    False,
                )
            )
        prop = spec.properties.get(key)
        if is_annotation(key) or prop is None:
            continue
        if request and top and key in contract.read_only:
            hits.append(
                (
                    here,
                    "example.read-only-in-request",
                    f"request example sends {key}, which is read-only "
                    f"({prop.access}); the service ignores or rejects it",
                    True,
                )
            )
        elif prop.collection and value is None:
            hits.append(
                (
                    here,
                    "example.null-collection",
                    f"{_dotted(here)} is null; a collection is never null (CSDL 7.2.1), write []",
                    True,
                )
            )
        elif prop.collection and isinstance(value, list):
            for index, item in enumerate(value):
                _value(contract, prop, item, (*here, index), request=request, hits=hits)
        elif not prop.collection:
            _value(contract, prop, value, here, request=request, hits=hits)


def _value(
    contract: Contract,
    prop: PropertySpec,
    value: JSON,
    here: Pointer,
    *,
    request: bool,
    hits: list[_Hit],
) -> None:
    name = _dotted(here)
    if isinstance(value, dict) and contract.is_structured(prop.type_name):
        spec = contract.structured(prop.type_name)
        _walk(contract, spec, value, here, request=request, top=False, hits=hits)
    if not isinstance(value, str):
        return
    if prop.type_name == "Edm.Date" and not is_date(value):
        hits.append(
            (
                here,
                "example.invalid-date",
                f"{name} is {value!r}; an Edm.Date is written YYYY-MM-DD",
                True,
            )
        )
    elif prop.type_name == "Edm.DateTimeOffset" and not is_datetime(value):
        kind = (
            "example.placeholder-value"
            if _TYPE_PLACEHOLDER.match(value)
            else ("example.invalid-datetime")
        )
        hits.append(
            (
                here,
                kind,
                f"{name} is {value!r}, not an ISO 8601 date-time with offset "
                "(e.g. 2020-07-06T06:34:12Z)",
                True,
            )
        )
    elif contract.is_enum(prop.type_name) and not _is_member(contract, prop.type_name, value):
        enum = contract.enums[prop.type_name]
        kind = (
            "example.placeholder-value"
            if _TYPE_PLACEHOLDER.match(value)
            else ("example.invalid-enum")
        )
        hits.append(
            (
                here,
                kind,
                f"{name} is {value!r}, not a member of the enum {enum.name} "
                f"({', '.join(enum.members)})",
                True,
            )
        )


def _is_member(contract: Contract, enum_name: str, value: str) -> bool:
    """Whether ``value`` is a form of a value of the enum (the forms an answer may take)."""
    return contract.enums[enum_name].read(value) is not None


def is_date(value: str) -> bool:
    """An Edm.Date literal: YYYY-MM-DD naming a real day."""
    if not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_datetime(value: str) -> bool:
    """An Edm.DateTimeOffset literal: ISO 8601 date and time with Z or an offset."""
    match = _DATETIME.match(value)
    if match is None or not is_date(match[1]):
        return False
    try:
        datetime.time.fromisoformat(match[2])
    except ValueError:
        return False
    return True


def _without(body: JSON, pointers: list[Pointer]) -> JSON:
    cleaned = copy.deepcopy(body)
    for pointer in sorted(pointers, key=lambda p: [str(x).zfill(9) for x in p], reverse=True):
        parent = cleaned
        for step in pointer[:-1]:
            parent = parent[step]
        if isinstance(parent, dict):
            parent.pop(pointer[-1], None)
        elif isinstance(parent, list) and isinstance(pointer[-1], int):
            parent.pop(pointer[-1])
    return cleaned


def _dotted(pointer: Pointer) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in pointer).lstrip(".")


def _pointer_in(message: str, body: JSON) -> Pointer:
    """The deepest pointer of ``body`` that the validation ``message`` starts with."""
    best: Pointer = ()
    stack: list[tuple[Pointer, JSON]] = [((), body)]
    while stack:
        pointer, value = stack.pop()
        rendered = "body" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in pointer)
        if message.startswith(rendered + ":") and len(pointer) > len(best):
            best = pointer
        items = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list)
            else ()
        )
        stack.extend(((*pointer, k), v) for k, v in items)
    return best


def example_findings(contract: Contract) -> list[Finding]:
    """The example rules applied to the facet's documented examples as published (the files
    in contracts/examples/ graphcontract.documented reads; none when none is bundled)."""
    documented = contract.documented
    if documented is None:
        return []
    request_file, response_file = documented.files
    findings = []
    if documented.request_error is not None:
        findings.append(
            Finding(
                request_file,
                0,
                "example.invalid-json",
                f"request example body is not JSON: {documented.request_error}",
                clause(contract, "docs.examples"),
            )
        )
    return [
        *findings,
        *body_findings(
            contract, documented.request, request=True, page=request_file, line_of=lambda _: 0
        ),
        *body_findings(
            contract, documented.response, request=False, page=response_file, line_of=lambda _: 0
        ),
    ]


def _page_example_findings(contract: Contract, page: Page) -> list[Finding]:
    findings = []
    for example in page.examples:
        if example.body_error is not None:
            findings.append(
                Finding(
                    page.path,
                    example.error_line or example.line,
                    "example.invalid-json",
                    f"{example.kind} example body is not JSON: {example.body_error}",
                    clause(contract, "docs.examples"),
                )
            )
        elif example.body_line is not None:
            for at, body in _bodies(contract, example.kind, example.body):
                findings += body_findings(
                    contract,
                    body,
                    request=example.kind == "request",
                    page=page.path,
                    line_of=_prefixed(example, at),
                )
    return findings


def _prefixed(example: Example, at: Pointer) -> Callable[[Pointer], int]:
    return lambda pointer: example.line_of((*at, *pointer))


def _bodies(contract: Contract, kind: str, body: JSON) -> list[tuple[Pointer, JSON]]:
    """A List response (``{"value": [...]}``) holds one entity per item."""
    items = body.get("value") if isinstance(body, dict) else None
    if kind == "response" and isinstance(items, list) and "value" not in contract.entity.properties:
        return [(("value", index), item) for index, item in enumerate(items)]
    return [((), body)]


# -- paths and placeholders -------------------------------------------------------------------


@functools.cache
def contract_paths(root: Path) -> dict[str, frozenset[str]]:
    """Normalised path template → HTTP methods, from contracts/openapi.yaml."""
    try:
        spec = yaml.safe_load((root / "openapi.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractDataError(f"cannot read {root / 'openapi.yaml'}: {exc}") from exc
    methods = {m.casefold() for m in ("get", "post", "put", "patch", "delete")}
    return {
        normalize_path(template): frozenset(k.upper() for k in item if k in methods)
        for template, item in (spec.get("paths") or {}).items()
    }


def _matches(path: str, templates: Sequence[str]) -> bool:
    segments = path.casefold().split("/")
    for template in templates:
        parts = template.casefold().split("/")
        if len(parts) == len(segments) and all(
            t in ("{}", s) for t, s in zip(parts, segments, strict=True)
        ):
            return True
    return False


def path_findings(contract: Contract, page: Page, request: RequestLine) -> list[Finding]:
    """A request line against the contract's paths (PATCH: the update paths)."""
    paths = contract.paths if contract.paths is not None else contract_paths(contract.root)
    method = request.method.upper()
    templates = [p for p, m in paths.items() if method in m] if method == "PATCH" else list(paths)
    segments = request.path.split("/")
    related = clause(contract, "paths.users" if segments[1:2] != ["me"] else "paths.me")
    shown = f"{method} {request.target}"
    findings = []
    if segments[1:2] == ["user"]:
        segments[1] = "users"
        findings.append(
            Finding(
                page.path,
                request.line,
                "path.singular-user",
                f"{shown}: the segment is /users/, not /user/",
                related,
            )
        )
    path = "/".join(segments)
    if _matches(path, templates):
        return findings
    if method == "PATCH" and _matches(path + "/{}", templates):
        findings.append(
            Finding(
                page.path,
                request.line,
                "path.collection-url",
                f"{shown} addresses the collection; an update needs the key segment …/{{id}}",
                related,
            )
        )
    elif not findings:
        known = ", ".join(templates)
        findings.append(
            Finding(
                page.path,
                request.line,
                "path.unknown",
                f"{shown} is not among the contract's paths ({known})",
                related,
            )
        )
    return findings


def placeholder_findings(page: Page) -> list[Finding]:
    return [
        Finding(page.path, number, "placeholder.todo", f"placeholder left in: {text.strip()[:80]}")
        for number, text in enumerate(page.lines, start=1)
        if _TODO.search(text)
    ]


# -- all together ---------------------------------------------------------------------------


def page_findings(contract: Contract, page: Page, subject: Subject | None = None) -> list[Finding]:
    """Every single-page rule for ``page``."""
    subject = subject or subject_of(contract, page)
    findings = [Finding(page.path, p.line, p.kind, p.message) for p in page.problems]
    requests = [*page.http_requests, *(e.request for e in page.examples if e.request)]
    for request in requests:
        findings += path_findings(contract, page, request)
    findings += table_findings(contract, page, subject)
    findings += _page_example_findings(contract, page)
    findings += placeholder_findings(page)
    return findings
