"""Whether the target's reads show its state: the check made before the first write (the
position read again with no write between), its one verdict (``reads.stable``), and the
clauses that cannot be judged on a target whose reads are not stable.

A service that answers every GET with freshly generated data (a mock in a dynamic-example
mode) or keeps no state at all gives two different answers to two reads with nothing
written between them. Comparing a state "before" with a state "after" then means nothing:
every refusal would look like a change. Such a target is reported once, as such, and the
clauses judged by comparing states say they cannot judge it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graphcontract.client import Exchange
from graphcontract.oracles.compare import differences, unchanged
from graphcontract.oracles.verdict import Verdict
from graphcontract.types import JSONObject

READS_STABLE = "reads.stable"
UNSTABLE = "reads are not stable"
"""The reason a clause that needs stable reads gives for not judging (report: skipped)."""
NEEDS_STABLE_READS = frozenset(
    {
        "atomic.rejected",
        "persisted",
        "merge.omitted-preserved",
        "merge.nested",
        "merge.recalculated",
        "merge.collections-replace",
        "merge.null-clears",
        "collections.null-vs-empty",
        "server-managed.recalculated",
        "read-only.not-applied",
        "response.id",
        "response.echo",
        "target.isolation",
        "idempotent",
    }
)
"""The clauses judged on what a request did to the position: "nothing changed", "kept",
"merged into", "recalculated from", "other positions alike", and what an accepted write's
answer says the position now holds (its id, the values sent). A service whose reads are made
up keeps no position those could be judged on (its answers are made up as well). Clauses
judged on the exchange alone (status, error envelope, the answer's shape) are judged on any
target."""


@dataclass(frozen=True)
class ReadCheck:
    """The reads of the check and whether they agree."""

    stable: bool
    reads: tuple[Exchange, ...]
    states: tuple[JSONObject, ...]

    def verdict(self) -> Verdict:
        """reads.stable: passed, or failed naming what differed between two reads."""
        last = self.reads[-1]
        if self.stable:
            return Verdict.passed(READS_STABLE, last)
        first, second = self.states[-2], self.states[-1]
        changed = [p for p in differences(first, second) if p]
        got = ", ".join(changed[:8]) if changed else "the representation (exact comparison)"
        return Verdict.failed(
            READS_STABLE,
            f"{len(self.reads)} GETs of the position with no write between them do not agree: "
            "the service generates its answers or keeps no state, so what a request changed "
            "cannot be told",
            sent=f"GET {last.request.url} {len(self.reads)} times in a row, nothing written",
            expected="the same position every time (annotations aside)",
            got=f"changed from one read to the next: {got}",
            exchange=last,
        )


def check_reads(read: Callable[[], Exchange]) -> ReadCheck | None:
    """Read the position two or three times with no write between (``read`` sends one GET):
    stable when two reads in a row agree. Two reads that differ are followed by a third, so
    that one write by someone else between the first two (a live target) is no finding;
    unstable when the third differs again. None when a read is no position (a 200 JSON
    object): the snapshot read that follows reports that."""
    reads: list[Exchange] = []
    states: list[JSONObject] = []
    for _ in range(3):
        exchange = read()
        state = exchange.json_object() if exchange.status == 200 else None
        if state is None:
            return None
        reads.append(exchange)
        states.append(state)
        if len(states) >= 2 and unchanged(states[-2], states[-1]):
            return ReadCheck(True, tuple(reads), tuple(states))
    return ReadCheck(False, tuple(reads), tuple(states))
