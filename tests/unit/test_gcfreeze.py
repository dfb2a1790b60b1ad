"""graphcontract.runner.gcfreeze: what collection left alive is frozen before the first test,
the young generation is collected after 100,000 allocations, and the ``graphcontract run``
command adds the plugin to the suite's pytest arguments."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap

from graphcontract.runner import cli
from graphcontract.runner.config import RunConfig


def test_objects_alive_after_collection_are_frozen_and_collections_are_rare(tmp_path):
    (tmp_path / "test_probe.py").write_text(
        textwrap.dedent(
            """
            import gc

            def test_frozen():
                assert gc.get_freeze_count() > 10_000

            def test_collected_rarely():
                assert gc.get_threshold() == (100_000, 10, 10)
            """
        ),
        encoding="utf-8",
    )
    plain = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
    frozen = subprocess.run(
        [*plain, "-p", "graphcontract.runner.gcfreeze"], capture_output=True, text=True, check=False
    )
    assert frozen.returncode == 0, frozen.stdout
    unfrozen = subprocess.run(plain, capture_output=True, text=True, check=False)
    assert unfrozen.returncode == 1, unfrozen.stdout
    assert "2 failed" in unfrozen.stdout, unfrozen.stdout


def test_the_run_command_adds_the_plugin():
    config = RunConfig(base_url="http://127.0.0.1:8000", run_id="r1")
    options = argparse.Namespace(profile="ci", workers=1, pytest_args=[], verbose=False)
    argv = cli.pytest_arguments(config, options, label="mock", readonly_env=None)
    plugins = [argv[i + 1] for i, word in enumerate(argv[:-1]) if word == "-p"]
    assert "graphcontract.runner.gcfreeze" in plugins
