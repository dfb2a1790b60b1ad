"""The verdict line and the exit status (graphcontract.runner.console, runner/cli.conclude):
an interrupted run is never a pass; a pass names the must clauses it did not judge."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from graphcontract.report.build import clauses_judged
from graphcontract.runner import cli, interrupt
from graphcontract.runner.config import RunConfig
from graphcontract.runner.console import summary_lines

FOLDER = Path("reports/r1")


@pytest.fixture(autouse=True)
def no_signal_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a run no stop signal reached (the module remembers the last)."""
    monkeypatch.setattr(interrupt, "_received", [])


def clause(cid: str, status: str, level: str = "must", **extra: Any) -> dict[str, Any]:
    return {"id": cid, "level": level, "title": f"title of {cid}", "status": status, **extra}


def verdict_of(report: dict[str, Any]) -> str:
    return summary_lines(report, FOLDER)[-1].text.split(" - report: ")[0]


@pytest.mark.parametrize(
    ("clauses", "expected"),
    [
        ([clause("paths.me", "pass")], "verdict: pass - every must clause held"),
        (
            [
                clause("paths.me", "pass"),
                clause("paths.users", "skipped", reason="no user configured (--user ID_OR_UPN)"),
                clause("auth.scope", "skipped", reason="no token (--readonly-token-env)"),
                clause("gray.x", "skipped", level="observe"),
            ],
            "verdict: pass - every judged must clause held (2 skipped: paths.users, auth.scope)",
        ),
        (
            [
                clause("paths.me", "pass"),
                clause("auth.scope", "skipped", reason="not selected (--clause)"),
            ],
            "verdict: pass - every selected must clause held",
        ),
    ],
    ids=["all-judged", "some-skipped", "some-unselected"],
)
def test_a_pass_says_which_must_clauses_it_judged(
    clauses: list[dict[str, Any]], expected: str
) -> None:
    assert verdict_of({"verdict": "pass", "clauses": clauses}) == expected


def test_an_interrupted_run_is_never_a_pass_and_names_what_failed_before() -> None:
    report = {
        "verdict": "interrupted",
        "interrupted": {"tests_run": 135, "tests_selected": 308},
        "clauses": [clause("paths.me", "fail"), clause("auth.scope", "pass")],
        "failed_clauses": ["paths.me"],
        "restores": [{"when": "end of run", "verified": True, "differences": []}],
    }
    lines = [line.text for line in summary_lines(report, FOLDER)]
    assert verdict_of(report) == (
        "verdict: interrupted - the run was stopped after 135 of 308 tests; a partial run is "
        "not a pass; 1 must clause(s) failed before: paths.me"
    )
    assert "restore: the position is back as it was, verified on the whole position" in lines
    assert summary_lines(report, FOLDER)[-1].style == "warn"


def config(tmp_path: Path) -> RunConfig:
    return RunConfig(base_url="https://graph.example", report_dir=tmp_path, run_id="r1")


@pytest.mark.parametrize(
    ("verdict", "status"), [("pass", 0), ("fail", 1), ("error", 2), ("interrupted", 130)]
)
def test_the_exit_status_follows_the_verdict(
    tmp_path: Path, verdict: str, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "r1").mkdir()
    (tmp_path / "r1" / "report.json").write_text(json.dumps({"verdict": verdict}))
    assert cli.conclude(config(tmp_path), 0) == status
    assert capsys.readouterr().out.startswith(f"graphcontract: {verdict}")


def test_stopped_before_the_report_prints_the_restore_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "r1").mkdir()
    (tmp_path / "r1" / "restore-journal-main.json").write_text("{}")
    assert cli.conclude(config(tmp_path), None) == 130
    out = capsys.readouterr().out
    assert "graphcontract: interrupted before the end-of-run restore was verified" in out
    assert f"graphcontract restore --journal {tmp_path / 'r1'}" in out
    assert cli.conclude(config(tmp_path), None, journal_hint=False) == 130
    assert "restore --journal" not in capsys.readouterr().out


def stop_myself() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)  # the handler raises as soon as the signal arrives


def test_sigterm_stops_like_ctrl_c_with_its_own_status() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with interrupt.stop_on_signals(), pytest.raises(KeyboardInterrupt):
        stop_myself()
    assert interrupt.was_stopped()
    assert interrupt.interrupted_status() == 143
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.parametrize(
    ("clauses", "pinned", "judged"),
    [
        ([clause("docs.examples", "pass", level="doc")], frozenset(), False),
        ([clause("body.empty", "observed", level="observe")], frozenset(), False),
        ([clause("body.empty", "pass", level="observe")], frozenset({"body.empty"}), True),
        ([clause("server.no-5xx", "pass"), clause("paths.users", "skipped")], frozenset(), True),
        ([clause("paths.me", "fail")], frozenset(), True),
    ],
    ids=[
        "documentation-only",
        "gray-zone-only",
        "pinned-gray-zone",
        "a-must-passed",
        "a-must-failed",
    ],
)
def test_nothing_judged_means_no_must_clause_judged(
    clauses: list[dict[str, Any]], pinned: frozenset[str], judged: bool
) -> None:
    assert clauses_judged(clauses, pinned) is judged


def test_an_error_verdict_says_why_when_no_error_was_printed() -> None:
    nothing = {"verdict": "error", "clauses": [clause("paths.me", "skipped")]}
    assert verdict_of(nothing) == (
        "verdict: error - nothing judged: no must clause was judged (the selection sent no "
        "request it applies to)"
    )
    unverified = {**nothing, "restores": [{"when": "end of run", "verified": False}]}
    assert "the end-of-run restore was not verified" in verdict_of(unverified)
    errors = {**nothing, "errors": ["timed out"]}
    assert "the harness could not judge everything (see the errors above)" in verdict_of(errors)
