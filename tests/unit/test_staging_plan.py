"""runner/staging_plan.py and runner/deferred.py: what a staging run keeps, derived from the
clauses each test names; refusals judged by one read, the one that changed the position named."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from graphcontract.contract import load_contract
from graphcontract.runner.deferred import DeferredRefusals, refusal_only
from graphcontract.runner.recorder import Recorder
from graphcontract.runner.staging_plan import (
    NOT_PLANNED,
    before_test,
    case_class,
    plan,
    site_names,
)
from strategies.edge_cases import edge_packs
from tests.unit.oracle_samples import exchange

CONTRACT = load_contract()
MUST = frozenset(c for c, clause in CONTRACT.clauses.items() if clause.level == "must")
SUCCESS = ("paths.me", "response.echo", "merge.omitted-preserved", "persisted")
REFUSAL = ("types.rejects", "atomic.rejected", "errors.envelope")


@dataclass
class CallSpec:
    id: str
    params: dict[str, Any] = field(default_factory=dict)


class Marker:
    def __init__(self, args: tuple[str, ...]) -> None:
        self.args = args


class Item:
    """What the plan reads of a collected test."""

    def __init__(
        self, test: str, clauses: tuple[str, ...], param: str | None = None, **params: Any
    ) -> None:
        self.name = f"{test}[{param}]" if param else test
        self.originalname = test
        self.marker = Marker(clauses)
        if param is not None:
            self.callspec = CallSpec(param, params)

    def get_closest_marker(self, name: str) -> Marker | None:
        return self.marker if name == "clauses" else None


class Generated(Item):
    def __init__(self, test: str, clauses: tuple[str, ...]) -> None:
        super().__init__(test, clauses)

        def obj() -> None: ...

        obj.is_hypothesis_test = True  # type: ignore[attr-defined]
        self.obj = obj


PACK = edge_packs(CONTRACT)[0]
CATALOG = Item("test_packs", SUCCESS, "pack 01", pack=PACK)


def kept(*items: Item) -> list[str]:
    return [item.name for item in plan(items, CONTRACT, MUST).keep]  # type: ignore[arg-type]


def test_the_catalog_is_kept_and_updates_it_judges_are_not_sent_again():
    update = Item("test_update", SUCCESS, "partial detail")
    member = Item("test_member", ("enum.nested", *SUCCESS), "manager.relationship=other")
    catalog = Item("test_packs", (*SUCCESS, "enum.nested"), "pack 01", pack=PACK)
    assert kept(catalog, update, member) == ["test_packs[pack 01]"]


def test_each_case_class_of_a_refusal_is_sent_once_whatever_its_site():
    items = [
        Item("test_wrong", REFUSAL, "isCurrent: 1 (Boolean given a number)"),
        Item("test_wrong", REFUSAL, "inference.confidenceScore: true (Boolean given a number)"),
        Item("test_wrong", REFUSAL, 'isCurrent: "true" (Boolean given a string)'),
    ]
    assert kept(CATALOG, *items) == [
        "test_packs[pack 01]",
        "test_wrong[isCurrent: 1 (Boolean given a number)]",
        'test_wrong[isCurrent: "true" (Boolean given a string)]',
    ]


def test_a_request_level_case_is_sent_via_one_path_form_and_each_form_judges_paths_users():
    malformed = ("body.malformed", "atomic.rejected", "errors.envelope")
    forms = ("paths.users", "atomic.rejected", "errors.envelope")
    items = [Item("test_malformed", malformed, f"truncated-{form}") for form in ("me", "id")]
    items += [Item("test_forms", forms, form) for form in ("id", "userPrincipalName")]
    assert kept(*items) == [
        "test_malformed[truncated-me]",
        "test_forms[id]",
        "test_forms[userPrincipalName]",
    ]


def test_a_generated_test_runs_only_for_a_clause_no_case_class_judges():
    explicit = Item("test_wrong", REFUSAL, "isCurrent: 1 (Boolean given a number)")
    sample = Generated("test_wrong_types", REFUSAL)
    scope = Generated("test_scope", ("auth.scope", "atomic.rejected"))
    expected = ["test_wrong[isCurrent: 1 (Boolean given a number)]", "test_scope"]
    assert kept(sample, explicit, scope) == expected


def test_observe_clauses_only_dropped_tests_name_are_reported_as_not_planned():
    gray = Item("test_gray", ("strings.unusual", "atomic.rejected", *SUCCESS), "U+0000 inside")
    result = plan([CATALOG, gray], CONTRACT, MUST)  # type: ignore[list-item]
    assert result.unjudged == {"strings.unusual": NOT_PLANNED}
    pinned = plan([CATALOG, gray], CONTRACT, MUST | {"strings.unusual"})  # type: ignore[list-item]
    expected = ["test_packs[pack 01]", "test_gray[U+0000 inside]"]
    assert [item.name for item in pinned.keep] == expected


def test_case_classes_leave_the_site_out():
    sites = site_names(CONTRACT)
    a = Item("test_gray", SUCCESS, "detail.company.address.city: 4,001 characters")
    b = Item("test_gray", SUCCESS, "categories[]: 4,001 characters")
    assert case_class(a, sites) == case_class(b, sites) == "test_gray:·: 4,001 characters"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("clauses", "expected"),
    [(REFUSAL, True), (("atomic.rejected", *SUCCESS), False), (SUCCESS, False)],
    ids=["refusal", "refusal-or-update", "update"],
)
def test_refusal_only(clauses, expected):
    assert refusal_only(clauses) is expected


class FakeTarget:
    """A position whose state the replayed requests change."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.current = dict(state)
        self.reads = 0
        self.restores = 0

    def wait_out_lag(self) -> None: ...

    def state(self) -> dict[str, Any]:
        self.reads += 1
        return dict(self.current)

    def read_after(self, _write: Any) -> Any:
        return exchange(200, self.state())

    def restore(self, snapshot: dict[str, Any], _current: Any) -> Any:
        self.restores += 1
        self.current = dict(snapshot)
        return type("Restored", (), {"verified": True, "state": dict(snapshot)})()


