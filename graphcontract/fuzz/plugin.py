"""The pytest plugin inside every campaign worker (``-p graphcontract.fuzz.plugin``; inert
without ``--gc-fuzz-dir``).

Hypothesis has no wall-clock limit, so each ``@given`` test's inner function is wrapped
(``test.hypothesis.inner_test``, Hypothesis's hook for plugins; the database key is kept):
before every example it checks the campaign deadline, the test's time slice and the STOP file
the campaign writes on Ctrl-C / SIGTERM, and skips the rest of the test when one is spent (a
test that is shrinking a failure gets a grace period first). After every example it labels
the example with ``event()`` (status, error code, clause outcomes) and steers generation with
``target()`` (longest string, nesting depth, properties sent, latency). Counters and failures
go to ``<campaign>/progress/<round>-<worker>.json`` (atomically, twice a second at most), which
the campaign reads for its progress line and report. The session fixture of
graphcontract.plugin still owns the target: its teardown restores the position.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, target
from hypothesis.errors import HypothesisException

from graphcontract.client import Exchange
from graphcontract.contract import load_contract
from graphcontract.fuzz.stats import Coverage
from graphcontract.runner.session import Example, Session
from graphcontract.types import json_text

STOP_FILE = "STOP"
PROGRESS_DIR = "progress"
MIN_SLICE_S = 2.0
SHRINK_GRACE_S = 30.0
FLUSH_EVERY_S = 0.5
MAX_FAILING_TESTS = 50
WORKER_KEY = pytest.StashKey["CampaignWorker"]()
_MARK = "_graphcontract_campaign"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("graphcontract-fuzz", "graphcontract: fuzz campaign workers")
    group.addoption("--gc-fuzz-dir", help="Campaign folder (turns campaign mode on).")
    group.addoption("--gc-fuzz-deadline", type=float, help="End of the budget (Unix time).")
    group.addoption("--gc-fuzz-round", default="round-01", help="Name of this round.")


def pytest_configure(config: pytest.Config) -> None:
    folder = config.getoption("--gc-fuzz-dir")
    if not folder:
        return
    if config.getoption("dist", "no") != "no" and not hasattr(config, "workerinput"):
        return  # the xdist controller runs no tests
    deadline = config.getoption("--gc-fuzz-deadline") or time.time() + 60.0
    worker = CampaignWorker(config, Path(folder), deadline, config.getoption("--gc-fuzz-round"))
    config.stash[WORKER_KEY] = worker
    config.pluginmanager.register(worker, "graphcontract-fuzz-worker")


@pytest.fixture(autouse=True)
def _graphcontract_campaign(request: pytest.FixtureRequest) -> None:
    """Attach the campaign's exchange hook to the session (once) in campaign mode."""
    worker = request.config.stash.get(WORKER_KEY, None)
    if worker is not None and request.node.get_closest_marker("clauses") is not None:
        worker.attach(request.getfixturevalue("gc_session"))


@dataclass
class TestClock:
    nodeid: str
    started: float
    examples: int = 0
    failing_since: float | None = None


