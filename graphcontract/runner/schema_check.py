"""``graphcontract run``'s first step on a target: learn which contract properties it lacks.

Asks the target for its ``$metadata`` (``<base-url>/$metadata``) and compares it with the
contract's document, or, when it serves none, learns from the position's answers
(``graphcontract.target_schema`` owns the rules). When the target lacks properties, the run
judges it by the contract's document without them (written to the run's folder as
``target-metadata.xml`` and selected for the suite) and the report lists them as metadata
findings, which never fail a run.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from graphcontract.api_option import checkable_facets, selected_api
from graphcontract.client import GraphClient, Redactor
from graphcontract.contract import METADATA_ENV, contracts_dir, load_contract
from graphcontract.contract_source import OWNER
from graphcontract.csdl import Metadata, read_csdl
from graphcontract.errors import ContractDataError, HarnessError, UsageError
from graphcontract.metadata_option import METADATA_PATH, selected_metadata
from graphcontract.runner.config import RunConfig
from graphcontract.runner.journal import journal_record, write_record
from graphcontract.runner.leftovers import leftovers
from graphcontract.target_schema import (
    FINDINGS_ENV,
    Finding,
    candidates,
    differences,
    learn_from_answers,
    run_csdl,
    write_findings,
)
from graphcontract.types import JSON, JSONObject


def other_clouds(contract_path: Path) -> list[tuple[str, Metadata]]:
    """The bundled metadata documents other than the contract's (the other published
    clouds' schemas), each with its file name."""
    folder = contracts_dir() / "metadata"
    return [
        (path.name, read_csdl(path))
        for path in sorted(folder.glob("*.xml"))
        if path.resolve() != contract_path.resolve()
    ]


def served_metadata(client: GraphClient, facet: str) -> tuple[Metadata, bytes] | None:
    """The target's own ``$metadata`` (read, and as served) when it serves a CSDL document
    declaring ``facet``."""
    exchange = client.request(
        "GET", METADATA_PATH, content_type=None, extra_headers={"Accept": "application/xml"}
    )
    if exchange.status != 200 or not exchange.response.body:
        return None
    try:
        metadata = read_csdl(exchange.response.body, name=f"{client.base_url}{METADATA_PATH}")
    except ContractDataError:
        return None
    return (metadata, exchange.response.body) if facet in metadata.types else None


def _position(client: GraphClient, cfg: RunConfig, facet: str) -> tuple[str, JSONObject] | None:
    """The configured position's path and state (the last listed one on a loopback target
    with none configured, as the suite chooses it); None when it cannot be read."""
    position_id = cfg.position_id
    collection = load_contract(facet=facet).me_collection
    if not position_id:
        listed = client.request("GET", collection, content_type=None).json_object() or {}
        values = listed.get("value")
        if not cfg.is_loopback or not isinstance(values, list) or not values:
            return None
        last = values[-1]
        position_id = last.get("id") if isinstance(last, dict) else None
        if not isinstance(position_id, str):
            return None
    path = f"{collection}/{position_id}"
    read = client.request("GET", path, content_type=None)
    state = read.json_object()
    return (path, state) if read.status == 200 and state is not None else None


SERVED_METADATA = "target-own-metadata.xml"
"""The target's own $metadata as it served it (written to the run's folder when it did)."""


def facets_held_otherwise(folder: Path, facets: Sequence[str]) -> list[tuple[str, str, str]]:
    """(facet, the type the target's profile holds there instead, segment) for each of
    ``facets`` whose segment holds another entity type in the target's own $metadata (the
    anniversaries facet: personAnnualEvent in Prod, personAnniversary in a national cloud);
    none when the target served no document."""
    served = folder / SERVED_METADATA
    if not served.is_file():
        return []
    theirs = read_csdl(served).containment(OWNER)
    ours = checkable_facets()
    return [
        (facet, theirs[ours[facet]], ours[facet])
        for facet in facets
        if facet in ours and theirs.get(ours[facet], facet) != facet
    ]


SCHEMA_JOURNAL = "restore-journal-schema.json"
"""The journal written before the schema probes (removed once the position reads whole)."""


class SchemaProbeChangedTarget(UsageError):
    """The schema probes left the position other than they found it (the run stops)."""


