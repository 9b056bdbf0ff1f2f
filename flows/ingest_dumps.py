"""ingest_dumps: new page dumps in a folder -> parsed, normalized, staged Parquet -> DuckDB warehouse."""

from __future__ import annotations

import csv
import fcntl
import hashlib
import multiprocessing
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from tqdm import tqdm

from flows import warehouse as wh
from flows.faults import crash_point
from flows.settings import OUTLETS_CSV, Settings, load_settings, read_taxonomy
from transforms.dates import CASABLANCA
from transforms.outlets import outlets_table
from transforms.parse import parse_dump
from transforms.tables import SourceFile, build_tables, file_row, reject_row, to_arrow

MANIFEST_NAME = "manifest.csv"


class IngestBusyError(RuntimeError):
    """Another ingest holds the run lock past the wait timeout."""


@dataclass(frozen=True)
class FileRef:
    """A file to ingest: path, stat, and the capture time its folder's manifest gives, if any."""

    path: str
    size_bytes: int
    mtime_ns: int
    manifest_captured_at: datetime | None


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


def read_manifest(manifest: Path) -> dict[str, datetime]:
    """Return resolved file path -> UTC capture time from a manifest.csv (file,captured_at)."""
    folder = manifest.parent.resolve()
    out: dict[str, datetime] = {}
    with open(manifest, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            target = (folder / (row.get("file") or "")).resolve()
            if not target.is_relative_to(folder):
                continue  # a manifest may only speak of files in its own folder tree
            try:
                ts = datetime.fromisoformat((row.get("captured_at") or "").strip())
            except ValueError:
                continue
            if ts.tzinfo is None:
                ts = ts.replace(tzinfo=CASABLANCA)
            out[str(target)] = ts.astimezone(UTC)
    return out


def _walk(root: Path) -> Iterator[os.DirEntry]:
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                # Symlinks too, dangling or not: one that cannot be read is rejected, never skipped unseen.
                # is_symlink first: is_file() raises (ELOOP) on a link to itself.
                elif entry.name != MANIFEST_NAME and (entry.is_symlink() or entry.is_file()):
                    yield entry


def _stat(entry: os.DirEntry) -> os.stat_result:
    """Return the entry's stat, the link's own for a dangling symlink (its read then fails: a reject)."""
    try:
        return entry.stat()
    except OSError:  # ENOENT (dangling) or ELOOP (a link to itself); a plain file's error raises again below
        return entry.stat(follow_symlinks=False)


@task(retries=3, retry_delay_seconds=[2, 5, 15], cache_policy=NO_CACHE)
def discover_files(paths: list[str], seen: set[tuple[str, int, int]]) -> tuple[list[FileRef], int]:
    """Return the files not yet ingested (by path, size, mtime) and how many files were seen in all."""
    found: list[FileRef] = []
    n_seen = 0
    for raw in paths:
        root = Path(raw)
        entries: list[tuple[str, os.stat_result]] = []
        manifests: dict[str, datetime] = {}
        if root.is_dir():
            for entry in _walk(root):
                entries.append((entry.path, _stat(entry)))
            for manifest in root.rglob(MANIFEST_NAME):
                manifests.update(read_manifest(manifest))
        else:
            entries.append((str(root), root.stat()))
            if (root.parent / MANIFEST_NAME).exists():
                manifests.update(read_manifest(root.parent / MANIFEST_NAME))
        for path, stat in entries:
            n_seen += 1
            if (path, stat.st_size, stat.st_mtime_ns) in seen:
                continue
            stamp = manifests.get(str(Path(path).resolve())) if manifests else None
            found.append(FileRef(path, stat.st_size, stat.st_mtime_ns, stamp))
    found.sort(key=lambda f: f.path)
    return found, n_seen


@cache
def _local_pool(workers: int) -> ProcessPoolExecutor:
    """One pool of worker processes per process, kept warm across runs (a served deployment reuses it).

    forkserver with the parse code preloaded: workers start in well under a second and do not inherit
    Prefect's threads. Prefect's own ProcessPoolTaskRunner starts a Prefect client (and here its own
    ephemeral API server) in every worker process, which costs tens of seconds per run.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["flows.ingest_dumps"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


@task(cache_policy=NO_CACHE)
def parse_batch(
    files: list[FileRef],
    out_dir: str,
    run_id: str,
    max_bytes: int,
    outlets_csv: str,
    local_processes: int = 0,
) -> dict[str, int]:
    """Read, parse and normalize a batch of files; stage one Parquet file per table in out_dir.

    With local_processes > 0 the work runs in this machine's worker pool (the task's thread waits);
    with 0 it runs where the task runs (inline, or on a Dask worker).
    """
    args = (files, out_dir, run_id, max_bytes, outlets_csv)
    if local_processes > 0:
        return _local_pool(local_processes).submit(read_and_stage, *args).result()
    return read_and_stage(*args)


def read_and_stage(
    files: list[FileRef], out_dir: str, run_id: str, max_bytes: int, outlets_csv: str
) -> dict[str, int]:
    """Read a batch of files, then parse and stage them; return files and rejects counted."""
    started = datetime.now(UTC)
    outlets = pd.read_csv(outlets_csv, dtype=str, keep_default_na=False)
    parsed, unreadable = [], []
    for ref in files:
        try:
            with open(ref.path, "rb") as handle:
                content = handle.read(max_bytes + 1)
        except OSError as err:
            unreadable.append((ref, f"unreadable: {type(err).__name__}: {err.strerror or err}"))
            continue
        if len(content) > max_bytes:
            reason = f"too large: {ref.size_bytes} bytes, over TICKERHOUSE_MAX_DUMP_BYTES={max_bytes}"
            unreadable.append((ref, reason))
            continue
        digest = hashlib.sha256(content).hexdigest()
        source = SourceFile(ref.path, ref.size_bytes, ref.mtime_ns, digest, ref.manifest_captured_at)
        parsed.append((source, content))
    sources = [
        (SourceFile(r.path, r.size_bytes, r.mtime_ns, "", r.manifest_captured_at), reason)
        for r, reason in unreadable
    ]
    rejected = stage_batch(parsed, sources, Path(out_dir), run_id, started, outlets)
    return {"files": len(files), "rejected": rejected}


def stage_batch(
    contents: list[tuple[SourceFile, bytes]],
    unreadable: list[tuple[SourceFile, str]],
    target: Path,
    run_id: str,
    started: datetime,
    outlets: pd.DataFrame,
) -> int:
    """Parse dumps' bytes, normalize, stage one Parquet file per table in target; return rejects staged.

    Ingest (bytes read from files) and rebuild (bytes stored in raw_dumps) both stage through here.
    """
    parsed = [(source, content, parse_dump(content)) for source, content in contents]
    crash_point("parse")
    tables = build_tables(parsed, outlets, run_id, started, read_taxonomy())
    if unreadable:
        rejects = [reject_row(src, reason, started, run_id) for src, reason in unreadable]
        files_rows = [file_row(src, started, run_id) for src, _ in unreadable]
        tables["rejects"] = pd.concat([tables["rejects"], pd.DataFrame(rejects)], ignore_index=True)
        tables["files"] = pd.concat([tables["files"], pd.DataFrame(files_rows)], ignore_index=True)
    tables["outlets"] = outlets_table(outlets)
    target.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        # Staging lives for one run and is read once: no compression to spend CPU on.
        pq.write_table(to_arrow(name, df), target / f"{name}.parquet", compression="none")
        crash_point("stage")  # after the first table: a batch half staged
    return len(tables["rejects"])


@task(retries=3, retry_delay_seconds=[2, 5, 15], cache_policy=NO_CACHE)
def load_warehouse(warehouse: str, batch_dirs: list[str], summary: dict) -> dict:
    """Load all staged batches in one transaction (single writer), run checks, record the run."""
    con = wh.connect(Path(warehouse))
    try:
        # A run with nothing new still reports every table, at 0 rows added.
        rows = (
            wh.load_staged(con, [Path(d) for d in batch_dirs])
            if batch_dirs
            else dict.fromkeys(wh.LOAD_ORDER, 0)
        )
        outcome = wh.run_outcome(con, summary["run_id"])
        done = {
            **summary,
            **outcome,
            "rows_added": rows,
            "checks": wh.run_checks(con),
            "finished_at": datetime.now(UTC),
        }
        wh.record_run(con, done)
        return done
    finally:
        con.close()


def _batches(files: list[FileRef], batch_size: int, workers: int) -> list[list[FileRef]]:
    """Split files into at least `workers` batches of at most batch_size (never one task per file)."""
    if not files:
        return []
    per = max(1, min(batch_size, -(-len(files) // workers)))
    return [files[i : i + per] for i in range(0, len(files), per)]


@flow(name="ingest_dumps")
def ingest_dumps(
    paths: list[str] | None = None,
    warehouse: str | None = None,
    batch_size: int | None = None,
    progress: bool = False,
    lock_timeout_s: float | None = None,
    local_processes: int | None = None,
) -> dict:
    """Ingest new dumps under `paths` into the warehouse; return the run summary (counts, rows, checks).

    local_processes: worker processes parsing on this machine (default: TICKERHOUSE_WORKERS with the
    `process` runner); 0 runs parse tasks where the task runner puts them (threads, Dask workers).
    """
    settings: Settings = load_settings()
    if local_processes is None:
        local_processes = settings.workers if settings.runner == "process" else 0
    paths = paths or [str(settings.landing)]
    target = warehouse or str(settings.warehouse)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    started = datetime.now(UTC)
    logger = get_run_logger()
    wait_s = settings.lock_timeout_s if lock_timeout_s is None else lock_timeout_s
    with run_lock(settings.state_dir, wait_s):
        staging = settings.staging_dir
        if staging.exists():
            shutil.rmtree(staging)  # leftovers of a crashed run: never loaded, their files re-read now
        # Extract: what is new since the last run
        con = wh.connect(Path(target))
        seen = wh.seen_files(con)
        con.close()
        files, n_seen = discover_files(paths, seen)
        # Transform: parse and normalize in batches across worker processes, staged as Parquet
        batches = _batches(files, batch_size or settings.batch_size, settings.workers)
        dirs = [str(staging / run_id / f"{i:05d}") for i in range(len(batches))]
        futures = [
            parse_batch.submit(b, d, run_id, settings.max_dump_bytes, str(OUTLETS_CSV), local_processes)
            for b, d in zip(batches, dirs, strict=True)
        ]
        with tqdm(total=len(files), unit="dump", disable=not progress, desc="ingest") as bar:
            for future in as_completed(futures):
                bar.update(future.result()["files"])
        # Load: one transaction from this single writer, then the checks
        start = {
            "run_id": run_id,
            "started_at": started,
            "files_seen": n_seen,
            "files_new": len(files),
        }
        summary = load_warehouse(target, dirs, start)
        shutil.rmtree(staging / run_id, ignore_errors=True)
    publish_summary(summary)
    logger.info("ingest %s: %s", run_id, {k: summary[k] for k in ("files_seen", "files_new")})
    return summary


def publish_summary(summary: dict) -> None:
    """Publish the run summary as a Prefect markdown artifact."""
    rows = "\n".join(f"| {t} | {n} |" for t, n in summary["rows_added"].items())
    checks = "\n".join(f"| {c} | {n} |" for c, n in summary["checks"].items())
    reasons = "\n".join(f"| {r} | {n} |" for r, n in summary["reject_reasons"].items())
    seconds = (summary["finished_at"] - summary["started_at"]).total_seconds()
    create_markdown_artifact(
        key="ingest-summary",
        description=f"ingest run {summary['run_id']}",
        markdown=(
            f"# Ingest {summary['run_id']}\n\n"
            f"files seen {summary['files_seen']}, new {summary['files_new']}, "
            f"dumps loaded {summary['dumps_loaded']}, rejected {summary['dumps_rejected']}, "
            f"{seconds:.1f} s\n\n| table | rows added |\n|---|---|\n{rows}\n\n"
            f"| check | failing rows |\n|---|---|\n{checks}\n\n"
            f"| reject reason | files |\n|---|---|\n{reasons}\n"
        ),
    )
