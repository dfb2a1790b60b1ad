"""A 200 to a gray-zone body: the service may accept an open form and store it in canonical
form, but what it stores must keep the form's meaning, and the rest of the position the
merge rules (oracles.open_forms, EnumSpec.meaning)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from graphcontract.oracles.open_forms import judge_gray_update
from graphcontract.oracles.update import Update

from .oracle_samples import CONTRACT, SEED, exchange
from .test_oracles import apply

AUDIENCES = CONTRACT.enums["allowedAudiences"]
RELATIONSHIP = CONTRACT.enums["personRelationship"]


@pytest.mark.parametrize(
    ("enum", "form", "meaning"),
    [
        (AUDIENCES, "family", 1),
        (AUDIENCES, "family,contacts", 3),
        (AUDIENCES, "Contacts , FAMILY", 3),
        (AUDIENCES, "me,family", 1),
        (AUDIENCES, 3, 3),
        (AUDIENCES, "3", 3),
        (AUDIENCES, "family,2", 3),
        (AUDIENCES, "unknownFutureValue", None),
        (AUDIENCES, "family,bogus", None),
        (AUDIENCES, "", None),
        (AUDIENCES, True, None),
        (AUDIENCES, None, None),
        (RELATIONSHIP, "MANAGER", 0),
        (RELATIONSHIP, "colleague", 1),
        (RELATIONSHIP, "manager,colleague", None),
        (RELATIONSHIP, "٣", None),
    ],
    ids=lambda v: repr(v) if not hasattr(v, "members") else v.name,
)
def test_enum_meaning_reads_every_open_form(enum, form, meaning):
    assert enum.meaning(form) == meaning


def judge_gray(sent, body, *, before=SEED):
    u = Update(
        CONTRACT,
        sent,
        before,
        exchange(200, body),
        body,
        body,
        SEED["id"],
        datetime.now(UTC) - timedelta(seconds=1),
    )
    return {v.clause for v in judge_gray_update(u) if v.outcome == "fail"}


def colleagues(relationship):
    return {"colleagues": [{"displayName": "Ann", "relationship": relationship}]}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ({"allowedAudiences": "family,contacts"}, {"allowedAudiences": "family,contacts"}),
        ({"allowedAudiences": "family,contacts"}, {"allowedAudiences": "contacts,family"}),
        ({"allowedAudiences": "family, contacts"}, {"allowedAudiences": "family,contacts"}),
        ({"allowedAudiences": "family,contacts"}, {"allowedAudiences": "family, contacts"}),
        ({"allowedAudiences": "me,family"}, {"allowedAudiences": "family"}),
        ({"allowedAudiences": "3"}, {"allowedAudiences": "family, contacts"}),
        ({"allowedAudiences": 3}, {"allowedAudiences": "family,contacts"}),
        ({"allowedAudiences": "FAMILY"}, {"allowedAudiences": "family"}),
        ({"allowedAudiences": "unknownFutureValue"}, {"allowedAudiences": "everyone"}),
        ({"manager": {"relationship": "COLLEAGUE"}}, {"manager": {"relationship": "colleague"}}),
        (colleagues("1"), colleagues("colleague")),
        ({"isSearchable": True}, {"isSearchable": False}),
        ({}, {}),
    ],
    ids=[
        "flags-as-sent",
        "flags-reordered",
        "flags-spacing-normalised",
        "flags-written-as-dotnet-does",
        "me-absorbed-in-a-combination",
        "numeric-string-as-dotnet-names",
        "number-as-names",
        "case-normalised",
        "sentinel-not-judged",
        "nested-case-normalised",
        "item-number-as-name",
        "undocumented-property-kept",
        "empty-body-nothing-changed",
    ],
)
def test_accepted_open_forms_stored_canonically_pass(sent, stored):
    assert judge_gray(sent, apply(SEED, stored)) == set()


@pytest.mark.parametrize(
    ("sent", "stored", "clause"),
    [
        ({"allowedAudiences": "family,contacts"}, {"allowedAudiences": "family"}, "response.echo"),
        ({"allowedAudiences": 3}, {"allowedAudiences": "contacts"}, "response.echo"),
        (
            {"allowedAudiences": "family,contacts"},
            {"allowedAudiences": "family, bogus"},
            "response.shape",
        ),
        ({"allowedAudiences": "FAMILY"}, {"allowedAudiences": "contacts"}, "response.echo"),
        (
            {"manager": {"relationship": "COLLEAGUE"}},
            {"manager": {"relationship": "manager"}},
            "response.echo",
        ),
        (colleagues("1"), colleagues("manager"), "response.echo"),
        (
            {"allowedAudiences": "FAMILY"},
            {"allowedAudiences": "family", "manager": None},
            "merge.omitted-preserved",
        ),
        ({}, {"detail": None}, "merge.omitted-preserved"),
        (
            {"manager": {"relationship": "COLLEAGUE"}},
            {"manager": {"relationship": "colleague", "displayName": None}},
            "merge.nested",
        ),
    ],
    ids=[
        "flag-lost",
        "number-stored-as-another",
        "dotnet-form-with-a-non-member",
        "case-variant-stored-as-another-member",
        "nested-stored-as-another-member",
        "item-stored-as-another-member",
        "omitted-property-lost",
        "empty-body-wipes",
        "nested-sibling-lost",
    ],
)
def test_accepted_open_forms_that_lose_data_fail(sent, stored, clause):
    failed = judge_gray(sent, apply(SEED, stored))
    assert failed == {clause}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ({"detail": {"jobTitle": "a\x00b"}}, {"detail": {"jobTitle": "a\x00b"}}),
        ({"detail": {"jobTitle": "lone \ud800"}}, {"detail": {"jobTitle": "lone \ud800"}}),
        ({"detail": {"jobTitle": "high \ud800"}}, {"detail": {"jobTitle": "high \ufffd"}}),
        ({"categories": ["\udc00 lone"]}, {"categories": ["\ufffd lone"]}),
        (
            {"@odata.type": "microsoft.graph.workPosition", "isCurrent": False},
            {"isCurrent": False},
        ),
        ({"@graphcontract.note": "x", "isCurrent": False}, {"isCurrent": False}),
    ],
    ids=[
        "nul-kept",
        "surrogate-kept",
        "surrogate-replaced",
        "item-surrogate-replaced",
        "type-without-hash-ignored",
        "unknown-annotation-ignored",
    ],
)
def test_accepted_unusual_strings_and_annotations_pass(sent, stored):
    assert judge_gray(sent, apply(SEED, stored)) == set()


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ({"detail": {"jobTitle": "a\x00b"}}, {"detail": {"jobTitle": "ab"}}),
        ({"detail": {"jobTitle": "a\x00b"}}, {"detail": {"jobTitle": "a"}}),
        ({"detail": {"jobTitle": "a\x00b"}}, {"detail": {"jobTitle": "a\ufffdb"}}),
        ({"detail": {"jobTitle": "lone \ud800"}}, {"detail": {"jobTitle": "lone "}}),
        ({"categories": ["a\x00b"]}, {"categories": ["ab"]}),
    ],
    ids=["nul-dropped", "cut-at-nul", "nul-replaced", "surrogate-dropped", "item-nul-dropped"],
)
def test_accepted_unusual_strings_that_lose_data_fail(sent, stored):
    assert judge_gray(sent, apply(SEED, stored)) == {"response.echo"}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ({"allowedAudiences": 8}, {"allowedAudiences": 8}),
        ({"allowedAudiences": "3"}, {"allowedAudiences": 3}),
        ({"manager": {"relationship": 1}}, {"manager": {"relationship": 1}}),
    ],
    ids=["number-answered-as-a-json-number", "string-answered-as-a-number", "nested-number"],
)
def test_an_enum_answered_in_no_odata_form_is_the_shape_not_a_lost_value(sent, stored):
    """A JSON number is no form OData writes an enum in: the answer's shape is the first
    cause, and response.echo does not also call the value lost."""
    assert judge_gray(sent, apply(SEED, stored)) == {"response.shape"}
