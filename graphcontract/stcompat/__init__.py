"""Schemathesis from the same contract: contracts/openapi.yaml loaded by Schemathesis 4 (pinned),
configured for Graph, its cases sent through the harness's own client and Target, and every
Schemathesis finding recorded as a Verdict under a clause id of contracts/clauses.yaml.

- :mod:`graphcontract.stcompat.schema`: loading, the Graph configuration, case strategies.
- :mod:`graphcontract.stcompat.classify`: what the contract says about a generated body
  (must be accepted, must be refused, or a gray zone), whatever mode Schemathesis generated it in.
- :mod:`graphcontract.stcompat.checks`: graphcontract's oracles as ``@schemathesis.check``
  functions, and the map from each check to the clause its failures belong to.
- :mod:`graphcontract.stcompat.narrow`: which clause a refused valid body breaks.
- :mod:`graphcontract.stcompat.scenario`: one case, snapshot → send → check → restore.
"""

from __future__ import annotations

from graphcontract.stcompat.classify import Classification, classify_body
from graphcontract.stcompat.scenario import check_schemathesis_case, check_schemathesis_read
from graphcontract.stcompat.schema import (
    SCHEMATHESIS_CLAUSES,
    graph_schema,
    patch_cases,
    read_operations,
)

__all__ = [
    "SCHEMATHESIS_CLAUSES",
    "Classification",
    "check_schemathesis_case",
    "check_schemathesis_read",
    "classify_body",
    "graph_schema",
    "patch_cases",
    "read_operations",
]
