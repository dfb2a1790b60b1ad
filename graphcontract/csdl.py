"""Read an OData CSDL XML document (a service's ``$metadata``) into typed metadata facts.

Owns the reading of CSDL 4.0/4.01 XML: entity types with ``BaseType``, ``Abstract`` and
``OpenType``, their keys, complex types (inheritance too), enum types with ``IsFlags`` and
member values, properties with ``Type`` (``Edm.*``, ``graph.X``/``microsoft.graph.X``,
``Collection(...)``) and ``Nullable`` (absent means true), navigation properties with
``ContainsTarget``, and the Core vocabulary's read-only annotations (``Computed``,
``Immutable``, ``Permissions`` = ``Read``), inline or out of line (``<Annotations
Target="ns.type/property">``), under any alias the document gives the Core namespace.

``facts_for`` turns what it reads into the project's metadata facts for one entity type, in
the shape of ``contracts/types.json``, so ``graphcontract.contract`` and
``graphcontract.schema_build`` build the same model whichever source they read. Types of the
document's main namespace (``microsoft.graph``) are named without a prefix, as everywhere
in the project; types of another namespace keep their qualified name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphcontract.enums import EnumSpec
from graphcontract.errors import ContractDataError

EDMX_NS = "http://docs.oasis-open.org/odata/ns/edmx"
EDM_NS = "http://docs.oasis-open.org/odata/ns/edm"
CORE_NS = "Org.OData.Core.V1"
MAIN_NAMESPACE = "microsoft.graph"
READ_ONLY_TERMS = ("Computed", "Immutable")
"""Core terms that make a property read-only for a PATCH (Core.Immutable: settable on
create only; Core.Computed: never settable)."""


@dataclass(frozen=True)
class CsdlProperty:
    """One structural property as declared."""

    name: str
    type_name: str
    collection: bool
    nullable: bool
    read_only_by: tuple[str, ...] = ()
    """The Core annotations that make it read-only (``Core.Computed``, …); empty if none."""


@dataclass(frozen=True)
class NavigationProperty:
    name: str
    type_name: str
    collection: bool
    contains_target: bool


@dataclass(frozen=True)
class CsdlType:
    """An entity or complex type with the properties it declares itself (not inherited)."""

    name: str
    kind: str
    base: str | None
    abstract: bool
    open_type: bool
    key: tuple[str, ...]
    properties: Mapping[str, CsdlProperty]
    navigation: Mapping[str, NavigationProperty]


@dataclass(frozen=True)
class Metadata:
    """The structured and enum types of a CSDL document, by project name."""

    source: str
    types: Mapping[str, CsdlType]
    enums: Mapping[str, EnumSpec]
    _annotated: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def lineage(self, name: str) -> tuple[CsdlType, ...]:
        """``name``'s type and its base types, the root first (entity, itemFacet, …)."""
        chain: list[CsdlType] = []
        current: str | None = name
        while current is not None:
            if current not in self.types:
                raise ContractDataError(f"{self.source}: type {current!r} is not declared")
            if any(t.name == current for t in chain):
                raise ContractDataError(f"{self.source}: {name!r} inherits from itself")
            chain.append(self.types[current])
            current = self.types[current].base
        return tuple(reversed(chain))

    def properties(self, name: str) -> dict[str, CsdlProperty]:
        """Every structural property of ``name``, inherited ones included."""
        merged: dict[str, CsdlProperty] = {}
        for spec in self.lineage(name):
            merged.update(spec.properties)
        return merged

    def is_open(self, name: str) -> bool:
        """A type derived from an open type is open (CSDL 4.01 sections 6.3, 9.3)."""
        return any(spec.open_type for spec in self.lineage(name))

    def key(self, name: str) -> tuple[str, ...]:
        return next((spec.key for spec in reversed(self.lineage(name)) if spec.key), ())

    def derived(self, base: str) -> tuple[str, ...]:
        """The types whose lineage includes ``base`` (``base`` itself left out)."""
        return tuple(
            name
            for name in self.types
            if name != base and any(t.name == base for t in self.lineage(name))
        )

    def containment(self, owner: str) -> dict[str, str]:
        """``owner``'s containment navigation properties: path segment -> entity type
        (``positions`` -> ``workPosition``): the collection paths under ``owner``."""
        return {
            nav.name: nav.type_name
            for spec in self.lineage(owner)
            for nav in spec.navigation.values()
            if nav.contains_target
        }


