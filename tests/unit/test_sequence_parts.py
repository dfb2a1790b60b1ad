"""How the state machine names the clause of an omitted value that changed: a merge of this
write's, or an earlier write that did not last (sequence_parts.lost_earlier)."""

from __future__ import annotations

import pytest

from graphcontract.runner.sequence_parts import lost_earlier

EARLIER = {"isCurrent": False, "detail": {"role": "old"}}
EXPECTED = {"isCurrent": True, "detail": {"role": "new"}}


@pytest.mark.parametrize(
    ("clause", "path", "got", "earlier", "named"),
    [
        ("merge.omitted-preserved", "isCurrent", {"isCurrent": False}, EARLIER, "persisted"),
        ("merge.nested", "detail.role", {"detail": {"role": "old"}}, EARLIER, "persisted"),
        ("merge.omitted-preserved", "isCurrent", {"isCurrent": None}, EARLIER, None),
        ("merge.omitted-preserved", "isCurrent", {"isCurrent": False}, None, None),
        ("response.echo", "isCurrent", {"isCurrent": False}, EARLIER, None),
    ],
    ids=[
        "earlier-value-back-top-level",
        "earlier-value-back-nested",
        "another-value-is-the-merge",
        "no-earlier-write",
        "a-sent-value-is-echo",
    ],
)
def test_an_earlier_value_back_is_a_write_that_did_not_last(clause, path, got, earlier, named):
    assert lost_earlier(clause, path, got, EXPECTED, earlier) == (named or clause)
