"""The bench's state-machine section: the model's cost per step, the per-fault rows of both
parts of the suite, their summary and their table (no runs: figures handed in)."""

from __future__ import annotations

from types import SimpleNamespace

from graphcontract.bench.detection import Target
from graphcontract.bench.machine import (
    PARTS,
    SEQUENCE_TEST,
    model_cost,
    model_steps,
    part_row,
    summarize_machine,
)
from graphcontract.bench.tables import machine_tables, render_markdown
from graphcontract.contract import load_contract
from graphcontract.mock.faults import FAULTS

CONTRACT = load_contract()


def test_the_parts_split_the_suite_at_the_sequence_test() -> None:
    assert {"machine": SEQUENCE_TEST, "explicit": f"not {SEQUENCE_TEST}"} == PARTS


def test_the_model_is_timed_over_every_catalog_body_and_costs_a_positive_time() -> None:
    cost = model_cost(CONTRACT, rounds=2)
    assert cost["steps"] == len(model_steps(CONTRACT)) > 10
    assert cost["model_ms_per_step"] > 0


def _run(failed: set[str], first: int | None, requests: int) -> SimpleNamespace:
    return SimpleNamespace(
        failed_clauses=frozenset(failed),
        requests_before=lambda clauses: first if failed & clauses else None,
        server=SimpleNamespace(count=requests),
    )


def test_a_part_found_a_fault_when_one_of_its_clauses_failed() -> None:
    target = Target("lost-update", fault="lost-update")
    found = part_row(target, _run({"merge.omitted-preserved"}, 40, 300))  # type: ignore[arg-type]
    assert found == {
        "found": True,
        "failed_clauses": ["merge.omitted-preserved"],
        "requests_to_first_failure": 40,
        "requests": 300,
    }
    missed = part_row(target, _run({"response.shape"}, None, 200))  # type: ignore[arg-type]
    assert (missed["found"], missed["requests_to_first_failure"]) == (False, None)


def _row(fault: str, machine: bool, explicit: bool) -> dict:
    def part(found: bool, first: int) -> dict:
        return {"found": found, "requests_to_first_failure": first if found else None}

    spec = FAULTS[fault]
    return {
        "target": fault,
        "breaks": sorted(spec.breaks),
        "history": spec.history,
        "machine_misses": spec.machine_misses,
        "machine": part(machine, 30),
        "explicit": part(explicit, 400),
    }


ROWS = [_row("lost-update", True, False), _row("auth-optional", False, True)]


def test_the_summary_counts_each_part_and_the_history_faults_the_machine_found() -> None:
    summary = summarize_machine(ROWS)
    assert summary["machine"]["found"] == 1
    assert summary["machine"]["missed_faults"] == ["auth-optional"]
    assert summary["explicit"]["missed_faults"] == ["lost-update"]
    assert summary["machine"]["median_requests_to_first_failure"] == 30
    assert (summary["history_found_by_machine"], summary["history_faults"]) == (1, 1)


def test_the_table_shows_both_parts_the_costs_and_why_the_machine_misses() -> None:
    section = {
        "rows": ROWS,
        "summary": summarize_machine(ROWS),
        "model_ms_per_step": 0.25,
        "request_ms": 4.0,
        "staging": {"requests": 280, "must_not_judged": []},
    }
    text = machine_tables(section)
    assert "| faults found | 1/2 | 1/2 |" in text
    assert "| faults in the history of writes found | 1/1 | — |" in text
    assert "| model ms per step (in process, median) | 0.25 |" in text
    assert "| `run --profile staging` requests (conforming mock) | 280 |" in text
    assert "| `lost-update` | merge.nested, merge.omitted-preserved | yes | found | 30 |" in text
    assert f"| {FAULTS['auth-optional'].machine_misses} |" in text
    result = {
        "date": "d", "mode": "quick", "duration_s": 1.0, "statemachine": section,
        "machine": {"cpus": 2, "memory_gib": 1, "platform": "Linux"},
        "versions": {"graphcontract": "0"},
    }  # fmt: skip
    assert "## State machine and explicit suite" in render_markdown(result)
