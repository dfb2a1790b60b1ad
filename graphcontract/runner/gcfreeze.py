"""A pytest plugin the ``graphcontract run`` command adds: once the suite is collected, it
keeps the cyclic garbage collector from walking what cannot be garbage, and from running
every few hundred allocations.

- Every object alive after collection (imported modules, Hypothesis strategies, pytest items,
  the contract model) is moved out of the collector's reach with ``gc.freeze()``. Those
  objects live until the process exits, yet each full collection walked all of them again:
  a ci run made two full collections while its tests ran, about 85 ms each, for some 150,000
  objects that could never be garbage. Collection itself runs with Python's thresholds, so
  its own cyclic garbage is mostly gone before the freeze.
- From then on the youngest generation is collected after 100,000 net allocations (CPython
  3.11's default is 700), each older one after ten collections of the one below. A ci run
  allocates short-lived containers by the hundred thousand (Hypothesis's choices, JSON
  bodies): with the defaults it made about 770 young, 70 middle and 6 full collections,
  about 8% of its CPU time (median of six paired runs against the bundled mock); with these,
  a handful, for about 10 MiB more at its peak. Cyclic garbage still goes, in the collections
  that remain.

Users' own pytest runs (``pytest tests/contract``) and ``graphcontract fuzz`` campaigns are
left as they are: the plugin is added by the run command, which owns its process.
"""

from __future__ import annotations

import gc

import pytest

YOUNG_THRESHOLD = 100_000
OLDER_THRESHOLD = 10


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
