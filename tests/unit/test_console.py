"""The console summary (graphcontract.runner.console) built from report.json data: a failed
clause's request, answer, reproducer and next step; skipped must clauses with the option that
enables them; restores a later restore fixed; a verdict line that never hides a failed test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphcontract.report.build import restore_outcomes
from graphcontract.runner.console import (
    RunFacts,
    Wording,
    request_line,
    response_line,
    summary_lines,
)

BASE = "http://127.0.0.1:8000/beta"
FOLDER = Path("reports/r1")
CLI = Wording("--", lambda clause: f"graphcontract run --base-url {BASE} --clause {clause}")
CURL = f"curl -sS -X PATCH {BASE}/me/profile/positions/p1 -H 'Content-Type: application/json'"


def clause(cid: str, status: str, level: str = "must", **extra: Any) -> dict[str, Any]:
    return {"id": cid, "level": level, "title": f"title of {cid}", "status": status, **extra}


def failed(cid: str) -> dict[str, Any]:
    example = {
        "title": "detail.role lost its value although not sent",
        "message": 'sent: {"detail": {"jobTitle": "x"}}\nexpected: {"role": "dev"}\n'
        'got: {"role": null}',
        "request": {
            "method": "PATCH",
            "url": f"{BASE}/me/profile/positions/p1",
            "headers": {"Content-Type": "application/json", "Authorization": "Bearer ***"},
            "body": '{"detail": {"jobTitle": "x"}}',
        },
        "response": {"status": 200, "body": '{"@odata.context": "x", "id": "p1"}'},
        "curl": CURL,
    }
    return clause(
        cid,
        "fail",
        counterexample=example,
        failure_title=example["title"],
        failed=3,
        failure_titles={example["title"]: 2, "other": 1},
    )


def report(clauses: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    failing = [c["id"] for c in clauses if c["status"] == "fail" and c["level"] == "must"]
    return {
        "verdict": "fail" if failing else "pass",
        "target": {"base_url": BASE, "users": ["u1"], "readonly_token": True},
        "clauses": clauses,
        "failed_clauses": failing,
        "errors": [],
        "restores": [],
        "restore_problems": [],
        "documentation_findings": [],
        **extra,
    }


def texts(rep: dict[str, Any], **options: Any) -> list[str]:
    return [line.text for line in summary_lines(rep, FOLDER, **options)]


def block(lines: list[str], clause_id: str) -> list[str]:
    """The lines of one failed clause: its FAIL line and the indented lines under it."""
    start = lines.index(next(line for line in lines if line.startswith(f"FAIL {clause_id}:")))
    rest = lines[start + 1 :]
    end = next((i for i, line in enumerate(rest) if not line.startswith("  ")), len(rest))
    return lines[start : start + 1 + end]


def test_each_failed_clause_shows_request_answer_reproducer_and_next_step() -> None:
    lines = texts(report([clause("paths.me", "pass"), failed("merge.nested")]), wording=CLI)
    shown = block(lines, "merge.nested")
    assert shown[0] == "FAIL merge.nested: detail.role lost its value although not sent"
    assert (
        "  request:   PATCH /me/profile/positions/p1 [Content-Type: application/json] "
        '{"detail":{"jobTitle":"x"}}' in shown
    )
    assert '  answer:    200 {"id":"p1"}' in shown
    assert '  expected:  {"role": "dev"}' in shown
    assert '  got:       {"role": null}' in shown
    assert f"  reproduce: {CURL}" in shown
    (next_step,) = [line for line in shown if line.startswith("  next:")]
    assert f"graphcontract run --base-url {BASE} --clause merge.nested" in next_step
    assert "reports/r1/report.html#clause-merge.nested" in next_step
    assert lines[-1].startswith("verdict: fail - 1 must clause(s) failed: merge.nested")


def test_pytest_wording_reruns_with_gc_clause() -> None:
    lines = texts(report([failed("merge.nested")]))
    (next_step,) = [line for line in lines if line.startswith("  next:")]
    assert "pytest --gc-clause merge.nested" in next_step


def test_a_failure_without_a_recorded_exchange_says_so() -> None:
    bare = clause("idempotent", "fail", counterexample={"title": "t", "message": "m"})
    lines = texts(report([bare]))
    assert "  reproduce: (no single request shows it: see the report)" in lines


@pytest.mark.parametrize(
    ("wording", "scope_option", "users_option"),
    [
        (CLI, "--readonly-token-env NAME", "--user ID_OR_UPN"),
        (Wording(), "--gc-readonly-token-env NAME", "--gc-user ID_OR_UPN"),
    ],
    ids=["graphcontract-run", "pytest"],
)
def test_skipped_must_clauses_name_the_option_that_enables_them(
    wording: Wording, scope_option: str, users_option: str
) -> None:
    rep = report(
        [
            clause("auth.scope", "skipped", reason="no token"),
            clause("paths.users", "skipped", reason="no user"),
            clause("merge.nested", "skipped", reason="not selected (--clause)"),
            clause("body.empty", "skipped", level="observe", reason="not selected (--clause)"),
        ],
        target={"base_url": BASE, "users": [], "readonly_token": False},
    )
    facts = RunFacts(skipped_tests={"no --gc-user configured: the /users form is not sent": 4})
    lines = texts(rep, wording=wording, facts=facts)
    assert any(line.startswith("  skipped auth.scope:") and scope_option in line for line in lines)
    assert any(line.startswith("  skipped paths.users:") and users_option in line for line in lines)
    assert f"  1 must clause(s) not selected ({wording.option('clause')})" in lines
    users_word = users_option.split()[0]
    assert f"  4 test(s) skipped: no {users_word} configured: the /users form is not sent" in lines
    assert not any("body.empty" in line for line in lines), "observe clauses are not listed"


def test_a_clause_judged_without_its_option_is_called_partly_judged() -> None:
    rep = report(
        [clause("paths.users", "pass")], target={"base_url": BASE, "users": [], "loopback": True}
    )
    lines = texts(rep, wording=CLI)
    assert any(
        line.startswith("  partly judged paths.users:") and "--user ID_OR_UPN" in line
        for line in lines
    )


AFTER_EXAMPLE = {"when": "after an example", "verified": False, "differences": ["x: expected 1"]}
END_OK = {"when": "end of run", "verified": True, "differences": []}
END_BAD = {"when": "end of run", "verified": False, "differences": ["y: expected 2"]}


@pytest.mark.parametrize(
    ("restores", "open_count", "fixed_count"),
    [
        ([AFTER_EXAMPLE, END_OK], 0, 1),
        ([AFTER_EXAMPLE, END_OK, END_BAD], 2, 0),
        ([AFTER_EXAMPLE], 1, 0),
        ([END_OK], 0, 0),
    ],
    ids=["fixed-at-end", "one-final-restore-failed", "no-final-restore", "all-verified"],
)
def test_a_restore_problem_is_fixed_only_when_every_final_restore_was_verified(
    restores: list[dict[str, Any]], open_count: int, fixed_count: int
) -> None:
    problems, fixed = restore_outcomes(restores)
    assert (len(problems), len(fixed)) == (open_count, fixed_count)
    lines = texts(
        report(
            [clause("paths.me", "pass")],
            restores=restores,
            restore_problems=problems,
            restore_problems_fixed=fixed,
        )
    )
    assert len([line for line in lines if line.startswith("  restore (fixed):")]) == fixed_count
    assert len([line for line in lines if line.startswith("  restore:")]) == open_count
    may_differ = any("may not be back" in line for line in lines)
    assert may_differ == (END_BAD in restores)


def test_the_verdict_line_names_failed_tests_outside_the_contract_suite() -> None:
    facts = RunFacts(other_failures=["tests/unit/test_x.py::test_y"])
    line = summary_lines(report([clause("paths.me", "pass")]), FOLDER, facts=facts)[-1]
    assert line.text.startswith("verdict: pass - every must clause held; but 1 test(s)")
    assert "tests/unit/test_x.py::test_y" in line.text
    assert line.style == "fail"
    alone = summary_lines(report([clause("paths.me", "pass")]), FOLDER)[-1]
    assert alone.text.startswith("verdict: pass - every must clause held - report:")
    assert alone.style == "ok"


def test_documentation_findings_are_a_line_apart_and_never_a_failure() -> None:
    rep = report(
        [clause("paths.me", "pass"), clause("docs.examples", "fail", level="doc")],
        documentation_findings=[{"kind": "example.invalid-date"}],
    )
    lines = texts(rep)
    assert not any(line.startswith("FAIL") for line in lines)
    assert any(line.startswith("documentation: 1 finding(s)") for line in lines)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Content-Type": "application/json", "Authorization": "Bearer ***"}, "PATCH /x [Cont"),
        ({"Content-Type": "text/plain"}, "PATCH /x [Content-Type: text/plain; no Authorization]"),
        ({"Authorization": "Basic abc"}, "PATCH /x [Authorization: Basic …]"),
    ],
    ids=["bearer", "no-authorization", "basic"],
)
def test_request_line_names_the_headers_that_matter(headers: dict[str, str], expected: str) -> None:
    line = request_line({"method": "PATCH", "url": f"{BASE}/x", "headers": headers}, BASE)
    assert line.startswith(expected)
    assert "abc" not in line


def test_long_bodies_are_shortened_and_error_envelopes_show_code_and_message() -> None:
    long = '{"detail": {"jobTitle": "' + "x" * 500 + '"}}'
    line = request_line({"method": "PATCH", "url": f"{BASE}/x", "body": long}, BASE)
    assert len(line) < 220
    assert line.endswith("…")
    error = '{"error": {"code": "BadRequest", "message": "Invalid value"}}'
    assert response_line({"status": 400, "body": error}) == "400 error BadRequest: Invalid value"
    assert response_line({"status": 204, "body": ""}) == "204 (empty body)"


def test_errors_get_one_line_each_and_an_error_verdict() -> None:
    rep = report([clause("paths.me", "skipped", reason="nothing judged")], verdict="error")
    rep["errors"] = ["GET /me/profile/positions/p1 answered 503", "timed out after 1 s"]
    lines = texts(rep)
    assert [line for line in lines if line.startswith("  error: ")] == [
        "  error: GET /me/profile/positions/p1 answered 503",
        "  error: timed out after 1 s",
    ]
    assert lines[-1].startswith("verdict: error - the harness could not judge everything")
