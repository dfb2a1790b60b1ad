"""``--api NAME|all``: which profile facet (Update API) a run checks.

Owns the option's checks and its effect: a name must be an entity type of the selected
metadata that profile holds through a containment navigation property (its path segment);
``all`` stands for every such facet with an Update page. Every problem is one UsageError line
(exit 2). The selection is ``graphcontract.contract.API_ENV``, so pytest-xdist's workers and
the suite's modules read the same facet's contract.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphcontract.contract import API_ENV, METADATA_ENV, contracts_dir
from graphcontract.contract_source import BUNDLED_METADATA, DEFAULT_FACET, OWNER, updatable_of
from graphcontract.csdl import read_csdl
from graphcontract.errors import ContractDataError, UsageError
from graphcontract.metadata_option import keep_metadata_selection

ALL = "all"
HELP = (
    "the profile facet (Update API) to check, by its type name (skillProficiency, ...) or "
    "its path segment (skills); 'all' checks every facet profile holds, one section each "
    f"(default: {DEFAULT_FACET})"
)


def add_api_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api", metavar="NAME|all", default=None, help=HELP)


def _metadata() -> Path:
    selected = os.environ.get(METADATA_ENV)
    return Path(selected) if selected else contracts_dir() / BUNDLED_METADATA


def checkable_facets(metadata: Path | None = None) -> dict[str, str]:
    """Facet -> path segment for every entity type profile contains that has an Update page
    (sorted by name; the first segment when profile holds a type under two)."""
    try:
        containment = read_csdl(metadata or _metadata()).containment(OWNER)
    except ContractDataError as exc:
        raise UsageError(str(exc)) from None
    found: dict[str, str] = {}
    for segment, facet in sorted(containment.items()):
        if facet not in found and updatable_of(contracts_dir(), facet):
            found[facet] = segment
    return dict(sorted(found.items()))


def facet_segments() -> dict[str, str]:
    """Facet -> the segment its Update page documents (contracts/metadata/facets.json)."""
    raw = json.loads((contracts_dir() / "metadata" / "facets.json").read_text(encoding="utf-8"))
    return {name: f["segment"] for name, f in raw["facets"].items() if f.get("segment")}


def resolve_api(value: str, *, what: str = "--api") -> list[str]:
    """The facets ``value`` names (``all``: every checkable one), checked against the
    selected metadata."""
    facets = checkable_facets()
    if value == ALL:
        return list(facets)
    if value in facets:
        return [value]
    by_segment = {segment: facet for facet, segment in facets.items()}
    if value in by_segment:
        return [by_segment[value]]
    known = {name.lower(): name for name in facets}
    hint = (
        f"; did you mean {known[value.lower()]}?"
        if value.lower() in known
        else f"; one of: {', '.join(facets)}, or all"
    )
    documented = facet_segments().get(value)
    if documented in by_segment:
        raise UsageError(
            f"{what} {value}: profile's {documented} holds {by_segment[documented]} in the "
            f"selected metadata; use --api {by_segment[documented]}"
        )
    if updatable_of(contracts_dir(), value):
        raise UsageError(
            f"{what} {value}: profile has no navigation property for it in the selected "
            f"metadata, so it has no path to check" + hint
        )
    raise UsageError(f"{what} {value}: not a profile facet" + hint)


def select_api(value: str | None, *, what: str = "--api") -> str | None:
    """Check ``value`` (one facet, not ``all``) and make it this process's (and its
    children's) facet; None leaves the selection as it is."""
    if not value:
        return None
    if value == ALL:
        raise UsageError(f"{what} all: name one facet here; 'all' is for graphcontract run")
    facet = resolve_api(value, what=what)[0]
    if facet == DEFAULT_FACET:
        os.environ.pop(API_ENV, None)
    else:
        os.environ[API_ENV] = facet
    return facet


def select_configured_api(value: str | None, settings: dict[str, Any], folder: Path) -> None:
    """The pytest plugin's selection: ``--gc-api`` over ``api =`` in ``[tool.graphcontract]``
    (``folder``'s pyproject.toml); neither leaves the selection as it is."""
    if value:
        select_api(value, what="--gc-api")
    elif settings.get("api"):
        select_api(settings["api"], what=f"{folder / 'pyproject.toml'}: [tool.graphcontract] api")


def selected_api() -> str:
    """The facet this process's contract is about."""
    return os.environ.get(API_ENV) or DEFAULT_FACET


def keep_api_selection() -> Callable[[], None]:
    """A cleanup that puts the facet selection back as it is now (an in-process pytest
    session must not leave its ``--gc-api`` behind): the metadata selection's mechanism."""
    return keep_metadata_selection(API_ENV)
