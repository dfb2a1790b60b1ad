"""Generate the bundled profile subsets of Graph beta's CSDL (``contracts/metadata/``).

``python -m graphcontract.csdl_subset [--reference DIR]`` reads the reference facts (by
default ``../shared/reference`` of the checkout) and writes:

- ``profile-beta-usnat.xml``: from the national cloud's complete ``$metadata``
  (``graph-metadata/beta-USNat.csdl``), the ``profile`` entity, ``itemFacet`` and every type
  derived from it, and every base, complex and enum type they reach; nothing else changed.
- ``profile-beta.xml``: the same subset brought to Prod beta: each property of
  ``graph_types.json`` (compiled from Prod's CSDL) replaces or adds to the national cloud's;
  each property name ``graph-metadata/prod-beta-profile-names.json`` lists that the subset
  lacks is added, typed by the type's resource page in ``graph-docs/`` or else by the
  same-named property of another profile type; entity types Prod does not list are dropped,
  and types no longer reached with them. What none of these files gives is ``PROD_FACTS``.
- ``facets.json``: for each facet's Update page, the properties its Request body table lists
  (the updatable ones).

Provenance is in contracts/README.md; rerunning gives the same files.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graphcontract.csdl import EDM_NS, EDMX_NS, read_csdl
from graphcontract.doclint.page import load_page
from graphcontract.errors import ContractDataError

OWNER = "profile"
FACET_BASE = "itemFacet"
EDM_FROM_DOCS = {
    "String": "Edm.String",
    "Boolean": "Edm.Boolean",
    "Int32": "Edm.Int32",
    "Double": "Edm.Double",
    "Date": "Edm.Date",
    "DateTimeOffset": "Edm.DateTimeOffset",
}
PROD_FACTS: dict[str, Any] = {
    "navigation": {
        # graph-metadata/README.md: Prod names the anniversaries facet personAnnualEvent;
        # personannualevent.md's Methods table lists it under the anniversaries property.
        ("profile", "anniversaries"): "personAnnualEvent",
    },
    "types": {
        # personannualevent.md types it anniversaryType; Prod's enum for it is
        # personAnnualEventType (prod-beta-profile-names.json, graph-metadata/README.md).
        ("personAnnualEvent", "type"): "personAnnualEventType",
    },
    "bases": {"personAnnualEvent": FACET_BASE},
    # Member names: prod-beta-profile-names.json; values: the order personannualevent.md
    # lists them in (CSDL 4.01 section 10.3.2 numbers members without a Value so).
    "enums": {
        "personAnnualEventType": ["birthday", "wedding", "work", "other", "unknownFutureValue"]
    },
}

ET.register_namespace("edmx", EDMX_NS)
ET.register_namespace("", EDM_NS)


def _q(tag: str) -> str:
    return f"{{{EDM_NS}}}{tag}"


def _graph(name: str) -> str:
    return name if name.startswith("Edm.") else f"graph.{name}"


def _type_text(name: str, collection: bool) -> str:
    return f"Collection({_graph(name)})" if collection else _graph(name)


def _selected(source: Path) -> list[str]:
    """Names of the types the profile subset keeps, in the order the document declares them."""
    metadata = read_csdl(source)
    wanted = {
        OWNER,
        FACET_BASE,
        *metadata.derived(FACET_BASE),
        *metadata.containment(OWNER).values(),
    }
    queue = list(wanted)
    while queue:
        name = queue.pop()
        spec = metadata.types.get(name)
        if spec is None:
            continue
        reached = [p.type_name for p in spec.properties.values()]
        reached += [n.type_name for n in spec.navigation.values() if n.contains_target]
        reached += [spec.base] if spec.base else []
        for other in reached:
            if other and not other.startswith("Edm.") and other not in wanted:
                wanted.add(other)
                queue.append(other)
    order = [*metadata.enums, *metadata.types]
    return [name for name in order if name in wanted]


def subset_tree(source: Path) -> ET.Element:
    """The national cloud's profile subset as a CSDL document."""
    keep = set(_selected(source))
    root = ET.parse(source).getroot()
    out_root = ET.Element(f"{{{EDMX_NS}}}Edmx", {"Version": root.get("Version", "4.0")})
    services = ET.SubElement(out_root, f"{{{EDMX_NS}}}DataServices")
    for schema in root.iter(_q("Schema")):
        if schema.get("Namespace") != "microsoft.graph":
            continue
        out = ET.SubElement(services, _q("Schema"), dict(schema.attrib))
        for element in schema:
            declares = element.tag in {_q(t) for t in ("EntityType", "ComplexType", "EnumType")}
            if declares and element.get("Name") in keep:
                copied = copy.deepcopy(element)
                for nav in copied.findall(_q("NavigationProperty")):
                    if nav.get("ContainsTarget", "false") != "true":
                        copied.remove(nav)
                out.append(copied)
    return out_root


