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
from tests.integration.forked import ForkedMock
from tests.resilience.conftest import SECRET, Position, differences

LIVE = "https://graph.example.invalid/beta"


def journal_for(mock: MockProcess, folder: Path, worker: str = "main") -> dict:
    """Journal the position a run without --position-id modifies (the last listed), as a
    run does before its first write; the snapshot."""
    with GraphClient(mock.base_url, token=SECRET) as client:
        target = Target(
            load_contract(),
            client,
            mock.position_ids[-1],
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
    with ForkedMock(faults=["collections-append"]) as broken:
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


def write_journal(folder: Path, mock: MockProcess, **changes) -> Path:
    """A journal of the position a run without --position-id modifies, as a run writes it,
    with ``changes`` applied (a value of None removes the field)."""
    journal_for(mock, folder)
    path = folder / "restore-journal-main.json"
    record = json.loads(path.read_text())
    record.update(changes)
    path.write_text(json.dumps({k: v for k, v in record.items() if v is not None}))
    return path


def one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured
    assert lines[0].startswith("graphcontract: error: ")
    assert "Traceback" not in captured.out + captured.err
    return lines[0]


def untrusted_snapshot(position_id: str, other_user: str) -> list[tuple[dict, str]]:
    return [
        ({"snapshot": {}}, "snapshot has no id"),
        ({"snapshot": {"id": position_id, "categories": 5}}, "snapshot.categories: 5 is not"),
        ({"snapshot": {"id": position_id, "detail": "x"}}, "snapshot.detail: 'x' is not"),
        ({"snapshot": {"id": "another-position"}}, "is not the position_id"),
        ({"snapshot": [1]}, "snapshot is not a JSON object"),
        (
            {"position_id": f"../../../users/{other_user}/profile/positions/{position_id}"},
            "position_id '../../../users/",
        ),
        ({"position_id": ""}, "position_id '' is not a position id"),
        ({"position_id": "a?b#c"}, "position_id 'a?b#c' is not a position id"),
    ]


UNTRUSTED_IDS = [
    "empty-snapshot-would-patch-nulls",
    "snapshot-collection-of-wrong-type",
    "snapshot-detail-of-wrong-type",
    "snapshot-of-another-position",
    "snapshot-not-an-object",
    "position-id-traversal",
    "empty-position-id",
    "position-id-with-query",
]


@pytest.mark.parametrize("case", range(len(UNTRUSTED_IDS)), ids=UNTRUSTED_IDS)
def test_a_journal_that_could_lose_data_is_refused_before_any_request(
    mock: MockProcess, position: Position, tmp_path: Path, capsys, case: int
):
    """A hand-edited or corrupted journal is a usage error (exit 2) naming the journal and the
    field; the position is left exactly as it is."""
    changes, expected = untrusted_snapshot(position.id, mock.user_id)[case]
    journal = write_journal(tmp_path, mock, **changes)
    before = position.get()
    assert main(["restore", "--journal", str(journal), "--base-url", mock.base_url]) == 2
    line = one_error_line(capsys)
    assert str(journal) in line
    assert expected in line
    after = position.get()
    assert differences(before, after) == {}
    assert after["lastModifiedDateTime"] == before["lastModifiedDateTime"], "it was written"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"base_url": None}, "has no base_url; name the target with --base-url"),
        ({"base_url": "http://[::1"}, "base_url 'http://[::1' is not an http(s) URL"),
        ({"base_url": 5}, "base_url 5 is not an http(s) URL"),
    ],
    ids=["no-base-url", "unclosed-ipv6-base-url", "base-url-not-a-string"],
)
def test_a_bad_journal_base_url_is_named_as_the_journal_field(
    mock: MockProcess, tmp_path: Path, capsys, changes, expected
):
    journal = write_journal(tmp_path, mock, **changes)
    assert main(["restore", "--journal", str(journal)]) == 2
    line = one_error_line(capsys)
    assert expected in line
    assert str(journal) in line
    assert "--base-url ''" not in line


def test_a_position_the_target_does_not_know_names_the_journal_field(
    mock: MockProcess, tmp_path: Path, capsys
):
    journal = write_journal(tmp_path, mock)
    record = json.loads(journal.read_text())
    record["position_id"] = record["snapshot"]["id"] = "no-such-position"
    journal.write_text(json.dumps(record))
    assert main(["restore", "--journal", str(journal)]) == 2
    line = one_error_line(capsys)
    assert "position_id in restore journal" in line
    assert "--position-id" not in line


@pytest.mark.parametrize("value", ["nan", "inf", "0"], ids=["nan", "infinite", "zero"])
def test_restore_needs_a_finite_positive_timeout(mock: MockProcess, tmp_path: Path, capsys, value):
    journal = write_journal(tmp_path, mock)
    assert main(["restore", "--journal", str(journal), "--timeout", value]) == 2
    assert "--timeout must be positive" in one_error_line(capsys)
