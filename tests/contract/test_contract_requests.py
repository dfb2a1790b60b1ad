"""Who may call, on which path, with what envelope: paths.users, auth.*, media type,
unknown ids and malformed bodies."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from graphcontract.contract import load_contract
from graphcontract.runner.scenarios import (
    NON_JSON_MEDIA_TYPES,
    UNUSABLE_AUTHORIZATION,
    UPDATE_CLAUSES,
    check_read_only,
    check_rejected,
    check_unknown_id,
    check_unknown_user,
    check_update,
    check_users_path,
)
from strategies import at_kind_sites, explicit_read_only_bodies, invalid_bodies
from strategies.fitting import fitted, fitting

CONTRACT = load_contract()
PROBE = fitted(
    CONTRACT,
    {"isCurrent": False, "detail": {"jobTitle": "graphcontract probe"}},
    "graphcontract probe",
)
MEDIA_PROBE = "graphcontract media probe"
FORMS = ["me", "id", "userPrincipalName"]
"""The documented paths: /me/profile/positions/{id}, and /users/{id | userPrincipalName}/…
(the latter with a --gc-user of that form: a value with an "@" is a userPrincipalName)."""
VIA_USERS_BODY = fitted(
    CONTRACT,
    {
        "detail": {"jobTitle": "graphcontract via /users"},
        "categories": ["graphcontract via /users"],
        "inference": None,
    },
    "graphcontract via /users",
)
"""A partial nested value, a collection and a null: every merge rule has something to judge."""
INVALID_VALUES = fitting(
    CONTRACT,
    {
        "audience-not-a-member": (
            "enum.allowedAudiences.rejects",
            {"allowedAudiences": "graphcontractBogus"},
        ),
        "boolean-as-string": ("types.rejects", {"isCurrent": "true"}),
        **{
            name: ("types.rejects", body)
            for name, body in [at_kind_sites(CONTRACT, {"int32-as-string": ("Int32", "5")})]
            if body
        },
        "double-as-string": ("types.rejects", {"inference": {"confidenceScore": "0.5"}}),
        "string-as-number": ("types.rejects", {"detail": {"jobTitle": 5}}),
        "address-type-not-a-member": (
            "enum.nested",
            {"detail": {"company": {"address": {"type": "graphcontractBogus"}}}},
        ),
        "relationship-not-a-member": (
            "enum.nested",
            {"manager": {"relationship": "graphcontractBogus"}},
        ),
        "valid-change-and-wrong-type": (
            "types.rejects",
            {"detail": {"jobTitle": "graphcontract via /users, refused"}, "isCurrent": "true"},
        ),
    },
)
"""Refused via each /users form: a non-member of allowedAudiences and of each nested enum, a
wrong value for each primitive type at depth, and a wrong type next to a valid change (nothing
of it may be applied). The generated and per-place cases go to /me."""
MALFORMED = {
    "truncated": b'{"isCurrent": tr',
    "array": b'[{"isCurrent": false}]',
    "trailing-comma-in-object": b'{"isCurrent": false,}',
    "trailing-comma-in-array": b'{"categories": ["graphcontract lax json",]}',
    "line-comment": b'{"isCurrent": false // a comment\n}',
    "block-comment": b'{/* a comment */ "isCurrent": false}',
    "nan-literal": b'{"inference": {"confidenceScore": NaN}}',
}
"""Bodies that are no JSON object, sent via every path form: cut short, an array, and what
lenient parsers (JSON5, comment-tolerant readers) take but RFC 8259 does not (the generated
ones go to /me)."""


def user_for(session, form: str) -> str | None:
    """None for /me; the configured user of ``form``, or a visible skip when there is none."""
    if form == "me":
        return None
    user = session.target.user_of_form(form)
    if user is None:
        pytest.skip(f"no --gc-user in the {form} form configured: /users/{{{form}}} is not sent")
    return user


@pytest.mark.clauses("paths.users", "server.no-5xx", *UPDATE_CLAUSES)
@pytest.mark.parametrize("form", FORMS[1:])
def test_users_path_forms(gc_session, form):
    """/users/{id}/… and /users/{userPrincipalName}/… update the position /me reads, under
    every rule of an accepted update."""
    user = user_for(gc_session, form)
    assert user is not None
    with gc_session.example() as ex:
        check_users_path(ex, user, VIA_USERS_BODY)


JSON_MEDIA_TYPES = [
    "application/json; charset=utf-8",
    "application/json;odata.metadata=minimal",
    "Application/JSON",
    "application/json;charset=UTF-8",
]
"""JSON under the parameters clients send: charset (what .NET's StringContent and many HTTP
libraries add) and OData's metadata level (the Graph SDKs); and in other letter cases (RFC 9110
sections 8.3.1 and 8.3.2: type, subtype, parameter names and the charset value are
case-insensitive)."""


@pytest.mark.clauses("paths.me", "paths.users", *UPDATE_CLAUSES)
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("media_type", JSON_MEDIA_TYPES)
def test_json_with_media_type_parameters_is_accepted(gc_session, media_type, form):
    """Every path form takes JSON whose Content-Type carries parameters."""
    user = user_for(gc_session, form)
    text = f"sent as {media_type} via {form}"
    body = fitted(CONTRACT, {"detail": {"jobTitle": text}}, text)
    with gc_session.example() as ex:
        if user is None:
            check_update(ex, body, content_type=media_type)
        else:
            check_users_path(ex, user, body, content_type=media_type)


@pytest.mark.clauses("paths.users", "atomic.rejected", "errors.envelope")
@pytest.mark.parametrize("form", [*FORMS[1:], "userPrincipalName elsewhere"])
def test_a_user_that_does_not_exist_is_refused(gc_session, form):
    """/users/{id | userPrincipalName}/… addresses the user it names: an unknown one gets 404
    (or 403), and the caller's own position does not change."""
    with gc_session.example() as ex:
        check_unknown_user(ex, PROBE, form)


