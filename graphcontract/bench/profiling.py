"""Where a ``graphcontract run`` spends its time: py-spy's collapsed stacks → cost buckets.

Record (py-spy is not a project dependency: ``pip install py-spy``)::

    py-spy record -r 250 --idle -f raw -o run.txt -- python -m graphcontract run
    python -m graphcontract.bench.profiling run.txt

Each sample goes to the FIRST bucket (in ``BUCKETS`` order) with a frame matching one of its
patterns, so "assert rewriting during an import" counts as rewriting, not as import, and an
HTTP request made inside a Hypothesis test counts as HTTP. ``--idle`` keeps the time spent
waiting for the server (socket reads), which is where a fast harness should spend it.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("waiting for the server (socket read)", ("SyncStream.read (",)),
    ("HTTP client work (httpx, httpcore, graphcontract.client)", ("GraphClient.request (",)),
    ("pytest assertion rewriting at import", ("_pytest/assertion/rewrite.py",)),
    ("imports (other)", ("_find_and_load (",)),
    ("pytest end-of-run gc.collect (unraisableexception)", ("gc_collect_harder (",)),
    ("Hypothesis strategy validation", ("SearchStrategy.validate (",)),
    ("oracles", ("graphcontract/oracles/",)),
    ("Hypothesis data generation (draws)", ("do_draw (", "ConjectureData.draw (")),
    ("reports (report.json/html)", ("graphcontract/report/",)),
    ("mock start/stop, probe, session set-up", ("MockProcess", "probe (", "gc_session (")),
    ("Hypothesis engine (other)", ("hypothesis/",)),
    ("pytest and pluggy (other)", ("_pytest/", "pluggy/")),
)
OTHER = "other"


def read_collapsed(lines: Iterable[str]) -> list[tuple[list[str], int]]:
    """``frame;frame;frame COUNT`` lines → (frames, count); `` COUNT`` has no Python frame."""
    stacks = []
    for line in lines:
        text, _, count = line.rstrip("\n").rpartition(" ")
        if count.isdigit():
            stacks.append((text.split(";") if text.strip() else [], int(count)))
    return stacks


def bucket_of(frames: list[str]) -> str:
    for name, patterns in BUCKETS:
        if any(pattern in frame for frame in frames for pattern in patterns):
            return name
    return OTHER


def breakdown(stacks: list[tuple[list[str], int]]) -> list[tuple[str, float]]:
    """(bucket, share of all samples), largest first."""
    total = sum(count for _, count in stacks)
    if not total:
        return []
    sizes: Counter[str] = Counter()
    for frames, count in stacks:
        sizes[bucket_of(frames)] += count
    return [(name, count / total) for name, count in sizes.most_common()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphcontract.bench.profiling")
    parser.add_argument("collapsed", type=Path, help="py-spy record -f raw output")
    args = parser.parse_args(argv)
    stacks = read_collapsed(args.collapsed.read_text(encoding="utf-8").splitlines())
    print(f"{sum(c for _, c in stacks)} samples")
    for name, share in breakdown(stacks):
        print(f"{100 * share:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
