"""A facet's documented examples: its Update page's example request and response as bundled.

Owns ``DocumentedExamples`` and reading them from contracts/examples/: workPosition's hand-kept
``update_workposition.{request,response}.json`` (verbatim; its request is valid, so the body
sent is the one published), the other facets' ``facets/<facet>.{request,response}.json``
written by ``python -m graphcontract.facet_seeds``. The published bodies are what docs.examples
judges; ``sendable`` is the request with the values doc-lint finds invalid fixed, which the
suite sends (a documentation defect never makes a false failure of the target).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphcontract.errors import ContractDataError
from graphcontract.types import JSONObject

DEFAULT_FILES = ("update_workposition.request.json", "update_workposition.response.json")
"""workPosition's examples, in contracts/examples/."""


@dataclass(frozen=True)
class DocumentedExamples:
    """The example request and response of a facet's Update page."""

    request: JSONObject
    """The request body as published ({} when it is not JSON: ``request_error``)."""
    response: JSONObject
    """The response body as published."""
    sendable: JSONObject
    """The request body the suite sends: the published one with doc-lint's findings fixed."""
    files: tuple[str, str]
    """The bundled request and response files, as findings name them."""
    request_error: str | None = None
    """Why the published request body is not JSON (None: it is)."""

    @property
    def pattern(self) -> str:
        """Both files as one glob (``contracts/examples/update_workposition.*.json``)."""
        return self.files[0].removesuffix("request.json") + "*.json"


def example_files(facet: str) -> tuple[Path, Path]:
    """``facet``'s example files relative to contracts/ (workPosition's are hand-kept)."""
    if facet == "workPosition":
        return Path("examples") / DEFAULT_FILES[0], Path("examples") / DEFAULT_FILES[1]
    folder = Path("examples") / "facets"
    return folder / f"{facet}.request.json", folder / f"{facet}.response.json"


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ContractDataError(f"cannot read {path}: {exc}") from exc


def load_documented(base: Path, facet: str) -> DocumentedExamples | None:
    """``facet``'s documented examples from the contracts folder ``base`` (None: not bundled)."""
    request_file, response_file = example_files(facet)
    if not (base / request_file).is_file() or not (base / response_file).is_file():
        return None
    request = _read(base / request_file)
    response = _read(base / response_file)
    published = request["body"] if isinstance(request["body"], dict) else {}
    return DocumentedExamples(
        request=published,
        response=response["body"],
        sendable=request.get("sendable", published),
        files=(f"contracts/{request_file.as_posix()}", f"contracts/{response_file.as_posix()}"),
        request_error=request.get("bodyError"),
    )
