"""A campaign: rounds of the contract suite (pytest, ``fuzz`` profile, ``-n N`` workers) in a
child process group until the wall-clock budget is spent, with a live progress line.

Each round is ``python -m pytest`` on the suite with graphcontract.plugin (which starts one
bundled mock per worker when no base URL is given, keeps the restore journal and restores the
position at the end) and graphcontract.fuzz.plugin (time slices, events, progress files).
A round ends when its tests are done or skipped; the next one starts while budget remains, so
a test that found a failure early is replayed and the others keep fuzzing. Stopping (Ctrl-C,
SIGTERM) writes the STOP file: workers skip what is left, tear down (restoring the position)
and write their reports. A round that does not end in time is interrupted (SIGINT to its
process group, then SIGKILL) and its restore journals are replayed from here.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.text import Text

from graphcontract.fuzz.plugin import PROGRESS_DIR, SHRINK_GRACE_S, STOP_FILE

MIN_ROUND_S = 5.0
"""Do not start a round with less budget left than this (startup alone takes seconds)."""
MIN_DURATION_S = MIN_ROUND_S + 1.0
"""The shortest --duration: a first round's budget plus a second for the campaign's start."""
STOP_GRACE_S = 30.0
INTERRUPT_GRACE_S = 15.0
POLL_S = 0.25
ROUND_OK = (0, 1, 2)
"""pytest exit codes of a round that ran (passed, failed, interrupted by our stop)."""
PLAIN_EVERY_S = 5.0


@dataclass
class CampaignPlan:
    campaign_id: str
    folder: Path
    duration_s: float
    workers: int
    database: str
    pytest_args: list[str]
    """Everything but the per-round options: suite, config, --gc-* target options, -k …"""
    env: dict[str, str]
    label: str
    exitfirst: bool = False
    base_url: str | None = None
    """Set for an external target: a killed round's journals are replayed against it."""
    token_env: str | None = None


