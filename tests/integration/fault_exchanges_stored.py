"""Scripted exchanges of the faults that keep what a body says a client may not write (the
position moved by a body's id; undeclared names and read-only values stored as sent), for
``fault_exchanges.EXCHANGES``."""

from __future__ import annotations

from typing import Any

from .conftest import MockClient

MOVED_ID = "moved-by-a-body"
PROBE_STAMP = "2098-02-03T04:05:06Z"
WORK_POSITION = "#microsoft.graph.workPosition"


def moved_by_id(client: MockClient) -> Any:
    """A body's id: the answer's id, and which of the two ids a GET then finds."""
    answer = client.patch({"id": MOVED_ID})
    old = client.http.get(client.path()).status_code
    new = client.http.get(client.path(MOVED_ID)).status_code
    return answer.status_code, answer.json().get("id") == client.position_id, old, new


def stored_as_sent(client: MockClient) -> Any:
    """An undeclared name, an annotation and two read-only stamps: what a GET then holds."""
    unknown = client.patch({"graphcontractUnknown": "kept?"}).status_code
    read_only = client.patch(
        {
            "@odata.type": WORK_POSITION,
            "lastModifiedDateTime": PROBE_STAMP,
            "createdDateTime": PROBE_STAMP,
        }
    ).status_code
    after = client.get()
    return (
        unknown,
        read_only,
        after.get("graphcontractUnknown"),
        after.get("@odata.type"),
        after["lastModifiedDateTime"] == PROBE_STAMP,
        after["createdDateTime"] == PROBE_STAMP,
    )
