"""The state machine beside the explicit suite: for every mock fault, the requests each sends
before the fault's first failing verdict, what the executable model costs per step next to a
request, and how many requests a ``--profile staging`` run sends.

"The state machine" is the contract suite's one sequence test run alone; "the explicit suite"
is every other test (the edge-case catalog and the hand-written cases), the state machine left
out. Each found a fault when one of the clauses the fault ``breaks`` failed (the state machine
may find a fault under one of its clauses only: lost-update breaks two). The model's cost is
timed in this process over the steps of a sequence (the model's update, the comparison with
the answer, the rule a difference breaks), over the edge-case catalog's bodies written one
after another; a request's cost is the state machine's run on the conforming mock, its suite
time over the requests the server received.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from graphcontract.bench.detection import CONFORMING, Target
from graphcontract.bench.runs import GcRun, run_graphcontract
from graphcontract.bench.tables import median, rounded
from graphcontract.contract import Contract, load_contract
from graphcontract.mock.faults import FAULTS
from graphcontract.model import apply_patch, changes_anything, deleted_by, rule_broken
from graphcontract.oracles.compare import differences
from graphcontract.types import JSONObject
from strategies import edge_packs, lively_body

SEQUENCE_TEST = "test_sequences_of_requests_keep_to_the_patch_rules"
PARTS = {"machine": SEQUENCE_TEST, "explicit": f"not {SEQUENCE_TEST}"}
"""Each part of the suite, as the pytest ``-k`` expression that selects it."""


def part_row(target: Target, run: GcRun) -> dict[str, Any]:
    """One part's result on one fault: found, requests to the first failure, requests."""
    failed = run.failed_clauses
    return {
        "found": bool(failed & target.breaks),
        "failed_clauses": sorted(failed),
        "requests_to_first_failure": run.requests_before(target.breaks),
        "requests": run.server.count,
    }


def _writable(contract: Contract, state: JSONObject) -> JSONObject:
    return {name: state.get(name) for name in contract.updatable}


def model_steps(contract: Contract) -> list[JSONObject]:
    """The bodies of a long sequence: every property, then every catalog pack in turn."""
    return [lively_body(contract), *(pack.body for pack in edge_packs(contract))]


def model_cost(contract: Contract, rounds: int = 5) -> dict[str, Any]:
    """Milliseconds the model spends on one step (median over ``rounds`` of the sequence):
    the state after the body, whether it changes anything, what its nulls delete, and the
    comparison of the answer (here the model's own state) with the model."""
    bodies = model_steps(contract)
    per_step: list[float] = []
    for _ in range(rounds):
        state: JSONObject = {}
        started = time.perf_counter()
        for body in bodies:
            after = apply_patch(contract, state, body)
            changes_anything(contract, state, body)
            deleted = deleted_by(state, body)
            for path in differences(_writable(contract, after), _writable(contract, state)):
                rule_broken(body, path, None, deleted)
            state = after
        per_step.append((time.perf_counter() - started) * 1000 / len(bodies))
    return {
        "steps": len(bodies),
        "rounds": rounds,
        "model_ms_per_step": rounded(median(per_step), 3),
    }


def ms_per_request(run: GcRun) -> float | None:
    """The run's suite time over the requests the server received."""
    suite = run.suite_s
    return rounded(suite * 1000 / run.server.count, 3) if suite and run.server.count else None


def run_machine(
    faults: Iterable[str],
    workdir: Path,
    *,
    staging: bool = True,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Both parts of the suite on every fault (and the state machine on the conforming mock,
    for the cost of a request); with ``staging``, one ``--profile staging`` run on the
    conforming mock."""
    contract = load_contract()
    chosen = [Target(CONFORMING), *(Target(name, fault=name) for name in faults)]
    rows: list[dict[str, Any]] = []
    section: dict[str, Any] = {"rows": rows}
    with chosen[0].mock() as mock:
        for target in chosen:
            parts = PARTS if target.fault else {"machine": PARTS["machine"]}
            row: dict[str, Any] = {"target": target.name, "breaks": sorted(target.breaks)}
            for part, select in parts.items():
                mock.fresh(faults=target.faults, variant=target.variant)
                folder = workdir / target.name / part
                run = run_graphcontract(mock, folder, profile="ci", select=select)
                progress(f"machine: {target.name} / {part} done in {run.wall_s:.1f} s")
                if target.fault is None:
                    section["request_ms"] = ms_per_request(run)
                    section["conforming_failed_clauses"] = sorted(run.failed_clauses)
                    continue
                row[part] = part_row(target, run)
            if target.fault is not None:
                fault = FAULTS[target.fault]
                row["history"] = fault.history
                row["machine_misses"] = fault.machine_misses
                rows.append(row)
        if staging:
            mock.fresh(faults=[], variant=CONFORMING)
            run = run_graphcontract(mock, workdir / "staging", profile="staging")
            progress(f"machine: staging run done in {run.wall_s:.1f} s")
            section["staging"] = staging_figures(contract, run)
    section.update(model_cost(contract))
    section["summary"] = summarize_machine(rows)
    return section


def staging_figures(contract: Contract, run: GcRun) -> dict[str, Any]:
    """A staging run's request count, and the must clauses it left unjudged."""
    statuses = {c["id"]: c["status"] for c in run.report.get("clauses", [])}
    must = [c for c, clause in contract.clauses.items() if clause.level == "must"]
    return {
        "requests": run.server.count,
        "wall_s": rounded(run.wall_s),
        "verdict": run.report.get("verdict", "error"),
        "must_not_judged": sorted(c for c in must if statuses.get(c) not in ("pass", "fail")),
    }


def summarize_machine(rows: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"faults": len(rows)}
    for part in PARTS:
        found = [r for r in rows if r[part]["found"]]
        firsts = [r[part]["requests_to_first_failure"] for r in found]
        summary[part] = {
            "found": len(found),
            "missed_faults": [r["target"] for r in rows if not r[part]["found"]],
            "median_requests_to_first_failure": median(f for f in firsts if f is not None),
        }
    history = [r for r in rows if r["history"]]
    summary["history_faults"] = len(history)
    summary["history_found_by_machine"] = sum(1 for r in history if r["machine"]["found"])
    return summary
