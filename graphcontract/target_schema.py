"""Which of the contract's properties the target's own schema lacks, and a contract without them.

Graph's metadata differs between clouds: a national cloud's beta lacks properties Prod beta
declares (``detail.layer``, ``isSearchable``, …; ../shared/reference/graph-metadata/README.md).
A service built on that schema rightly refuses them, so a run of the Prod contract against
it learns what it lacks first and judges it on the rest:

- the target serves ``$metadata``: its document is compared with the contract's; every
  property the contract's types declare and the target's do not is lacking; every one the
  target declares beyond the contract (``extra``) or types otherwise (``retyped``) is listed
  too;
- otherwise only the properties some bundled Graph cloud's metadata lacks are candidates
  (``contracts/metadata/*.xml``; a property every published schema declares is never
  excused), and one is learned lacking when the position's GET never carries it where its
  owner object is present and a PATCH setting it to null is refused (400) while the same
  body without it is accepted (200). Those writes put back what the GET showed.

These are findings (``metadata_findings`` in report.json, never a failed clause), and the
run's contract is the contract's CSDL without the lacking properties and with the extra ones
the target's own document declares (``run_csdl``).
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphcontract.csdl import EDM_NS, EDMX_NS, Metadata, reachable, read_csdl
from graphcontract.errors import ContractDataError
from graphcontract.types import JSON, JSONObject

FINDINGS_ENV = "GRAPHCONTRACT_METADATA_FINDINGS"
"""A JSON file of this run's metadata findings, read by the report (set by ``run``)."""

Request = Callable[[str, str, JSONObject | None], tuple[int, JSON]]
"""(method, path relative to the base URL, JSON body or None) -> (status, JSON answer)."""


@dataclass(frozen=True)
class Finding:
    """One property the two schemas declare differently."""

    type_name: str
    prop: str
    kind: str
    """``lacking``: the contract declares it, the target does not (the run leaves it out);
    ``extra``: the reverse; ``retyped``: both declare it, with another type."""
    evidence: str

    @property
    def name(self) -> str:
        return f"{self.type_name}.{self.prop}"

    @property
    def lacking(self) -> bool:
        return self.kind == "lacking"

    def describe(self) -> str:
        if self.kind == "lacking":
            head = f"the service lacks property {self.name} (declared by the contract's metadata)"
        elif self.kind == "extra":
            head = (
                f"the service declares property {self.name}, which the contract's metadata does not"
            )
        else:
            head = f"the service declares property {self.name} with another type"
        return f"{head}: {self.evidence}"

    def record(self) -> dict[str, Any]:
        return {
            "type": self.type_name,
            "property": self.prop,
            "kind": self.kind,
            "evidence": self.evidence,
            "message": self.describe(),
        }


def _structured(metadata: Metadata, facet: str) -> list[str]:
    return [name for name in reachable(metadata, facet) if name in metadata.types]


def _type_text(type_name: str, collection: bool) -> str:
    return f"Collection({type_name})" if collection else type_name


def differences(contract: Metadata, target: Metadata, facet: str) -> list[Finding]:
    """The properties of ``facet``'s types (those both documents declare) that one declares
    and the other does not, or types otherwise: lacking ones first, then retyped, then the
    target's extra ones; each group by type, then name."""
    lacking: list[Finding] = []
    retyped: list[Finding] = []
    extra: list[Finding] = []
    shared = [name for name in _structured(contract, facet) if name in target.types]
    for name in shared:
        ours, theirs = contract.properties(name), target.properties(name)
        for prop in sorted(ours, key=str.casefold):
            mine = ours[prop]
            other = theirs.get(prop)
            if other is None:
                evidence = "the target's $metadata does not declare it"
                lacking.append(Finding(_declaring(contract, name, prop), prop, "lacking", evidence))
            elif (mine.type_name, mine.collection) != (other.type_name, other.collection):
                theirs_text = _type_text(other.type_name, other.collection)
                evidence = (
                    f"the target's $metadata types it {theirs_text}, "
                    f"the contract's {_type_text(mine.type_name, mine.collection)}"
                )
                retyped.append(Finding(name, prop, "retyped", evidence))
        extra += [
            Finding(
                _declaring(target, name, prop), prop, "extra", "the target's $metadata declares it"
            )
            for prop in sorted(theirs, key=str.casefold)
            if prop not in ours
        ]
    return _unique(_reached(contract, facet, lacking)) + _unique(retyped) + _unique(extra)


def _declaring(metadata: Metadata, name: str, prop: str) -> str:
    """The type in ``name``'s lineage that declares ``prop`` (itemFacet for isSearchable)."""
    return next(
        (spec.name for spec in reversed(metadata.lineage(name)) if prop in spec.properties), name
    )


def _unique(findings: list[Finding]) -> list[Finding]:
    return list({f.name: f for f in findings}.values())


