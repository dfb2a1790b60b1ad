"""``python -m graphcontract.fuzz …`` is ``graphcontract fuzz …``."""

from __future__ import annotations

import sys

from graphcontract.cli import main

if __name__ == "__main__":
    sys.exit(main(["fuzz", *sys.argv[1:]]))
