"""Oracles: plain functions judging one clause each and returning a Verdict."""
