"""One example at a time per position, across processes: the lock file of a (target, position)
and the generation counter kept in it (a process tells by it whether anyone else touched the
position since its own last example).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphcontract.runner.target import Target

COUNTER_WIDTH = 20
"""The generation counter is written zero-padded to this width, so an update overwrites the
previous value in place (no truncate: on some filesystems it costs more than an example)."""
_LOCK_FDS: dict[Path, int] = {}
"""Lock files this process has open, one per (target, position): opened once, not per example."""


def _lock_fd(path: Path) -> int:
    fd = _LOCK_FDS.get(path)
    if fd is not None and os.fstat(fd).st_nlink == 0:
        # Someone removed the file (a tmp cleaner during a long campaign): other processes
        # would lock a new file, so this one must too.
        os.close(fd)
        fd = None
    if fd is None:
        fd = _LOCK_FDS[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return fd


def lock_path(target: Target) -> Path:
    """The lock file of one position of one target, shared by every process on the machine."""
    key = hashlib.sha256(f"{target.client.base_url}|{target.position_id}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"graphcontract-{key}.lock"


@contextmanager
def target_lock(target: Target) -> Iterator[list[int]]:
    """Serialise examples on one position across processes (xdist workers, parallel runs on
    one machine): each example's before/act/after/restore must not interleave with another's.

    Yields ``[generation]``: a counter kept in the lock file and bumped by every example, so a
    process can tell whether anyone else touched the position since its own last example."""
    fd = _lock_fd(lock_path(target))
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        text = os.pread(fd, COUNTER_WIDTH + 1, 0).decode("ascii", "replace").strip()
        generation = [int(text) + 1 if text.isdigit() else 1]
        os.pwrite(fd, str(generation[0]).zfill(COUNTER_WIDTH).encode(), 0)
        yield generation
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
