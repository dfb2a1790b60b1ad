"""``python -m graphcontract`` runs the CLI."""

from __future__ import annotations

from graphcontract.cli import entry

entry()
