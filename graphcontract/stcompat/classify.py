"""What the contract says about a body Schemathesis generated, whatever mode it was made in.

A body is ``accept`` (every conforming server answers 200), ``reject`` (it holds at least one
must-reject part: malformed JSON, a non-object, a wrong JSON type anywhere, an invalid date, an
enum string that matches no member even ignoring case) or ``gray`` (no must-reject part but a
gray zone of DESIGN.md: undeclared, read-only or undocumented properties, instance
annotations, null collections or members, numeric / case-variant / comma-joined enum values,
the evolvable sentinel, "NaN"/"INF" for a Double, ``{}`` or an empty body). Gray parts are
taken out first; what is left is validated against the contract's request schema, so the
must-reject rules stay the contract's JSON Schema and nothing here names a property.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import jsonschema

from graphcontract.contract import (
    EVOLVABLE_SENTINEL,
    Contract,
    EnumSpec,
    StructuredType,
    most_specific_error,
)
from graphcontract.oracles.exchange_rules import is_json_media_type
from graphcontract.types import JSON, JSONObject, Path, is_annotation

Kind = Literal["accept", "reject", "gray"]
ITEM = "[]"
TYPES = "types.rejects"
MALFORMED = "body.malformed"
MEDIA = "media.json-required"
UNKNOWN = "properties.unknown"
COLLECTIONS = "collections.null-vs-empty"
ODATA_SPECIAL_NUMBERS = frozenset({"NaN", "INF", "-INF"})
_DROP: Any = object()


@dataclass(frozen=True)
class Part:
    """One must-reject or gray part of a body, with the clause it belongs to (None: a gray
    zone without an observe clause of its own)."""

    path: str
    why: str
    clause: str | None

    def describe(self) -> str:
        return f"{self.path or 'body'}: {self.why}"


@dataclass(frozen=True)
class Classification:
    kind: Kind
    must: tuple[Part, ...] = ()
    gray: tuple[Part, ...] = ()
    body: JSON = None
    allowed: frozenset[int] = field(default_factory=lambda: frozenset({400}))
    """The statuses a refusal may carry (400; 400 or 415 for a non-JSON media type)."""

    @property
    def reject_clauses(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.clause for p in self.must if p.clause))

    @property
    def gray_clause(self) -> str | None:
        return next((p.clause for p in self.gray if p.clause), None)

    @property
    def sent_object(self) -> JSONObject | None:
        return self.body if isinstance(self.body, dict) else None

    def describe(self, limit: int = 3) -> str:
        parts = self.must if self.kind == "reject" else self.gray
        text = "; ".join(p.describe() for p in parts[:limit])
        more = len(parts) - limit
        return text + (f" (+{more} more)" if more > 0 else "") if parts else "valid body"


def classify_body(contract: Contract, raw: bytes, media_type: str | None) -> Classification:
    """Classify the bytes a case puts on the wire (see the module docstring)."""
    if not is_json_media_type(media_type):
        part = Part("", f"Content-Type {media_type!r} is not JSON", MEDIA)
        return Classification("reject", (part,), allowed=frozenset({400, 415}))
    if not raw.strip():
        return Classification("gray", gray=(Part("", "empty body", None),))
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError):
        return Classification("reject", (Part("", "malformed JSON", MALFORMED),))
    if not isinstance(body, dict):
        why = f"a JSON {type(body).__name__} is not an object"
        return Classification("reject", (Part("", why, MALFORMED),), body=body)
    if not body:
        return Classification("gray", gray=(Part("", "{} as a body", None),), body=body)
    walker = _Walker(contract)
    sanitized = walker.object(contract.entity, body, (), top=True)
    must = tuple(_schema_parts(contract, sanitized))
    kind: Kind = "reject" if must else "gray" if walker.gray else "accept"
    return Classification(kind, must, tuple(walker.gray), body)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def dotted(path: Iterable[str]) -> str:
    out = ""
    for step in path:
        out += step if step == ITEM else (f".{step}" if out else step)
    return out


class _Walker:
    """Takes the gray parts out of a body and remembers them."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.sites = {site.path: site for site in contract.enum_sites()}
        self.gray: list[Part] = []

    def note(self, path: Path, why: str, clause: str | None) -> Any:
        self.gray.append(Part(dotted(path), why, clause))
        return _DROP

    def object(self, spec: StructuredType, value: JSONObject, path: Path, *, top: bool) -> Any:
        out: JSONObject = {}
        for key, item in value.items():
            here = (*path, key)
            prop = spec.properties.get(key)
            if is_annotation(key):
                self.note(here, "instance annotation in a request", None)
            elif prop is None and not spec.open_type:
                self.note(here, f"undeclared on {spec.name}", UNKNOWN)
            elif prop is None:
                out[key] = item
            elif top and prop.access != "updatable":
                self.note(here, f"{prop.access} property in a body", UNKNOWN)
            else:
                kept = self.value(prop.type_name, prop.collection, item, here)
                if kept is not _DROP:
                    out[key] = kept
        return out

    def value(self, type_name: str, collection: bool, item: JSON, path: Path) -> Any:
        if item is None:
            return self.note(path, "null for a collection", COLLECTIONS) if collection else None
        if not collection or not isinstance(item, list):
            return self.single(type_name, item, path)
        kept = []
        for member in item:
            here = (*path, ITEM)
            if member is None:
                self.note(here, "null member of a collection", COLLECTIONS)
                continue
            value = self.single(type_name, member, here)
            if value is not _DROP:
                kept.append(value)
        return kept

    def single(self, type_name: str, item: JSON, path: Path) -> Any:
        contract = self.contract
        if contract.is_enum(type_name):
            return self.enum(contract.enums[type_name], item, path)
        if contract.is_structured(type_name) and isinstance(item, dict):
            return self.object(contract.structured(type_name), item, path, top=False)
        if type_name == "Edm.Double" and isinstance(item, str) and item in ODATA_SPECIAL_NUMBERS:
            return self.note(path, f"{item!r} for a Double", None)
        if type_name == "Edm.Int32" and isinstance(item, float) and item.is_integer():
            self.note(path, "integral Int32 written with a fraction part", None)
        return item

    def enum(self, enum: EnumSpec, item: JSON, path: Path) -> Any:
        site = self.sites.get(path)
        gray = site.clause.removesuffix(".rejects") + ".gray" if site else None
        clause = gray if gray in self.contract.clauses else None
        if isinstance(item, str):
            if item in enum.sendable_members or enum.must_refuse(item):
                return item  # valid, or refused by the schema's enum
            if item == EVOLVABLE_SENTINEL:
                return self.note(path, "the evolvable sentinel sent", clause)
            return self.note(path, "enum form left open (case, number, list or spaces)", clause)
        if isinstance(item, int | float) and not isinstance(item, bool):
            return self.note(path, "numeric enum value", clause)
        return item


_VALIDATORS: dict[int, jsonschema.protocols.Validator] = {}


def _validator(contract: Contract) -> jsonschema.protocols.Validator:
    key = id(contract.request_schema)
    if key not in _VALIDATORS:
        cls = jsonschema.validators.validator_for(contract.request_schema)
        _VALIDATORS[key] = cls(contract.request_schema, format_checker=cls.FORMAT_CHECKER)
    return _VALIDATORS[key]


def _schema_parts(contract: Contract, body: JSONObject) -> Iterable[Part]:
    sites = {site.path: site.clause for site in contract.enum_sites()}
    seen: set[str] = set()
    for error in _validator(contract).iter_errors(body):
        error = most_specific_error(error)
        path = tuple(ITEM if isinstance(step, int) else str(step) for step in error.absolute_path)
        where = dotted(path)
        if where in seen:
            continue
        seen.add(where)
        yield Part(where, error.message[:160], sites.get(path, TYPES))
