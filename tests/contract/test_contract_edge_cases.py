"""The edge-case catalog (strategies.edge_cases): every case of every kind at every site of
its kind, packed into few bodies and judged as updates.

A must-accept pack is judged by every success clause (a string read back in another Unicode
normalization form, trimmed, or a collection read back deduplicated fails response.echo or
merge.collections-replace). A gray case's body carries that case alone: a refusal must change
nothing (atomic.rejected), an acceptance is judged as any update.
"""

from __future__ import annotations

import pytest

from graphcontract.contract import load_contract
from graphcontract.runner.scenarios import (
    GRAY_CLAUSES,
    UPDATE_CLAUSES,
    check_gray,
    check_update,
)
from strategies.edge_cases import coverage_keys, edge_packs

CONTRACT = load_contract()
PACKS = edge_packs(CONTRACT)
MUST = [pack for pack in PACKS if pack.gray is None]
GRAY = [pack for pack in PACKS if pack.gray is not None]
GRAY_SOURCES = sorted({str(pack.gray) for pack in GRAY})


@pytest.mark.clauses("paths.me", *UPDATE_CLAUSES)
@pytest.mark.parametrize("pack", MUST, ids=[pack.name for pack in MUST])
def test_edge_cases_at_every_site_read_back_as_sent(gc_session, pack):
    """One case at each of the pack's sites: accepted, read back as sent, merged."""
    with gc_session.example() as ex:
        check_update(ex, pack.body)
        ex.session.recorder.edge_cases.update(coverage_keys(pack))


@pytest.mark.clauses(*GRAY_SOURCES, *GRAY_CLAUSES)
@pytest.mark.parametrize("pack", GRAY, ids=[pack.name for pack in GRAY])
def test_gray_edge_cases_are_refused_whole_or_kept_whole(gc_session, pack):
    """A gray case at every site of its kind: refused with nothing changed, or accepted and
    judged as any update."""
    sites = tuple(sent.site.path for sent in pack.sent)
    with gc_session.example() as ex:
        check_gray(ex, str(pack.gray), f"edge case {pack.name}", pack.body, sites)
        ex.session.recorder.edge_cases.update(coverage_keys(pack))
