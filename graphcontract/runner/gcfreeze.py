"""A pytest plugin the ``graphcontract run`` command adds: once the suite is collected, every
object alive (imported modules, Hypothesis strategies, pytest items, the contract model) is
moved out of the cyclic garbage collector's reach with ``gc.freeze()``.

Those objects live until the process exits, yet each full collection walked all of them
again: a ci run made two full collections while its tests ran, about 85 ms each, for some
150,000 objects that could never be garbage. After the freeze a full collection walks only
what the tests allocated. Users' own pytest runs (``pytest tests/contract``) are left as
they are: the plugin is added by the command, which owns its process.
"""

from __future__ import annotations

import gc

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.freeze()