class FakeSession:
    def __init__(self, target: FakeTarget) -> None:
        self.target = target
        self.recorder = Recorder()

    def wants(self, _clause: str) -> bool:
        return True

    def restore_failed(self, result: Any) -> None:
        raise AssertionError(result)


def refusals(target: FakeTarget, deferred: DeferredRefusals, changes: list[dict[str, Any]]) -> None:
    before = dict(target.current)
    for n, change in enumerate(changes):

        def send(change: dict[str, Any] = change, n: int = n) -> Any:
            target.current.update(change)
            return exchange(400, {"error": {"code": "x", "message": "no"}}, sent=str(n).encode())

        assert deferred.take(before, send(), send, 0)


def test_refusals_that_change_nothing_are_judged_by_one_read():
    target = FakeTarget({"isCurrent": True})
    session, deferred = FakeSession(target), DeferredRefusals(enabled=True, allowed=True)
    refusals(target, deferred, [{}, {}, {}])
    assert deferred.settle(session) == {"isCurrent": True}  # type: ignore[arg-type]
    assert target.reads == 1
    tally = session.recorder.clauses["atomic.rejected"]
    assert (tally.passed, tally.failed) == (3, 0)


def test_the_refusal_that_changed_the_position_is_named_and_the_position_put_back():
    target = FakeTarget({"isCurrent": True})
    session, deferred = FakeSession(target), DeferredRefusals(enabled=True, allowed=True)
    refusals(target, deferred, [{}, {"isCurrent": False}, {}])
    assert deferred.settle(session) == {"isCurrent": True}  # type: ignore[arg-type]
    tally = session.recorder.clauses["atomic.rejected"]
    assert (tally.passed, tally.failed) == (1, 1)
    assert tally.counterexample is not None
    assert tally.counterexample["request"]["body"] == "1"
    assert target.current == {"isCurrent": True}


def test_an_accepted_answer_or_another_test_is_never_deferred():
    deferred = DeferredRefusals(enabled=True, allowed=True)
    ok = exchange(200, {})
    assert not deferred.take({}, ok, lambda: ok, 1)
    assert not DeferredRefusals(enabled=True).take({}, exchange(400, {}), lambda: ok, 0)


@pytest.mark.parametrize(
    ("profile", "clauses", "deferred"),
    [("staging", REFUSAL, True), ("staging", SUCCESS, False), ("ci", REFUSAL, False)],
    ids=["staging-refusals", "staging-updates", "ci-refusals"],
)
def test_refusals_are_read_together_only_in_a_staging_run_of_must_refuse_tests(
    profile, clauses, deferred
):
    target = FakeTarget({"isCurrent": True})
    session = FakeSession(target)
    session.deferred = DeferredRefusals()  # type: ignore[attr-defined]
    item = Item("test_x", clauses)
    item.config = type("Config", (), {"stash": pytest.Stash()})()  # type: ignore[attr-defined]
    before_test(session, item, profile)  # type: ignore[arg-type]
    assert session.deferred.allowed is deferred  # type: ignore[attr-defined]
