"""doc-lint over every page of the reference's graph-docs/: each page against the facet it
documents (by title or profile path), findings per page, a type the metadata lacks as one
finding, workPosition's pages judged exactly as before."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from graphcontract.contract import METADATA_ENV, contracts_dir, load_contract
from graphcontract.contract_source import NATIONAL_CLOUD_METADATA
from graphcontract.csdl import read_csdl
from graphcontract.doclint import cli, lint_pages, load_page
from graphcontract.doclint.facets import facet_of

REFERENCE = Path(
    os.environ.get("GRAPHCONTRACT_REFERENCE") or Path(__file__).parents[3] / "shared" / "reference"
)
DOCS = REFERENCE / "graph-docs"
FACETS = json.loads((contracts_dir() / "metadata" / "facets.json").read_text())["facets"]


@pytest.fixture(autouse=True)
def _no_selection(monkeypatch):
    """No selection during the test, and none left after it: setenv first, so monkeypatch
    records the variable's state and undoes what the code under test sets too."""
    monkeypatch.setenv(METADATA_ENV, "")
    monkeypatch.delenv(METADATA_ENV)


def lint_folder(capsys, *extra: str) -> dict:
    assert DOCS.is_dir(), f"reference pages not found at {DOCS} (GRAPHCONTRACT_REFERENCE)"
    assert cli.main([str(DOCS), "--format", "json", *extra]) == 1
    return json.loads(capsys.readouterr().out)


def by_page(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {Path(p).name: [] for p in document["pages"]}
    for finding in document["findings"]:
        found[Path(finding["page"]).name].append(finding)
    return found


def test_every_api_page_is_linted_and_only_sources_md_left_out(capsys):
    document = lint_folder(capsys)
    names = {Path(p).name for p in document["pages"]}
    assert names == {p.name for p in DOCS.glob("*.md")} - {"SOURCES.md"}
    assert document["count"] == len(document["findings"])


def test_update_pages_are_judged_against_their_own_facet(capsys):
    """Against workPosition's contract every other Update page would list 'extra' and leave
    out 'missing' properties; against its own, its table is its facet's updatable list."""
    pages = by_page(lint_folder(capsys))
    for facet, facts in FACETS.items():
        kinds = {f["kind"] for f in pages[facts["updatePage"]]}
        assert not kinds & {"table.extra-property", "table.missing-property"}, (facet, kinds)


def test_a_facet_the_metadata_lacks_is_one_finding_per_page(capsys):
    prod = by_page(lint_folder(capsys))
    usnat = by_page(
        lint_folder(capsys, "--metadata", str(contracts_dir() / NATIONAL_CLOUD_METADATA))
    )
    for name in ("personanniversary.md", "personanniversary-update.md"):
        assert [f["kind"] for f in prod[name]] == ["page.unknown-type"]
        assert "page.unknown-type" not in {f["kind"] for f in usnat[name]}
    assert [f["kind"] for f in usnat["personannualevent.md"]] == ["page.unknown-type"]
    assert "page.unknown-type" not in {f["kind"] for f in prod["personannualevent.md"]}


def test_workposition_pages_are_linted_as_before(capsys):
    pages = by_page(lint_folder(capsys))
    for name in ("workposition.md", "workposition-update.md"):
        before = lint_pages(load_contract(), [load_page(DOCS / name)])
        assert [(f["kind"], f["line"]) for f in pages[name]] == [(f.kind, f.line) for f in before]


@pytest.mark.parametrize(
    ("page", "facet"),
    [
        ("skillproficiency-update.md", "skillProficiency"),
        ("projectparticipation-update.md", "projectParticipation"),
        ("itemfacet.md", "itemFacet"),
        ("personanniversary-update.md", None),
    ],
    ids=["update-page", "update-titled-resource-type", "abstract-base", "absent-type"],
)
def test_facet_of_a_page(page, facet):
    metadata = read_csdl(contracts_dir() / "metadata" / "profile-beta.xml")
    assert facet_of(metadata, load_page(DOCS / page)) == facet
