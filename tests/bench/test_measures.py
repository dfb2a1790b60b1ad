"""The bench's measuring logic without servers: server stamps, the probe's trace, Schemathesis'
NDJSON events, the detection verdicts, and the CLI budget."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from graphcontract.bench.cli import FULL, QUICK, add_arguments, budget
from graphcontract.bench.detection import (
    CONFORMING,
    GRAY,
    Job,
    Target,
    durations_of,
    judge_graphcontract,
    judge_schemathesis,
    longest_first,
    summarize,
    targets,
)
from graphcontract.bench.probe import Trace, merge_traces
from graphcontract.bench.profiling import OTHER, breakdown, read_collapsed
from graphcontract.bench.runs import FuzzRun, GcRun, StFailure, StRun, parse_ndjson
from graphcontract.bench.scaling import fuzz_point
from graphcontract.bench.server import FRESH_PATH, STATS_PATH, CountingMiddleware, ServerStats
from graphcontract.bench.speed import paired_ratios, with_pairs
from graphcontract.errors import UsageError
from graphcontract.mock.faults import FAULTS


def test_server_stats_leave_pauses_out_of_the_rate() -> None:
    stats = ServerStats((10.0, 10.1, 10.2, 13.0, 13.1))  # a 2.8 s pause (start-up) inside
    assert stats.count == 5
    assert stats.span_s == pytest.approx(3.1)
    assert stats.active_s() == pytest.approx(0.3)
    assert stats.rate() == pytest.approx(4 / 0.3)
    assert ServerStats((1.0,)).rate() is None


@pytest.mark.parametrize(
    ("moment", "count"),
    [(0.5, 0), (1.0, 1), (2.5, 2), (9.0, 3)],
    ids=["before", "at", "mid", "after"],
)
def test_server_stats_count_requests_up_to_a_moment(moment: float, count: int) -> None:
    assert ServerStats((1.0, 2.0, 3.0)).before(moment) == count


def test_counting_middleware_counts_api_requests_only_and_resets() -> None:
    app = Starlette(routes=[Route("/x", lambda request: PlainTextResponse("ok"))])

    async def exercise() -> tuple[dict[str, Any], dict[str, Any]]:
        transport = httpx.ASGITransport(app=CountingMiddleware(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await client.get("/x")
            await client.get("/nowhere")
            first = (await client.get(STATS_PATH + "?reset=1")).json()
            await client.get("/x")
            second = (await client.get(STATS_PATH)).json()
        return first, second

    first, second = asyncio.run(exercise())
    assert first["count"] == 2
    assert len(first["times"]) == 2
    assert second["count"] == 1


def test_counting_middleware_swaps_in_a_freshly_built_app() -> None:
    built: list[dict[str, str]] = []

    def build(params: dict[str, str]) -> tuple[Starlette, dict[str, Any]]:
        if params.get("faults") == "unknown":
            raise ValueError("unknown fault unknown")
        label = f"{len(built)} {params.get('faults', '-')}"
        built.append(params)
        app = Starlette(routes=[Route("/x", lambda request: PlainTextResponse(label))])
        return app, {"label": label}

    async def exercise() -> tuple[list[str], int, dict[str, Any]]:
        middleware = CountingMiddleware(build({})[0], build)
        transport = httpx.ASGITransport(app=middleware)
        seen = []
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            seen.append((await client.get("/x")).text)
            (await client.get(FRESH_PATH)).raise_for_status()
            seen.append((await client.get("/x")).text)
            answer = (await client.get(FRESH_PATH, params={"faults": "a,b"})).json()
            assert answer == {"label": "2 a,b"}  # what the new app serves
            seen.append((await client.get("/x")).text)
            refused = (await client.get(FRESH_PATH, params={"faults": "unknown"})).status_code
            seen.append((await client.get("/x")).text)
            (await client.get(FRESH_PATH, params={"faults": ""})).raise_for_status()
            seen.append((await client.get("/x")).text)
            stats = (await client.get(STATS_PATH)).json()
        return seen, refused, stats

    seen, refused, stats = asyncio.run(exercise())
    # A refused rebuild keeps the old app; a blank value is passed on (not dropped).
    assert seen == ["0 -", "1 -", "2 a,b", "2 a,b", "3 "]
    assert refused == 400
    assert stats["count"] == 1  # the stamps were cleared with the last swap


def test_trace_keeps_only_the_first_failure_per_clause() -> None:
    trace = Trace()
    trace.on_exchange()
    trace.on_verdict("merge.nested", "pass")
    trace.on_exchange()
    trace.on_verdict("merge.nested", "fail")
    trace.on_exchange()
    trace.on_verdict("merge.nested", "fail")
    trace.on_verdict("paths.me", "observed")
    data = trace.to_dict()
    assert data["requests"] == 3
    assert list(data["first_failures"]) == ["merge.nested"]
    assert data["first_failures"]["merge.nested"]["requests"] == 2


def test_merge_traces_sums_workers_and_keeps_the_earliest_failure(tmp_path: Path) -> None:
    def write(name: str, requests: int, when: float, missing: list[str]) -> None:
        data = {
            "requests": requests, "examples": 2, "hooked": [], "missing": missing,
            "first_failures": {"persisted": {"time": when, "requests": 1, "examples": 1}},
        }  # fmt: skip
        (tmp_path / f"trace-{name}.json").write_text(json.dumps(data))

    write("gw0-1", 10, 5.0, [])
    write("gw1-2", 7, 3.0, [])
    merged = merge_traces(tmp_path)
    assert merged["requests"] == 17
    assert merged["examples"] == 4
    assert merged["first_failures"]["persisted"]["time"] == 3.0
    assert merged["complete"] is True
    write("gw2-3", 0, 9.0, ["Session.example"])
    assert merge_traces(tmp_path)["complete"] is False
    assert merge_traces(tmp_path / "absent")["complete"] is False


def test_parse_ndjson_finds_distinct_failures_and_when_they_were_answered(tmp_path: Path) -> None:
    def scenario(case: str, ts: float, code: str | None) -> dict[str, Any]:
        checks: list[dict[str, Any]] = [{"name": "not_a_server_error", "status": "success"}]
        if code:
            failure = {"code": code, "operation": "PATCH /p", "title": "t", "case_id": case}
            checks.append({"name": "x", "status": "failure", "failure_info": {"failure": failure}})
        interaction = {"timestamp": ts, "response": {"elapsed": 0.5}}
        recorder = {
            "label": "PATCH /p",
            "checks": {case: checks},
            "interactions": {case: interaction},
        }
        return {"ScenarioFinished": {"timestamp": ts + 1, "recorder": recorder}}

    lines = [{"Initialize": {}}, scenario("a", 10.0, None), scenario("b", 20.0, "ST201"),
             scenario("c", 15.0, "ST201"), scenario("d", 30.0, "ST108")]  # fmt: skip
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    failures, first_seen = parse_ndjson(path)
    assert sorted(failures) == ["ST108 PATCH /p", "ST201 PATCH /p"]
    assert first_seen["ST201 PATCH /p"] == 15.5
    assert first_seen["ST108 PATCH /p"] == 30.5


def _gc(failed: list[str], *, first: float | None = None, verdict: str = "fail") -> GcRun:
    firsts = {c: {"time": first, "requests": 3, "examples": 1} for c in failed} if first else {}
    trace = {"requests": 9, "examples": 3, "first_failures": firsts, "complete": True}
    report = {"verdict": verdict, "failed_clauses": failed, "errors": []}
    return GcRun(1, 5.0, report, trace, ServerStats((1.0, 2.0, 3.0, 4.0)))


def _st(keys: list[str], seen: dict[str, float] | None = None) -> StRun:
    failures = {}
    for key in keys:
        code, operation = key.split(" ", 1)
        failures[key] = StFailure(code=code, operation=operation, title="t")
    return StRun(1, 5.0, 4.0, 10, failures, seen or {}, ServerStats((1.0, 2.0, 3.0)))


def test_graphcontract_found_needs_every_broken_clause_and_counts_false_alarms() -> None:
    fault = Target("null-ignored", fault="null-ignored")
    row = judge_graphcontract(fault, _gc(["merge.null-clears", "auth.required"], first=2.5))
    assert row["found"] is True
    assert row["false_alarms"] == ["auth.required"]
    assert row["requests_to_first_failure"] == 2
    missed = judge_graphcontract(fault, _gc(["auth.required"]))
    assert missed["found"] is False
    assert missed["requests_to_first_failure"] is None


def test_any_failure_on_a_clean_mock_is_a_false_alarm() -> None:
    clean = judge_graphcontract(Target(CONFORMING), _gc(["persisted"], verdict="fail"))
    assert clean["found"] is None
    assert clean["false_alarms"] == ["persisted"]
    st_clean = judge_schemathesis(Target(GRAY, variant=GRAY), _st(["ST401 GET /x"]), set())
    assert st_clean["false_alarms"] == ["ST401 GET /x"]


def test_schemathesis_found_only_with_a_failure_absent_on_the_conforming_mock() -> None:
    fault = Target("audience-not-enforced", fault="audience-not-enforced")
    baseline = {"ST401 GET /x"}
    same = judge_schemathesis(fault, _st(["ST401 GET /x"]), baseline)
    assert same["found"] is False
    new = judge_schemathesis(
        fault, _st(["ST401 GET /x", "ST201 PATCH /p"], {"ST201 PATCH /p": 2.2}), baseline
    )
    assert new["found"] is True
    assert new["new_failures"] == ["ST201 PATCH /p"]
    assert new["requests_to_first_failure"] == 2


def test_summary_counts_found_missed_and_false_alarms() -> None:
    rows = [
        {"target": CONFORMING, "kind": CONFORMING,
         "graphcontract": {"found": None, "false_alarms": []},
         "schemathesis": {"found": None, "false_alarms": ["a", "b"]}},
        {"target": "f1", "kind": "fault",
         "graphcontract": {"found": True, "false_alarms": ["x"], "requests_to_first_failure": 10},
         "schemathesis": {"found": False, "false_alarms": None, "requests_to_first_failure": None}},
        {"target": "f2", "kind": "fault",
         "graphcontract": {"found": True, "false_alarms": [], "requests_to_first_failure": 30},
         "schemathesis": {"found": True, "false_alarms": None, "requests_to_first_failure": 4}},
    ]  # fmt: skip
    summary = summarize(rows)
    assert summary["faults"] == 2
    assert summary["graphcontract"]["found"] == 2
    assert summary["graphcontract"]["false_alarms_faults"] == 1
    assert summary["graphcontract"]["median_requests_to_first_failure"] == 20
    assert summary["schemathesis"]["missed_faults"] == ["f1"]
    assert summary["schemathesis"]["false_alarms_conforming"] == 2
    assert summary["schemathesis"]["false_alarms_gray"] is None


def test_targets_cover_every_fault_unless_narrowed() -> None:
    every = targets()
    assert [t.name for t in every[:2]] == [CONFORMING, GRAY]
    assert {t.fault for t in every[2:]} == set(FAULTS)
    narrowed = targets(["auth-optional"])
    assert [t.name for t in narrowed] == [CONFORMING, "auth-optional"]
    with pytest.raises(UsageError, match="unknown target nope"):
        targets(["nope"])


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_budget_quick_lowers_counts_and_options_override() -> None:
    assert budget(_args("--quick")) == QUICK
    assert budget(_args()) == FULL
    assert QUICK.reps < FULL.reps
    assert budget(_args("--quick", "--st-max-examples", "2")).st_max_examples == 2
    with pytest.raises(UsageError, match="--jobs"):
        budget(_args("--jobs", "0"))


def test_profile_samples_go_to_the_first_matching_bucket() -> None:
    lines = [
        "main;_find_and_load (a.py:1);AssertionRewritingHook (_pytest/assertion/rewrite.py:9) 3",
        "main;test;GraphClient.request (client.py:1);SyncStream.read (sync.py:2) 2",
        "main;test;GraphClient.request (client.py:1);write (sync.py:3) 4",
        " 1",
    ]
    shares = dict(breakdown(read_collapsed(lines)))
    assert shares == {
        "pytest assertion rewriting at import": 0.3,
        "waiting for the server (socket read)": 0.2,
        "HTTP client work (httpx, httpcore, graphcontract.client)": 0.4,
        OTHER: 0.1,
    }


def test_fuzz_campaign_figures_become_a_scaling_point() -> None:
    campaign = {"requests": 2400, "duration_s": 20.0, "requests_per_s": 120.0, "examples": 500}
    point = fuzz_point(FuzzRun(0, 23.0, campaign), workers=2)
    assert point["workers"] == 2
    assert point["server_rps"] == 120.0
    assert point["examples_per_s"] == 25.0
    assert fuzz_point(FuzzRun(2, 1.0, {}), workers=4)["requests"] is None


def test_paired_ratios_divide_each_repetition_by_its_own_raw_loop() -> None:
    raw = [{"server_rps": 400.0}, {"server_rps": 600.0}, {"server_rps": None}]
    tool = [{"server_rps": 200.0}, {"server_rps": 240.0}, {"server_rps": 100.0}]
    ratios = paired_ratios(tool, raw)
    assert ratios == [0.5, 0.4, None]
    # Bracketed: the mean of the loops before and after; either alone when one is missing.
    after = [{"server_rps": 600.0}, {"server_rps": None}, {"server_rps": 500.0}]
    assert paired_ratios(tool, raw, after) == [0.4, 0.4, 0.2]
    summary = with_pairs({"server_rps": 220.0}, ratios)
    assert summary["paired_ratio"] == pytest.approx(0.45)
    assert summary["paired_ratios"] == [0.5, 0.4, None]


def test_detection_targets_start_longest_first_and_new_runs_count_as_long() -> None:
    known, new = targets(["auth-optional", "non-atomic"])[1:], targets()[1]
    pending = [Job(t) for t in (*known, new)] + [Job(targets()[0], ("graphcontract",))]
    expected = {
        ("auth-optional", "graphcontract"): 7.0,
        ("auth-optional", "schemathesis"): 9.0,
        ("non-atomic", "graphcontract"): 30.0,
        ("non-atomic", "schemathesis"): 9.0,
        (CONFORMING, "graphcontract"): 2.0,
    }
    order = [job.target.name for job in longest_first(pending, expected)]
    # new: 30 + 30 (unknown runs count as the longest known), non-atomic 39, auth-optional 16,
    # the conforming mock's remaining graphcontract run 2.
    assert order == [new.name, "non-atomic", "auth-optional", CONFORMING]


def test_durations_come_from_a_previous_results_file() -> None:
    result = {
        "detection": {
            "rows": [
                {"target": "x", "graphcontract": {"wall_s": 8.5}, "schemathesis": {"wall_s": 9}},
                {"target": "y", "graphcontract": {"wall_s": None}, "schemathesis": {}},
            ]
        }
    }
    assert durations_of(result) == {("x", "graphcontract"): 8.5, ("x", "schemathesis"): 9.0}
    assert durations_of({}) == {}
