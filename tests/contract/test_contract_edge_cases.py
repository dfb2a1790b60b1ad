"""The edge-case catalog (strategies.edge_cases): every case of every kind at every site of
its kind, packed into few bodies and judged as updates.

A must-accept pack is judged by every success clause (a string read back in another Unicode
normalization form, trimmed, or a collection read back deduplicated fails response.echo or
merge.collections-replace). A gray case's body carries that case alone: a refusal must change
nothing (atomic.rejected), an acceptance is judged as any update. A refused pack is split:
each of its cases is sent alone, so that a refusal names the value refused.
"""

from __future__ import annotations

import pytest

from graphcontract.contract import load_contract
from graphcontract.oracles.rejection import expect_status
from graphcontract.runner.scenarios import (
    GRAY_CLAUSES,
    UPDATE_CLAUSES,
    check_gray,
    check_update,
    judge_accepted_update,
)
from strategies.edge_cases import coverage_keys, edge_packs
from strategies.values import wrap

CONTRACT = load_contract()
PACKS = edge_packs(CONTRACT)
MUST = [pack for pack in PACKS if pack.gray is None]
GRAY = [pack for pack in PACKS if pack.gray is not None]
GRAY_SOURCES = sorted({str(pack.gray) for pack in GRAY})


ACCEPTS = {
    site.path: "enum.allowedAudiences.accepts"
    if site.clause.startswith("enum.allowed")
    else site.clause
    for site in CONTRACT.enum_sites()
}
"""The clause that says a member is accepted, by enum site."""


@pytest.mark.clauses("paths.me", *sorted(set(ACCEPTS.values())), *UPDATE_CLAUSES)
@pytest.mark.parametrize("pack", MUST, ids=[pack.name for pack in MUST])
def test_edge_cases_at_every_site_read_back_as_sent(gc_session, pack):
    """One case at each of the pack's sites: accepted, read back as sent, merged. A refused
    pack is sent again case by case, so that the failure names the value refused (a member
    refused fails its enum clause); refused only whole, the pack fails paths.me."""
    with gc_session.example() as ex:
        step = ex.step(lambda: ex.target.patch(pack.body))
        ex.session.recorder.edge_cases.update(coverage_keys(pack))
        if step.exchange.status == 200:
            judge_accepted_update(
                ex, step, pack.body, status_clause="paths.me", what=f"edge cases ({pack.name})"
            )
            # The members it carried were accepted: their enum clauses are judged too.
            members = {ACCEPTS[s.site.path] for s in pack.sent if s.site.path in ACCEPTS}
            for clause in sorted(members):
                what = f"enum members in edge cases ({pack.name})"
                ex.add(expect_status(clause, step.exchange, {200}, what=what))
            return
    for one in pack.sent:
        body = wrap(one.site.path, one.case.value)
        what = f"edge case {one.case.kind} {one.case.name!r} at {one.site.name}"
        with gc_session.example() as ex:
            alone = ex.step(lambda body=body: ex.target.patch(body))
            clause = ACCEPTS.get(one.site.path, "paths.me")
            judge_accepted_update(ex, alone, body, status_clause=clause, what=what)
    with gc_session.example() as ex:
        check_update(ex, pack.body)


@pytest.mark.clauses(*GRAY_SOURCES, *GRAY_CLAUSES)
@pytest.mark.parametrize("pack", GRAY, ids=[pack.name for pack in GRAY])
def test_gray_edge_cases_are_refused_whole_or_kept_whole(gc_session, pack):
    """A gray case at every site of its kind: refused with nothing changed, or accepted and
    judged as any update."""
    sites = tuple(sent.site.path for sent in pack.sent)
    with gc_session.example() as ex:
        check_gray(ex, str(pack.gray), f"edge case {pack.name}", pack.body, sites)
        ex.session.recorder.edge_cases.update(coverage_keys(pack))
