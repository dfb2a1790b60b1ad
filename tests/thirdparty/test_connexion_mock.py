"""Connexion 3.3's mock mode (pip) as a Graph stand-in: the verdict it deserves per clause.

``connexion run <the contract as OpenAPI 3.0> --mock=all`` keeps no state: it validates each
request against the spec (401 without a bearer token, 415 for a non-JSON Content-Type, 400 for
a body the request schema refuses, all as application/problem+json) and answers every accepted
one with an example jsf generates from the response schema, afresh each time, whatever the id.
So the harness must find, once, that its reads are not stable, and say that the clauses
judged on the stored state cannot be judged here; clauses judged on one answer alone stay
judged. Known defects of Connexion itself: a bare NaN is parsed as JSON, a Date that does not
exist passes (formats are not checked), a body that is not UTF-8 gets a 500, and a PATCH
without Content-Type is read as JSON.
"""

from __future__ import annotations

import pytest

from tests.thirdparty import checks
from tests.thirdparty.runs import Run, shared_run
from tests.thirdparty.servers import Server, connexion_mock, seed_positions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("thirdparty-connexion")]

POSITION = seed_positions()[0]["id"]
CANNOT_JUDGE = "judged on the stored state, which a generated-answer mock does not keep"

EXPECTED: checks.Expectations = {
    "paths.me": ("pass", "every valid partial body the harness writes is answered 200"),
    "paths.users": (
        "fail",
        "a PATCH to a user that does not exist is answered 200 (every path its OpenAPI "
        "declares is answered with a generated body); judged by its status alone",
    ),
    "auth.required": ("pass", "no, a bare or a Basic Authorization header gets 401"),
    "auth.scope": ("skipped", "no --readonly-token-env given"),
    "media.json-required": ("fail", "a PATCH without Content-Type is read as JSON, answered 200"),
    "target.unknown-id": ("fail", "every id, however fresh, is answered 200 with a position"),
    "target.isolation": ("skipped", CANNOT_JUDGE),
    "body.malformed": (
        "fail",
        "a bare NaN is accepted as JSON (200) and a body that is not UTF-8 gets 500",
    ),
    "body.empty": ("observed", "{} answered 200 (recorded)"),
    "body.annotations": ("observed", "annotations answered 200 (recorded)"),
    "strings.unusual": ("observed", "answered 200 (recorded)"),
    "values.long": ("observed", "answered 200 (recorded)"),
    "enum.allowedAudiences.accepts": ("pass", "every member is answered 200; read-back unjudged"),
    "enum.allowedAudiences.rejects": ("pass", "the request schema's enum refuses them with 400"),
    "enum.allowedAudiences.gray": ("observed", "flags forms refused with 400 (recorded)"),
    "enum.nested": ("pass", "members answered 200, non-members refused with 400"),
    "enum.nested.gray": ("observed", "open forms refused with 400 (recorded)"),
    "types.rejects": ("fail", "a Date that does not exist (2020-02-30) is answered 200"),
    "properties.unknown": ("observed", "undeclared properties answered 200 (recorded)"),
    "read-only.not-applied": ("skipped", CANNOT_JUDGE),
    "atomic.rejected": ("skipped", CANNOT_JUDGE + "; its refusals are correct"),
    "response.shape": ("pass", "every generated answer validates against the schema"),
    "response.id": ("skipped", "the answer is generated, not the resource: " + CANNOT_JUDGE),
    "response.echo": ("skipped", "the answer is generated, not the resource: " + CANNOT_JUDGE),
    "merge.omitted-preserved": ("skipped", CANNOT_JUDGE),
    "merge.recalculated": ("skipped", CANNOT_JUDGE),
    "merge.nested": ("skipped", CANNOT_JUDGE),
    "merge.collections-replace": ("skipped", CANNOT_JUDGE),
    "merge.null-clears": ("skipped", CANNOT_JUDGE),
    "collections.null-vs-empty": ("skipped", CANNOT_JUDGE),
    "server-managed.recalculated": ("skipped", CANNOT_JUDGE),
    "persisted": ("skipped", CANNOT_JUDGE),
    "reads.stable": ("fail", "the one 'reads are not stable' finding: no two reads agree"),
    "errors.envelope": ("fail", "refusals are application/problem+json, not {error: {...}}"),
    "server.no-5xx": ("fail", "a body that is not UTF-8 gets 500 (UnicodeDecodeError)"),
    "idempotent": ("skipped", CANNOT_JUDGE),
    "docs.examples": ("fail", "the page's own example (a documentation finding, not the target)"),
}


def _nothing(server: Server) -> dict[str, object]:
    return {}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Run:
    return shared_run("connexion", tmp_path_factory, worker_id, connexion_mock, POSITION, _nothing)


def test_the_table_names_every_clause(run):
    checks.assert_table_covers_catalog(EXPECTED, run)


@pytest.mark.parametrize("clause_id", sorted(EXPECTED))
def test_clause_verdict(run, clause_id):
    checks.assert_verdict(run, clause_id, EXPECTED)


def test_exit_code_is_1_for_its_contract_failures(run):
    assert run.exit_code == 1, run.output()


def test_every_reproducer_replays_its_request(run, tmp_path):
    assert checks.replay_problems(run, tmp_path) == []


def test_messages_name_the_body_that_was_sent(run):
    assert checks.sent_line_problems(run) == []


def test_the_token_is_in_no_output_and_no_report(run):
    checks.assert_no_secret(run)


def test_no_restore_is_claimed_verified(run):
    """A target whose reads are not stable cannot have a restore verified."""
    assert checks.claimed_verified(run) == []
