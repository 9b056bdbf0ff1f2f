"""A time budget on each piece of work (parsing one dump): past it the piece stops, the batch goes on."""

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


class _Unbounded:
    """A budget of 0: none."""

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass


class _Alarm:
    """A budget enforced by SIGALRM, whose handler (raising OverBudget) time_budgets installed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)


class _AfterTheFact:
    """A budget checked once the piece of work has ended."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = 0.0

    def __enter__(self) -> None:
        self.started = time.monotonic()

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None and time.monotonic() - self.started > self.seconds:
            raise OverBudget(self.seconds)


@contextmanager
def time_budgets(seconds: float) -> Iterator[_Unbounded | _Alarm | _AfterTheFact]:
    """Yield a budget of `seconds` to run each piece of work in (`with budget: ...`), again and again:
    a piece raises OverBudget once it has run `seconds`.

    In a process's main thread (the worker processes, rebuild) a SIGALRM interrupts the piece, regex
    matching included (CPython's re checks for signals). The handler is installed once for all the
    pieces (two signal() calls cost ~10x the timer's two setitimer() per piece); an alarm already set
    (a caller's own deadline) is put back on exit, less the time spent, so it fires after the pieces,
    not during them. In any other thread (the thread and Dask runners) signals cannot be used: a piece
    runs to its end and OverBudget is raised after it, so a dump ends the same way on every runner, only
    later. Lingua's detection (native code) is not interruptible: it is bounded by input length instead
    (transforms/language.py MAX_DETECTION_CHARS).
    """
    if seconds <= 0:
        yield _Unbounded()
        return
    if threading.current_thread() is not threading.main_thread():
        yield _AfterTheFact(seconds)
        return

    def expire(signum: int, frame: object) -> None:
        raise OverBudget(seconds)

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        yield _Alarm(seconds)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), previous_interval)
