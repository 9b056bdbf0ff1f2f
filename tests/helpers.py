"""Helpers the tests share: read a test's warehouse (importable because tests/conftest.py sits beside it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from tickerhouse import warehouse as wh
from tickerhouse.staging import IN_PROCESS_MAX_DUMPS

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"  # third-party fixtures beside the repo; absent in a user's clone
SAMPLE_DIR = REPO / "data" / "sample"  # the bundled sample corpus (not package data: it is input)


def query(target: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Return the rows of a query with bound parameters on a read-only connection to a warehouse."""
    con = duckdb.connect(str(target), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def copy_warehouse(source: Path, target: Path) -> None:
    """Copy a warehouse as a backup must: its DuckDB file and its raw archive beside it."""
    shutil.copy(source, target)
    shutil.copytree(source.with_suffix(".raw"), target.with_suffix(".raw"))


def table_counts(target: Path) -> dict[str, int]:
    """Return rows per loaded table of a warehouse."""
    con = wh.connect(target, read_only=True)
    try:
        return wh.table_counts(con)
    finally:
        con.close()


def error_line(err: str) -> str:
    """Return the one line a failed command wrote to stderr besides its `Prefect API:` line."""
    lines = [line for line in err.splitlines() if not line.startswith("Prefect API:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# What an ingest writes, minus what differs by run (run ids, ingestion clock): table -> columns.
CONTENT = {
    "raw_dumps": "dump_id, first_path, size_bytes, encoding, repairs, line_labels, "
    "captured_at, capture_method, status, article_id",
    "dump_files": "path, size_bytes, mtime_ns, dump_id",
    "ticker_snapshots": "snapshot_id, captured_at, capture_method, edition, n_items, stated_date, dump_id",
    "snapshot_versions": "snapshot_id, dump_id, captured_at, capture_method, n_items, size_bytes",
    "ticker_items": "snapshot_id, position, headline_id, headline, language",
    "headline_days": "day, headline_id, slots, snapshots, best_position",
    "headlines": "headline_id, headline, language, first_seen, last_seen, n_snapshots",
    "headline_topics": "headline_id, topic, matched_terms, via",
    "articles": "article_id, title, source, outlet_id, published_date, date_suspect, date_method, language",
    "rejects": "reject_key, dump_id, path, reason, detail",
}


def content(warehouse: Path) -> dict[str, list[tuple]]:
    """Return the rows of CONTENT per table, sorted: equal for two ingests of the same files."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            table: sorted(con.execute(f"select {cols} from {table}").fetchall(), key=repr)  # noqa: S608
            for table, cols in CONTENT.items()
        }
    finally:
        con.close()


def descendants(pid: int) -> dict[int, str]:
    """Return pid -> command line of every live (not zombie) descendant of pid (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, stack = {}, list(children.get(pid, []))
    while stack:
        child = stack.pop()
        try:
            out[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        stack.extend(children.get(child, []))
    return out


def alive(pid: int) -> bool:
    """Return whether pid runs (a zombie does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def watch_descendants(
    root: int, proc: subprocess.Popen, what: str, ready: Callable[[dict[int, str]], bool], timeout_s: float
) -> dict[int, str]:
    """Gather root's descendants (pid -> command line) until ready(seen) holds; fail if the command proc
    ends first or timeout_s passes (`what` names the processes awaited)."""
    seen: dict[int, str] = {}
    deadline = time.monotonic() + timeout_s
    while True:
        seen.update(descendants(root))
        if ready(seen):
            return seen
        assert proc.poll() is None, f"the ingest ended before its {what} were seen"
        assert time.monotonic() < deadline, f"no {what} after {timeout_s} s: {seen}"
        time.sleep(0.2)


def outliving(seen: dict[int, str], timeout_s: float) -> dict[int, str]:
    """Return the processes of seen still alive once they have had timeout_s to end."""
    deadline = time.monotonic() + timeout_s
    while (left := {p: cmd for p, cmd in seen.items() if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def workers_of(seen: dict[int, str]) -> list[int]:
    """Return the live multiprocessing processes (a pool's forkserver and workers) among seen."""
    return [p for p, cmd in seen.items() if "multiprocessing" in cmd and alive(p)]


# Under the temporary server's start-up on a busy 2-core machine the pool can take a minute to appear.
POOL_APPEAR_TIMEOUT_S = 240
# A corpus the worker pool takes, and whose parse lasts seconds after its workers appear, so that a test
# that interrupts the run once it sees them is not beaten by the run's end (2,200 dumps once were, in CI).
POOL_CORPUS_DUMPS = 4 * IN_PROCESS_MAX_DUMPS


def temporary_server_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a command that starts its own temporary Prefect server and a pool of 2 workers."""
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    env["TICKERHOUSE_STATE_DIR"] = str(tmp_path / "state")  # no tickerhouse server there: a temporary one
    env["TICKERHOUSE_WORKERS"] = "2"
    return env


def wait_until_parsing(proc: subprocess.Popen) -> dict[int, str]:
    """Return proc's descendants once its temporary server, the forkserver and its 2 workers run: the
    ingest is parsing on the pool."""
    return watch_descendants(
        proc.pid,
        proc,
        "server and workers",
        lambda seen: any("server start" in cmd for cmd in seen.values()) and len(workers_of(seen)) >= 3,
        POOL_APPEAR_TIMEOUT_S,
    )
