"""``graphcontract bench``: detection power, speed and scaling, side by side with Schemathesis
and a raw httpx loop, in one run on loopback mocks; writes results.md and results.json.

Order: speed (serial, nothing else of the bench running), scaling (serial), then detection
(``--jobs`` targets at a time; its figures are request counts, not times). ``--quick`` lowers
repetitions and budgets, never the set of faults; ``--target``/``--only`` exist for smoke tests
and mark the output as partial.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from graphcontract.errors import UsageError
from graphcontract.runner.config import check_report_dir

SECTIONS = ("speed", "scaling", "detection", "statemachine")
VERSIONED = (
    "graphcontract", "schemathesis", "hypothesis", "httpx", "pytest", "pytest-xdist",
    "uvicorn", "starlette",
)  # fmt: skip


@dataclass(frozen=True)
class Budget:
    """How much each section does."""

    reps: int
    raw_requests: int
    dev_reps: int
    st_max_examples: int
    workers: tuple[int, ...]
    scaling_reps: int
    max_examples: tuple[int, ...]
    fuzz_duration_s: int
    stop_when_found: bool


QUICK = Budget(3, 1000, 0, 1, (1, 2, 4), 1, (12, 24), 8, True)
"""4-6½ minutes on 2 cores (with the VM's speed): every fault and both tools still;
Schemathesis --max-examples 1 (its coverage phase, which does not depend on it, finds what it
finds here), graphcontract's runs on faulty mocks end once the fault is found, no dev-profile
runs, 8 s fuzz campaigns, two max_examples points (12, the ci profile's, reuses speed runs)."""
FULL = Budget(5, 3000, 3, 25, (1, 2, 4), 3, (4, 12, 36, 108), 60, False)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer repetitions, runs stop once their fault is found (4-6½ minutes on 2 cores)",
    )
    parser.add_argument("--out", default="bench", help="folder for results.md and results.json")
    parser.add_argument(
        "--jobs", type=int, default=2, help="detection targets checked at a time (default: 2)"
    )
    parser.add_argument(
        "--st-max-examples", type=int, help="Schemathesis --max-examples (default: by mode)"
    )
    parser.add_argument("--reps", type=int, help="speed repetitions (default: 3 quick, 5 full)")
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="NAME",
        help="detection on the conforming mock and these targets only (gray or a fault name; "
        "repeatable; for smoke tests, the output is marked partial; default: every fault and "
        "the gray variant)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        choices=SECTIONS,
        help="run only these sections (repeatable; the output is marked partial; default: all "
        "four)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder of runs")


def budget(args: argparse.Namespace) -> Budget:
    base = QUICK if args.quick else FULL
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    changes: dict[str, Any] = {}
    if args.st_max_examples is not None:
        if args.st_max_examples < 1:
            raise UsageError("--st-max-examples must be at least 1")
        changes["st_max_examples"] = args.st_max_examples
    if args.reps is not None:
        if args.reps < 1:
            raise UsageError("--reps must be at least 1")
        changes["reps"] = args.reps
    return Budget(**{**asdict(base), **changes})


def machine() -> dict[str, Any]:
    memory = None
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    load = [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None
    return {
        "cpus": os.cpu_count(),
        "memory_gib": memory,
        "platform": platform.platform(terse=True),
        "load_average": load,
    }


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def previous_results(path: Path) -> dict[str, Any]:
    """The results.json an earlier bench left in the output folder ({} if none or unreadable):
    only used to schedule the longest detection runs first."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    # Imported here: the dispatcher builds every subcommand's parser on each invocation.
    from graphcontract.bench.detection import durations_of, run_detection, targets
    from graphcontract.bench.machine import run_machine
    from graphcontract.bench.scaling import fuzz_available, measure_max_examples, measure_workers
    from graphcontract.bench.speed import measure_speed
    from graphcontract.bench.tables import render_markdown

    plan = budget(args)
    chosen = targets(args.target or None)
    sections = tuple(s for s in SECTIONS if not args.only or s in args.only)
    out = check_report_dir(Path(args.out), option="--out", what="output folder")
    scratch = Path(tempfile.mkdtemp(prefix="graphcontract-bench-"))
    started = time.monotonic()
    result: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "versions": versions(),
        "budget": asdict(plan),
    }
    partial = []
    if args.target:
        partial.append(f"detection limited to conforming, {', '.join(args.target)}")
    if args.only:
        partial.append(f"sections limited to {', '.join(sections)}")
    if partial:
        result["partial"] = "; ".join(partial)
    try:
        conforming = None
        clock = time.monotonic()
        durations: dict[str, float] = {}
        result["section_durations_s"] = durations
        if "speed" in sections:
            result["speed"], conforming = measure_speed(
                scratch / "speed",
                reps=plan.reps,
                raw_requests=plan.raw_requests,
                st_max_examples=plan.st_max_examples,
                dev_reps=plan.dev_reps,
                progress=say,
            )
            durations["speed"], clock = round(time.monotonic() - clock, 1), time.monotonic()
        if "scaling" in sections:
            ci_samples = (
                result["speed"]["graphcontract_ci"]["samples"] if "speed" in result else None
            )
            result["scaling"] = {
                "workers": measure_workers(
                    scratch / "scaling",
                    workers=plan.workers,
                    reps=plan.scaling_reps,
                    fuzz_duration_s=plan.fuzz_duration_s,
                    use_fuzz=fuzz_available(),
                    ci_samples=ci_samples,
                    progress=say,
                ),
                "max_examples": measure_max_examples(
                    scratch / "scaling",
                    values=plan.max_examples,
                    reps=plan.scaling_reps,
                    ci_samples=ci_samples,
                    progress=say,
                ),
            }
            durations["scaling"], clock = round(time.monotonic() - clock, 1), time.monotonic()
        if "detection" in sections:
            result["detection"] = run_detection(
                chosen,
                scratch / "detection",
                st_max_examples=plan.st_max_examples,
                stop_when_found=plan.stop_when_found,
                jobs=args.jobs,
                conforming=conforming,
                expected_s=durations_of(previous_results(out / "results.json")),
                progress=say,
            )
            durations["detection"], clock = round(time.monotonic() - clock, 1), time.monotonic()
        if "statemachine" in sections:
            result["statemachine"] = run_machine(
                [t.fault for t in chosen if t.fault], scratch / "statemachine", progress=say
            )
            durations["statemachine"] = round(time.monotonic() - clock, 1)
    finally:
        if args.keep:
            say(f"runs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    result["duration_s"] = round(time.monotonic() - started, 1)
    result["machine"]["load_average_end"] = machine()["load_average"]
    markdown = render_markdown(result)
    (out / "results.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    (out / "results.md").write_text(markdown, encoding="utf-8")
    print(markdown, flush=True)
    say(f"wrote {out / 'results.md'} and {out / 'results.json'}")
    return 0
