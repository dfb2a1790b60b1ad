"""Speed: sustained request and example rates of graphcontract, Schemathesis and a raw httpx
keep-alive loop against the conforming mock, in its seed state for every measurement (one
server process per repetition, rebuilt between tools), each repetition bracketed by two raw
loops (raw, ci, Schemathesis, raw), so each tool is compared with the raw rate of its own
moment and machine drifts hit every tool alike.

Rates are server-side (the bench server stamps every request): requests after the first over
the time between the first and the last request, pauses of 0.5 s or more left out (process
start-up, pytest collection). Examples/s uses the same active time. Figures are medians.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphcontract.bench.runs import (
    GcRun,
    RawRun,
    StRun,
    raw_loop,
    run_graphcontract,
    run_schemathesis,
)
from graphcontract.bench.server import BenchMock
from graphcontract.bench.tables import median, rounded


def cpu_figures(cpu_s: float | None, server_cpu_s: float | None, requests: int) -> dict[str, Any]:
    """CPU per run and per request, client and server: the work each side of the connection
    does for a request, apart from any waiting between them."""

    def per_request(seconds: float | None) -> float | None:
        return rounded(1000 * seconds / requests, 3) if seconds is not None and requests else None

    return {
        "cpu_s": rounded(cpu_s),
        "cpu_ms_per_request": per_request(cpu_s),
        "server_cpu_ms_per_request": per_request(server_cpu_s),
    }


def raw_sample(run: RawRun) -> dict[str, Any]:
    return {
        "requests": run.server.count,
        "wall_s": rounded(run.wall_s),
        "client_rps": rounded(run.client_rate),
        "server_rps": rounded(run.server.rate()),
        **cpu_figures(run.cpu_s, run.server_cpu_s, run.server.count),
    }


def gc_sample(run: GcRun) -> dict[str, Any]:
    active = run.server.active_s()
    examples = run.trace.get("examples") if run.trace.get("complete") else None
    return {
        "requests": run.server.count,
        "report_requests": run.report.get("requests"),
        "examples": examples,
        "wall_s": rounded(run.wall_s),
        "suite_s": run.suite_s,
        "active_s": rounded(active),
        "server_rps": rounded(run.server.rate()),
        "examples_per_s": rounded(examples / active) if examples and active else None,
        "verdict": run.report.get("verdict", "error"),
        "exit_code": run.exit_code,
        **cpu_figures(run.cpu_s, run.server_cpu_s, run.server.count),
    }


def st_sample(run: StRun) -> dict[str, Any]:
    active = run.server.active_s()
    return {
        "requests": run.server.count,
        "test_cases": run.test_cases,
        "wall_s": rounded(run.wall_s),
        "running_s": rounded(run.running_s),
        "active_s": rounded(active),
        "server_rps": rounded(run.server.rate()),
        "examples_per_s": rounded(run.test_cases / active) if active else None,
        "failures": len(run.failures),
        **cpu_figures(run.cpu_s, run.server_cpu_s, run.server.count),
    }


def summarize(samples: list[dict[str, Any]], raw_rps: float | None) -> dict[str, Any]:
    def med(key: str) -> float | None:
        return median([s[key] for s in samples if s.get(key) is not None])

    rps = med("server_rps")
    return {
        "runs": len(samples),
        "server_rps": rounded(rps),
        "ms_per_request": rounded(1000 / rps) if rps else None,
        "examples_per_s": rounded(med("examples_per_s")),
        "wall_s": rounded(med("wall_s")),
        "requests": med("requests"),
        "ratio_to_raw": rounded(rps / raw_rps, 3) if rps and raw_rps else None,
        "cpu_s": rounded(med("cpu_s")),
        "cpu_ms_per_request": rounded(med("cpu_ms_per_request"), 3),
        "server_cpu_ms_per_request": rounded(med("server_cpu_ms_per_request"), 3),
        "samples": samples,
    }


def paired_ratios(
    tool: list[dict[str, Any]],
    raw_before: list[dict[str, Any]],
    raw_after: list[dict[str, Any]] | None = None,
) -> list[float | None]:
    """Each repetition's tool rate over the raw-loop rate measured around it: the mean of the
    raw loops just before and just after the tools (either alone when the other is missing).

    The raw loop's own rate drifts with the machine: its CPU per request changed by a quarter
    between repetitions minutes apart here, and its 1,000 requests last under 2 s, so one loop
    catches a fast or a slow moment. A tool run lasts 5-7 s; bracketing it with two loops
    compares it with the conditions of its own moment."""
    after = raw_after if raw_after is not None else [{} for _ in raw_before]
    ratios: list[float | None] = []
    for t, before, later in zip(tool, raw_before, after, strict=False):
        known = [r["server_rps"] for r in (before, later) if r.get("server_rps")]
        reference = sum(known) / len(known) if known else None
        rate = t.get("server_rps")
        ratios.append(rounded(rate / reference, 3) if rate and reference else None)
    return ratios


def with_pairs(summary: dict[str, Any], ratios: list[float | None]) -> dict[str, Any]:
    known = [r for r in ratios if r is not None]
    return {**summary, "paired_ratios": ratios, "paired_ratio": rounded(median(known), 3)}


def measure_speed(
    workdir: Path,
    *,
    reps: int,
    raw_requests: int,
    st_max_examples: int,
    dev_reps: int,
    progress: Callable[[str], None] = print,
) -> tuple[dict[str, Any], tuple[GcRun, StRun]]:
    """Returns the speed section and the first ci + Schemathesis runs on the conforming mock
    (detection reuses them: same command, same seed, same fresh mock)."""
    raw: list[dict[str, Any]] = []
    raw_after: list[dict[str, Any]] = []
    ci: list[dict[str, Any]] = []
    st: list[dict[str, Any]] = []
    dev: list[dict[str, Any]] = []
    first: tuple[GcRun, StRun] | None = None
    for rep in range(reps):
        # One server per repetition, back to its seed state before each tool (BenchMock.fresh).
        with BenchMock() as mock:
            raw.append(raw_sample(raw_loop(mock, raw_requests)))
            mock.fresh()
            gc_run = run_graphcontract(mock, workdir / f"ci-{rep}", profile="ci")
            ci.append(gc_sample(gc_run))
            mock.fresh()
            st_run = run_schemathesis(mock, workdir / f"st-{rep}", max_examples=st_max_examples)
            st.append(st_sample(st_run))
            mock.fresh()
            raw_after.append(raw_sample(raw_loop(mock, raw_requests)))
        if first is None:
            first = (gc_run, st_run)
        progress(
            f"speed rep {rep + 1}/{reps}: raw {raw[-1]['server_rps']} req/s, "
            f"graphcontract ci {ci[-1]['server_rps']} req/s, "
            f"Schemathesis {st[-1]['server_rps']} req/s, raw {raw_after[-1]['server_rps']} req/s"
        )
    for rep in range(dev_reps):
        with BenchMock() as mock:
            dev.append(gc_sample(run_graphcontract(mock, workdir / f"dev-{rep}", profile="dev")))
        progress(f"speed dev rep {rep + 1}/{dev_reps}: {dev[-1]['server_rps']} req/s")
    assert first is not None
    loops = raw + raw_after
    raw_rps = median([s["server_rps"] for s in loops if s["server_rps"] is not None])
    section = {
        "raw_requests_per_run": raw_requests,
        "st_max_examples": st_max_examples,
        "raw_httpx": summarize(loops, raw_rps),
        "graphcontract_ci": with_pairs(summarize(ci, raw_rps), paired_ratios(ci, raw, raw_after)),
        "graphcontract_dev": summarize(dev, raw_rps) if dev else None,
        "schemathesis": with_pairs(summarize(st, raw_rps), paired_ratios(st, raw, raw_after)),
    }
    return section, first
