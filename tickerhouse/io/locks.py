"""The run lock: one writer (ingest, export, retag, rebuild) at a time per state dir."""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from tickerhouse.errors import BusyError


class IngestBusyError(BusyError):
    """Another ingest holds the run lock past the wait timeout."""


# Lock files this process holds: the CLI takes the lock before starting Prefect (a busy exit then costs
# no server start-up and prints no flow traceback), and the flow it calls must not wait on its own lock.
_HELD: set[Path] = set()


def _holder(lock_path: Path) -> str:
    """Return who holds the lock, as its holder wrote it in the lock file ("" when it did not)."""
    try:
        return lock_path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


@contextmanager
def run_lock(state_dir: Path, timeout_s: float) -> Iterator[None]:
    """Hold the ingest lock (one ingest at a time per state dir), waiting up to timeout_s for it.

    The holder writes its pid, command and start time into the lock file; a writer that has to wait says
    once, on stderr, whom it waits for, and names the holder again if it gives up.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    lock_path = (state_dir / "ingest.lock").resolve()
    if lock_path in _HELD:
        yield
        return
    with open(lock_path, "a+", encoding="utf-8") as handle:  # "a+": waiting must not erase the holder's line
        deadline = time.monotonic() + timeout_s
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(lock_path) or "another writer"
                if time.monotonic() >= deadline:
                    raise IngestBusyError(
                        f"another ingest is running (lock {state_dir / 'ingest.lock'}, held by {holder}); "
                        f"waited {timeout_s:.0f} s"
                    ) from None
                if not told:
                    print(
                        f"tickerhouse: waiting up to {timeout_s:.0f} s for the run lock, held by {holder}",
                        file=sys.stderr,
                        flush=True,
                    )
                    told = True
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv[:3]))
        handle.write(f"pid {os.getpid()} ({command}) since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
        handle.flush()
        _HELD.add(lock_path)
        try:
            yield
        finally:
            _HELD.discard(lock_path)
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
