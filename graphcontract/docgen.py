"""The reference pages of docs/ that are generated from the code and data they describe.

``docs/clauses.md`` comes from the clause catalog (contracts/clauses.yaml, through
``load_contract``), ``docs/mock-faults.md`` from the reference mock's fault registry
(``graphcontract.mock.faults.FAULTS``) and its gray-zone choices (``GrayChoices``), and
``docs/doc-lint-kinds.md`` from ``FINDING_KINDS``, so none can drift from what the harness
does. ``python -m graphcontract.docgen`` rewrites them; ``--check`` only reports which are
stale (exit 1), as the test suite does.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import itertools
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from graphcontract.contract import Clause, load_contract
from graphcontract.doclint.kinds import FINDING_KINDS
from graphcontract.mock import gray as gray_module
from graphcontract.mock.faults import FAULTS
from graphcontract.mock.gray import GrayChoices

COMMAND = "python -m graphcontract.docgen"
LEVELS = {
    "must": "a violation fails the run (exit 1)",
    "observe": "a gray zone: what the service does is recorded in the report, never failed "
    "(a `--policy` setting can pin some of them)",
    "doc": "a finding about the documentation's own examples, reported apart; never fails a run",
}


def _header(source: str) -> list[str]:
    return [
        f"<!-- Generated from {source} by `{COMMAND}`; do not edit by hand. -->",
        "",
    ]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def clauses_markdown() -> str:
    """docs/clauses.md: every clause of the catalog, its level, statement, source, and the
    reference mock's faults that break it."""
    contract = load_contract()
    clauses = list(contract.clauses.values())
    counts = {level: sum(c.level == level for c in clauses) for level in LEVELS}
    lines = _header("contracts/clauses.yaml")
    lines += [
        "# Clause reference",
        "",
        f"Every behaviour graphcontract checks is a **clause** with a stable id (used in "
        f"reports, JUnit names and `--clause`), a level and the source it comes from. "
        f"{len(clauses)} clauses: "
        + ", ".join(f"{counts[level]} {level}" for level in LEVELS)
        + ".",
        "",
        "| level | meaning |",
        "|---|---|",
        *(f"| **{level}** | {meaning} |" for level, meaning in LEVELS.items()),
        "",
        "A **must clause** is one of level must: `graphcontract run` exits 0 when every must "
        "clause held, 1 when one failed, 2 when the harness could not judge (bad configuration "
        "or an unhealthy target). A must clause that needs configuration the run was not "
        "given is reported `skipped`, not failed.",
        "",
        "How the clauses are probed (which bodies, which sequences) is in "
        "[checks.md](checks.md); the faults named below are the reference mock's "
        "([mock-faults.md](mock-faults.md)).",
        "",
        "| id | level | title |",
        "|---|---|---|",
        *(f"| [`{c.id}`](#{_anchor(c.id)}) | {c.level} | {_cell(c.title)} |" for c in clauses),
        "",
    ]
    for clause in clauses:
        lines += _clause_section(clause)
    return "\n".join(lines).rstrip("\n") + "\n"


def _anchor(clause_id: str) -> str:
    """GitHub's heading anchor for a heading that is just the clause id."""
    return "".join(ch for ch in clause_id.lower() if ch.isalnum() or ch in "-_")


def _clause_section(clause: Clause) -> list[str]:
    source = clause.source
    breaking = sorted(name for name, fault in FAULTS.items() if clause.id in fault.breaks)
    lines = [
        f"## {clause.id}",
        "",
        f"**{clause.level}** — {_cell(clause.title)}",
        "",
        _cell(clause.statement),
        "",
        f"Source: {source.page}, section “{_cell(source.section)}”: {_cell(source.row)}",
        "",
    ]
    if breaking:
        lines += [f"Broken by: {', '.join(f'`{name}`' for name in breaking)}", ""]
    return lines


def _field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of a dataclass (they are not kept at run time)."""
    tree = ast.parse(inspect.getsource(gray_module))
    (node,) = (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
    docs: dict[str, str] = {}
    body = node.body
    for field_node, after in itertools.pairwise(body):
        if (
            isinstance(field_node, ast.AnnAssign)
            and isinstance(field_node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            text = inspect.cleandoc(after.value.value).replace("``", "`")
            docs[field_node.target.id] = _CONSTANT_ITEM.sub(_constant_item, text)
    return docs


_CONSTANT_ITEM = re.compile(r"\b([A-Z][A-Z_]+)\[(\d+)\]")
"""A docstring's ``NAME[i]``: an item of a module constant, shown as its value."""


def _constant_item(match: re.Match[str]) -> str:
    return f"{getattr(gray_module, match[1])[int(match[2])]:,}"


