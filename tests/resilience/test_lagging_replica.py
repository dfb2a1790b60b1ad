"""A conforming service that reads from a replica behind its writes: ``graphcontract run``
passes, and learns the lag once instead of polling after every write, then waits it out only
on a sample of examples (and at the final restore), so the run sends hardly more requests
than against the service itself (counted by the fault server in front of it) and waits a
bounded number of times (counted by the harness; time is not asserted, the machine's speed
varies too much)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphcontract.mock.process import MockProcess
from tests.integration.forked import ForkedMock
from tests.resilience.conftest import Position, differences, faults, output, report_of, run_cli
from tests.resilience.test_run_faults import VERIFIED

REQUEST_RATIO = 1.2
"""The most requests a run against the lagging replica may send, per request of a plain run."""
MAX_LAG_WAITS = 30
"""The most times a run may wait out the learned lag: 3× a plain ci run's time (~4.8 s) leaves
~9.6 s of waiting, ~30 waits of a 300 ms lag (LAG_MARGIN). Counted, not timed."""


def ci_run(mock: MockProcess, report_dir: Path, *args: str, **plan: float) -> tuple[int, dict, int]:
    """``graphcontract run`` (ci profile) through the fault server: exit code, report, and
    the requests the server received."""
    with faults(mock, **plan) as server:
        result = run_cli(
            "run",
            "--base-url",
            server.base_url,
            "--report-dir",
            str(report_dir),
            *args,
            timeout=240,
        )
    assert "Traceback" not in result.stdout + result.stderr, output(result)
    return result.returncode, report_of(report_dir), len(server.hits)


@pytest.mark.slow
def test_a_lagging_replica_passes_at_about_the_requests_of_a_plain_run(
    mock: MockProcess, position: Position, tmp_path: Path
):
    original = position.get()
    code, plain, plain_requests = ci_run(mock, tmp_path / "plain")
    assert (code, plain["failed_clauses"]) == (0, []), plain["failed_clauses"]
    code, lagging, lagging_requests = ci_run(mock, tmp_path / "lagging", lag_s=0.05)
    assert code == 0, lagging["failed_clauses"]
    assert lagging["failed_clauses"] == []
    (persisted,) = [c for c in lagging["clauses"] if c["id"] == "persisted"]
    outcomes = persisted["observation"]["outcomes"]
    (lag,) = [
        o for o in outcomes if "read-after-write lag" in o["title"] and "sampled" not in o["title"]
    ]
    assert lag["count"] <= 10, "learned once (again only when a wait fell short)"
    (sampled,) = [o for o in outcomes if "read-backs sampled" in o["title"]]
    found = re.search(
        r"read back (\d+) of (\d+) examples after it; (\d+) waits", sampled["message"]
    )
    assert found, sampled["message"]
    read_back, examples, waits = map(int, found.groups())
    assert 0 < read_back < examples / 10, "a few read back, most judged on their answers"
    assert 0 < waits <= MAX_LAG_WAITS, sampled["message"]
    assert lagging_requests <= plain_requests * REQUEST_RATIO, (plain_requests, lagging_requests)
    final = [r for r in lagging["restores"] if r["when"] == "end of run"]
    assert final == [VERIFIED]
    assert differences(original, position.get()) == {}


@pytest.mark.slow
def test_a_service_that_keeps_no_writes_fails_persisted_behind_a_lagging_replica(tmp_path: Path):
    """No lag is learned from writes that never show, so nothing is sampled: the loss is
    found on the reads after the first writes, as without a replica."""
    with ForkedMock(faults=["not-persisted"]) as losing:
        code, report, _ = ci_run(losing, tmp_path / "losing", "--clause", "persisted", lag_s=0.05)
    assert code == 1, report["failed_clauses"]
    assert "persisted" in report["failed_clauses"]
    (persisted,) = [c for c in report["clauses"] if c["id"] == "persisted"]
    titles = [o["title"] for o in (persisted.get("observation") or {}).get("outcomes", [])]
    assert not [t for t in titles if "sampled" in t], "a loss is never sampled away"
