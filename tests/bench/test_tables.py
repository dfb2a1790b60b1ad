"""The bench's figures → text: medians, cells, tables, and the whole results.md."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphcontract.bench.tables import cell, median, render_markdown, rounded, table


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([3], 3.0), ([5, 1, 3], 3.0), ([4, 1, 3, 2], 2.5), ([1.5, 1.5], 1.5)],
    ids=["empty", "one", "odd", "even", "equal"],
)
def test_median(values: list[float], expected: float | None) -> None:
    assert median(values) == expected


@given(st.lists(st.integers(-1000, 1000), min_size=1))
def test_median_splits_the_values_in_half(values: list[int]) -> None:
    middle = median(values)
    assert middle is not None
    assert sum(v < middle for v in values) <= len(values) // 2
    assert sum(v > middle for v in values) <= len(values) // 2


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "n/a"),
        (True, "yes"),
        (1234.6, "1,235"),
        (0.5971, "0.597"),
        ([], "none"),
        (["a", "b"], "a, b"),
        ("x|y", "x\\|y"),
    ],
    ids=["none", "bool", "big-float", "small-float", "empty-list", "list", "pipe"],
)
def test_cell(value: Any, text: str) -> None:
    assert cell(value) == text


def test_rounded_keeps_none() -> None:
    assert rounded(None) is None
    assert rounded(1.23456, 3) == 1.235


def test_table_has_header_separator_and_one_line_per_row() -> None:
    text = table(["a", "b"], [[1, None], ["x", [1, 2]]])
    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1 | n/a |", "| x | 1, 2 |"]


def _sample_result() -> dict[str, Any]:
    gc_row = {
        "found": True, "false_alarms": [], "failed_clauses": ["auth.required"],
        "requests_to_first_failure": 155, "requests": 1190,
    }  # fmt: skip
    st_row = {
        "found": False, "false_alarms": None, "new_failures": [], "failures": ["ST401 GET /x"],
        "requests_to_first_failure": None, "requests": 751,
    }  # fmt: skip
    clean_gc = {**gc_row, "found": None, "failed_clauses": [], "requests_to_first_failure": None}
    clean_st = {**st_row, "found": None, "false_alarms": ["ST401 GET /x"]}
    summary_tool = {
        "found": 1, "missed": 0, "missed_faults": [], "false_alarms_conforming": 0,
        "false_alarms_gray": None, "false_alarms_faults": 0,
        "median_requests_to_first_failure": 155,
    }  # fmt: skip
    speed_entry = {
        "server_rps": 200.0, "ratio_to_raw": 0.6, "ms_per_request": 5.0, "examples_per_s": 50.0,
        "wall_s": 10.0, "requests": 1000, "runs": 3,
    }  # fmt: skip
    return {
        "date": "2026-11-22 11:00 UTC",
        "mode": "quick",
        "machine": {"cpus": 2, "memory_gib": 23.5, "platform": "Linux", "load_average": [1, 1, 1]},
        "versions": {"graphcontract": "0.1.0", "schemathesis": "4.32.5"},
        "duration_s": 12.0,
        "detection": {
            "st_max_examples": 5,
            "rows": [
                {"target": "conforming", "kind": "conforming", "breaks": [],
                 "graphcontract": clean_gc, "schemathesis": clean_st},
                {"target": "auth-optional", "kind": "fault", "breaks": ["auth.required"],
                 "graphcontract": gc_row, "schemathesis": st_row},
            ],
            "summary": {
                "faults": 1,
                "graphcontract": summary_tool,
                "schemathesis": {**summary_tool, "found": 0, "missed": 1,
                                 "missed_faults": ["auth-optional"], "false_alarms_conforming": 1,
                                 "false_alarms_faults": None,
                                 "median_requests_to_first_failure": None},
            },
        },
        "speed": {
            "raw_httpx": {**speed_entry, "server_rps": 400.0, "ratio_to_raw": 1.0},
            "graphcontract_ci": speed_entry,
            "graphcontract_dev": None,
            "schemathesis": {**speed_entry, "server_rps": 80.0, "ms_per_request": 12.5},
        },
        "scaling": {
            "workers": {"method": "run", "points": [
                {"workers": 1, "server_rps": 200.0, "speedup": 1.0, "requests": 1000,
                 "wall_s": 10.0, "runs": 1}]},
            "max_examples": {"method": "run", "points": [
                {"max_examples": 4, "requests": 900, "wall_s": 8.0, "server_rps": 210.0,
                 "runs": 1}]},
        },
    }  # fmt: skip


def test_render_markdown_shows_every_section_and_the_verdicts() -> None:
    text = render_markdown(_sample_result())
    assert text.startswith("# graphcontract bench — 2026-11-22 11:00 UTC (quick)")
    for heading in ("## Detection", "## Speed", "## Scaling"):
        assert heading in text
    assert "| faults found | 1/1 | 0/1 |" in text
    assert "| `auth-optional` | auth.required | found | 155 |" in text
    assert "**missed**" in text
    assert "**1 false alarm(s)**" in text  # Schemathesis on the conforming mock
    assert "0.600 × raw (medians) — met" in text
    assert "5.0 ms vs 12.5 ms — met" in text
    assert "graphcontract `run --profile dev`" not in text  # no dev runs, no row


def test_render_markdown_accepts_what_results_json_stores() -> None:
    result = json.loads(json.dumps(_sample_result()))
    result["partial"] = "detection limited to conforming, auth-optional"
    del result["scaling"]
    text = render_markdown(result)
    assert "**Partial run**: detection limited" in text
    assert "## Scaling" not in text


def test_goal_not_met_is_said_plainly() -> None:
    result = _sample_result()
    result["speed"]["graphcontract_ci"] = {
        **result["speed"]["graphcontract_ci"], "ratio_to_raw": 0.3, "ms_per_request": 20.0,
    }  # fmt: skip
    text = render_markdown(result)
    assert "0.300 × raw (medians) — NOT met" in text
    assert "20.0 ms vs 12.5 ms — NOT met" in text


def test_goal_uses_the_paired_ratios_when_there_are_some() -> None:
    result = _sample_result()
    result["speed"]["graphcontract_ci"] = {
        **result["speed"]["graphcontract_ci"],
        "ratio_to_raw": 0.6, "paired_ratio": 0.498, "paired_ratios": [0.498, 0.31, 0.52],
    }  # fmt: skip
    text = render_markdown(result)
    assert (
        "0.498 × raw (median of the repetitions' ratios to the raw loops around them; "
        "each repetition: "
        "0.498, 0.310, 0.520) — NOT met" in text
    )
