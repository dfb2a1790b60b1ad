"""The console's per-failure blocks name the first cause (graphcontract.runner.console): a
sequence's failure shows the writes that caused it and points at the script replaying the
whole sequence (report.build writes it), not the GET that only showed it."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graphcontract.contract import load_contract
from graphcontract.oracles.verdict import History, Verdict
from graphcontract.report.build import build_report, write_report
from graphcontract.runner.config import RunConfig
from graphcontract.runner.console import summary_lines
from graphcontract.runner.recorder import Recorder
from tests.unit.oracle_samples import exchange
from tests.unit.test_console import BASE, CLI, FOLDER, block, clause, report, texts

POSITION = f"{BASE}/me/profile/positions/p1"
READ_CURL = f"curl -sS -X GET {POSITION} -H 'Authorization: Bearer $GRAPH_TOKEN'"
REPLAY = (
    "# steps (replay from the snapshot; GRAPH_TOKEN set):\n# 0. restore the snapshot\n"
    f"curl -sS -X PATCH {POSITION} --data-binary '{{}}'\n# 1. two PATCHes at once\n"
    f"curl -sS -X PATCH {POSITION} --data-binary '{{\"a\": 1}}' &\n"
    f"curl -sS -X PATCH {POSITION} --data-binary '{{\"b\": 2}}' &\nwait\n{READ_CURL}"
)


def write(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "method": "PATCH",
        "url": POSITION,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
        "status": 200,
    }


def sequence_failure(cid: str = "merge.nested", **history: Any) -> dict[str, Any]:
    """A clause failed by the state machine's step of two PATCHes at once, shown by a GET."""
    example = {
        "title": "step 1, two PATCHes at once, both answered 200: detail.summary is not what "
        "the PATCH rules give",
        "message": 'sent: {}\nexpected: {"detail.summary": "b"}\ngot: {"detail.summary": null}\n'
        + REPLAY,
        "request": {"method": "GET", "url": POSITION, "headers": {}, "body": ""},
        "response": {"status": 200, "body": '{"id": "p1"}'},
        "curl": READ_CURL,
        "history": {
            "steps": 1,
            "together": True,
            "cause": [write({"detail": {"jobTitle": "a"}}), write({"detail": {"summary": "b"}})],
            "replay": REPLAY,
            **history,
        },
    }
    return clause(cid, "fail", counterexample=example, failure_title=example["title"], failed=1)


def test_a_sequence_failure_shows_the_writes_sent_at_once_not_the_read() -> None:
    failed = sequence_failure(file="reproduce-merge.nested.sh")
    shown = block(texts(report([failed]), wording=CLI), "merge.nested")
    (request,) = [line for line in shown if line.startswith("  request:")]
    assert request.startswith("  request:   2 PATCHes at once to /me/profile/positions/p1")
    assert '{"detail":{"jobTitle":"a"}} & {"detail":{"summary":"b"}}' in request
    assert any(line.startswith("  seen in:   GET /me/profile/positions/p1") for line in shown)
    (reproduce,) = [line for line in shown if line.startswith("  reproduce:")]
    assert reproduce.startswith(f"  reproduce: sh {FOLDER / 'reproduce-merge.nested.sh'}  (")
    assert "restores the snapshot" in reproduce
    assert READ_CURL not in "\n".join(shown), "a lone GET reproduces nothing"


def test_a_sequence_failure_without_a_written_script_points_at_the_report() -> None:
    shown = block(texts(report([sequence_failure()])), "merge.nested")
    (reproduce,) = [line for line in shown if line.startswith("  reproduce:")]
    assert f"{FOLDER / 'report.html'}" in reproduce
    assert "curl" not in reproduce


def test_the_report_folder_holds_each_sequence_failure_replay_script(tmp_path: Path) -> None:
    rep = report([sequence_failure(), clause("paths.me", "pass")])
    write_report(rep, tmp_path, redact=lambda text: text.replace("Bearer", "B***"))
    saved = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    story = next(c for c in saved["clauses"] if c["id"] == "merge.nested")["counterexample"]
    script = (tmp_path / story["history"]["file"]).read_text(encoding="utf-8")
    assert script.startswith("#!/bin/sh\n# merge.nested: step 1, two PATCHes at once")
    assert "wait\n" in script
    assert "Bearer" not in script, "the script is redacted as the report is"
    lines = [line.text for line in summary_lines(saved, tmp_path, wording=CLI)]
    shown = block(lines, "merge.nested")
    assert f"  reproduce: sh {tmp_path / 'reproduce-merge.nested.sh'}  (" in "\n".join(shown)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "wait" in page


