"""What ``graphcontract run -v`` prints against a mock that breaks a must clause (put-semantics:
every PATCH replaces the whole position): per failed clause the first cause's request, answer,
curl reproducer and next step; the skipped must clauses with the option that enables them; the
harness's own steps instead of pytest's tracebacks; and a restore problem that the end-of-run
restore fixed shown as fixed everywhere (console, report.json, report.html, and
``graphcontract restore`` finds nothing to do)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from graphcontract.contract import load_contract
from graphcontract.mock.process import MockProcess
from tests.integration.forked import ForkedMock
from tests.resilience.conftest import assert_no_secret, output, report_of, run_args, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def put_semantics() -> Iterator[MockProcess]:
    with ForkedMock(faults=["put-semantics"]) as mock:
        yield mock


@pytest.fixture(scope="module")
def failing_run(
    put_semantics: MockProcess, tmp_path_factory: pytest.TempPathFactory
) -> tuple[CompletedProcess[str], Path]:
    report_dir = tmp_path_factory.mktemp("console")
    result = run_cli(*run_args(put_semantics.base_url, report_dir), "-v")
    return result, report_dir


def report_folder(report_dir: Path) -> str:
    (folder,) = report_dir.iterdir()
    return folder.name


def clause_block(stdout: str, clause_id: str) -> list[str]:
    lines = stdout.splitlines()
    start = lines.index(next(line for line in lines if line.startswith(f"FAIL {clause_id}:")))
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        block.append(line)
    return block


def test_each_failed_clause_shows_its_first_cause_a_reproducer_and_a_next_step(failing_run):
    result, report_dir = failing_run
    assert result.returncode == 1, output(result)
    report = report_of(report_dir)
    assert report["failed_clauses"], output(result)
    for clause_id in report["failed_clauses"]:
        block = clause_block(result.stdout, clause_id)
        example = next(c for c in report["clauses"] if c["id"] == clause_id)["counterexample"]
        story = example.get("history")
        # A sequence's first cause is the writes it sent (the GET after them only showed it).
        method = story["cause"][0]["method"] if story else example["request"]["method"]
        assert any(
            line.startswith((f"  request:   {method} /me/", f"  request:   2 {method}es at once"))
            for line in block
        ), block
        status = example["response"]["status"]
        assert any(line.startswith(f"  answer:    {status} ") for line in block), block
        if story:  # the script replaying the sequence, written next to the report
            script = (report_dir / report_folder(report_dir) / story["file"]).read_text()
            assert f"  reproduce: sh {report_dir / report_folder(report_dir) / story['file']}" in (
                "\n".join(block)
            )
            assert "$GRAPH_TOKEN" in script
        else:
            assert f"  reproduce: {example['curl']}" in block
            assert "$GRAPH_TOKEN" in example["curl"]
        (next_step,) = [line for line in block if line.startswith("  next:")]
        assert f"--clause {clause_id}" in next_step
        assert f"report.html#clause-{clause_id}" in next_step
    verdicts = [line for line in result.stdout.splitlines() if line.startswith("verdict:")]
    assert len(verdicts) == 1, output(result)
    assert verdicts[0].startswith("verdict: fail - "), output(result)
    assert_no_secret(result, report_dir)


def test_the_counterexample_of_put_semantics_is_a_plain_partial_update(failing_run):
    _result, report_dir = failing_run
    report = report_of(report_dir)
    clause = next(c for c in report["clauses"] if c["id"] == "merge.omitted-preserved")
    assert clause["status"] == "fail"
    body = json.loads(clause["counterexample"]["request"]["body"])
    assert isinstance(body, dict)
    assert body
    assert set(body) <= set(load_contract().updatable), body


def test_skipped_must_clauses_are_listed_with_the_option_that_enables_them(failing_run):
    result, _report_dir = failing_run
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("  skipped auth.scope:") and "--readonly-token-env NAME" in line
        for line in lines
    ), output(result)
    assert any(
        line.startswith(("  skipped paths.users:", "  partly judged paths.users:"))
        and "--user ID_OR_UPN" in line
        for line in lines
    ), output(result)
    assert not any("--gc-" in line for line in lines), "pytest's option names in run's console"


def test_verbose_shows_the_harness_steps_not_pytest_internals(failing_run):
    result, _report_dir = failing_run
    lines = result.stdout.splitlines()
    assert any(line.startswith("  PATCH /me/profile/positions/") for line in lines)
    reads = [line for line in lines if line.startswith("  GET /me/profile/positions/")]
    assert any("-> 200" in line for line in reads)
    assert any(line.startswith("    FAIL merge.omitted-preserved:") for line in lines)
    assert any(line.startswith("    pass: ") for line in lines)
    for internal in ("Traceback", "ExceptionGroup", "ContractViolation", "_pytest"):
        assert internal not in result.stdout + result.stderr, internal
    raw = {c for c in result.stdout if unicodedata.category(c) == "Cc" and c != "\n"}
    assert not raw, f"control characters on the console: {raw}"
    assert any("\\x00" in line for line in lines), "no NUL sent (escaped) among the steps"


def test_a_restore_problem_the_final_restore_fixed_is_shown_as_fixed(failing_run, put_semantics):
    result, report_dir = failing_run
    report = report_of(report_dir)
    assert report["restore_problems"] == [], report["restores"]
    assert report["restore_problems_fixed"], "put-semantics leaves a restore after an example short"
    assert all(r["verified"] for r in report["restores"] if r["when"] == "end of run")
    assert any(line.startswith("  restore (fixed): ") for line in result.stdout.splitlines())
    assert "may not be back" not in result.stdout
    page = next(report_dir.glob("*/report.html")).read_text(encoding="utf-8")
    assert 'id="restore-fixed"' in page
    assert 'id="restore-problems"' not in page
    (folder,) = report_dir.iterdir()
    checked = run_cli("restore", "--journal", str(folder), "--base-url", put_semantics.base_url)
    assert checked.returncode == 0, output(checked)
    assert "nothing to restore (already equal)" in checked.stdout, output(checked)
