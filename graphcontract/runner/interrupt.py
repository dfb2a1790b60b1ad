"""Stopping a run: Ctrl-C (SIGINT) and SIGTERM (what CI cancellation sends) both stop it the
same way, as a KeyboardInterrupt, so pytest winds the session down: the session fixture's
teardown restores the position and verifies it, the report says ``interrupted``, and the
exit status is 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []
"""The stop signals that arrived in this process, in order."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise KeyboardInterrupt


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM raise KeyboardInterrupt (remembering which came).
    Nothing changes outside the main thread, where signal handlers cannot be set."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous = {signum: signal.signal(signum, _on_signal) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupted_status() -> int:
    """The exit status of a stopped run: 128 + the first stop signal (130 when none was seen:
    a KeyboardInterrupt is Ctrl-C)."""
    return 128 + (_received[0] if _received else signal.SIGINT)


def was_stopped() -> bool:
    """A stop signal arrived during the last ``stop_on_signals``."""
    return bool(_received)


def last_signal() -> int | None:
    """The last stop signal that arrived (None: none did)."""
    return _received[-1] if _received else None
