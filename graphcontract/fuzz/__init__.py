"""Fuzzing campaigns: ``graphcontract fuzz`` runs the contract suite with the ``fuzz`` profile
for a wall-clock budget across worker processes that share one Hypothesis example database
(a directory, or a Redis server for many machines), shows a live progress line, and writes a
campaign report next to the rounds' report.json files.

- :mod:`graphcontract.fuzz.cli`: the subcommand (validation, the campaign, the summary).
- :mod:`graphcontract.fuzz.campaign`: rounds of pytest in a child process group, stopping on
  the budget or on Ctrl-C / SIGTERM.
- :mod:`graphcontract.fuzz.plugin`: the pytest plugin inside each worker (time slices,
  guided generation, events, progress files).
- :mod:`graphcontract.fuzz.stats`: what a campaign exercised (properties, depths, enum members).
- :mod:`graphcontract.fuzz.database`: the shared example database (also ``--gc-database``).
- :mod:`graphcontract.fuzz.report`: campaign.json and campaign.md.
"""

from __future__ import annotations
