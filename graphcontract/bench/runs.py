"""One measured run of each tool against a ``BenchMock``: graphcontract, Schemathesis, raw httpx.

Every runner returns plain data (dataclasses of numbers and sets) and never raises for a
failing check: a tool that exits non-zero is the expected outcome on a faulty mock. Tools run
as subprocesses through their command lines (``graphcontract run``/``fuzz``, ``st run``), in a
scratch working directory so no example database or cache leaks between runs.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from graphcontract.bench.measured import run_measured
from graphcontract.bench.probe import (
    MAX_EXAMPLES_ENV,
    PLUGIN,
    STOP_WHEN_ENV,
    TRACE_ENV,
    merge_traces,
)
from graphcontract.bench.server import BenchMock, ServerStats
from graphcontract.contract import load_contract

TOKEN = "graphcontract-bench-token"
READONLY_ENV = "GRAPHCONTRACT_BENCH_READONLY_TOKEN"
OPENAPI = Path(__file__).resolve().parents[2] / "contracts" / "openapi.yaml"
ST_ENTRY = "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())"


@dataclass
class GcRun:
    """One ``graphcontract run`` (or ``fuzz``)."""

    exit_code: int
    wall_s: float
    report: dict[str, Any]
    trace: dict[str, Any]
    server: ServerStats
    output: str = ""
    cpu_s: float | None = None
    """CPU seconds of the tool's process and its children (start-up included)."""
    server_cpu_s: float | None = None
    """CPU seconds the server spent during the run (None where /proc does not tell)."""

    @property
    def failed_clauses(self) -> frozenset[str]:
        return frozenset(self.report.get("failed_clauses", []))

    @property
    def stopped_when_found(self) -> bool:
        """The run ended early: every clause it was told to stop on had failed."""
        return bool(self.trace.get("stopped"))

    @property
    def suite_s(self) -> float | None:
        value = self.report.get("duration_s")
        return float(value) if value else None

    def requests_before(self, clauses: frozenset[str]) -> int | None:
        """Server requests received before the first failing verdict of any of ``clauses``."""
        firsts = [
            self.trace["first_failures"][c] for c in clauses if c in self.trace["first_failures"]
        ]
        if not firsts:
            return None
        first = min(firsts, key=lambda f: f["time"])
        return self.server.before(first["time"]) if self.server.count else int(first["requests"])


@dataclass
class StFailure:
    """One distinct Schemathesis failure: check code + operation."""

    code: str
    operation: str
    title: str

    @property
    def key(self) -> str:
        return f"{self.code} {self.operation}"


@dataclass
class StRun:
    """One ``st run``."""

    exit_code: int
    wall_s: float
    running_s: float | None
    test_cases: int
    failures: dict[str, StFailure]
    first_seen: dict[str, float]
    server: ServerStats
    errors: list[str] = field(default_factory=list)
    output: str = ""
    cpu_s: float | None = None
    server_cpu_s: float | None = None

    def requests_before(self, keys: set[str]) -> int | None:
        """Server requests received up to the first response that failed one of ``keys``."""
        moments = [self.first_seen[k] for k in keys if k in self.first_seen]
        return self.server.before(min(moments)) if moments and self.server.count else None


def harness_env(
    mock: BenchMock,
    trace_dir: Path,
    max_examples: int | None = None,
    stop_when: frozenset[str] = frozenset(),
    select: str | None = None,
) -> dict[str, str]:
    """The run's environment; ``select`` is a pytest ``-k`` expression (the tests to run)."""
    env = dict(os.environ, GRAPH_TOKEN=TOKEN, **{READONLY_ENV: mock.readonly_token})
    env[TRACE_ENV] = str(trace_dir)
    chosen = f" -k {shlex.quote(select)}" if select else ""
    env["PYTEST_ADDOPTS"] = (env.get("PYTEST_ADDOPTS", "") + f" -p {PLUGIN}{chosen}").strip()
    env.pop(MAX_EXAMPLES_ENV, None)
    env.pop(STOP_WHEN_ENV, None)
    if max_examples is not None:
        env[MAX_EXAMPLES_ENV] = str(max_examples)
    if stop_when:
        env[STOP_WHEN_ENV] = ",".join(sorted(stop_when))
    return env


