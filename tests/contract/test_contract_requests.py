"""Who may call, on which path, with what envelope: paths.users, auth.*, media type,
unknown ids and malformed bodies."""

from __future__ import annotations

import pytest
from hypothesis import given

from graphcontract.contract import load_contract
from graphcontract.runner.scenarios import (
    NON_JSON_MEDIA_TYPES,
    check_rejected,
    check_unknown_id,
    check_users_path,
)
from strategies import invalid_bodies

CONTRACT = load_contract()
PROBE = {"isCurrent": False, "detail": {"jobTitle": "graphcontract probe"}}


@pytest.mark.clauses("paths.users", "server.no-5xx")
@pytest.mark.parametrize("form", ["id", "userPrincipalName"])
def test_users_path_forms(gc_session, form):
    """/users/{id}/… and /users/{userPrincipalName}/… update the position /me reads. A
    --gc-user with an "@" is a userPrincipalName, any other an id; each form is sent only
    when a user of that form is configured."""
    users = [str(u) for u in gc_session.target.users]
    if not users:
        pytest.skip("no --gc-user configured: paths.users is reported as skipped")
    of_form = [u for u in users if ("@" in u) == (form == "userPrincipalName")]
    if not of_form:
        pytest.skip(f"no --gc-user in the {form} form configured: that form is not sent")
    user = of_form[0]
    with gc_session.example() as ex:
        check_users_path(ex, user, {"detail": {"jobTitle": f"graphcontract via /users ({form})"}})


@pytest.mark.clauses("auth.required", "atomic.rejected", "errors.envelope")
def test_missing_authorization_is_refused(gc_session):
    with gc_session.example() as ex:
        check_rejected(
            ex,
            "auth.required",
            body=PROBE,
            token=None,
            allowed=frozenset({401}),
            what="no Authorization header",
        )


@pytest.mark.clauses("auth.scope", "atomic.rejected", "errors.envelope")
def test_token_without_write_scope_is_refused(gc_session):
    token = gc_session.target.readonly_token
    if not token:
        pytest.skip("no --gc-readonly-token-env configured: auth.scope is reported as skipped")
    with gc_session.example() as ex:
        check_rejected(
            ex,
            "auth.scope",
            body=PROBE,
            token=token,
            allowed=frozenset({403}),
            what="token without write scope",
        )


@pytest.mark.clauses("media.json-required", "atomic.rejected", "errors.envelope")
@pytest.mark.parametrize(
    "media_type", [*NON_JSON_MEDIA_TYPES, None], ids=[*NON_JSON_MEDIA_TYPES, "no-content-type"]
)
def test_non_json_content_type_is_refused(gc_session, media_type):
    """A JSON body under another Content-Type, or under none (the page marks the header
    Required): 415 or 400, nothing changed."""
    content = b'{"isCurrent": false, "detail": {"jobTitle": "graphcontract media probe"}}'
    with gc_session.example() as ex:
        check_rejected(
            ex,
            "media.json-required",
            content=content,
            content_type=media_type,
            allowed=frozenset({400, 415}),
            what=f"Content-Type {media_type}" if media_type else "no Content-Type header",
        )


@pytest.mark.clauses("target.unknown-id", "atomic.rejected", "errors.envelope")
def test_unknown_position_id(gc_session):
    with gc_session.example() as ex:
        check_unknown_id(ex, PROBE)


@pytest.mark.clauses("body.malformed", "atomic.rejected", "errors.envelope", "server.no-5xx")
@given(case=invalid_bodies(CONTRACT, "body.malformed"))
def test_malformed_bodies_are_refused(gc_session, case):
    with gc_session.example() as ex:
        check_rejected(ex, "body.malformed", content=case.content(), what=case.description)
