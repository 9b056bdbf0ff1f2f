"""A time budget on one piece of work (parsing one dump): past it the work stops, the batch goes on."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class OverBudget(Exception):
    """The work ran past its time budget."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"over its time budget of {seconds:g} s")
        self.seconds = seconds


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget from the block once it has run `seconds`.

    In a process's main thread (the worker processes, rebuild) a SIGALRM interrupts the block, regex
    matching included (CPython's re checks for signals); an alarm already set (a caller's own deadline)
    is restored, less the time spent. In any other thread (the thread and Dask runners) signals cannot
    be used: the block runs to its end and OverBudget is raised after it, so a dump ends the same way on
    every runner, only later. Lingua's detection (native code) is not interruptible: it is bounded by
    input length instead (transforms/language.py MAX_DETECTION_CHARS).
    """
    if seconds <= 0:
        yield
        return
    started = time.monotonic()
    if threading.current_thread() is not threading.main_thread():
        yield
        if time.monotonic() - started > seconds:
            raise OverBudget(seconds)
        return

    def expire(signum: int, frame: object) -> None:
        raise OverBudget(seconds)

    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), previous_interval)
