"""What a doc-lint rule reports: ``Finding`` (of a kind declared in ``doclint.kinds``), the
``Subject`` a page documents, and ``clause`` (the related contract clause, when it exists)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from graphcontract.contract import Contract, StructuredType
from graphcontract.doclint.kinds import FINDING_KINDS


@dataclass(frozen=True)
class Finding:
    """One thing a documentation page gets wrong (or, kind ``difference.*``, changed)."""

    page: str
    line: int
    kind: str
    message: str
    clause: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FINDING_KINDS:
            raise ValueError(f"undeclared finding kind {self.kind!r}: add it to FINDING_KINDS")

    def to_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "line": self.line,
            "kind": self.kind,
            "message": self.message,
            "clause": self.clause,
        }


@dataclass(frozen=True)
class Subject:
    """What a page documents: the Update request body, another operation, or a type."""

    kind: Literal["update", "operation", "resource"]
    type: StructuredType


def clause(contract: Contract, clause_id: str) -> str | None:
    """``clause_id`` if the contract has it (findings never point at a missing clause)."""
    return clause_id if clause_id in contract.clauses else None
