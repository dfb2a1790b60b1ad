"""The project's OpenAPI 3.1 contract (contracts/openapi.yaml) written as OpenAPI 3.0.3, the
version Connexion 3.x reads (it refuses ``openapi: 3.1.0``).

The port refuses nothing the 3.1 schema allows: ``type: [T, 'null']`` becomes ``type: T,
nullable: true``; a ``{type: 'null'}`` alternative of anyOf/oneOf becomes a nullable
``enum: [null]``; ``patternProperties`` (annotations such as ``@odata.type``) has no 3.0 form, so
the ``additionalProperties: false`` beside it goes too (an open type accepts annotations).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "contracts" / "openapi.yaml"
_NULL = {"type": "null"}
_NULL_30 = {"type": "string", "nullable": True, "enum": [None]}


def to_openapi30(node: Any) -> Any:
    """``node`` (a 3.1 document or any part of one) in its 3.0.3 form."""
    if isinstance(node, list):
        return [to_openapi30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "patternProperties":
            continue
        if key == "additionalProperties" and value is False and "patternProperties" in node:
            continue
        if key == "type" and isinstance(value, list):
            (out["type"],) = [kind for kind in value if kind != "null"]
            if "null" in value:
                out["nullable"] = True
        elif key in ("anyOf", "oneOf") and isinstance(value, list) and _NULL in value:
            out[key] = [*(to_openapi30(v) for v in value if v != _NULL), _NULL_30]
        else:
            out[key] = to_openapi30(value)
    if out.get("openapi", "").startswith("3.1"):
        out["openapi"] = "3.0.3"
    return out


def write_spec(path: Path, bearer_info: str) -> Path:
    """Write the 3.0 port of the contract to ``path``, its bearer scheme checked by the
    function ``bearer_info`` names (module.function, importable by the server)."""
    spec = to_openapi30(yaml.safe_load(CONTRACT.read_text(encoding="utf-8")))
    spec["components"]["securitySchemes"]["bearer"]["x-bearerInfoFunc"] = bearer_info
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path
