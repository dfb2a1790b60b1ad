"""A pytest plugin the ``graphcontract run`` command adds: it keeps the cyclic garbage
collector from walking what cannot be garbage, and from running every few hundred
allocations.

- Once the suite is collected, every object alive (imported modules, Hypothesis strategies,
  pytest items, the contract model) is moved out of the collector's reach with
  ``gc.freeze()``. Those objects live until the process exits, yet each full collection
  walked all of them again: a ci run made two full collections while its tests ran, about
  85 ms each, for some 150,000 objects that could never be garbage.
- The youngest generation is collected after 100,000 net allocations, not 700 (and each older
  one after ten collections of the one below). A ci run allocates short-lived containers by
  the hundred thousand (Hypothesis's choices, JSON bodies): with Python's defaults it made
  about 770 young, 70 middle and 6 full collections, about 8% of its CPU time; with these,
  a handful. Cyclic garbage still goes: a full collection at least every ten million net
  allocations, so a long run (``--profile fuzz``) keeps its memory bounded. ``graphcontract
  fuzz`` campaigns do not add this plugin: an hours-long process is left to Python's defaults.

Users' own pytest runs (``pytest tests/contract``) are left as they are: the plugin is added
by the command, which owns its process.
"""

from __future__ import annotations

import gc

import pytest

YOUNG_THRESHOLD = 100_000
OLDER_THRESHOLD = 10


def pytest_configure(config: pytest.Config) -> None:
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.freeze()
