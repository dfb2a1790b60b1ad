"""``graphcontract fuzz`` end to end: real campaigns (subprocesses, real uvicorn mocks on
loopback, pytest-xdist workers), their reports, the shared example database, a later plain
run replaying a campaign's failure, and a clean stop on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from graphcontract.contract import load_contract
from graphcontract.mock.process import MockProcess
from tests.fuzz.helpers import (
    TOKEN,
    campaign,
    environment,
    fuzz,
    replay,
    reuse_phase_failures,
)

pytestmark = pytest.mark.slow
TYPES_TEST = "test_wrong_types_are_refused"


def test_two_workers_on_bundled_mocks_write_report_and_database(tmp_path):
    """Each worker starts its own mock; progress is shown; the campaign report has the
    figures; the shared example database is left non-empty; every worker restored."""
    database = tmp_path / "examples"
    proc = fuzz("--duration", "16s", "--workers", "2", "--database", str(database),
                "--report-dir", str(tmp_path / "reports"), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    progress = [line for line in proc.stdout.splitlines() if line.startswith("fuzz ")]
    assert progress
    assert "requests" in progress[-1]
    assert "/s)" in progress[-1]
    assert "failures 0" in progress[-1]
    folder, report = campaign(tmp_path / "reports")
    assert report["verdict"] == "pass"
    assert report["workers"] == 2
    assert report["stopped_by"] == "time budget"
    assert report["requests"] > 0
    assert report["requests_per_s"] > 0
    assert "200" in report["status_counts"]
    assert sum(report["status_counts"].values()) == report["requests"]
    coverage = report["coverage"]
    assert coverage["properties"]
    assert coverage["nesting_depths"]
    assert any(coverage["enum_members"].values())
    assert report["events"]
    assert report["failures"] == []
    assert any(c["status"] == "pass" for c in report["clauses"])
    ends = [r for r in report["restores"] if r["when"] == "end of run"]
    assert len(ends) == 2, report["restores"]
    assert all(r["verified"] for r in ends), report["restores"]
    assert report["database"]["entries"] > 0
    assert any(p.is_file() for p in database.rglob("*"))
    first = report["rounds"][0]
    assert (folder / first["report"]).is_file()
    assert (folder / "campaign.md").is_file()
    assert {p.name for p in (folder / "progress").iterdir()} >= {
        f"{first['round']}-gw0.json",
        f"{first['round']}-gw1.json",
    }


def test_failure_found_by_a_campaign_is_replayed_by_a_later_run(tmp_path):
    """A campaign against a faulty mock keeps its failing example in the directory database;
    a plain run (other working directory) with the same database fails on it in the reuse
    phase, before generating anything."""
    database = str(tmp_path / "shared-examples")
    (tmp_path / "campaign").mkdir()
    (tmp_path / "later").mkdir()
    with MockProcess(faults=["type-coercion"]) as mock:
        reports = str(tmp_path / "reports")
        proc = fuzz("--base-url", mock.base_url, "--duration", "40s", "--exitfirst",
                    "--database", database, "-k", TYPES_TEST, "--report-dir", reports,
                    cwd=tmp_path / "campaign")  # fmt: skip
        assert proc.returncode == 1, proc.stdout + proc.stderr
        _, report = campaign(tmp_path / "reports")
        assert report["failed_clauses"] == ["types.rejects"]
        failure = report["failures"][0]
        assert failure["clause"] == "types.rejects"
        assert failure["reproducer"]["curl"]
        assert report["falsifying_examples"][0]["test"].endswith(TYPES_TEST)
        assert report["database"]["entries"] > 0

        later = replay(mock, database, TYPES_TEST, cwd=tmp_path / "later")
    assert later.returncode == 1, later.stdout
    failing, _seconds = reuse_phase_failures(later.stdout, TYPES_TEST)
    # Found in Hypothesis's reuse phase: replayed from the database, before any generation.
    assert failing >= 1, later.stdout


def test_base_url_with_several_workers_is_refused(tmp_path):
    proc = fuzz("--base-url", "http://127.0.0.1:9", "--workers", "2", "--duration", "60s",
                cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 2
    assert "--workers 2 with --base-url" in proc.stderr
    assert "Traceback" not in proc.stderr


def _position(mock: MockProcess) -> dict:
    response = httpx.get(
        f"{mock.base_url}/me/profile/positions/{mock.position_ids[0]}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200
    return {k: response.json().get(k) for k in load_contract().updatable}


def test_sigterm_stops_cleanly_with_report_and_restored_position(tmp_path):
    with MockProcess() as mock:
        original = _position(mock)
        process = subprocess.Popen(
            [sys.executable, "-m", "graphcontract.fuzz", "--base-url", mock.base_url,
             "--duration", "5m", "--report-dir", str(tmp_path / "reports"),
             "--database", str(tmp_path / "examples")],
            cwd=tmp_path, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        try:
            _wait_for_requests(tmp_path / "reports", process)
            process.send_signal(signal.SIGTERM)
            sent = time.monotonic()
            output, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
        assert time.monotonic() - sent < 45
        restored = _position(mock)
    assert process.returncode == 128 + signal.SIGTERM, output
    _, report = campaign(tmp_path / "reports")
    assert report["stopped_by"] == "SIGTERM"
    assert report["requests"] > 0
    ends = [r for r in report["restores"] if r["when"] == "end of run"]
    assert ends
    assert all(r["verified"] for r in ends)
    assert restored == original


def _wait_for_requests(reports: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the campaign ended before it was signalled"
        for path in reports.glob("*/progress/*.json"):
            try:
                if json.loads(path.read_text())["requests"] > 20:
                    return
            except (OSError, ValueError, KeyError):
                pass
        time.sleep(0.2)
    pytest.fail("the campaign sent no requests within 60 s")
