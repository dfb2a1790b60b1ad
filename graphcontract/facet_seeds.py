"""Generate the mock's per-facet seeds (``contracts/examples/facets/<facet>.json``) and each
facet's documented examples (``<facet>.request.json``, ``<facet>.response.json`` beside them).

``python -m graphcontract.facet_seeds [--reference DIR] [--check]`` reads each facet's Update
page in ``graph-docs/`` (by default ``../shared/reference`` of the checkout) and writes, for
every facet but workPosition (whose hand-made ``mock_seed.json`` stays as it is), a seed whose
first item is the page's example response with the values doc-lint finds invalid fixed, and
whose second item is a copy that a write to the first must never touch. Each fix is recorded
in the file (``fixed``: where, the doc-lint finding kind, the value before and after), so the
seed names the documentation's defects it works around. The example files keep the page's
request and response as published (docs.examples judges them) and, in the request's
``sendable``, the body the suite sends, fixed the same way. ``--check`` writes nothing and
exits 1 when a file would change. Rerunning gives the same files.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graphcontract.contract import Contract, contracts_dir, load_contract, load_yaml
from graphcontract.contract_source import (
    BUNDLED_METADATA,
    DEFAULT_FACET,
    NATIONAL_CLOUD_METADATA,
    facts_from_metadata,
)
from graphcontract.doclint.blocks import Pointer
from graphcontract.doclint.checks import example_hits, is_date, is_datetime
from graphcontract.doclint.page import load_page
from graphcontract.documented import example_files
from graphcontract.errors import ContractDataError
from graphcontract.types import JSON, JSONObject

SEEDS_DIR = Path("examples") / "facets"
"""Where the seeds are, relative to contracts/."""
HAND_SEEDED = {DEFAULT_FACET: Path("examples") / "mock_seed.json"}
"""Facets whose seed is written by hand (the generator leaves them alone)."""
FALLBACK_DATE = "2020-07-06"
"""The date an invalid Edm.Date takes when the example has no valid createdDateTime."""
FALLBACK_STAMP = "2020-07-06T06:34:12.2294868Z"
_NAMESPACE = uuid.UUID("5b0c7a8e-2f3e-4d0a-9b1e-6a1f0c3d2e4b")
"""For the second item's id: uuid5 of the facet's name in this namespace (stable)."""


def seed_path(contracts: Path, facet: str) -> Path:
    """The seed file of ``facet`` (workPosition: ``mock_seed.json``)."""
    return contracts / HAND_SEEDED.get(facet, SEEDS_DIR / f"{facet}.json")


def facet_metadata(contracts: Path, facet: str) -> Path:
    """The bundled metadata that declares ``facet``: Prod beta's, else the national cloud's
    (personAnniversary is the national cloud's name for the anniversaries facet)."""
    for relative in (BUNDLED_METADATA, NATIONAL_CLOUD_METADATA):
        try:
            facts_from_metadata(contracts, contracts / relative, facet)
        except ContractDataError:
            continue
        return contracts / relative
    raise ContractDataError(f"no bundled metadata declares the facet {facet!r}")


def _get(body: JSON, pointer: Pointer) -> JSON:
    for step in pointer:
        body = body[step]
    return body


def _set(body: JSON, pointer: Pointer, value: JSON) -> None:
    parent = _get(body, pointer[:-1])
    parent[pointer[-1]] = value


def _fixed_value(contract: Contract, body: JSONObject, pointer: Pointer, kind: str) -> JSON:
    """A valid value for the one doc-lint found invalid at ``pointer``."""
    old = _get(body, pointer)
    created = body.get("createdDateTime")
    stamp = created if isinstance(created, str) and is_datetime(created) else FALLBACK_STAMP
    if kind == "example.null-collection":
        return []
    if kind == "example.odata-type-without-hash":
        return f"#{old}"
    if kind == "example.invalid-date":
        head = old[:10] if isinstance(old, str) else ""
        return head if is_date(head) else stamp[:10] if is_date(stamp[:10]) else FALLBACK_DATE
    if kind == "example.invalid-enum":
        prop = _property_at(contract, pointer)
        return contract.enums[prop].sendable_members[0]
    if kind in ("example.invalid-datetime", "example.placeholder-value"):
        prop = _property_at(contract, pointer)
        if prop in contract.enums:
            return contract.enums[prop].sendable_members[0]
        return stamp
    raise ContractDataError(f"no fix for the doc-lint finding {kind} at {pointer}")


def _property_at(contract: Contract, pointer: Pointer) -> str:
    """The type name of the property at ``pointer`` (list indexes skipped)."""
    spec = contract.entity
    type_name = spec.name
    for step in pointer:
        if isinstance(step, int):
            continue
        type_name = spec.properties[step].type_name
        if contract.is_structured(type_name):
            spec = contract.structured(type_name)
    return type_name


def _dotted(pointer: Pointer) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in pointer).lstrip(".")


