"""``graphcontract run --api all``: every facet checked in turn, one report.

Each facet gets its own pytest session in a child process (the suite's modules read the
facet's contract when imported, so sessions cannot share a process), against the same target
(one mock process serves them all), with its reports in ``<run-id>/<facet>/``; the run's own
report.json, report.html and junit.xml combine them (graphcontract.report.combined). The cost
is one session per facet: linear in the number of facets.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from graphcontract.client import Redactor
from graphcontract.contract import API_ENV, load_contract
from graphcontract.report.combined import combine, facet_section, write_combined
from graphcontract.runner.config import RunConfig
from graphcontract.runner.interrupt import last_signal, was_stopped

ArgumentsFor = Callable[[RunConfig, str], list[str]]


def facet_command(command: str, facet: str) -> str:
    """The rerun command of one facet: the run's own with ``--api FACET``."""
    return f"{command} --api {facet}"


def run_facet(facet: str, argv: list[str], tell: Callable[[str], None], secrets_: Redactor) -> int:
    """One facet's pytest session in a child process; its output goes through ``tell``
    (redacted like the run's own)."""
    env = {**os.environ, API_ENV: facet}
    with subprocess.Popen(
        [sys.executable, "-m", "pytest", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="backslashreplace",
    ) as child:
        assert child.stdout is not None
        try:
            for line in child.stdout:
                tell(secrets_.text(line.rstrip("\n")))
        except KeyboardInterrupt:
            # Ctrl-C reached the child too (one process group); a SIGTERM sent to this process
            # alone is passed on as Ctrl-C, so the child restores its position and reports.
            if last_signal() == signal.SIGTERM:
                child.send_signal(signal.SIGINT)
            for line in child.stdout:
                tell(secrets_.text(line.rstrip("\n")))
        return child.wait()


def _redact(path: Path, secrets_: Redactor) -> None:
    """Remove the secrets from a file pytest wrote (JUnit messages quote the target's data)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return
    if secrets_.text(text) != text:
        path.write_text(secrets_.text(text), encoding="utf-8")


def run_all(
    cfg: RunConfig,
    args: argparse.Namespace,
    facets: list[str],
    arguments_for: ArgumentsFor,
    tell: Callable[[str], None],
    secrets_: Redactor,
) -> Path:
    """Check every facet in ``facets`` on ``cfg``'s target; returns the combined report.json.
    ``arguments_for(cfg, facet)`` gives one facet's pytest arguments."""
    assert cfg.run_id is not None
    folder = cfg.report_dir / cfg.run_id
    started = datetime.now(UTC)
    clock = time.monotonic()
    sections = []
    for facet in facets:
        path = load_contract(facet=facet).me_collection + "/{id}"
        tell(f"graphcontract: {facet} ({path})")
        facet_cfg = cfg.with_target(report_dir=folder, run_id=facet)
        code = run_facet(facet, arguments_for(facet_cfg, facet), tell, secrets_)
        _redact(folder / facet / "junit.xml", secrets_)
        sections.append(facet_section(facet, folder / facet, path, code))
        if was_stopped():
            break  # interrupted: the facets not begun are not checked (the verdict says so)
    report = combine(
        sections,
        profile=args.profile,
        started=started.isoformat(),
        duration_s=time.monotonic() - clock,
    )
    return write_combined(report, folder, facets, redact=secrets_.text)
