"""Hypothesis profiles for the four uses: ci, dev, staging, fuzz.

- ``ci``: deterministic (derandomized, no database), bounded, quick: gates every merge.
- ``dev``: a little more generation, failures kept in the local example database.
- ``staging``: few requests against a shared live service (the client also rate-limits).
- ``fuzz``: long campaigns; the example database is chosen by ``graphcontract fuzz``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

PROFILES = ("ci", "dev", "staging", "fuzz")
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


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