def test_a_request_a_terminal_shows_escaped_is_replayed_from_a_file(tmp_path: Path) -> None:
    """A bidirectional control in the body: the console line shows it escaped (inert), so the
    reproducer the console names is a script sending it byte for byte."""
    curl = f'curl -sS -X PATCH {POSITION} --data-binary \'{{"jobTitle": "a\u202eb"}}\''
    example = {"title": "not read back as sent", "message": "sent: {}", "curl": curl}
    rep = report([clause("response.echo", "fail", counterexample=example, failed=1)])
    write_report(rep, tmp_path)
    saved = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    example = next(c for c in saved["clauses"] if c["id"] == "response.echo")["counterexample"]
    assert example["curl_file"] == "reproduce-response.echo.sh"
    assert curl in (tmp_path / example["curl_file"]).read_text(encoding="utf-8")
    lines = [line.text for line in summary_lines(saved, tmp_path, wording=CLI)]
    (reproduce,) = [line for line in block(lines, "response.echo") if "reproduce:" in line]
    assert reproduce.startswith(f"  reproduce: sh {tmp_path / 'reproduce-response.echo.sh'}  (")
    assert "\\u202e" not in reproduce


def test_a_plain_request_is_reproduced_on_the_console_line(tmp_path: Path) -> None:
    example = {"title": "answered 500", "message": "sent: {}", "curl": READ_CURL}
    rep = report([clause("server.no-5xx", "fail", counterexample=example, failed=1)])
    write_report(rep, tmp_path)
    assert list(tmp_path.glob("reproduce-*.sh")) == []
    lines = [line.text for line in summary_lines(rep, tmp_path, wording=CLI)]
    assert f"  reproduce: {READ_CURL}" in block(lines, "server.no-5xx")


UPN = "someone@example.com"


def refused(cid: str, path: str, status: int, expected: str, title: str = "") -> dict[str, Any]:
    """A clause failed by one PATCH through ``path`` answered ``status``."""
    example = {
        "title": title or f"answered {status}, not {expected}",
        "message": f"sent: {{}}\nexpected: {expected}\ngot: {status}",
        "request": {"method": "PATCH", "url": f"{BASE}{path}/profile/positions/p1", "body": "{}"},
        "response": {"status": status, "body": '{"error": {"code": "itemNotFound"}}'},
        "curl": f"curl -sS -X PATCH {BASE}{path}/profile/positions/p1",
    }
    return clause(cid, "fail", counterexample=example, failure_title=example["title"], failed=1)


def fail_lines(lines: list[str]) -> list[str]:
    return [line.split(":")[0].removeprefix("FAIL ") for line in lines if line.startswith("FAIL ")]


def test_failures_on_a_path_form_that_refuses_valid_requests_follow_it_as_consequences() -> None:
    clauses = [
        refused("media.json-required", f"/users/{UPN}", 404, "400 or 415"),
        refused("paths.users", f"/users/{UPN}", 404, "200"),
        refused("types.rejects", f"/users/{UPN}", 404, "400"),
        refused("enum.nested", "/me", 200, "400"),  # its own cause: /me, another status
        refused("body.malformed", "/users/u-id", 404, "400"),  # another path form
    ]
    lines = texts(report(clauses), wording=CLI)
    assert fail_lines(lines) == [
        "paths.users",
        "media.json-required",
        "types.rejects",
        "enum.nested",
        "body.malformed",
    ]
    for consequence in ("media.json-required", "types.rejects"):
        shown = block(lines, consequence)
        assert shown[1] == (
            "  likely a consequence of paths.users above: also failed on the same path form "
            f"(/users/{UPN}, answered 404)"
        )
        assert not any(line.startswith("  reproduce:") for line in shown)
        assert any(line.startswith("  next:      fix paths.users first") for line in shown)
    for own in ("paths.users", "enum.nested", "body.malformed"):
        assert not any("likely a consequence" in line for line in block(lines, own)), own


