"""What changed between two pages of the same API (``difference.*`` findings).

Owns the comparison of a page against a baseline page (the first page of the same API given on
the command line): HTTP request paths, permission rows (``permissions.disagree`` when both pages
name concrete permissions that differ), property table rows, and the example bodies. Findings
are reported on the later page, at its lines, and name the baseline.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from graphcontract.contract import Contract
from graphcontract.doclint.blocks import Example
from graphcontract.doclint.finding import Finding, clause
from graphcontract.doclint.page import Page, PermissionRow, PropertyRow
from graphcontract.types import JSON

_PLACEHOLDER = re.compile(r"\bTODO\b|^\s*$")


def compare_pages(contract: Contract, base: Page, other: Page) -> list[Finding]:
    """Differences of ``other`` against the baseline ``base``."""
    return [
        *_paths(base, other),
        *_permissions(contract, base, other),
        *_properties(base, other),
        *_examples(base, other),
    ]


def _paths(base: Page, other: Page) -> list[Finding]:
    before = {(r.method, r.path.casefold()): r for r in base.http_requests}
    after = {(r.method, r.path.casefold()): r for r in other.http_requests}
    where = other.http_requests[0].line if other.http_requests else 1
    findings = [
        Finding(
            other.path, r.line, "difference.path", f"{r.method} {r.target} is not in {base.path}"
        )
        for key, r in after.items()
        if key not in before
    ]
    findings += [
        Finding(
            other.path,
            where,
            "difference.path",
            f"{r.method} {r.target} of {base.path} is missing here",
        )
        for key, r in before.items()
        if key not in after
    ]
    return findings


def _is_concrete(row: PermissionRow) -> bool:
    return not _PLACEHOLDER.search(row.text)


def _quoted(row: PermissionRow) -> str:
    return repr(", ".join(row.values)) if row.values else "(empty)"


def _permissions(contract: Contract, base: Page, other: Page) -> list[Finding]:
    before = {row.scheme.casefold(): row for row in base.permissions}
    after = {row.scheme.casefold(): row for row in other.permissions}
    where = other.permissions[0].line if other.permissions else 1
    findings = []
    for scheme, row in after.items():
        old = before.get(scheme)
        if old is None:
            findings.append(
                Finding(
                    other.path,
                    row.line,
                    "difference.permissions",
                    f"{row.scheme}: not listed in {base.path}",
                )
            )
        elif {v.casefold() for v in old.values} == {v.casefold() for v in row.values}:
            continue
        elif _is_concrete(old) and _is_concrete(row):
            findings.append(
                Finding(
                    other.path,
                    row.line,
                    "permissions.disagree",
                    f"{row.scheme}: this page says {', '.join(row.values)}; {base.path} says "
                    f"{', '.join(old.values)}",
                    clause(contract, "auth.scope"),
                )
            )
        else:
            findings.append(
                Finding(
                    other.path,
                    row.line,
                    "difference.permissions",
                    f"{row.scheme}: {_quoted(row)} here, {_quoted(old)} in {base.path}",
                )
            )
    findings += [
        Finding(
            other.path,
            where,
            "difference.permissions",
            f"{row.scheme} ({', '.join(row.values)}) of {base.path} is missing here",
        )
        for scheme, row in before.items()
        if scheme not in after
    ]
    return findings


def _row_shape(row: PropertyRow) -> tuple[str, bool, tuple[str, ...] | None]:
    return row.type_name.casefold(), row.collection, row.possible_values


def _properties(base: Page, other: Page) -> list[Finding]:
    before = {row.name: row for row in base.property_rows}
    after = {row.name: row for row in other.property_rows}
    tables = other.property_tables
    where = tables[0].line if tables else 1
    findings = []
    for name, row in after.items():
        old = before.get(name)
        if old is None:
            findings.append(
                Finding(
                    other.path,
                    row.line,
                    "difference.properties",
                    f"{name} ({row.type_text}) is not in the table of {base.path}",
                )
            )
        elif _row_shape(old) != _row_shape(row):
            findings.append(
                Finding(
                    other.path,
                    row.line,
                    "difference.properties",
                    f"{name}: {_shown(row)} here, {_shown(old)} in {base.path}",
                )
            )
    findings += [
        Finding(
            other.path,
            where,
            "difference.properties",
            f"{name} ({row.type_text}) of {base.path}'s table is missing here",
        )
        for name, row in before.items()
        if name not in after
    ]
    return findings


def _shown(row: PropertyRow) -> str:
    values = f" with values {', '.join(row.possible_values)}" if row.possible_values else ""
    return f"{row.type_text!r}{values}"


def _first(page: Page, kind: str) -> Example | None:
    return next((e for e in page.examples if e.kind == kind), None)


def _examples(base: Page, other: Page) -> list[Finding]:
    findings = []
    for kind in ("request", "response"):
        old, new = _first(base, kind), _first(other, kind)
        if old is None and new is None:
            continue
        if new is None or old is None:
            line = new.line if new is not None else 1
            state = "is missing here" if new is None else "is new"
            findings.append(
                Finding(
                    other.path,
                    line,
                    "difference.examples",
                    f"the {kind} example {state} (compared with {base.path})",
                )
            )
            continue
        if new.request and old.request and new.request.path != old.request.path:
            findings.append(
                Finding(
                    other.path,
                    new.request.line,
                    "difference.examples",
                    f"the {kind} example calls {new.request.method} {new.request.target}; "
                    f"{base.path} calls {old.request.method} {old.request.target}",
                )
            )
        changes = _body_changes(old.body, new.body)
        if changes:
            findings.append(
                Finding(
                    other.path,
                    new.body_line or new.line,
                    "difference.examples",
                    f"the {kind} example body differs from {base.path}'s: {'; '.join(changes)}",
                )
            )
    return findings


def _body_changes(old: JSON, new: JSON) -> list[str]:
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return [] if old == new else ["the body was replaced"]
    added = [k for k in new if k not in old]
    removed = [k for k in old if k not in new]
    changed = [k for k in new if k in old and new[k] != old[k]]
    return [
        f"{label} {', '.join(keys)}"
        for label, keys in (("added", added), ("removed", removed), ("changed", changed))
        if keys
    ]
