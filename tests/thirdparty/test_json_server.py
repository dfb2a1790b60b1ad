"""json-server 0.17.4 (npm) as a Graph stand-in: the verdict it deserves on every clause.

json-server keeps a JSON file and applies any PATCH body with a shallow ``Object.assign``
(lodash-id keeps the id). It checks no token, no type and no enum, stores any property,
replaces a nested value whole, never stamps lastModifiedDateTime, answers 404 with ``{}``
and a body it cannot parse with an HTML page, and lists a collection as a bare array. The run
that judges it is shared by every test here (one per session).
"""

from __future__ import annotations

from html import unescape

import httpx
import pytest

from tests.thirdparty import checks
from tests.thirdparty.runs import Run, shared_run
from tests.thirdparty.servers import Server, json_server, seed_positions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("thirdparty-json-server")]

POSITION = seed_positions()[0]["id"]
SERVER_STAMPED = ("lastModifiedDateTime", "lastModifiedBy")

EXPECTED: checks.Expectations = {
    "paths.me": ("pass", "every valid partial body is answered 200"),
    "paths.users": ("skipped", "no --user given, and json-server has no /users/... route"),
    "auth.required": ("fail", "no token is checked: a PATCH without one is answered 200"),
    "auth.scope": ("skipped", "no --readonly-token-env given"),
    "media.json-required": ("fail", "a body without a JSON Content-Type is ignored, answered 200"),
    "target.unknown-id": ("pass", "an unknown id is answered 404 and nothing is created"),
    "target.isolation": (
        "skipped",
        "the list is a bare JSON array, not {value: [...]}: the other positions are unknown",
    ),
    "body.malformed": ("fail", "a JSON array body is answered 200 (stored as a key '0')"),
    "body.empty": ("observed", "{} answered 200 (recorded)"),
    "body.annotations": (
        "skipped",
        "no annotation probe is sent: json-server was seen storing undeclared names, and a "
        "stored one is left behind (no PATCH removes it)",
    ),
    "strings.unusual": ("observed", "U+0000 and lone surrogates answered 200 (recorded)"),
    "values.long": ("observed", "long strings and collections answered 200 (recorded)"),
    "enum.allowedAudiences.accepts": ("pass", "every member is stored and read back as sent"),
    "enum.allowedAudiences.rejects": ("fail", "no value is refused: any string is stored"),
    "enum.allowedAudiences.gray": ("observed", "flags forms stored as sent (recorded)"),
    "enum.nested": ("fail", "nested enum values are never refused"),
    "enum.nested.gray": ("observed", "open forms stored as sent (recorded)"),
    "types.rejects": ("fail", "values of the wrong JSON type are stored"),
    "properties.unknown": ("observed", "any property is stored (policy observe records it)"),
    "read-only.not-applied": (
        "fail",
        "createdDateTime, createdBy and lastModified* sent in a body are stored",
    ),
    "atomic.rejected": ("pass", "its refusals (400 unparsable JSON, 404) change nothing"),
    "response.shape": (
        "fail",
        "it answers the undeclared properties it stored and a numeric enum as a JSON number; "
        "the headline is the write that stored them, not a later answer that carries them",
    ),
    "response.id": ("pass", "lodash-id keeps the id whatever the body says"),
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
    "errors.envelope": ("fail", "404 answers {}, an unparsable body an HTML error page"),
    "server.no-5xx": ("pass", "no request gets a 5xx"),
    "idempotent": ("observed", "the same PATCH twice leaves the same state (recorded)"),
    "docs.examples": ("fail", "the page's own example (a documentation finding, not the target)"),
}


def _positions(server: Server) -> dict[str, object]:
    answer = httpx.get(f"{server.base_url}/positions", timeout=10)
    return {"positions": answer.json()}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Run:
    return shared_run("json-server", tmp_path_factory, worker_id, json_server, POSITION, _positions)


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


def test_server_managed_headline_is_json_servers_own_defect(run):
    """The first cause is a stamp that never moves, not the 2098 value the harness's own
    read-only probe stored."""
    example = run.clause("server-managed.recalculated")["counterexample"] or {}
    assert "2098" not in example.get("title", "") + example.get("message", "")
    assert "lastModifiedDateTime" not in (example.get("request") or {}).get("body", "")


def test_response_shape_headline_is_the_write_that_stored_the_value(run):
    """Every answer after a stored undeclared property fails response.shape; the headline is
    the first: a request that carried what the answer shows, not a plain update after it."""
    example = run.clause("response.shape")["counterexample"] or {}
    sent = (example.get("request") or {}).get("body", "")
    assert "note: the position read before" not in example.get("message", ""), example
    assert sent not in ("", '{"manager": {}}'), example


def test_the_altered_position_is_reported_not_restored(run):
    """json-server keeps every property the probes stored and PATCH cannot remove one: the run
    must say so (each property named, exit status non-zero), never claim a verified restore."""
    (before,) = [p for p in seed_positions() if p["id"] == POSITION]
    (after,) = [p for p in run.extra["positions"] if p["id"] == POSITION]
    left = [k for k in checks.leftovers(before, after) if k not in SERVER_STAMPED]
    assert left, "json-server should keep what the harness's probes stored"
    assert checks.claimed_verified(run) == []
    text = checks.restore_text(run)
    assert [k for k in left if k not in text] == [], f"report.json says: {text[:2000]}"
    (html,) = run.report_dir.glob("*/report.html")
    page = unescape(html.read_text(encoding="utf-8"))
    assert [k for k in left if k not in page] == [], "report.html does not name them all"
    assert [k for k in left if k not in run.stdout + run.stderr] == [], run.output()
    assert run.exit_code != 0


def test_the_other_position_is_untouched(run):
    _, other = seed_positions()
    (after,) = [p for p in run.extra["positions"] if p["id"] == other["id"]]
    assert after == other
