"""Which entity type of the metadata a page documents, and doc-lint over pages of many facets.

Owns the choice of the contract a page is linted against: a resource page by its title
("skillProficiency resource type"), an operation page by the entity type its title names
("Update personAnnualEvent") or else by the profile collection its request lines address
(``/me/profile/skills/{id}``). Pages of one facet are linted together (the first page of an
API is the others' baseline); a page about a type the metadata lacks is one finding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from graphcontract.contract import METADATA_ENV, Contract, contracts_dir, load_contract
from graphcontract.contract_source import BUNDLED_METADATA, DEFAULT_FACET, OWNER
from graphcontract.csdl import Metadata, read_csdl
from graphcontract.doclint import lint_pages
from graphcontract.doclint.finding import Finding
from graphcontract.doclint.page import Page

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_PROFILE_SEGMENT = re.compile(r"/profile/([A-Za-z]+)")


def _metadata_path() -> Path:
    import os

    selected = os.environ.get(METADATA_ENV)
    return Path(selected) if selected else contracts_dir() / BUNDLED_METADATA


def facet_of(metadata: Metadata, page: Page) -> str | None:
    """The entity type ``page`` documents, or None when the metadata has none it names."""
    entities = {n.casefold(): n for n, t in metadata.types.items() if t.kind == "entity"}
    words = _WORD.findall(page.title)
    if page.is_resource_page:
        return entities.get(words[0].casefold()) if words else None
    for word in words:
        if word.casefold() in entities and word.casefold() not in {"entity", OWNER}:
            return entities[word.casefold()]
    segments = metadata.containment(OWNER)
    requests = [*page.http_requests, *(e.request for e in page.examples if e.request)]
    for request in requests:
        match = _PROFILE_SEGMENT.search(request.path)
        named = segments.get(match[1]) if match else None
        if named is not None and named.casefold() in "\n".join(page.lines).casefold():
            return named
    return None


def is_facet_page(page: Page) -> bool:
    """A page about some profile facet: it names itemFacet (its base) or a profile path."""
    text = "\n".join(page.lines)
    return "itemfacet" in text.casefold() or bool(_PROFILE_SEGMENT.search(text))


def named_type(page: Page) -> str:
    """The type a page's title names (for a finding about a type the metadata lacks)."""
    words = [w for w in _WORD.findall(page.title) if w[:1].islower()]
    return words[0] if words else page.title


def lint_facet_pages(pages: Sequence[Page]) -> list[Finding]:
    """Every page linted against the contract of the facet it documents."""
    path = _metadata_path()
    metadata = read_csdl(path)
    groups: dict[str, list[Page]] = {}
    findings: list[Finding] = []
    for page in pages:
        facet = facet_of(metadata, page)
        if facet is None and not is_facet_page(page):
            facet = DEFAULT_FACET  # judged as before: a page about something else is refused
        if facet is None:
            findings.append(
                Finding(
                    page.path,
                    1,
                    "page.unknown-type",
                    f"the page documents {named_type(page)!r}, which the metadata "
                    f"({path.name}) does not declare as an entity type",
                )
            )
            continue
        groups.setdefault(facet, []).append(page)
    for facet, group in groups.items():
        contract: Contract = load_contract(facet=facet if facet != DEFAULT_FACET else None)
        findings += lint_pages(contract, group)
    order = {page.path: index for index, page in enumerate(pages)}
    return sorted(findings, key=lambda f: (order.get(f.page, len(order)), f.line, f.kind))
