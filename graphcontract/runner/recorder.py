"""Tallies of a run: per-clause verdict counts, counterexamples, observations, traffic.

A ``Recorder`` lives in every process that sends requests (each xdist worker); ``drain()``
hands its data over as plain JSON-ready dicts (attached to pytest reports) and ``merge()``
folds them together on the controller, so one code path serves single-process and xdist runs.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from graphcontract.client import Exchange
from graphcontract.contract import load_contract
from graphcontract.oracles.verdict import Verdict

MAX_LATENCIES = 5000
MAX_OBSERVATIONS = 40


UNRANKED = (1, 1 << 30, 3, 0)
"""The rank of a counterexample that came without one: after every ranked one."""


@dataclass
class ClauseTally:
    """What one clause saw during the run."""

    judged: int = 0
    passed: int = 0
    failed: int = 0
    observed: int = 0
    counterexample: dict[str, Any] | None = None
    counterexample_rank: tuple[int, int, int, int] | None = None
    failure_titles: Counter[str] = field(default_factory=Counter)
    observations: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, verdict: Verdict) -> None:
        self.judged += 1
        if verdict.outcome == "pass":
            self.passed += 1
        elif verdict.outcome == "fail":
            self.failed += 1
            self.failure_titles[verdict.title] += 1
            steps = 0 if verdict.history is None else verdict.history.steps
            rank = (int(verdict.knock_on), steps, *plainness(verdict.exchange))
            self._offer(_counterexample(verdict), rank)
        else:
            self.observed += 1
            seen = self.observations.get(verdict.title)
            if seen is not None:
                seen["count"] += 1
            elif len(self.observations) < MAX_OBSERVATIONS:
                self.observations[verdict.title] = {
                    "count": 1,
                    "message": verdict.message,
                    "example": _counterexample(verdict),
                }

    def to_dict(self) -> dict[str, Any]:
        return {
            "judged": self.judged,
            "passed": self.passed,
            "failed": self.failed,
            "observed": self.observed,
            "counterexample": self.counterexample,
            "counterexample_rank": self.counterexample_rank,
            "failure_titles": dict(self.failure_titles),
            "observations": self.observations,
        }

    def merge(self, data: dict[str, Any]) -> None:
        self.judged += data["judged"]
        self.passed += data["passed"]
        self.failed += data["failed"]
        self.observed += data["observed"]
        if data["counterexample"] is not None:
            rank = data.get("counterexample_rank")
            self._offer(data["counterexample"], tuple(rank) if rank else UNRANKED)
        self.failure_titles.update(data["failure_titles"])
        for title, obs in data["observations"].items():
            if title in self.observations:
                self.observations[title]["count"] += obs["count"]
            elif len(self.observations) < MAX_OBSERVATIONS:
                self.observations[title] = obs

    def _offer(self, example: dict[str, Any], rank: tuple[int, ...]) -> None:
        """Keep the first cause, simplest first, as the clause's counterexample: a failure of
        its own before a knock-on of an earlier write (Verdict.knock_on), one request before
        a sequence and a shorter sequence before a longer one, a plain partial update before
        a probe body, a shorter body before a longer one; on a tie the later one (Hypothesis
        replays its minimal example last)."""
        ranked = (rank[0], rank[1], rank[2], rank[3])
        if self.counterexample_rank is None or ranked <= self.counterexample_rank:
            self.counterexample, self.counterexample_rank = example, ranked


def plainness(exchange: Exchange | None) -> tuple[int, int]:
    """How simple a failing request is, lower first: (0, length) for a plain partial update
    (a non-empty JSON object of updatable properties, no annotation anywhere), (1, length) for
    any other body (a probe: read-only or unknown properties, wrong types, malformed JSON),
    (2, 0) for a verdict without an exchange."""
    if exchange is None:
        return (2, 0)
    body = exchange.request.body
    try:
        value = json.loads(body) if body else None
    except ValueError:
        value = None
    updatable = set(load_contract().updatable)
    plain = (
        isinstance(value, dict) and bool(value) and set(value) <= updatable and b'"@' not in body
    )
    return (0 if plain else 1, len(body))


def _counterexample(verdict: Verdict) -> dict[str, Any]:
    record: dict[str, Any] = {"title": verdict.title, "message": verdict.message}
    if verdict.exchange is not None:
        record.update(verdict.exchange.to_dict())
    story = verdict.history
    if story is not None:
        # The requests that caused it (the exchange above may be the GET that showed it)
        # and the script replaying the sequence: its reproducer (report.build writes it).
        record["history"] = {
            "steps": story.steps,
            "together": story.together,
            "cause": [
                {**e.to_dict(max_body=1000)["request"], "status": e.status} for e in story.cause
            ],
            "replay": story.replay,
        }
    return record


class Recorder:
    """Collects verdicts and traffic in one process."""

    def __init__(self) -> None:
        self.clauses: dict[str, ClauseTally] = {}
        self.status_counts: Counter[int] = Counter()
        self.requests = 0
        self.throttle_waits = 0
        self.latencies_ms: list[float] = []
        self.restores: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.edge_cases: set[str] = set()
        """``kind|site|case`` of every edge-case catalog entry sent (strategies.edge_cases)."""
        self.unjudged: dict[str, str] = {}
        """Clauses the run could not judge on this target, with the reason (reads.py)."""

    def record_exchange(self, exchange: Exchange) -> None:
        self.requests += 1 + exchange.throttle_waits
        self.throttle_waits += exchange.throttle_waits
        self.status_counts[exchange.status] += 1
        if len(self.latencies_ms) < MAX_LATENCIES:
            self.latencies_ms.append(round(exchange.response.elapsed_s * 1000, 3))

    def record(self, verdict: Verdict) -> None:
        self.clauses.setdefault(verdict.clause, ClauseTally()).add(verdict)

    def drain(self) -> dict[str, Any] | None:
        """Everything recorded since the last drain, as plain data; None when nothing was."""
        if not (
            self.requests
            or self.clauses
            or self.restores
            or self.notes
            or self.edge_cases
            or self.unjudged
        ):
            return None
        data = {
            "clauses": {cid: t.to_dict() for cid, t in self.clauses.items()},
            "status_counts": {str(k): v for k, v in self.status_counts.items()},
            "requests": self.requests,
            "throttle_waits": self.throttle_waits,
            "latencies_ms": self.latencies_ms,
            "restores": self.restores,
            "notes": self.notes,
            "edge_cases": sorted(self.edge_cases),
            "unjudged": self.unjudged,
        }
        self.__init__()  # type: ignore[misc]
        return data

    def merge(self, data: dict[str, Any]) -> None:
        for cid, tally in data["clauses"].items():
            self.clauses.setdefault(cid, ClauseTally()).merge(tally)
        for status, count in data["status_counts"].items():
            self.status_counts[int(status)] += count
        self.requests += data["requests"]
        self.throttle_waits += data["throttle_waits"]
        room = MAX_LATENCIES - len(self.latencies_ms)
        self.latencies_ms.extend(data["latencies_ms"][: max(room, 0)])
        self.restores.extend(data["restores"])
        self.notes.extend(n for n in data["notes"] if n not in self.notes)
        self.edge_cases.update(data.get("edge_cases", ()))
        self.unjudged.update(data.get("unjudged", {}))
