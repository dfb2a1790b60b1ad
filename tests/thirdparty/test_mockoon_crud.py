"""Mockoon CLI 9.9 (npm) in CRUD mode as a Graph stand-in: the verdict it deserves per clause.

A CRUD route over a data bucket merges any PATCH body into the item with a shallow spread, the
id included (a body's ``"id"`` renames the position: later requests to the old id get 404). It
checks no token, no type and no enum, ignores a body it cannot parse (200, nothing changed),
stores any property, never stamps lastModifiedDateTime, answers an unknown id 404 with ``{}``
and lists a bare array. The run that judges it is shared by every test here.
"""

from __future__ import annotations

import httpx
import pytest

from tests.thirdparty import checks
from tests.thirdparty.runs import Run, shared_run
from tests.thirdparty.servers import Server, mockoon_crud, seed_positions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("thirdparty-mockoon")]

POSITION = seed_positions()[0]["id"]

EXPECTED: checks.Expectations = {
    "paths.me": ("pass", "every valid partial body is answered 200"),
    "paths.users": ("skipped", "no --user given, and the environment has no /users/... route"),
    "auth.required": ("fail", "no token is checked: a PATCH without one is answered 200"),
    "auth.scope": ("skipped", "no --readonly-token-env given"),
    "media.json-required": ("fail", "a body without a JSON Content-Type is answered 200"),
    "target.unknown-id": ("pass", "an unknown id is answered 404 and nothing is created"),
    "target.isolation": (
        "skipped",
        "the list is a bare JSON array, not {value: [...]}: the other positions are unknown",
    ),
    "body.malformed": ("fail", "unparsable JSON is ignored and answered 200; an array is merged"),
    "body.empty": ("observed", "{} answered 200 (recorded)"),
    "body.annotations": (
        "skipped",
        "no annotation probe is sent: the target was seen storing undeclared names, and a "
        "stored one is left behind (no PATCH removes it)",
    ),
    "strings.unusual": ("observed", "answered 200 (recorded)"),
    "values.long": ("observed", "answered 200 (recorded)"),
    "enum.allowedAudiences.accepts": ("pass", "every member is stored and read back as sent"),
    "enum.allowedAudiences.rejects": ("fail", "no value is refused: any string is stored"),
    "enum.allowedAudiences.gray": ("observed", "flags forms stored as sent (recorded)"),
    "enum.nested": ("fail", "nested enum values are never refused"),
    "enum.nested.gray": ("observed", "open forms stored as sent (recorded)"),
    "types.rejects": ("fail", "values of the wrong JSON type are stored"),
    "properties.unknown": ("observed", "any property is stored (policy observe records it)"),
    "read-only.not-applied": (
        "fail",
        "an id sent in a body renames the position; createdDateTime and the rest are stored",
    ),
    "atomic.rejected": ("pass", "its only refusals, 404s, change nothing"),
    "response.shape": (
        "fail",
        "it answers the undeclared properties it stored and a numeric enum as a JSON number; "
        "the headline is the write that stored them, not a later answer that carries them",
    ),
    "response.id": ("fail", "the answer to a PATCH whose body names another id carries it"),
    "response.echo": ("pass", "every value sent is answered as sent"),
    "merge.omitted-preserved": ("pass", "a shallow merge keeps every property not sent"),
    "merge.recalculated": ("observed", "nothing recalculated (recorded)"),
    "merge.nested": ("fail", "a partial complex value replaces the stored one whole"),
    "merge.collections-replace": ("pass", "a collection sent replaces the stored one"),
    "merge.null-clears": ("pass", "null is stored, and a later partial value brings nothing back"),
    "collections.null-vs-empty": ("observed", "[] stored and read back as [] (recorded)"),
    "server-managed.recalculated": ("fail", "lastModifiedDateTime never moves on a change"),
    "persisted": ("pass", "a GET answers what the PATCH answered"),
    "reads.stable": ("pass", "two reads with nothing written between agree"),
    "errors.envelope": ("fail", "404 answers {}"),
    "server.no-5xx": ("pass", "no request gets a 5xx"),
    "idempotent": ("observed", "the same PATCH twice leaves the same state (recorded)"),
    "docs.examples": ("fail", "the page's own example (a documentation finding, not the target)"),
}


def _positions(server: Server) -> dict[str, object]:
    answer = httpx.get(f"{server.base_url}/me/profile/positions", timeout=10)
    return {"positions": answer.json()}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Run:
    return shared_run("mockoon", tmp_path_factory, worker_id, mockoon_crud, POSITION, _positions)


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


def test_the_renaming_patch_is_the_headline_not_a_404_after_it(run):
    """The first cause is the PATCH answer that carried another id, judged before the harness
    reads the position again; the run is not stopped as an unhealthy target."""
    assert run.report["errors"] == [], run.report["errors"]
    example = run.clause("response.id")["counterexample"] or {}
    assert '"id"' in (example.get("request") or {}).get("body", ""), example


def test_no_position_is_lost_and_the_altered_one_is_reported_not_restored(run):
    """Every seeded position is still there under its own id at the end (the restore followed
    a renamed one back), and what PATCH cannot remove is named, never claimed verified."""
    after = {p["id"]: p for p in run.extra["positions"]}
    assert sorted(after) == sorted(p["id"] for p in seed_positions())
    (before,) = [p for p in seed_positions() if p["id"] == POSITION]
    left = [
        k
        for k in checks.leftovers(before, after[POSITION])
        if k not in ("lastModifiedDateTime", "lastModifiedBy")
    ]
    assert left, "Mockoon should keep what the harness's probes stored"
    assert checks.claimed_verified(run) == []
    text = checks.restore_text(run)
    assert [k for k in left if k not in text] == [], f"report.json says: {text[:2000]}"
    assert run.exit_code != 0
