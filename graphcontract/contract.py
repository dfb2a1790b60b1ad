"""The contract model: contracts/ loaded into one immutable object.

This is the only place that knows which workPosition properties are updatable or
server-managed, which are nullable, which enums exist and what their members are, and which
clauses the contract has. Strategies, oracles and the reference mock all read it, so they
agree by construction.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jsonschema
import jsonschema_rs
import yaml

from graphcontract.documented import DocumentedExamples, load_documented
from graphcontract.enums import EVOLVABLE_SENTINEL as EVOLVABLE_SENTINEL
from graphcontract.enums import EnumSpec as EnumSpec
from graphcontract.errors import ContractDataError
from graphcontract.types import JSON, JSONObject
from graphcontract.types import Path as JSONPath

Access = Literal["key", "updatable", "server-managed", "undocumented", "nested"]
Level = Literal["must", "observe", "doc"]

EDM_PRIMITIVES = (
    "Edm.String",
    "Edm.Boolean",
    "Edm.Int32",
    "Edm.Double",
    "Edm.Date",
    "Edm.DateTimeOffset",
)
GRAPH_NAMESPACE = "microsoft.graph"
"""The namespace of every type the model names without a prefix of its own."""


@dataclass(frozen=True)
class PropertySpec:
    """One declared property of a structured type."""

    name: str
    type_name: str
    collection: bool
    nullable: bool
    access: Access

    @property
    def is_primitive(self) -> bool:
        return self.type_name.startswith("Edm.")


@dataclass(frozen=True)
class StructuredType:
    """An entity or complex type with its declared properties."""

    name: str
    open_type: bool
    properties: Mapping[str, PropertySpec]

    def property(self, name: str) -> PropertySpec:
        return self.properties[name]


@dataclass(frozen=True)
class ClauseSource:
    """Where a clause is written down."""

    page: str
    file: str
    section: str
    row: str

    def describe(self) -> str:
        return f'{self.page}, section "{self.section}": {self.row}'


@dataclass(frozen=True)
class Clause:
    """One documented behaviour the harness checks."""

    id: str
    level: Level
    title: str
    statement: str
    source: ClauseSource


@dataclass(frozen=True)
class EnumSite:
    """A place in a request body where an enum value goes."""

    path: JSONPath
    enum: EnumSpec
    clause: str


@dataclass(frozen=True)
class Contract:
    """Everything the harness knows about Update workPosition."""

    root: Path
    entity: StructuredType
    types: Mapping[str, StructuredType]
    enums: Mapping[str, EnumSpec]
    clauses: Mapping[str, Clause]
    request_schema: JSONObject
    response_schema: JSONObject
    documented_request: JSONObject
    """The documented request as the suite sends it (doc-lint's findings fixed)."""
    documented_response: JSONObject
    seed: JSONObject
    paths: Mapping[str, frozenset[str]] | None = None
    """Path template (``{}`` for a key or user) -> HTTP methods, from profile's containment
    navigation property for the entity (empty when profile has none); None: openapi.yaml's."""
    segment: str | None = "positions"
    """profile's navigation property holding the facet (``skills``); None: profile has none."""
    documented: DocumentedExamples | None = None
    """The Update page's examples as published (docs.examples judges these; None: none bundled)."""
    _validators: dict[str, jsonschema.protocols.Validator] = field(
        default_factory=dict, repr=False, compare=False
    )
    _fast_validators: dict[str, jsonschema_rs.Validator] = field(
        default_factory=dict, repr=False, compare=False
    )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How Hypothesis prints it in a strategy's repr (which it builds, in stateful runs,
        on every draw a rule's precondition refuses): by name, not every field."""
        printer.text(f"Contract({self.entity.name})")

    # -- the facet and its paths ----------------------------------------------------------
    @property
    def facet(self) -> str:
        """The entity type the contract is about (``workPosition``, ``skillProficiency``)."""
        return self.entity.name

    @property
    def me_collection(self) -> str:
        """``/me/profile/{segment}``: the facet's collection for the signed-in user."""
        return self._collection("/me")

    def users_collection(self, user: str) -> str:
        """``/users/{user}/profile/{segment}``."""
        return self._collection(f"/users/{user}")

    def _collection(self, owner: str) -> str:
        if self.segment is None:
            raise ContractDataError(f"profile has no navigation property for {self.facet}")
        return f"{owner}/profile/{self.segment}"

    # -- property classes -------------------------------------------------------------
    def _names(self, *access: Access) -> tuple[str, ...]:
        return tuple(n for n, p in self.entity.properties.items() if p.access in access)

    @property
    def updatable(self) -> tuple[str, ...]:
        """The seven properties the Update page documents as updatable."""
        return self._names("updatable")

    @property
    def server_managed(self) -> tuple[str, ...]:
        """createdBy, createdDateTime, lastModifiedBy, lastModifiedDateTime."""
        return self._names("server-managed")

    @property
    def key_names(self) -> tuple[str, ...]:
        """The entity's key (id)."""
        return self._names("key")

    @property
    def read_only(self) -> tuple[str, ...]:
        """The key plus the server-managed properties (read-only.not-applied)."""
        return self._names("key", "server-managed")

    @property
    def undocumented(self) -> tuple[str, ...]:
        """Declared in the metadata but absent from the Update page (isSearchable, source…)."""
        return self._names("undocumented")

    def structured(self, name: str) -> StructuredType:
        return self.entity if name == self.entity.name else self.types[name]

    def type_annotation(self, type_name: str) -> str:
        """The ``@odata.type`` value naming ``type_name``: ``#microsoft.graph.workPosition``,
        ``#Date`` for an Edm primitive (OData JSON 4.01 section 4.5.3)."""
        if type_name.startswith("Edm."):
            return "#" + type_name.removeprefix("Edm.")
        return f"#{GRAPH_NAMESPACE}.{type_name}"

    def is_enum(self, type_name: str) -> bool:
        return type_name in self.enums

    def is_structured(self, type_name: str) -> bool:
        return type_name == self.entity.name or type_name in self.types

    @functools.cached_property
    def enums_by_property(self) -> Mapping[str, EnumSpec]:
        """The enum a property name holds wherever it is declared (``allowedAudiences``,
        ``relationship``, ``type``), for comparisons that know a value only by its key. A
        name declared with two enum types is left out; one also declared with a non-enum type
        (``type`` of personDataSource) is kept, since only a valid enum form is read as one."""
        found: dict[str, set[str]] = {}
        for spec in (self.entity, *self.types.values()):
            for prop in spec.properties.values():
                if self.is_enum(prop.type_name):
                    found.setdefault(prop.name, set()).add(prop.type_name)
        return {name: self.enums[next(iter(t))] for name, t in found.items() if len(t) == 1}

    def enum_sites(self) -> tuple[EnumSite, ...]:
        """Every place an enum value can be sent, with the clause that governs it."""
        return tuple(self._enum_sites(self.entity, (), top=True))

    def _enum_sites(
        self, spec: StructuredType, prefix: JSONPath, *, top: bool
    ) -> Iterator[EnumSite]:
        for prop in spec.properties.values():
            if top and prop.access != "updatable":
                continue
            path = (*prefix, prop.name) + (("[]",) if prop.collection else ())
            if self.is_enum(prop.type_name):
                clause = (
                    "enum.allowedAudiences.rejects"
                    if path == ("allowedAudiences",)
                    else "enum.nested"
                )
                yield EnumSite(path, self.enums[prop.type_name], clause)
            elif (
                self.is_structured(prop.type_name) and not self.structured(prop.type_name).open_type
            ):
                yield from self._enum_sites(self.structured(prop.type_name), path, top=False)

    # -- validation ---------------------------------------------------------------------
    def _validator(self, which: str) -> jsonschema.protocols.Validator:
        if which not in self._validators:
            schema = self.request_schema if which == "request" else self.response_schema
            cls = jsonschema.validators.validator_for(schema)
            self._validators[which] = cls(schema, format_checker=cls.FORMAT_CHECKER)
        return self._validators[which]

    def is_valid(self, which: Literal["request", "response"], body: JSON) -> bool:
        """Whether ``body`` validates against the request or response schema."""
        return self._surely_valid(which, body) or not _messages(self._validator(which), body)

    def _surely_valid(self, which: Literal["request", "response"], body: JSON) -> bool:
        """jsonschema-rs's word, when it accepts ``body``: about 300 times faster than jsonschema
        on a 200 body, and most bodies a run judges are valid. Its formats are jsonschema's own
        checkers, so both read ``date`` and ``date-time`` alike; what it refuses or cannot take
        (infinity, a lone surrogate, an integer past 64 bits) is left to jsonschema."""
        if which not in self._fast_validators:
            schema = self.request_schema if which == "request" else self.response_schema
            self._fast_validators[which] = jsonschema_rs.validator_for(
                schema, validate_formats=True, formats=_format_checks(schema)
            )
        try:
            return bool(self._fast_validators[which].is_valid(body))
        except (ValueError, TypeError, OverflowError):
            return False

    def request_errors(self, body: JSON) -> list[str]:
        """Why ``body`` is not a valid PATCH body (empty when it is)."""
        if self._surely_valid("request", body):
            return []
        return _messages(self._validator("request"), body)

    def response_errors(self, body: JSON, *, undeclared: bool = True) -> list[str]:
        """Why ``body`` is not a valid workPosition as a 200 answer (empty when it is);
        ``undeclared=False`` leaves out properties the metadata does not declare.

        jsonschema-rs answers first; a body it does not accept goes to jsonschema, whose
        verdict and messages stand."""
        if self._surely_valid("response", body):
            return []
        return _messages(self._validator("response"), body, undeclared=undeclared)

    def undeclared_in_response(self, body: JSON) -> list[str]:
        """Where ``body`` carries properties the metadata does not declare on a non-open type
        (``body.displayName``, …; annotations excepted)."""
        found = []
        for error in self._validator("response").iter_errors(body):
            error = most_specific_error(error)
            if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
                continue
            declared = error.schema.get("properties", {})
            patterns = error.schema.get("patternProperties", {})
            found += [
                f"{_where(error.absolute_path)}.{name}"
                for name in error.instance
                if name not in declared and not any(re.search(p, name) for p in patterns)
            ]
        return sorted(found)


def _format_checks(schema: JSON) -> dict[str, Callable[[str], bool]]:
    """Every ``format`` the schema names, checked by jsonschema's own format checker."""
    checker = jsonschema.validators.validator_for(schema).FORMAT_CHECKER
    # Each "format": "<name>" pair, at any depth of the schema.
    found = re.findall(r'"format": ("(?:[^"\\]|\\.)*")', json.dumps(schema))
    names = sorted({json.loads(name) for name in found})
    return {name: functools.partial(checker.conforms, format=name) for name in names}


def _messages(
    validator: jsonschema.protocols.Validator, instance: JSON, *, undeclared: bool = True
) -> list[str]:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    messages = []
    for error in errors:
        error = most_specific_error(error)
        if error.validator == "additionalProperties" and not undeclared:
            continue
        messages.append(f"{_where(error.absolute_path)}: {error.message}")
    return messages


def most_specific_error(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """A nullable value is anyOf[X, null]: explain why it is not X, at the deepest place."""
    while error.context:
        candidates = [
            e for e in error.context if not (e.validator == "type" and e.validator_value == "null")
        ]
        if not candidates:
            break
        error = max(candidates, key=lambda e: len(e.absolute_path))
    return error


def _where(path: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "body" + "".join(parts)


def contracts_dir() -> Path:
    """contracts/ of a source checkout, or the copy bundled inside an installed wheel."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "contracts", package / "_bundled" / "contracts"):
        if (candidate / "clauses.yaml").is_file():
            return candidate
    raise ContractDataError(
        "contracts/ not found next to the graphcontract package; reinstall graphcontract"
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ContractDataError(f"cannot read {path}: {exc}") from exc


@functools.cache
def _catalog(base: Path) -> Any:
    """clauses.yaml, parsed once: the same for every facet's contract."""
    return load_yaml((base / "clauses.yaml").read_text(encoding="utf-8"))


def _facet_items(base: Path, facet: str) -> list[JSONObject]:
    """The items of ``facet``'s generated mock seed (examples/facets/; none without one)."""
    path = base / "examples" / "facets" / f"{facet}.json"
    return list(_read_json(path)["items"]) if path.is_file() else []


def _structured(name: str, raw: Mapping[str, Any], *, entity: bool) -> StructuredType:
    props = {
        prop_name: PropertySpec(
            name=prop_name,
            type_name=p["type"],
            collection=bool(p["collection"]),
            nullable=bool(p["nullable"]),
            access=p.get("access", "nested") if entity else "nested",
        )
        for prop_name, p in raw["properties"].items()
    }
    return StructuredType(name=name, open_type=bool(raw["openType"]), properties=props)


_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (about 10× faster; every run and
every worker reads clauses.yaml and openapi.yaml), else the pure-Python one."""


def load_yaml(text: str) -> Any:
    """``yaml.safe_load``, through libyaml when available."""
    return yaml.load(text, Loader=_YAML_LOADER)


METADATA_ENV = "GRAPHCONTRACT_METADATA"
"""The CSDL file a process's contract is read from when none is named: set by ``--metadata``
(``graphcontract run``/``mock``), ``--gc-metadata`` or ``metadata =`` in
``[tool.graphcontract]``, and inherited by the mock's and pytest-xdist's processes."""

API_ENV = "GRAPHCONTRACT_API"
"""The facet (entity type) of a process's contract when none is named (``--api``, ``--gc-api``,
``api =`` in ``[tool.graphcontract]``: graphcontract.api_option); unset: workPosition."""


def load_contract(
    root: Path | None = None, metadata: Path | None = None, facet: str | None = None
) -> Contract:
    """Load contracts/ (the source checkout's or the bundled copy) into a Contract.
    The types come from a CSDL document: ``metadata`` when given, else the one selected for
    this process (``METADATA_ENV``), else the bundled profile subset of Graph beta
    (contracts/metadata/profile-beta.xml); contracts/types.json is the hand-written record
    the bundled one is tested against (tests/unit/test_csdl_model.py). ``facet`` names another
    entity type of the metadata (``skillProficiency``; default: the selected one, ``API_ENV``,
    else workPosition): its types, its Update page's updatable properties and its paths. Only
    Every facet has its Update page's examples (graphcontract.documented) and a mock seed
    (workPosition's ``examples/mock_seed.json``, the others' ``examples/facets/<facet>.json``)."""
    selected = os.environ.get(METADATA_ENV)
    facet = facet or os.environ.get(API_ENV) or None
    return _load_contract(root, metadata or (Path(selected) if selected else None), facet)


@functools.cache
def _load_contract(root: Path | None, metadata: Path | None, facet: str | None) -> Contract:
    from graphcontract.contract_source import (
        BUNDLED_METADATA,
        DEFAULT_FACET,
        declared_only,
        facet_paths,
        facet_segment,
        facts_from_metadata,
    )

    base = root or contracts_dir()
    facet = facet or DEFAULT_FACET
    facts = facts_from_metadata(base, metadata, facet)
    bundled = metadata is None or metadata.resolve() == (base / BUNDLED_METADATA).resolve()
    seed = _read_json(base / "examples" / "mock_seed.json")
    documented = load_documented(base, facet)
    if bundled and facet == DEFAULT_FACET:
        request_schema = _read_json(base / "schemas" / "workPosition.request.json")
        response_schema = _read_json(base / "schemas" / "workPosition.response.json")
        paths = None
    else:
        from graphcontract.schema_build import build_schema

        request_schema = build_schema(facts, for_request=True)
        response_schema = build_schema(facts, for_request=False)
        items = seed["positions"] if facet == DEFAULT_FACET else _facet_items(base, facet)
        seed["positions"] = [declared_only(item, facet, facts) for item in items]
        paths = facet_paths(metadata or base / BUNDLED_METADATA, facet)
    segment = facet_segment(metadata or base / BUNDLED_METADATA, facet)
    entity_name = facts["entityType"]
    entity = _structured(entity_name, facts["types"][entity_name], entity=True)
    types = {
        name: _structured(name, raw, entity=False)
        for name, raw in facts["types"].items()
        if name != entity_name
    }
    enums = {
        name: EnumSpec(name=name, is_flags=bool(raw["isFlags"]), members=dict(raw["members"]))
        for name, raw in facts["enums"].items()
    }
    catalog = _catalog(base)
    pages = catalog["pages"]
    clauses = {}
    for raw in catalog["clauses"]:
        page = pages[raw["source"]["page"]]
        clauses[raw["id"]] = Clause(
            id=raw["id"],
            level=raw["level"],
            title=raw["title"],
            statement=raw["statement"],
            source=ClauseSource(
                page=page["title"],
                file=page["file"],
                section=raw["source"]["section"],
                row=raw["source"]["row"],
            ),
        )
    return Contract(
        root=base,
        entity=entity,
        types=types,
        enums=enums,
        clauses=clauses,
        request_schema=request_schema,
        response_schema=response_schema,
        documented_request=documented.sendable if documented else {},
        documented_response=documented.response if documented else {},
        seed=seed,
        paths=paths,
        segment=segment,
        documented=documented,
    )
