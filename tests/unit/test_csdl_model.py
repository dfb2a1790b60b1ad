"""The contract model read from the bundled CSDL equals the hand-written contracts/types.json
for workPosition, type by type and property by property; the bundled subsets are what the
generator makes of the reference facts; the national cloud's subset lacks Prod's additions."""

import json
import os
from pathlib import Path

import pytest

from graphcontract.contract import contracts_dir, load_contract
from graphcontract.contract_source import NATIONAL_CLOUD_METADATA, facts_from_metadata
from graphcontract.csdl import read_csdl
from graphcontract.csdl_subset import main as generate
from graphcontract.schema_build import build_schema

CONTRACTS = contracts_dir()
HAND_WRITTEN = json.loads((CONTRACTS / "types.json").read_text(encoding="utf-8"))
FROM_CSDL = facts_from_metadata(CONTRACTS)
REFERENCE = Path(
    os.environ.get("GRAPHCONTRACT_REFERENCE") or CONTRACTS.parents[1] / "shared" / "reference"
)


def test_same_types_and_enums():
    assert sorted(FROM_CSDL["types"]) == sorted(HAND_WRITTEN["types"])
    assert FROM_CSDL["entityType"] == HAND_WRITTEN["entityType"] == "workPosition"
    assert FROM_CSDL["enums"] == HAND_WRITTEN["enums"]


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN["types"]))
def test_each_type_is_the_hand_written_one(name):
    ours, theirs = FROM_CSDL["types"][name], HAND_WRITTEN["types"][name]
    assert {k: v for k, v in ours.items() if k != "properties"} == {
        k: v for k, v in theirs.items() if k != "properties"
    }
    assert list(ours["properties"]) == list(theirs["properties"])
    for prop in theirs["properties"]:
        assert (name, prop, ours["properties"][prop]) == (name, prop, theirs["properties"][prop])


@pytest.mark.parametrize("for_request", [True, False], ids=["request", "response"])
def test_schemas_built_from_either_are_identical(for_request):
    assert build_schema(FROM_CSDL, for_request=for_request) == build_schema(
        HAND_WRITTEN, for_request=for_request
    )


def test_load_contract_reads_the_bundled_csdl_by_default():
    contract = load_contract()
    assert contract.entity.properties["detail"].type_name == "positionDetail"
    assert contract.updatable == (
        "allowedAudiences",
        "categories",
        "colleagues",
        "detail",
        "inference",
        "isCurrent",
        "manager",
    )
    assert contract.undocumented == ("isSearchable", "source", "sources")


def test_national_cloud_metadata_lacks_what_only_prod_has():
    contract = load_contract(metadata=CONTRACTS / NATIONAL_CLOUD_METADATA)
    assert "isSearchable" not in contract.entity.properties
    assert "sources" not in contract.entity.properties
    assert contract.entity.properties["source"].type_name == "personDataSource"
    assert set(contract.types["positionDetail"].properties).isdisjoint(
        {"layer", "level", "secondaryJobTitle", "secondaryRole"}
    )
    assert "userId" not in contract.types["relatedPerson"].properties
    assert contract.updatable == load_contract().updatable


@pytest.mark.parametrize(
    ("document", "anniversaries"),
    [("profile-beta.xml", "personAnnualEvent"), ("profile-beta-usnat.xml", "personAnniversary")],
    ids=["prod", "usnat"],
)
def test_bundled_subsets_hold_profile_and_the_twenty_facets(document, anniversaries):
    metadata = read_csdl(CONTRACTS / "metadata" / document)
    facets = metadata.derived("itemFacet")
    assert len(facets) == 20
    assert anniversaries in facets
    assert metadata.types["itemFacet"].abstract
    assert metadata.types["itemFacet"].base == "entity"
    segments = metadata.containment("profile")
    assert segments["positions"] == "workPosition"
    assert segments["skills"] == "skillProficiency"
    assert segments["anniversaries"] == anniversaries
    assert set(segments.values()) <= set(facets)


def test_generator_reproduces_the_bundled_files(tmp_path, capsys):
    assert REFERENCE.is_dir(), f"reference facts not found at {REFERENCE} (GRAPHCONTRACT_REFERENCE)"
    assert generate(["--reference", str(REFERENCE), "--out", str(tmp_path)]) == 0
    for name in ("profile-beta.xml", "profile-beta-usnat.xml", "facets.json"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (
            CONTRACTS / "metadata" / name
        ).read_text(encoding="utf-8"), name