def facet_seed(contract: Contract, reference: Path, update_page: str) -> JSONObject:
    """``contract``'s seed document from its Update page's example response."""
    page = load_page(reference / "graph-docs" / update_page)
    responses = [e for e in page.examples if e.kind == "response" and isinstance(e.body, dict)]
    if not responses:
        raise ContractDataError(f"{update_page} has no example response to seed from")
    first: JSONObject = copy.deepcopy(responses[0].body)
    fixed: list[JSONObject] = []
    for pointer, kind in example_hits(contract, first, request=False):
        before = _get(first, pointer)
        after = _fixed_value(contract, first, pointer, kind)
        _set(first, pointer, after)
        fixed.append({"at": _dotted(pointer), "finding": kind, "was": before, "now": after})
    second = copy.deepcopy(first)
    second["id"] = str(uuid.uuid5(_NAMESPACE, contract.entity.name))
    audiences = contract.entity.properties.get("allowedAudiences")
    if audiences is not None and contract.is_enum(audiences.type_name):
        members = contract.enums[audiences.type_name].sendable_members
        second["allowedAudiences"] = next(m for m in members if m != first.get("allowedAudiences"))
    items = [first, second]
    for index, item in enumerate(items):
        problems = contract.response_errors(item)
        if problems:
            raise ContractDataError(f"{update_page}: seed item {index}: {problems[0]}")
    return {
        "$comment": "Generated by `python -m graphcontract.facet_seeds` from the example response "
        "of the facet's Update page, with the values doc-lint finds invalid fixed (fixed); the "
        "second item is a copy a write to the first must never touch.",
        "facet": contract.entity.name,
        "source": update_page,
        "fixed": fixed,
        "items": items,
    }


def _sendable(contract: Contract, body: JSONObject) -> tuple[JSONObject, list[JSONObject]]:
    """The request ``body`` with the values doc-lint finds invalid fixed (a read-only property
    dropped), and the fixes."""
    sendable = copy.deepcopy(body)
    fixed: list[JSONObject] = []
    for pointer, kind in example_hits(contract, sendable, request=True):
        before = _get(sendable, pointer)
        if kind == "example.read-only-in-request":
            del _get(sendable, pointer[:-1])[pointer[-1]]
            fixed.append({"at": _dotted(pointer), "finding": kind, "was": before, "dropped": True})
            continue
        after = _fixed_value(contract, sendable, pointer, kind)
        _set(sendable, pointer, after)
        fixed.append({"at": _dotted(pointer), "finding": kind, "was": before, "now": after})
    return sendable, fixed


