"""Scaling: how the request rate grows with 1, 2, 4 workers, and how run time grows with
``max_examples``.

Workers: ``graphcontract fuzz --duration Ns --workers W`` when this installation has that
command (checked from its ``--help``), else ``graphcontract run --workers W --profile ci``
(pytest-xdist); the section names the method used. max_examples: ``graphcontract run
--profile ci`` with the profile's ``max_examples`` replaced (by the bench's pytest plugin).
Rates are server-side, measured like the speed section.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphcontract.bench.runs import FuzzRun, GcRun, run_fuzz, run_graphcontract
from graphcontract.bench.server import BenchMock
from graphcontract.bench.tables import median, rounded

FUZZ_FLAGS = ("--duration", "--workers", "--report-dir", "--campaign-id", "--database")
_SUBCOMMANDS = re.compile(r"\{([a-z,-]+)\}")


def fuzz_available() -> bool:
    """Whether ``graphcontract fuzz`` exists and takes the flags the bench passes."""

    def help_text(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "graphcontract", *args, "--help"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return proc.stdout if proc.returncode == 0 else ""

    listed = _SUBCOMMANDS.search(help_text())
    if listed is None or "fuzz" not in listed.group(1).split(","):
        return False
    text = help_text("fuzz")
    return all(flag in text for flag in FUZZ_FLAGS)


def fuzz_point(run: FuzzRun, **extra: Any) -> dict[str, Any]:
    campaign = run.campaign
    duration = campaign.get("duration_s")
    examples = campaign.get("examples")
    return {
        **extra,
        "requests": campaign.get("requests"),
        "wall_s": rounded(run.wall_s),
        "active_s": rounded(duration),
        "server_rps": rounded(campaign.get("requests_per_s")),
        "examples_per_s": rounded(examples / duration) if examples and duration else None,
        "exit_code": run.exit_code,
    }


def _point(run: GcRun, **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "requests": run.server.count,
        "wall_s": rounded(run.wall_s),
        "active_s": rounded(run.server.active_s()),
        "server_rps": rounded(run.server.rate()),
        "exit_code": run.exit_code,
    }


def ci_max_examples() -> int:
    """max_examples of the ci profile (the point the speed section already measured)."""
    from hypothesis import settings

    from graphcontract.profiles import register_profiles

    register_profiles()
    return int(settings.get_profile("ci").max_examples)


def measure_workers(
    workdir: Path,
    *,
    workers: tuple[int, ...],
    reps: int,
    fuzz_duration_s: int,
    use_fuzz: bool,
    ci_samples: list[dict[str, Any]] | None = None,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """``ci_samples`` (the speed section's ``run --profile ci`` runs) stand for 1 worker when
    the method is ``run``: that is the same command."""
    method = (
        f"graphcontract fuzz --duration {fuzz_duration_s}s --workers W (one bundled mock per "
        "worker; requests/s = campaign.json requests / campaign wall time, start-up included)"
        if use_fuzz
        else "graphcontract run --workers W --profile ci (pytest-xdist; `graphcontract fuzz` "
        "not available in this build)"
    )
    points = []
    for count in workers:
        samples = []
        if count == 1 and ci_samples and not use_fuzz:
            points.append(_median_point([{**s, "workers": 1} for s in ci_samples], workers=1))
            continue
        for rep in range(reps):
            folder = workdir / f"workers-{count}-{rep}"
            if use_fuzz:
                fuzz = run_fuzz(folder, duration_s=fuzz_duration_s, workers=count)
                samples.append(fuzz_point(fuzz, workers=count))
            else:
                with BenchMock() as mock:
                    run = run_graphcontract(mock, folder, profile="ci", workers=count)
                samples.append(_point(run, workers=count))
            progress(f"scaling: {count} worker(s) rep {rep + 1}: {samples[-1]['server_rps']} req/s")
        points.append(_median_point(samples, workers=count))
    base = points[0]["server_rps"] if points else None
    for point in points:
        rps = point["server_rps"]
        point["speedup"] = rounded(rps / base, 2) if rps and base else None
    return {"method": method, "points": points}


def measure_max_examples(
    workdir: Path,
    *,
    values: tuple[int, ...],
    reps: int,
    ci_samples: list[dict[str, Any]] | None = None,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """``ci_samples`` stand for the ci profile's own max_examples (the same command)."""
    points = []
    reused = ci_max_examples() if ci_samples else None
    for value in values:
        samples = []
        if value == reused and ci_samples:
            points.append(_median_point(ci_samples, max_examples=value))
            continue
        for rep in range(reps):
            with BenchMock() as mock:
                run = run_graphcontract(
                    mock, workdir / f"examples-{value}-{rep}", profile="ci", max_examples=value
                )
            samples.append(_point(run, max_examples=value))
            progress(f"scaling: max_examples={value} rep {rep + 1}: {samples[-1]['wall_s']} s")
        points.append(_median_point(samples, max_examples=value))
    return {
        "method": "graphcontract run --profile ci with max_examples replaced "
        "(tests that pin their own max_examples keep it)",
        "points": points,
    }


def _median_point(samples: list[dict[str, Any]], **key: Any) -> dict[str, Any]:
    def med(name: str) -> float | None:
        return median([s[name] for s in samples if s.get(name) is not None])

    return {
        **key,
        "runs": len(samples),
        "requests": med("requests"),
        "wall_s": rounded(med("wall_s")),
        "active_s": rounded(med("active_s")),
        "server_rps": rounded(med("server_rps")),
        "exit_codes": sorted({s["exit_code"] for s in samples if "exit_code" in s}),
    }
