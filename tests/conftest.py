"""The order in which the harness's own tests reach pytest-xdist's workers: longest first.

xdist hands tests to workers in collection order. An end-to-end run of a minute that is
collected last (the third-party servers' runs sit near the end) keeps one worker busy while
the others have nothing left to take. Handing the long ones out first keeps the workers'
finishing times close: tests in an ``xdist_group`` (one worker runs the group's tests one
after another) go first, then the other ``slow`` tests (end-to-end runs, seconds each), then
the rest, each kind in its collection order.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=start_rank)  # a stable sort: collection order within each rank


def start_rank(item: pytest.Item) -> int:
    """0 for a test in an xdist group, 1 for another slow test, 2 for the rest."""
    if item.get_closest_marker("xdist_group") is not None:
        return 0
    return 1 if item.get_closest_marker("slow") is not None else 2
