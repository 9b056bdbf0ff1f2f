"""Finding new dumps and staging them as Parquet: plain Python, no Prefect, so worker processes stay light."""

from __future__ import annotations

import hashlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from flows.discovery import FileRef
from flows.faults import crash_point
from flows.settings import read_taxonomy
from transforms.outlets import outlets_table
from transforms.parse import parse_dump
from transforms.tables import SourceFile, build_tables, file_row, reject_row, to_arrow


def split_batches(files: list[FileRef], batch_size: int, workers: int) -> list[list[FileRef]]:
    """Split files into at least `workers` batches of at most batch_size (never one task per file)."""
    if not files:
        return []
    per = max(1, min(batch_size, -(-len(files) // workers)))
    return [files[i : i + per] for i in range(0, len(files), per)]


@cache
def local_pool(workers: int) -> ProcessPoolExecutor:
    """One pool of worker processes per process, kept warm across runs (a served deployment reuses it).

    forkserver with the parse code preloaded: workers start in well under a second and do not inherit
    Prefect's threads. Prefect's own ProcessPoolTaskRunner starts a Prefect client (and here its own
    ephemeral API server) in every worker process, which costs tens of seconds per run.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["flows.staging"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


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