def prod_tree(usnat: ET.Element, reference: Path) -> ET.Element:
    """The subset brought to Prod beta (see the module docstring)."""
    tree = copy.deepcopy(usnat)
    schema = tree.find(f"{{{EDMX_NS}}}DataServices/{_q('Schema')}")
    if schema is None:
        raise ContractDataError("the subset has no Schema")
    compiled = json.loads((reference / "graph_types.json").read_text(encoding="utf-8"))
    names = json.loads(
        (reference / "graph-metadata" / "prod-beta-profile-names.json").read_text(encoding="utf-8")
    )
    elements = {e.get("Name", ""): e for e in schema}
    # 1. Prod CSDL facts compiled in graph_types.json win over the national cloud's.
    for kind, section in (("EntityType", "entities"), ("ComplexType", "complexTypes")):
        for name, raw in compiled[section].items():
            element = elements.get(name)
            if element is None:
                element = _new_type(schema, elements, kind, name, raw.get("baseType"))
                if raw.get("openType"):
                    element.set("OpenType", "true")
            for prop_name, prop in raw["properties"].items():
                type_name = prop["type"].removeprefix("microsoft.graph.")
                _set_property(element, prop_name, type_name, prop["collection"], prop["nullable"])
    # 2. Prod's property names: add what is missing, typed by the pages or by a namesake.
    for section, kind in (("entityTypes", "EntityType"), ("complexTypes", "ComplexType")):
        for name, listed in names[section].items():
            element = elements.get(name) or _new_type(
                schema, elements, kind, name, PROD_FACTS["bases"].get(name)
            )
            have = {p.get("Name") for p in element.findall(_q("Property"))}
            for prop_name in listed["properties"]:
                if prop_name not in have:
                    type_name, collection = _typed(reference, schema, name, prop_name)
                    _set_property(element, prop_name, type_name, collection, True)
    for (owner, nav_name), target in PROD_FACTS["navigation"].items():
        for nav in elements[owner].findall(_q("NavigationProperty")):
            if nav.get("Name") == nav_name:
                nav.set("Type", f"Collection(graph.{target})")
    for enum_name, members in PROD_FACTS["enums"].items():
        enum = _new_type(schema, elements, "EnumType", enum_name, None)
        for value, member in enumerate(members):
            ET.SubElement(enum, _q("Member"), {"Name": member, "Value": str(value)})
    # 3. Entity types Prod does not have, and what only they reached.
    listed_entities = set(names["entityTypes"])
    for name, element in list(elements.items()):
        if element.tag == _q("EntityType") and name not in listed_entities:
            schema.remove(element)
            del elements[name]
    _drop_unreached(schema)
    return tree


def _typed(reference: Path, schema: ET.Element, owner: str, prop_name: str) -> tuple[str, bool]:
    fixed = PROD_FACTS["types"].get((owner, prop_name))
    if fixed:
        return fixed, False
    page = reference / "graph-docs" / f"{owner.lower()}.md"
    if page.is_file():
        for row in load_page(page).property_rows:
            if row.name == prop_name and row.type_name in EDM_FROM_DOCS:
                return EDM_FROM_DOCS[row.type_name], row.collection
    namesakes = {
        p.get("Type", "") for p in schema.iter(_q("Property")) if p.get("Name") == prop_name
    }
    if len(namesakes) == 1:
        text = namesakes.pop()
        collection = text.startswith("Collection(")
        inner = text.removeprefix("Collection(").removesuffix(")").removeprefix("graph.")
        return inner, collection
    raise ContractDataError(f"no source types Prod's {owner}.{prop_name}")


