"""Who may call, on which path, with what envelope: paths.users, auth.*, media type,
unknown ids and malformed bodies."""

from __future__ import annotations

import pytest
from hypothesis import given

from graphcontract.contract import load_contract
from graphcontract.runner.scenarios import (
    NON_JSON_MEDIA_TYPES,
    UPDATE_CLAUSES,
    check_rejected,
    check_unknown_id,
    check_unknown_user,
    check_update,
    check_users_path,
)
from strategies import invalid_bodies

CONTRACT = load_contract()
PROBE = {"isCurrent": False, "detail": {"jobTitle": "graphcontract probe"}}
FORMS = ["me", "id", "userPrincipalName"]
"""The documented paths: /me/profile/positions/{id}, and /users/{id | userPrincipalName}/…
(the latter with a --gc-user of that form: a value with an "@" is a userPrincipalName)."""
VIA_USERS_BODY = {
    "detail": {"jobTitle": "graphcontract via /users"},
    "categories": ["graphcontract via /users"],
    "inference": None,
}
"""A partial nested value, a collection and a null: every merge rule has something to judge."""
INVALID_VALUES = {
    "audience-not-a-member": {"allowedAudiences": "graphcontractBogus"},
    "boolean-as-string": {"isCurrent": "true"},
    "valid-change-and-wrong-type": {
        "detail": {"jobTitle": "graphcontract via /users, refused"},
        "isCurrent": "true",
    },
}
"""Refused via each /users form: a non-member, a wrong type, and a wrong type next to a valid
change (nothing of it may be applied)."""
MALFORMED = {"truncated": b'{"isCurrent": tr', "array": b'[{"isCurrent": false}]'}
"""Bodies that are no JSON object, sent via each /users form (the generated ones go to /me)."""


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
    body = {"detail": {"jobTitle": f"sent as {media_type} via {form}"}}
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


@pytest.mark.clauses("types.rejects", "enum.allowedAudiences.rejects", "atomic.rejected")
@pytest.mark.parametrize("form", FORMS[1:])
@pytest.mark.parametrize("body", INVALID_VALUES.values(), ids=INVALID_VALUES.keys())
def test_users_path_forms_refuse_invalid_values(gc_session, form, body):
    """The /users forms validate bodies as /me does (the generated cases go to /me)."""
    clause = "enum.allowedAudiences.rejects" if "allowedAudiences" in body else "types.rejects"
    with gc_session.example() as ex:
        check_rejected(ex, clause, body=body, user=user_for(gc_session, form), what="invalid value")


@pytest.mark.clauses("body.malformed", "atomic.rejected", "errors.envelope", "server.no-5xx")
@pytest.mark.parametrize("form", FORMS[1:])
@pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_bodies_are_refused_via_users(gc_session, form, content):
    user = user_for(gc_session, form)
    with gc_session.example() as ex:
        check_rejected(ex, "body.malformed", content=content, user=user, what="malformed body")


@pytest.mark.clauses("auth.required", "atomic.rejected", "errors.envelope")
@pytest.mark.parametrize("form", FORMS)
def test_missing_authorization_is_refused(gc_session, form):
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


UNUSABLE_AUTHORIZATION = {
    "basic-scheme": "Basic Z3JhcGhjb250cmFjdDpwcm9iZQ==",
    "bearer-without-token": "Bearer",
}


@pytest.mark.clauses("auth.required", "atomic.rejected", "errors.envelope")
@pytest.mark.parametrize(
    "authorization", UNUSABLE_AUTHORIZATION.values(), ids=UNUSABLE_AUTHORIZATION.keys()
)
def test_unusable_authorization_is_refused(gc_session, authorization):
    """ "401: authentication missing or invalid" (Graph's error table): a header that carries
    no bearer token is no authentication."""
    with gc_session.example() as ex:
        check_rejected(
            ex,
            "auth.required",
            body=PROBE,
            allowed=frozenset({401}),
            what=f"Authorization: {authorization.split()[0]} …",
            authorization=authorization,
        )


@pytest.mark.clauses("auth.scope", "atomic.rejected", "errors.envelope")
@pytest.mark.parametrize("form", FORMS)
def test_token_without_write_scope_is_refused(gc_session, form):
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
    content = b'{"isCurrent": false, "detail": {"jobTitle": "graphcontract media probe"}}'
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
    user = user_for(gc_session, form)
    with gc_session.example() as ex:
        check_unknown_id(ex, PROBE, user=user)


@pytest.mark.clauses("body.malformed", "atomic.rejected", "errors.envelope", "server.no-5xx")
@given(case=invalid_bodies(CONTRACT, "body.malformed"))
def test_malformed_bodies_are_refused(gc_session, case):
    with gc_session.example() as ex:
        check_rejected(ex, "body.malformed", content=case.content(), what=case.description)
