"""The restore journal: the position's state before a run's first write, written atomically
under the report folder so that ``graphcontract restore`` can repair a killed run; and the
checks a journal must pass before anything is written from it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphcontract.contract import Contract
from graphcontract.errors import UsageError
from graphcontract.runner.config import check_base_url, check_position_id
from graphcontract.types import JSONObject, json_text

if TYPE_CHECKING:
    from graphcontract.runner.target import Target

JOURNAL_PATTERN = "restore-journal-*.json"


def write_journal(path: Path, target: Target, snapshot: JSONObject) -> None:
    """Write the restore journal atomically (temporary file, fsync, rename, fsync the folder)."""
    record = journal_record(
        target.client.base_url,
        target.path(),
        target.moved_from[0] if target.moved_from else target.position_id,
        snapshot,
        run_uid=target.run_uid,
    )
    if target.moved_from:
        record["moved_to"] = target.position_id  # a body's id moved the position there
    write_record(path, record)


def journal_record(
    base_url: str,
    position_path: str,
    position_id: str | None,
    snapshot: JSONObject,
    *,
    run_uid: str | None = None,
) -> dict[str, Any]:
    """A journal's content: where the position is and its state before the first write."""
    return {
        "graphcontract_journal": 1,
        "created": datetime.now(UTC).isoformat(),
        "base_url": base_url,
        "position_path": position_path,
        "position_id": position_id,
        "run_uid": run_uid,
        "snapshot": snapshot,
    }


def write_record(path: Path, record: dict[str, Any]) -> None:
    """Write a journal record atomically (temporary file, fsync, rename, fsync the folder)."""
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
