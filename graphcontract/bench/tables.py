"""Figures → text: medians and rounding, and the Markdown tables of ``bench/results.md``.

Pure functions over the result dict that ``results.json`` holds, so the tables can be
re-rendered from a stored JSON file (``render_markdown(json.load(...))``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def median(values: Iterable[float | int]) -> float | None:
    """The median, or None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def rounded(value: float | int | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def cell(value: Any) -> str:
    """A table cell: None → "n/a", floats without noise, lists comma-joined, no pipes."""
    if value is None:
        text = "n/a"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    elif isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value) if value else "none"
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _found(row: dict[str, Any], tool: str) -> str:
    data = row[tool]
    if row["kind"] == "fault":
        return "found" if data["found"] else "**missed**"
    alarms = data["false_alarms"] or []
    return "clean" if not alarms else f"**{len(alarms)} false alarm(s)**"


def _per_run(summary: dict[str, Any], section: dict[str, Any]) -> Any:
    value = summary.get("median_requests_per_run")
    if value is None and section.get("stop_when_found"):
        return "n/a (runs stop once their fault is found)"
    return value


def detection_tables(section: dict[str, Any]) -> str:
    summary = section["summary"]
    gc, st = summary["graphcontract"], summary["schemathesis"]
    faults = summary["faults"]
    st_label = f"Schemathesis (`st run`, -n {section['st_max_examples']})"
    head = table(
        ["", "graphcontract (`run --profile ci`)", st_label],
        [
            ["faults found", f"{gc['found']}/{faults}", f"{st['found']}/{faults}"],
            ["faults missed", gc["missed_faults"], st["missed_faults"]],
            ["false alarms on the conforming mock",
             gc["false_alarms_conforming"], st["false_alarms_conforming"]],
            ["false alarms on the gray-zone mock",
             gc["false_alarms_gray"], st["false_alarms_gray"]],
            ["false alarms on faulty mocks (clauses outside breaks ∪ may_also_break)",
             gc["false_alarms_faults"], "n/a (no clauses)"],
            ["median requests to the first failure (found faults)",
             gc["median_requests_to_first_failure"], st["median_requests_to_first_failure"]],
            ["median requests per run (faulty mocks)",
             _per_run(gc, section), st.get("median_requests_per_run")],
        ],
    )  # fmt: skip
    rows = []
    for row in section["rows"]:
        g, s = row["graphcontract"], row["schemathesis"]
        gc_extra = g["false_alarms"] if row["kind"] == "fault" else g["failed_clauses"]
        st_extra = s["new_failures"] if row["kind"] == "fault" else s["failures"]
        rows.append(
            [
                f"`{row['target']}`",
                row["breaks"] or "—",
                _found(row, "graphcontract"),
                g["requests_to_first_failure"],
                f"{g['requests']} (stopped)" if g.get("stopped_when_found") else g["requests"],
                gc_extra,
                _found(row, "schemathesis"),
                s["requests_to_first_failure"],
                s["requests"],
                st_extra,
            ]
        )
    per_target = table(
        [
            "target", "breaks", "graphcontract", "req. to 1st failure", "requests",
            "false alarms / failed clauses", "Schemathesis", "req. to 1st new failure",
            "requests", "new failures (code operation) / all on clean mocks",
        ],
        rows,
    )  # fmt: skip
    return head + "\n\n" + per_target


def _part(data: dict[str, Any]) -> list[Any]:
    return ["found" if data["found"] else "**missed**", data["requests_to_first_failure"]]


