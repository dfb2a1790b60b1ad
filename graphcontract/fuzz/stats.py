"""What a campaign exercised: declared properties (at every depth), nesting depths, the values
sent at every enum site, and the kinds of bodies. Counted from the bytes of each example's
first PATCH, so explicit, generated and Schemathesis cases count alike; everything is derived
from the Contract. ``Coverage`` lives in each worker and is merged in the campaign report.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from graphcontract.contract import Contract, StructuredType
from graphcontract.types import JSON, is_annotation

ITEM = "[]"
UNDECLARED = "(undeclared)"
ANNOTATION = "(annotation)"
_JSON_NAMES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean",
               type(None): "null"}  # fmt: skip


def dotted(path: tuple[str, ...]) -> str:
    out = ""
    for step in path:
        out += step if step == ITEM else (f".{step}" if out else step)
    return out


def declared_places(contract: Contract) -> list[str]:
    """Every property path a PATCH body can carry (updatable properties and below)."""
    out: list[str] = []

    def walk(spec: StructuredType, prefix: tuple[str, ...], top: bool) -> None:
        for prop in spec.properties.values():
            if top and prop.access != "updatable":
                continue
            path = (*prefix, prop.name)
            out.append(dotted(path))
            if contract.is_structured(prop.type_name) and len(prefix) < 8:
                inner = (*path, ITEM) if prop.collection else path
                walk(contract.structured(prop.type_name), inner, False)

    walk(contract.entity, (), True)
    return out


class Coverage:
    """Counters of one process (``to_dict`` / ``merge`` carry them between processes)."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.sites = {dotted(site.path): site.enum for site in contract.enum_sites()}
        self.bodies: Counter[str] = Counter()
        self.properties: Counter[str] = Counter()
        self.depths: Counter[str] = Counter()
        self.enum_values: dict[str, Counter[str]] = {site: Counter() for site in self.sites}

    def add_body(self, raw: bytes) -> None:
        if not raw.strip():
            self.bodies["empty"] += 1
            return
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.bodies["malformed JSON"] += 1
            return
        if not isinstance(body, dict):
            self.bodies[f"JSON {_JSON_NAMES.get(type(body), type(body).__name__)}"] += 1
            return
        self.bodies["object"] += 1
        self.depths[str(self._object(self.contract.entity, body, ()))] += 1

    def _object(
        self, spec: StructuredType | None, value: dict[str, Any], path: tuple[str, ...]
    ) -> int:
        """Counts the object's properties; returns its nesting depth (1 = flat)."""
        depth = 1
        for key, item in value.items():
            prop = spec.properties.get(key) if spec is not None else None
            if is_annotation(key):
                self.properties[ANNOTATION] += 1
                continue
            if prop is None:
                self.properties[UNDECLARED] += 1
                continue
            here = (*path, key)
            self.properties[dotted(here)] += 1
            inner = (
                self.contract.structured(prop.type_name)
                if self.contract.is_structured(prop.type_name)
                else None
            )
            items = item if prop.collection and isinstance(item, list) else [item]
            where = (*here, ITEM) if prop.collection and isinstance(item, list) else here
            for member in items:
                self._enum(dotted(where), member)
                if isinstance(member, dict):
                    depth = max(depth, 1 + self._object(inner, member, where))
        return depth

    def _enum(self, where: str, value: JSON) -> None:
        enum = self.sites.get(where)
        if enum is None:
            return
        if isinstance(value, str) and value in enum.members:
            label = value
        elif isinstance(value, str):
            variant = enum.matches_member_ignoring_case(value)
            label = "(case variant)" if variant else "(not a member)"
        elif value is None:
            label = "(null)"
        elif isinstance(value, int | float) and not isinstance(value, bool):
            label = "(number)"
        else:
            label = "(wrong JSON type)"
        self.enum_values[where][label] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "bodies": dict(self.bodies),
            "properties": dict(self.properties),
            "depths": dict(self.depths),
            "enum_values": {site: dict(c) for site, c in self.enum_values.items()},
        }

    def merge(self, data: dict[str, Any]) -> None:
        self.bodies.update(data.get("bodies", {}))
        self.properties.update(data.get("properties", {}))
        self.depths.update(data.get("depths", {}))
        for site, values in data.get("enum_values", {}).items():
            self.enum_values.setdefault(site, Counter()).update(values)

    def summary(self) -> dict[str, Any]:
        """The report's view: what was exercised and what never was."""
        places = declared_places(self.contract)
        return {
            "bodies": dict(self.bodies.most_common()),
            "properties": {p: self.properties[p] for p in places if self.properties[p]},
            "properties_not_exercised": [p for p in places if not self.properties[p]],
            "undeclared_properties_sent": self.properties[UNDECLARED],
            "annotations_sent": self.properties[ANNOTATION],
            "nesting_depths": dict(sorted(self.depths.items(), key=lambda kv: int(kv[0]))),
            "enum_members": {
                site: dict(self.enum_values[site].most_common()) for site in self.sites
            },
            "enum_members_not_exercised": {
                site: [m for m in enum.members if not self.enum_values[site][m]]
                for site, enum in self.sites.items()
            },
        }
