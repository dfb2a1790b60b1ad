"""``graphcontract fuzz --api all``: the budget split, the campaigns in turn, the summary
(in-process with a stand-in campaign, and one short real run of two facets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import graphcontract.fuzz.cli as fuzz_cli
from graphcontract.api_option import resolve_api
from graphcontract.cli import main as graphcontract_main
from graphcontract.errors import UsageError
from graphcontract.fuzz.facets import (
    overall_verdict,
    run_facets,
    split_duration,
    summary,
    write_summary,
)


def test_a_share_shorter_than_a_round_is_refused_before_anything_is_created(tmp_path, capsys):
    reports = tmp_path / "reports"
    code = graphcontract_main(
        ["fuzz", "--api", "all", "--duration", "60s", "--report-dir", str(reports)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"split across {len(resolve_api('all'))} facets" in err
    assert err.count("\n") == 1
    assert not reports.exists()


def test_the_budget_is_split_evenly():
    assert split_duration(60.0, ["a", "b", "c"], "60s") == 20.0
    with pytest.raises(UsageError, match="give at least 18s"):
        split_duration(15.0, ["a", "b", "c"], "15s")


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        (["pass", "pass"], "pass"),
        (["pass", "error"], "error"),
        (["error", "fail", "pass"], "fail"),
    ],
    ids=["all-pass", "an-error", "a-failure-wins"],
)
def test_the_verdict_is_the_worst_facets(verdicts, expected):
    assert overall_verdict(verdicts) == expected


def stand_in(verdicts: dict[str, str], signals: dict[str, int] | None = None):
    calls: list[tuple[str, float]] = []

    def campaign(facet: str, share: float):
        calls.append((facet, share))
        report = {"verdict": verdicts[facet], "stopped_by": "time budget", "failed_clauses": []}
        if verdicts[facet] == "fail":
            report["failed_clauses"] = ["merge.nested"]
        return report, Path(facet) / "campaign.json", (signals or {}).get(facet)

    return campaign, calls


def test_every_facet_has_its_campaign_and_its_row(tmp_path):
    verdicts = {"a": "pass", "b": "fail", "c": "pass"}
    campaign, calls = stand_in(verdicts)
    rows, stop = run_facets(list(verdicts), 7.0, campaign, exitfirst=False)
    assert calls == [("a", 7.0), ("b", 7.0), ("c", 7.0)]
    assert stop is None
    document = summary("cid", list(verdicts), rows)
    assert document["verdict"] == "fail"
    assert [r["api"] for r in document["facets"]] == ["a", "b", "c"]
    assert document["facets"][1]["failed_clauses"] == ["merge.nested"]
    assert document["not_run"] == []
    path = write_summary(document, tmp_path)
    assert json.loads(path.read_text()) == document
    assert (
        "| b | fail | time budget | merge.nested | [b/campaign.json]"
        in (tmp_path / "campaigns.md").read_text()
    )


@pytest.mark.parametrize(
    ("exitfirst", "signals", "ran", "stop"),
    [(True, {}, ["a", "b"], None), (False, {"a": 2}, ["a"], 2)],
    ids=["exitfirst-after-a-failure", "a-signal"],
)
def test_the_remaining_facets_are_not_run_once_stopped(exitfirst, signals, ran, stop):
    verdicts = {"a": "pass", "b": "fail", "c": "pass"}
    campaign, calls = stand_in(verdicts, signals)
    rows, stopped = run_facets(list(verdicts), 7.0, campaign, exitfirst=exitfirst)
    assert [facet for facet, _ in calls] == ran
    assert stopped == stop
    assert summary("cid", list(verdicts), rows)["not_run"] == [f for f in verdicts if f not in ran]


def test_a_short_campaign_of_two_facets(tmp_path, monkeypatch, capsys):
    """End to end, two facets standing for all (a real campaign each, 7 s)."""
    monkeypatch.setattr(fuzz_cli, "resolve_api", lambda *_, **__: ["itemEmail", "skillProficiency"])
    monkeypatch.setenv("GRAPH_TOKEN", "fuzz-facets-token")
    monkeypatch.delenv("GRAPHCONTRACT_API", raising=False)
    argv = ["fuzz", "--api", "all", "--duration", "14s", "--report-dir", str(tmp_path)]
    argv += ["-k", "documented", "--campaign-id", "two", "--database", str(tmp_path / "db")]
    assert graphcontract_main(argv) == 0, capsys.readouterr()
    document = json.loads((tmp_path / "two" / "campaigns.json").read_text())
    assert document["verdict"] == "pass"
    assert [r["api"] for r in document["facets"]] == ["itemEmail", "skillProficiency"]
    for facet in ("itemEmail", "skillProficiency"):
        report = json.loads((tmp_path / "two" / facet / "campaign.json").read_text())
        assert report["api"] == facet


def test_a_position_id_with_every_facet_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GRAPH_TOKEN", "fuzz-facets-token")
    argv = ["fuzz", "--api", "all", "--duration", "10m", "--position-id", "p1"]
    assert graphcontract_main([*argv, "--report-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "--position-id names one item of one facet" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "r").exists()