def _new_type(
    schema: ET.Element, elements: dict[str, ET.Element], kind: str, name: str, base: str | None
) -> ET.Element:
    attrs = {"Name": name}
    if base:
        attrs["BaseType"] = "graph." + base.removeprefix("microsoft.graph.")
    element = ET.Element(_q(kind), attrs)
    # After the last declaration of the same kind whose name sorts before it.
    position = len(schema)
    for index, other in enumerate(schema):
        if other.tag == _q(kind) and other.get("Name", "").casefold() < name.casefold():
            position = index + 1
    schema.insert(position, element)
    elements[name] = element
    return element


def _set_property(
    element: ET.Element, name: str, type_name: str, collection: bool, nullable: bool
) -> None:
    attrs = {"Name": name, "Type": _type_text(type_name, collection)}
    if not nullable:
        attrs["Nullable"] = "false"
    props = element.findall(_q("Property"))
    for prop in props:
        if prop.get("Name") == name:
            prop.attrib.clear()
            prop.attrib.update(attrs)
            return
    index = 0
    for position, child in enumerate(element):
        if child.tag == _q("Key"):
            index = position + 1
        if child.tag == _q("Property") and child.get("Name", "").casefold() < name.casefold():
            index = position + 1
    element.insert(index, ET.Element(_q("Property"), attrs))


def _drop_unreached(schema: ET.Element) -> None:
    """Remove complex and enum types no kept entity type reaches."""
    while True:
        used = set()
        for element in schema:
            if element.get("BaseType"):
                used.add(element.get("BaseType", "").removeprefix("graph."))
            for child in element:
                text = child.get("Type", "")
                used.add(text.removeprefix("Collection(").removesuffix(")").removeprefix("graph."))
        dropped = [
            e
            for e in schema
            if e.tag in {_q("ComplexType"), _q("EnumType")} and e.get("Name") not in used
        ]
        if not dropped:
            return
        for element in dropped:
            schema.remove(element)


def facets_json(reference: Path, metadata_files: Sequence[Path]) -> dict[str, Any]:
    """Each facet's Update page and the properties its Request body table lists."""
    facets: dict[str, Any] = {}
    for path in metadata_files:
        metadata = read_csdl(path)
        segments = {entity: segment for segment, entity in metadata.containment(OWNER).items()}
        for entity in metadata.derived(FACET_BASE):
            page = reference / "graph-docs" / f"{entity.lower()}-update.md"
            if entity in facets or not page.is_file():
                continue
            facets[entity] = {
                "segment": segments.get(entity),
                "updatePage": page.name,
                "updatable": [row.name for row in load_page(page).property_rows],
            }
    return {
        "$comment": "Generated by `python -m graphcontract.csdl_subset` from the facets' Update "
        "pages (graph-docs/*-update.md): the properties each Request body table lists; segment: "
        "profile's containment navigation property (null: profile has none for the type).",
        "facets": dict(sorted(facets.items())),
    }


def _write_xml(tree: ET.Element, path: Path, note: str) -> None:
    ET.indent(tree, space="  ")
    body = ET.tostring(tree, encoding="unicode")
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?>\n<!-- {note} -->\n{body}\n', encoding="utf-8"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphcontract.csdl_subset")
    parser.add_argument("--reference", type=Path, default=Path("../shared/reference"))
    parser.add_argument("--out", type=Path, default=None, help="default: contracts/metadata")
    args = parser.parse_args(argv)
    from graphcontract.contract import contracts_dir

    out: Path = args.out or contracts_dir() / "metadata"
    source = args.reference / "graph-metadata" / "beta-USNat.csdl"
    if not source.is_file():
        print(f"error: {source} not found (--reference DIR)", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    usnat = subset_tree(source)
    prod = prod_tree(usnat, args.reference)
    generated = (
        "Generated by `python -m graphcontract.csdl_subset`; provenance in contracts/README.md."
    )
    _write_xml(usnat, out / "profile-beta-usnat.xml", f"{generated} Source: beta-USNat.csdl.")
    _write_xml(prod, out / "profile-beta.xml", f"{generated} Graph beta (Prod), profile subset.")
    facets = facets_json(args.reference, [out / "profile-beta.xml", out / "profile-beta-usnat.xml"])
    (out / "facets.json").write_text(json.dumps(facets, indent=1) + "\n", encoding="utf-8")
    for name in ("profile-beta.xml", "profile-beta-usnat.xml", "facets.json"):
        print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
