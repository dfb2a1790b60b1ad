"""The executable model of the PATCH rules (graphcontract.model) on small hand-computed cases
and as properties over generated valid bodies."""

from __future__ import annotations

import pytest
from hypothesis import given

from graphcontract.contract import load_contract
from graphcontract.model import apply_patch, deleted_by, forget_written, rule_broken
from graphcontract.oracles.compare import same
from strategies import valid_bodies

CONTRACT = load_contract()
STATE = {
    "id": "p1",
    "isCurrent": False,
    "categories": ["a", "b"],
    "detail": {"jobTitle": "Analyst", "company": {"displayName": "Contoso", "department": "R"}},
    "manager": {"displayName": "Ann"},
}


@pytest.mark.parametrize(
    ("body", "nested", "expected"),
    [
        ({"isCurrent": True}, "merge", {**STATE, "isCurrent": True}),
        (
            {"detail": {"company": {"department": "D"}}},
            "merge",
            {
                **STATE,
                "detail": {
                    "jobTitle": "Analyst",
                    "company": {"displayName": "Contoso", "department": "D"},
                },
            },
        ),
        (
            {"detail": {"company": {"department": "D"}}},
            "replace",
            {**STATE, "detail": {"company": {"department": "D"}}},
        ),
        ({"categories": ["c"]}, "merge", {**STATE, "categories": ["c"]}),
        ({"manager": None}, "merge", {**STATE, "manager": None}),
        ({"id": "other", "createdBy": {}}, "merge", STATE),
        ({"allowedAudiences": 3}, "merge", {**STATE, "allowedAudiences": "3"}),
    ],
    ids=["top-level", "nested-merge", "nested-replace", "collection", "null", "read-only", "enum"],
)
def test_apply_patch_follows_the_odata_rules(body, nested, expected):
    assert apply_patch(CONTRACT, STATE, body, nested=nested) == expected


@given(body=valid_bodies(CONTRACT))
def test_omitted_properties_are_kept_and_a_second_patch_changes_nothing(body):
    after = apply_patch(CONTRACT, STATE, body)
    for name, value in STATE.items():
        if name not in body:
            assert after[name] == value
    assert apply_patch(CONTRACT, after, body) == after
    for name, value in body.items():
        if value is None or isinstance(value, list):
            assert same(after[name], value, name)


def test_a_null_deletes_leaves_and_a_write_forgets_them():
    deleted = deleted_by(STATE, {"detail": {"company": None}})
    assert deleted == {"detail.company.displayName": "Contoso", "detail.company.department": "R"}
    assert forget_written(deleted, {"detail": {"company": {"department": "X"}}}) == {
        "detail.company.displayName": "Contoso"
    }


@pytest.mark.parametrize(
    ("body", "path", "got", "clause"),
    [
        ({"isCurrent": True}, "manager.displayName", None, "merge.omitted-preserved"),
        ({"detail": {"jobTitle": "x"}}, "detail.role", "r", "merge.nested"),
        ({"detail": {"jobTitle": "x"}}, "detail.jobTitle", "y", "response.echo"),
        ({"categories": ["c"]}, "categories", ["a", "c"], "merge.collections-replace"),
        ({"manager": None}, "manager.displayName", "Ann", "merge.null-clears"),
        (
            {"detail": {"company": {"department": "D"}}},
            "detail.company.displayName",
            "Contoso",
            "merge.null-clears",
        ),
    ],
    ids=["omitted", "nested", "echo", "collection", "null", "came-back"],
)
def test_a_difference_names_the_rule_it_breaks(body, path, got, clause):
    deleted = {"detail.company.displayName": "Contoso"}
    assert rule_broken(body, path, got, deleted) == clause
