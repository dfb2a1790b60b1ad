"""Each facet's documented examples: the generator's files (the Update page's example request
and response as published, and the request as the suite sends it) and how the contract loads
them (graphcontract.documented)."""

import json
import os
from pathlib import Path

import pytest

from graphcontract.contract import contracts_dir, load_contract
from graphcontract.doclint.checks import example_findings
from graphcontract.documented import example_files, load_documented
from graphcontract.facet_seeds import HAND_SEEDED, _sendable, all_examples, facet_metadata, render

CONTRACTS = contracts_dir()
REFERENCE = Path(
    os.environ.get("GRAPHCONTRACT_REFERENCE") or CONTRACTS.parents[1] / "shared" / "reference"
)
FACETS = sorted(
    json.loads((CONTRACTS / "metadata" / "facets.json").read_text(encoding="utf-8"))["facets"]
)
GENERATED = [f for f in FACETS if f not in HAND_SEEDED]


def contract_of(facet: str):
    return load_contract(CONTRACTS, facet_metadata(CONTRACTS, facet), facet)


def test_the_bundled_examples_are_what_the_generator_makes():
    assert REFERENCE.is_dir(), f"reference facts not found at {REFERENCE} (GRAPHCONTRACT_REFERENCE)"
    fresh = all_examples(CONTRACTS, REFERENCE)
    expected = {CONTRACTS / path for facet in GENERATED for path in example_files(facet)}
    assert set(fresh) == expected
    for path, document in fresh.items():
        assert path.read_text(encoding="utf-8") == render(document), path


@pytest.mark.parametrize("facet", FACETS)
def test_every_facet_sends_a_valid_documented_request(facet):
    contract = contract_of(facet)
    documented = contract.documented
    assert documented is not None
    assert documented.sendable, facet  # never the empty body
    assert contract.documented_request == documented.sendable
    assert contract.request_errors(contract.documented_request) == []
    assert contract.documented_response == documented.response != {}


@pytest.mark.parametrize("facet", GENERATED)
def test_the_sent_request_differs_from_the_published_one_only_by_its_fixes(facet):
    stored = json.loads((CONTRACTS / example_files(facet)[0]).read_text(encoding="utf-8"))
    if stored["body"] is None:  # not JSON as published: docs.examples says so
        assert stored["fixed"][0]["finding"] == "example.invalid-json"
        kinds = {f.kind for f in example_findings(contract_of(facet))}
        assert "example.invalid-json" in kinds
    elif not stored["fixed"]:
        assert stored["sendable"] == stored["body"]
    else:
        assert stored["sendable"] != stored["body"]


def test_workpositions_examples_are_the_hand_kept_files():
    documented = load_contract().documented
    assert documented is not None
    request = json.loads((CONTRACTS / "examples" / "update_workposition.request.json").read_text())
    assert documented.request == documented.sendable == request["body"]
    assert documented.pattern == "contracts/examples/update_workposition.*.json"
    assert not (CONTRACTS / "examples" / "facets" / "workPosition.request.json").exists()


def test_the_request_sent_has_doc_lints_findings_fixed():
    contract = load_contract()
    published = {
        "id": "x",
        "allowedAudiences": "Everybody",
        "detail": {"startMonthYear": "datetime-value"},
    }
    sendable, fixed = _sendable(contract, published)
    assert "id" not in sendable  # read-only: dropped
    assert sendable["allowedAudiences"] in contract.enums["allowedAudiences"].members
    assert sendable["detail"]["startMonthYear"] != "datetime-value"
    assert contract.request_errors(sendable) == []
    assert [f["at"] for f in fixed] == ["id", "allowedAudiences", "detail.startMonthYear"]
    assert published["id"] == "x"  # the published body is left as it is


def test_a_request_that_is_not_json_is_a_documentation_finding(tmp_path):
    request_file, response_file = example_files("skillProficiency")
    (tmp_path / request_file).parent.mkdir(parents=True)
    (tmp_path / request_file).write_text(
        json.dumps({"body": None, "bodyError": "Expecting value", "sendable": {"a": 1}})
    )
    (tmp_path / response_file).write_text(json.dumps({"body": {"id": "1"}}))
    documented = load_documented(tmp_path, "skillProficiency")
    assert documented is not None
    assert (documented.request, documented.sendable) == ({}, {"a": 1})
    assert documented.request_error == "Expecting value"
    assert load_documented(tmp_path, "itemEmail") is None
