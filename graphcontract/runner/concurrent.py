"""Writes sent at the same moment, each kind of pair once on every run, judged by the state
machine's own pair step (``runner.statemachine``).

The machine draws its pairs and ends at its first failure, so a service that loses one of two
updates to different properties hides whether it also loses one of two parts of one complex
value (each breaks its own clause: merge.omitted-preserved, merge.nested). Here its pair step
runs once on each kind of pair, derived from the contract: two different properties, and two
parts of one complex value (not under ``nested=replace``: there the order decides the state).
"""

from __future__ import annotations

from typing import Any

from graphcontract.contract import Contract
from graphcontract.oracles.verdict import Verdict
from graphcontract.runner.scenarios import body_at
from graphcontract.runner.sequence_parts import (
    Learned,
    SequenceFailed,
    edited_places,
    value_at,
)
from graphcontract.runner.session import Example
from graphcontract.runner.statemachine import machine_for
from graphcontract.types import JSONObject
from strategies import lively_body

Pair = tuple[JSONObject, JSONObject]


def pair_kinds(contract: Contract) -> dict[str, Pair]:
    """By kind, two bodies each setting one text the lively write holds: in two different
    top-level properties, and in two parts of the first complex value holding two texts."""
    lively = lively_body(contract)
    texts: dict[str, list[str]] = {}
    for path in edited_places(lively):
        if isinstance(value_at(lively, path), str):
            texts.setdefault(path.split(".")[0], []).append(path)

    def pair(a: str, b: str) -> Pair:
        return (
            body_at(tuple(a.split(".")), "sent at once a"),
            body_at(tuple(b.split(".")), "sent at once b"),
        )

    kinds: dict[str, Pair] = {}
    tops = list(texts)
    if len(tops) > 1:
        kinds["two properties"] = pair(texts[tops[0]][0], texts[tops[1]][0])
    inside = next((paths for paths in texts.values() if len(paths) > 1), None)
    if inside is not None:
        kinds["two parts of one complex value"] = pair(inside[0], inside[-1])
    return kinds


def check_writes_at_once(ex: Example, pair: Pair) -> None:
    """The machine's pair step on ``pair`` from the position as read, then restored: when
    both are answered 200, the state after them holds both."""
    session = ex.session
    if {*pair[0]} == {*pair[1]} and session.policy.get("nested", "merge") == "replace":
        return
    if session.target.original is None:
        session.check_reads(ex)
    if session.reads_unstable:
        return
    learned = Learned()
    machine: Any = machine_for(session, learned)()  # its rules, called as steps
    try:
        machine.patch_together(pair)
        machine.teardown()  # reads the state through each path form, then restores
    except SequenceFailed as failure:
        ex.add(failure.verdicts)
        machine.teardown()  # broken: restores only
    failed = {v.clause for v in learned.failure.verdicts} if learned.failure else set()
    ex.add(Verdict.passed(c) for c in sorted(learned.judged - failed))
