"""One process's view of a run: the target, the recorder, the policies, and ``Example``, the
snapshot → act → check → restore unit every contract test is written with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from graphcontract.client import Exchange
from graphcontract.contract import Contract
from graphcontract.errors import HarnessError
from graphcontract.oracles.compare import at, differences, get, same
from graphcontract.oracles.exchange_rules import error_envelope, json_encoding, no_server_error
from graphcontract.oracles.special import isolation
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.config import ALWAYS_JUDGED, pinned_clauses
from graphcontract.runner.deferred import DeferredRefusals
from graphcontract.runner.lag import SETTLE_BUDGET_S, lag_observed
from graphcontract.runner.leftovers import UNKNOWN, ProbeWithheld, sent_object
from graphcontract.runner.lock import target_lock
from graphcontract.runner.reads import NEEDS_STABLE_READS, UNSTABLE, check_reads
from graphcontract.runner.recorder import Recorder
from graphcontract.runner.target import RestoreResult, Target, restore_body
from graphcontract.types import JSONObject


class ContractViolation(AssertionError):
    """A must clause failed; the message lists each failed clause with sent/expected/got."""


@dataclass(frozen=True)
class Step:
    """A state-changing request with the state around it."""

    before: JSONObject
    exchange: Exchange
    after: JSONObject | None
    started_at: datetime
    position_id: str = ""
    """The position's id when the request was sent (a body's id may have moved it since)."""


class Session:
    """Per-process run state shared by all contract tests."""

    def __init__(
        self,
        contract: Contract,
        target: Target,
        *,
        policy: dict[str, str],
        selected: Iterable[str] = (),
        live: bool = False,
    ) -> None:
        self.contract = contract
        self.target = target
        self.policy = policy
        target.settle_reads = policy.get("read_lag", "wait") == "wait"
        self.selected = frozenset(selected)
        self.recorder = Recorder()
        self.current: Example | None = None
        self.restore_broken = False
        self._known: tuple[int, JSONObject] | None = None
        self.live = live
        self.others: dict[str, JSONObject] | None = None
        """The user's other positions when the run started (target.isolation)."""
        self.stamps_seen: dict[str, datetime] = {}
        """Each lastModifiedDateTime a 200 answer held, and when the run first saw it."""
        self.reads_unstable = False
        """Two reads with no write between them disagreed (reads.stable failed): the clauses
        that compare states are not judged."""
        self.writes_kept = 0
        """Accepted writes that changed the position and showed in the read after them."""
        self.writes_not_kept = False
        """Accepted writes leave no trace (persisted failed once, saying so): the reads after
        them, and what a later write is judged against, show nothing of them."""
        self.deferred = DeferredRefusals()  # the staging profile's refusals judged by one read
        self.verdict_hooks: list[Callable[[Verdict], None]] = []
        """Called with every verdict an example records (``--verbose``'s step log)."""
        target.client.hooks.append(self._on_exchange)

    def remember_others(self) -> None:
        """Read the other positions before the first write, when target.isolation is judged."""
        if not self.selected or "target.isolation" in self.selected:
            self.others = self.target.other_positions()[0]

    def check_reads(self, example: Example) -> None:
        """Before the first write: read the position again with no write between and judge
        reads.stable (reads.py). On reads that are not stable the clauses comparing states
        are not judged; a live target is not written to at all (no restore could be
        verified)."""
        check = check_reads(self.target.read)
        if check is None:
            return
        verdict = check.verdict()
        if check.stable:
            if self.wants(verdict.clause):
                self.recorder.record(verdict)
            return
        self.reads_unstable = True
        for clause in NEEDS_STABLE_READS:
            self.recorder.unjudged[clause] = UNSTABLE
        if not self.live:
            example.add(verdict)
            return
        if self.wants(verdict.clause):
            self.recorder.record(verdict)
        self.target.client.halt(
            "reads of the position are not stable (two GETs with no write between them "
            "differ); the harness cannot tell what a request changed nor verify a restore, "
            "so it writes nothing to a live target"
        )

    def check_isolation(self) -> None:
        """Judge target.isolation at the end of the run (never raises)."""
        if self.others is None or self.target.client.broken is not None:
            return
        if self.reads_unstable:
            return
        try:
            after, listing = self.target.other_positions()
            own = get(self.target.state(), "lastModifiedBy")
        except HarnessError:
            return
        if after is not None:
            verdicts = isolation(self.others, after, own=own, live=self.live, exchange=listing)
            for verdict in verdicts:
                self.recorder.record(verdict)

    def restore_failed(self, result: RestoreResult) -> None:
        """A restore after an example could not be verified: stop restoring after each
        example (restoring through a broken update path can make things worse, e.g. a
        collection that doubles). A live target is not written to any more."""
        self.restore_broken = True
        self.recorder.restores.append(result.record("after an example"))
        if not self.live:
            return
        self.target.client.halt(
            "a restore could not be verified on a live target; stopping writes. "
            f"Still different: {', '.join(result.differences)}. "
            "Run `graphcontract restore --journal` with the run's journal."
        )

    def wants(self, clause: str) -> bool:
        """Whether verdicts of ``clause`` count: every clause, or the ones ``--clause`` chose,
        and server.no-5xx always (a crash never passes because another clause was chosen)."""
        return not self.selected or clause in self.selected or clause == ALWAYS_JUDGED

    def _on_exchange(self, exchange: Exchange) -> None:
        self.recorder.record_exchange(exchange)
        body = exchange.json_object() if exchange.status == 200 else None
        stamp = body.get("lastModifiedDateTime") if body else None
        if isinstance(stamp, str) and stamp not in self.stamps_seen:
            self.stamps_seen[stamp] = datetime.now(UTC)
        if self.current is not None:
            self.current.exchanges.append(exchange)

    def stamp_age_s(self, state: JSONObject, at: datetime) -> float | None:
        """Seconds between the run's first sight of ``state``'s lastModifiedDateTime and
        ``at`` (None when never seen)."""
        first = self.stamps_seen.get(str(state.get("lastModifiedDateTime")))
        return (at - first).total_seconds() if first is not None else None

    def is_must(self, verdict: Verdict) -> bool:
        clause = self.contract.clauses.get(verdict.clause)
        if clause is None or clause.level == "must":
            return True
        return verdict.clause in pinned_clauses(self.policy)

    @contextmanager
    def example(self) -> Iterator[Example]:
        example = Example(self)
        with target_lock(self.target) as generation:
            known, self._known = self._known, None
            reuse = not self.live or self.deferred.enabled  # live: in a staging run only
            if known is not None and known[0] == generation[0] - 1 and reuse:
                # Nobody touched the position since this process's last example, which left
                # it in this verified state: no need to GET it again.
                example.known_before = known[1]
            self.current = example
            try:
                yield example
            except ProbeWithheld:
                pass  # a probe of a kind the target stores is not sent; the rest is judged
            except HarnessError:
                example.record_verdicts()  # what was judged before it counts
                raise
            finally:
                self.current = None
            if example.final_state is not None:
                self._known = (generation[0], example.final_state)
        example.conclude()

    def final_restore(self) -> RestoreResult | None:
        """Put the position back to the state before the first write (never raises). On
        reads that are not stable the first read is written back whole, unverified."""
        with suppress(HarnessError):  # the restore below says whether it can be put back
            self.deferred.settle(self)
        result = self._restore_unverifiable() if self.reads_unstable else None
        result = result or self.target.final_restore()
        sampled = self.target.read_backs.verdict(self.target.lag_s)
        if sampled is not None:
            self.recorder.record(sampled)
        if result is None:
            return None
        self.recorder.restores.append(result.record("end of run"))
        return result

    def _restore_unverifiable(self) -> RestoreResult | None:
        original = self.target.original
        if original is None:
            return None
        body = restore_body(self.contract, original, None)
        self.target.client.reopen()
        try:
            self.target.patch(body)
        except HarnessError as exc:
            return RestoreResult(False, (f"could not restore ({exc})",))
        return RestoreResult(
            False,
            (f"{UNSTABLE}: the position as first read was written back whole, unverified",),
            body,
        )


