"""The contract model and the data in contracts/: derived files in sync, the OpenAPI document
valid and loadable by Schemathesis, the model's classes of properties, the clause catalog."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate

from graphcontract.contract import EVOLVABLE_SENTINEL, load_contract, load_yaml
from graphcontract.schema_build import render_all

CONTRACT = load_contract()


def test_generated_files_match_a_fresh_build():
    for path, text in render_all(CONTRACT.root).items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run python -m graphcontract.schema_build"
        )


@pytest.mark.parametrize("name", ["clauses.yaml", "openapi.yaml"])
def test_fast_yaml_loading_reads_the_contract_files_as_safe_load_does(name):
    text = (CONTRACT.root / name).read_text(encoding="utf-8")
    assert load_yaml(text) == yaml.safe_load(text)


def test_openapi_document_is_valid_and_loads_in_schemathesis():
    document = yaml.safe_load((CONTRACT.root / "openapi.yaml").read_text(encoding="utf-8"))
    validate(document)
    import schemathesis

    schema = schemathesis.openapi.from_path(str(CONTRACT.root / "openapi.yaml"))
    operations = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert ("PATCH", "/me/profile/positions/{id}") in operations
    assert ("PATCH", "/users/{user}/profile/positions/{id}") in operations
    assert not any(method in {"DELETE", "POST", "PUT"} for method, _ in operations)


def test_property_classes():
    assert CONTRACT.updatable == (
        "allowedAudiences",
        "categories",
        "colleagues",
        "detail",
        "inference",
        "isCurrent",
        "manager",
    )
    assert set(CONTRACT.read_only) == {
        "id",
        "createdBy",
        "createdDateTime",
        "lastModifiedBy",
        "lastModifiedDateTime",
    }
    assert set(CONTRACT.undocumented) == {"isSearchable", "source", "sources"}


def test_enums_from_metadata():
    audiences = CONTRACT.enums["allowedAudiences"]
    assert audiences.is_flags
    assert audiences.members["me"] == 0
    assert audiences.members["unknownFutureValue"] == 64
    assert EVOLVABLE_SENTINEL not in audiences.sendable_members
    assert "unknownFutureValue" not in CONTRACT.enums["physicalAddressType"].members
    assert audiences.matches_member_ignoring_case("ORGANIZATION")


def test_enum_sites_cover_every_nested_enum():
    sites = {s.path: s.clause for s in CONTRACT.enum_sites()}
    assert sites == {
        ("allowedAudiences",): "enum.allowedAudiences.rejects",
        ("manager", "relationship"): "enum.nested",
        ("colleagues", "[]", "relationship"): "enum.nested",
        ("detail", "company", "address", "type"): "enum.nested",
    }


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"allowedAudiences": "bogus"}, "body.allowedAudiences"),
        ({"detail": {"startMonthYear": "datetime-value"}}, "body.detail.startMonthYear"),
        ({"detail": {"startMonthYear": "2020-02-30"}}, "body.detail.startMonthYear"),
        ({"detail": {"layer": 2**31}}, "body.detail.layer"),
        ({"categories": [1]}, "body.categories[0]"),
        ({"colleagues": [{"relationship": "boss"}]}, "body.colleagues[0].relationship"),
        ({"id": "x"}, "body: 'id'"),
        ({"isCurrentX": True}, "body: 'isCurrentX'"),
    ],
    ids=[
        "enum",
        "date-placeholder",
        "impossible-date",
        "int32-overflow",
        "collection-member",
        "nested-enum",
        "read-only",
        "undeclared",
    ],
)
def test_request_errors_name_the_place(body, fragment):
    errors = CONTRACT.request_errors(body)
    assert errors
    assert errors[0].startswith(fragment)


def test_documented_example_request_is_valid_and_response_is_not():
    assert CONTRACT.request_errors(CONTRACT.documented_request) == []
    errors = CONTRACT.response_errors(CONTRACT.documented_response)
    assert any("startMonthYear" in e for e in errors)


def test_mock_seed_is_a_valid_response():
    for position in CONTRACT.seed["positions"]:
        assert CONTRACT.response_errors(position) == []


@pytest.mark.parametrize(
    ("type_name", "annotation"),
    [
        ("workPosition", "#microsoft.graph.workPosition"),
        ("positionDetail", "#microsoft.graph.positionDetail"),
        ("Edm.Date", "#Date"),
        ("Edm.DateTimeOffset", "#DateTimeOffset"),
    ],
)
def test_type_annotations_name_types_as_odata_json_does(type_name, annotation):
    assert CONTRACT.type_annotation(type_name) == annotation


def test_clause_catalog_matches_the_design():
    levels = {cid: c.level for cid, c in CONTRACT.clauses.items()}
    assert len(levels) == 37
    assert levels["target.isolation"] == "must"  # not in DESIGN.md: a missing "WHERE id ="
    assert {cid for cid, lvl in levels.items() if lvl == "observe"} == {
        "enum.allowedAudiences.gray",
        "properties.unknown",
        "collections.null-vs-empty",
        "idempotent",
        "merge.recalculated",  # not in DESIGN.md: the published page's "or be recalculated"
        "enum.nested.gray",  # not in DESIGN.md: enum.nested's "same rules" need the gray side
        "body.empty",  # not in DESIGN.md: {} names nothing; 200 or 400, nothing may change
        "body.annotations",  # not in DESIGN.md: @odata.type without '#', contradicting, unknown
        "strings.unusual",  # not in DESIGN.md: U+0000 and lone surrogates (never a 5xx)
        "values.long",  # not in DESIGN.md: no length documented; refuse, never cut
    }
    assert levels["docs.examples"] == "doc"
    for clause in CONTRACT.clauses.values():
        assert clause.source.page
        assert clause.source.section
        assert clause.source.row


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("", True),
        ("nobody", True),
        ("семья", True),
        ("me", False),
        ("ME", False),
        ("ＭＥ", False),  # full-width letters: NFKC makes them "ME"
        ("8", False),
        ("-1.5", False),
        ("family,contacts", False),
        ("family, contacts", False),
        ("family,", False),
        ("organization,nobody", True),
        ("nobody,family", True),
        (" me", False),
        ("nobody ", False),
    ],
    ids=lambda v: repr(v) if isinstance(v, str) else str(v),
)
def test_must_refuse_leaves_every_form_a_server_may_parse_to_the_gray_zone(value, refused):
    assert CONTRACT.enums["allowedAudiences"].must_refuse(value) is refused


FORM_NOTES = ("flags enum", "DateTimeOffset", "Double", "annotation", "Content-Encoding")
"""The value forms whose judgement response.shape records with its source."""


def test_every_judgement_of_a_value_form_names_its_source():
    catalog = load_yaml((CONTRACT.root / "clauses.yaml").read_text(encoding="utf-8"))
    notes = {raw["id"]: raw.get("notes", []) for raw in catalog["clauses"]}
    for clause_id, entries in notes.items():
        for note in entries:
            assert set(note) == {"decision", "source"}, clause_id
            assert note["decision"].strip(), clause_id
            assert note["source"].strip(), clause_id
    shape = " ".join(note["decision"] for note in notes["response.shape"])
    assert all(form in shape for form in FORM_NOTES), shape
    assert notes["response.echo"]
    assert notes["persisted"]
