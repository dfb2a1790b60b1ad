"""Detection power: graphcontract and Schemathesis against the conforming mock, its gray-zone
variant and every mock fault, each tool on a mock in its seed state: one server process per
job slot, rebuilt from the seed with the target's faults and variant before every tool run
(``BenchMock.fresh``), the same app a new ``graphcontract mock`` process would serve.

graphcontract "found" a fault when every clause the fault ``breaks`` is among report.json's
``failed_clauses``; a failed clause outside ``breaks | may_also_break`` is a false alarm, and
on the conforming and gray mocks every failed clause is one. Schemathesis knows no clauses:
it "found" a fault when it reports a failure (check code + operation) on the faulty mock that
it does not report on the conforming mock in the same bench run; every failure it reports on
the conforming or gray mock is a false alarm.

With ``stop_when_found`` (``--quick``), a graphcontract run on a faulty mock ends after the
test in which the last of the fault's clauses first failed: "found" and the requests to the
first failure are what a whole run gives, while its request count and its false alarms cover
the part that ran (the row says ``stopped_when_found``). Runs on the conforming and gray mocks,
and on a fault not found, always run to their end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphcontract.bench.runs import GcRun, StRun, run_graphcontract, run_schemathesis
from graphcontract.bench.server import BenchMock
from graphcontract.bench.tables import median
from graphcontract.errors import UsageError
from graphcontract.mock.faults import FAULTS

CONFORMING = "conforming"
GRAY = "gray"


@dataclass(frozen=True)
class Target:
    """One server configuration the tools are judged on."""

    name: str
    variant: str = CONFORMING
    fault: str | None = None

    @property
    def breaks(self) -> frozenset[str]:
        return FAULTS[self.fault].breaks if self.fault else frozenset()

    @property
    def tolerated(self) -> frozenset[str]:
        return (
            FAULTS[self.fault].breaks | FAULTS[self.fault].may_also_break
            if self.fault
            else frozenset()
        )

    @property
    def faults(self) -> list[str]:
        return [self.fault] if self.fault else []

    def mock(self) -> BenchMock:
        return BenchMock(faults=self.faults, variant=self.variant)


def targets(names: Iterable[str] | None = None) -> list[Target]:
    """The conforming mock, the gray variant, then every fault; with ``names``, the conforming
    mock (Schemathesis' baseline) and only the named targets ("gray" or fault names)."""
    if names is None:
        return [
            Target(CONFORMING),
            Target(GRAY, variant=GRAY),
            *(Target(n, fault=n) for n in sorted(FAULTS)),
        ]
    chosen = list(dict.fromkeys(names))
    unknown = [n for n in chosen if n not in FAULTS and n not in (GRAY, CONFORMING)]
    if unknown:
        raise UsageError(
            f"unknown target {', '.join(unknown)}; "
            f"choose gray or a fault: {', '.join(sorted(FAULTS))}"
        )
    picked = [Target(CONFORMING)]
    if GRAY in chosen:
        picked.append(Target(GRAY, variant=GRAY))
    return picked + [Target(n, fault=n) for n in chosen if n in FAULTS]


def judge_graphcontract(target: Target, run: GcRun) -> dict[str, Any]:
    failed = run.failed_clauses
    verdict = run.report.get("verdict", "error")
    row: dict[str, Any] = {
        "exit_code": run.exit_code,
        "verdict": verdict,
        "failed_clauses": sorted(failed),
        "requests": run.server.count,
        "wall_s": round(run.wall_s, 2),
        "errors": run.report.get("errors", [])[:3],
        "stopped_when_found": run.stopped_when_found,
    }
    if target.fault is None:
        row["found"] = None
        row["false_alarms"] = sorted(failed)
        row["requests_to_first_failure"] = None
    else:
        row["found"] = target.breaks <= failed and verdict == "fail"
        row["false_alarms"] = sorted(failed - target.tolerated)
        row["requests_to_first_failure"] = run.requests_before(target.breaks)
    if verdict == "error" or not run.report:
        row["found"] = False if target.fault else None
        row["errors"] = row["errors"] or (run.output.strip().splitlines()[-1:] or ["no report"])
    return row


def judge_schemathesis(target: Target, run: StRun, baseline: set[str]) -> dict[str, Any]:
    keys = set(run.failures)
    new = sorted(keys - baseline)
    row: dict[str, Any] = {
        "exit_code": run.exit_code,
        "failures": sorted(keys),
        "test_cases": run.test_cases,
        "requests": run.server.count,
        "wall_s": round(run.wall_s, 2),
        "errors": run.errors[:3],
    }
    if target.fault is None:
        row["found"] = None
        row["false_alarms"] = sorted(keys)
        row["new_failures"] = new
        row["requests_to_first_failure"] = run.requests_before(keys) if keys else None
    else:
        row["found"] = bool(new)
        row["false_alarms"] = None
        row["new_failures"] = new
        row["requests_to_first_failure"] = run.requests_before(set(new)) if new else None
    return row


TOOLS = ("graphcontract", "schemathesis")


@dataclass
class Job:
    """The runs still to make on one target, each on the slot's server rebuilt from the seed
    for this target (``BenchMock.fresh``)."""

    target: Target
    tools: tuple[str, ...] = TOOLS


def run_detection(
    chosen: list[Target],
    workdir: Path,
    *,
    st_max_examples: int,
    stop_when_found: bool = False,
    jobs: int = 2,
    conforming: tuple[GcRun, StRun] | None = None,
    expected_s: Mapping[tuple[str, str], float] | None = None,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Both tools on every target; ``conforming`` may hand in runs already made (speed reps).
    ``expected_s`` (target, tool) → seconds, e.g. from the previous results: targets start
    longest first, so a slow one does not run alone at the end while a core idles.
    ``stop_when_found``: graphcontract's runs on faulty mocks end once the fault is found."""

    slot = threading.local()
    servers = ExitStack()
    starting = threading.Lock()

    def server_for(target: Target) -> BenchMock:
        """This slot's server, started on first use (a process start costs about 0.6 s of
        CPU; detection would pay it once per target)."""
        mock: BenchMock | None = getattr(slot, "mock", None)
        if mock is None:
            mock = target.mock()
            with starting:
                servers.enter_context(mock)
            slot.mock = mock
        return mock

    def execute(job: Job) -> dict[str, GcRun | StRun]:
        results: dict[str, GcRun | StRun] = {}
        mock = server_for(job.target)
        for tool in job.tools:
            mock.fresh(faults=job.target.faults, variant=job.target.variant)
            folder = workdir / job.target.name / tool
            folder.mkdir(parents=True, exist_ok=True)
            if tool == "graphcontract":
                stop_when = job.target.breaks if stop_when_found else frozenset()
                results[tool] = run_graphcontract(mock, folder, profile="ci", stop_when=stop_when)
            else:
                results[tool] = run_schemathesis(mock, folder, max_examples=st_max_examples)
            progress(f"detection: {job.target.name} / {tool} done in {results[tool].wall_s:.1f} s")
        return results

    done: dict[tuple[str, str], GcRun | StRun] = {}
    if conforming is not None:
        done[(CONFORMING, "graphcontract")], done[(CONFORMING, "schemathesis")] = conforming
    pending = []
    for target in chosen:
        tools = tuple(tool for tool in TOOLS if (target.name, tool) not in done)
        if tools:
            pending.append(Job(target, tools))
    if expected_s:
        pending = longest_first(pending, expected_s)
    with servers, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for job, results in zip(pending, pool.map(execute, pending), strict=True):
            for tool, result in results.items():
                done[(job.target.name, tool)] = result
    baseline_run = done[(CONFORMING, "schemathesis")]
    assert isinstance(baseline_run, StRun)
    baseline = set(baseline_run.failures)
    rows = []
    for target in chosen:
        gc_run, st_run = done[(target.name, "graphcontract")], done[(target.name, "schemathesis")]
        assert isinstance(gc_run, GcRun)
        assert isinstance(st_run, StRun)
        rows.append(
            {
                "target": target.name,
                "kind": "fault" if target.fault else target.variant,
                "breaks": sorted(target.breaks),
                "graphcontract": judge_graphcontract(target, gc_run),
                "schemathesis": judge_schemathesis(target, st_run, baseline),
            }
        )
    return {
        "rows": rows,
        "summary": summarize(rows),
        "st_max_examples": st_max_examples,
        "stop_when_found": stop_when_found,
    }


def longest_first(pending: list[Job], expected_s: Mapping[tuple[str, str], float]) -> list[Job]:
    """``pending`` by expected duration (the sum over its tools), longest first; a run with no
    expectation counts as the longest known one (a new fault may be slow); ties keep order."""
    ceiling = max(expected_s.values(), default=0.0)

    def expected(job: Job) -> float:
        return sum(expected_s.get((job.target.name, tool), ceiling) for tool in job.tools)

    return sorted(pending, key=lambda job: -expected(job))


def durations_of(result: Mapping[str, Any]) -> dict[tuple[str, str], float]:
    """(target, tool) → wall seconds of the detection runs in a results.json."""
    found: dict[tuple[str, str], float] = {}
    for row in result.get("detection", {}).get("rows", []):
        for tool in TOOLS:
            wall = row.get(tool, {}).get("wall_s")
            if isinstance(wall, int | float):
                found[(row["target"], tool)] = float(wall)
    return found


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    faults = [r for r in rows if r["kind"] == "fault"]
    clean = {r["kind"]: r for r in rows if r["kind"] != "fault"}
    summary: dict[str, Any] = {"faults": len(faults)}
    for tool in ("graphcontract", "schemathesis"):
        found = [r for r in faults if r[tool]["found"]]
        firsts = [r[tool]["requests_to_first_failure"] for r in found]
        known = sorted(f for f in firsts if f is not None)
        summary[tool] = {
            "found": len(found),
            "missed": len(faults) - len(found),
            "missed_faults": [r["target"] for r in faults if not r[tool]["found"]],
            "false_alarms_conforming": len(clean[CONFORMING][tool]["false_alarms"] or [])
            if CONFORMING in clean
            else None,
            "false_alarms_gray": len(clean[GRAY][tool]["false_alarms"] or [])
            if GRAY in clean
            else None,
            "false_alarms_faults": sum(len(r[tool]["false_alarms"] or []) for r in faults)
            if tool == "graphcontract"
            else None,
            "median_requests_to_first_failure": median(known),
            "median_requests_per_run": None
            if any(r[tool].get("stopped_when_found") for r in faults)
            else median(
                [r[tool]["requests"] for r in faults if r[tool].get("requests") is not None]
            ),
        }
    return summary