def machine_tables(section: dict[str, Any]) -> str:
    """The state machine beside the explicit suite, fault by fault, and what a step costs."""
    summary = section["summary"]
    machine, explicit = summary["machine"], summary["explicit"]
    faults = summary["faults"]
    staging = section.get("staging") or {}
    head = table(
        ["", "state machine alone", "explicit suite (state machine left out)"],
        [
            ["faults found", f"{machine['found']}/{faults}", f"{explicit['found']}/{faults}"],
            ["faults missed", machine["missed_faults"], explicit["missed_faults"]],
            ["faults in the history of writes found",
             f"{summary['history_found_by_machine']}/{summary['history_faults']}", "—"],
            ["median requests to the first failure (found faults)",
             machine["median_requests_to_first_failure"],
             explicit["median_requests_to_first_failure"]],
        ],
    )  # fmt: skip
    costs = table(
        ["measure", "value"],
        [
            ["model ms per step (in process, median)", section.get("model_ms_per_step")],
            ["request ms (state machine on the conforming mock: suite time / requests)",
             section.get("request_ms")],
            ["`run --profile staging` requests (conforming mock)", staging.get("requests")],
            ["must clauses the staging run did not judge", staging.get("must_not_judged")],
        ],
    )  # fmt: skip
    rows = [
        [
            f"`{row['target']}`",
            row["breaks"],
            "yes" if row["history"] else "no",
            *_part(row["machine"]),
            *_part(row["explicit"]),
            row["machine_misses"] or "—",
        ]
        for row in section["rows"]
    ]
    per_fault = table(
        [
            "fault", "breaks", "history of writes", "state machine", "req. to 1st failure",
            "explicit suite", "req. to 1st failure", "why the state machine alone misses it",
        ],
        rows,
    )  # fmt: skip
    return head + "\n\n" + costs + "\n\n" + per_fault


SPEED_ROWS = (
    ("raw_httpx", "raw httpx keep-alive loop (fixed PATCH + GET)"),
    ("graphcontract_ci", "graphcontract `run --profile ci`"),
    ("graphcontract_dev", "graphcontract `run --profile dev`"),
    ("schemathesis", "Schemathesis `st run` (all checks, --mode all)"),
)


def speed_table(section: dict[str, Any]) -> str:
    rows = []
    for key, label in SPEED_ROWS:
        data = section.get(key)
        if not data:
            continue
        rows.append(
            [
                label,
                data["server_rps"],
                data["ratio_to_raw"],
                data["ms_per_request"],
                data["examples_per_s"],
                data["wall_s"],
                data["requests"],
                data["runs"],
            ]
        )
    return table(
        ["client", "sustained req/s", "× raw loop", "ms/request", "examples/s", "wall s",
         "requests/run", "runs"],
        rows,
    )  # fmt: skip


def cpu_table(section: dict[str, Any]) -> str:
    """CPU per run and per request (medians); empty when no run measured it."""
    rows = []
    for key, label in SPEED_ROWS:
        data = section.get(key)
        if data and data.get("cpu_s") is not None:
            per_request = data["cpu_ms_per_request"], data["server_cpu_ms_per_request"]
            rows.append([label, data["cpu_s"], *per_request])
    if not rows:
        return ""
    return table(
        ["client", "client CPU s/run", "client CPU ms/request", "server CPU ms/request"], rows
    )


def goals(section: dict[str, Any]) -> list[str]:
    ci, st = section["graphcontract_ci"], section["schemathesis"]
    lines = []
    paired = ci.get("paired_ratio")
    ratio = paired if paired is not None else ci.get("ratio_to_raw")
    if ratio is not None:
        mark = "met" if ratio >= 0.5 else "NOT met"
        how = (
            "median of the repetitions' ratios to the raw loops around them"
            if paired is not None
            else "medians"
        )
        spread = [r for r in ci.get("paired_ratios") or [] if r is not None]
        each = f"; each repetition: {', '.join(f'{r:.3f}' for r in spread)}" if spread else ""
        lines.append(
            f"- at least half the raw-loop request rate: {ratio:.3f} × raw ({how}{each}) — {mark}"
        )
    if ci.get("ms_per_request") and st.get("ms_per_request"):
        mark = "met" if ci["ms_per_request"] <= st["ms_per_request"] else "NOT met"
        lines.append(
            f"- never slower than Schemathesis per request: {ci['ms_per_request']} ms vs "
            f"{st['ms_per_request']} ms — {mark}"
        )
    lines.append(
        f"- wall time of a full `ci` run (start-up included): {ci.get('wall_s')} s (median)"
    )
    return lines


