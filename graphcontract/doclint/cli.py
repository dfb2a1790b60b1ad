"""The ``doc-lint`` subcommand: lint Graph reference pages, print findings, exit 0/1/2.

``graphcontract doc-lint PAGE.md [PAGE2.md …] [--format text|json] [--output FILE]``.
Exit 0 without findings, 1 with findings, 2 (``UsageError``) for a missing or unreadable page
or a file that is not a Graph API page about the contract's entity. With several pages of the
same API, the first one is the baseline and the others are compared with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from graphcontract.contract import load_contract
from graphcontract.doclint import lint_pages
from graphcontract.doclint.finding import Finding
from graphcontract.doclint.page import load_page
from graphcontract.errors import HarnessError, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "pages",
        nargs="+",
        metavar="PAGE",
        help="Graph API reference page in markdown (any extension); the first page of an API is "
        "the baseline the others are compared with",
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--output", metavar="FILE", help="write the findings to FILE (default: stdout)"
    )


def render_text(findings: Sequence[Finding], pages: Sequence[str]) -> str:
    lines = [f"{f.page}:{f.line}: {f.kind}: {' '.join(f.message.split())}" for f in findings]
    noun = "finding" if len(findings) == 1 else "findings"
    lines.append(f"{len(findings)} {noun} in {len(pages)} page{'' if len(pages) == 1 else 's'}")
    return "\n".join(lines) + "\n"


def render_json(findings: Sequence[Finding], pages: Sequence[str]) -> str:
    document = {
        "pages": list(pages),
        "findings": [f.to_dict() for f in findings],
        "count": len(findings),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    contract = load_contract()
    pages = [load_page(path) for path in args.pages]
    findings = lint_pages(contract, pages)
    render = render_json if args.format == "json" else render_text
    output = render(findings, [page.path for page in pages])
    if args.output:
        try:
            Path(args.output).write_text(output, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(output)
    return 1 if findings else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (``python -m graphcontract.doclint.cli``)."""
    parser = argparse.ArgumentParser(
        prog="graphcontract doc-lint", description=(__doc__ or "").splitlines()[0]
    )
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return run(args)
    except HarnessError as exc:
        print(f"graphcontract doc-lint: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
