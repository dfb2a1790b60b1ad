"""Which facets the mock serves, and where: one per containment navigation property of
``profile`` in the selected metadata whose target has a seed.

workPosition starts from the seed the mock is given (``--seed``; default
``contracts/examples/mock_seed.json``), every other facet from its generated seed
(``contracts/examples/facets/<facet>.json``, see ``graphcontract.facet_seeds``), all for the
same user. A facet is served under ``/me/profile/<segment>`` and
``/users/{id | userPrincipalName}/profile/<segment>`` with the contract the metadata gives it,
so a national cloud's metadata serves its own facets (personAnniversary) and properties. A
facet a target's metadata defines that no bundled seed covers starts from two blank items;
one whose blank items the contract refuses (a non-nullable property) is not served.
"""

from __future__ import annotations

import copy
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from graphcontract.contract import METADATA_ENV, Contract, contracts_dir, load_contract
from graphcontract.contract_source import BUNDLED_METADATA, DEFAULT_FACET, OWNER, metadata_file
from graphcontract.errors import ContractDataError
from graphcontract.mock.seed import seed_errors
from graphcontract.types import JSONObject

_BLANK = uuid.UUID("0c5e1f7a-93d2-4b8e-a6f1-2d7c9e4b3a10")
"""For the ids of a blank item: uuid5 of the facet and the item's index in this namespace."""


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
        try:
            contract = load_contract(facet=entity)
        except ContractDataError:
            continue  # not a type the contract model can hold
        items = contract.seed.get("positions")
        seed = {"user": user, "positions": items or blank_items(contract, default_seed)}
        if items or not seed_errors(contract, seed):  # PositionStore checks a bundled seed
            served.append(ServedFacet(segment, contract, seed))
    return sorted(served, key=lambda facet: facet.name != DEFAULT_FACET)


def blank_items(contract: Contract, template: JSONObject) -> list[JSONObject]:
    """What a facet the metadata defines but no seed covers starts from: two items with
    every property null (collections []), the server-managed ones as ``template``'s first
    position has them."""
    first = template["positions"][0]
    items = []
    for index in range(2):
        item: JSONObject = {
            name: [] if prop.collection else None
            for name, prop in contract.entity.properties.items()
            if prop.access != "undocumented"
        }
        item.update({n: copy.deepcopy(first[n]) for n in contract.server_managed if n in first})
        for key in contract.key_names:
            item[key] = str(uuid.uuid5(_BLANK, f"{contract.entity.name}/{index}"))
        items.append(item)
    return items
