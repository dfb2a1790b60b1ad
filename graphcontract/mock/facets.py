"""Which facets the mock serves, and where: one per containment navigation property of
``profile`` in the selected metadata whose target has a seed.

workPosition starts from the seed the mock is given (``--seed``; default
``contracts/examples/mock_seed.json``), every other facet from its generated seed
(``contracts/examples/facets/<facet>.json``, see ``graphcontract.facet_seeds``), all for the
same user. A facet is served under ``/me/profile/<segment>`` and
``/users/{id | userPrincipalName}/profile/<segment>`` with the contract the metadata gives it,
so a national cloud's metadata serves its own facets (personAnniversary) and properties.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from graphcontract.contract import METADATA_ENV, Contract, contracts_dir, load_contract
from graphcontract.contract_source import BUNDLED_METADATA, DEFAULT_FACET, OWNER, metadata_file
from graphcontract.types import JSONObject


@dataclass(frozen=True)
class ServedFacet:
    """One facet as the mock serves it."""

    segment: str
    contract: Contract
    seed: JSONObject

    @property
    def name(self) -> str:
        return self.contract.entity.name


def selected_metadata() -> Path:
    """The CSDL document this process's contracts are read from."""
    selected = os.environ.get(METADATA_ENV)
    return Path(selected) if selected else contracts_dir() / BUNDLED_METADATA


def served_facets(seed: JSONObject | None = None) -> list[ServedFacet]:
    """Every facet the mock serves, workPosition first (from ``seed`` when given), then the
    others in the metadata's order. A facet without a seed is left out."""
    default = load_contract()
    default_seed = seed if seed is not None else default.seed
    user = default_seed["user"]
    served = []
    for segment, entity in metadata_file(selected_metadata()).containment(OWNER).items():
        if entity == DEFAULT_FACET:
            served.append(ServedFacet(segment, default, default_seed))
            continue
        contract = load_contract(facet=entity)
        items = contract.seed.get("positions") or []
        if items:
            served.append(ServedFacet(segment, contract, {"user": user, "positions": items}))
    return sorted(served, key=lambda facet: facet.name != DEFAULT_FACET)
