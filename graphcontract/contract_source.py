"""The metadata facts a contract is built from, read from a CSDL document.

Owns the assembly of one facet's facts (in the shape of ``contracts/types.json``) from three
sources: a CSDL ``$metadata`` document (types, inheritance, nullability, enums, Core
annotations; ``graphcontract.csdl``), the facets' Update pages as extracted into
``contracts/metadata/facets.json`` (which properties a PATCH may set) and the documentation's
other names for the metadata's types and properties (``contracts/metadata/documented.json``).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from graphcontract.csdl import Metadata, facts_for, read_csdl
from graphcontract.errors import ContractDataError

BUNDLED_METADATA = Path("metadata") / "profile-beta.xml"
"""The default CSDL document, relative to contracts/: Graph beta (Prod), profile subset."""
NATIONAL_CLOUD_METADATA = Path("metadata") / "profile-beta-usnat.xml"
DEFAULT_FACET = "workPosition"
OWNER = "profile"
"""The entity type whose containment navigation properties give the facets' paths."""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ContractDataError(f"cannot read {path}: {exc}") from exc


def metadata_file(path: Path) -> Metadata:
    """``read_csdl`` of a file, read once per version of it: every facet's contract (the
    mock builds them all) reads the same document."""
    try:
        stat = path.stat()
    except OSError:
        return read_csdl(path)  # its one-line error
    return _metadata_file(path.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.cache
def _metadata_file(path: Path, mtime_ns: int, size: int) -> Metadata:
    return read_csdl(path)


def updatable_of(contracts: Path, facet: str) -> tuple[str, ...]:
    """The properties ``facet``'s Update page lists in its Request body table (none for a
    type without an Update page: itemFacet, profile)."""
    facets = _read_json(contracts / "metadata" / "facets.json")["facets"]
    return tuple(facets.get(facet, {}).get("updatable", ()))


def facet_paths(metadata_path: Path, facet: str) -> dict[str, frozenset[str]]:
    """The List/Get/Update path templates of ``facet`` under /me and /users/{…}: one pair per
    containment navigation property of profile targeting it (none when profile has none)."""
    paths: dict[str, frozenset[str]] = {}
    for segment, target in metadata_file(metadata_path).containment(OWNER).items():
        if target != facet:
            continue
        for prefix in ("/me", "/users/{}"):
            collection = f"{prefix}/profile/{segment}"
            paths[collection] = frozenset({"GET"})
            paths[collection + "/{}"] = frozenset({"GET", "PATCH"})
    return paths


def facet_segment(metadata_path: Path, facet: str) -> str | None:
    """profile's containment navigation property holding ``facet`` (the first one, by name),
    or None when profile has none for it."""
    segments = sorted(
        segment
        for segment, target in read_csdl(metadata_path).containment(OWNER).items()
        if target == facet
    )
    return segments[0] if segments else None


def with_documentation(
    facts: dict[str, Any], metadata: Metadata, documented: dict[str, Any]
) -> dict[str, Any]:
    """``facts`` plus the documentation's other forms: a property's documented type
    (``documentedAs``), a documented name the metadata spells otherwise
    (``documentedProperties``) and the types only the documentation uses (``documentedOnly``)."""
    entity = facts["entityType"]
    types = facts["types"]
    lineage = {spec.name for spec in metadata.lineage(entity)}
    for where, form in documented.get("propertyTypes", {}).items():
        owner, _, prop = where.partition(".")
        holder = entity if owner in lineage else owner
        declared = types.get(holder, {}).get("properties", {}).get(prop)
        if declared is not None and (declared["type"], declared["collection"]) != (
            form["type"],
            form["collection"],
        ):
            plain = {k: v for k, v in form.items() if k != "source"}
            types[holder]["properties"][prop]["documentedAs"] = plain
            extra = documented.get("types", {}).get(form["type"])
            if extra is not None and form["type"] not in types:
                raw = {k: v for k, v in extra.items() if k != "source"}
                types[form["type"]] = {**raw, "documentedOnly": True}
    for where, form in documented.get("propertyNames", {}).items():
        owner, _, prop = where.partition(".")
        if owner in types and prop not in types[owner]["properties"]:
            plain = {k: v for k, v in form.items() if k != "source"}
            types[owner].setdefault("documentedProperties", {})[prop] = plain
    return facts


def facts_from_metadata(
    contracts: Path, metadata_path: Path | None = None, facet: str = DEFAULT_FACET
) -> dict[str, Any]:
    """The facts of ``facet`` from a CSDL document (the bundled Prod subset by default), with
    the Update page's updatable properties and the documentation's other forms."""
    metadata = metadata_file(metadata_path or contracts / BUNDLED_METADATA)
    facts = facts_for(metadata, facet, updatable=updatable_of(contracts, facet))
    documented = _read_json(contracts / "metadata" / "documented.json")
    return with_documentation(facts, metadata, documented)


def declared_only(value: Any, type_name: str, facts: dict[str, Any]) -> Any:
    """``value`` (a ``type_name`` instance) without the properties ``facts`` does not declare
    on a non-open type, at every depth; annotations kept. The mock's seed is written for the
    bundled metadata; a service on another (a national cloud's) lacks some of its properties."""
    spec = facts["types"].get(type_name)
    if spec is None or not isinstance(value, dict):
        return value
    declared = {**spec.get("documentedProperties", {}), **spec["properties"]}
    out = {}
    for key, item in value.items():
        prop = declared.get(key)
        if prop is None:
            if "@" in key or spec["openType"]:
                out[key] = item
            continue
        if prop["collection"] and isinstance(item, list):
            out[key] = [declared_only(member, prop["type"], facts) for member in item]
        else:
            out[key] = declared_only(item, prop["type"], facts)
    return out
