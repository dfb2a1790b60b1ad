"""``graphcontract restore``: from a journal file or a run folder, verified by GET; says
exactly what still differs (exit 1) when the target will not take the old state back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphcontract.cli import main
from graphcontract.client import GraphClient
from graphcontract.contract import load_contract
from graphcontract.mock.process import MockProcess
from graphcontract.runner.target import Target
from tests.resilience.conftest import SECRET, Position, differences

LIVE = "https://graph.example.invalid/beta"


def journal_for(mock: MockProcess, folder: Path, worker: str = "main") -> dict:
    """Journal the first position as a run does before its first write; the snapshot."""
    with GraphClient(mock.base_url, token=SECRET) as client:
        target = Target(
            load_contract(),
            client,
            mock.position_ids[0],
            journal_path=folder / f"restore-journal-{worker}.json",
        )
        target.snapshot_original()
        assert target.original is not None
        return target.original


def test_restore_from_a_run_folder_puts_the_position_back(
    mock: MockProcess, position: Position, tmp_path: Path, capsys
):
    original = journal_for(mock, tmp_path)
    position.patch({"detail": {"jobTitle": "left behind by a killed run"}, "categories": ["x"]})
    assert main(["restore", "--journal", str(tmp_path)]) == 0
    assert "restored and verified" in capsys.readouterr().out
    assert differences(original, position.get()) == {}
    assert main(["restore", "--journal", str(tmp_path / "restore-journal-main.json")]) == 0
    assert "nothing to restore (already equal)" in capsys.readouterr().out


def test_restore_uses_the_earliest_journal_of_a_folder(
    mock: MockProcess, position: Position, tmp_path: Path, capsys
):
    original = journal_for(mock, tmp_path, "gw0")
    position.patch({"detail": {"jobTitle": "changed before the second worker journalled"}})
    late = tmp_path / "restore-journal-gw1.json"
    record = json.loads((tmp_path / "restore-journal-gw0.json").read_text())
    record["created"] = "9999-01-01T00:00:00+00:00"
    record["snapshot"] = position.get()
    late.write_text(json.dumps(record))
    assert main(["restore", "--journal", str(tmp_path)]) == 0
    assert "restore-journal-gw0.json" in capsys.readouterr().out
    assert differences(original, position.get()) == {}


def test_a_restore_the_target_will_not_take_lists_what_differs_and_exits_1(tmp_path: Path, capsys):
    with MockProcess(faults=["collections-append"]) as broken:
        position = Position(broken)
        journal_for(broken, tmp_path)
        position.patch({"categories": ["added after the journal"]})
        code = main(["restore", "--journal", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "restore NOT verified; still different:" in out
    detail = [line for line in out.splitlines() if line.startswith("  categories")]
    assert detail, out
    assert "expected" in detail[0]
    assert "got" in detail[0]
    assert "added after the journal" in detail[0]


def test_restore_of_a_live_target_needs_the_token(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    journal = tmp_path / "restore-journal-main.json"
    journal.write_text(
        json.dumps(
            {
                "graphcontract_journal": 1,
                "base_url": LIVE,
                "position_id": "p1",
                "snapshot": {"id": "p1"},
            }
        )
    )
    monkeypatch.delenv("GRAPH_TOKEN", raising=False)
    assert main(["restore", "--journal", str(journal)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "GRAPH_TOKEN is empty or unset" in err
