"""runner.lock.target_lock: one example at a time per position, across processes, with a
generation counter that tells a process whether anyone else wrote in between."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from graphcontract.runner.lock import COUNTER_WIDTH, lock_path, target_lock


def fresh_target() -> SimpleNamespace:
    """A stand-in with what target_lock reads; a new position id means a new lock file."""
    client = SimpleNamespace(base_url="http://127.0.0.1:9")
    return SimpleNamespace(client=client, position_id=f"lock-test-{uuid.uuid4().hex}")


def lock_file(target: SimpleNamespace) -> Path:
    """Take the lock once (generation 1) and return its file, which must be new, in the
    temporary folder (other processes, xdist workers included, create theirs beside it)."""
    path = lock_path(target)  # type: ignore[arg-type]
    assert not path.exists()
    with target_lock(target):  # type: ignore[arg-type]
        pass
    assert path.exists()
    assert path.parent == Path(tempfile.gettempdir())
    return path


def test_generation_counts_every_example_and_is_kept_in_the_file():
    target = fresh_target()
    path = lock_file(target)  # generation 1
    seen = []
    for _ in range(3):
        with target_lock(target) as generation:  # type: ignore[arg-type]
            seen.append(generation[0])
    assert seen == [2, 3, 4]
    assert path.read_text(encoding="ascii") == "4".zfill(COUNTER_WIDTH)


def test_another_process_examples_show_in_the_generation():
    target = fresh_target()
    path = lock_file(target)  # generation 1
    code = textwrap.dedent(
        f"""
        from types import SimpleNamespace
        from graphcontract.runner.lock import target_lock
        target = SimpleNamespace(client=SimpleNamespace(base_url={target.client.base_url!r}),
                                 position_id={target.position_id!r})
        for _ in range(5):
            with target_lock(target):
                pass
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    with target_lock(target) as generation:  # type: ignore[arg-type]
        assert generation[0] == 7, path.read_text(encoding="ascii")


def test_a_held_lock_makes_the_next_example_wait(tmp_path):
    target = fresh_target()
    lock_file(target)
    held, released = tmp_path / "held", tmp_path / "released"
    code = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from types import SimpleNamespace
        from graphcontract.runner.lock import target_lock
        target = SimpleNamespace(client=SimpleNamespace(base_url={target.client.base_url!r}),
                                 position_id={target.position_id!r})
        with target_lock(target):
            Path({str(held)!r}).touch()
            time.sleep(0.5)
            Path({str(released)!r}).touch()
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        while not held.exists():
            assert holder.poll() is None, "the lock holder exited early"
            assert time.monotonic() < deadline, "the lock holder never took the lock"
            time.sleep(0.01)
        with target_lock(target):  # type: ignore[arg-type]
            # Only reachable once the holder let go, which it does after writing `released`.
            assert released.exists()
    finally:
        holder.wait(timeout=60)
    assert holder.returncode == 0


def test_a_removed_lock_file_is_created_again_and_locked_there():
    target = fresh_target()
    path = lock_file(target)  # generation 1
    path.unlink()
    with target_lock(target) as generation:  # type: ignore[arg-type]
        assert path.exists()
        assert generation[0] == 1  # a new file, a new count
    assert path.read_text(encoding="ascii") == "1".zfill(COUNTER_WIDTH)
