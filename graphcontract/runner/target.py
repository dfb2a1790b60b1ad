"""The target under test: one position on one service, read and restored through the API.

Owns the paths of the configured position (``/me/…`` and ``/users/{user}/…``), reading its
state, journalling it before the first write (``journal.py`` owns the file), restoring the
writable properties (verified by GET) and, at the end, verifying the whole position against
the snapshot (``leftovers.py``), following it when a body's id moved it. It never sends
DELETE or POST and never addresses another position than the configured one, except an id
that is meant not to exist (and the new id a body moved it to).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphcontract.client import Exchange, GraphClient
from graphcontract.contract import Contract
from graphcontract.errors import HarnessError, UsageError
from graphcontract.oracles.compare import differences, get, same
from graphcontract.oracles.verdict import show
from graphcontract.runner.journal import earliest_journal, write_journal
from graphcontract.runner.lag import (
    LAG_MARGIN,
    SETTLE_BUDGET_S,
    SETTLE_DELAYS_S,
    ReadBacks,
)
from graphcontract.runner.leftovers import ProbeLedger, leftovers, sent_object
from graphcontract.types import JSON, JSONObject


def discover_position(client: GraphClient, contract: Contract, *, loopback: bool) -> str:
    """The id of the item a loopback run may modify when none was named: the last one the
    /me collection lists (DISCOVERED_POSITION)."""
    if not loopback:
        raise UsageError(
            "a non-loopback target needs --position-id: name the one position the run may modify"
        )
    collection = contract.me_collection
    exchange = client.request("GET", collection, content_type=None)
    body = exchange.json_object() or {}
    values = body.get("value")
    if exchange.status != 200 or not isinstance(values, list) or not values:
        raise UsageError(
            f"GET {collection} answered {exchange.status} with no {contract.segment}; "
            "pass --position-id"
        )
    # DISCOVERED_POSITION, the last one: a write that lands on the first listed position
    # whatever id it names (a query without the id) then shows on a position the run did not
    # name. --help and --dry-run say so in the same words.
    chosen = values[-1]
    if not isinstance(chosen, dict) or not isinstance(chosen.get("id"), str):
        raise UsageError(f"GET {collection} listed an item without an id; pass --position-id")
    return str(chosen["id"])


@dataclass(frozen=True)
class RestoreResult:
    """Whether the position is back to the snapshot, and what differs if not: the writable
    properties a PATCH could not put back (``differences``), and what else the run left that
    no PATCH can remove (``not_restored``, judged on the whole position at the end)."""

    verified: bool
    differences: tuple[str, ...] = ()
    sent: JSONObject | None = None
    state: JSONObject | None = None
    """The position as read back by the verifying GET."""
    not_restored: tuple[str, ...] = ()
    withheld: str = ""
    """The probes not sent because the target stores them (one line, empty when none)."""

    def describe(self) -> str:
        if self.verified:
            return "restored and verified"
        parts = []
        if self.differences:
            parts.append("restore NOT verified; still different: " + ", ".join(self.differences))
        if self.not_restored:
            parts.append("NOT restored (no PATCH can undo it): " + "; ".join(self.not_restored))
        return "; ".join(parts)

    def record(self, when: str) -> dict[str, Any]:
        """The restore as report.json lists it."""
        return {
            "when": when,
            "verified": self.verified,
            "differences": list(self.differences),
            "not_restored": list(self.not_restored),
            "withheld": self.withheld,
        }


def restore_body(
    contract: Contract, snapshot: JSONObject, current: JSONObject | None
) -> JSONObject:
    """The PATCH body that puts every writable property that differs back to ``snapshot``;
    every writable property, nulls included, when the current state is unknown (None)."""
    body: JSONObject = {}
    for name in contract.updatable:
        if current is not None and not differences(get(snapshot, name), get(current, name)):
            continue
        prop = contract.entity.properties[name]
        body[name] = _full_value(contract, prop.type_name, prop.collection, get(snapshot, name))
    return body


def _full_value(contract: Contract, type_name: str, collection: bool, value: JSON) -> JSON:
    """``value`` written out in full: every declared sub-property explicit, annotations and
    undeclared keys dropped, null collections as []."""
    if collection:
        items = value if isinstance(value, list) else []
        return [_full_value(contract, type_name, False, item) for item in items]
    if value is None or not contract.is_structured(type_name) or not isinstance(value, dict):
        return value
    spec = contract.structured(type_name)
    return {
        name: _full_value(contract, p.type_name, p.collection, value.get(name))
        for name, p in spec.properties.items()
    }


def writable_differences(contract: Contract, expected: JSONObject, actual: JSONObject) -> list[str]:
    """Each writable property path that differs, as ``path: expected X, got Y``."""
    out: list[str] = []
    for name in contract.updatable:
        for where in differences(get(expected, name), get(actual, name), name):
            want, got = _value_at(expected, where), _value_at(actual, where)
            out.append(f"{where}: expected {show(want, 120)}, got {show(got, 120)}")
    return out


def _value_at(state: JSON, path: str) -> JSON:
    value = state
    for part in path.split("."):
        value = get(value, part)
    return value


class Target:
    """One configured position reached through a GraphClient."""

    def __init__(
        self,
        contract: Contract,
        client: GraphClient,
        position_id: str,
        *,
        users: tuple[str, ...] = (),
        readonly_token: str | None = None,
        journal_path: Path | None = None,
        run_uid: str | None = None,
        label: str = "",
        position_source: str = "--position-id",
    ) -> None:
        self.contract = contract
        self.client = client
        self.position_id = position_id
        self.users = users
        self.readonly_token = readonly_token
        self.journal_path = journal_path
        self.run_uid = run_uid
        """Shared by the processes of one run (xdist's testrunuid); None: a single process."""
        self.label = label or client.base_url
        self.position_source = position_source
        """Where the position id came from, named when the position cannot be read."""
        self.original: JSONObject | None = None
        self.settle_reads = True
        """Re-read a position that disagrees with a write's answer (policy read_lag=wait)."""
        self.lags_s: list[float] = []
        """Each read-after-write lag learned (the first, and each learned again)."""
        self.lag_s: float | None = None
        """The lag learned last: waited out (LAG_MARGIN) before every read after a write."""
        self._reads_never_settle = False
        self.read_backs = ReadBacks()
        """Which examples read back once a lag is learned (runner/lag.py)."""
        client.hooks.append(self.read_backs.on_exchange)
        self.ledger = ProbeLedger(contract)
        """The probes the target was seen to store, and what the run sent that it may keep."""
        self._was_read = False
        """Whether this process has read the position (a 404 since is the run's doing)."""
        self.moved_from: list[str] = []
        """Ids the position had before a body's id moved it (oldest first)."""

    # -- paths ------------------------------------------------------------------------------
    def user_of_form(self, form: str) -> str | None:
        """The first configured user of ``form`` ("id" or "userPrincipalName": a value with an
        "@" is a userPrincipalName), None when there is none."""
        wanted = form == "userPrincipalName"
        return next((str(u) for u in self.users if ("@" in str(u)) == wanted), None)

    def path(self, *, user: str | None = None, position_id: str | None = None) -> str:
        base = self.contract.users_collection(user) if user else self.contract.me_collection
        return f"{base}/{position_id or self.position_id}"

    def unknown_id(self) -> str | None:
        """An id no position has, of the configured id's form: a fresh GUID when that id is
        one (a service that checks key syntax must answer 404 for it, not 400), else a
        ``graphcontract-missing-<uuid>``. Checked by GET first, so that even a colliding id
        is never written to; None when three fresh ids all answer 200."""
        for _ in range(3):
            candidate = (
                str(uuid.uuid4())
                if _is_guid(self.position_id)
                else f"graphcontract-missing-{uuid.uuid4()}"
            )
            if self.read(path=self.path(position_id=candidate)).status != 200:
                return candidate
        return None

    def other_positions(self) -> tuple[dict[str, JSONObject] | None, Exchange]:
        """The user's positions but the configured one, by id (GET of the /me collection;
        None when the collection cannot be read), and that GET."""
        exchange = self.client.request("GET", self.contract.me_collection, content_type=None)
        values = (exchange.json_object() or {}).get("value") if exchange.status == 200 else None
        if not isinstance(values, list):
            return None, exchange
        return {
            str(p["id"]): p
            for p in values
            if isinstance(p, dict) and isinstance(p.get("id"), str) and p["id"] != self.position_id
        }, exchange

    @property
    def lag_learned(self) -> bool:
        """A lag was learned and reads after writes are judged only once it shows (read_lag
        wait): read-backs are then sampled (``read_back_due``)."""
        return bool(self.lag_s) and self.settle_reads

    def read_back_due(self) -> bool:
        """Whether this example reads the state after its writes (ReadBacks.due)."""
        return self.read_backs.due(self.lag_learned)

    def state_after(self, write: Exchange) -> Exchange:
        """Within a sequence of writes: the read after ``write`` when this example reads back
        (``read_backs.current``), else ``write`` itself (its 200 answer is the state it left)."""
        if self.read_backs.current or not self.lag_learned or write.status != 200:
            return self.read_after(write)
        return write

    def wait_out_lag(self) -> None:
        """Before a read that must show the stored state: wait what is left of the learned
        lag since the last PATCH (nothing when it passed, or when no lag was learned)."""
        if self.lag_learned and self.lag_s:
            self.read_backs.sleep(self.read_backs.left_of(self.lag_s))

    # -- reading ----------------------------------------------------------------------------
    def read(self, *, path: str | None = None) -> Exchange:
        return self.client.request("GET", path or self.path(), content_type=None)

    def read_after(self, write: Exchange, *, settle: bool | None = None) -> Exchange:
        """GET after a write. When the write answered 200 with a position, the service may
        read from a replica that lags behind its writes (``settle``, default
        ``settle_reads``): the lag is learned once, on the first read that disagrees (read
        again, pausing SETTLE_DELAYS_S, until the two agree) and then waited out once before
        every read after a write; it is learned again only when a read still disagrees after
        that wait. A target whose reads once never agreed is not polled again: it loses
        writes, and the oracles say so at once."""
        written = time.monotonic()
        answer = write.json_object() if write.status == 200 else None
        settle = self.settle_reads if settle is None else settle
        if answer is None or not settle:
            if settle:
                self.wait_out_lag()  # a refused write that was stored shows after the lag
            return self.read()
        if self.lag_s:
            self.read_backs.sleep(self.lag_s * LAG_MARGIN)
        exchange = self.read()
        if _agrees(exchange, answer) or self._reads_never_settle:
            return exchange
        for pause in SETTLE_DELAYS_S:
            time.sleep(pause)
            asked = time.monotonic() - written
            exchange = self.read()
            if _agrees(exchange, answer):
                self.lag_s = min(asked, SETTLE_BUDGET_S)
                self.lags_s.append(asked)
                return exchange
        self._reads_never_settle = True
        return exchange

    @property
    def never_settled(self) -> bool:
        """A read once never showed the write just answered, however long it was polled."""
        return self._reads_never_settle

    def state(self) -> JSONObject:
        """The position as GET returns it, once a learned lag since the last write has passed
        (the stored state, not a replica's stale view); TargetUnhealthy when unreadable."""
        self.wait_out_lag()
        return self._state_of(self.read())

    def _state_of(self, exchange: Exchange) -> JSONObject:
        body = exchange.json_object()
        if exchange.status == 404 and self._was_read:
            last = f" (the last: {exchange.sent_after})" if exchange.sent_after else ""
            self.client.halt(
                f"GET {self.path()} answered 404 although it answered the position before the "
                f"run's first write: a request of the run removed or moved it{last}"
            )
        if exchange.status != 200 or body is None:
            self.client.halt(
                f"GET {self.path()} answered {exchange.status}"
                + ("" if body is not None else " without a JSON object")
                + f"; cannot read the position's state (check {self.position_source} and the "
                "token)"
            )
        self._was_read = True
        return body

    def snapshot_original(self) -> JSONObject:
        """Read the state before the first write and write it (fsync'd) to the restore journal;
        returns the state just read.

        When another process of the same run (an xdist worker, same ``run_uid``) journalled
        the position before, its snapshot is the original: this process may be looking at a
        state that process has changed, so it adopts that snapshot as the state to restore.
        """
        current = self.state()
        if self.original is None:
            earlier = None
            if self.journal_path is not None and self.run_uid is not None:
                earlier = earliest_journal(self.journal_path.parent, self)
            self.original = earlier if earlier is not None else current
            if self.journal_path is not None:
                write_journal(self.journal_path, self, self.original)
        return current

    # -- writing ----------------------------------------------------------------------------
    def patch(
        self,
        body: JSON = None,
        *,
        content: bytes | None = None,
        content_type: str | None = "application/json",
        token: str | bool | None = True,
        path: str | None = None,
        authorization: str | None = None,
        accept: str | None = None,
    ) -> Exchange:
        """PATCH the position; ``authorization`` replaces the Authorization header whole,
        ``accept`` the Accept header ("" sends none)."""
        self.ledger.before_send(sent_object(body, content))
        headers = {} if authorization is None else {"Authorization": authorization}
        if accept is not None:
            headers["Accept"] = accept
        return self.client.request(
            "PATCH",
            path or self.path(),
            json_body=body,
            content=content,
            content_type=content_type,
            token=token if authorization is None else None,
            extra_headers=headers or None,
        )

    def changes(self, before: JSONObject, after: JSONObject) -> bool:
        """Whether any writable property differs between two states."""
        return bool(restore_body(self.contract, before, after))

    def restore(
        self, snapshot: JSONObject, current: JSONObject | None = None, *, read_back: bool = True
    ) -> RestoreResult:
        """PATCH the writable properties back to ``snapshot`` and verify by GET.

        Without ``read_back`` (a learned lag, a write not sampled) the restore PATCH's 200
        answer stands for the state: the final restore, verified on the whole position by a
        GET after the lag, is the proof. When the position cannot be read because the service
        fails (5xx; a value it stored but cannot render, say), every writable property is
        written back blind: that is what heals such a position, and the verifying GET says
        whether it did."""
        if current is None:
            self.wait_out_lag()
            read = self.read()
            if read.status < 500:
                current = self._state_of(read)
        body = restore_body(self.contract, snapshot, current)
        if not body:
            return RestoreResult(True, state=current)
        written = self.patch(body)
        answer = written.json_object() if written.status == 200 else None
        if not read_back and self.lag_learned and answer is not None:
            remaining = writable_differences(self.contract, snapshot, answer)
            return RestoreResult(not remaining, tuple(remaining), body, state=answer)
        # Whatever the policy on judging lagging reads, a restore is verified once it shows.
        after = self._state_of(self.read_after(written, settle=True))
        remaining = writable_differences(self.contract, snapshot, after)
        return RestoreResult(not remaining, tuple(remaining), body, state=after)

    def follow(self, exchange: Exchange) -> bool:
        """After a write whose 200 answer names another id than the position's: when the old
        id now answers 404 and the new one the position, the body moved it. The run follows
        it there (every later request, the restores and the journal name the new id) and
        says so at the end; True when it moved."""
        answer = exchange.json_object() if exchange.status == 200 else None
        new_id = answer.get("id") if answer is not None else None
        if not isinstance(new_id, str) or not new_id or new_id == self.position_id:
            return False
        if self.read().status != 404:
            return False
        moved = self.read(path=self.path(position_id=new_id))
        if moved.status != 200 or (moved.json_object() or {}).get("id") != new_id:
            return False
        self.moved_from.append(self.position_id)
        self.position_id = new_id
        if self.journal_path is not None and self.original is not None:
            write_journal(self.journal_path, self, self.original)
        return True

    def moved_note(self) -> str:
        """Where the position lives now, when a body's id moved it (empty otherwise)."""
        if not self.moved_from:
            return ""
        first = self.moved_from[0]
        return (
            f"id: the position now lives at id {self.position_id!r}; its id {first!r} answers "
            "404 (a body's id moved it there; a PATCH of its old id did not move it back)"
        )

    def verify_whole(self, result: RestoreResult) -> RestoreResult:
        """``result`` judged on the whole position against the original snapshot: what no
        PATCH can remove is listed as not restored (never verified)."""
        if self.original is None or result.state is None:
            return result
        left = leftovers(self.contract, self.original, result.state, self.ledger)
        if self.moved_from:
            left = [self.moved_note(), *(x for x in left if not x.startswith("id:"))]
        return RestoreResult(
            result.verified and not left,
            result.differences,
            result.sent,
            result.state,
            tuple(left),
            self.ledger.describe_withheld(),
        )

    def move_back(self) -> None:
        """The position was moved by a body's id: the service applies ids, so the one write
        that can undo the move is its original id, sent to where it lives now. Kept only
        when a GET of the original id then answers it; else the run reports the move."""
        if not self.moved_from:
            return
        first = self.moved_from[0]
        self.client.request("PATCH", self.path(), json_body={"id": first})
        back = self.read(path=self.path(position_id=first))
        if back.status == 200 and (back.json_object() or {}).get("id") == first:
            self.position_id, self.moved_from = first, []

    def restore_journalled(
        self, snapshot: JSONObject, *, moved_to: str | None = None
    ) -> RestoreResult:
        """Restore from a journal (a killed run): the position is found where the journal says
        a body's id moved it (``moved_to``) and moved back when the service lets it; the
        result is verified on the whole position."""
        self.original = snapshot
        if moved_to is not None and moved_to != self.position_id:
            self.moved_from, self.position_id = [self.position_id], moved_to
            self.move_back()
        return self.verify_whole(self.restore(snapshot))

    def final_restore(self) -> RestoreResult | None:
        """Put the position back to the original at the end of a run, even after the target
        was found unhealthy (one more try), and verify it on the whole position; never
        raises: a failure is an unverified result."""
        if self.original is None:
            return None
        self.client.reopen()
        try:
            self.move_back()
            return self.verify_whole(self.restore(self.original))
        except HarnessError as exc:
            return RestoreResult(False, (f"could not restore ({exc})",))


def _agrees(read: Exchange, answer: JSONObject) -> bool:
    """A GET shows the position a write answered (in the contract's sense)."""
    return read.status == 200 and same(read.json_object(), answer)


def _is_guid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
