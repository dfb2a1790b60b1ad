"""The Schemathesis part of the suite (tests/contract/test_contract_schemathesis.py) against
real mocks: no failures on any conforming variant (the .NET-form one included), and mock
faults reported under the clause ids they break, with Schemathesis' own finding in
report.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graphcontract.mock.process import MockProcess
from graphcontract.stcompat.checks import CUSTOM_CHECKS, EXPECTED
from tests.fuzz.helpers import SUITE, SUITE_INI, environment

pytestmark = pytest.mark.slow
SCHEMATHESIS_TESTS = SUITE / "test_contract_schemathesis.py"


def run_schemathesis_part(mock: MockProcess, tmp_path: Path, tests: str = "") -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(SCHEMATHESIS_TESTS), "-c", str(SUITE_INI),
         "--rootdir", str(SUITE), "-p", "graphcontract.plugin", "--gc-base-url", mock.base_url,
         "--gc-user", mock.user_id, "--gc-report-dir", str(tmp_path), "--gc-run-id", "st",
         "--hypothesis-profile", "ci", "-q", "--tb=no", "-p", "no:warnings",
         *(["-k", tests] if tests else [])],
        cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    path = tmp_path / "st" / "report.json"
    assert path.is_file(), proc.stdout + proc.stderr
    report: dict = json.loads(path.read_text(encoding="utf-8"))
    report["pytest_exit"] = proc.returncode
    return report


@pytest.mark.parametrize("variant", ["conforming", "gray", "dotnet"])
def test_no_failures_on_conforming_variants(tmp_path, variant):
    with MockProcess(variant=variant) as mock:
        report = run_schemathesis_part(mock, tmp_path)
    assert report["pytest_exit"] == 0
    assert report["failed_clauses"] == []
    judged = {c["id"]: c["passed"] for c in report["clauses"]}
    for clause in ("paths.me", "paths.users", "response.shape", "merge.omitted-preserved",
                   "atomic.rejected", "body.malformed", "types.rejects"):  # fmt: skip
        assert judged[clause] > 0, clause


FAULT_RUNS = {
    "audience-not-enforced": (
        "negative",
        {"enum.allowedAudiences.rejects": "negative_data_rejection"},
    ),
    "wrong-content-type+crash-on-long-string+put-semantics+non-atomic": (
        "explicit",
        {
            "response.shape": "content_type_conformance",
            "server.no-5xx": "not_a_server_error",
            "merge.omitted-preserved": "graph_omitted_fields_preserved",
            "atomic.rejected": "graph_atomic_rejection",
        },
    ),
}
"""faults → (the Schemathesis tests that reach them, {clause: the Schemathesis check}); the
graph_* checks are graphcontract's oracles registered with Schemathesis."""


@pytest.mark.parametrize("faults", FAULT_RUNS, ids=FAULT_RUNS)
def test_faults_are_reported_under_their_clause(tmp_path, faults):
    """Each fault's clause fails, and Schemathesis' own check is among its findings."""
    tests, expected = FAULT_RUNS[faults]
    with MockProcess(faults=faults.split("+")) as mock:
        report = run_schemathesis_part(mock, tmp_path, tests)
    assert report["pytest_exit"] == 1
    by_id = {c["id"]: c for c in report["clauses"]}
    for clause, check in expected.items():
        entry = by_id[clause]
        assert entry["status"] == "fail", clause
        titles = entry["failure_titles"]
        # Headlines in the contract's words: what a Schemathesis check expects, or the words
        # of graphcontract's oracle a graph_* check runs; the check is named on a detail line.
        assert not any(title.startswith("Schemathesis") for title in titles), titles
        found = f"check: Schemathesis {check}" in entry["counterexample"]["message"]
        expects = any(title.endswith(f"; expected {EXPECTED[check]}") for title in titles)
        custom = check in {c.__name__ for c in CUSTOM_CHECKS}
        assert expects or (custom and found), (titles, entry["counterexample"])
        assert entry["counterexample"]["curl"].startswith("curl ")
