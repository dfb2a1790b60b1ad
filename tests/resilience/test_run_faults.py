"""``graphcontract run`` end to end through the fault server: throttling is waited out and
never becomes a contract failure; transient faults are retried; a sick target is exit 2 with
one clear line and no traceback; the position is always back to its original state (or the
run says it is not). Every run here has GRAPH_TOKEN set to a unique secret, which must not
appear in any output or report file."""

from __future__ import annotations

import json
import time
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from graphcontract.mock.process import MockProcess
from tests.integration.forked import ForkedMock
from tests.resilience.conftest import (
    SECRET,
    Position,
    assert_no_secret,
    differences,
    faults,
    output,
    report_of,
    run_args,
    run_cli,
)


def the_one_error_line(result: CompletedProcess[str]) -> str:
    """The run's single ``  error:`` line (a sick target is one line, never a traceback)."""
    errors = [line for line in result.stdout.splitlines() if line.startswith("  error:")]
    assert len(errors) == 1, output(result)
    assert "Traceback" not in result.stdout + result.stderr
    return errors[0]


def restore_from_the_journal(report_dir: Path, mock: MockProcess) -> CompletedProcess[str]:
    """``graphcontract restore`` from the one run folder under ``report_dir``: exit 0."""
    (run_folder,) = report_dir.iterdir()
    result = run_cli("restore", "--journal", str(run_folder), "--base-url", mock.base_url)
    assert result.returncode == 0, output(result)
    return result


def touched_only_the_position(paths: list[str], mock: MockProcess, position_id: str) -> bool:
    """Every path is the collection, the configured position, or an id no position has."""
    others = set(mock.position_ids) - {position_id}
    for path in paths:
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if last in others:
            return False
    return True


@pytest.mark.slow
def test_429_on_every_second_request_is_waited_out_without_contract_failures(
    mock: MockProcess, position: Position, tmp_path: Path
):
    """The acceptance run: every second request is answered 429 with Retry-After: 1."""
    original = position.get()
    with faults(mock, throttle_every=2, retry_after="1") as server:
        result = run_cli(
            *run_args(server.base_url, tmp_path, "--clause", "target.unknown-id"),
            "--position-id",
            position.id,
        )
    assert result.returncode == 0, output(result)
    report = report_of(tmp_path)
    assert report["verdict"] == "pass"
    assert report["failed_clauses"] == []
    assert report["throttle_waits"] >= 2
    assert "429" not in report["status_counts"], "a throttled answer reached the oracles"
    assert server.faults_sent("throttle") >= 3
    assert server.early_retries == 0, "a retry came before Retry-After ended"
    assert {hit.method for hit in server.hits} <= {"GET", "PATCH"}
    assert touched_only_the_position([hit.path for hit in server.hits], mock, position.id)
    assert differences(original, position.get()) == {}
    assert_no_secret(result, tmp_path)


VERIFIED = {
    "when": "end of run",
    "verified": True,
    "differences": [],
    "not_restored": [],
    "withheld": "",
}
"""The final restore of a run that left nothing behind: the whole position verified."""


@pytest.mark.slow
def test_intermittent_transport_faults_are_retried_and_do_not_change_the_verdict(
    mock: MockProcess, position: Position, tmp_path: Path
):
    original = position.get()
    plan = {"drop_every": 6, "gateway_every": 11, "truncate_every": 13}
    with faults(mock, **plan) as server:
        result = run_cli(*run_args(server.base_url, tmp_path, "--clause", "idempotent"))
    assert result.returncode == 0, output(result)
    report = report_of(tmp_path)
    assert (report["verdict"], report["failed_clauses"], report["errors"]) == ("pass", [], [])
    assert [c["status"] for c in report["clauses"] if c["id"] == "idempotent"] == ["observed"]
    sent = {name: server.faults_sent(name) for name in ("drop", "gateway", "truncate")}
    assert all(sent.values()), sent
    assert any(hit.method == "PATCH" and hit.fault for hit in server.hits)
    final = [r for r in report["restores"] if r["when"] == "end of run"]
    assert final == [VERIFIED]
    assert differences(original, position.get()) == {}
    assert_no_secret(result, tmp_path)


def test_throttled_beyond_the_budget_is_a_health_problem_not_a_contract_failure(
    mock: MockProcess, position: Position, tmp_path: Path
):
    """Every PATCH is answered 429 (Retry-After: 0): exit 2 with one line, no clause fails;
    the configured rate limit holds for every request, retries included."""
    original = position.get()
    with faults(mock, throttle_every=1, retry_after="0", methods=("PATCH",)) as server:
        result = run_cli(
            *run_args(server.base_url, tmp_path, "--clause", "idempotent", "--rate-limit", "5")
        )
    assert result.returncode == 2, output(result)
    error = the_one_error_line(result)
    assert "throttled beyond the retry budget" in error
    report = report_of(tmp_path)
    assert report["verdict"] == "error"
    assert report["failed_clauses"] == []
    assert all(c["status"] != "fail" for c in report["clauses"])
    assert server.faults_sent("throttle") == 6, "the retry budget is 6 attempts"
    times = [hit.at for hit in server.hits[1:]]  # the first is the one-request probe
    # The limiter keeps a schedule (each start at least 0.2 s after the previous one's slot),
    # so one late wake-up can shorten the next gap but never the time since the first start.
    since_first = [round(t - times[0], 3) for t in times]
    assert all(elapsed >= k * 0.2 - 0.05 for k, elapsed in enumerate(since_first)), (
        f"--rate-limit 5 not held, retries included: {since_first}"
    )
    assert differences(original, position.get()) == {}
    assert_no_secret(result, tmp_path)


