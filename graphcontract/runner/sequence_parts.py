"""The parts of a model-based sequence that are not the machine: the steps as recorded, the
curl script that replays them from the snapshot, the pairs of bodies sent at once, what a run
learns, and the judgement of server-managed properties over a sequence.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from hypothesis import strategies as st
from hypothesis.control import current_build_context

from graphcontract.client import Exchange
from graphcontract.contract import Contract, load_contract
from graphcontract.oracles.compare import (
    DATETIME_FORM,
    canon,
    differences,
    leaves,
    same,
    stamp_grain_s,
)
from graphcontract.oracles.verdict import History, Verdict
from graphcontract.runner.session import Session
from graphcontract.runner.target import Target, restore_body
from graphcontract.types import JSON, JSONObject
from strategies import MUST_REJECT_CLAUSES, valid_bodies
from strategies.valid import changing_value_for

SEQUENCE_CLAUSES = (  # what the state machine judges (for ``mark.clauses``)
    "paths.me", "paths.users", "response.echo", "response.id", "merge.omitted-preserved",
    "merge.nested", "merge.collections-replace", "merge.null-clears", "atomic.rejected",
    "persisted", "server-managed.recalculated", *sorted(MUST_REJECT_CLAUSES),
)  # fmt: skip
# Sequences and steps per sequence, and sequences tried while shrinking, by profile.
BUDGETS = {"ci": (9, 10), "staging": (1, 8), "dev": (20, 15), "fuzz": (30, 25)}
SHRINK_BUDGETS = {"ci": 25, "staging": 10, "dev": 200, "fuzz": 500}
EDITS = ("upper", "lower", "accents", "append", "restate")
OMITTED = frozenset({"merge.omitted-preserved", "merge.nested"})


@dataclasses.dataclass
class Recorded:
    """One step of a sequence, as the report lists it."""

    what: str
    exchanges: list[Exchange]
    together: bool = False


def instant(value: JSON) -> datetime | None:
    match = DATETIME_FORM.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    head, fraction, zone = match.groups()
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        return datetime.fromisoformat(f"{head}.{(fraction or '0')[:6].ljust(6, '0')}{zone}")
    except ValueError:
        return None


def writable(session: Session, state: JSONObject) -> JSONObject:
    return {k: state.get(k) for k in session.contract.updatable}


def history(session: Session, start: JSONObject, steps: Sequence[Recorded]) -> History:
    """What a failure at the last of ``steps`` needed: the writes that sent what it shows
    (the last step's, or the latest step's that wrote when the last only read) and the
    script replaying every step from ``start``."""
    cause: tuple[Exchange, ...] = ()
    together = False
    for step in reversed(steps):
        cause = tuple(e for e in step.exchanges if e.request.method != "GET")
        if cause:
            together = step.together
            break
    return History(len(steps), cause, together, script(session, start, steps))


def script(session: Session, start: JSONObject, steps: Sequence[Recorded]) -> str:
    """Numbered steps and the curl lines that replay them from ``start``: the first PATCHes
    every writable property back to the snapshot."""
    lines = ["# steps (replay from the snapshot; GRAPH_TOKEN set):"]
    first = next((e for s in steps for e in s.exchanges if e.request.method == "PATCH"), None)
    if first is not None:
        body = json.dumps(restore_body(session.contract, start, None), ensure_ascii=False)
        url = session.target.client.base_url.rstrip("/") + session.target.path()
        request = dataclasses.replace(first.request, url=url, body=body.encode())
        lines += ["# 0. restore the snapshot", dataclasses.replace(first, request=request).curl()]
    for number, step in enumerate(steps, 1):
        statuses = ", ".join(f"{e.request.method} {e.status}" for e in step.exchanges)
        lines.append(f"# {number}. {step.what} (answered {statuses})")
        if step.together:  # the writes sent at once, then what read their outcome
            sent = [e for e in step.exchanges if e.request.method == "PATCH"]
            lines += [f"{e.curl()} &" for e in sent] + ["wait"]
            lines += [e.curl() for e in step.exchanges if e.request.method != "PATCH"]
        else:
            lines += [e.curl() for e in step.exchanges]
    return "\n".join(lines)


RELEASE_TIMEOUT_S = 30.0
"""How long a sending thread waits for the other before giving up (a thread that never
starts, not a slow target: the target's own timeout applies to each request)."""


def send_together(target: Target, bodies: Sequence[JSONObject]) -> list[Exchange]:
    """PATCH every body from its own thread, all released by one barrier; in body order (the
    harness's only requests in parallel)."""
    barrier = threading.Barrier(len(bodies))

    def send(body: JSONObject) -> Exchange:
        barrier.wait(RELEASE_TIMEOUT_S)
        return target.patch(body)

    with ThreadPoolExecutor(max_workers=len(bodies), thread_name_prefix="together") as pool:
        return list(pool.map(send, bodies))


def null_cases(contract: Contract) -> st.SearchStrategy[tuple[str, JSON]]:
    """A nullable single-valued top-level property (a null collection is a gray zone:
    collections.null-vs-empty) and, maybe, a partial value to write over its null."""
    nullable = [
        n
        for n in contract.updatable
        if contract.entity.properties[n].nullable and not contract.entity.properties[n].collection
    ]
    if not nullable:
        return st.nothing()  # Hypothesis never draws a rule whose arguments cannot be drawn
    return st.sampled_from(nullable).flatmap(
        lambda n: st.tuples(st.just(n), st.none() | changing_value_for(contract, n))
    )


def disjoint_pairs(
    contract: Contract, nested: str
) -> st.SearchStrategy[tuple[JSONObject, JSONObject]]:
    """Two valid bodies setting different leaves, with no collection or null (so the order
    they are applied in cannot matter), and different properties when complex values are
    replaced wholly: one valid body split in two (mapped, never filtered: a filtered draw
    would throw away a sequence whose requests were already sent)."""

    def split(body: JSONObject) -> tuple[JSONObject, JSONObject]:
        places = [p for p, v in leaves(_plain(body)) if p and v is not None]
        if nested == "merge":
            cut = len(places) // 2
        else:
            tops = sorted({p[0] for p in places})
            cut = sum(1 for p in places if p[0] in tops[: len(tops) // 2])
        first, second = places[:cut], places[cut:]
        if not first or not second:
            return (
                {"detail": {"jobTitle": "sent at once a"}},
                {"manager": {"displayName": "sent at once b"}},
            )
        return _build(body, first), _build(body, second)

    return valid_bodies(contract).map(split)


def _plain(value: JSON) -> JSON:
    """``value`` without nulls, collections and empty objects."""
    if not isinstance(value, dict):
        return value
    out = {k: _plain(v) for k, v in value.items() if v is not None and not isinstance(v, list)}
    return {k: v for k, v in out.items() if v != {}}


def _build(body: JSONObject, places: Sequence[tuple[str, ...]]) -> JSONObject:
    out: JSONObject = {}
    for place in places:
        node = out
        for part in place[:-1]:
            node = node.setdefault(part, {})
        node[place[-1]] = value_at(body, ".".join(place))
    return out


def value_at(state: JSON, path: str) -> JSON:
    for part in path.split("."):
        state = state.get(part) if isinstance(state, dict) else None
    return state


def on_path(a: str, b: str) -> bool:
    """Whether dotted paths ``a`` and ``b`` are one place or one holds the other (a write to
    ``manager.displayName`` over a null ``manager`` shows at ``manager``)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def sent_body(exchange: Exchange) -> Any:
    """The body as sent, decoded when it is JSON."""
    try:
        return json.loads(exchange.request.body)
    except ValueError:
        return exchange.request.body.decode("utf-8", "replace")


def with_value(state: JSONObject, path: str, value: JSON) -> JSONObject:
    """A copy of ``state`` holding ``value`` at the dotted ``path`` (objects made on the way)."""
    out = copy.deepcopy(state)
    node = out
    parts = path.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = copy.deepcopy(value)
    return out


def lost(old: JSON, new: JSON, key: str) -> bool:
    """The value went to null, absent, [] or {}, or a flags value lost members: data lost,
    never a recalculation (clauses.yaml, merge.omitted-preserved)."""
    if canon(old) not in (None, {}) and canon(new) in (None, {}):
        return True
    enum = load_contract().enums_by_property.get(key)
    if enum is None or not enum.is_flags:
        return False
    was, now = enum.read(old), enum.read(new)
    return was is not None and now is not None and now & was == now != was


def edited_places(body: JSONObject) -> list[str]:
    """Dotted paths of the free-text strings in ``body`` (the lively write marks each with the
    place it belongs to) and of its collections of such strings or of complex values: the
    places an edit-and-undo changes."""

    def editable(path: str, value: JSON) -> bool:
        if isinstance(value, list):
            return bool(value) and all(editable(path, item) for item in value)
        return isinstance(value, dict) or (isinstance(value, str) and path in value)

    return sorted(".".join(p) for p, v in leaves(body) if editable(".".join(p), v))


def edit(value: JSON, how: str) -> JSON:
    """``value`` changed in letter case only, in accents only, with a word added, or restated
    as it is; a collection in reverse order with each item so changed (a complex item keeps
    its first and last properties: a restatement with fewer of them). Changes a store that
    compares case-, accent- or order-insensitively skips, or that merges items, loses."""
    if how == "restate":
        return value
    if isinstance(value, list):
        return [edit(item, how) for item in reversed(value)]
    if isinstance(value, dict):
        keys = [*value][:1] + [*value][-1:]
        return {key: value[key] for key in keys}
    if not isinstance(value, str):
        return value
    if how == "accents":
        bare = [c for c in unicodedata.normalize("NFD", value) if not unicodedata.combining(c)]
        return unicodedata.normalize("NFC", "".join(bare))
    return {"upper": value.upper(), "lower": value.lower()}.get(how, value + " (edited)")


class SequenceFailed(AssertionError):
    """A step's answer or state left the model; carries the verdicts (each with the steps
    and the replay script in its message)."""

    def __init__(self, verdicts: Sequence[Verdict]) -> None:
        super().__init__("\n\n".join(v.describe() for v in verdicts))
        self.verdicts = list(verdicts)

    @staticmethod
    def after(error: Exception, last: SequenceFailed) -> SequenceFailed:
        """The failure a run reports when Hypothesis ended with ``error``, not a SequenceFailed:
        the replayed one when ``error`` groups it with other failures (several bugs found);
        else the replay of the shortest failing sequence did not fail again (a flaky target,
        inconsistent generation) and ``last``, the last one that failed, stands, each of its
        messages saying it may not be the shortest."""
        replayed = [e for e in _leaves(error) if isinstance(e, SequenceFailed)]
        if replayed:
            return replayed[0]
        why = type(error).__name__
        note = f"note: the last failing sequence, maybe not the shortest (its replay: {why})"
        return SequenceFailed(
            [dataclasses.replace(v, message=f"{v.message}\n{note}") for v in last.verdicts]
        )


def _leaves(error: BaseException) -> Iterator[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _leaves(inner)
    else:
        yield error


@dataclasses.dataclass
class Learned:
    """Gray choices, learned from the target's first answer and held for the run."""

    accepts: dict[str, bool] = dataclasses.field(default_factory=dict)
    judged: set[str] = dataclasses.field(default_factory=set)
    stamps_seen_at: dict[str, float] = dataclasses.field(default_factory=dict)
    """When the run first saw each lastModifiedDateTime (``managed``)."""
    examples: int = 0
    after_failure: int = 0

    def shrink_spent(self, cap: int) -> bool:
        """Whether the sequences tried since the first failure passed ``cap`` (the final
        replay of the shortest failing one always runs)."""
        if self.failure is None or current_build_context().is_final:
            return False
        self.after_failure += 1
        return self.after_failure > cap

    failure: SequenceFailed | None = None


def managed(
    position_id: str,
    start: JSONObject,
    got: JSONObject,
    before: JSONObject,
    exchange: Exchange,
    changed: bool,
    seen_at: dict[str, float],
) -> list[Verdict]:
    """Server-managed properties over a sequence: the answer names the position's id;
    createdDateTime and createdBy keep the values the sequence started with;
    lastModifiedDateTime never goes back on an update that changed something, nor stays on a
    stamp older than its unit (``seen_at``: when the run first saw each stamp; two writes
    further apart than a stamp's unit never share one, so a clock read once shows)."""
    out: list[Verdict] = []
    if got.get("id") != position_id:
        out.append(
            Verdict.failed(
                "response.id", "the answer carries another id", sent=sent_body(exchange),
                expected=position_id, got=got.get("id"), exchange=exchange,
            )
        )  # fmt: skip
    moved = [n for n in ("createdDateTime", "createdBy") if not same(got.get(n), start.get(n), n)]
    stamp, now = before.get("lastModifiedDateTime"), time.monotonic()
    age = now - seen_at.setdefault(stamp, now) if isinstance(stamp, str) else None
    if isinstance(got.get("lastModifiedDateTime"), str):
        seen_at.setdefault(got["lastModifiedDateTime"], now)
    old, new = instant(stamp), instant(got.get("lastModifiedDateTime"))
    grain = stamp_grain_s(stamp) or 60.0
    stood = new == old and (grain <= 1e-6 or (age is not None and age > grain + 0.5))
    if changed and old is not None and new is not None and (new < old or stood):
        moved.append("lastModifiedDateTime")
    if moved:
        how = "went back or stood still" if moved[0] == "lastModifiedDateTime" else "changed"
        out.append(
            Verdict.failed(
                "server-managed.recalculated",
                f"{moved[0]} {how} over a sequence of writes",
                sent=sent_body(exchange),
                expected={n: before.get(n) for n in moved},
                got={n: got.get(n) for n in moved},
                exchange=exchange,
            )
        )
    return out


def applicable(body: JSONObject) -> list[str]:
    """The rules an answer to ``body`` is judged by (each passes unless a path breaks it)."""
    values = [v for _, v in leaves(body)]
    return [
        clause
        for clause, applies in (
            ("response.echo", bool(body)),
            ("merge.omitted-preserved", True),
            ("merge.nested", any(isinstance(v, dict) for v in body.values())),
            ("merge.collections-replace", any(isinstance(v, list) for v in values)),
            ("merge.null-clears", any(v is None for v in values)),
        )
        if applies
    ]


def came_back(
    seen: Sequence[JSONObject],
    recalculated: set[str],
    now: JSONObject,
    body: JSONObject,
    exchange: Exchange,
    what: str,
) -> list[Verdict]:
    """A recalculated value follows the values it comes from: when every other
    writable value is again what an earlier answer held, so is it."""
    for earlier in seen:
        paths = differences(earlier, now)
        if not paths or not set(paths) <= recalculated:
            continue
        first = paths[0]
        return [
            Verdict.failed(
                "merge.nested" if "." in first else "merge.omitted-preserved",
                f"{what}: {first} did not come back with the values it would be recalculated from",
                sent=body,
                expected={p: value_at(earlier, p) for p in paths[:3]},
                got={p: value_at(now, p) for p in paths[:3]},
                exchange=exchange,
            )
        ]
    return []


def stored_read(target: Target, *, path: str | None = None) -> Exchange:
    """A GET that must show the stored state: a learned read lag since the last PATCH is
    waited out first (a replica's stale view is not the service's state)."""
    target.wait_out_lag()
    return target.read(path=path)