# -- reading --------------------------------------------------------------------------------


def read_csdl(source: Path | str | bytes, *, name: str | None = None) -> Metadata:
    """Read a CSDL XML document from a file path or from its bytes; a document that is not
    CSDL raises ContractDataError with one line saying why."""
    label = name or (str(source) if not isinstance(source, bytes) else "<metadata>")
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise ContractDataError(f"cannot read metadata {label}: {exc.strerror or exc}") from exc
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ContractDataError(f"{label} is not a CSDL document: XML error: {exc}") from exc
    if root.tag != f"{{{EDMX_NS}}}Edmx":
        raise ContractDataError(
            f"{label} is not a CSDL document: its root element is {_local(root.tag)!r}, "
            "not edmx:Edmx"
        )
    schemas = root.findall(f"{{{EDMX_NS}}}DataServices/{{{EDM_NS}}}Schema")
    if not schemas:
        raise ContractDataError(f"{label} is not a CSDL document: it has no edm:Schema")
    return _Reader(label, root, schemas).read()


class _Reader:
    def __init__(self, label: str, root: ET.Element, schemas: list[ET.Element]) -> None:
        self.label = label
        self.schemas = schemas
        self.aliases: dict[str, str] = {}
        for schema in schemas:
            namespace = schema.get("Namespace", "")
            self.aliases[namespace] = namespace
            if schema.get("Alias"):
                self.aliases[str(schema.get("Alias"))] = namespace
        for include in root.iter(f"{{{EDMX_NS}}}Include"):
            namespace = include.get("Namespace", "")
            self.aliases[namespace] = namespace
            if include.get("Alias"):
                self.aliases[str(include.get("Alias"))] = namespace

    def read(self) -> Metadata:
        annotated = self._out_of_line()
        types: dict[str, CsdlType] = {}
        enums: dict[str, EnumSpec] = {}
        for schema in self.schemas:
            namespace = schema.get("Namespace", "")
            for element in schema:
                tag = _local(element.tag)
                if tag in {"EntityType", "ComplexType"}:
                    spec = self._structured(element, namespace, annotated)
                    types[spec.name] = spec
                elif tag == "EnumType":
                    enum = self._enum(element, namespace)
                    enums[enum.name] = enum
        return Metadata(source=self.label, types=types, enums=enums, _annotated=annotated)

    def project_name(self, qualified: str) -> str:
        """``graph.workPosition`` / ``microsoft.graph.workPosition`` -> ``workPosition``;
        ``Edm.String`` stays; another namespace keeps its (alias-resolved) qualifier."""
        if qualified.startswith("Edm."):
            return qualified
        namespace, _, simple = qualified.rpartition(".")
        resolved = self.aliases.get(namespace, namespace)
        return simple if resolved == MAIN_NAMESPACE else f"{resolved}.{simple}"

    def _declared_name(self, element: ET.Element, namespace: str) -> str:
        return self.project_name(f"{namespace}.{element.get('Name', '')}")

    def _type_ref(self, text: str) -> tuple[str, bool]:
        if text.startswith("Collection(") and text.endswith(")"):
            return self.project_name(text[len("Collection(") : -1]), True
        return self.project_name(text), False

    def _term(self, term: str) -> str | None:
        """The Core term's simple name (``Computed``) when ``term`` names one."""
        namespace, _, simple = term.rpartition(".")
        return simple if self.aliases.get(namespace, namespace) == CORE_NS else None

    def _read_only_terms(self, owner: ET.Element) -> tuple[str, ...]:
        found = []
        for annotation in owner.findall(f"{{{EDM_NS}}}Annotation"):
            term = self._term(annotation.get("Term", ""))
            if term in READ_ONLY_TERMS and _true(annotation):
                found.append(f"Core.{term}")
            elif term == "Permissions" and _permission_is_read(annotation):
                found.append("Core.Permissions=Read")
        return tuple(found)

    def _out_of_line(self) -> dict[tuple[str, str], tuple[str, ...]]:
        found: dict[tuple[str, str], tuple[str, ...]] = {}
        for schema in self.schemas:
            for group in schema.iter(f"{{{EDM_NS}}}Annotations"):
                target = group.get("Target", "")
                owner, _, prop = target.partition("/")
                if not prop or "/" in prop or "(" in owner:
                    continue
                terms = self._read_only_terms(group)
                if terms:
                    key = (self.project_name(owner), prop)
                    found[key] = found.get(key, ()) + terms
        return found

    def _structured(
        self,
        element: ET.Element,
        namespace: str,
        annotated: Mapping[tuple[str, str], tuple[str, ...]],
    ) -> CsdlType:
        name = self._declared_name(element, namespace)
        properties: dict[str, CsdlProperty] = {}
        navigation: dict[str, NavigationProperty] = {}
        for child in element:
            tag = _local(child.tag)
            prop_name = child.get("Name", "")
            if tag == "Property":
                type_name, collection = self._type_ref(child.get("Type", ""))
                properties[prop_name] = CsdlProperty(
                    name=prop_name,
                    type_name=type_name,
                    collection=collection,
                    nullable=child.get("Nullable", "true").casefold() != "false",
                    read_only_by=self._read_only_terms(child)
                    + annotated.get((name, prop_name), ()),
                )
            elif tag == "NavigationProperty":
                type_name, collection = self._type_ref(child.get("Type", ""))
                navigation[prop_name] = NavigationProperty(
                    name=prop_name,
                    type_name=type_name,
                    collection=collection,
                    contains_target=child.get("ContainsTarget", "false").casefold() == "true",
                )
        key = tuple(
            ref.get("Name", "")
            for ref in element.findall(f"{{{EDM_NS}}}Key/{{{EDM_NS}}}PropertyRef")
        )
        base = element.get("BaseType")
        return CsdlType(
            name=name,
            kind="entity" if _local(element.tag) == "EntityType" else "complex",
            base=self.project_name(base) if base else None,
            abstract=element.get("Abstract", "false").casefold() == "true",
            open_type=element.get("OpenType", "false").casefold() == "true",
            key=key,
            properties=properties,
            navigation=navigation,
        )

    def _enum(self, element: ET.Element, namespace: str) -> EnumSpec:
        name = self._declared_name(element, namespace)
        is_flags = element.get("IsFlags", "false").casefold() == "true"
        members: dict[str, int] = {}
        for index, member in enumerate(element.findall(f"{{{EDM_NS}}}Member")):
            value = member.get("Value")
            # CSDL 4.01 section 10.3.2: without Value, members are numbered from 0 in order.
            try:
                members[member.get("Name", "")] = int(value) if value is not None else index
            except ValueError as exc:
                raise ContractDataError(
                    f"{self.label}: enum {name} member {member.get('Name')!r} has a "
                    f"non-integer Value {value!r}"
                ) from exc
        return EnumSpec(name=name, is_flags=is_flags, members=members)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _true(annotation: ET.Element) -> bool:
    value = annotation.get("Bool")
    if value is None:
        child = annotation.find(f"{{{EDM_NS}}}Bool")
        value = child.text if child is not None else "true"
    return (value or "true").strip().casefold() == "true"