def faults_markdown() -> str:
    """docs/mock-faults.md: every fault of the reference mock and every gray-zone choice."""
    lines = _header("graphcontract/mock/faults.py and graphcontract/mock/gray.py")
    lines += [
        "# The reference mock's faults and gray-zone choices",
        "",
        f"`graphcontract mock --fault NAME` serves the reference mock with one of these "
        f"{len(FAULTS)} faults; faults combine (`--fault A B` or `--fault A --fault B`). Each "
        "breaks the clauses in its *breaks* column; *may also break* lists the clauses a "
        "knock-on effect may fail as well. The harness's own tests run `graphcontract run` "
        "against every fault and require exactly that (see [mock.md](mock.md)).",
        "",
        "*State machine alone* says whether the contract suite's sequence test, run with "
        "nothing else, finds the fault (one of its *breaks* clauses fails), and when not, "
        "why, and which dedicated case does. A fault *in the history of writes* is one a "
        "single write cannot show; the harness's own tests run the state machine alone "
        "against each of them (`graphcontract bench --only statemachine` measures every fault).",
        "",
        "| fault | what the mock does wrong | breaks | may also break | state machine alone |",
        "|---|---|---|---|---|",
    ]
    for fault in FAULTS.values():
        breaks = ", ".join(f"`{c}`" for c in sorted(fault.breaks))
        also = ", ".join(f"`{c}`" for c in sorted(fault.may_also_break)) or "—"
        machine = (
            fault.machine_misses
            if fault.machine_misses
            else f"yes, in the history of writes: {fault.history}"
            if fault.history
            else "yes"
        )
        lines.append(
            f"| `{fault.name}` | {_cell(fault.description)} | {breaks} | {also} "
            f"| {_cell(machine)} |"
        )
    reference, flipped = GrayChoices(), GrayChoices().flipped()
    docs = _field_docs(GrayChoices)
    lines += [
        "",
        "## Gray-zone choices",
        "",
        "Where the documentation lets a service go either way, the mock makes one choice "
        "(*reference*). `--variant gray` takes the other side of every one (*gray*); "
        "`--gray KEY=VALUE` pins one choice over the variant. The harness passes both "
        "variants; its own tests prove every must clause holds on each.",
        "",
        "| key | reference | gray | what it decides |",
        "|---|---|---|---|",
    ]
    for field in dataclasses.fields(GrayChoices):
        name = field.name
        lines.append(
            f"| `{name}` | `{_cell(str(getattr(reference, name)))}` | "
            f"`{_cell(str(getattr(flipped, name)))}` | {_cell(docs.get(name, ''))} |"
        )
    return "\n".join(lines + _sites_markdown()) + "\n"


def _sites_markdown() -> list[str]:
    """Per fault that acts on some properties, the facets where it has no site."""
    from graphcontract.mock.facets import served_facets
    from graphcontract.mock.fault_sites import acts_on_properties, fault_sites

    facets = served_facets()
    lines = [
        "",
        "## Where each fault acts",
        "",
        f"The mock serves {len(facets)} facets (`graphcontract/mock/facets.py`), and every "
        "fault acts on each facet that has a site for it (`graphcontract/mock/fault_sites.py`): "
        "`nested-replace` on each complex value a client writes, the enum faults on the enum "
        "sites of their clause, the collection faults on each collection. On a facet without "
        "a site the fault is a no-op. The faults not listed here act on every facet's paths.",
        "",
        "| fault | facets with a site | facets without one |",
        "|---|---|---|",
    ]
    for fault in FAULTS:
        if not acts_on_properties(fault):
            continue
        without = sorted(f.name for f in facets if not fault_sites(fault, f.contract))
        names = ", ".join(without) or "—"
        lines.append(f"| `{fault}` | {len(facets) - len(without)} | {names} |")
    return lines


def finding_kinds_markdown() -> str:
    """docs/doc-lint-kinds.md: every kind of ``graphcontract doc-lint`` finding."""
    lines = _header("graphcontract/doclint/kinds.py")
    lines += [
        "# doc-lint finding kinds",
        "",
        "Every finding of `graphcontract doc-lint` has one of these kinds "
        "(see [doc-lint.md](doc-lint.md)).",
        "",
        "| kind | what it means |",
        "|---|---|",
        *(f"| `{kind}` | {_cell(meaning)} |" for kind, meaning in FINDING_KINDS.items()),
    ]
    return "\n".join(lines) + "\n"


GENERATED: dict[str, Callable[[], str]] = {
    "docs/clauses.md": clauses_markdown,
    "docs/mock-faults.md": faults_markdown,
    "docs/doc-lint-kinds.md": finding_kinds_markdown,
}
"""Each generated page (relative to the repository root) and what renders it."""


def repository_root() -> Path:
    return Path(__file__).resolve().parent.parent


def stale(root: Path | None = None) -> list[str]:
    """The generated pages whose committed text differs from a fresh rendering."""
    base = root or repository_root()
    out = []
    for relative, render in GENERATED.items():
        path = base / relative
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != render():
            out.append(relative)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="report stale pages (exit 1) without writing"
    )
    args = parser.parse_args(argv)
    base = repository_root()
    if not (base / "docs").is_dir():
        print(f"{COMMAND}: no docs/ folder next to the package (a source checkout is needed)")
        return 2
    if args.check:
        out_of_date = stale(base)
        for relative in out_of_date:
            print(f"{relative} is stale: run `{COMMAND}`")
        return 1 if out_of_date else 0
    for relative, render in GENERATED.items():
        (base / relative).write_text(render(), encoding="utf-8")
        print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
