"""``python -m graphcontract.bench …`` is ``graphcontract bench …``."""

from __future__ import annotations

import sys

from graphcontract.cli import entry

if __name__ == "__main__":
    entry(["bench", *sys.argv[1:]])
