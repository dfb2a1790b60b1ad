"""The reference mock's state: one facet's seeded items, PATCH validation, merge and rendering.

No HTTP here (``app.py`` owns that), so the PATCH semantics are unit-testable on plain dicts.
Every property name, type and enum member comes from the contract model; the only names
this module knows are the two server-managed properties a PATCH recalculates and the ones
gray choices and faults act on where a facet has them (isCurrent, isSearchable, allowedAudiences).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphcontract.contract import (
    Contract,
    EnumSpec,
    PropertySpec,
    StructuredType,
)
from graphcontract.errors import ContractDataError, UsageError
from graphcontract.mock import fault_hooks as hooks
from graphcontract.mock.fault_sites import undeclared_name
from graphcontract.mock.faults import (
    KEEPS_NOTHING,
    LONG_STRING,
    LONG_VALUE_LIMITS,
    REFUSED_AUDIENCE_MEMBER,
    check_faults,
)
from graphcontract.mock.gray import (
    STRICT_LIMITS,
    GrayChoices,
    is_sentinel,
    members_of,
    normalise_enum,
)
from graphcontract.mock.seed import seed_errors
from graphcontract.mock.walk import ascii_only, cut_long, first_annotation
from graphcontract.types import JSON, JSONObject, is_annotation, is_unusual_string, strings_in
from graphcontract.types import Path as JSONPath

MODIFIED_AT = "lastModifiedDateTime"
MODIFIED_BY = "lastModifiedBy"
SEARCHABLE = "isSearchable"
CURRENT = "isCurrent"
AUDIENCES = "allowedAudiences"
END_MONTH = "endMonthYear"
"""The gray variant recalculates SEARCHABLE (not client-writable) from CURRENT on writes."""
AUDIENCE_CLAUSE = "enum.allowedAudiences.rejects"
_DROPPED: Any = object()
"""What _prepare_top returns for a property the body may carry but the mock ignores."""


@dataclass(frozen=True)
class Outcome:
    """What a PATCH came to: 200 with the rendered position, or an error status."""

    status: int
    body: JSONObject | None = None
    code: str = ""
    message: str = ""


def graph_now() -> str:
    """Now in UTC the way Graph writes it: seven fractional digits and ``Z``."""
    seconds, rest = divmod(time.time_ns(), 1_000_000_000)
    whole = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{whole}.{rest // 100:07d}Z"


def _second_showing_its_unit() -> str:
    """Now to the second, with non-zero seconds (a stamp at :00 could be a store's minute)."""
    seconds = int(time.time())
    seconds -= 1 if seconds % 60 == 0 else 0
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PositionStore:
    """One facet's items of the seed user (workPosition's positions, skillProficiency's
    skills, …), in memory, and the PATCH semantics applied to them."""

    def __init__(
        self,
        contract: Contract,
        seed: JSONObject,
        *,
        gray: GrayChoices | None = None,
        faults: Iterable[str] = (),
    ) -> None:
        problems = seed_errors(contract, seed)
        if problems:
            raise UsageError(f"invalid mock seed: {problems[0]}")
        self.contract = contract
        self.gray = gray if gray is not None else GrayChoices()
        self.faults = check_faults(faults)
        self._frozen_stamp = _second_showing_its_unit()  # the frozen-last-modified fault's
        self._hidden: dict[int, JSONObject] = {}  # the null-resurrects fault's
        self._read_copies: dict[str, JSONObject] = {}  # the answer-from-read-cache fault's
        self.user_id: str = seed["user"]["id"]
        self.user_principal_name: str = seed["user"]["userPrincipalName"]
        self._positions: dict[str, JSONObject] = {
            p["id"]: copy.deepcopy(p) for p in seed["positions"]
        }
        managed = contract.server_managed
        if MODIFIED_AT not in managed or MODIFIED_BY not in managed:
            raise ContractDataError(f"{MODIFIED_AT} and {MODIFIED_BY} must be server-managed")
        props = contract.entity.properties
        self._created = tuple(n for n in managed if n not in (MODIFIED_AT, MODIFIED_BY))
        self._timestamps = tuple(n for n in managed if props[n].type_name == "Edm.DateTimeOffset")
        self._created_at = tuple(n for n in self._created if n in self._timestamps)
        created_by = [n for n in self._created if contract.is_structured(props[n].type_name)]
        first = seed["positions"][0]
        caller = first.get(created_by[0]) if created_by else None
        self.caller: JSONObject = (
            copy.deepcopy(caller)
            if isinstance(caller, dict)
            else self._blank(contract.structured(props[MODIFIED_BY].type_name))
        )
        self._sites = {site.path: site.clause for site in contract.enum_sites()}

    # -- reading ------------------------------------------------------------------------
    def has(self, position_id: str) -> bool:
        return position_id in self._positions

    def ids(self) -> list[str]:
        return list(self._positions)

    def get(self, position_id: str) -> JSONObject | None:
        """The rendered position, or None when there is none with that id."""
        stored = self._positions.get(position_id)
        if stored is not None and "answer-from-read-cache" in self.faults:
            self._read_copies[position_id] = copy.deepcopy(stored)
        return None if stored is None else self.render(stored)

    def copy_of(self, position_id: str) -> JSONObject | None:
        """The stored position as it is now, not rendered (``lost-update`` reads it early)."""
        return copy.deepcopy(self._positions.get(position_id))

    def listing(self) -> list[JSONObject]:
        """Every position, rendered, in seed order."""
        return [self.render(p) for p in self._positions.values()]

    # -- PATCH --------------------------------------------------------------------------
    def patch(self, position_id: str, body: JSON, *, read: JSONObject | None = None) -> Outcome:
        """Validate ``body`` and merge it into the position (all or nothing); into ``read``
        instead, a copy taken earlier (``lost-update``), when given."""
        upsert = "unknown-id-upsert" in self.faults
        if position_id not in self._positions and not upsert:
            entity = self.contract.entity.name
            return Outcome(404, code="itemNotFound", message=f"{entity} {position_id} not found.")
        stored = read if read is not None else self._positions.get(position_id)
        current = stored if stored is not None else self._new_position(position_id)
        if not isinstance(body, dict):
            if "non-object-accepted" in self.faults:
                return Outcome(200, self.render(current))
            return _bad_request("The request body must be a JSON object.")
        if "crash-on-long-string" in self.faults and any(
            len(text) > LONG_STRING for text in strings_in(body)
        ):
            return Outcome(500, code="generalException", message="An internal error occurred.")
        if "crash-on-nul" in self.faults and any("\x00" in text for text in strings_in(body)):
            return Outcome(500, code="generalException", message="An internal error occurred.")
        annotation = first_annotation(body) if "annotations-refused" in self.faults else None
        if annotation is not None:
            entity = self.contract.entity.name
            return _bad_request(f"{annotation!r} is not a property of {entity}")
        apply: JSONObject = {}
        errors: list[str] = []
        for key, value in body.items():
            key_errors, parts = self._prepare_top(key, value)
            if key_errors:
                errors.extend(key_errors)
            elif parts is not _DROPPED:
                apply[key] = parts
        if errors:
            if "non-atomic" in self.faults and apply:
                self._positions[position_id] = self._applied(current, apply)
            return _bad_request(errors[0])
        updated = self._applied(current, apply)
        if not self.faults & KEEPS_NOTHING:
            key = hooks.new_key(self.faults, position_id, updated)
            if key != position_id:  # id-writable: the position moves, its old id is gone
                self._positions = {
                    key if k == position_id else k: v for k, v in self._positions.items()
                }
            self._positions[key] = updated
        cached = self._read_copies.get(position_id)
        if cached is not None:  # answer-from-read-cache: storage right, answer from the copy
            stamps = {key: updated[key] for key in (MODIFIED_AT, MODIFIED_BY) if key in updated}
            return Outcome(200, self.render({**self._applied(cached, apply), **stamps}))
        if "touches-other-positions" in self.faults:  # an update without "WHERE id = …"
            for other, position in self._positions.items():
                if other != position_id:
                    self._positions[other] = self._applied(position, apply)
        return Outcome(200, self.render(updated))

    def _prepare_top(self, key: str, value: JSON) -> tuple[list[str], JSON]:
        """(errors, value to apply or _DROPPED) for one top-level property of a body."""
        kept = hooks.undeclared_kept(self.faults)
        if is_annotation(key):
            refused = self._annotation_errors("body", key, value, self.contract.entity)
            return refused, value if kept and not refused else _DROPPED
        if key in self.contract.undocumented:
            return [], value if kept else _DROPPED
        if key in self.contract.read_only:
            if hooks.read_only_kept(self.faults, key, self._created, MODIFIED_BY):
                return [], value
            if self.gray.read_only == "reject":
                return [f"body.{key}: {key} is read-only and cannot be updated"], _DROPPED
            return [], _DROPPED
        prop = self.contract.entity.properties.get(key)
        if prop is None:
            if kept:
                return [], value
            if self.gray.unknown_properties == "ignore":
                return [], _DROPPED
            return [_undeclared("body", key, self.contract.entity)], _DROPPED
        errors: list[str] = []
        applied, checked = self._value(value, prop, (key,), errors)
        errors.extend(self.contract.request_errors({key: checked}))
        return errors, applied

    def _value(self, value: JSON, prop: PropertySpec, path: JSONPath, errors: list[str]) -> Any:
        """(value to apply, value to validate) after gray-zone normalisation and faults."""
        if prop.collection and isinstance(value, list):
            if self.gray.strict_limits and len(value) > STRICT_LIMITS[1]:
                errors.append(f"{_where(path)}: at most {STRICT_LIMITS[1]} items")
            pairs = [self._single(v, prop, (*path, f"[{i}]"), errors) for i, v in enumerate(value)]
            return [a for a, _ in pairs], [c for _, c in pairs]
        return self._single(value, prop, path, errors)

    def _single(
        self, value: JSON, prop: PropertySpec, path: JSONPath, errors: list[str]
    ) -> tuple[JSON, JSON]:
        if isinstance(value, dict) and self.contract.is_structured(prop.type_name):
            return self._object(value, self.contract.structured(prop.type_name), path, errors)
        if self.contract.is_enum(prop.type_name):
            return self._enum(value, self.contract.enums[prop.type_name], path, errors)
        if self.gray.strict_strings and prop.type_name == "Edm.String" and is_unusual_string(value):
            errors.append(f"{_where(path)}: U+0000 and lone surrogates are not allowed in strings")
        if self.gray.strict_limits and isinstance(value, str) and len(value) > STRICT_LIMITS[0]:
            errors.append(f"{_where(path)}: at most {STRICT_LIMITS[0]} characters")
        if "type-coercion" in self.faults and value is not None:
            coerced = hooks.coerce(value, prop.type_name)
            return coerced, coerced
        return value, value

    def _object(
        self, raw: JSONObject, spec: StructuredType, path: JSONPath, errors: list[str]
    ) -> tuple[JSONObject, JSONObject]:
        applied: JSONObject = {}
        checked: JSONObject = {}
        for key, value in raw.items():
            if is_annotation(key):
                errors.extend(self._annotation_errors(_where(path), key, value, spec))
                continue
            prop = spec.properties.get(key)
            if prop is None:
                if spec.open_type:
                    applied[key] = checked[key] = value
                elif self.gray.unknown_properties == "reject":
                    errors.append(_undeclared(_where(path), key, spec))
                continue
            applied[key], checked[key] = self._value(value, prop, (*path, key), errors)
        return applied, checked

    def _annotation_errors(
        self, where: str, key: str, value: JSON, spec: StructuredType
    ) -> list[str]:
        """Nothing under the reference choice (annotations are ignored); under
        ``strict_annotations``, control information that the metadata does not back."""
        if not self.gray.strict_annotations:
            return []
        name, _, term = key.rpartition("@")
        if term != "odata.type":
            return [f"{where}: unknown annotation {key!r}"]
        if not name:
            expected = self.contract.type_annotation(spec.name)
        elif name in spec.properties:
            expected = self.contract.type_annotation(spec.properties[name].type_name)
        else:
            return [_undeclared(where, name, spec)]
        if value != expected:
            return [f"{where}: {key} {value!r} does not name {expected[1:]}"]
        return []

    def _enum(
        self, value: JSON, enum: EnumSpec, path: JSONPath, errors: list[str]
    ) -> tuple[JSON, JSON]:
        site = tuple("[]" if step.startswith("[") else step for step in path)
        clause = self._sites.get(site, "enum.nested")
        loose = (clause == AUDIENCE_CLAUSE and "audience-not-enforced" in self.faults) or (
            clause != AUDIENCE_CLAUSE and "nested-enum-not-enforced" in self.faults
        )
        if isinstance(value, str) and "enum-cross-members" in self.faults:
            loose = loose or any(value in other.members for other in self.contract.enums.values())
        if loose and isinstance(value, str):
            return value, enum.sendable_members[0]
        canonical = normalise_enum(value, enum, self.gray)
        if canonical is None:
            return value, value
        where = _where(path)
        if is_sentinel(canonical) and self.gray.unknown_future_value == "reject":
            errors.append(f"{where}: {canonical!r} is reserved and cannot be sent")
        members = members_of(canonical)
        if (
            clause == AUDIENCE_CLAUSE
            and "audience-member-refused" in self.faults
            and REFUSED_AUDIENCE_MEMBER in members
        ):
            errors.append(f"{where}: {REFUSED_AUDIENCE_MEMBER!r} is not supported")
        return canonical, members[0]

    # -- merge --------------------------------------------------------------------------
    def _applied(self, current: JSONObject, apply: JSONObject) -> JSONObject:
        """A new stored position: ``apply`` merged into ``current``, server props updated."""
        if "lossy-unicode" in self.faults:
            apply = ascii_only(apply)
        if "long-values-cut" in self.faults:
            apply = cut_long(apply, *LONG_VALUE_LIMITS)
        apply = hooks.rewritten(self.faults, self.contract, apply)
        result = copy.deepcopy(current)
        props = self.contract.entity.properties
        for key, value in apply.items():
            if key not in props:  # a name a faulty store keeps as sent
                result[key] = copy.deepcopy(value)
            elif key != MODIFIED_BY:
                result[key] = self._merge(current.get(key), value, props[key])
        if "put-semantics" in self.faults:
            for name in self.contract.updatable:
                if name not in apply:
                    result[name] = [] if props[name].collection else None
        flags = result.get(AUDIENCES)
        if "flags-collapse-next-write" in self.faults and AUDIENCES not in apply and flags:
            result[AUDIENCES] = str(flags).split(",")[0]  # the first member only
        if self.gray.recalculate_current and CURRENT in props and CURRENT not in apply:
            self._recalculate_current(current, result)
        if self.gray.recalculate_searchable and SEARCHABLE in props:
            result[SEARCHABLE] = result.get(CURRENT) is True
        now = graph_now()
        if "stale-last-modified" not in self.faults:
            result[MODIFIED_AT] = (
                self._frozen_stamp if "frozen-last-modified" in self.faults else now
            )
        result[MODIFIED_BY] = copy.deepcopy(self.caller)
        sent_by = apply.get(MODIFIED_BY)  # present only under the read-only-merged fault
        if isinstance(sent_by, dict):
            for name, identity in sent_by.items():
                if result[MODIFIED_BY].get(name) is None:
                    result[MODIFIED_BY][name] = copy.deepcopy(identity)
        if "created-changes" in self.faults:
            for name in self._created_at:
                result[name] = now
        hooks.keep_sent_stamps(self.faults, result, apply)
        return result

    @staticmethod
    def _recalculate_current(current: JSONObject, result: JSONObject) -> None:
        """isCurrent from detail.endMonthYear, when the write changed the latter."""
        old, new = (
            (state.get("detail") or {}).get(END_MONTH)
            if isinstance(state.get("detail"), dict)
            else None
            for state in (current, result)
        )
        if old != new:
            result[CURRENT] = new is None or str(new) >= graph_now()[:10]

    def _merge(self, old: JSON, sent: JSON, prop: PropertySpec) -> JSON:
        if "null-resurrects" in self.faults:
            old = self._resurrected(old, sent, prop)
        if sent is None:
            if "nested-null-stored-as-false" in self.faults and self._nested_boolean(prop):
                return False
            return copy.deepcopy(old) if "null-ignored" in self.faults else None
        if prop.collection:
            if "collections-append" in self.faults and isinstance(old, list):
                return copy.deepcopy(old) + copy.deepcopy(sent)
            return copy.deepcopy(sent)
        if not (isinstance(sent, dict) and self.contract.is_structured(prop.type_name)):
            return sent
        spec = self.contract.structured(prop.type_name)
        keep = isinstance(old, dict) and "nested-replace" not in self.faults
        base: JSONObject = copy.deepcopy(old) if keep else self._blank(spec)
        for key, value in sent.items():
            sub = spec.properties.get(key)
            if sub is None:
                base[key] = copy.deepcopy(value)
            else:
                base[key] = self._merge(base.get(key), value, sub)
        dirty = "defaults-reset-on-change" in self.faults and base != old  # a dirty check first
        if keep and ("partial-resets-defaults" in self.faults or dirty):
            for name, sub in spec.properties.items():
                if name not in sent and not sub.collection:
                    base[name] = self._default(sub, base.get(name))
        return base

    def _resurrected(self, old: JSON, sent: JSON, prop: PropertySpec) -> JSON:
        """``null-resurrects``: a null hides a complex value instead of deleting it (a
        has-value flag over columns kept); a value written over that null is merged into it."""
        if sent is None and isinstance(old, dict):
            self._hidden[id(prop)] = copy.deepcopy(old)
        elif old is None and isinstance(sent, dict):
            return self._hidden.pop(id(prop), None)
        return old

    def _nested_boolean(self, prop: PropertySpec) -> bool:
        """A single Boolean inside a complex value (not a property of the position itself)."""
        top = self.contract.entity.properties.get(prop.name)
        return prop.type_name == "Edm.Boolean" and not prop.collection and top is not prop

    def _default(self, prop: PropertySpec, value: JSON) -> JSON:
        """What a non-nullable field of ``prop``'s type holds when a DTO omits it."""
        if self.contract.is_enum(prop.type_name):
            return self.contract.enums[prop.type_name].sendable_members[0]
        defaults: dict[str, JSON] = {"Edm.Int32": 0, "Edm.Double": 0.0, "Edm.Boolean": False}
        return defaults.get(prop.type_name, value)

    def _blank(self, spec: StructuredType) -> JSONObject:
        return {n: ([] if p.collection else None) for n, p in spec.properties.items()}

    def _new_position(self, position_id: str) -> JSONObject:
        position = self._blank(self.contract.entity)
        for name in self.contract.undocumented:
            position.pop(name, None)
        now = graph_now()
        for name in self._created:
            position[name] = now if name in self._created_at else copy.deepcopy(self.caller)
        position[MODIFIED_AT] = now
        position[MODIFIED_BY] = copy.deepcopy(self.caller)
        key = next(n for n, p in self.contract.entity.properties.items() if p.access == "key")
        position[key] = position_id
        return position

    # -- rendering ----------------------------------------------------------------------
    def render(self, stored: JSONObject) -> JSONObject:
        """A stored position as a response body carries it (without annotations)."""
        out: JSONObject = {}
        for name, prop in self.contract.entity.properties.items():
            if name in stored:
                out[name] = self._render_value(stored[name], prop)
        if "bad-datetime-format" in self.faults:
            for name in self._timestamps:
                if isinstance(out.get(name), str):
                    out[name] = hooks.us_format(out[name])
        out.update(hooks.stored_extras(self.faults, stored, self.contract.entity.properties))
        if "undeclared-property" in self.faults:
            out[undeclared_name(self.contract)] = "graphcontract undeclared property"
        if self.gray.documented_source and "source" in self.contract.entity.properties:
            out["source"] = {"type": "User"}
        return {k: self._without_nulls(v) for k, v in out.items() if not self._omitted(v)}

    def _omitted(self, value: JSON) -> bool:
        return value is None and self.gray.omit_nulls

    def _render_value(self, value: JSON, prop: PropertySpec) -> JSON:
        if prop.collection:
            items = [self._render_single(v, prop) for v in value] if isinstance(value, list) else []
            return None if not items and self.gray.null_collections else items
        return self._render_single(value, prop)

    def _render_single(self, value: JSON, prop: PropertySpec) -> JSON:
        if not (isinstance(value, dict) and self.contract.is_structured(prop.type_name)):
            return value
        spec = self.contract.structured(prop.type_name)
        out = {n: self._render_value(value.get(n), p) for n, p in spec.properties.items()}
        if spec.open_type:
            out.update({k: v for k, v in value.items() if k not in spec.properties})
        return out

    def _without_nulls(self, value: JSON) -> JSON:
        if not self.gray.omit_nulls:
            return value
        if isinstance(value, dict):
            return {k: self._without_nulls(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [self._without_nulls(v) for v in value]
        return value


def _where(path: JSONPath) -> str:
    return "".join(("body", *(s if s.startswith("[") else f".{s}" for s in path)))


def _undeclared(where: str, key: str, spec: StructuredType) -> str:
    return f"{where}: {key!r} is not a property of {spec.name}"


def _bad_request(message: str) -> Outcome:
    return Outcome(400, code="BadRequest", message=message)
