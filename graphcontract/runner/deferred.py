"""Refusals judged by one read (the staging profile): read only when the judgement needs it.

A refused write is judged by its answer (its clause's status) and by a read showing the
position unchanged (atomic.rejected). In a staging run, within a test that sends only
must-refuse requests (``refusal_only``), the read after each refusal is left out: the
position is taken to be as before, and the next read of it (the next test's, the final
restore's) judges atomic.rejected for every refusal since the last read at once. When that
read shows a change, the refusals are sent again one by one from the state before them, each
read back, until the one that changed the position is found: it fails atomic.rejected with its
own request and answer (the first cause), and the position is restored to that state again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphcontract.client import Exchange
from graphcontract.oracles.compare import unchanged
from graphcontract.oracles.rejection import expect_unchanged
from graphcontract.oracles.verdict import Verdict
from graphcontract.types import JSONObject

if TYPE_CHECKING:
    from graphcontract.runner.session import Session

ATOMIC = "atomic.rejected"


def refusal_only(clauses: tuple[str, ...]) -> bool:
    """A test that names atomic.rejected and no clause only an accepted write judges
    (response.echo): every request it sends must be refused."""
    return ATOMIC in clauses and "response.echo" not in clauses


@dataclass
class Pending:
    """A refusal not yet read back, and how to send it again."""

    exchange: Exchange
    send: Callable[[], Exchange]


@dataclass
class DeferredRefusals:
    """The refusals of the current run of must-refuse tests, judged by the next read."""

    enabled: bool = False
    """The staging profile, one process (with xdist workers, each example reads)."""
    allowed: bool = False
    """The current test sends only must-refuse requests (set per test by the plugin)."""
    assumed: JSONObject | None = None
    pending: list[Pending] = field(default_factory=list)

    def take(
        self, before: JSONObject, exchange: Exchange, send: Callable[[], Exchange], accepted: int
    ) -> bool:
        """Whether ``exchange`` (its example's request, refused) is judged later, unread.
        Anything else that comes while refusals are pending (an accepted write, a 5xx) is
        read as usual and fails its own clause; the pending ones then go unjudged."""
        if not (self.enabled and self.allowed) or accepted or not 400 <= exchange.status < 500:
            self.pending.clear()
            return False
        if not self.pending:
            self.assumed = before
        self.pending.append(Pending(exchange, send))
        return True

    def settle(self, session: Session, state: JSONObject | None = None) -> JSONObject | None:
        """Judge the pending refusals on ``state`` (a read of the position), or on a GET;
        the position's state after (None when nothing was pending)."""
        if not self.pending or self.assumed is None:
            return None
        pending, self.pending = self.pending, []
        assumed = self.assumed
        if state is None:
            session.target.wait_out_lag()
            state = session.target.state()
        if unchanged(assumed, state):
            for one in pending:
                self._record(session, Verdict.passed(ATOMIC, one.exchange))
            return state
        return self._find_culprit(session, assumed, state, pending)

    def _find_culprit(
        self, session: Session, assumed: JSONObject, state: JSONObject, pending: list[Pending]
    ) -> JSONObject | None:
        """Send the refusals again from ``assumed``, each read back, to name the one that
        changes the position; the position is left as ``assumed``."""
        target = session.target
        current: JSONObject | None = state
        for one in pending:
            if current is not None and not unchanged(assumed, current):
                result = target.restore(assumed, current)
                if not result.verified:
                    session.restore_failed(result)
                    return None
            again = one.send()
            current = target.read_after(again).json_object()
            verdicts = expect_unchanged([], assumed, current, again)
            for verdict in verdicts:
                self._record(session, verdict)
            if any(v.outcome == "fail" for v in verdicts):
                break
        if current is not None and not unchanged(assumed, current):
            result = target.restore(assumed, current)
            if not result.verified:
                session.restore_failed(result)
                return None
            return result.state
        return current

    @staticmethod
    def _record(session: Session, verdict: Verdict) -> None:
        if session.wants(verdict.clause):
            session.recorder.record(verdict)
