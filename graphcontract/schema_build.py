"""Derive the JSON Schemas and the OpenAPI document in contracts/ from the contract's metadata.

The facts come from the bundled CSDL document (contracts/metadata/profile-beta.xml, read by
``graphcontract.contract_source``); everything in contracts/schemas/ and
contracts/openapi.yaml is generated from it by ``python -m graphcontract.schema_build`` and
committed, so readers and third-party tools see plain files. A unit test checks that the
committed files equal a fresh build.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from graphcontract.enums import EnumSpec

JSONSchema = dict[str, Any]

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
ANNOTATION_PATTERN = "@"
"""Keys holding an annotation: instance annotations (``@odata.context``) and property
annotations (``startMonthYear@odata.type``) may appear on any object (OData JSON 4.01
sections 18-20); a pattern matches anywhere in the key."""
ANNOTATION_KEYS: dict[str, JSONSchema] = {ANNOTATION_PATTERN: {}}

FLAGS_FORMS = {True: "comma-joined member names", False: "member names or numbers, comma-joined"}
"""How a flags enum's schema describes its values, in a request and in an answer."""

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _primitive(edm: str, *, for_request: bool) -> JSONSchema:
    if edm == "Edm.String":
        return {"type": "string"}
    if edm == "Edm.Boolean":
        return {"type": "boolean"}
    if edm == "Edm.Int32":
        return {"type": "integer", "minimum": INT32_MIN, "maximum": INT32_MAX}
    if edm == "Edm.Double":
        # OData JSON 4.01 section 7.1: NaN and the infinities travel as strings.
        return {"anyOf": [{"type": "number"}, {"enum": ["NaN", "INF", "-INF"]}]}
    if edm == "Edm.Date":
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    if edm == "Edm.DateTimeOffset":
        return {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN}
    raise ValueError(f"unsupported Edm type {edm!r}")


def _enum_schema(name: str, enum: dict[str, Any], *, for_request: bool) -> JSONSchema:
    """A request names members (the harness sends only those as must-accept values); an
    answer may write any form OData JSON 4.01 section 7.1 allows and .NET writes: member
    names or numbers, for a flags enum in any order with spaces after commas
    (graphcontract.enums.EnumSpec.read, which the pattern matches exactly)."""
    members = list(enum["members"])
    schema: JSONSchema = {
        "title": name,
        "description": f"Graph enum microsoft.graph.{name}"
        + (f" (flags: {FLAGS_FORMS[for_request]})" if enum["isFlags"] else ""),
        "type": "string",
    }
    if for_request:
        schema["enum"] = members
        return schema
    spec = EnumSpec(name=name, is_flags=bool(enum["isFlags"]), members=dict(enum["members"]))
    schema["pattern"] = spec.response_pattern()
    return schema


def _value_schema(
    prop: dict[str, Any], types: dict[str, Any], enums: dict[str, Any], *, for_request: bool
) -> JSONSchema:
    type_name = prop["type"]
    if type_name.startswith("Edm."):
        item = _primitive(type_name, for_request=for_request)
    else:
        if type_name not in types and type_name not in enums:
            raise ValueError(f"unknown type {type_name!r}")
        item = {"$ref": f"#/$defs/{type_name}"}
    if prop["collection"]:
        member = _nullable(item) if prop["nullable"] and not for_request else item
        array: JSONSchema = {"type": "array", "items": member}
        # CSDL 7.2.1: a collection is never null; the docs' examples show null
        # (collections.null-vs-empty), so responses may carry it.
        schema = array if for_request else {"anyOf": [array, {"type": "null"}]}
    else:
        schema = _nullable(item) if prop["nullable"] else item
    documented = prop.get("documentedAs")
    if documented and not for_request:
        # The docs (and a national cloud's metadata) type it otherwise: answers may use either.
        return {"anyOf": [schema, _value_schema(documented, types, enums, for_request=False)]}
    return schema


