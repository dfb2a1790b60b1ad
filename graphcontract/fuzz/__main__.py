"""``python -m graphcontract.fuzz …`` is ``graphcontract fuzz …``."""

from __future__ import annotations

import sys

from graphcontract.cli import entry

if __name__ == "__main__":
    entry(["fuzz", *sys.argv[1:]])
