"""The mock's generated facet seeds: what ``python -m graphcontract.facet_seeds`` makes of the
Update pages, valid against each facet's contract, each fix a doc-lint finding of the page."""

import json
import os
from pathlib import Path

import pytest

from graphcontract.contract import contracts_dir, load_contract
from graphcontract.doclint.facets import lint_facet_pages
from graphcontract.doclint.page import load_page
from graphcontract.facet_seeds import (
    HAND_SEEDED,
    all_seeds,
    facet_metadata,
    render,
    seed_path,
)
from graphcontract.facet_seeds import main as generate
from graphcontract.mock.seed import seed_errors

CONTRACTS = contracts_dir()
REFERENCE = Path(
    os.environ.get("GRAPHCONTRACT_REFERENCE") or CONTRACTS.parents[1] / "shared" / "reference"
)
FACETS = sorted(
    json.loads((CONTRACTS / "metadata" / "facets.json").read_text(encoding="utf-8"))["facets"]
)
GENERATED = [f for f in FACETS if f not in HAND_SEEDED]


def stored(facet: str) -> dict:
    return json.loads(seed_path(CONTRACTS, facet).read_text(encoding="utf-8"))


def test_the_bundled_seeds_are_what_the_generator_makes():
    assert REFERENCE.is_dir(), f"reference facts not found at {REFERENCE} (GRAPHCONTRACT_REFERENCE)"
    fresh = all_seeds(CONTRACTS, REFERENCE)
    assert sorted(fresh) == GENERATED
    for facet, seed in fresh.items():
        assert seed_path(CONTRACTS, facet).read_text(encoding="utf-8") == render(seed), facet
    assert generate(["--reference", str(REFERENCE), "--check"]) == 0


def test_the_generator_refuses_a_missing_reference(tmp_path, capsys):
    assert generate(["--reference", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize("facet", FACETS)
def test_every_seed_is_valid_for_its_facet(facet):
    contract = load_contract(CONTRACTS, facet_metadata(CONTRACTS, facet), facet)
    seed = {"user": load_contract().seed["user"], "positions": contract.seed["positions"]}
    assert len(seed["positions"]) == 2
    assert seed_errors(contract, seed) == []


@pytest.mark.parametrize("facet", GENERATED)
def test_every_fix_is_a_finding_doc_lint_reports(facet):
    """The seed fixes the example response's values doc-lint finds invalid, and only those."""
    seed = stored(facet)
    page = load_page(REFERENCE / "graph-docs" / seed["source"])
    response = next(e for e in page.examples if e.kind == "response")
    findings = {
        (f.line, f.kind)
        for f in lint_facet_pages([page])
        if f.kind.startswith("example.") and f.line >= response.line
    }
    fixes = {
        (response.line_of(tuple(int(s) if s.isdigit() else s for s in fix["at"].split("."))),
         fix["finding"])
        for fix in seed["fixed"]
    }  # fmt: skip
    if facet == "personAnniversary":  # linted against Prod's metadata, which lacks the type
        assert findings == set()
    else:
        assert fixes == findings
    first = seed["items"][0]
    for fix in seed["fixed"]:
        value = first
        for step in fix["at"].split("."):
            value = value[step]
        assert value == fix["now"] != fix["was"]


def test_workpositions_seed_is_the_hand_made_one():
    assert seed_path(CONTRACTS, "workPosition") == CONTRACTS / "examples" / "mock_seed.json"
    assert not (CONTRACTS / "examples" / "facets" / "workPosition.json").exists()
    assert load_contract().seed == stored("workPosition")
