"""The harness's own steps for ``graphcontract run --verbose`` (``--gc-steps``): each request
sent with the status that came back, and the verdicts each example reached, one line each.

A ``StepLog`` lives in every process that sends requests; the plugin drains it into each
test's report, so the controller prints the steps of xdist workers as well as its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from graphcontract.client import Exchange
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.console import request_line, shorten
from graphcontract.types import printable

MAX_NAMES = 6
"""Clause ids named on a ``pass`` line before the rest are counted."""
PHASES = {"setup": "before ", "call": "", "teardown": "after "}
"""How a header names the phase of a test its steps were taken in."""
NOT_A_FAILURE = {
    "doc": "documentation finding",
    "observe": "gray zone (never fails a run)",
}
"""How a failed verdict of a clause that cannot fail the run is named: never ``FAIL``."""


class StepLog:
    """Lines describing what the harness did since the last ``drain``."""

    def __init__(self, base_url: str, levels: Mapping[str, str] | None = None) -> None:
        """``levels``: each clause's level as the run judges it (``must`` for one a policy
        pins); a clause not named is a must clause."""
        self.base_url = base_url
        self.levels = dict(levels or {})
        self.lines: list[str] = []
        self._verdicts: list[Verdict] = []

    def exchange(self, exchange: Exchange) -> None:
        """A request went out and its answer came back (a client hook)."""
        self._flush()
        record = exchange.to_dict(max_body=400)
        waits = exchange.throttle_waits
        waited = f", after {waits} throttle wait(s)" if waits else ""
        took = record["response"]["elapsed_ms"]
        self.lines.append(
            f"  {request_line(record['request'], self.base_url)} -> "
            f"{exchange.status} ({took:.0f} ms{waited})"
        )

    def verdict(self, verdict: Verdict) -> None:
        """An oracle's verdict was recorded (grouped into one line per example)."""
        self._verdicts.append(verdict)

    def drain(self) -> list[str]:
        self._flush()
        lines, self.lines = self.lines, []
        return [printable(line) for line in lines]

    def _flush(self) -> None:
        if not self._verdicts:
            return
        passed = Counter(v.clause for v in self._verdicts if v.outcome == "pass")
        if passed:
            names = sorted(passed)
            shown = ", ".join(names[:MAX_NAMES])
            more = f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else ""
            self.lines.append(f"    pass: {shown}{more}")
        for verdict in self._verdicts:
            if verdict.outcome == "fail":
                label = NOT_A_FAILURE.get(self.levels.get(verdict.clause, "must"), "FAIL")
                self.lines.append(f"    {label} {verdict.clause}: {shorten(verdict.title)}")
            elif verdict.outcome == "observed":
                self.lines.append(f"    observed {verdict.clause}: {shorten(verdict.title)}")
        self._verdicts = []


def step_header(item: Any, when: str) -> str:
    """The line above a test's steps, in the harness's words: what the test checks (its name
    as a sentence, its case) and the clauses it judges; pytest's node id is for ``-vv``."""
    name = str(getattr(item, "originalname", None) or item.name)
    purpose = name.removeprefix("test_").replace("_", " ")
    callspec = getattr(item, "callspec", None)
    case = f" [{callspec.id}]" if callspec is not None else ""
    marker = item.get_closest_marker("clauses")
    names = [str(arg) for arg in marker.args] if marker is not None else []
    more = f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else ""
    clauses = f" ({', '.join(names[:MAX_NAMES])}{more})" if names else ""
    return f"{PHASES.get(when, when + ' ')}{purpose}{case}{clauses}:"
