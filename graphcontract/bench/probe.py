"""A pytest plugin the bench loads into ``graphcontract run`` (``PYTEST_ADDOPTS=-p …probe``).

It observes the harness from outside, without changing what it does:
- counts requests (every exchange the run's ``Recorder`` records) and examples
  (every ``Session.example()`` entered);
- notes, per clause, the moment and the request count of its FIRST failing verdict, so the
  bench can say how much traffic the harness needed before it caught a fault;
- with ``GRAPHCONTRACT_BENCH_MAX_EXAMPLES=N``, loads a copy of the chosen Hypothesis profile
  with ``max_examples=N`` (the max_examples scaling runs);
- with ``GRAPHCONTRACT_BENCH_STOP_WHEN=clause,clause``, ends the run after the test during
  which the last of those clauses got its first failing verdict (``--quick`` detection: a
  fault is found once all its clauses failed; the session's teardown, restore and report run
  as usual).

Each process (every xdist worker too) writes ``trace-<worker>-<pid>.json`` into the directory
named by ``GRAPHCONTRACT_BENCH_TRACE`` at the end. When a hooked method is missing (the
harness changed), the trace says so and the bench reports those figures as unknown.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

TRACE_ENV = "GRAPHCONTRACT_BENCH_TRACE"
MAX_EXAMPLES_ENV = "GRAPHCONTRACT_BENCH_MAX_EXAMPLES"
STOP_WHEN_ENV = "GRAPHCONTRACT_BENCH_STOP_WHEN"
PLUGIN = "graphcontract.bench.probe"


class Trace:
    """What one process saw."""

    def __init__(self) -> None:
        self.requests = 0
        self.examples = 0
        self.first_failures: dict[str, dict[str, float | int]] = {}
        self.hooked: list[str] = []
        self.missing: list[str] = []
        self.stop_when: frozenset[str] = frozenset()
        self.stopped_at: int | None = None
        """Requests sent when the run was told to stop (None: it ran to its end)."""

    @property
    def all_stop_clauses_failed(self) -> bool:
        return bool(self.stop_when) and self.stop_when <= self.first_failures.keys()

    def on_exchange(self) -> None:
        self.requests += 1

    def on_verdict(self, clause: str, outcome: str) -> None:
        if outcome == "fail" and clause not in self.first_failures:
            self.first_failures[clause] = {
                "time": time.time(),
                "requests": self.requests,
                "examples": self.examples,
            }

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "examples": self.examples,
            "first_failures": self.first_failures,
            "hooked": self.hooked,
            "missing": self.missing,
            "stopped_at": self.stopped_at,
        }


TRACE = Trace()
_RESTORE: list[Callable[[], None]] = []


def _wrap(owner: type, name: str, make: Callable[[Any], Any]) -> None:
    original = getattr(owner, name, None)
    label = f"{owner.__name__}.{name}"
    if original is None:
        TRACE.missing.append(label)
        return
    setattr(owner, name, make(original))
    TRACE.hooked.append(label)
    _RESTORE.append(lambda: setattr(owner, name, original))


def _install() -> None:
    from graphcontract.runner.recorder import Recorder
    from graphcontract.runner.session import Session

    def exchange_hook(original: Callable[..., Any]) -> Callable[..., Any]:
        def record_exchange(self: Any, exchange: Any, *args: Any, **kwargs: Any) -> Any:
            TRACE.on_exchange()
            return original(self, exchange, *args, **kwargs)

        return record_exchange

    def verdict_hook(original: Callable[..., Any]) -> Callable[..., Any]:
        def record(self: Any, verdict: Any, *args: Any, **kwargs: Any) -> Any:
            TRACE.on_verdict(
                str(getattr(verdict, "clause", "")), str(getattr(verdict, "outcome", ""))
            )
            return original(self, verdict, *args, **kwargs)

        return record

    def example_hook(original: Callable[..., Any]) -> Callable[..., Any]:
        def example(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            TRACE.examples += 1
            return original(self, *args, **kwargs)  # type: ignore[no-any-return]

        return example

    _wrap(Recorder, "record_exchange", exchange_hook)
    _wrap(Recorder, "record", verdict_hook)
    _wrap(Session, "example", example_hook)


def _load_max_examples_profile(value: str) -> None:
    from hypothesis import settings

    try:
        count = int(value)
    except ValueError:
        raise pytest.UsageError(f"{MAX_EXAMPLES_ENV} must be an integer, got {value!r}") from None
    current = settings.get_current_profile_name()
    name = f"bench-{current}-{count}"
    settings.register_profile(name, parent=settings.get_profile(current), max_examples=count)
    settings.load_profile(name)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    value = os.environ.get(MAX_EXAMPLES_ENV)
    if value:
        _load_max_examples_profile(value)
    TRACE.stop_when = frozenset(c for c in os.environ.get(STOP_WHEN_ENV, "").split(",") if c)
    _install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    outcome = yield
    if TRACE.all_stop_clauses_failed and TRACE.stopped_at is None:
        TRACE.stopped_at = TRACE.requests
        item.session.shouldstop = (
            f"{', '.join(sorted(TRACE.stop_when))} failed (bench: stop when found)"
        )
    return outcome


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = os.environ.get(TRACE_ENV)
    while _RESTORE:
        _RESTORE.pop()()
    if not folder:
        return
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    path = Path(folder) / f"trace-{worker}-{os.getpid()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(TRACE.to_dict()), encoding="utf-8")


def merge_traces(folder: Path) -> dict[str, Any]:
    """Fold every process's trace in ``folder`` into one (earliest first failure wins)."""
    merged: dict[str, Any] = {
        "requests": 0,
        "examples": 0,
        "first_failures": {},
        "complete": True,
        "files": 0,
        "stopped": False,
    }
    for path in sorted(folder.glob("trace-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        merged["files"] += 1
        merged["requests"] += data["requests"]
        merged["examples"] += data["examples"]
        if data.get("missing"):
            merged["complete"] = False
        if data.get("stopped_at") is not None:
            merged["stopped"] = True
        for clause, first in data["first_failures"].items():
            seen = merged["first_failures"].get(clause)
            if seen is None or first["time"] < seen["time"]:
                merged["first_failures"][clause] = first
    if not merged["files"]:
        merged["complete"] = False
    return merged