def target_arguments(mock: BenchMock) -> list[str]:
    return [
        "--base-url", mock.base_url,
        "--user", mock.user_id,
        "--user", mock.user_principal_name,
    ]  # fmt: skip


def run_graphcontract(
    mock: BenchMock,
    workdir: Path,
    *,
    profile: str = "ci",
    workers: int = 1,
    max_examples: int | None = None,
    stop_when: frozenset[str] = frozenset(),
    timeout_s: float = 600.0,
    select: str | None = None,
) -> GcRun:
    """``graphcontract run --profile PROFILE`` against ``mock``; the server's stamps reset first.
    With ``stop_when``, the run ends after the test in which the last of those clauses first
    failed; with ``select`` (a pytest ``-k`` expression), only the tests it matches run."""
    report_dir, trace_dir = workdir / "reports", workdir / "trace"
    report_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "graphcontract", "run", *target_arguments(mock)]
    command += ["--readonly-token-env", READONLY_ENV, "--report-dir", str(report_dir)]
    command += ["--profile", profile, "--workers", str(workers)]
    env = harness_env(mock, trace_dir, max_examples, stop_when, select)
    mock.stats(reset=True)
    server_cpu = mock.cpu_s()
    proc = run_measured(command, cwd=workdir, env=env, timeout_s=timeout_s)
    server_cpu = _spent(server_cpu, mock.cpu_s())
    reports = sorted(report_dir.glob("*/report.json"))
    report = json.loads(reports[-1].read_text(encoding="utf-8")) if reports else {}
    trace = merge_traces(trace_dir)
    return GcRun(
        proc.returncode, proc.wall_s, report, trace, mock.stats(), proc.output,
        cpu_s=proc.cpu_s, server_cpu_s=server_cpu,
    )  # fmt: skip


def _spent(before: float | None, after: float | None) -> float | None:
    return after - before if before is not None and after is not None else None


@dataclass
class FuzzRun:
    """One ``graphcontract fuzz`` campaign (its own bundled mock per worker)."""

    exit_code: int
    wall_s: float
    campaign: dict[str, Any]
    output: str = ""


def run_fuzz(workdir: Path, *, duration_s: int, workers: int, timeout_s: float = 900.0) -> FuzzRun:
    """``graphcontract fuzz --duration Ns --workers W`` without --base-url: the command starts
    one bundled mock per worker (it refuses several workers on one external position), so
    its figures come from campaign.json, not from the bench server."""
    workdir.mkdir(parents=True, exist_ok=True)
    campaign_id = f"bench-{workers}"
    command = [sys.executable, "-m", "graphcontract", "fuzz", "--duration", f"{duration_s}s"]
    command += ["--workers", str(workers), "--report-dir", str(workdir / "reports")]
    command += ["--campaign-id", campaign_id, "--database", str(workdir / "examples")]
    proc = run_measured(command, cwd=workdir, timeout_s=timeout_s)
    path = workdir / "reports" / campaign_id / "campaign.json"
    campaign = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return FuzzRun(proc.returncode, proc.wall_s, campaign, proc.output[-2000:])


def schemathesis_config(mock: BenchMock, path: Path) -> Path:
    """The ids the documented API needs (the /me position and the user), as Schemathesis config.

    graphcontract discovers the position by listing (the last one listed); Schemathesis gets
    the same position up front, or most of its requests would hit 404 on made-up ids.
    """
    path.write_text(
        f'[parameters]\n"path.id" = "{mock.position_ids[-1]}"\n"path.user" = "{mock.user_id}"\n',
        encoding="utf-8",
    )
    return path


