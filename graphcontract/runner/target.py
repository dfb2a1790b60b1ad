"""The target under test: one position on one service, read and restored through the API.

Owns the paths of the configured position (``/me/…`` and ``/users/{user}/…``), reading its
state, the restore journal written before the first write, and restoring the writable
properties (verified by GET). It never sends DELETE or POST and never addresses another
position than the configured one, except an id that is meant not to exist.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphcontract.client import Exchange, GraphClient
from graphcontract.contract import Contract
from graphcontract.errors import TargetUnhealthy, UsageError
from graphcontract.oracles.compare import differences, get
from graphcontract.types import JSON, JSONObject

ME = "/me/profile/positions"


def users_collection(user: str) -> str:
    return f"/users/{user}/profile/positions"


@dataclass(frozen=True)
class RestoreResult:
    """Whether the writable properties are back to the snapshot, and what differs if not."""

    verified: bool
    differences: tuple[str, ...] = ()
    sent: JSONObject | None = None

    def describe(self) -> str:
        if self.verified:
            return "restored and verified"
        return "restore NOT verified; still different: " + ", ".join(self.differences)


def restore_body(contract: Contract, snapshot: JSONObject, current: JSONObject) -> JSONObject:
    """The PATCH body that puts every writable property that differs back to ``snapshot``."""
    body: JSONObject = {}
    for name in contract.updatable:
        if not differences(get(snapshot, name), get(current, name)):
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
    out: list[str] = []
    for name in contract.updatable:
        out += differences(get(expected, name), get(actual, name), name)
    return out


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
        label: str = "",
    ) -> None:
        self.contract = contract
        self.client = client
        self.position_id = position_id
        self.users = users
        self.readonly_token = readonly_token
        self.journal_path = journal_path
        self.label = label or client.base_url
        self.original: JSONObject | None = None

    # -- paths ------------------------------------------------------------------------------
    def path(self, *, user: str | None = None, position_id: str | None = None) -> str:
        base = users_collection(user) if user else ME
        return f"{base}/{position_id or self.position_id}"

    def unknown_id(self) -> str:
        return f"graphcontract-missing-{uuid.uuid4()}"

    # -- reading ----------------------------------------------------------------------------
    def read(self, *, path: str | None = None) -> Exchange:
        return self.client.request("GET", path or self.path(), content_type=None)

    def state(self) -> JSONObject:
        """The position as GET returns it; TargetUnhealthy when that is impossible."""
        exchange = self.read()
        body = exchange.json_object()
        if exchange.status != 200 or body is None:
            raise TargetUnhealthy(
                f"GET {self.path()} answered {exchange.status}"
                + ("" if body is not None else " without a JSON object")
                + "; cannot read the position's state (check --position-id and the token)"
            )
        return body

    def snapshot_original(self) -> JSONObject:
        """The state before the first write, also written (fsync'd) to the restore journal."""
        if self.original is None:
            self.original = self.state()
            if self.journal_path is not None:
                write_journal(self.journal_path, self, self.original)
        return self.original

    # -- writing ----------------------------------------------------------------------------
    def patch(
        self,
        body: JSON = None,
        *,
        content: bytes | None = None,
        content_type: str | None = "application/json",
        token: str | bool | None = True,
        path: str | None = None,
    ) -> Exchange:
        return self.client.request(
            "PATCH",
            path or self.path(),
            json_body=body,
            content=content,
            content_type=content_type,
            token=token,
        )

    def restore(self, snapshot: JSONObject, current: JSONObject | None = None) -> RestoreResult:
        """PATCH the writable properties back to ``snapshot`` and verify by GET."""
        current = current if current is not None else self.state()
        body = restore_body(self.contract, snapshot, current)
        if not body:
            return RestoreResult(True)
        self.patch(body)
        after = self.state()
        remaining = writable_differences(self.contract, snapshot, after)
        return RestoreResult(not remaining, tuple(remaining), body)


def write_journal(path: Path, target: Target, snapshot: JSONObject) -> None:
    record: dict[str, Any] = {
        "graphcontract_journal": 1,
        "created": datetime.now(UTC).isoformat(),
        "base_url": target.client.base_url,
        "position_path": target.path(),
        "position_id": target.position_id,
        "snapshot": snapshot,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(record, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


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
