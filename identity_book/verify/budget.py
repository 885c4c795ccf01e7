"""Time budgets that can stop a runaway computation (a SymPy call that never returns)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from identity_book.errors import IdentityBookError


class Timeout(IdentityBookError):
    """The level ran out of its time budget."""


def _raise(signum: int, frame: FrameType | None) -> None:
    # An exception raised inside a weakref callback or a finaliser is swallowed by Python, so
    # there the alarm is postponed by a few milliseconds instead.
    if frame is not None and (
        frame.f_code.co_name in ("remove", "__del__", "_remove_dead_weakref")
        or frame.f_code.co_filename.endswith(("weakref.py", "_weakrefset.py"))
    ):
        signal.setitimer(signal.ITIMER_REAL, 0.005)
        return
    raise Timeout("time budget exhausted")


@contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Raise :class:`Timeout` inside the block after ``seconds`` (main thread only)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