@pytest.mark.clauses(
    "types.rejects", "enum.allowedAudiences.rejects", "enum.nested", "atomic.rejected"
)
@pytest.mark.parametrize("form", FORMS[1:])
@pytest.mark.parametrize(("clause", "body"), INVALID_VALUES.values(), ids=INVALID_VALUES.keys())
def test_users_path_forms_refuse_invalid_values(gc_session, form, clause, body):
    """The /users forms validate bodies as /me does, at every depth."""
    with gc_session.example() as ex:
        check_rejected(ex, clause, body=body, user=user_for(gc_session, form), what="invalid value")


READ_ONLY_BODY = {
    name: value for case in explicit_read_only_bodies(CONTRACT) for name, value in case.body.items()
}
"""Every read-only property at once (each also goes alone to /me)."""


@pytest.mark.clauses("read-only.not-applied", "atomic.rejected", "errors.envelope", *UPDATE_CLAUSES)
@pytest.mark.parametrize("form", FORMS[1:])
def test_read_only_properties_are_not_applied_via_users(gc_session, form):
    """The /users forms treat read-only properties as /me does."""
    user = user_for(gc_session, form)
    with gc_session.example() as ex:
        check_read_only(ex, READ_ONLY_BODY, user=user)


@pytest.mark.clauses("body.malformed", "atomic.rejected", "errors.envelope", "server.no-5xx")
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_bodies_are_refused_via_every_form(gc_session, form, content):
    """Bytes that are not a JSON object (truncated, an array, trailing commas, comments, NaN),
    via every path form: 400, nothing changed."""
    user = user_for(gc_session, form)
    with gc_session.example() as ex:
        check_rejected(ex, "body.malformed", content=content, user=user, what="malformed body")


@pytest.mark.clauses("auth.required", "atomic.rejected", "errors.envelope")
@pytest.mark.parametrize("form", FORMS)
def test_missing_authorization_is_refused(gc_session, form):
    """A valid body with no Authorization header, via every path form: 401, nothing changed."""
    user = user_for(gc_session, form)
    with gc_session.example() as ex:
        check_rejected(
            ex,
            "auth.required",
            body=PROBE,
            token=None,
            allowed=frozenset({401}),
            what="no Authorization header",
            user=user,
        )


@pytest.mark.clauses("auth.required", "atomic.rejected", "errors.envelope")
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    "authorization", UNUSABLE_AUTHORIZATION.values(), ids=UNUSABLE_AUTHORIZATION.keys()
)
def test_unusable_authorization_is_refused(gc_session, authorization, form):
    """ "401: authentication missing or invalid" (Graph's error table): a header that carries
    no bearer token is no authentication, via every path form."""
    user = user_for(gc_session, form)
    with gc_session.example() as ex:
        check_rejected(
            ex,
            "auth.required",
            body=PROBE,
            allowed=frozenset({401}),
            what=f"Authorization: {authorization}" if authorization else "empty Authorization",
            authorization=authorization,
            user=user,
        )


@pytest.mark.clauses("auth.scope", "atomic.rejected", "errors.envelope")
@pytest.mark.parametrize("form", FORMS)
def test_token_without_write_scope_is_refused(gc_session, form):
    """A valid body with the read-only token (--readonly-token-env), via every path form: 403,
    nothing changed."""
    token = gc_session.target.readonly_token
    if not token:
        pytest.skip("no --gc-readonly-token-env configured: auth.scope is reported as skipped")
    user = user_for(gc_session, form)
    with gc_session.example() as ex:
        check_rejected(
            ex,
            "auth.scope",
            body=PROBE,
            token=token,
            allowed=frozenset({403}),
            what="token without write scope",
            user=user,
        )


@pytest.mark.clauses("media.json-required", "atomic.rejected", "errors.envelope")
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    "media_type", [*NON_JSON_MEDIA_TYPES, None], ids=[*NON_JSON_MEDIA_TYPES, "no-content-type"]
)
def test_non_json_content_type_is_refused(gc_session, media_type, form):
    """A JSON body under another Content-Type, or under none (the page marks the header
    Required): 415 or 400, nothing changed."""
    user = user_for(gc_session, form)
    content = json.dumps(
        fitted(CONTRACT, {"isCurrent": False, "detail": {"jobTitle": MEDIA_PROBE}}, MEDIA_PROBE)
    ).encode()
    with gc_session.example() as ex:
        check_rejected(
            ex,
            "media.json-required",
            content=content,
            content_type=media_type,
            allowed=frozenset({400, 415}),
            what=f"Content-Type {media_type}" if media_type else "no Content-Type header",
            user=user,
        )


@pytest.mark.clauses("target.unknown-id", "atomic.rejected", "errors.envelope")
@pytest.mark.parametrize("form", FORMS)
def test_unknown_position_id(gc_session, form):
    """GET, PATCH and GET of a position id that does not exist (a fresh GUID, never another real
    position), via every path form: 404, and the run's position unchanged."""
    user = user_for(gc_session, form)
    with gc_session.example() as ex:
        check_unknown_id(ex, PROBE, user=user)


@pytest.mark.clauses("body.malformed", "atomic.rejected", "errors.envelope", "server.no-5xx")
@given(case=invalid_bodies(CONTRACT, "body.malformed"))
def test_malformed_bodies_are_refused(gc_session, case):
    """Generated bytes that are not a JSON object: 400, nothing changed."""
    with gc_session.example() as ex:
        check_rejected(ex, "body.malformed", content=case.content(), what=case.description)