def learn(
    cfg: RunConfig, folder: Path, facet: str | None = None, also: Sequence[str] = ()
) -> tuple[str, list[Finding], bytes | None]:
    """How the target's schema was learned, the findings, and the target's own document
    when it serves one (``facet``: the selected one by default; ``also``: the other facets a
    run checks, compared too when the target serves its $metadata)."""
    assert cfg.base_url is not None
    facet = facet or selected_api()
    contract_path = selected_metadata()
    contract = read_csdl(contract_path)
    token = cfg.token()
    with GraphClient(
        cfg.base_url,
        token=token,
        timeout_s=cfg.timeout_s,
        redactor=Redactor([token], env_names=[cfg.token_env]),
        token_label=f"the token in {cfg.token_env}",
        token_env=cfg.token_env,
    ) as client:
        served = served_metadata(client, facet)
        if served is not None:
            found = differences(contract, served[0], facet)
            for other in also:
                found += [f for f in differences(contract, served[0], other) if f not in found]
            return "compared with the target's $metadata", found, served[1]
        clouds = other_clouds(contract_path)
        if not candidates(contract, (cloud for _, cloud in clouds), facet):
            return "the target serves no $metadata; no other cloud's schema differs", [], None
        position = _position(client, cfg, facet)
        if position is None:
            return "the target serves no $metadata and its position could not be read", [], None
        path, state = position
        again = client.request("GET", path, content_type=None)
        if again.status != 200 or leftovers(
            load_contract(facet=facet), state, again.json_object() or {}
        ):
            # two reads with nothing written between differ: no later read could show what a
            # probe did, so nothing is written (reads.stable judges such a target)
            return "the target serves no $metadata and its reads are not stable", [], None
        # The probes write (each restating what the GET showed): journal the state first, as
        # the suite does before its first write, and check it is whole again afterwards.
        journal = folder / SCHEMA_JOURNAL
        write_record(journal, journal_record(client.base_url, path, path.rsplit("/", 1)[-1], state))

        def patch(method: str, where: str, body: JSONObject | None) -> tuple[int, JSON]:
            exchange = client.request(method, where, json_body=body)
            return exchange.status, exchange.json()

        lacking = learn_from_answers(contract, facet, clouds, state, patch, path)
        after = client.request("GET", path, content_type=None)
        whole_again(facet, path, state, after.json_object() if after.status == 200 else None)
        journal.unlink()
        return "learned from the target's answers (it serves no $metadata)", lacking, None


def whole_again(facet: str, path: str, before: JSONObject, after: JSONObject | None) -> None:
    """Raise SchemaProbeChangedTarget (naming the journal written beside it) unless the
    position read ``after`` the probes is the one read ``before`` them, but for what writes
    move by their own rules (``runner.leftovers``)."""
    changed = (
        ["its GET is no longer answered"]
        if after is None
        else leftovers(load_contract(facet=facet), before, after)
    )
    if changed:
        raise SchemaProbeChangedTarget(
            f"learning the target's schema changed the position at {path} ({changed[0]}); "
            f"restore it with `graphcontract restore --journal <run folder>/{SCHEMA_JOURNAL}`"
        )


def apply(
    cfg: RunConfig, folder: Path, facets: Sequence[str] = ()
) -> tuple[Path | None, list[Finding], str]:
    """Learn the target's schema; when it differs from the contract's in what it declares,
    write and select the run's document (without what the target lacks, with what its own
    document adds). Returns (the document the run now uses or None, findings, how)."""
    try:
        how, findings, document = learn(cfg, folder, also=facets)
    except SchemaProbeChangedTarget:
        raise
    except HarnessError as exc:
        # the suite's own checks judge a target that fails; the run keeps the contract whole
        how, findings, document = f"the target's schema could not be learned ({exc})", [], None
    folder.mkdir(parents=True, exist_ok=True)
    if document is not None:
        (folder / SERVED_METADATA).write_bytes(document)
    os.environ[FINDINGS_ENV] = str(write_findings(findings, how, folder / "metadata-findings.json"))
    if not any(f.kind in ("lacking", "extra", "retyped") for f in findings):
        return None, findings, how
    source = selected_metadata()
    out = folder / "target-metadata.xml"
    try:
        narrowed = run_csdl(source, read_csdl(source), findings, out, document)
    except (ContractDataError, ET.ParseError):
        # the target's additions do not fit the contract's document: leave them out
        lacking = [f for f in findings if f.lacking]
        if not lacking:
            return None, findings, how
        narrowed = run_csdl(source, read_csdl(source), lacking, out)
    os.environ[METADATA_ENV] = str(narrowed.resolve())
    return narrowed.resolve(), findings, how


def console_lines(findings: list[Finding], how: str) -> list[str]:
    """The run's lines about them (none when the schemas agree): the properties the service
    lacks, those it declares beyond the contract, and those it types otherwise."""
    if not findings:
        return []
    lines = [f"metadata: {len(findings)} finding(s), {how}; they never fail a run:"]
    lacking = [f.name for f in findings if f.kind == "lacking"]
    extra = [f.name for f in findings if f.kind == "extra"]
    if lacking:
        lines.append(
            f"  the service lacks {len(lacking)} propert{'y' if len(lacking) == 1 else 'ies'} "
            f"the contract's metadata declares (left out of this run): {', '.join(lacking)}"
        )
    if extra:
        lines.append(
            f"  the service declares {len(extra)} propert{'y' if len(extra) == 1 else 'ies'} "
            f"the contract's metadata does not (read as its $metadata says): {', '.join(extra)}"
        )
    lines += [f"  {f.describe()}" for f in findings if f.kind == "retyped"]
    return lines