@pytest.mark.slow
def test_writes_slower_than_the_timeout_are_exit_2_and_the_unconfirmed_restore_names_the_journal(
    mock: MockProcess, position: Position, tmp_path: Path
):
    """The server applies each PATCH but answers after the timeout: the run stops within a
    bounded time with one error line. Its end-of-run restore is applied too but never
    confirmed, so the run must say the position may differ and name the journal;
    ``graphcontract restore`` then finds it already equal."""
    original = position.get()
    plan = {"slow_every": 1, "slow_s": 0.5, "slow_after_forwarding": True, "methods": ("PATCH",)}
    with faults(mock, **plan) as server:
        started = time.monotonic()
        result = run_cli(
            *run_args(server.base_url, tmp_path, "--clause", "idempotent", "--timeout", "0.3")
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 2, output(result)
    assert elapsed < 120  # bounded (a hang guard), not a speed check
    error = the_one_error_line(result)
    assert "timed out after 0.3 s" in error
    assert "restore: end of run: still different: could not restore" in result.stdout
    assert "graphcontract restore --journal" in result.stdout, output(result)
    patches = [hit for hit in server.hits if hit.method == "PATCH"]
    assert len(patches) <= 3 + 3, "kept writing to a sick target"
    checked = restore_from_the_journal(tmp_path, mock)
    assert "nothing to restore (already equal)" in checked.stdout, output(checked)
    assert differences(original, position.get()) == {}
    assert_no_secret(result, tmp_path)


STOPS_TAKING_WRITES = {"drop_every": 1, "start_after": 7, "methods": ("PATCH",)}
"""Requests 1-7 pass (the run's reads, its GET of the target's $metadata, the two reads
checking that reads are stable, the snapshot and the first example's write: the first
edge-case pack), then every PATCH loses its connection: the first example's change stays and
no restore lands."""


@pytest.mark.slow
def test_a_target_that_stops_taking_writes_is_exit_2_and_restore_repairs_from_the_journal(
    mock: MockProcess, position: Position, tmp_path: Path
):
    original = position.get()
    with faults(mock, **STOPS_TAKING_WRITES) as server:
        result = run_cli(
            *run_args(server.base_url, tmp_path, "--clause", "merge.collections-replace")
        )
    assert result.returncode == 2, output(result)
    error = the_one_error_line(result)
    assert "connection broken" in error
    assert "restore: end of run: still different: could not restore" in result.stdout
    assert "graphcontract restore --journal" in result.stdout, output(result)
    assert differences(original, position.get()), "the run's first change should be left over"
    repaired = restore_from_the_journal(tmp_path, mock)
    assert "restored and verified" in repaired.stdout, output(repaired)
    assert differences(original, position.get()) == {}
    assert_no_secret(result, tmp_path)
    assert_no_secret(repaired, tmp_path)


GONE_AFTER_A_WRITE = {"missing_every": 1, "start_after": 7, "methods": ("GET",)}
"""Requests 1-7 pass (the run's reads, its GET of the target's $metadata, the two reads
checking that reads are stable, the snapshot and the first example's write: the first
edge-case pack), then every GET answers 404 itemNotFound: the write can be neither judged
nor undone."""


@pytest.mark.slow
def test_a_position_unreadable_after_a_write_stops_the_run_instead_of_passing_blind(
    mock: MockProcess, position: Position, tmp_path: Path
):
    original = position.get()
    with faults(mock, **GONE_AFTER_A_WRITE) as server:
        result = run_cli(
            *run_args(server.base_url, tmp_path, "--clause", "merge.collections-replace")
        )
    assert result.returncode == 2, output(result)
    error = the_one_error_line(result)
    assert "after the request answered 404" in error
    assert "cannot judge the request or restore the position" in error
    report = report_of(tmp_path)
    assert report["verdict"] == "error"
    assert report["failed_clauses"] == []
    assert "graphcontract restore --journal" in result.stdout, output(result)
    repaired = restore_from_the_journal(tmp_path, mock)
    assert differences(original, position.get()) == {}
    assert_no_secret(result, tmp_path)
    assert_no_secret(repaired, tmp_path)


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompletedProcess[str], Path]:
    """One --debug run (pytest's failure details) against a mock whose collections append
    instead of replacing (so restores cannot be verified and must clauses fail), behind a
    proxy that echoes the Authorization header into every error message and into a response
    header."""
    report_dir = tmp_path_factory.mktemp("broken-run")
    with (
        ForkedMock(faults=["collections-append"]) as broken,
        faults(broken, echo_auth=True) as server,
    ):
        result = run_cli(
            *run_args(server.base_url, report_dir, "--clause", "merge.collections-replace"),
            "--debug",
        )
    assert any(hit.authorization == f"Bearer {SECRET}" for hit in server.hits)
    return result, report_dir


