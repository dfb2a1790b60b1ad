"""Model-based sequences: a Hypothesis state machine whose rules are what clients do (a
partial PATCH — valid, must-reject, mixed, gray —, a GET, through each path form, two PATCHes
at once) and whose expected state is ``graphcontract.model``. After every step the target's
answer (and, when read, its state) must equal the model's; a failure shrinks to a minimal
sequence, reported as numbered steps with a curl script that replays it from the snapshot.

Each sequence starts from the position as read and ends restored (verified by GET); the
whole run is one ``Session.example()``, so journals, rate limits and reports apply.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from graphcontract.client import Exchange
from graphcontract.errors import HarnessError
from graphcontract.model import (
    Deleted,
    apply_patch,
    changes_anything,
    deleted_by,
    forget_written,
    rule_broken,
    written_paths,
)
from graphcontract.oracles.compare import differences, no_enum_form, same
from graphcontract.oracles.rejection import expect_status
from graphcontract.oracles.verdict import Verdict, show
from graphcontract.runner.scenarios import body_at
from graphcontract.runner.sequence_parts import (
    BUDGETS,
    EDITS,
    OMITTED,
    SHRINK_BUDGETS,
    Learned,
    Recorded,
    SequenceFailed,
    applicable,
    came_back,
    disjoint_pairs,
    edit,
    edited_places,
    history,
    lost,
    managed,
    null_cases,
    on_path,
    send_together,
    sent_body,
    stored_read,
    value_at,
    with_value,
    writable,
)
from graphcontract.runner.session import Example, Session
from graphcontract.types import JSON, JSONObject
from strategies import (
    InvalidBody,
    MixedBody,
    flag_combinations,
    invalid_bodies,
    lively_body,
    mixed_bodies,
    valid_bodies,
)
from strategies.invalid import sited_clauses
from strategies.mixed import merge


def machine_for(session: Session, learned: Learned) -> type[RuleBasedStateMachine]:
    """The state machine class bound to ``session``'s target and policy."""
    contract = session.contract
    target = session.target
    nested = session.policy.get("nested", "merge")
    shrink_cap = SHRINK_BUDGETS.get(settings.get_current_profile_name(), SHRINK_BUDGETS["ci"])
    lively = lively_body(contract)
    forms = ["me"] + [f for f in ("id", "userPrincipalName") if target.user_of_form(f)]
    empty: JSONObject = {}
    gray: list[tuple[JSONObject, str]] = [  # the simplest first: Hypothesis favours it
        (c.body, c.description) for c in flag_combinations(contract) if isinstance(c.body, dict)
    ] + [(empty, "{} as the whole body")]
    nested_texts = [p for p in edited_places(lively) if "." in p] or edited_places(lively) or [""]
    refusable = st.one_of(
        *(invalid_bodies(contract, c) for c in sited_clauses(contract)),
        invalid_bodies(contract, "body.malformed"),
    )

    class PositionSequences(RuleBasedStateMachine):
        """One position, a model of it, and the clients' requests."""

        def __init__(self) -> None:
            super().__init__()
            # Past the shrink budget: send nothing (the shortest failing one is replayed).
            self.idle = learned.shrink_spent(shrink_cap)
            if self.idle:
                return
            self.start = target.snapshot_original() if target.original is None else target.state()
            self.model: JSONObject = self.start
            self.deleted: Deleted = {}
            self.steps: list[Recorded] = []
            self.pending: Exchange | None = None
            """The last accepted write no GET has read since (a lagging read settles on it)."""
            self.last_sent: JSON = None
            self.broken = False
            self.seen: list[JSONObject] = []
            """The writable values of every answer to an accepted write (came_back)."""
            self.recalculated: set[str] = set()

        def fail(
            self,
            verdicts: Sequence[Verdict | None],
            resync: JSONObject | Callable[[], JSONObject] | None,
        ) -> None:
            """Record ``verdicts``; raise when a wanted must clause failed (with its history:
            the steps, their replay script), else go on from ``resync``."""
            failed = [
                v
                for v in verdicts
                if v is not None and v.outcome == "fail" and session.wants(v.clause)
            ]
            for verdict in verdicts:
                if verdict is not None:
                    learned.judged.add(verdict.clause)
            if not any(session.is_must(v) for v in failed):
                if resync is not None:
                    self.model = resync() if callable(resync) else resync
                return
            story = history(session, self.start, self.steps)
            self.broken, told = True, f"\n{story.replay}"
            error = SequenceFailed(
                [dataclasses.replace(v, message=v.message + told, history=story) for v in failed]
            )
            learned.failure = error
            raise error

        def differ(
            self,
            got: JSONObject,
            body: JSONObject,
            exchange: Exchange,
            what: str,
            *,
            by: str = "",
            raced: frozenset[str] = frozenset(),
            sent: JSON = None,
        ) -> list[Verdict]:
            """The model against ``got``: one verdict per broken rule, its first path named
            (``by``: the clause every difference breaks; ``raced``: paths two writes at once
            set, whose loss is ``by``'s; else the rule at the path for ``body``)."""
            expected = writable(session, self.model)
            grouped: dict[str, list[str]] = {}
            for path in differences(expected, writable(session, got)):
                if no_enum_form(value_at(got, path), path.rsplit(".", 1)[-1]):
                    continue  # the answer's form is the first cause: response.shape
                if by and (not raced or any(on_path(path, r) for r in raced)):
                    clause = by
                else:
                    clause = rule_broken(body, path, value_at(got, path), self.deleted)
                grouped.setdefault(clause, []).append(path)
            judged = [by] if by else applicable(body)
            verdicts = [Verdict.passed(c, exchange) for c in judged if c not in grouped]
            for clause, where in grouped.items():
                more = f" (+{len(where) - 1} more)" if len(where) > 1 else ""
                verdicts.append(
                    Verdict.failed(
                        clause,
                        f"step {len(self.steps)}, {what}: {where[0]} is not what the PATCH "
                        f"rules give{more}",
                        sent=body if sent is None else sent,
                        expected={p: value_at(expected, p) for p in where[:3]},
                        got={p: value_at(got, p) for p in where[:3]},
                        exchange=exchange,
                    )
                )
            return verdicts

        def adopt_recalculated(
            self, answer: JSONObject, body: JSONObject, exchange: Exchange
        ) -> None:
            """The page lets omitted properties "be recalculated based on changes to other
            property values": on an update that changed something, an omitted value that
            changed but kept a value is taken into the model (merge.recalculated, observed),
            and must come back with the values it follows (came_back)."""
            expected = writable(session, self.model)
            for path in differences(expected, writable(session, answer)):
                old, new = value_at(expected, path), value_at(answer, path)
                rule = rule_broken(body, path, new, self.deleted)
                if rule not in OMITTED or lost(old, new, path.rsplit(".", 1)[-1]):
                    continue
                self.model = with_value(self.model, path, new)
                if path not in self.recalculated:
                    self.recalculated.add(path)
                    session.recorder.record(
                        Verdict.observed(
                            "merge.recalculated",
                            f"{path} recalculated on an update that did not send it",
                            f"{show(old)} -> {show(new)}",
                            exchange,
                        )
                    )

        def send(
            self, body: JSONObject | None, via: str, *, content: bytes | None = None
        ) -> tuple[Exchange, str | None]:
            user = target.user_of_form(via) if via != "me" else None
            exchange = target.patch(body, content=content, path=target.path(user=user))
            self.last_sent = body if content is None else sent_body(exchange)
            if exchange.status == 200:
                self.pending = exchange
            return exchange, user

        def accepted(self, body: JSONObject, exchange: Exchange, what: str) -> None:
            """An accepted PATCH: its answer is the model after the body."""
            before = self.model
            answer = exchange.json_object()
            self.model = apply_patch(contract, before, body, nested=nested)
            self.deleted = {**forget_written(self.deleted, body), **deleted_by(before, body)}
            if answer is None:
                return
            changed = changes_anything(contract, before, body, nested=nested)
            if changed:
                self.adopt_recalculated(answer, body, exchange)
            verdicts = self.differ(answer, body, exchange, what)
            now, where = writable(session, answer), f"step {len(self.steps)}, {what}"
            verdicts += came_back(self.seen, self.recalculated, now, body, exchange, where)
            stamps, position = learned.stamps_seen_at, target.position_id
            verdicts += managed(position, self.start, answer, before, exchange, changed, stamps)
            self.seen.append(writable(session, answer))
            self.fail(verdicts, {**answer, **self.model})
            self.model = {**answer, **writable(session, self.model)}

        def refused(self, exchange: Exchange, body: JSON, what: str) -> None:
            """A refused PATCH changes nothing: read at once (atomic.rejected)."""
            read = target.read_after(self.pending) if self.pending else stored_read(target)
            self.pending = None
            state = read.json_object() if read.status == 200 else None
            self.steps[-1].exchanges.append(read)
            if state is None:
                return
            shown = body if body is not None else sent_body(exchange)
            verdicts = self.differ(
                state, {}, read, f"{what}, refused", by="atomic.rejected", sent=shown
            )
            self.fail(verdicts, state)

        def patch_of(self, body: JSONObject, via: str, what: str, status_clause: str) -> None:
            exchange, user = self.send(body, via)
            self.steps.append(Recorded(f"PATCH {target.path(user=user)} ({what})", [exchange]))
            clause = status_clause if via == "me" else "paths.users"
            if exchange.status >= 500:
                self.fail([], target.state())
            elif exchange.status == 200:
                self.fail([expect_status(clause, exchange, {200}, what=what)], None)
                self.accepted(body, exchange, what)
            elif user is not None:
                # Refused via /users/…: the path's fault only when /me takes the same body
                # (else the body is the first cause, under paths.me).
                again, _ = self.send(body, "me")
                self.steps[-1].exchanges.append(again)
                if again.status == 200:
                    self.fail([expect_status(clause, exchange, {200}, what=what)], target.state)
                    self.accepted(body, again, what)
                else:
                    self.fail(self.blame(body, again, status_clause, what), target.state)
            else:
                self.fail(self.blame(body, exchange, status_clause, what), target.state)

        def blame(
            self, body: JSONObject, exchange: Exchange, clause: str, what: str
        ) -> list[Verdict | None]:
            """A valid body refused: an enum value refused alone names its site's clause."""
            for site in contract.enum_sites():
                value = value_at(body, ".".join(site.path)) if "[]" not in site.path else None
                if value is None:
                    continue
                alone = body_at(site.path, value)
                probe, _ = self.send(alone, "me")
                self.steps[-1].exchanges.append(probe)
                if 400 <= probe.status < 500:
                    accepts = site.clause.replace(".rejects", ".accepts")
                    named = accepts if accepts in contract.clauses else site.clause
                    place = ".".join(site.path)
                    return [expect_status(named, probe, {200}, what=f"{what}: {place} alone")]
                if probe.status == 200:
                    self.accepted(alone, probe, f"{what}: its enum value alone")
            return [expect_status(clause, exchange, {200}, what=what)]

        @initialize(case=st.sampled_from(gray), text=st.sampled_from(nested_texts))
        def fill(self, case: tuple[JSONObject, str], text: str) -> None:
            """Every property written with values no type defaults to, then a gray body (what
            the target does with it is learned at its first answer), then one text inside a
            complex value (if any) restated: it changes nothing; no property it omits may change."""
            if self.idle:
                return
            self.patch_of(lively, "me", "every property", "paths.me")
            self.patch_gray(case)
            if text:
                same = body_at(tuple(text.split(".")), value_at(self.model, text))
                self.patch_of(same, "me", f"restate {text}", "paths.me")

        # a facet without free text or collections (personAnnualEvent): the step does nothing
        @rule(path=st.sampled_from(edited_places(lively) or [""]), how=st.sampled_from(EDITS))
        def edit_and_undo(self, path: str, how: str) -> None:
            """A client edits (or restates) one text or collection and undoes the edit: the
            second write puts back what the first changed, so every value reads as before."""
            old = None if self.idle else value_at(self.model, path)
            if not isinstance(old, str | list):
                return
            parts = tuple(path.split("."))
            self.patch_of(body_at(parts, edit(old, how)), "me", f"edit {path}", "paths.me")
            self.patch_of(body_at(parts, old), "me", f"undo the edit of {path}", "paths.me")

        @rule(body=valid_bodies(contract), via=st.sampled_from(forms))
        def patch_valid(self, body: JSONObject, via: str) -> None:
            if self.idle:
                return
            self.patch_of(body, via, "a valid partial body", "paths.me")

        @rule(case=null_cases(contract))
        def patch_null(self, case: tuple[str, JSON]) -> None:
            """null clears; what it deleted stays deleted (a partial value over it)."""
            if self.idle:
                return
            name, then = case
            self.patch_of({name: None}, "me", f"null for {name}", "paths.me")
            if then is not None:
                self.patch_of({name: then}, "me", f"a partial {name} over null", "paths.me")

        @rule(case=st.sampled_from(gray))
        def patch_gray(self, case: tuple[JSONObject, str]) -> None:
            if self.idle:
                return
            body, what = case
            exchange, _ = self.send(body, "me")
            self.steps.append(Recorded(f"PATCH {target.path()} ({what})", [exchange]))
            if exchange.status >= 500:
                self.fail([], target.state())
                return
            accepted = exchange.status == 200
            first = learned.accepts.setdefault(what, accepted)
            if first != accepted:
                # Held to: the same open form answered otherwise than at first. Recorded;
                # the model follows what this answer did.
                session.recorder.record(
                    Verdict.observed(
                        "enum.allowedAudiences.gray" if what[0] != "{" else "body.empty",
                        f"{what}: answered {exchange.status} after being "
                        + ("accepted" if first else "refused")
                        + " earlier in the run",
                        exchange=exchange,
                    )
                )
            if accepted:
                self.accepted(body, exchange, what)
            elif 400 <= exchange.status < 500:
                self.refused(exchange, body, what)

        @rule(invalid=refusable)
        def patch_invalid(self, invalid: InvalidBody) -> None:
            if self.idle:
                return
            exchange, user = self.send(None, "me", content=invalid.content())
            what = f"must refuse: {invalid.description}"
            self.steps.append(Recorded(f"PATCH {target.path(user=user)} ({what})", [exchange]))
            self.judge_refusal(invalid.clause, exchange, invalid.body, what)

        @rule(mixed=mixed_bodies(contract))
        def patch_mixed(self, mixed: MixedBody) -> None:
            if self.idle:
                return
            exchange, _ = self.send(mixed.body, "me")
            what = f"valid part with one must-refuse part: {mixed.invalid.description}"
            self.steps.append(Recorded(f"PATCH {target.path()} ({what})", [exchange]))
            self.judge_refusal(mixed.invalid.clause, exchange, mixed.body, what)

        def judge_refusal(self, clause: str, exchange: Exchange, body: JSON, what: str) -> None:
            if exchange.status >= 500:
                self.fail([], target.state())
                return
            self.fail([expect_status(clause, exchange, {400}, what=what)], target.state)
            if exchange.status != 200:
                self.refused(exchange, body, what)

        @rule(via=st.sampled_from(forms))
        def read(self, via: str) -> None:
            """GET: the state is the model's (a write's answer said it; persisted)."""
            if self.idle:
                return
            user = target.user_of_form(via) if via != "me" else None
            if self.pending is not None or user is None:
                read = target.read_after(self.pending) if self.pending else stored_read(target)
            else:
                read = stored_read(target, path=target.path(user=user))
            self.steps.append(Recorded(f"GET {read.request.url.split('/', 3)[-1]}", [read]))
            state = read.json_object() if read.status == 200 else None
            clause = "persisted" if user is None or self.pending else "paths.users"
            self.pending = None
            if state is not None:
                verdicts = self.differ(
                    state, {}, read, f"GET via {via}", by=clause, sent=self.last_sent
                )
                self.fail(verdicts, state)

        @rule(pair=disjoint_pairs(contract, nested))
        def patch_together(self, pair: tuple[JSONObject, JSONObject]) -> None:
            """Two PATCHes at once: whichever order, both are kept."""
            if self.idle:
                return
            answers = send_together(target, pair)
            what = "two PATCHes at once"
            self.steps.append(Recorded(what, list(answers), together=True))
            if not all(a.status == 200 for a in answers):
                self.model = target.state()
                return
            first, second = pair
            one_property = {*first} == {*second}
            by = "merge.nested" if one_property else "merge.omitted-preserved"
            before, both = self.model, merge(first, second)
            for body in pair:
                self.model = apply_patch(contract, self.model, body, nested=nested)
            whole = [
                a
                for a in answers
                if not differences(
                    writable(session, self.model), writable(session, a.json_object() or {})
                )
            ]
            read = target.read_after(whole[-1]) if whole else stored_read(target)
            self.steps[-1].exchanges.append(read)
            self.pending = None
            state = read.json_object() if read.status == 200 else None
            if state is not None:
                if changes_anything(contract, before, both, nested=nested):
                    self.adopt_recalculated(state, both, read)
                raced = frozenset(written_paths(first) | written_paths(second))
                if not any(same(value_at(state, p), value_at(both, p)) for p in raced):
                    by = "persisted"  # neither update stored: no race lost one
                verdicts = self.differ(
                    state, both, read, f"{what}, both answered 200", by=by, raced=raced
                )
                self.fail(verdicts, state)

        def teardown(self) -> None:
            if self.idle:
                return
            if not self.broken and target.client.broken is None:
                self.read("me")
                learned.examples += 1
                if len(forms) > 1:  # every path form is read in turn, one per sequence
                    self.read(forms[1 + learned.examples % (len(forms) - 1)])
            if session.restore_broken or target.client.broken is not None:
                return
            result = target.restore(self.start)
            if not result.verified:
                session.restore_failed(result)

    return PositionSequences


