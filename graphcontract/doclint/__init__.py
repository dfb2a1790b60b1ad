"""``graphcontract doc-lint``: check Graph API reference pages against the contract.

``page`` parses a page in its markdown form, ``blocks`` reads its code blocks and examples,
``checks`` holds the per-page rules and
``Finding``, ``diff`` compares pages of the same API, ``cli`` is the subcommand.
``lint_pages`` (here) runs everything for a list of parsed pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphcontract.contract import Contract
from graphcontract.doclint.checks import example_findings, page_findings, subject_of
from graphcontract.doclint.diff import compare_pages
from graphcontract.doclint.finding import Finding
from graphcontract.doclint.page import Page, load_page, parse_page

__all__ = ["Finding", "example_findings", "lint_pages", "load_page", "parse_page"]


def lint_pages(contract: Contract, pages: Sequence[Page]) -> list[Finding]:
    """Each page's own findings, then how later pages of an API differ from the first one.

    Pages document the same API when they document the same type in the same way (a resource
    page, or operation pages with the same HTTP methods). Findings are sorted by the order of
    ``pages``, then line.
    """
    subjects = [subject_of(contract, page) for page in pages]
    findings: list[Finding] = []
    baselines: dict[tuple[str, str, tuple[str, ...]], Page] = {}
    for page, subject in zip(pages, subjects, strict=True):
        findings += page_findings(contract, page, subject)
        methods = page.methods if subject.kind != "resource" else ()
        key = (subject.kind, subject.type.name, methods)
        if key in baselines:
            findings += compare_pages(contract, baselines[key], page)
        else:
            baselines[key] = page
    order = {page.path: index for index, page in enumerate(pages)}
    return sorted(findings, key=lambda f: (order.get(f.page, len(order)), f.line, f.kind))