def test_an_unverifiable_restore_says_what_differs_and_exits_non_zero(broken_run):
    result, report_dir = broken_run
    assert result.returncode == 1, output(result)
    restore_lines = [line for line in result.stdout.splitlines() if line.startswith("  restore:")]
    assert restore_lines, output(result)
    assert any("expected" in line and "got" in line for line in restore_lines), output(result)
    assert "graphcontract restore --journal" in result.stdout
    report = report_of(report_dir)
    assert any("colleagues" in p or "categories" in p for p in report["restore_problems"])


def test_the_token_is_in_no_output_and_no_report_file_even_when_echoed(broken_run):
    result, report_dir = broken_run
    report = report_of(report_dir)
    assert report["failed_clauses"], "the run should carry counterexamples with echoed headers"
    echoed = '"x-echo-authorization": "bearer ***"'
    assert echoed in json.dumps(report).lower(), "the echoed header was not exercised"
    assert "ContractViolation" in result.stdout or "sent:" in result.stdout
    names = {path.name for path in report_dir.rglob("*") if path.is_file()}
    assert {"report.json", "report.html", "junit.xml"} <= names
    assert_no_secret(result, report_dir)


LAGGING_READS = {"lag_s": 0.05}
"""Every GET shows the position as it was 50 ms before (a read replica that far behind)."""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("policy", "outcome"),
    [("read_lag=wait", "pass"), ("read_lag=none", "fail")],
    ids=["re-read-until-the-write-shows", "read-your-writes-required"],
)
def test_reads_lagging_behind_writes_are_waited_for_unless_the_policy_forbids_it(
    mock: MockProcess, position: Position, tmp_path: Path, policy: str, outcome: str
):
    original = position.get()
    with faults(mock, **LAGGING_READS) as server:
        result = run_cli(
            *run_args(server.base_url, tmp_path, "--clause", "persisted"),
            "--policy",
            policy,
        )
    assert server.stale_answers >= 1, "the proxy never lagged"
    report = report_of(tmp_path)
    (persisted,) = [c for c in report["clauses"] if c["id"] == "persisted"]
    if outcome == "pass":
        assert result.returncode == 0, output(result)
        assert (report["verdict"], report["failed_clauses"]) == ("pass", [])
        outcomes = persisted["observation"]["outcomes"]
        (lag,) = [o for o in outcomes if o["title"].startswith("a GET agreed")]
        assert "read-after-write lag" in lag["title"]
        assert 1 <= lag["count"] <= 10, "learned once (again only when a wait fell short)"
        (sampled,) = [o for o in outcomes if o["title"].startswith("read-backs sampled")]
        assert "read back" in sampled["message"]
    else:
        assert result.returncode == 1, output(result)
        assert "persisted" in report["failed_clauses"]
        assert persisted["observation"] is None
    final = [r for r in report["restores"] if r["when"] == "end of run"]
    assert final == [VERIFIED]
    assert differences(original, position.get()) == {}


@pytest.mark.slow
def test_a_position_a_stored_value_made_unreadable_is_written_back_and_the_run_goes_on(
    mock: MockProcess, position: Position, tmp_path: Path
):
    """A service that stores U+0000 but then answers 500 to the PATCH and to every read of
    the position: a restore cannot read what to undo, so the harness writes every writable
    property back; server.no-5xx fails, every other case is still sent and judged, and the
    position ends as it was."""
    original = position.get()
    with faults(mock, unreadable_after="\\u0000") as server:
        # server.no-5xx is judged although only strings.unusual is chosen: a crash never
        # passes because another clause was selected.
        result = run_cli(*run_args(server.base_url, tmp_path, "--clause", "strings.unusual"))
    assert server.unreadable_answers >= 4, "the proxy never made the position unreadable"
    assert result.returncode == 1, output(result)
    report = report_of(tmp_path)
    assert report["failed_clauses"] == ["server.no-5xx"], output(result)
    (strings,) = [c for c in report["clauses"] if c["id"] == "strings.unusual"]
    titles = [o["title"] for o in strings["observation"]["outcomes"]]
    assert sum(title.endswith("answered 500") for title in titles) == 2, titles
    assert sum(title.endswith("stored as sent") for title in titles) == 4, titles
    final = [r for r in report["restores"] if r["when"] == "end of run"]
    assert final == [VERIFIED]
    assert differences(original, position.get()) == {}