def facet_examples(
    contract: Contract, reference: Path, update_page: str
) -> tuple[JSONObject, JSONObject]:
    """``contract``'s documented example request and response files from its Update page:
    the bodies as published (docs.examples judges them), and the request as the suite sends
    it (``sendable``: doc-lint's findings fixed; a body that is not JSON read leniently)."""
    page = load_page(reference / "graph-docs" / update_page)
    request = next((e for e in page.examples if e.kind == "request"), None)
    response = next((e for e in page.examples if e.kind == "response"), None)
    if request is None or request.request is None or request.body_line is None:
        raise ContractDataError(f"{update_page} has no example request with a body")
    if response is None or not isinstance(response.body, dict):
        raise ContractDataError(f"{update_page} has no example response with a JSON object")
    request_doc: JSONObject = {
        "$comment": "Generated by `python -m graphcontract.facet_seeds`: the example request of "
        "the facet's Update page as published (body; bodyText and bodyError when it is not "
        "JSON), and the body the suite sends (sendable: the values doc-lint finds invalid "
        "fixed).",
        "facet": contract.entity.name,
        "source": update_page,
        "method": request.request.method,
        "path": request.request.target,
        "body": request.body,
    }
    published = request.body
    if request.body_error is not None:
        block = next(b for b in page.blocks if b.line == request.line)
        text = "\n".join(block.content[request.body_line - block.line - 1 :])
        request_doc["bodyText"] = text
        request_doc["bodyError"] = request.body_error
        published = load_yaml(text)  # a flow mapping: JSON with trailing commas allowed
    if not isinstance(published, dict):
        raise ContractDataError(f"{update_page}: the example request body is not an object")
    sendable, fixed = _sendable(contract, published)
    if request.body_error is not None:
        fixed.insert(0, {"at": "", "finding": "example.invalid-json", "was": request.body_error})
    problems = contract.request_errors(sendable)
    if problems:
        raise ContractDataError(f"{update_page}: the example request: {problems[0]}")
    request_doc["sendable"] = sendable
    request_doc["fixed"] = fixed
    response_doc: JSONObject = {
        "$comment": "Generated by `python -m graphcontract.facet_seeds`: the example response "
        "of the facet's Update page as published, including its documentation defects.",
        "facet": contract.entity.name,
        "source": update_page,
        "status": response.status,
        "body": response.body,
    }
    return request_doc, response_doc


def all_examples(contracts: Path, reference: Path) -> dict[Path, JSONObject]:
    """Every generated example file (request and response, by path), for each facet but
    workPosition (whose examples are kept by hand)."""
    files: dict[Path, JSONObject] = {}
    for facet, info in _facets(contracts).items():
        if facet in HAND_SEEDED:
            continue
        contract = load_contract(contracts, facet_metadata(contracts, facet), facet)
        request_file, response_file = example_files(facet)
        documents = facet_examples(contract, reference, info["updatePage"])
        files[contracts / request_file], files[contracts / response_file] = documents
    return files


def _facets(contracts: Path) -> dict[str, Any]:
    facets: dict[str, Any] = json.loads(
        (contracts / "metadata" / "facets.json").read_text(encoding="utf-8")
    )["facets"]
    return facets


def all_seeds(contracts: Path, reference: Path) -> dict[str, JSONObject]:
    """Every generated seed document, by facet."""
    seeds = {}
    for facet, info in _facets(contracts).items():
        if facet in HAND_SEEDED:
            continue
        metadata = facet_metadata(contracts, facet)
        contract = load_contract(contracts, metadata, facet)
        seeds[facet] = facet_seed(contract, reference, info["updatePage"])
    return seeds


def render(seed: JSONObject) -> str:
    return json.dumps(seed, indent=1, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphcontract.facet_seeds")
    parser.add_argument("--reference", type=Path, default=Path("../shared/reference"))
    parser.add_argument("--check", action="store_true", help="exit 1 if a seed would change")
    args = parser.parse_args(argv)
    if not (args.reference / "graph-docs").is_dir():
        missing = args.reference / "graph-docs"
        print(f"error: {missing} not found (--reference DIR)", file=sys.stderr)
        return 2
    contracts = contracts_dir()
    try:
        seeds = all_seeds(contracts, args.reference)
        examples = all_examples(contracts, args.reference)
    except ContractDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = []
    files = {seed_path(contracts, facet): seed for facet, seed in seeds.items()} | examples
    for path, document in files.items():
        text = render(document)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if args.check and stale:
        print(f"stale: {', '.join(str(p) for p in stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
