"""The run lock: one writer (ingest, export, retag, rebuild) at a time per warehouse and per state dir."""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
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


def warehouse_lock_path(warehouse: Path) -> Path:
    """Return the lock file of a warehouse: beside its file, named after its resolved path (`w.duckdb.lock`).

    Resolved, so every spelling of one warehouse (relative, absolute, through a symlink) takes one lock.
    """
    resolved = warehouse.resolve()
    return resolved.with_name(resolved.name + ".lock")


@contextmanager
def run_lock(state_dir: Path, warehouse: Path, timeout_s: float) -> Iterator[None]:
    """Hold the run lock of the warehouse and of the state dir, waiting up to timeout_s for both.

    The warehouse's lock (beside its file) serializes writers whatever state dir each uses; the state
    dir's (`ingest.lock`) keeps two warehouses sharing one state dir from clearing each other's staging.
    Always taken in that order (state dir, then warehouse), so two writers never wait on each other.
    The holder writes its pid, command and start time into each lock file; a writer that has to wait
    says once, on stderr, whom it waits for, and names the holder again if it gives up.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    with ExitStack() as held:
        for lock_path in ((state_dir / "ingest.lock").resolve(), warehouse_lock_path(warehouse)):
            held.enter_context(_locked(lock_path, deadline, timeout_s))
        yield


@contextmanager
def _locked(lock_path: Path, deadline: float, timeout_s: float) -> Iterator[None]:
    """Hold one lock file (at once when this process holds it already), waiting until the deadline."""
    if lock_path in _HELD:
        yield
        return
    with open(lock_path, "a+", encoding="utf-8") as handle:  # "a+": waiting must not erase the holder's line
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(lock_path) or "another writer"
                if time.monotonic() >= deadline:
                    raise IngestBusyError(
                        f"another ingest is running (lock {lock_path}, held by {holder}); "
                        f"waited {timeout_s:.0f} s"
                    ) from None
                if not told:
                    print(
                        f"tickerhouse: waiting up to {timeout_s:.0f} s for the run lock, held by {holder} "
                        f"(lock {lock_path})",
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
