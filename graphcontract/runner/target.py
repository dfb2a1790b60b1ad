"""The target under test: one position on one service, read and restored through the API.

Owns the paths of the configured position (``/me/…`` and ``/users/{user}/…``), reading its
state, the restore journal written before the first write, and restoring the writable
properties (verified by GET). It never sends DELETE or POST and never addresses another
position than the configured one, except an id that is meant not to exist.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphcontract.client import Exchange, GraphClient
from graphcontract.contract import Contract
from graphcontract.errors import HarnessError, UsageError
from graphcontract.oracles.compare import differences, get, same
from graphcontract.oracles.verdict import show
from graphcontract.runner.config import check_base_url, check_position_id
from graphcontract.types import JSON, JSONObject, json_text

ME = "/me/profile/positions"
SETTLE_BUDGET_S = 1.55
"""How long a read that disagrees with the write just answered is read again for, at most (a
replica lagging behind the write), before the write counts as not kept."""
POLL_FIRST_S, POLL_GROWTH = 0.02, 1.1
"""Pauses between those reads: 20 ms, then each a tenth longer (a lag is known to within a
tenth from the read that agreed; about 20 reads, once in a run)."""
LAG_MARGIN = 1.05
"""A learned lag is waited out with a twentieth more, before the one read after a write."""


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


def users_collection(user: str) -> str:
    return f"/users/{user}/profile/positions"


@dataclass(frozen=True)
class RestoreResult:
    """Whether the writable properties are back to the snapshot, and what differs if not."""

    verified: bool
    differences: tuple[str, ...] = ()
    sent: JSONObject | None = None
    state: JSONObject | None = None
    """The position as read back by the verifying GET."""

    def describe(self) -> str:
        if self.verified:
            return "restored and verified"
        return "restore NOT verified; still different: " + ", ".join(self.differences)


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

    # -- paths ------------------------------------------------------------------------------
    def user_of_form(self, form: str) -> str | None:
        """The first configured user of ``form`` ("id" or "userPrincipalName": a value with an
        "@" is a userPrincipalName), None when there is none."""
        wanted = form == "userPrincipalName"
        return next((str(u) for u in self.users if ("@" in str(u)) == wanted), None)

    def path(self, *, user: str | None = None, position_id: str | None = None) -> str:
        base = users_collection(user) if user else ME
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
        exchange = self.client.request("GET", ME, content_type=None)
        values = (exchange.json_object() or {}).get("value") if exchange.status == 200 else None
        if not isinstance(values, list):
            return None, exchange
        return {
            str(p["id"]): p
            for p in values
            if isinstance(p, dict) and isinstance(p.get("id"), str) and p["id"] != self.position_id
        }, exchange

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
            return self.read()
        if self.lag_s:
            time.sleep(self.lag_s * LAG_MARGIN)
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
        """The position as GET returns it; TargetUnhealthy when that is impossible."""
        return self._state_of(self.read())

    def _state_of(self, exchange: Exchange) -> JSONObject:
        body = exchange.json_object()
        if exchange.status != 200 or body is None:
            self.client.halt(
                f"GET {self.path()} answered {exchange.status}"
                + ("" if body is not None else " without a JSON object")
                + f"; cannot read the position's state (check {self.position_source} and the "
                "token)"
            )
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

    def restore(self, snapshot: JSONObject, current: JSONObject | None = None) -> RestoreResult:
        """PATCH the writable properties back to ``snapshot`` and verify by GET.

        When the position cannot be read because the service fails (5xx; a value it stored
        but cannot render, say), every writable property is written back blind: that is what
        heals such a position, and the verifying GET says whether it did."""
        if current is None:
            read = self.read()
            if read.status < 500:
                current = self._state_of(read)
        body = restore_body(self.contract, snapshot, current)
        if not body:
            return RestoreResult(True, state=current)
        # Whatever the policy on judging lagging reads, a restore is verified once it shows.
        after = self._state_of(self.read_after(self.patch(body), settle=True))
        remaining = writable_differences(self.contract, snapshot, after)
        return RestoreResult(not remaining, tuple(remaining), body, state=after)

    def final_restore(self) -> RestoreResult | None:
        """Put the position back to the original at the end of a run, even after the target
        was found unhealthy (one more try); never raises: a failure is an unverified result."""
        if self.original is None:
            return None
        self.client.reopen()
        try:
            return self.restore(self.original)
        except HarnessError as exc:
            return RestoreResult(False, (f"could not restore ({exc})",))


JOURNAL_PATTERN = "restore-journal-*.json"


def write_journal(path: Path, target: Target, snapshot: JSONObject) -> None:
    """Write the restore journal atomically (temporary file, fsync, rename, fsync the folder)."""
    record: dict[str, Any] = {
        "graphcontract_journal": 1,
        "created": datetime.now(UTC).isoformat(),
        "base_url": target.client.base_url,
        "position_path": target.path(),
        "position_id": target.position_id,
        "run_uid": target.run_uid,
        "snapshot": snapshot,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(json_text(record, indent=1))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def earliest_journal(folder: Path, target: Target) -> JSONObject | None:
    """The snapshot of the earliest journal in ``folder`` written by the same run for the
    same position, if any.

    Each process journals before its own first write, so the earliest journal was read
    before any process of the run wrote."""
    found: list[tuple[str, JSONObject]] = []
    mine = (target.run_uid, target.client.base_url, target.position_id)
    for candidate in folder.glob(JOURNAL_PATTERN):
        try:
            record = read_journal(candidate)
        except UsageError:
            continue
        same = (record.get("run_uid"), record.get("base_url"), record.get("position_id")) == mine
        if same and isinstance(record.get("snapshot"), dict):
            found.append((str(record.get("created", "")), record["snapshot"]))
    return min(found, key=lambda item: item[0])[1] if found else None


def find_journals(path: Path) -> list[Path]:
    """The journal file ``path`` names, or the journals in the run folder it names."""
    if path.is_dir():
        return sorted(path.glob(JOURNAL_PATTERN))
    return [path]


def read_journal(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no restore journal at {str(path)!r}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read restore journal {str(path)!r}: {exc}") from None
    if not isinstance(record, dict) or record.get("graphcontract_journal") != 1:
        raise UsageError(f"{str(path)!r} is not a graphcontract restore journal")
    return record


def check_journal(
    path: Path, journal: dict[str, Any], contract: Contract, *, base_url: str | None = None
) -> tuple[str, str, JSONObject]:
    """(base URL, position id, snapshot) of a journal fit to restore from, or UsageError naming
    the journal and what is wrong. Checked before any request: a journal that could address
    another resource, or write back anything but that position's own state, is refused.
    ``base_url`` (``restore --base-url``) replaces the journal's."""
    where = f"restore journal {str(path)!r}"
    snapshot, position_id = journal.get("snapshot"), journal.get("position_id")
    if snapshot is None or position_id is None:
        missing = "snapshot" if snapshot is None else "position_id"
        raise UsageError(f"{where} is incomplete (no {missing})")
    position_id = check_position_id(position_id, what=f"{where}: position_id")
    if not isinstance(snapshot, dict):
        raise UsageError(f"{where}: snapshot is not a JSON object")
    if "id" not in snapshot:
        raise UsageError(f"{where}: snapshot has no id (not a position's state)")
    if snapshot.get("id") != position_id:
        raise UsageError(
            f"{where}: snapshot id {snapshot.get('id')!r} is not the position_id "
            f"{position_id!r} (not that position's state)"
        )
    problems = contract.response_errors(snapshot, undeclared=False)
    if problems:
        first = problems[0].replace("body", "snapshot", 1)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise UsageError(f"{where}: snapshot is not a workPosition: {first}{more}")
    if base_url:
        return check_base_url(base_url), position_id, snapshot
    journal_url = journal.get("base_url")
    if not journal_url:
        raise UsageError(f"{where} has no base_url; name the target with --base-url")
    if not isinstance(journal_url, str):
        raise UsageError(f"{where}: base_url {journal_url!r} is not an http(s) URL")
    return check_base_url(journal_url, what=f"{where}: base_url"), position_id, snapshot


def _agrees(read: Exchange, answer: JSONObject) -> bool:
    """A GET shows the position a write answered (in the contract's sense)."""
    return read.status == 200 and same(read.json_object(), answer)


def _is_guid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
