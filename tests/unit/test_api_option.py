"""--api NAME|all: which profile facet a run checks. A facet is a type profile holds through a
containment navigation property (its path segment) with an Update page; a bad name is one
line and exit 2; the selection is the process's contract and its paths."""

from __future__ import annotations

import os

import pytest

from graphcontract.api_option import (
    ALL,
    checkable_facets,
    keep_api_selection,
    resolve_api,
    select_api,
)
from graphcontract.cli import main
from graphcontract.contract import API_ENV, load_contract
from graphcontract.errors import UsageError


@pytest.fixture(autouse=True)
def _no_selection(monkeypatch):
    """No facet selected during the test, and none left after it."""
    monkeypatch.setenv(API_ENV, "")
    monkeypatch.delenv(API_ENV)


def test_every_facet_profile_contains_is_checkable_under_its_segment():
    facets = checkable_facets()
    assert facets["workPosition"] == "positions"
    assert facets["skillProficiency"] == "skills"
    assert facets["personAnnualEvent"] == "anniversaries"
    # No navigation property holds them in the bundled metadata: no path to check.
    assert "personResponsibility" not in facets
    assert "personAnniversary" not in facets
    assert len(facets) == len(set(facets.values()))


@pytest.mark.parametrize(
    ("value", "facets"),
    [
        ("workPosition", ["workPosition"]),
        ("skillProficiency", ["skillProficiency"]),
        ("skills", ["skillProficiency"]),
        ("anniversaries", ["personAnnualEvent"]),
    ],
    ids=["default", "by-type", "by-segment", "anniversaries-by-segment"],
)
def test_a_facet_is_named_by_its_type_or_its_segment(value, facets):
    assert resolve_api(value) == facets


def test_all_names_every_checkable_facet():
    assert resolve_api(ALL) == list(checkable_facets())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nope", "--api nope: not a profile facet; one of: educationalActivity"),
        ("SkillProficiency", "did you mean skillProficiency?"),
        ("personAnniversary", "profile's anniversaries holds personAnnualEvent"),
        ("personResponsibility", "profile has no navigation property for it"),
    ],
    ids=["unknown", "letter-case", "other-name-of-a-segment", "no-segment"],
)
@pytest.mark.parametrize("command", ["run", "fuzz"])
def test_a_bad_api_is_one_line_and_exit_2(capsys, command, value, message):
    assert (
        main(
            [command, "--api", value, "--dry-run"]
            if command == "run"
            else [command, "--api", value]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("graphcontract: error: --api ")
    assert message in err
    assert err.count("\n") == 1


def test_all_with_a_position_id_is_refused(capsys, tmp_path):
    argv = ["run", "--api", "all", "--position-id", "p1", "--report-dir", str(tmp_path)]
    assert main(argv) == 2
    assert "--position-id names one item of one facet" in capsys.readouterr().err


def test_all_on_a_live_target_is_refused(capsys, monkeypatch):
    monkeypatch.setenv("GRAPH_TOKEN", "a-token")
    argv = ["run", "--api", "all", "--base-url", "https://graph.example.com/beta", "--dry-run"]
    assert main(argv) == 2  # it would need --position-id, which names one facet's item
    err = capsys.readouterr().err
    assert "is not a loopback address" in err
    assert err.count("\n") == 1


def test_all_is_not_one_facet_for_a_campaign_or_a_pytest_session():
    with pytest.raises(UsageError, match="name one facet here"):
        select_api(ALL, what="--gc-api")


def test_the_selection_is_the_process_contract_and_its_paths():
    assert load_contract().me_collection == "/me/profile/positions"
    select_api("skills")
    assert os.environ[API_ENV] == "skillProficiency"
    contract = load_contract()
    assert contract.facet == "skillProficiency"
    assert contract.me_collection == "/me/profile/skills"
    assert contract.users_collection("u@x") == "/users/u@x/profile/skills"
    assert "proficiency" in contract.updatable
    select_api("workPosition")
    assert API_ENV not in os.environ
    assert load_contract().facet == "workPosition"


@pytest.mark.parametrize("before", [None, "skillProficiency"], ids=["none", "a-selection"])
def test_a_session_leaves_the_selection_as_it_found_it(monkeypatch, before):
    if before:
        monkeypatch.setenv(API_ENV, before)
    restore = keep_api_selection()
    select_api("itemEmail")
    restore()
    assert os.environ.get(API_ENV) == before


def test_pyproject_api_is_checked_and_named(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.graphcontract]\napi = "nope"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "pyproject.toml: [tool.graphcontract] api nope: not a profile facet" in err


def test_a_command_called_in_process_leaves_the_selections_as_it_found_them(tmp_path, capsys):
    """`graphcontract run --api NAME` selects the facet for its process; main() called from a
    test or a script must not leave it behind for what runs next in that process."""
    from graphcontract.cli import SELECTIONS
    from graphcontract.contract import METADATA_ENV
    from graphcontract.target_schema import FINDINGS_ENV

    assert set(SELECTIONS) == {API_ENV, METADATA_ENV, FINDINGS_ENV}
    before = {name: os.environ.get(name) for name in SELECTIONS}
    argv = ["run", "--dry-run", "--api", "skillProficiency", "--report-dir", str(tmp_path)]
    assert main(argv) == 0, capsys.readouterr()
    assert "/me/profile/skills" in capsys.readouterr().out
    assert {name: os.environ.get(name) for name in SELECTIONS} == before
