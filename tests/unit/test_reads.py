"""runner.reads: reads with no write between them agree (reads.stable), or the target is
reported once as generating its answers; one change between the first two reads (someone
else's write) is no finding."""

from __future__ import annotations

import itertools

import httpx
import pytest

from graphcontract.client import GraphClient
from graphcontract.runner.reads import READS_STABLE, check_reads

GUID = "0fb4c1e3-c1e3-0fb4-e3c1-b40fe3c1b40f"


def reader(bodies):
    """A function sending one GET to a target answering each of ``bodies`` in turn."""
    answers = iter(bodies)

    def handler(request: httpx.Request) -> httpx.Response:
        body = next(answers)
        if isinstance(body, int):
            return httpx.Response(body, json={"error": {"code": "x", "message": "no"}})
        return httpx.Response(200, json=body)

    client = GraphClient("http://127.0.0.1:9", token="t", transport=httpx.MockTransport(handler))
    return lambda: client.request("GET", f"/me/profile/positions/{GUID}", content_type=None)


A = {"id": GUID, "isCurrent": True, "detail": {"jobTitle": "a"}}
B = {"id": GUID, "isCurrent": True, "detail": {"jobTitle": "b"}}
C = {"id": GUID, "isCurrent": False, "detail": {"jobTitle": "c"}}


@pytest.mark.parametrize(
    ("bodies", "stable", "reads"),
    [
        ([A, A], True, 2),
        ([A, {**A, "@odata.context": "x", "@odata.etag": "W/2"}], True, 2),
        ([A, B, B], True, 3),
        ([A, B, C], False, 3),
    ],
    ids=["same", "annotations-aside", "one-write-between-the-first-two", "every-read-differs"],
)
def test_reads_are_stable_when_two_reads_in_a_row_agree(bodies, stable, reads):
    check = check_reads(reader(bodies))
    assert check is not None
    assert (check.stable, len(check.reads)) == (stable, reads)
    verdict = check.verdict()
    assert verdict.clause == READS_STABLE
    assert verdict.outcome == ("pass" if stable else "fail")


def test_the_finding_names_what_differed_between_two_reads():
    check = check_reads(reader(itertools.cycle([A, B, C])))
    assert check is not None
    verdict = check.verdict()
    assert "do not agree" in verdict.title
    assert "3 times in a row, nothing written" in verdict.message
    assert "detail.jobTitle, isCurrent" in verdict.message
    assert verdict.exchange is check.reads[-1]


def test_a_read_that_is_no_position_leaves_the_judgement_to_the_snapshot():
    assert check_reads(reader([A, 500])) is None
    assert check_reads(reader([404])) is None