def _reached(contract: Metadata, facet: str, lacking: list[Finding]) -> list[Finding]:
    """``lacking`` without the properties of types reached only through a lacking property
    (profileSourceAnnotation's, once itemFacet.sources is lacking): one finding each."""
    gone = {(f.type_name, f.prop) for f in lacking}
    gone |= {
        (name, f.prop)
        for f in lacking
        for name in contract.types
        if f.type_name in {t.name for t in contract.lineage(name)}
    }
    seen, queue = {facet}, [facet]
    while queue:
        name = queue.pop(0)
        if name not in contract.types:
            continue
        for prop in contract.properties(name).values():
            if (name, prop.name) in gone or prop.type_name in seen:
                continue
            seen.add(prop.type_name)
            queue.append(prop.type_name)
    kept = {t.name for name in seen if name in contract.types for t in contract.lineage(name)}
    return [f for f in lacking if f.type_name in kept]


def candidates(contract: Metadata, others: Iterable[Metadata], facet: str) -> list[Finding]:
    """The properties of ``facet``'s types that some other published cloud's metadata
    lacks: the only ones a run may learn a target lacks from its answers alone."""
    out: dict[str, Finding] = {}
    for other in others:
        if facet not in other.types:
            continue
        for finding in differences(contract, other, facet):
            if finding.lacking:
                out.setdefault(finding.name, finding)
    return list(out.values())


# -- learning from answers ---------------------------------------------------------------------


def sites(contract: Metadata, facet: str, type_name: str) -> list[tuple[str, ...]]:
    """The property paths from the entity to each place a ``type_name`` value sits (the
    entity itself is ``()``; a collection's members are one step, like its value)."""
    found: list[tuple[str, ...]] = []
    queue: list[tuple[str, tuple[str, ...]]] = [(facet, ())]
    while queue:
        name, path = queue.pop(0)
        if name in contract.types and type_name in {t.name for t in contract.lineage(name)}:
            found.append(path)
        if name not in contract.types or len(path) > 4:
            continue
        for prop in contract.properties(name).values():
            if prop.type_name in contract.types and prop.name not in path:
                queue.append((prop.type_name, (*path, prop.name)))
    return found


def _owner_at(state: JSON, path: tuple[str, ...]) -> JSONObject | None:
    """The first object at ``path`` in ``state`` (a collection's first member), or None."""
    value: JSON = state
    for part in path:
        if isinstance(value, list):
            value = value[0] if value else None
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, dict) else None


def _body_with(state: JSONObject, path: tuple[str, ...], prop: str | None) -> JSONObject:
    """The PATCH body writing back ``state``'s top-level property on ``path`` as it is, with
    ``prop`` set to null at ``path`` when given; ``{prop: None}`` for the entity itself."""
    if not path:
        return {prop: None} if prop is not None else {}
    top = copy.deepcopy(state.get(path[0]))
    if prop is not None:
        owner = _owner_at({path[0]: top}, path)
        assert owner is not None
        owner[prop] = None
    return {path[0]: top}


def _probe(
    contract: Metadata,
    facet: str,
    option: Finding,
    state: JSONObject,
    patch: Request,
    path: str,
    controls: dict[tuple[str, ...], int],
) -> tuple[str, str]:
    """("lacking" | "present" | "unseen", where) for one candidate."""
    for site in sites(contract, facet, option.type_name):
        owner = _owner_at(state, site)
        if owner is None:
            continue
        where = ".".join(site) or "the entity"
        if option.prop in owner:
            return "present", where
        status, _ = patch("PATCH", path, _body_with(state, site, option.prop))
        if status != 400:
            return "present", where
        key = site[:1]
        if key not in controls:
            control = _body_with(state, site, None)
            controls[key] = patch("PATCH", path, control)[0] if control else 200
        return ("lacking" if controls[key] == 200 else "present"), where
    return "unseen", ""


def learn_from_answers(
    contract: Metadata,
    facet: str,
    clouds: list[tuple[str, Metadata]],
    state: JSONObject,
    patch: Request,
    path: str,
) -> list[Finding]:
    """The candidates (properties some other cloud's metadata lacks) the target lacks,
    learned from its position ``state`` (a GET answer) and, for each candidate that answer
    does not carry where its owner object is, a PATCH setting it to null (refused, 400)
    beside the same body without it (accepted, 200). A candidate with no such place on this
    position (its owner null or empty) is taken as lacking only when the target lacks every
    property that cloud lacks which could be observed: it keeps that cloud's schema."""
    options = candidates(contract, (cloud for _, cloud in clouds), facet)
    controls: dict[tuple[str, ...], int] = {}
    outcome: dict[str, tuple[str, str]] = {
        option.name: _probe(contract, facet, option, state, patch, path, controls)
        for option in options
    }
    evidence = (
        "the position's GET does not carry it at {where}, and a PATCH setting it to null was "
        "answered 400 while the same body without it was answered 200"
    )
    found = {
        o.name: Finding(o.type_name, o.prop, "lacking", evidence.format(where=outcome[o.name][1]))
        for o in options
        if outcome[o.name][0] == "lacking"
    }
    for label, cloud in clouds:
        theirs = candidates(contract, [cloud], facet)
        seen = [f.name for f in theirs if outcome.get(f.name, ("unseen",))[0] != "unseen"]
        if not seen or any(outcome[name][0] != "lacking" for name in seen):
            continue
        for f in theirs:
            if f.name not in found and outcome.get(f.name, ("unseen",))[0] == "unseen":
                found[f.name] = Finding(
                    f.type_name,
                    f.prop,
                    "lacking",
                    f"no value on the position shows where it goes; the service lacks each of "
                    f"the {len(seen)} properties {label} lacks that could be checked, so it "
                    "keeps that schema",
                )
    return [found[o.name] for o in options if o.name in found]


