"""The run lock: one writer (ingest, export, retag, rebuild) at a time per state dir."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tickerhouse.errors import BusyError


class IngestBusyError(BusyError):
    """Another ingest holds the run lock past the wait timeout."""


# Lock files this process holds: the CLI takes the lock before starting Prefect (a busy exit then costs
# no server start-up and prints no flow traceback), and the flow it calls must not wait on its own lock.
_HELD: set[Path] = set()


@contextmanager
def run_lock(state_dir: Path, timeout_s: float) -> Iterator[None]:
    """Hold the ingest lock (one ingest at a time per state dir), waiting up to timeout_s for it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    lock_path = (state_dir / "ingest.lock").resolve()
    if lock_path in _HELD:
        yield
        return
    with open(lock_path, "w") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IngestBusyError(
                        f"another ingest is running (lock {state_dir / 'ingest.lock'}); "
                        f"waited {timeout_s:.0f} s"
                    ) from None
                time.sleep(0.2)
        _HELD.add(lock_path)
        try:
            yield
        finally:
            _HELD.discard(lock_path)
            fcntl.flock(handle, fcntl.LOCK_UN)
