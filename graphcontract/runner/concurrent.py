"""Writes sent at the same moment: the suite's one scenario with requests in parallel.

Two PATCHes naming different properties (or different sub-properties of one complex value)
are released together. Each is a partial update that keeps what it does not name, so in
whichever order the service applies them, the one applied second answers with both values
and the state after both holds both. A read-modify-write without isolation answers each
update over the state it read before the other landed, and stores one of them: the other's
value is lost although it was answered 200. A refusal (409, 412, 429 or 503 after the
client's retries) is the service's way to serialise and is not judged here; nor are updates
lost because each write alone replaces the complex value they share (merge.nested fails that
on a single write: a race is not its first cause).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from graphcontract.client import Exchange
from graphcontract.oracles.compare import exactly_equal, same
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.scenarios import body_at, value_at
from graphcontract.runner.session import Example
from graphcontract.runner.target import Target
from graphcontract.types import JSON, JSONObject, is_annotation

Write = tuple[tuple[str, ...], JSON]
"""Where a write puts its value, and the value."""
RELEASE_TIMEOUT_S = 30.0
"""How long a sending thread waits for the other before giving up (a thread that never
starts, not a slow target: the target's own timeout applies to each request)."""


def send_together(target: Target, bodies: Sequence[JSONObject]) -> list[Exchange]:
    """PATCH every body from its own thread, all released by one barrier; in body order."""
    barrier = threading.Barrier(len(bodies))

    def send(body: JSONObject) -> Exchange:
        barrier.wait(RELEASE_TIMEOUT_S)
        return target.patch(body)

    with ThreadPoolExecutor(max_workers=len(bodies), thread_name_prefix="together") as pool:
        return list(pool.map(send, bodies))


def holds(state: JSON, write: Write) -> bool:
    path, value = write
    return exactly_equal(value_at(state, path), value, path[-1] if path else "")


def check_concurrent_writes(ex: Example, writes: Sequence[Write]) -> None:
    """Send ``writes`` at once; every one answered 200 must be in the state after all of
    them, and one such answer must show them all (the one the service applied last)."""
    sent: list[Exchange] = []

    def all_at_once() -> Exchange:
        sent.extend(send_together(ex.target, [body_at(path, value) for path, value in writes]))
        accepted = [a for a in sent if a.status == 200]
        applied = [w for w, a in zip(writes, sent, strict=True) if a.status == 200]
        # The answer showing every accepted write is the state to read back (settling on a
        # lagging read); when none does, the last one stands in.
        whole = [a for a in accepted if all(holds(a.json_object(), w) for w in applied)]
        return (whole or accepted or sent)[-1]

    step = ex.step(all_at_once, always_read=True)  # judged on what was stored
    applied = [w for w, a in zip(writes, sent, strict=True) if a.status == 200]
    if len(applied) < 2:
        return
    inside_one_property = len({path[0] for path, _ in applied}) == 1
    clause = "merge.nested" if inside_one_property else "merge.omitted-preserved"
    values = {".".join(path): value for path, value in applied}
    answers = [a.json_object() for a in sent if a.status == 200]
    if inside_one_property and replaced_wholesale(step.before, answers, applied):
        # Each write alone replaces the complex value (merge.nested fails on a single
        # write): the updates lost to one another are that rule's knock-on, not a race.
        return
    if not any(all(holds(answer, w) for w in applied) for answer in answers):
        ex.add(
            Verdict.failed(
                clause,
                "PATCHes sent at once were all answered 200, and no answer shows the others' "
                "updates: each was applied over a state read before the others landed",
                sent=values,
                expected="one answer (the update applied last) holding every value sent",
                got=[{".".join(p): value_at(a, p) for p, _ in applied} for a in answers],
                exchange=step.exchange,
            )
        )
    lost = [path for path, value in applied if not holds(step.after, (path, value))]
    if step.after is not None and lost:
        ex.add(
            Verdict.failed(
                clause,
                "PATCHes sent at once were all answered 200, and the state after them lost "
                "an update",
                sent=values,
                expected=values,
                got={".".join(path): value_at(step.after, path) for path in lost},
                exchange=step.exchange,
            )
        )


def replaced_wholesale(
    before: JSONObject, answers: Sequence[JSON], applied: Sequence[Write]
) -> bool:
    """Whether every answer lost a sub-property of the one complex value the writes named
    that none of them sent and that had a value before: each write replaced it wholesale."""
    name = applied[0][0][0]
    old = before.get(name)
    if not isinstance(old, dict):
        return False
    named = {path[1] for path, _ in applied if len(path) > 1}
    return any(
        value is not None
        and key not in named
        and not is_annotation(key)
        and not any(same(value_at(answer, (name, key)), value, key) for answer in answers)
        for key, value in old.items()
    )
