"""No pass without a judgement: how a clause's verdicts add up to its status in report.json,
and the judgements that must (or must not) count: a 5xx for an unknown id, an unknown user's
404 without a configured user."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from graphcontract.contract import load_contract
from graphcontract.oracles.rejection import expect_status
from graphcontract.oracles.verdict import Verdict
from graphcontract.report.build import clause_status
from graphcontract.runner.config import RunConfig
from graphcontract.runner.recorder import ClauseTally
from graphcontract.runner.scenarios import check_unknown_user
from graphcontract.runner.session import Step
from tests.unit.oracle_samples import SEED, exchange

CONTRACT = load_contract()
CONFIG = RunConfig(base_url="http://127.0.0.1:8000", run_id="r1")
TARGET = {"users": ["u1"], "readonly_token": True}


def status_of(
    clause: str, *verdicts: Verdict, target: dict | None = None
) -> tuple[str, str | None]:
    tally = ClauseTally()
    for verdict in verdicts:
        tally.add(verdict)
    return clause_status(CONTRACT, clause, tally, CONFIG, target or TARGET)


def test_a_must_clause_with_observations_only_is_skipped_with_them_as_the_reason():
    observed = Verdict.observed("persisted", "a GET agreed only when read again", "waited 50 ms")
    status, reason = status_of("persisted", observed, observed)
    assert status == "skipped"
    assert reason is not None
    assert "a GET agreed only when read again" in reason


def test_a_must_clause_passes_on_a_judgement_beside_observations():
    observed = Verdict.observed("persisted", "a GET agreed only when read again")
    assert status_of("persisted", observed, Verdict.passed("persisted")) == ("pass", None)


def test_an_observe_clause_with_observations_is_observed():
    observed = Verdict.observed("properties.unknown", "ignored")
    assert status_of("properties.unknown", observed) == ("observed", None)


def test_paths_users_without_a_user_names_the_option_that_enables_it():
    status, reason = status_of("paths.users", target={"users": [], "readonly_token": True})
    assert status == "skipped"
    assert reason is not None
    assert "--user" in reason


def test_an_unknown_id_answered_5xx_fails_its_clause_only_when_asked():
    crashed = exchange(500, {"error": {"code": "generalException", "message": "boom"}})
    judged = expect_status(
        "target.unknown-id", crashed, {404}, what="unknown position id", server_error_fails=True
    )
    assert judged is not None
    assert judged.outcome == "fail"
    assert "answered 500, not 404" in judged.title
    # Elsewhere a 5xx is server.no-5xx's alone: a refusal clause does not repeat it.
    assert expect_status("body.malformed", crashed, {400}, what="malformed body") is None


class ScriptedExample:
    """Just what check_unknown_user uses of an Example: a target with or without configured
    users whose PATCH answers ``status`` and leaves the position as ``after``."""

    def __init__(self, status: int, *, users: tuple[str, ...], changed: bool = False) -> None:
        self.verdicts: list[Verdict] = []
        self.answer = exchange(status, {"error": {"code": "x", "message": "y"}})
        self.after = {**SEED, "isCurrent": not SEED["isCurrent"]} if changed else SEED
        self.target = SimpleNamespace(
            users=users,
            user_of_form=lambda form: next((u for u in users if "@" in u), None),
            path=lambda user=None: f"/users/{user}/profile/positions/p1",
        )

    def step(self, send: object) -> Step:
        return Step(SEED, self.answer, self.after, datetime.now(UTC))

    def add(self, *items: object) -> None:
        for item in items:
            if isinstance(item, Verdict):
                self.verdicts.append(item)
            elif item is not None:
                self.verdicts.extend(item)

    def outcomes(self) -> list[str]:
        return [v.outcome for v in self.verdicts if v.clause == "paths.users"]


@pytest.mark.parametrize("status", [400, 403, 404, 405])
def test_without_a_user_no_4xx_for_an_unknown_user_judges_paths_users(status):
    """A target without /users routes answers them 404 (or 405, or 400): no judgement."""
    ex = ScriptedExample(status, users=())
    check_unknown_user(ex, {"isCurrent": False})
    assert ex.outcomes() == []


@pytest.mark.parametrize(
    ("status", "changed"), [(200, False), (404, True)], ids=["accepted", "position-changed"]
)
def test_without_a_user_an_unknown_users_write_that_lands_fails_paths_users(status, changed):
    ex = ScriptedExample(status, users=(), changed=changed)
    check_unknown_user(ex, {"isCurrent": False})
    assert "fail" in ex.outcomes()


@pytest.mark.parametrize(
    ("status", "outcome"), [(404, "pass"), (403, "pass"), (405, "fail"), (400, "fail")]
)
def test_with_a_user_an_unknown_users_refusal_is_judged(status, outcome):
    """With --user the route is known to exist (its own tests show it): 404 or 403 for an
    unknown user is the right answer, anything else the wrong one."""
    ex = ScriptedExample(status, users=("someone@contoso.com",))
    check_unknown_user(ex, {"isCurrent": False})
    outcomes = ex.outcomes()
    assert outcomes
    assert ("fail" in outcomes) == (outcome == "fail")
