"""runner.reads: reads with no write between them agree (reads.stable), or the target is
reported once as generating its answers; one change between the first two reads (someone
else's write) is no finding. On such a target refusals are judged by their status alone,
and a live one is not written to."""

from __future__ import annotations

import itertools

import httpx
import pytest

from graphcontract.client import GraphClient
from graphcontract.contract import load_contract
from graphcontract.errors import TargetUnhealthy
from graphcontract.runner.config import DEFAULT_POLICY
from graphcontract.runner.reads import READS_STABLE, check_reads
from graphcontract.runner.scenarios import check_enum_member, check_rejected
from graphcontract.runner.session import ContractViolation, Session
from graphcontract.runner.target import Target

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


class Generating:
    """A service that makes up each read (``generated`` in jobTitle) and refuses every
    PATCH with 400; ``patches`` counts the PATCHes that reached it."""

    def __init__(self) -> None:
        self.reads = 0
        self.patches = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            self.patches += 1
            return httpx.Response(400, json={"error": {"code": "BadRequest", "message": "no"}})
        self.reads += 1
        return httpx.Response(200, json={**SEEDED, "detail": {"jobTitle": f"g{self.reads}"}})


SEEDED = load_contract().seed["positions"][0]


def session_on(service: Generating, *, live: bool) -> Session:
    client = GraphClient(
        "http://127.0.0.1:9", token="t", transport=httpx.MockTransport(service.handle)
    )
    target = Target(load_contract(), client, SEEDED["id"])
    return Session(load_contract(), target, policy=dict(DEFAULT_POLICY), live=live)


def test_refusals_on_a_generating_service_fail_reads_stable_once_and_never_atomic_rejected():
    service = Generating()
    session = session_on(service, live=False)
    outcomes = []
    for _ in range(3):
        try:
            with session.example() as ex:
                check_rejected(ex, "types.rejects", body={"isCurrent": "x"}, what="wrong type")
            outcomes.append("passed")
        except ContractViolation as failure:
            outcomes.append(str(failure).splitlines()[0])
    assert outcomes[0].startswith("[reads.stable] 3 GETs of the position")
    assert outcomes[1:] == ["passed", "passed"]
    tallies = session.recorder.clauses
    assert (tallies["reads.stable"].failed, tallies["types.rejects"].passed) == (1, 3)
    assert "atomic.rejected" not in tallies
    assert session.recorder.unjudged["atomic.rejected"] == "reads are not stable"
    assert service.patches == 3


def test_a_live_target_whose_reads_are_not_stable_is_not_written_to():
    service = Generating()
    session = session_on(service, live=True)
    unhealthy = pytest.raises(TargetUnhealthy, match="reads of the position are not stable")
    with unhealthy, session.example() as ex:
        check_rejected(ex, "types.rejects", body={"isCurrent": "x"}, what="wrong type")
    assert service.patches == 0
    assert session.recorder.clauses["reads.stable"].failed == 1
    assert session.final_restore() is None, "nothing was written, nothing to restore"


def test_a_member_accepted_by_a_generating_service_is_judged_by_its_status_alone():
    """Its 200 answer is made up (another member read back): no finding of enum.nested."""

    class Accepting(Generating):
        def handle(self, request: httpx.Request) -> httpx.Response:
            if request.method == "PATCH":
                self.patches += 1
                made_up = {**SEEDED, "manager": {"relationship": "colleague"}}
                return httpx.Response(200, json=made_up)
            return super().handle(request)

    session = session_on(Accepting(), live=False)
    site = next(s for s in load_contract().enum_sites() if s.path == ("manager", "relationship"))
    with pytest.raises(ContractViolation, match=r"^\[reads.stable\]"), session.example() as ex:
        check_enum_member(ex, site, "manager")
    tally = session.recorder.clauses["enum.nested"]
    assert (tally.passed, tally.failed) == (1, 0)
