"""Wiring only: the graphcontract pytest plugin and the Hypothesis profiles."""

from __future__ import annotations

from graphcontract.profiles import register_profiles

pytest_plugins = ["graphcontract.plugin"]

register_profiles()
