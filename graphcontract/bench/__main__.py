"""``python -m graphcontract.bench …`` is ``graphcontract bench …``."""

from __future__ import annotations

import sys

from graphcontract.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