class Example:
    """One generated or explicit case: collects verdicts, restores, then concludes."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.exchanges: list[Exchange] = []
        self.verdicts: list[Verdict] = []
        self.known_before: JSONObject | None = None
        self.final_state: JSONObject | None = None
        self.writes_sent = 0
        """The most PATCHes one request of this example answered 200 (a sequence: several)."""
        self.shape_broken_before: set[int] = set()
        """ids of the exchanges sent while the position already failed the response schema:
        a response.shape failure of theirs is the knock-on of the write that stored it."""

    @property
    def target(self) -> Target:
        return self.session.target

    def add(self, *verdicts: Verdict | Iterable[Verdict] | None) -> None:
        for item in verdicts:
            if item is None:
                continue
            if isinstance(item, Verdict):
                self.verdicts.append(item)
            else:
                self.verdicts.extend(item)

    def step(self, send: Callable[[], Exchange], *, always_read: bool = False) -> Step:
        """GET before, send, GET after, then restore the writable properties if they changed.
        Once a lag is learned, only a sample of examples (Target.read_back_due) and those
        that judge what was stored (``always_read``) read after: see _not_read_back."""
        known, self.known_before = self.known_before, None
        self.final_state = None
        if self.target.original is None:
            self.session.check_reads(self)
            before = self.target.snapshot_original()
        else:
            before = known if known is not None else self.target.state()
            before = self.session.deferred.settle(self.session, before) or before
        started = datetime.now(UTC)
        position_id = self.target.position_id
        read_back = self.target.read_back_due() or always_read
        self.target.read_backs.current = read_back
        lags = len(self.target.lags_s)  # reads inside ``send`` (a write, read, write) count too
        sent_from = len(self.exchanges)
        exchange = send()
        if self.session.contract.response_errors(before, undeclared=True):
            self.shape_broken_before.add(id(exchange))
        self.target.follow(exchange)  # a body's id moved the position: judged, then followed
        accepted = [e for e in self.exchanges[sent_from:] if e.request.method == "PATCH"]
        writes = sum(e.status == 200 for e in accepted)
        self.writes_sent = max(self.writes_sent, writes)
        if self.session.reads_unstable:
            # A read would show nothing about this request, and no restore could be verified.
            return Step(before, exchange, None, started, position_id)
        if self.session.deferred.take(before, exchange, send, writes):
            self.final_state = before  # judged with the refusals after it, by one read
            return Step(before, exchange, None, started, position_id)
        answered = exchange.json_object() if exchange.status == 200 else None
        if not read_back and (answered is not None or not any(e.status == 200 for e in accepted)):
            return self._not_read_back(before, exchange, started, position_id)
        after_exchange = self.target.read_after(exchange)
        for waited in self.target.lags_s[lags:]:
            self.add(lag_observed(waited, exchange))
        after = after_exchange.json_object() if after_exchange.status == 200 else None
        if after is None and after_exchange.status >= 500 and self._healed(before):
            # server.no-5xx fails on that GET; nothing else can be judged on a state unread.
            return Step(before, exchange, None, started, position_id)
        if after is None:
            self.add(answered_id(exchange, position_id))  # the first cause, before the halt
            # Neither "nothing changed" nor the update can be judged, nor a restore verified.
            self.target.client.halt(
                f"GET {self.target.path()} after the request answered {after_exchange.status}"
                + ("" if after_exchange.status != 200 else " without a JSON object")
                + "; the harness cannot judge the request or restore the position"
            )
        self._learn_stored(exchange, before, after)
        answer = exchange.json_object() if exchange.status == 200 else None
        judged_after: JSONObject | None = after
        if answer is not None:
            changing = self.target.changes(before, answer)
            if changing and self.target.never_settled and after == before:
                self._no_trace(exchange, before, answer)
            elif changing and same(after, answer):
                self.session.writes_kept += 1
                self.session.writes_not_kept = False
            if self.session.writes_not_kept:
                judged_after = None  # it shows nothing of the write: persisted said so once
        if after == before and answer is not None and self.target.changes(before, answer):
            # A read lagging behind the write shows the old state; the answer says what the
            # write stored, and that is what the restore must undo.
            after_or_answer = answer
        else:
            after_or_answer = after
        if after_or_answer == before:
            self.final_state = after
        elif not self.session.restore_broken:
            # Once a lag is learned, a restore's answer verifies it (the final one reads).
            result = self.target.restore(
                before, after_or_answer, read_back=not self.target.lag_learned
            )
            if not result.verified:
                self.session.restore_failed(result)
            else:
                self.final_state = result.state  # the verified state, lastModified* recalculated
        return Step(before, exchange, judged_after, started, position_id)

    def _not_read_back(
        self, before: JSONObject, exchange: Exchange, started: datetime, position_id: str
    ) -> Step:
        """A learned lag, an example not sampled to read back: its last 200 answer is the
        state after it (no clause is judged on a read), ``before`` restored and verified by
        the restore's answer (the final restore reads the whole position after the lag); after
        a refusal the state stays the one known before it."""
        answer = exchange.json_object() if exchange.status == 200 else None
        if answer is None or not self.target.changes(before, answer):
            self.final_state = before if answer is None else answer
        elif not self.session.restore_broken:
            result = self.target.restore(before, answer, read_back=False)
            if not result.verified:
                self.session.restore_failed(result)
            else:
                self.final_state = result.state
        return Step(before, exchange, None, started, position_id)

    def _no_trace(self, exchange: Exchange, before: JSONObject, answer: JSONObject) -> None:
        """An accepted write that changed the position left no trace: the read after it shows
        the position exactly as before, and reads on this target were once polled for
        SETTLE_BUDGET_S without showing a write. Unless a write was seen kept, the service
        keeps no writes: persisted fails once, saying so, and what follows from it is not
        blamed on other clauses."""
        if self.session.writes_kept or self.session.writes_not_kept:
            return
        self.session.writes_not_kept = True
        writable = self.session.contract.updatable
        changed = [p for p in differences(before, answer) if p.split(".")[0] in writable]
        self.add(
            Verdict.failed(
                "persisted",
                "a PATCH answered 200 left no trace: the GET after it shows the position as "
                "before the write, and no GET has shown a write (read again for up to "
                f"{SETTLE_BUDGET_S} s): the service keeps no writes",
                sent=sent_object(content=exchange.request.body),
                expected={p: at(answer, tuple(p.split("."))) for p in changed[:3]},
                got={p: at(before, tuple(p.split("."))) for p in changed[:3]},
                exchange=exchange,
            )
        )

    def _learn_stored(self, exchange: Exchange, before: JSONObject, after: JSONObject) -> None:
        """Whether the target stored a probe this write carried (an undeclared name, a
        read-only value): no later probe of that kind is sent to it. A stored undeclared
        name is recorded under properties.unknown; a read-only value is read-only's to fail."""
        sent = sent_object(content=exchange.request.body)
        for found in self.target.ledger.learn(sent, before, after):
            if found.startswith(UNKNOWN):
                self.add(
                    Verdict.observed(
                        "properties.unknown",
                        "undeclared property stored: read back by GET (no PATCH can remove "
                        "it; no further such probe is sent)",
                        found,
                        exchange,
                    )
                )

    def _healed(self, before: JSONObject) -> bool:
        """After a request, the position answered a GET with a 5xx: write ``before`` back in
        full (Target.restore) and go on only when a GET then shows it."""
        if self.session.restore_broken:
            return False
        try:
            result = self.target.restore(before)
        except HarnessError:
            return False
        if result.verified:
            self.final_state = result.state
        return result.verified

    def conclude(self) -> None:
        for exchange in self.exchanges:
            self.add(error_envelope(exchange), no_server_error(exchange), json_encoding(exchange))
        failures = self.record_verdicts()
        if failures:
            unique = {v.clause: v for v in failures}
            raise ContractViolation("\n\n".join(v.describe() for v in unique.values()))

    def record_verdicts(self) -> list[Verdict]:
        """Record the verdicts added so far; the must failures among them. When the target
        turns unhealthy mid-example, only these count (what the oracles judged before it:
        the answer that made the position unreadable, say), not the traffic's rules."""
        failures = []
        knock_on = self.session.writes_not_kept and self.writes_sent > 1
        for verdict in self.verdicts:
            if not self.session.wants(verdict.clause):
                continue
            if self.session.reads_unstable and verdict.clause in NEEDS_STABLE_READS:
                continue  # judged by comparing states, which reads that are not stable cannot
            if knock_on and verdict.clause in NEEDS_STABLE_READS | {"paths.users"}:
                continue  # judged against an earlier write, which the service did not keep
            if (
                verdict.clause == "response.shape"
                and verdict.outcome == "fail"
                and id(verdict.exchange) in self.shape_broken_before
            ):
                verdict = verdict.as_knock_on(
                    "the position read before this request already failed the response schema: "
                    "an earlier write stored what breaks it (that write's failure is the cause)"
                )
            self.session.recorder.record(verdict)
            for hook in self.session.verdict_hooks:
                hook(verdict)
            if verdict.outcome == "fail" and self.session.is_must(verdict):
                failures.append(verdict)
        return failures


def answered_id(exchange: Exchange, position_id: str) -> Verdict | None:
    """response.id judged on a 200 answer alone (when nothing after it can be read): the
    id it carries against the id the request named."""
    answer = exchange.json_object() if exchange.status == 200 else None
    if answer is None or answer.get("id") == position_id:
        return None
    return Verdict.failed(
        "response.id",
        "200 body carries another id",
        sent=sent_object(content=exchange.request.body),
        expected=position_id,
        got=answer.get("id"),
        exchange=exchange,
    )
