"""Nothing left behind, or said loudly: `graphcontract run` against a mock that keeps what a
body says a client may not write (as json-server and Mockoon's CRUD mode do).

- stores-unknown-and-read-only: the final verification compares the whole position with the
  snapshot; what no PATCH removes is "not restored" in the terminal, report.json and
  report.html (exit 1 with the contract failure, 2 without one), never "verified", and it
  is what the position really holds. ``graphcontract restore`` says the same.
- id-writable: the PATCH that moved the position is the counterexample of
  read-only.not-applied and response.id, not a TargetUnhealthy; the position is moved back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from graphcontract.client import GraphClient
from graphcontract.contract import load_contract
from graphcontract.mock.process import MockProcess
from graphcontract.runner.target import Target
from tests.integration.forked import ForkedMock

pytestmark = pytest.mark.slow
TOKEN = "graphcontract-test-token"


def graphcontract(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphcontract", *args],
        env=dict(os.environ, GRAPH_TOKEN=TOKEN),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run(mock: MockProcess, report_dir: Path, *extra: str) -> tuple[int, dict, str, Path]:
    where = ("--base-url", mock.base_url, "--report-dir", str(report_dir))
    proc = graphcontract("run", *where, *extra)
    (path,) = report_dir.glob("*/report.json")
    return proc.returncode, json.loads(path.read_text()), proc.stdout + proc.stderr, path.parent


def position(mock: MockProcess, position_id: str) -> dict:
    response = httpx.get(
        f"{mock.base_url}/me/profile/positions/{position_id}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


def final_restore(report: dict) -> dict:
    (record,) = [r for r in report["restores"] if r["when"] == "end of run"]
    return record


@pytest.fixture(scope="module")
def storing_run(tmp_path_factory) -> tuple[int, dict, str, Path, dict]:
    report_dir = tmp_path_factory.mktemp("storing")
    with ForkedMock(faults=["stores-unknown-and-read-only"]) as mock:
        code, report, output, folder = run(mock, report_dir)
        held = position(mock, report["target"]["position_id"])
        restore = graphcontract("restore", "--journal", str(folder))
    return code, report, output, folder, {"held": held, "restore": restore}


def test_what_no_patch_removes_is_not_restored_and_never_verified(storing_run):
    code, report, output, _, _ = storing_run
    assert code == 1, output
    assert "read-only.not-applied" in report["failed_clauses"]
    record = final_restore(report)
    assert record["verified"] is False
    assert record["differences"] == [], "the writable properties are back"
    left = record["not_restored"]
    assert any(line.startswith("graphcontractUnknown: not there before the run") for line in left)
    assert any(line.startswith(("createdBy", "createdDateTime")) for line in left), left
    assert "not sent: the target stores them" in record["withheld"]
    for line in left:
        assert f"not restored: {line}" in output
    assert any(p.startswith("end of run: not restored: ") for p in report["restore_problems"])


def test_the_reports_say_not_restored_and_not_verified(storing_run):
    _, report, _, folder, _ = storing_run
    html = (folder / "report.html").read_text()
    assert 'id="not-restored"' in html
    assert "graphcontractUnknown" in html
    assert "1 restore check(s) recorded, 0 verified, 1 not restored." in html
    assert report["verdict"] == "fail"


def test_the_leftovers_reported_are_what_the_position_holds(storing_run):
    _, report, _, _, extra = storing_run
    held = extra["held"]
    for line in final_restore(report)["not_restored"]:
        name = line.split(":", 1)[0].split(".", 1)[0]
        assert name in held, (name, held)


def test_a_probe_of_a_stored_kind_is_sent_once(storing_run):
    _, _, _, _, extra = storing_run
    undeclared = [k for k in extra["held"] if k not in position_keys()]
    assert len(undeclared) <= 2, f"probes kept being sent: {undeclared}"


def position_keys() -> set[str]:
    return set(load_contract().entity.properties) | {"@odata.context"}


def test_graphcontract_restore_says_not_restored_too(storing_run):
    _, _, _, _, extra = storing_run
    restore = extra["restore"]
    assert restore.returncode == 1, restore.stdout + restore.stderr
    assert "NOT restored (no PATCH can take these back):" in restore.stdout
    assert "graphcontractUnknown: not there before the run" in restore.stdout
    assert "restored and verified" not in restore.stdout


def test_without_a_contract_failure_a_leftover_exits_2(tmp_path):
    with ForkedMock(faults=["stores-unknown-and-read-only"]) as mock:
        code, report, output, _ = run(mock, tmp_path, "--clause", "properties.unknown")
    assert code == 2, output
    assert report["verdict"] == "error"
    assert report["failed_clauses"] == []
    assert final_restore(report)["verified"] is False
    assert "not restored: " in output


def test_a_body_id_that_moves_the_position_is_judged_first_and_moved_back(tmp_path):
    with ForkedMock(faults=["id-writable"]) as mock:
        code, report, output, _ = run(mock, tmp_path)
        listed = httpx.get(
            f"{mock.base_url}/me/profile/positions", headers={"Authorization": f"Bearer {TOKEN}"}
        ).json()
        original = report["target"]["position_id"]
    assert code == 1, output
    assert {"read-only.not-applied", "response.id"} <= set(report["failed_clauses"])
    assert report["errors"] == [], "no TargetUnhealthy"
    assert "TargetUnhealthy" not in output
    by_id = {c["id"]: c for c in report["clauses"]}
    for clause in ("read-only.not-applied", "response.id"):
        example = by_id[clause]["counterexample"]
        assert example["request"]["method"] == "PATCH"
        assert example["request"]["url"].endswith(f"/positions/{original}")
        assert '"id"' in example["request"]["body"], example["request"]
    assert final_restore(report)["verified"] is True
    assert original in [p["id"] for p in listed["value"]], "moved back"


def test_graphcontract_restore_finds_a_moved_position_and_moves_it_back(tmp_path):
    with ForkedMock(faults=["id-writable"]) as mock:
        original = mock.position_ids[-1]
        with GraphClient(mock.base_url, token=TOKEN) as client:
            target = Target(
                load_contract(),
                client,
                original,
                journal_path=tmp_path / "restore-journal-main.json",
            )
            target.snapshot_original()
            assert target.follow(target.patch({"id": "moved-by-a-killed-run"}))
        journal = json.loads((tmp_path / "restore-journal-main.json").read_text())
        assert journal["position_id"] == original
        assert journal["moved_to"] == "moved-by-a-killed-run"
        restore = graphcontract("restore", "--journal", str(tmp_path))
        back = position(mock, original)
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert back["id"] == original
