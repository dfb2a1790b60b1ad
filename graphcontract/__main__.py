"""``python -m graphcontract`` runs the CLI."""

from __future__ import annotations

import sys

from graphcontract.cli import main

sys.exit(main())