def _permission_is_read(annotation: ET.Element) -> bool:
    value = annotation.get("EnumMember")
    if value is None:
        child = annotation.find(f"{{{EDM_NS}}}EnumMember")
        value = child.text if child is not None else ""
    members = {part.strip().rpartition("/")[2] for part in (value or "").split()}
    return members == {"Read"}


# -- metadata facts in the project's shape -------------------------------------------------


SERVER_MANAGED = ("createdBy", "createdDateTime", "lastModifiedBy", "lastModifiedDateTime")
"""itemFacet's properties the service sets (the facet pages describe each as what the
service records; no Core annotation marks them): read-only to a PATCH."""


def access_of(
    prop: CsdlProperty,
    *,
    key: Iterable[str],
    updatable: Iterable[str],
    server_managed: Iterable[str] = SERVER_MANAGED,
) -> str:
    """A top-level property's access class: the key; server-managed when the documentation
    says the service sets it or a Core annotation makes it read-only; updatable when the
    Update page lists it; else undocumented."""
    if prop.name in set(key):
        return "key"
    if prop.name in set(server_managed) or prop.read_only_by:
        return "server-managed"
    if prop.name in set(updatable):
        return "updatable"
    return "undocumented"


def reachable(metadata: Metadata, entity: str) -> list[str]:
    """``entity`` and every structured or enum type its properties reach, in the order
    first reached (breadth first, properties in name order)."""
    seen = [entity]
    queue = [entity]
    while queue:
        name = queue.pop(0)
        if name not in metadata.types:
            continue
        for prop in _sorted(metadata.properties(name)).values():
            if prop.type_name.startswith("Edm.") or prop.type_name in seen:
                continue
            if prop.type_name not in metadata.types and prop.type_name not in metadata.enums:
                raise ContractDataError(
                    f"{metadata.source}: {name}.{prop.name} has undeclared type {prop.type_name!r}"
                )
            seen.append(prop.type_name)
            queue.append(prop.type_name)
    return seen


