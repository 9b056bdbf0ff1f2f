"""ingest_dumps: new page dumps in a folder -> parsed, normalized, staged Parquet -> DuckDB warehouse."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.utilities.annotations import quote
from tqdm import tqdm

from tickerhouse import warehouse as wh
from tickerhouse.io import storage
from tickerhouse.io.discovery import FileBatch, find_new_files
from tickerhouse.io.locks import run_lock
from tickerhouse.resources import OUTLETS_CSV
from tickerhouse.settings import Settings, load_settings
from tickerhouse.staging import local_pool, read_and_stage, split_batches, start_local_pool, stop_local_pools
from tickerhouse.transforms.source_file import SourceFile


@task(retries=3, retry_delay_seconds=[2, 5, 15], cache_policy=NO_CACHE)
def discover_files(paths: list[str], warehouse: str) -> quote[tuple[list[SourceFile], int]]:
    """Return the files not yet ingested (by path, size, mtime) and how many files were seen in all.

    The seen keys are read here and the result comes back quoted: Prefect inspects task parameters and
    results object by object, which costs seconds for a hundred thousand files.
    """
    con = wh.connect(Path(warehouse))
    try:
        seen = wh.seen_files(con)
    finally:
        con.close()
    return quote(find_new_files(paths, seen))


@task(cache_policy=NO_CACHE)
def parse_batch(
    batch: FileBatch,
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
    args = (batch.files, out_dir, run_id, max_bytes, outlets_csv)
    if local_processes > 0:
        return local_pool(local_processes).submit(read_and_stage, *args).result()
    return read_and_stage(*args)


@task(retries=3, retry_delay_seconds=[2, 5, 15], cache_policy=NO_CACHE)
def load_warehouse(warehouse: str, batch_dirs: list[str], summary: dict) -> dict:
    """Load all staged batches in one transaction (single writer), run checks, record the run."""
    con = wh.connect(Path(warehouse))
    try:
        # A run with nothing new still reports every table, at 0 rows added.
        rows = wh.load_staged(con, batch_dirs) if batch_dirs else dict.fromkeys(wh.LOAD_ORDER, 0)
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
    paths = paths or [settings.landing]
    target = warehouse or str(settings.warehouse)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    started = datetime.now(UTC)
    logger = get_run_logger()
    wait_s = settings.lock_timeout_s if lock_timeout_s is None else lock_timeout_s
    with run_lock(settings.state_dir, wait_s):
        staging = settings.staging
        storage.remove_tree(staging)  # leftovers of a crashed run: never loaded, their files re-read now
        if local_processes > 0:
            start_local_pool(local_processes)
        try:
            # Extract: what is new since the last run
            files, n_seen = discover_files(paths, target).unquote()
            # Transform: parse and normalize in batches across worker processes, staged as Parquet
            batches = split_batches(files, batch_size or settings.batch_size, settings.workers)
            dirs = [storage.join(staging, run_id, f"{i:05d}") for i in range(len(batches))]
            shared = (run_id, settings.max_dump_bytes, str(OUTLETS_CSV), local_processes)
            futures = [
                parse_batch.submit(FileBatch(b), d, *shared) for b, d in zip(batches, dirs, strict=True)
            ]
            with tqdm(total=len(files), unit="dump", disable=not progress, desc="ingest") as bar:
                for future in as_completed(futures):
                    bar.update(future.result()["files"])
        finally:
            stop_local_pools()  # before the load, and when discovery or a batch fails: no worker outlives it
        # Load: one transaction from this single writer, then the checks
        start = {
            "run_id": run_id,
            "started_at": started,
            "files_seen": n_seen,
            "files_new": len(files),
        }
        summary = load_warehouse(target, dirs, start)
        storage.remove_tree(storage.join(staging, run_id), ignore_errors=True)
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
