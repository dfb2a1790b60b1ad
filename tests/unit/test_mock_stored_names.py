"""The reference mock keeps nothing a client may not write: the gray choice that ignores
undeclared properties drops them from storage too (not only from answers), while the
``stores-unknown-and-read-only`` fault keeps them, and ``id-writable`` moves the position."""

from __future__ import annotations

from graphcontract.contract import load_contract
from graphcontract.mock.gray import GrayChoices
from graphcontract.mock.state import PositionStore

CONTRACT = load_contract()
POSITION = CONTRACT.seed["positions"][0]["id"]
PROBE_STAMP = "2098-02-03T04:05:06Z"
BODY = {
    "graphcontractUnknown": "x",
    "detail": {"graphcontractUnknown": "y", "jobTitle": "kept"},
    "source": {"type": ["graphcontract"]},
    "createdDateTime": PROBE_STAMP,
    "@odata.type": "#microsoft.graph.workPosition",
}


def test_ignoring_undeclared_and_read_only_names_stores_none_of_them():
    gray = GrayChoices(unknown_properties="ignore", read_only="ignore")
    store = PositionStore(CONTRACT, CONTRACT.seed, gray=gray)
    before = store.copy_of(POSITION)
    assert store.patch(POSITION, BODY).status == 200
    stored = store.copy_of(POSITION)
    assert stored is not None
    assert before is not None
    assert stored["detail"]["jobTitle"] == "kept"
    assert "graphcontractUnknown" not in stored
    assert "graphcontractUnknown" not in stored["detail"]
    assert "@odata.type" not in stored
    assert stored.get("source") == before.get("source")
    assert stored["createdDateTime"] == before["createdDateTime"]


def test_the_storing_fault_keeps_and_answers_every_top_level_name_sent():
    gray = GrayChoices(unknown_properties="ignore")
    store = PositionStore(
        CONTRACT, CONTRACT.seed, gray=gray, faults=["stores-unknown-and-read-only"]
    )
    assert store.patch(POSITION, {**BODY, "lastModifiedDateTime": PROBE_STAMP}).status == 200
    answered = store.get(POSITION)
    assert answered is not None
    assert answered["graphcontractUnknown"] == "x"
    assert answered["@odata.type"] == "#microsoft.graph.workPosition"
    assert answered["source"] == {"type": ["graphcontract"]}
    assert answered["createdDateTime"] == answered["lastModifiedDateTime"] == PROBE_STAMP


def test_id_writable_moves_the_position_to_the_sent_id():
    store = PositionStore(CONTRACT, CONTRACT.seed, faults=["id-writable"])
    outcome = store.patch(POSITION, {"id": "graphcontract-probe-0"})
    assert outcome.status == 200
    assert outcome.body is not None
    assert outcome.body["id"] == "graphcontract-probe-0"
    assert not store.has(POSITION)
    assert store.has("graphcontract-probe-0")
    assert store.ids().index("graphcontract-probe-0") == 0, "in the place the position had"
