"""Enum values judged by meaning (graphcontract.enums): a flags value is a bit set, whatever
its form; the response schema's pattern takes exactly the forms EnumSpec.read takes; and the
comparisons of oracles.compare agree with both."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphcontract.contract import load_contract
from graphcontract.oracles.compare import differences, exactly_equal, same, unchanged
from graphcontract.oracles.special import enum_accepted

from .oracle_samples import SEED, exchange
from .test_oracles import apply, judge

CONTRACT = load_contract()
AUDIENCES = CONTRACT.enums["allowedAudiences"]
RELATIONSHIP = CONTRACT.enums["personRelationship"]
ADDRESS_TYPE = CONTRACT.enums["physicalAddressType"]
STORED = CONTRACT.seed["positions"][0]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("family,contacts", "contacts,family"),
        ("family,contacts", "family, contacts"),
        ("family , contacts", "family,contacts"),
        ("3", "family, contacts"),
        ("003", "family,contacts"),
        ("family,2", "family,contacts"),
        ("me,family", "family"),
        ("me", "0"),
        ("family,family", "family"),
        ("me,family,contacts,groupMembers,organization,federatedOrganizations,everyone", "63"),
        ("unknownFutureValue", "64"),
    ],
    ids=[
        "order",
        "space-after-comma",
        "spaces-around-comma",
        "numeric",
        "numeric-leading-zeros",
        "name-and-number",
        "me-absorbed",
        "me-is-zero",
        "repeated-member",
        "every-member",
        "sentinel-as-number",
    ],
)
def test_one_bit_set_in_two_forms_is_one_value(a, b):
    assert AUDIENCES.read(a) is not None
    assert AUDIENCES.same(a, b)
    assert same({"allowedAudiences": a}, {"allowedAudiences": b})
    assert exactly_equal(a, b, "allowedAudiences")
    assert unchanged({**STORED, "allowedAudiences": a}, {**STORED, "allowedAudiences": b})


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("family,contacts", "family"),
        ("family, contacts", "family,everyone"),
        ("me", "family"),
        ("3", "7"),
        ("everyone", "unknownFutureValue"),
    ],
    ids=["member-lost", "member-swapped", "me-is-not-family", "numbers-differ", "sentinel"],
)
def test_different_bit_sets_still_differ(a, b):
    assert not AUDIENCES.same(a, b)
    assert not same({"allowedAudiences": a}, {"allowedAudiences": b})
    assert differences({"allowedAudiences": a}, {"allowedAudiences": b}) == ["allowedAudiences"]
    assert not exactly_equal(a, b, "allowedAudiences")


@pytest.mark.parametrize(
    "form",
    [
        "bogus",
        "family,bogus",
        "Family",
        "FAMILY,contacts",
        "128",
        "-1",
        "family,",
        ",family",
        "",
        " family",
        "family\t,contacts",
        "٣",
        "1.0",
    ],
    ids=[
        "unknown-member",
        "unknown-member-in-combination",
        "other-case",
        "other-case-in-combination",
        "bit-no-member-holds",
        "negative",
        "trailing-comma",
        "leading-comma",
        "empty",
        "leading-space",
        "tab-separator",
        "non-ascii-digit",
        "fraction",
    ],
)
def test_a_form_naming_no_value_is_refused_in_an_answer(form):
    assert AUDIENCES.read(form) is None
    assert not AUDIENCES.same(form, form)
    assert CONTRACT.response_errors({**STORED, "allowedAudiences": form}) != []


@pytest.mark.parametrize(
    ("form", "meaning"),
    [("manager", 0), ("0", 0), ("15", 15), ("manager,colleague", None), ("16", None)],
    ids=["member", "zero", "sentinel-number", "comma-list", "no-such-member"],
)
def test_a_non_flags_enum_is_one_member(form, meaning):
    assert RELATIONSHIP.read(form) == meaning


def test_flags_forms_are_valid_in_an_answer_and_compared_as_bit_sets():
    answer = {**STORED, "allowedAudiences": "family, contacts"}
    assert CONTRACT.response_errors(answer) == []
    assert same(answer, {**STORED, "allowedAudiences": "contacts,family"})
    nested = {**STORED, "manager": {"displayName": "Ann", "relationship": "manager"}}
    assert same(nested, {**STORED, "manager": {"displayName": "Ann", "relationship": "0"}})
    assert not same(nested, {**STORED, "manager": {"displayName": "Ann", "relationship": "1"}})


def test_a_string_property_named_like_an_enum_is_still_a_string():
    """``type`` is physicalAddressType in an address and a String elsewhere: only a valid
    enum form is read as one, so two strings naming no member compare as strings."""
    assert CONTRACT.enums_by_property["type"] is ADDRESS_TYPE
    assert not same({"type": "User"}, {"type": "user"})
    assert same({"type": "home"}, {"type": "1"})


FORMS = st.lists(
    st.one_of(
        st.sampled_from([*AUDIENCES.members, "Family", "bogus", ""]),
        st.integers(min_value=0, max_value=200).map(str),
        st.from_regex(r"0[0-9]{1,3}", fullmatch=True),
    ),
    min_size=1,
    max_size=4,
).flatmap(
    lambda items: st.lists(
        st.sampled_from([",", ", ", " , ", " ,", ",,", ";"]),
        min_size=len(items) - 1,
        max_size=len(items) - 1,
    ).map(lambda seps: items[0] + "".join(s + i for s, i in zip(seps, items[1:], strict=True)))
)


@given(form=FORMS)
def test_the_schema_pattern_takes_exactly_the_forms_read_takes(form):
    pattern = CONTRACT.response_schema["$defs"]["allowedAudiences"]["pattern"]
    assert (re.search(pattern, form) is not None) == (AUDIENCES.read(form) is not None)
    valid = CONTRACT.response_errors({**STORED, "allowedAudiences": form}) == []
    assert valid == (AUDIENCES.read(form) is not None)


@pytest.mark.parametrize("enum", [RELATIONSHIP, ADDRESS_TYPE], ids=lambda e: e.name)
@pytest.mark.parametrize("number", range(20))
def test_a_non_flags_pattern_takes_exactly_its_member_numbers(enum, number):
    pattern = enum.response_pattern()
    assert (re.search(pattern, str(number)) is not None) == (number in enum.members.values())


@pytest.mark.parametrize(
    ("sent", "answered", "after", "failed"),
    [
        ("family,contacts", "family, contacts", "contacts,family", set()),
        ("me,family", "family", "family", set()),
        ("family", "1", "family", set()),
        ("family,contacts", "family", "family", {"response.echo"}),
        ("family,contacts", "family, contacts", "family", {"persisted"}),
        ("family", "Family", "family", {"response.shape", "response.echo", "persisted"}),
    ],
    ids=[
        "dotnet-form-read-back-reordered",
        "me-absorbed",
        "member-as-number",
        "member-lost-in-answer",
        "member-lost-in-store",
        "other-case-answered",
    ],
)
def test_update_oracles_judge_flags_by_meaning(sent, answered, after, failed):
    body = {**apply(SEED, {"allowedAudiences": sent}), "allowedAudiences": answered}
    stored = {**body, "allowedAudiences": after}
    assert set(judge({"allowedAudiences": sent}, body, after=stored)) == failed


@pytest.mark.parametrize(
    ("answered", "passed"),
    [("family", True), ("1", True), ("me, family", True), ("contacts", False), ("x", False)],
    ids=["as-sent", "as-number", "me-absorbed", "another-member", "no-member"],
)
def test_a_documented_member_is_accepted_in_any_form_of_it(answered, passed):
    answer = {"allowedAudiences": answered}
    verdict = enum_accepted(
        "enum.allowedAudiences.accepts", "allowedAudiences", "family",
        exchange(200, answer), answered, answered,
    )  # fmt: skip
    assert verdict is not None
    assert (verdict.outcome == "pass") == passed
