"""The generated reference pages of docs/ match the catalog and the fault registry they come
from; a stale page fails with the command that regenerates it."""

from __future__ import annotations

import pytest

from graphcontract import docgen
from graphcontract.contract import load_contract
from graphcontract.docgen import COMMAND, GENERATED, clauses_markdown, faults_markdown, main
from graphcontract.mock.faults import FAULTS
from graphcontract.mock.gray import GrayChoices


@pytest.mark.parametrize("relative", list(GENERATED))
def test_generated_page_is_up_to_date(relative):
    path = docgen.repository_root() / relative
    committed = path.read_text(encoding="utf-8") if path.is_file() else ""
    assert committed == GENERATED[relative](), f"{relative} is stale: run `{COMMAND}`"


def test_clause_reference_has_every_clause_of_the_catalog_with_its_source():
    text = clauses_markdown()
    for clause in load_contract().clauses.values():
        assert f"\n## {clause.id}\n" in text, clause.id
        assert clause.source.page in text, clause.id
    assert "A **must clause**" in text


def test_fault_page_lists_every_fault_and_every_gray_choice():
    text = faults_markdown()
    for name in FAULTS:
        assert f"| `{name}` |" in text, name
    for name in GrayChoices.__dataclass_fields__:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        assert not row.endswith("|  |"), f"gray choice {name} has no description"


def test_fault_page_says_per_fault_whether_the_state_machine_alone_finds_it_and_why_not():
    """A fault in the history of writes is one the state machine alone must find (its own
    self-test runs it); any other it misses says why and which case finds it instead."""
    text = faults_markdown()
    for name, fault in FAULTS.items():
        assert not (fault.history and fault.machine_misses), name
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        last = row.rsplit("|", 2)[-2].strip()
        if fault.machine_misses:
            assert last == fault.machine_misses, name
            assert last.startswith(("no: ", "only under ")), name
            assert "; " in last, f"{name}: say why, then which case finds it"
        else:
            assert last.startswith("yes"), name
            assert (fault.history in last) if fault.history else last == "yes", name
    assert sum(1 for fault in FAULTS.values() if fault.history) >= 6


def test_check_mode_names_a_stale_page_and_the_command(tmp_path, monkeypatch, capsys):
    (tmp_path / "docs").mkdir()
    for relative, render in GENERATED.items():
        (tmp_path / relative).write_text(render(), encoding="utf-8")
    first = next(iter(GENERATED))
    (tmp_path / first).write_text("old text\n", encoding="utf-8")
    monkeypatch.setattr(docgen, "repository_root", lambda: tmp_path)
    assert main(["--check"]) == 1
    assert capsys.readouterr().out == f"{first} is stale: run `{COMMAND}`\n"
    assert main([]) == 0
    assert main(["--check"]) == 0