def _sorted(properties: Mapping[str, CsdlProperty]) -> dict[str, CsdlProperty]:
    """Properties in name order, case folded (Graph's metadata declares them so)."""
    return {name: properties[name] for name in sorted(properties, key=str.casefold)}


def facts_for(
    metadata: Metadata,
    entity: str,
    *,
    updatable: Iterable[str],
    server_managed: Iterable[str] = SERVER_MANAGED,
) -> dict[str, Any]:
    """The metadata facts of ``entity`` and every type it reaches, in the shape of
    ``contracts/types.json`` (``entityType``, ``types``, ``enums``)."""
    updatable, server_managed = tuple(updatable), tuple(server_managed)
    if metadata.types.get(entity) is None or metadata.types[entity].kind != "entity":
        raise ContractDataError(f"{metadata.source}: no entity type {entity!r}")
    key = metadata.key(entity)
    types: dict[str, Any] = {}
    enums: dict[str, Any] = {}
    for name in reachable(metadata, entity):
        if name in metadata.enums:
            enum = metadata.enums[name]
            enums[name] = {"isFlags": enum.is_flags, "members": dict(enum.members)}
            continue
        spec = metadata.types[name]
        props = metadata.properties(name)
        raw: dict[str, Any] = {"openType": metadata.is_open(name), "kind": spec.kind}
        if name == entity:
            raw["key"] = key[0] if len(key) == 1 else list(key)
            props = _sorted(props)
        raw["properties"] = {
            prop.name: _prop_facts(
                prop,
                access_of(prop, key=key, updatable=updatable, server_managed=server_managed)
                if name == entity
                else None,
            )
            for prop in props.values()
        }
        types[name] = raw
    return {"entityType": entity, "types": types, "enums": enums}


def _prop_facts(prop: CsdlProperty, access: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": prop.type_name,
        "collection": prop.collection,
        "nullable": prop.nullable,
    }
    if access is not None:
        out["access"] = access
    return out


def iter_facets(metadata: Metadata, owner: str = "profile") -> Iterator[tuple[str, str]]:
    """(path segment, entity type) of every collection ``owner`` contains."""
    yield from sorted(metadata.containment(owner).items())
