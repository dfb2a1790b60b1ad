"""Hypothesis profiles for the four uses: ci, dev, staging, fuzz.

- ``ci``: deterministic (derandomized, no database), bounded, quick: gates every merge.
- ``dev``: a little more generation, failures kept in the local example database.
- ``staging``: few requests against a shared live service (the client also rate-limits): the
  tests sent are the staging plan's (runner/staging_plan.py), about 300 requests in all.
- ``fuzz``: long campaigns; the example database is chosen by ``graphcontract fuzz``.

Also where Hypothesis keeps its caches when the ``graphcontract`` command runs:
:func:`share_hypothesis_storage`.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

PROFILES = ("ci", "dev", "staging", "fuzz")
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
STORAGE_ENV = "HYPOTHESIS_STORAGE_DIRECTORY"
EXAMPLES_DIRECTORY = Path(".hypothesis") / "examples"
"""Where the dev profile keeps failing examples (and ``fuzz`` by default): the working
directory's, as with Hypothesis's own default, whatever :func:`share_hypothesis_storage` did."""


def share_hypothesis_storage(environ: MutableMapping[str, str] = os.environ) -> Path | None:
    """Point Hypothesis's storage at one per-user cache directory, unless the caller chose one.

    Hypothesis keeps its Unicode tables there. Without a stored copy it rebuilds them by
    walking all 1.1 million code points: about 0.5 s for the category table and 1.5 s per
    codec table (Schemathesis asks for utf-8). Its default storage, ``./.hypothesis``, is new
    in every fresh checkout or scratch directory, so every run and every worker process paid
    that again (and left a ``.hypothesis`` folder wherever it was started). Returns the
    directory used, or None when the caller's choice stands or the cache cannot be created.
    """
    if environ.get(STORAGE_ENV):
        return None
    cache_home = Path(environ.get("XDG_CACHE_HOME", ""))
    if not cache_home.is_absolute():  # unset, or relative: the XDG spec says to ignore it
        try:
            cache_home = Path.home() / ".cache"
        except RuntimeError:  # no home directory to be found
            return None
    if not cache_home.is_absolute():
        return None
    directory = cache_home / "graphcontract" / "hypothesis"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    environ[STORAGE_ENV] = str(directory)
    return directory


def register_profiles() -> None:
    """Register the profiles (idempotent)."""
    settings.register_profile(
        "ci",
        max_examples=12,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=_SLOW_OK,
        print_blob=False,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    settings.register_profile(
        "dev",
        max_examples=40,
        database=DirectoryBasedExampleDatabase(str(EXAMPLES_DIRECTORY)),
        deadline=None,
        suppress_health_check=_SLOW_OK,
        print_blob=True,
    )
    settings.register_profile(
        "staging",
        max_examples=4,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=_SLOW_OK,
        phases=[Phase.explicit, Phase.generate],
    )
    settings.register_profile(
        "fuzz",
        max_examples=100_000,
        deadline=None,
        suppress_health_check=_SLOW_OK,
        print_blob=True,
        # No explain phase: it re-runs failing examples under tracing and points at harness
        # lines, not at anything of the target.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    )