def _nullable(schema: JSONSchema) -> JSONSchema:
    if set(schema) == {"type"} and isinstance(schema["type"], str):
        return {"type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def _object_schema(
    name: str,
    spec: dict[str, Any],
    types: dict[str, Any],
    enums: dict[str, Any],
    *,
    for_request: bool,
    only: set[str] | None = None,
) -> JSONSchema:
    declared = dict(spec["properties"])
    if not for_request:
        # Properties the docs name where the metadata has another name: answers may carry them.
        declared.update(spec.get("documentedProperties", {}))
    properties = {
        prop_name: _value_schema(prop, types, enums, for_request=for_request)
        for prop_name, prop in declared.items()
        if only is None or prop_name in only
    }
    schema: JSONSchema = {
        "title": name,
        "type": "object",
        "properties": properties,
        "patternProperties": ANNOTATION_KEYS,
        "additionalProperties": bool(spec["openType"]),
    }
    return schema


def _reachable(root: str, types: dict[str, Any], only: set[str] | None) -> list[str]:
    seen: list[str] = []
    stack = [root]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.append(name)
        spec = types.get(name)
        if spec is None:
            continue
        for prop_name, prop in spec["properties"].items():
            if name == root and only is not None and prop_name not in only:
                continue
            for form in (prop, prop.get("documentedAs") or {}):
                if form and not form["type"].startswith("Edm."):
                    stack.append(form["type"])
    return seen


def build_schema(facts: dict[str, Any], *, for_request: bool) -> JSONSchema:
    """Build the request (updatable properties) or response (whole entity) schema."""
    types, enums = facts["types"], facts["enums"]
    root = facts["entityType"]
    only = (
        {n for n, p in types[root]["properties"].items() if p["access"] == "updatable"}
        if for_request
        else None
    )
    defs: JSONSchema = {}
    for name in sorted(_reachable(root, types, only)):
        if name == root:
            continue
        if name in enums:
            defs[name] = _enum_schema(name, enums[name], for_request=for_request)
        else:
            defs[name] = _object_schema(name, types[name], types, enums, for_request=for_request)
    body = _object_schema(root, types[root], types, enums, for_request=for_request, only=only)
    kind = "request" if for_request else "response"
    body.update(
        {
            "$schema": SCHEMA_DIALECT,
            "$id": f"https://graphcontract.invalid/schemas/workPosition.{kind}.json",
            "description": (
                "Body of PATCH /me/profile/positions/{id}: any subset of the seven documented "
                "updatable properties; non-open type, so undeclared properties are invalid."
                if for_request
                else "A workPosition as a 200 answer carries it: every declared property, "
                "null allowed where the metadata allows it; id required."
            ),
            "$defs": defs,
        }
    )
    if not for_request:
        body["required"] = ["id"]
    return body


