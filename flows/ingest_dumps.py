"""ingest_dumps: new page dumps in a folder -> parsed, normalized, staged Parquet -> DuckDB warehouse."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.utilities.annotations import quote

from tickerhouse import warehouse as wh
from tickerhouse.flows.summaries import describe_duplicates, duplicate_files, publish_summary
from tickerhouse.io import storage
from tickerhouse.io.discovery import FileBatch, ManifestProblem, find_new_files
from tickerhouse.io.locks import run_lock
from tickerhouse.progress import report_progress
from tickerhouse.resources import OUTLETS_CSV
from tickerhouse.settings import Settings, load_settings
from tickerhouse.staging import (
    local_pool,
    parse_processes,
    read_and_stage,
    split_batches,
    staging_area,
    worker_pool,
)
from tickerhouse.tagging import taxonomy_in_force
from tickerhouse.transforms.source_file import SourceFile

# How long the flow's main thread waits on the parse tasks before it looks at signals again (stage_dumps).
SIGNAL_CHECK_S = 0.5


@dataclass(frozen=True)
class Discovered:
    """What discovery found: new files, files seen, manifest problems (path:line: reason), files settling;
    and the TOML text of the warehouse's taxonomy in force, which the new dumps are tagged with."""

    files: list[SourceFile]
    n_seen: int
    manifest_problems: list[str]
    settling: list[str]
    taxonomy_toml: str


@task(retries=3, retry_delay_seconds=[2, 5, 15], cache_policy=NO_CACHE)
def discover_files(paths: list[str], warehouse: str) -> quote[Discovered]:
    """Return the files not yet ingested (by path, size, mtime), how many files were seen in all, the
    manifest rows that gave no time, the files left for a later run (still being written) and the
    taxonomy in force (tagging.taxonomy_in_force: the last retag's, else data/topics.toml).

    The seen keys are read here and the result comes back quoted: Prefect inspects task parameters and
    results object by object, which costs seconds for a hundred thousand files.
    """
    con = wh.connect(Path(warehouse))
    try:
        seen = wh.seen_files(con)
        taxonomy_toml, _ = taxonomy_in_force(con)
    finally:
        con.close()
    problems: list[ManifestProblem] = []
    settling: list[str] = []
    files, n_seen = find_new_files(paths, seen, problems, settling=settling)
    return quote(Discovered(files, n_seen, [str(p) for p in problems], settling, taxonomy_toml))


@task(cache_policy=NO_CACHE)
def parse_batch(
    batch: FileBatch,
    out_dir: str,
    run_id: str,
    max_bytes: int,
    outlets_csv: str,
    taxonomy_toml: str,
    local_processes: int = 0,
    future_tolerance_s: float | None = None,
    time_budget_s: float | None = None,
) -> dict[str, int]:
    """Read, parse and normalize a batch of files; stage one Parquet file per table in out_dir.

    With local_processes > 0 the work runs in this machine's worker pool (the task's thread waits);
    with 0 it runs where the task runs (inline, or on a Dask worker).
    """
    args = (
        batch.files,
        out_dir,
        run_id,
        max_bytes,
        outlets_csv,
        taxonomy_toml,
        future_tolerance_s,
        time_budget_s,
    )
    if local_processes > 0:
        return local_pool(local_processes).submit(read_and_stage, *args).result()
    return read_and_stage(*args)


def stage_dumps(
    files: list[SourceFile],
    taxonomy_toml: str,
    staging: str,
    run_id: str,
    settings: Settings,
    local_processes: int,
    batch_size: int,
) -> list[str]:
    """Stage the files as Parquet, tagged with taxonomy_toml, one parse_batch task per batch; return the
    batch folders in order.

    Batches: at most batch_size, at least one per worker; never one task per file (the ephemeral Prefect
    server stalls past ~1000 small tasks).
    """
    batches = split_batches(files, batch_size, settings.workers)
    dirs = [storage.join(staging, f"{i:05d}") for i in range(len(batches))]
    limits = (settings.future_tolerance_s, settings.dump_time_budget_s)
    shared = (run_id, settings.max_dump_bytes, str(OUTLETS_CSV), taxonomy_toml, local_processes, *limits)
    futures = [parse_batch.submit(FileBatch(b), d, *shared) for b, d in zip(batches, dirs, strict=True)]
    done = 0
    report_progress("ingest", done, len(files), "dump")
    pending = futures
    while pending:
        # A timed wait: Ctrl-C can land on any of the process's threads, and Python acts on it only when the
        # main thread runs again; an untimed wait left it pending until a batch ended (~15 s).
        finished, not_done = wait(pending, timeout=SIGNAL_CHECK_S)
        for future in finished:
            done += future.result()["files"]
            report_progress("ingest", done, len(files), "dump")
        pending = list(not_done)
    return dirs