@dataclass
class RoundResult:
    name: str
    exit_code: int | None
    started: float
    ended: float
    interrupted: bool = False
    killed: bool = False
    restores: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Snapshot:
    elapsed_s: float
    budget_s: float
    round: str
    requests: int
    examples: int
    failed_clauses: list[str]

    def line(self, workers: int) -> str:
        rate = self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0
        fails = f"{len(self.failed_clauses)}"
        if self.failed_clauses:
            fails += " (" + ", ".join(self.failed_clauses[:4])
            fails += ", …)" if len(self.failed_clauses) > 4 else ")"
        return (
            f"fuzz {_clock(self.elapsed_s)}/{_clock(self.budget_s)} {self.round} x{workers} | "
            f"requests {self.requests:,} ({rate:,.1f}/s) | examples {self.examples:,} | "
            f"failures {fails}"
        )


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}:" if hours else "") + f"{rest // 60:02d}:{rest % 60:02d}"


def read_progress(folder: Path) -> list[dict[str, Any]]:
    """Every worker's progress file of every round so far."""
    out = []
    for path in sorted((folder / PROGRESS_DIR).glob("*.json")):
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # being replaced right now; next poll
    return out


class ProgressLine:
    """A rich Live line on a terminal; a plain line every few seconds otherwise."""

    def __init__(self, workers: int, console: Console | None = None) -> None:
        self.workers = workers
        self.console = console or Console()
        self.live: Live | None = None
        self._last_plain = 0.0
        self._last_text = ""

    def __enter__(self) -> ProgressLine:
        if self.console.is_terminal:
            self.live = Live(Text(""), console=self.console, refresh_per_second=4)
            self.live.start()
        return self

    def update(self, snapshot: Snapshot) -> None:
        self._last_text = snapshot.line(self.workers)
        if self.live is not None:
            self.live.update(Text(self._last_text, no_wrap=True, overflow="ellipsis"))
        elif time.monotonic() - self._last_plain >= PLAIN_EVERY_S:
            self._last_plain = time.monotonic()
            print(self._last_text, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()
        elif self._last_text:
            print(self._last_text, flush=True)


@dataclass
class Campaign:
    plan: CampaignPlan
    progress: ProgressLine
    rounds: list[RoundResult] = field(default_factory=list)
    stop_signal: int | None = None
    started: float = field(default_factory=time.time)
    _process: subprocess.Popen[bytes] | None = None
    _signals: int = 0

    @property
    def deadline(self) -> float:
        return self.started + self.plan.duration_s

    def request_stop(self, signum: int, _frame: Any = None) -> None:
        """Signal handler: the first signal stops gracefully, a second one interrupts."""
        self._signals += 1
        self.stop_signal = self.stop_signal or signum
        self._write_stop()
        if self._signals > 1 and self._process is not None:
            self._signal_group(signal.SIGINT)

    def run(self) -> list[RoundResult]:
        number = 0
        while self.stop_signal is None and time.time() < self.deadline - MIN_ROUND_S:
            number += 1
            result = self._round(f"round-{number:02d}")
            self.rounds.append(result)
            if result.exit_code not in ROUND_OK or result.killed:
                break  # no tests selected, internal or usage error: the next round would too
            if self.plan.exitfirst and result.exit_code == 1:
                break
        return self.rounds

    def _round(self, name: str) -> RoundResult:
        folder = self.plan.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "pytest", *self.plan.pytest_args,
            "-p", "graphcontract.fuzz.plugin",
            "--gc-report-dir", str(self.plan.folder), "--gc-run-id", name,
            "--gc-database", self.plan.database,
            "--gc-fuzz-dir", str(self.plan.folder), "--gc-fuzz-round", name,
            "--gc-fuzz-deadline", f"{self.deadline:.3f}",
            "--hypothesis-profile", "fuzz", "--hypothesis-show-statistics",
            "--junitxml", str(folder / "junit.xml"),
            "-q", "-rN", "--tb=short", "-p", "no:warnings",
        ]  # fmt: skip
        if self.plan.workers > 1:
            command += ["-n", str(self.plan.workers)]
        started = time.time()
        with open(folder / "pytest.log", "wb") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=self.plan.env,
                start_new_session=True,
            )  # fmt: skip
            result = self._wait(name, started)
        self._process = None
        return result

    def _wait(self, name: str, started: float) -> RoundResult:
        process = self._process
        assert process is not None
        result = RoundResult(name, None, started, started)
        stop_seen: float | None = None
        while process.poll() is None:
            self.progress.update(self.snapshot(name))
            now = time.time()
            if self.stop_signal is not None and stop_seen is None:
                stop_seen = now
            late = now > self.deadline + SHRINK_GRACE_S + STOP_GRACE_S
            if late or (stop_seen is not None and now > stop_seen + STOP_GRACE_S):
                result.interrupted = True
                result.killed = self._interrupt(process)
                break
            time.sleep(POLL_S)
        result.exit_code = process.wait()
        result.ended = time.time()
        if result.killed and self.plan.base_url is not None:
            result.restores = restore_from_journals(
                self.plan.folder / name, os.environ.get(self.plan.token_env or "")
            )
        self.progress.update(self.snapshot(name))
        return result

    def _interrupt(self, process: subprocess.Popen[bytes]) -> bool:
        """SIGINT to the round's process group (pytest tears down and restores), SIGKILL if
        it does not end; True when it had to be killed."""
        self._signal_group(signal.SIGINT)
        try:
            process.wait(timeout=INTERRUPT_GRACE_S)
            return False
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            process.wait()
            return True

    def _signal_group(self, signum: int) -> None:
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signum)

    def _write_stop(self) -> None:
        with contextlib.suppress(OSError):
            (self.plan.folder / STOP_FILE).write_text(
                f"stopped by signal {self.stop_signal}\n", encoding="utf-8"
            )

    def snapshot(self, round_name: str) -> Snapshot:
        progress = read_progress(self.plan.folder)
        failed = sorted({c for p in progress for c in p.get("failed_clauses", [])})
        return Snapshot(
            elapsed_s=time.time() - self.started,
            budget_s=self.plan.duration_s,
            round=round_name,
            requests=sum(int(p.get("requests", 0)) for p in progress),
            examples=sum(int(p.get("examples", 0)) for p in progress),
            failed_clauses=failed,
        )


def install_signal_handlers(handler: Callable[[int, Any], None]) -> Callable[[], None]:
    """Route SIGINT and SIGTERM to ``handler``; returns a function putting the old ones back."""
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


def restore_from_journals(folder: Path, token: str | None) -> list[dict[str, Any]]:
    """Put the position back from every restore journal of a round that had to be killed."""
    from graphcontract.client import GraphClient, Redactor
    from graphcontract.contract import load_contract
    from graphcontract.errors import HarnessError
    from graphcontract.runner.journal import check_journal, read_journal
    from graphcontract.runner.target import Target

    records = []
    for path in sorted(folder.glob("restore-journal-*.json")):
        record: dict[str, Any] = {"when": "after a killed round", "journal": str(path)}
        try:
            contract = load_contract()
            base_url, position_id, snapshot = check_journal(path, read_journal(path), contract)
            client = GraphClient(base_url, token=token, redactor=Redactor([token]))
            with client:
                target = Target(contract, client, position_id)
                result = target.restore_journalled(snapshot)
            record.update(
                verified=result.verified,
                differences=[*result.differences, *result.not_restored],
            )
        except HarnessError as exc:
            record.update(verified=False, differences=[f"restore failed: {exc}"])
        records.append(record)
    return records