def test_failures_needing_a_history_of_writes_follow_one_request_failures() -> None:
    step_two = sequence_failure("merge.omitted-preserved", steps=2)
    one_request = clause(
        "persisted",
        "fail",
        counterexample={"title": "the service keeps no writes", **failed_write()},
    )
    lines = texts(report([step_two, one_request]), wording=CLI)
    assert fail_lines(lines) == ["persisted", "merge.omitted-preserved"]


def failed_write() -> dict[str, Any]:
    return {
        "message": "sent: {}\nexpected: {}\ngot: {}",
        "request": write({"isCurrent": True}),
        "response": {"status": 200, "body": "{}"},
        "curl": f"curl -sS -X PATCH {POSITION}",
    }


def test_the_report_lists_failed_clauses_first_cause_first(tmp_path: Path) -> None:
    """build_report's order (report.json and report.html) is the console's."""
    recorder = Recorder()
    write_ok = exchange(200, {"id": "p1"}, sent=b'{"isCurrent": true}')
    story = History(2, (write_ok,), False, REPLAY)
    knock_on = Verdict.failed("merge.omitted-preserved", "step 2", sent={}, expected=1, got=2)
    recorder.record(dataclasses.replace(knock_on, exchange=write_ok, history=story))
    recorder.record(
        Verdict.failed(
            "persisted", "keeps no writes", sent={}, expected=1, got=2, exchange=write_ok
        )
    )
    built = build_report(
        load_contract(), recorder, config=RunConfig(), target={"base_url": BASE},
        errors=[], started=datetime.now(UTC), profile="ci",
    )  # fmt: skip
    assert built["failed_clauses"] == ["persisted", "merge.omitted-preserved"]
    write_report(built, tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    listed = page.split("Failed must clauses", 1)[1]
    assert listed.index("persisted") < listed.index("merge.omitted-preserved")


@pytest.mark.parametrize(
    ("expected", "refuses_a_valid_request"),
    [
        ("200", True),
        ("200 or 204", True),
        ("200 for a valid partial body", True),
        ("200 or 400", False),
        ("400", False),
        ("a 2xx or 4xx answer", False),
    ],
)
def test_a_path_form_is_condemned_only_by_a_refused_request_that_expected_success(
    expected: str, refuses_a_valid_request: bool
) -> None:
    clauses = [
        refused("paths.users", f"/users/{UPN}", 404, expected),
        refused("types.rejects", f"/users/{UPN}", 404, "400"),
    ]
    lines = texts(report(clauses), wording=CLI)
    marked = any("likely a consequence of paths.users" in line for line in lines)
    assert marked == refuses_a_valid_request


def test_a_404_for_a_given_user_hints_at_the_user_not_the_verdict() -> None:
    rep = report([refused("paths.users", f"/users/{UPN}", 404, "200")])
    rep["target"]["users"] = ["u-id", UPN]
    shown = block(texts(rep, wording=CLI), "paths.users")
    (hint,) = [line for line in shown if line.startswith("  hint:")]
    assert f"404 for --user {UPN}: check that it names an existing user" in hint
    assert f"(this run used --user u-id, --user {UPN})" in hint
    assert shown[0].startswith("FAIL paths.users:"), "the verdict stands: the wire cannot tell"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/users/not-given", 404), (f"/users/{UPN}", 403), ("/me", 404)],
    ids=["another-user", "another-status", "me"],
)
def test_no_user_hint_for_other_refusals(path: str, status: int) -> None:
    rep = report([refused("paths.users", path, status, "200")])
    rep["target"]["users"] = [UPN]
    assert not any(line.startswith("  hint:") for line in texts(rep, wording=CLI))


def test_a_refusal_with_another_error_is_no_consequence() -> None:
    """A path form refusing every request answers alike; another error is its own cause."""
    own = refused("types.rejects", f"/users/{UPN}", 404, "400")
    own["counterexample"]["response"]["body"] = '{"error": {"code": "other", "message": "x"}}'
    lines = texts(report([refused("paths.users", f"/users/{UPN}", 404, "200"), own]))
    assert not any("likely a consequence" in line for line in lines)
