"""The doc-lint rules for a page's property table against the contract: missing and extra
rows, types, enum members, and read-only rows on an Update page."""

from __future__ import annotations

from graphcontract.contract import EDM_PRIMITIVES, Contract, PropertySpec
from graphcontract.doclint.finding import Finding, Subject, clause
from graphcontract.doclint.page import Page, PropertyRow

_EDM = {name.removeprefix("Edm.").casefold(): name for name in EDM_PRIMITIVES}


def _describe(contract: Contract, spec: PropertySpec) -> str:
    if contract.is_enum(spec.type_name):
        enum = contract.enums[spec.type_name]
        flags = "flags " if enum.is_flags else ""
        text = f"the {flags}enum {enum.name} ({', '.join(enum.members)})"
    elif contract.is_structured(spec.type_name):
        text = f"the complex type {spec.type_name}"
    else:
        text = spec.type_name
    return text + (" collection" if spec.collection else "")


def _type_clause(contract: Contract, subject: Subject, spec: PropertySpec) -> str | None:
    if not contract.is_enum(spec.type_name):
        return clause(contract, "types.rejects")
    if subject.kind == "update":
        for site in contract.enum_sites():
            if site.path == (spec.name,):
                return clause(contract, site.clause)
    return clause(contract, "enum.nested")


def _row_findings(
    contract: Contract, page: Page, subject: Subject, row: PropertyRow, spec: PropertySpec
) -> list[Finding]:
    findings = []
    documented = _EDM.get(row.type_name.casefold(), row.type_name)
    if documented.casefold() != spec.type_name.casefold() or row.collection != spec.collection:
        findings.append(
            Finding(
                page.path,
                row.line,
                "table.type-mismatch",
                f"{row.name} is documented as {row.type_text!r}, but the metadata has "
                f"{_describe(contract, spec)}",
                _type_clause(contract, subject, spec),
            )
        )
    if contract.is_enum(spec.type_name) and row.possible_values is not None:
        members = contract.enums[spec.type_name].members
        missing = [m for m in members if m not in row.possible_values]
        extra = [v for v in row.possible_values if v not in members]
        if missing or extra:
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"not members: {', '.join(extra)}"] if extra else []
            )
            findings.append(
                Finding(
                    page.path,
                    row.line,
                    "table.enum-members",
                    f"{row.name}: 'Possible values' differ from the enum {spec.type_name} "
                    f"({'; '.join(parts)})",
                    _type_clause(contract, subject, spec),
                )
            )
    return findings


def table_findings(contract: Contract, page: Page, subject: Subject) -> list[Finding]:
    """The property table against the contract (Update request body or a resource type)."""
    rows = page.property_rows
    if subject.kind == "operation" or not rows:
        return []
    findings: list[Finding] = []
    properties = subject.type.properties
    expected = contract.updatable if subject.kind == "update" else tuple(properties)
    read_only = clause(contract, "read-only.not-applied")
    for row in rows:
        spec = properties.get(row.name)
        if subject.kind == "update" and row.name in contract.read_only:
            findings.append(
                Finding(
                    page.path,
                    row.line,
                    "table.read-only-in-request",
                    f"{row.name} is listed as a request-body property but is "
                    "read-only (key or server-managed)",
                    read_only,
                )
            )
        elif row.name not in expected:
            why = (
                "declared by the metadata but not documented as updatable"
                if spec
                else f"not a property of {subject.type.name}"
            )
            findings.append(
                Finding(
                    page.path,
                    row.line,
                    "table.extra-property",
                    f"{row.name} is listed but is {why}",
                    clause(contract, "properties.unknown"),
                )
            )
        if spec is not None:
            findings += _row_findings(contract, page, subject, row, spec)
    documented = {row.name for row in rows}
    what = (
        "an updatable property"
        if subject.kind == "update"
        else (f"a property of {subject.type.name}")
    )
    findings += [
        Finding(
            page.path,
            page.property_tables[0].line,
            "table.missing-property",
            f"the table lacks {name}, {what} ({_describe(contract, properties[name])})",
        )
        for name in expected
        if name not in documented
    ]
    return findings
