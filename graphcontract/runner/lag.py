"""Reads that lag behind writes: how long a read that disagrees with a write is polled, how a
learned lag is waited out, and which examples read back once it is learned.

Once a replica's lag is learned (runner/target.py ``read_after``), waiting it out after every
write would make a run's time the lag times its writes. ``ReadBacks`` decides which examples
still read the state after their writes (the first SAMPLE_FIRST, then every SAMPLE_EVERY-th)
and counts what was read back and waited, for ``persisted``'s record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from graphcontract.client import Exchange
from graphcontract.oracles.verdict import Verdict

SETTLE_BUDGET_S = 1.55
"""How long a read that disagrees with the write just answered is read again for, at most (a
replica lagging behind the write), before the write counts as not kept."""
POLL_FIRST_S, POLL_GROWTH = 0.02, 1.1
"""Pauses between those reads: 20 ms, then each a tenth longer (a lag is known to within a
tenth from the read that agreed; about 20 reads, once in a run)."""
LAG_MARGIN = 1.05
"""A learned lag is waited out with a twentieth more, before the one read after a write."""
SAMPLE_FIRST = 3
"""Once a lag is learned, the first examples after it all read back (waiting it)."""
SAMPLE_EVERY = 40
"""After those, every this-many-th example reads back; the others take a write's 200 answer as
the state after it (the final restore still waits the lag and reads the whole position).
About 10 of a ``ci`` run's ~450 examples: a 300 ms lag costs a few seconds, not minutes."""


def poll_pauses(budget_s: float = SETTLE_BUDGET_S) -> tuple[float, ...]:
    """The pauses between re-reads of a lagging position, ``budget_s`` in all."""
    pauses: list[float] = []
    pause = POLL_FIRST_S
    while sum(pauses) + pause < budget_s:
        pauses.append(round(pause, 4))
        pause *= POLL_GROWTH
    pauses.append(round(budget_s - sum(pauses), 4))
    return tuple(pauses)


SETTLE_DELAYS_S = poll_pauses()


@dataclass
class ReadBacks:
    """Which examples read back once a lag is learned, and what that cost."""

    examples: int = 0
    """Examples (one request, or a sequence of writes) since a lag was learned."""
    read_back: int = 0
    """Of those, the ones that read the state after their writes (waiting the lag)."""
    current: bool = True
    """Whether the current example reads back: a sequence reads between its writes only then."""
    waits: int = 0
    """How many times a learned lag (or what was left of it) was waited out."""
    last_write_s: float | None = None
    """When the last PATCH (accepted or not) was answered (monotonic seconds)."""

    def on_exchange(self, exchange: Exchange) -> None:
        if exchange.request.method == "PATCH":
            self.last_write_s = time.monotonic()

    def due(self, learned: bool) -> bool:
        """Whether the next example reads back: always until a lag is ``learned``; then the
        first SAMPLE_FIRST and every SAMPLE_EVERY-th after them."""
        if not learned:
            self.current = True
            return True
        index = self.examples
        self.examples += 1
        due = index < SAMPLE_FIRST or (index - SAMPLE_FIRST) % SAMPLE_EVERY == SAMPLE_EVERY - 1
        self.read_back += due
        self.current = due
        return due

    def sleep(self, seconds: float) -> None:
        """Wait out a lag (counted)."""
        if seconds > 0:
            self.waits += 1
            time.sleep(seconds)

    def left_of(self, lag_s: float) -> float:
        """What is left of ``lag_s`` (with LAG_MARGIN) since the last PATCH."""
        if self.last_write_s is None:
            return 0.0
        return self.last_write_s + lag_s * LAG_MARGIN - time.monotonic()

    def verdict(self, lag_s: float | None) -> Verdict | None:
        """persisted's record of the sampling (None when no example came after a lag)."""
        if not self.examples or lag_s is None:
            return None
        return Verdict.observed(
            "persisted",
            "read-backs sampled once a read-after-write lag was learned: the others are "
            "judged on their answers, the final restore waits the lag and reads",
            f"lag {lag_s * 1000:.0f} ms; read back {self.read_back} of {self.examples} "
            f"examples after it; {self.waits} waits in all",
        )


def lag_observed(waited_s: float, exchange: Exchange) -> Verdict:
    """persisted's record of a lag learned on ``exchange``."""
    return Verdict.observed(
        "persisted",
        "a GET agreed with the write's answer only when read again (read-after-write lag);"
        " judged on the read that agreed",
        f"lag learned: {waited_s * 1000:.0f} ms (waited out before later reads after writes)",
        exchange,
    )
