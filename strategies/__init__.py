"""Hypothesis strategies for Update workPosition bodies, all derived from the Contract.

valid partial bodies (:mod:`strategies.valid`), invalid bodies tagged with their clause
(:mod:`strategies.invalid`), mixed valid + invalid bodies (:mod:`strategies.mixed`), the
fixed gray-zone cases (:mod:`strategies.gray`), the deterministic per-place cases of the ci
profile (:mod:`strategies.explicit`), the edge-case catalog by kind applied at every site
(:mod:`strategies.edge_cases`) and the per-type values beneath them all
(:mod:`strategies.values`).
"""

from __future__ import annotations

from strategies.edge_cases import EdgeCase, Pack, at_kind_sites, edge_packs, edge_sites
from strategies.explicit import (
    annotated_bodies,
    every_property_body,
    explicit_clearing_bodies,
    explicit_invalid_bodies,
    explicit_read_only_bodies,
    explicit_valid_bodies,
    partial_over_null_cases,
    restating_bodies,
    slight_changes,
)
from strategies.gray import GrayCase, flag_combinations, gray_cases
from strategies.invalid import (
    INVALID_CLAUSES,
    MUST_REJECT_CLAUSES,
    InvalidBody,
    invalid_bodies,
)
from strategies.mixed import MixedBody, mixed_bodies
from strategies.valid import valid_bodies, valid_value_for
from strategies.values import complex_values, edm_values, values_at, without_part, wrap

__all__ = [
    "INVALID_CLAUSES",
    "MUST_REJECT_CLAUSES",
    "EdgeCase",
    "GrayCase",
    "InvalidBody",
    "MixedBody",
    "Pack",
    "annotated_bodies",
    "at_kind_sites",
    "complex_values",
    "edge_packs",
    "edge_sites",
    "edm_values",
    "every_property_body",
    "explicit_clearing_bodies",
    "explicit_invalid_bodies",
    "explicit_read_only_bodies",
    "explicit_valid_bodies",
    "flag_combinations",
    "gray_cases",
    "invalid_bodies",
    "mixed_bodies",
    "partial_over_null_cases",
    "restating_bodies",
    "slight_changes",
    "valid_bodies",
    "valid_value_for",
    "values_at",
    "without_part",
    "wrap",
]