# -- the run's contract ------------------------------------------------------------------------


def _type_elements(root: ET.Element) -> dict[str, ET.Element]:
    """The EntityType, ComplexType and EnumType elements of a document by simple name."""
    kinds = {f"{{{EDM_NS}}}{kind}" for kind in ("EntityType", "ComplexType", "EnumType")}
    return {
        element.get("Name", ""): element
        for schema in root.iter(f"{{{EDM_NS}}}Schema")
        for element in schema
        if element.tag in kinds
    }


def _referenced(element: ET.Element) -> list[str]:
    """The simple names of the non-Edm types a property or type element refers to."""
    refs = [element.get("Type", ""), element.get("BaseType", "")]
    refs += [prop.get("Type", "") for prop in element.findall(f"{{{EDM_NS}}}Property")]
    out = []
    for ref in refs:
        inner = ref[len("Collection(") : -1] if ref.startswith("Collection(") else ref
        if inner and not inner.startswith("Edm."):
            out.append(inner.rpartition(".")[2])
    return out


def run_csdl(
    source: Path,
    contract: Metadata,
    findings: Iterable[Finding],
    out: Path,
    target_document: bytes | None = None,
) -> Path:
    """Write the run's document to ``out``: ``source`` without the ``lacking`` properties
    (removed from the type in each one's lineage that declares it) and, given the target's
    own document, with the ``extra`` properties it declares (and the types they need), so
    the service's answers carrying them are read as its schema says."""
    findings = list(findings)
    # a retyped property is read as the target's own document types it, when there is one
    retyped = [f for f in findings if f.kind == "retyped"] if target_document else []
    remove: set[tuple[str, str]] = set()
    for finding in findings:
        if finding.lacking or finding in retyped:
            for spec in contract.lineage(finding.type_name):
                if finding.prop in spec.properties:
                    remove.add((spec.name, finding.prop))
    ET.register_namespace("edmx", EDMX_NS)
    ET.register_namespace("", EDM_NS)
    try:
        tree = ET.parse(source)
    except (OSError, ET.ParseError) as exc:
        raise ContractDataError(f"cannot read metadata {source}: {exc}") from exc
    ours = _type_elements(tree.getroot())
    for owner, element in ours.items():
        for prop in list(element.findall(f"{{{EDM_NS}}}Property")):
            if (owner, prop.get("Name", "")) in remove:
                element.remove(prop)
    extras = [f for f in findings if f.kind == "extra"]
    if target_document is not None and (extras or retyped):
        target = ET.fromstring(target_document)
        theirs = read_csdl(target_document, name="the target's $metadata")
        moved = [
            Finding(_declaring(theirs, f.type_name, f.prop), f.prop, f.kind, f.evidence)
            for f in retyped
        ]
        _add_extras(tree.getroot(), ours, target, extras + moved)
    tree.write(out, encoding="utf-8", xml_declaration=True)
    read_csdl(out)
    return out


def _add_extras(
    root: ET.Element, ours: dict[str, ET.Element], target: ET.Element, extras: list[Finding]
) -> None:
    theirs = _type_elements(target)
    schema = next(root.iter(f"{{{EDM_NS}}}Schema"))
    needed: list[str] = []
    for finding in extras:
        holder, declared = ours.get(finding.type_name), theirs.get(finding.type_name)
        if holder is None or declared is None:
            continue
        for prop in declared.findall(f"{{{EDM_NS}}}Property"):
            if prop.get("Name") == finding.prop:
                holder.append(copy.deepcopy(prop))
                needed += _referenced(prop)
    while needed:
        name = needed.pop()
        if name in ours or name not in theirs:
            continue
        ours[name] = copy.deepcopy(theirs[name])
        schema.append(ours[name])
        needed += _referenced(ours[name])


def write_findings(findings: Iterable[Finding], how: str, out: Path) -> Path:
    out.write_text(
        json.dumps({"how": how, "findings": [f.record() for f in findings]}, indent=1),
        encoding="utf-8",
    )
    return out


def read_findings(path: str | None) -> dict[str, Any]:
    """The findings file ``run`` wrote ({} when none or unreadable)."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
