"""``python -m graphcontract.bench``: the bench without the top-level dispatcher."""

from __future__ import annotations

import argparse
import sys

from graphcontract.bench.cli import add_arguments, run
from graphcontract.errors import HarnessError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="graphcontract bench", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except HarnessError as exc:
        print(f"graphcontract bench: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
