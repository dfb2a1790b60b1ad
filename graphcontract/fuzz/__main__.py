"""``python -m graphcontract.fuzz`` = ``graphcontract fuzz`` (same arguments, same exit codes)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from graphcontract.errors import HarnessError
from graphcontract.fuzz import cli


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="graphcontract fuzz", description=cli.__doc__)
    cli.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cli.run(args)
    except HarnessError as exc:
        print(f"graphcontract: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("graphcontract: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
