"""What values a body may carry: enums (documented members, non-members, nested enums,
gray forms), types at every depth, read-only and undeclared properties, atomicity. Generated
mixed bodies (valid parts with one invalid part) are the state machine's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphcontract.contract import load_contract
from graphcontract.runner.scenarios import (
    UPDATE_CLAUSES,
    check_enum_member,
    check_mixed,
    check_read_only,
    check_rejected,
    check_unknown_property,
)
from strategies import (
    every_property_body,
    explicit_invalid_bodies,
    explicit_read_only_bodies,
    invalid_bodies,
)
from strategies.fitting import fitting

CONTRACT = load_contract()
ENUM_MEMBERS = [
    pytest.param(site, member, id=f"{'.'.join(site.path)}={member}")
    for site in CONTRACT.enum_sites()
    for member in site.enum.sendable_members
]
"""Kept beside the catalog's members at every site: each member alone, judged by enum_accepted
(any form of the member read back; by its status alone when reads are not stable)."""


@pytest.mark.clauses("enum.allowedAudiences.accepts", "enum.nested", "server.no-5xx")
@pytest.mark.parametrize(("site", "member"), ENUM_MEMBERS)
def test_every_documented_enum_member_is_accepted(gc_session, site, member):
    """Every member the metadata declares, at every enum site: accepted and read back."""
    with gc_session.example() as ex:
        check_enum_member(ex, site, member)


EXPLICIT_REJECTS = [
    pytest.param(case, id=case.description)
    for clause in ("types.rejects", "enum.allowedAudiences.rejects", "enum.nested")
    for case in explicit_invalid_bodies(CONTRACT, clause)
]
"""Kept: the catalog holds valid values only and the state machine draws wrong ones at random;
every place with each classic wrong value of its type is sent here on every run."""
READ_ONLY_CASES = explicit_read_only_bodies(CONTRACT)
"""Kept: the state machine sends no read-only property."""


@pytest.mark.clauses(
    "types.rejects",
    "enum.allowedAudiences.rejects",
    "enum.nested",
    "atomic.rejected",
    "errors.envelope",
)
@pytest.mark.parametrize("case", EXPLICIT_REJECTS)
def test_classic_wrong_values_at_every_place_are_refused(gc_session, case):
    """Every place of a body with the classic wrong values of its type: refused, no change."""
    with gc_session.example() as ex:
        check_rejected(ex, case.clause, content=case.content(), what=case.description)


# Kept beside the state machine's refusals (same strategies): graphcontract fuzz campaigns grow
# these three by test name, and they judge errors.envelope, which the machine does not.
@pytest.mark.clauses("enum.allowedAudiences.rejects", "atomic.rejected", "errors.envelope")
@given(case=invalid_bodies(CONTRACT, "enum.allowedAudiences.rejects"))
def test_allowed_audiences_non_members_are_refused(gc_session, case):
    """Generated allowedAudiences values that are no member: 400, nothing changed."""
    with gc_session.example() as ex:
        check_rejected(ex, case.clause, content=case.content(), what=case.description)


NESTED_ENUMS = any(site.clause == "enum.nested" for site in CONTRACT.enum_sites())


@pytest.mark.clauses("enum.nested", "atomic.rejected", "errors.envelope")
@given(case=invalid_bodies(CONTRACT, "enum.nested") if NESTED_ENUMS else st.none())
def test_nested_enum_non_members_are_refused(gc_session, case):
    """Generated values that are no member of an enum inside a complex value: 400, nothing
    changed."""
    if case is None:  # the report says why the clause is not judged on this facet
        gc_session.recorder.unjudged["enum.nested"] = (
            f"{CONTRACT.facet} has no enum inside a complex value: no site for this clause"
        )
        return
    with gc_session.example() as ex:
        check_rejected(ex, case.clause, content=case.content(), what=case.description)


@pytest.mark.clauses("types.rejects", "atomic.rejected", "errors.envelope")
@given(case=invalid_bodies(CONTRACT, "types.rejects"))
def test_wrong_types_are_refused(gc_session, case):
    """Generated bodies with a value of the wrong type somewhere: 400, nothing changed."""
    with gc_session.example() as ex:
        check_rejected(ex, case.clause, content=case.content(), what=case.description)


@pytest.mark.clauses("read-only.not-applied", "atomic.rejected", "errors.envelope", *UPDATE_CLAUSES)
@given(case=invalid_bodies(CONTRACT, "read-only.not-applied"))
def test_read_only_properties_are_not_applied(gc_session, case):
    """Generated bodies carrying read-only properties: ignored (200, nothing of them stored) or
    refused (400, nothing changed)."""
    with gc_session.example() as ex:
        check_read_only(ex, case.body)


@pytest.mark.clauses("read-only.not-applied", "atomic.rejected", "errors.envelope", *UPDATE_CLAUSES)
@pytest.mark.parametrize("case", READ_ONLY_CASES, ids=[c.path[0] for c in READ_ONLY_CASES])
def test_each_read_only_property_is_not_applied(gc_session, case):
    """Every read-only property, sent alone: ignored (200, nothing of it stored, not even
    part of a complex value) or refused (400, nothing changed)."""
    with gc_session.example() as ex:
        check_read_only(ex, case.body)


@pytest.mark.clauses("properties.unknown", "atomic.rejected", "errors.envelope")
@given(case=invalid_bodies(CONTRACT, "properties.unknown"))
def test_undeclared_properties(gc_session, case):
    """Generated bodies with a property the metadata does not declare: how the service treats
    it is recorded (--policy unknown_properties=reject or =ignore judges it)."""
    with gc_session.example() as ex:
        check_unknown_property(ex, case.body, case.description)


EVERY_PROPERTY = every_property_body(CONTRACT)
FULL_WITH_ONE_WRONG = fitting(
    CONTRACT,
    {
        "isCurrent as a string": ("types.rejects", {**EVERY_PROPERTY, "isCurrent": "true"}),
        "allowedAudiences not a member": (
            "enum.allowedAudiences.rejects",
            {**EVERY_PROPERTY, "allowedAudiences": "graphcontractBogus"},
        ),
    },
)
"""Every property written at once with one wrong value (a service that validates only small
bodies, or takes a full body for a replacement it does not check, lets it through). Kept: the
state machine's mixed bodies are partial (valid parts with one invalid part, judged by the model
after every step), never every property at once."""


@pytest.mark.clauses(
    "types.rejects",
    "enum.allowedAudiences.rejects",
    "atomic.rejected",
    "errors.envelope",
    "paths.me",
    *UPDATE_CLAUSES,
)
@pytest.mark.parametrize(
    ("clause", "body"), FULL_WITH_ONE_WRONG.values(), ids=FULL_WITH_ONE_WRONG.keys()
)
def test_a_full_body_with_one_wrong_value_changes_nothing(gc_session, clause, body):
    """Every writable property at once with one wrong value: 400, and none of the others
    applied."""
    with gc_session.example() as ex:
        check_mixed(ex, body, clause, "every property, one wrong value")