def scaling_tables(section: dict[str, Any]) -> str:
    workers = section["workers"]
    examples = section["max_examples"]
    first = table(
        ["workers", "requests/s (see method)", "speed-up", "requests", "wall s", "runs"],
        [
            [p["workers"], p["server_rps"], p["speedup"], p["requests"], p["wall_s"], p["runs"]]
            for p in workers["points"]
        ],
    )
    second = table(
        ["max_examples", "requests", "wall s", "sustained req/s", "runs"],
        [
            [p["max_examples"], p["requests"], p["wall_s"], p["server_rps"], p["runs"]]
            for p in examples["points"]
        ],
    )
    return (
        f"Workers — method: {workers['method']}\n\n{first}\n\n"
        f"max_examples — method: {examples['method']}\n\n{second}"
    )


def render_markdown(result: dict[str, Any]) -> str:
    machine, versions = result["machine"], result["versions"]
    sections = result.get("section_durations_s") or {}
    per_section = ", ".join(f"{k} {v} s" for k, v in sections.items())
    parts = [
        f"# graphcontract bench — {result['date']} ({result['mode']})",
        "",
        f"Machine: {machine['cpus']} cores, {machine['memory_gib']} GiB RAM, "
        f"{machine['platform']}; load average (1, 5, 15 min) at start "
        f"{machine.get('load_average')}, at end {machine.get('load_average_end')}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        f"Bench wall time: {result['duration_s']} s"
        + (f" ({per_section})" if per_section else "")
        + ". All servers: the reference mock on uvicorn (127.0.0.1), in its seed state for "
        "every measured run (a new process, or the app rebuilt from the seed with the "
        "target's faults and variant: between the tools of a speed repetition, before every "
        "detection run), requests counted server-side.",
    ]
    if result.get("partial"):
        parts.append(f"\n**Partial run**: {result['partial']}")
    if "detection" in result:
        parts += [
            "",
            "## Detection",
            "",
            "graphcontract found a fault when all its `breaks` clauses failed; Schemathesis "
            "when it reported a failure (code + operation) absent on the conforming mock. "
            '"Req. to 1st failure": requests the server had received when the first failing '
            "verdict of the fault's clause was recorded (graphcontract; at the end of that "
            "example, restore included) / when the first new failure's response came back "
            "(Schemathesis).",
            *(
                [
                    "",
                    "This run (`--quick`) ends each graphcontract run on a faulty mock after the "
                    "test in which its last clause failed: found / missed and the requests to the "
                    "first failure are those of a whole run; the run's requests (marked "
                    '"stopped") and its false alarms cover the part that ran. The full bench '
                    "runs everything to the end.",
                ]
                if result["detection"].get("stop_when_found")
                else []
            ),
            "",
            detection_tables(result["detection"]),
        ]
    if "statemachine" in result:
        parts += [
            "",
            "## State machine and explicit suite",
            "",
            "Each fault twice in the `ci` profile: the state machine alone (the sequence test), "
            "then every other test. Found: one of the fault's `breaks` clauses failed. The "
            "state machine records its verdicts when its test ends, so its requests to the first "
            "failure include the shrinking of the failing sequence. The "
            "model's cost per step is timed in process over the catalog's bodies written one "
            "after another; a request's, over the state machine's run on the conforming mock.",
            "",
            machine_tables(result["statemachine"]),
        ]
    if "speed" in result:
        parts += [
            "", "## Speed", "",
            "Server-side sustained rate: requests over the time between first and last request, "
            "pauses ≥ 0.5 s left out. Medians.", "",
            speed_table(result["speed"]), "", *goals(result["speed"]),
        ]  # fmt: skip
        cpu = cpu_table(result["speed"])
        if cpu:
            parts += [
                "", "CPU time, medians: the client's whole process (start-up included; the raw "
                "loop's thread only) and the server process during the same run, over the "
                "requests the server received. CPU counts work, not waiting: what each side of "
                "the connection spends on a request.", "", cpu,
            ]  # fmt: skip
    if "scaling" in result:
        parts += ["", "## Scaling", "", scaling_tables(result["scaling"])]
    return "\n".join(parts) + "\n"