def run_sequences(ex: Example, profile: str) -> None:
    """Run the machine in ``ex`` (not on unstable reads); its verdicts go to ``ex``."""
    session = ex.session
    if session.target.original is None:  # the run's first example: reads judged first
        session.check_reads(ex)
    if session.reads_unstable:
        return
    learned = Learned()
    budget = "staging" if session.target.lag_learned else profile  # each read waits the lag
    examples, steps = BUDGETS.get(budget, BUDGETS["ci"])
    current = settings.default or settings()
    chosen = settings(
        current,
        max_examples=examples if examples is not None else current.max_examples,
        stateful_step_count=steps,
    )
    machine = machine_for(session, learned)
    try:
        with warnings.catch_warnings():
            # A falsifying example's rule arguments can be long bodies: their repr is wanted.
            warnings.simplefilter("ignore", HypothesisWarning)
            run_state_machine_as_test(machine, settings=chosen)  # type: ignore[no-untyped-call]
    except HarnessError:
        raise
    except SequenceFailed as failure:
        learned.failure = failure
    except Exception as exc:  # several bugs, or a replay that did not fail again
        if learned.failure is None:
            raise
        learned.failure = SequenceFailed.after(exc, learned.failure)
    failed = set() if learned.failure is None else {v.clause for v in learned.failure.verdicts}
    if learned.failure is not None:
        ex.add(learned.failure.verdicts)
    ex.add(Verdict.passed(c) for c in sorted(learned.judged - failed))