def build_openapi(
    request_schema: JSONSchema,
    response_schema: JSONSchema,
    facet: str = "workPosition",
    segment: str = "positions",
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for GET and PATCH on both documented path forms of ``facet``
    (profile's ``segment``)."""
    components: dict[str, Any] = {}
    for prefix, schema in (("Request_", request_schema), ("", response_schema)):
        for name, sub in schema["$defs"].items():
            components[prefix + name] = _rebase(sub, prefix)
    components[f"Request_{facet}"] = _rebase(_strip_meta(request_schema), "Request_")
    components[facet] = _rebase(_strip_meta(response_schema), "")
    components[f"{facet}Collection"] = {
        "type": "object",
        "properties": {
            "value": {"type": "array", "items": {"$ref": f"#/components/schemas/{facet}"}}
        },
        "required": ["value"],
    }
    components["odataError"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "target": {"type": ["string", "null"]},
                    "details": {"type": "array"},
                    "innerError": {"type": "object"},
                },
            }
        },
    }
    error_response = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/odataError"}}}
    }
    errors = {
        code: {"description": text, **error_response}
        for code, text in (
            ("400", "Malformed or incorrect request"),
            ("401", "Authentication missing or invalid"),
            ("403", "Access denied"),
            ("404", "Position not found"),
            ("415", "Unsupported Content-Type"),
            ("429", "Throttled; see Retry-After"),
            ("503", "Temporarily unavailable; see Retry-After"),
        )
    }
    position_id = {
        "name": "id",
        "in": "path",
        "required": True,
        "description": f"{facet} id",
        "schema": {"type": "string"},
    }
    user_id = {
        "name": "user",
        "in": "path",
        "required": True,
        "description": "user id or userPrincipalName",
        "schema": {"type": "string"},
    }
    ok_item = {
        "description": f"The {facet}",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{facet}"}}},
    }

    def item_ops(op_prefix: str, params: list[dict[str, Any]]) -> dict[str, Any]:
        get_errors = {k: v for k, v in errors.items() if k not in {"400", "415"}}
        return {
            "parameters": params,
            "get": {
                "operationId": f"{op_prefix}GetPosition",
                "summary": f"Get {facet}",
                "responses": {"200": ok_item, **get_errors},
            },
            "patch": {
                "operationId": f"{op_prefix}UpdatePosition",
                "summary": f"Update {facet}",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/Request_{facet}"}
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": f"The updated {facet}",
                        "content": ok_item["content"],
                    },
                    **errors,
                },
            },
        }

    def list_op(op_prefix: str, params: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "parameters": params,
            "get": {
                "operationId": f"{op_prefix}ListPositions",
                "summary": "List positions",
                "responses": {
                    "200": {
                        "description": "The positions",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{facet}Collection"}
                            }
                        },
                    },
                    **{k: v for k, v in errors.items() if k in {"401", "403", "404", "429", "503"}},
                },
            },
        }

    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"Microsoft Graph beta: {facet} (Update {facet} contract)",
            "version": "beta",
            "description": "Generated by graphcontract.schema_build from contracts/metadata/"
            "profile-beta.xml. "
            "Only the operations graphcontract exercises: GET and PATCH of one position, "
            "GET of the list, on /me and /users/{id | userPrincipalName}.",
        },
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "security": [{"bearer": []}],
        "paths": {
            f"/me/profile/{segment}": list_op("me", []),
            f"/me/profile/{segment}/{{id}}": item_ops("me", [position_id]),
            f"/users/{{user}}/profile/{segment}": list_op("users", [user_id]),
            f"/users/{{user}}/profile/{segment}/{{id}}": item_ops("users", [user_id, position_id]),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": components,
        },
    }


def _strip_meta(schema: JSONSchema) -> JSONSchema:
    return {k: v for k, v in schema.items() if k not in {"$schema", "$id", "$defs"}}


def _rebase(node: Any, prefix: str) -> Any:
    """Point ``#/$defs/X`` references at ``#/components/schemas/<prefix>X``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = "#/components/schemas/" + prefix + value.removeprefix("#/$defs/")
            else:
                out[key] = _rebase(value, prefix)
        return out
    if isinstance(node, list):
        return [_rebase(v, prefix) for v in node]
    return node


def _dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def render_all(contracts_dir: Path) -> dict[Path, str]:
    """Every generated file under contracts_dir with its text."""
    from graphcontract.contract_source import facts_from_metadata

    facts = facts_from_metadata(contracts_dir)
    request = build_schema(facts, for_request=True)
    response = build_schema(facts, for_request=False)
    openapi = build_openapi(request, response)
    return {
        contracts_dir / "schemas" / "workPosition.request.json": _dump(request),
        contracts_dir / "schemas" / "workPosition.response.json": _dump(response),
        contracts_dir / "openapi.yaml": "# Generated by `python -m graphcontract.schema_build`; "
        "regenerate contracts/metadata/ instead.\n"
        + yaml.safe_dump(openapi, sort_keys=False, allow_unicode=True, width=100),
    }


def main() -> int:
    """Regenerate the derived files in contracts/."""
    from graphcontract.contract import contracts_dir

    for path, text in render_all(contracts_dir()).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