def run_schemathesis(
    mock: BenchMock,
    workdir: Path,
    *,
    max_examples: int,
    seed: int = 1,
    timeout_s: float = 600.0,
) -> StRun:
    """``st run`` with every check, positive and negative modes, a fixed seed."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = schemathesis_config(mock, workdir / "schemathesis.toml")
    report_dir = workdir / "st-report"
    command = [sys.executable, "-c", ST_ENTRY, "--config-file", str(config), "run", str(OPENAPI)]
    command += ["--url", mock.base_url, "-H", f"Authorization: Bearer {TOKEN}"]
    command += ["--checks", "all", "--mode", "all", "--seed", str(seed)]
    command += ["--max-examples", str(max_examples), "--workers", "1"]
    command += ["--generation-database", "none", "--no-color"]
    command += ["--report", "json,ndjson", "--report-dir", str(report_dir)]
    mock.stats(reset=True)
    server_cpu = mock.cpu_s()
    proc = run_measured(command, cwd=workdir, timeout_s=timeout_s)
    server_cpu = _spent(server_cpu, mock.cpu_s())
    server = mock.stats()
    summary = _latest(report_dir, "json-*.json")
    events = _latest(report_dir, "ndjson-*.ndjson")
    data: dict[str, Any] = json.loads(summary.read_text(encoding="utf-8")) if summary else {}
    failures, first_seen = parse_ndjson(events) if events else ({}, {})
    errors = [str(e)[:200] for e in data.get("errors", [])]
    if not summary:
        errors.append("no Schemathesis JSON report: " + proc.output[-300:])
    return StRun(
        exit_code=proc.returncode,
        wall_s=proc.wall_s,
        running_s=data.get("running_time"),
        test_cases=int(data.get("test_cases", {}).get("generated", 0)),
        failures=failures,
        first_seen=first_seen,
        server=server,
        errors=errors,
        output=proc.output[-4000:],
        cpu_s=proc.cpu_s,
        server_cpu_s=server_cpu,
    )


def _latest(folder: Path, pattern: str) -> Path | None:
    found = sorted(folder.glob(pattern)) if folder.is_dir() else []
    return found[-1] if found else None


def parse_ndjson(path: Path) -> tuple[dict[str, StFailure], dict[str, float]]:
    """Distinct failures (by code + operation) and when each was first answered.

    The moment is the failing case's response time (request timestamp + elapsed) on the
    same clock as the server's stamps, so ``ServerStats.before`` turns it into a count.
    """
    failures: dict[str, StFailure] = {}
    first_seen: dict[str, float] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished.get("recorder", {})
            interactions = recorder.get("interactions", {})
            for case_id, checks in recorder.get("checks", {}).items():
                for check in checks:
                    info = (check.get("failure_info") or {}).get("failure")
                    if check.get("status") != "failure" or not info:
                        continue
                    failure = StFailure(
                        code=str(info.get("code", check.get("name"))),
                        operation=str(info.get("operation", recorder.get("label", "?"))),
                        title=str(info.get("title", "")),
                    )
                    failures.setdefault(failure.key, failure)
                    moment = _answered_at(interactions.get(case_id), finished.get("timestamp"))
                    if moment is not None and moment < first_seen.get(failure.key, float("inf")):
                        first_seen[failure.key] = moment
    return failures, first_seen


def _answered_at(interaction: Any, fallback: Any) -> float | None:
    if isinstance(interaction, dict) and isinstance(interaction.get("timestamp"), int | float):
        elapsed = (interaction.get("response") or {}).get("elapsed") or 0.0
        return float(interaction["timestamp"]) + float(elapsed)
    return float(fallback) if isinstance(fallback, int | float) else None


@dataclass
class RawRun:
    """A keep-alive httpx loop: fixed valid PATCH body, then a GET, repeated."""

    requests: int
    wall_s: float
    server: ServerStats
    cpu_s: float | None = None
    """CPU seconds of the loop's thread (the bench process's, nothing else)."""
    server_cpu_s: float | None = None

    @property
    def client_rate(self) -> float:
        return self.requests / self.wall_s if self.wall_s > 0 else 0.0


def raw_loop(mock: BenchMock, requests: int, *, warmup: int = 20) -> RawRun:
    """The physical limit of this server on this machine, as seen by a minimal client."""
    path = f"/me/profile/positions/{mock.position_ids[0]}"
    body = json.dumps(load_contract().documented_request).encode()
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    with httpx.Client(base_url=mock.base_url, headers=headers, timeout=30.0) as client:
        for _ in range(warmup):
            client.get(path)
        mock.stats(reset=True)
        server_cpu = mock.cpu_s()
        started, cpu_started = time.perf_counter(), time.thread_time()
        for index in range(requests):
            response = client.get(path) if index % 2 else client.patch(path, content=body)
            if response.status_code != 200:
                raise RuntimeError(f"raw loop: {response.status_code} {response.text[:200]}")
        wall, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        server_cpu = _spent(server_cpu, mock.cpu_s())
    return RawRun(requests, wall, mock.stats(), cpu_s=cpu, server_cpu_s=server_cpu)
