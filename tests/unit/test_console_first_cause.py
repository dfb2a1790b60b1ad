"""The console's per-failure blocks name the first cause (graphcontract.runner.console): a
sequence's failure shows the writes that caused it and points at the script replaying the
whole sequence (report.build writes it), not the GET that only showed it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphcontract.report.build import write_report
from graphcontract.runner.console import summary_lines
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
