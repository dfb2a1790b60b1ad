"""A fuzz campaign's report gives a sequence's failure the script replaying the sequence as
its reproducer, not the GET that showed it (graphcontract.fuzz.report)."""

from __future__ import annotations

from typing import Any

from graphcontract.fuzz.report import _failures, render_markdown

READ = "curl -sS -X GET http://127.0.0.1:9/me/profile/positions/p1"
REPLAY = "# steps\n# 0. restore the snapshot\ncurl -X PATCH a &\ncurl -X PATCH b &\nwait\n" + READ


def campaign(example: dict[str, Any]) -> dict[str, Any]:
    clause = {
        "id": "merge.nested",
        "level": "must",
        "status": "fail",
        "failure_titles": {example["title"]: 1},
        "counterexample": example,
    }
    return {
        "campaign": "c1", "verdict": "fail", "target": {"base_url": "http://127.0.0.1:9"},
        "duration_s": 1.0, "budget_s": 1.0, "stopped_by": "budget", "rounds": ["r1"],
        "workers": 1, "requests": 1, "requests_per_s": 1.0, "examples": 1, "status_counts": {},
        "database": {"location": "db", "entries": 0},
        "failures": _failures([("r1", {"clauses": [clause]})]), "falsifying_examples": [],
        "clauses": [], "restore_problems": [],
        "coverage": {
            "properties": [], "properties_not_exercised": [], "nesting_depths": {},
            "bodies": {}, "enum_members": {}, "enum_members_not_exercised": {},
        },
    }  # fmt: skip


def test_a_sequence_failure_is_reproduced_by_its_replay_script() -> None:
    example = {"title": "two PATCHes at once", "curl": READ, "history": {"replay": REPLAY}}
    text = render_markdown(campaign(example))
    assert "  curl -X PATCH a &\n  curl -X PATCH b &\n  wait\n" in text, text


def test_a_one_request_failure_is_reproduced_by_its_curl() -> None:
    text = render_markdown(campaign({"title": "answered 404", "curl": READ}))
    assert f"  ```\n  {READ}\n  ```" in text, text