@task(retries=3, retry_delay_seconds=[2, 5, 15], cache_policy=NO_CACHE)
def load_warehouse(warehouse: str, batch_dirs: list[str], summary: dict) -> dict:
    """Load all staged batches, run the checks and record the run in one transaction (single writer);
    when a check fails, nothing but the run record is committed. Add the run's duplicate files."""
    con = wh.connect(Path(warehouse))
    try:
        done = wh.load_checked(con, batch_dirs, summary)
        return {**done, "duplicates": duplicate_files(con, summary["run_id"])}
    finally:
        con.close()


@flow(name="ingest_dumps")
def ingest_dumps(
    paths: list[str] | None = None,
    warehouse: str | None = None,
    batch_size: int | None = None,
    lock_timeout_s: float | None = None,
    local_processes: int | None = None,
) -> dict:
    """Ingest new dumps under `paths` into the warehouse; return the run summary (counts, rows, checks).

    local_processes: worker processes parsing on this machine (default: TICKERHOUSE_WORKERS with the
    `process` runner); 0 runs parse tasks where the task runner puts them (threads, Dask workers).
    Progress (dumps staged) goes to tickerhouse.progress, where the CLI draws it.
    """
    settings: Settings = load_settings()
    if local_processes is None:
        local_processes = settings.workers if settings.runner == "process" else 0
    paths = paths or [settings.landing]
    target = warehouse or str(settings.warehouse)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    started = datetime.now(UTC)
    wait_s = settings.lock_timeout_s if lock_timeout_s is None else lock_timeout_s
    with (
        storage.disk_full_as_error(),
        run_lock(settings.state_dir, Path(target), wait_s),
        staging_area(settings.staging, run_id) as staging,
    ):
        # Extract: the files not seen yet
        found = discover_files(paths, target).unquote()
        files = found.files
        # A few dumps parse here sooner than worker processes start; the workers stop before the load
        # (their memory is then free) or when a batch fails: no worker outlives the block.
        local_processes = parse_processes(local_processes, len(files))
        with worker_pool(local_processes):
            # Transform: read, parsed, normalized and tagged in batches across the workers, staged as Parquet
            batch_dirs = stage_dumps(
                files,
                found.taxonomy_toml,
                staging,
                run_id,
                settings,
                local_processes,
                batch_size or settings.batch_size,
            )
        # Load: one transaction from this single writer, the checks and the run record inside it
        start = {"run_id": run_id, "started_at": started, "files_seen": found.n_seen, "files_new": len(files)}
        summary = load_warehouse(target, batch_dirs, start)
    summary = {**summary, "manifest_problems": found.manifest_problems, "files_settling": found.settling}
    publish_summary(
        "ingest-summary",
        f"ingest run {run_id}",
        {
            "files": {
                "seen": summary["files_seen"],
                "new": summary["files_new"],
                "settling (read by a later run)": len(found.settling),
            },
            "dumps": {
                "loaded": summary["dumps_loaded"],
                "rejected": summary["dumps_rejected"],
                "duplicates of stored dumps": len(summary["duplicates"]),
            },
            "rows added": summary["rows_added"],
            "failing rows": summary["checks"],
            "rejected files": summary["reject_reasons"],
            "duplicate files (not loaded again)": describe_duplicates(summary["duplicates"]),
            "manifest problems (row ignored)": dict.fromkeys(found.manifest_problems, "ignored"),
            "run": {"seconds": round((summary["finished_at"] - started).total_seconds(), 1)},
        },
    )
    get_run_logger().info("ingest %s: %s", run_id, {k: summary[k] for k in ("files_seen", "files_new")})
    return summary