class CampaignWorker:
    """One worker process's share of a campaign."""

    def __init__(self, config: pytest.Config, folder: Path, deadline: float, round_: str) -> None:
        info = getattr(config, "workerinput", {})
        self.folder = folder
        self.deadline = deadline
        self.round = round_
        self.worker = str(info.get("workerid", "main"))
        self.workers = int(info.get("workercount", 1))
        self.slice_s = MIN_SLICE_S
        self.session: Session | None = None
        self.clock: TestClock | None = None
        self.coverage = Coverage(load_contract())
        self.requests = 0
        self.examples = 0
        self.status_counts: Counter[str] = Counter()
        self.events: dict[str, Counter[str]] = {}
        self.failed_clauses: set[str] = set()
        self.failing_tests: list[dict[str, Any]] = []
        self.tests = Counter[str]()
        self._example_exchanges: list[Exchange] | None = None
        self._counted: Example | None = None
        self._last_flush = 0.0
        self.path = folder / PROGRESS_DIR / f"{round_}-{self.worker}.json"

    # -- time -------------------------------------------------------------------------------
    def stop_requested(self) -> bool:
        return (self.folder / STOP_FILE).exists()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Wrap every selected ``@given`` test; its slice is its share of the budget."""
        given = 0
        for item in session.items:
            hypothesis = getattr(getattr(item, "obj", None), "hypothesis", None)
            if hypothesis is None:
                continue
            given += 1
            if not getattr(hypothesis.inner_test, _MARK, False):
                hypothesis.inner_test = self.wrap(hypothesis.inner_test)
        remaining = max(0.0, self.deadline - time.time())
        self.slice_s = max(MIN_SLICE_S, remaining * self.workers / max(1, given))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.stop_requested():
            pytest.skip("campaign stopped (Ctrl-C / SIGTERM)")
        if time.time() >= self.deadline:
            pytest.skip("campaign time budget spent")
        self.clock = TestClock(item.nodeid, time.time())

    def before_example(self) -> None:
        clock = self.clock or TestClock("", time.time())
        if self.stop_requested():
            pytest.skip(f"campaign stopped (Ctrl-C / SIGTERM) after {clock.examples} examples")
        now = time.time()
        if now >= self.deadline or now - clock.started >= self.slice_s:
            shrinking = clock.failing_since is not None
            if not shrinking or now - (clock.failing_since or now) >= SHRINK_GRACE_S:
                pytest.skip(f"time slice spent after {clock.examples} examples")
        clock.examples += 1
        self.examples += 1

    def wrap(self, inner: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(inner)
        def campaign_example(*args: Any, **kwargs: Any) -> Any:
            self.before_example()
            self._example_exchanges = []
            before = self._clause_counts()
            failed = False
            try:
                return inner(*args, **kwargs)
            except Exception as exc:
                failed = not isinstance(exc, HypothesisException)  # assume()/reject() are not
                raise
            finally:
                self.after_example(failed, before)

        setattr(campaign_example, _MARK, True)
        return campaign_example

    # -- observing --------------------------------------------------------------------------
    def attach(self, session: Session) -> None:
        if self.session is session:
            return
        self.session = session
        session.target.client.hooks.append(self.on_exchange)

    def on_exchange(self, exchange: Exchange) -> None:
        self.requests += 1 + exchange.throttle_waits
        self.status_counts[str(exchange.status)] += 1
        if self._example_exchanges is not None:
            self._example_exchanges.append(exchange)
        current = self.session.current if self.session is not None else None
        if exchange.request.method == "PATCH" and current is not self._counted:
            self._counted = current
            self.coverage.add_body(exchange.request.body)
        self.flush()

    def _clause_counts(self) -> dict[str, tuple[int, int, int]]:
        if self.session is None:
            return {}
        return {
            cid: (t.passed, t.failed, t.observed)
            for cid, t in self.session.recorder.clauses.items()
        }

    def after_example(self, failed: bool, before: dict[str, tuple[int, int, int]]) -> None:
        exchanges, self._example_exchanges = self._example_exchanges or [], None
        if failed and self.clock is not None and self.clock.failing_since is None:
            self.clock.failing_since = time.time()
        labels = []
        sent = next((e for e in exchanges if e.request.method == "PATCH"), None)
        if sent is not None:
            labels.append(("status", str(sent.status)))
            error = (sent.json_object() or {}).get("error")
            if isinstance(error, dict) and isinstance(error.get("code"), str):
                labels.append(("error code", error["code"]))
            _guide(sent)
        for cid, (passed, fails, observed) in self._clause_counts().items():
            old = before.get(cid, (0, 0, 0))
            if fails > old[1]:
                labels.append(("clause", f"{cid} failed"))
                if self._is_must(cid):
                    self.failed_clauses.add(cid)
            elif observed > old[2]:
                labels.append(("clause", f"{cid} observed"))
            elif passed > old[0]:
                labels.append(("clause", f"{cid} passed"))
        test = self.events.setdefault(self.clock.nodeid if self.clock else "", Counter())
        for label, value in labels:
            event(label, value)
            test[f"{label}: {value}"] += 1
        self.flush()

    def _is_must(self, clause: str) -> bool:
        spec = load_contract().clauses.get(clause)
        return spec is None or spec.level == "must"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == "graphcontract" and isinstance(value, dict):
                for cid, tally in value.get("clauses", {}).items():
                    if tally.get("failed") and self._is_must(cid):
                        self.failed_clauses.add(cid)
        if report.when == "call" or report.outcome == "failed":
            self.tests[report.outcome] += 1
        if report.failed and len(self.failing_tests) < MAX_FAILING_TESTS:
            self.failing_tests.append(_failing_test(report, self.round, self.worker))
        self.flush(force=report.when == "teardown")

    def pytest_sessionfinish(self) -> None:
        self.flush(force=True, finished=True)

    def flush(self, *, force: bool = False, finished: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_flush < FLUSH_EVERY_S:
            return
        self._last_flush = now
        data = {
            "round": self.round,
            "worker": self.worker,
            "pid": os.getpid(),
            "updated": time.time(),
            "finished": finished,
            "requests": self.requests,
            "examples": self.examples,
            "status_counts": dict(self.status_counts),
            "tests": dict(self.tests),
            "failed_clauses": sorted(self.failed_clauses),
            "failing_tests": self.failing_tests,
            "events": {test: dict(counts) for test, counts in self.events.items()},
            "coverage": self.coverage.to_dict(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json_text(data), encoding="utf-8")
        os.replace(tmp, self.path)


def _guide(sent: Exchange) -> None:
    """Targets that steer generation towards long strings, deep and wide bodies, slow answers."""
    try:
        body = json.loads(sent.request.body.decode("utf-8")) if sent.request.body else None
    except (UnicodeDecodeError, ValueError):
        body = None
    longest, depth, leaves = _measure(body)
    target(float(longest), label="longest string sent")
    target(float(depth), label="nesting depth")
    target(float(leaves), label="values sent")
    target(round(sent.response.elapsed_s * 1000, 1), label="latency ms")


def _measure(value: Any, depth: int = 0) -> tuple[int, int, int]:
    """(longest string, object nesting depth, number of scalar values) of a JSON value."""
    if isinstance(value, str):
        return len(value), depth, 1
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        inner = depth + 1 if isinstance(value, dict) else depth
        measured = [_measure(item, inner) for item in items] or [(0, inner, 0)]
        return (
            max(m[0] for m in measured),
            max(m[1] for m in measured),
            sum(m[2] for m in measured),
        )
    return 0, depth, 1


def _failing_test(report: pytest.TestReport, round_: str, worker: str) -> dict[str, Any]:
    text = report.longreprtext or ""
    lines = text.splitlines()
    falsifying: list[str] = []
    for index, line in enumerate(lines):
        if line.lstrip("E ").startswith("Falsifying"):
            for follow in lines[index : index + 30]:
                if not follow.strip() and falsifying:
                    break
                falsifying.append(follow.removeprefix("E").strip())
            break
    reproduce = next((ln.strip() for ln in lines if "@reproduce_failure" in ln), None)
    first_error = next((ln[1:].strip() for ln in lines if ln.startswith("E ")), "")
    return {
        "test": report.nodeid,
        "when": report.when,
        "round": round_,
        "worker": worker,
        "error": first_error[:300],
        "falsifying_example": "\n".join(falsifying)[:4000],
        "reproduce_failure": reproduce,
    }
