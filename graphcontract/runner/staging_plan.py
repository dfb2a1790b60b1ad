"""The staging plan: which collected contract tests a ``staging`` run sends, derived from the
contract and from the clauses each test names (``mark.clauses``), not from a list of tests.

A staging run must judge every must clause in few requests (a live target, 5 requests/s). The
plan keeps:

1. the edge-case catalog (``strategies.edge_cases``: its packs carry every case of every kind
   at every site of that kind, one write each pack), in full: each site × edge class once;
2. of every other test, only what judges something the catalog cannot: the must clauses a
   test names, less the ones the catalog's tests name (the success clauses, judged on every
   accepted write of the packs) and less ``atomic.rejected`` (every refusal judges it). Each
   such clause is judged once per *case class*: the test's parameter id with the contract's
   site names and a trailing path form taken out and, where the id ends in a parenthesised
   class ("String given a number"), that class alone; a test without parameters (the state
   machine) is a class of its own. A test none of whose own clauses is new (every
   accepted-update test, every documented enum member: the packs carry them all) is not run;
3. a Hypothesis test (a sample of cases) only for a clause no case class above judges;
4. the tests that judge only the documentation (no request).

Observe clauses count as a test's own clauses only when a policy pin makes them must; those
that only dropped tests name are reported skipped, "not in the staging plan". In a staging
run, refusals are judged by one read (runner/deferred.py, set up per test by
:func:`before_test`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pytest

from graphcontract.contract import Contract, load_contract
from graphcontract.runner.config import RunConfig, pinned_clauses
from graphcontract.runner.deferred import refusal_only
from graphcontract.runner.session import Session
from strategies.edge_cases import Pack, edge_sites

PROFILE = "staging"
EVERY_REFUSAL = frozenset({"atomic.rejected"})
"""Judged by every refused write whatever its case: never what makes a case worth sending."""
PATH_FORMS = ("me", "id", "userPrincipalName")
"""The documented path forms, as the request-level tests name their parameters; paths.users
is judged on each by the tests whose own clause it is."""
NOT_PLANNED = "not in the staging plan (an observe clause; --profile ci sends its cases)"
PLAN_KEY = pytest.StashKey[dict[str, str]]()
"""The clauses the staging plan leaves unjudged, until the first test hands them over."""
_CLASS = re.compile(r"\(([^()]*)\)\s*$")


@dataclass
class Plan:
    """What the staging plan keeps and drops, and why."""

    keep: list[pytest.Item] = field(default_factory=list)
    drop: list[pytest.Item] = field(default_factory=list)
    catalog_clauses: frozenset[str] = frozenset()
    units: set[tuple[str, str]] = field(default_factory=set)
    """(clause, case class) pairs the kept tests outside the catalog judge."""
    unjudged: dict[str, str] = field(default_factory=dict)
    """Clauses only dropped tests name (observe clauses, not pinned), with the reason."""


def clauses_of(item: pytest.Item) -> tuple[str, ...]:
    marker = item.get_closest_marker("clauses")
    return tuple(marker.args) if marker is not None else ()


def is_catalog(item: pytest.Item) -> bool:
    """A test of the edge-case catalog: one of its parameters is a pack."""
    callspec = getattr(item, "callspec", None)
    return callspec is not None and any(isinstance(v, Pack) for v in callspec.params.values())


def site_names(contract: Contract) -> tuple[str, ...]:
    """Every writable place's dotted name (longest first, so a prefix never cuts a longer)."""
    names = {site.name for site in edge_sites(contract)}
    return tuple(sorted(names, key=len, reverse=True))


def case_class(item: pytest.Item, sites: Sequence[str]) -> str:
    """What kind of case ``item`` sends, the site it sends it at left out."""
    callspec = getattr(item, "callspec", None)
    test = str(getattr(item, "originalname", item.name))
    if callspec is None:
        return test
    text = str(callspec.id)
    for form in PATH_FORMS:  # a request-level case sent via each path form: once
        text = text.removesuffix(f"-{form}")
    named = _CLASS.search(text)
    if named is not None:
        return f"{test}:{named[1]}"
    for site in sites:
        text = text.replace(site, "·")
    return f"{test}:{text}"


def plan(items: Iterable[pytest.Item], contract: Contract, must: frozenset[str]) -> Plan:
    """Split ``items`` by the staging plan; ``must`` is every clause a failure of fails."""
    items = list(items)
    result = Plan()
    catalog = [item for item in items if is_catalog(item)]
    result.catalog_clauses = frozenset(c for item in catalog for c in clauses_of(item)) & must
    sites = site_names(contract)
    documentation = {c for c, clause in contract.clauses.items() if clause.level == "doc"}
    generated = []
    for item in items:
        named = set(clauses_of(item))
        if item in catalog or not named or named <= documentation:
            result.keep.append(item)
            continue
        if is_generated(item):
            generated.append(item)
            continue
        own = named & must - result.catalog_clauses - EVERY_REFUSAL
        units = {(clause, case_class(item, sites)) for clause in own}
        if units - result.units:
            result.units |= units
            result.keep.append(item)
        else:
            result.drop.append(item)
    for item in generated:  # a sample: sent only for a clause no case class judges
        own = set(clauses_of(item)) & must - result.catalog_clauses - EVERY_REFUSAL
        if own - {clause for clause, _ in result.units}:
            result.units |= {(clause, case_class(item, sites)) for clause in own}
            result.keep.append(item)
        else:
            result.drop.append(item)
    kept = {c for item in result.keep for c in clauses_of(item)}
    for item in result.drop:
        for clause in set(clauses_of(item)) - kept - must:
            result.unjudged[clause] = NOT_PLANNED
    order = {id(item): n for n, item in enumerate(items)}
    result.keep.sort(key=lambda item: order[id(item)])
    return result


def is_generated(item: pytest.Item) -> bool:
    """A Hypothesis test: its examples sample the cases that the case classes cover once."""
    return bool(getattr(getattr(item, "obj", None), "is_hypothesis_test", False))


def select(config: pytest.Config, items: list[pytest.Item], cfg: RunConfig, profile: str) -> None:
    """Deselect what ``--gc-clause`` did not choose, then, in the staging profile, what the
    staging plan does not keep."""
    drop: list[pytest.Item] = []
    if cfg.clauses:
        chosen = set(cfg.clauses)
        for item in items:
            named = clauses_of(item)
            (drop if named and not chosen & set(named) else []).append(item)
    kept = [item for item in items if item not in drop]
    if profile == PROFILE:
        contract = load_contract()
        must = frozenset(c for c, clause in contract.clauses.items() if clause.level == "must")
        staged = plan(kept, contract, must | pinned_clauses(cfg.policy))
        drop += staged.drop
        kept = staged.keep
        config.stash[PLAN_KEY] = staged.unjudged
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = kept


def before_test(session: Session, item: pytest.Item, profile: str) -> None:
    """Before each test of a staging run: refusals are judged by one read within a run of
    tests that send only must-refuse requests; any other test first reads what they left."""
    unplanned: dict[str, str] = item.config.stash.get(PLAN_KEY, {})
    session.recorder.unjudged.update(unplanned)
    item.config.stash[PLAN_KEY] = {}
    deferred = session.deferred
    deferred.enabled = profile == PROFILE and not hasattr(item.config, "workerinput")
    deferred.allowed = deferred.enabled and refusal_only(clauses_of(item))
    if not deferred.allowed:
        deferred.settle(session)
