"""Finding new dumps and staging them as Parquet: plain Python, no Prefect, so worker processes stay light."""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tickerhouse.faults import crash_point
from tickerhouse.io import storage
from tickerhouse.resources import compiled_taxonomy
from tickerhouse.server import exit_with
from tickerhouse.settings import load_settings
from tickerhouse.timebudget import OverBudget, time_budgets
from tickerhouse.transforms.language import load_models
from tickerhouse.transforms.outlets import outlets_table
from tickerhouse.transforms.parse import ParsedDump, parse_dump
from tickerhouse.transforms.source_file import SourceFile
from tickerhouse.transforms.tables import build_tables, to_arrow
from tickerhouse.transforms.topics import Taxonomy
from tickerhouse.warehouse import archive_name

# Below this many new dumps the flow parses them in its own process: starting the worker pool (a
# forkserver, then each worker loading the taxonomy and the language models) costs more than the second
# core saves. bench/latency.py --threshold (README, "Performance"), on this machine under load 7-11:
# in-process 2.9 / 8.3 / 23.7 s against the pool's 16.2 / 21.5 / 36.7 s at 1k / 4k / 8k dumps. 2,000 is
# kept conservative, for an idle machine where the pool's second core does pay.
IN_PROCESS_MAX_DUMPS = 2000


def parse_processes(workers: int, n_dumps: int) -> int:
    """Return the worker processes worth starting for n_dumps new dumps: none below IN_PROCESS_MAX_DUMPS."""
    return workers if n_dumps >= IN_PROCESS_MAX_DUMPS else 0


def split_batches(files: list[SourceFile], batch_size: int, workers: int) -> list[list[SourceFile]]:
    """Split files into at least `workers` batches of at most batch_size (never one task per file)."""
    if not files:
        return []
    per = max(1, min(batch_size, -(-len(files) // workers)))
    return [files[i : i + per] for i in range(0, len(files), per)]


_POOLS: dict[int, ProcessPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()  # parse tasks run on several threads: they must share one pool


def _warm_worker(owner: int) -> None:
    """Load the language models as a worker starts, before its first batch (the taxonomy, which depends
    on the warehouse, is compiled with the first batch: a few ms once the state dir caches it).

    The worker ends when `owner`, the process whose pool it serves, ends: a killed command leaves no
    worker behind (and then no forkserver, which the workers alone kept alive).
    """
    exit_with(owner)
    work_on_one_thread()
    warm_up()


def work_on_one_thread() -> None:
    """Have lingua detect on this process's thread alone, as a pool worker (one per core) must.

    Its parallel detection runs on a thread per core (rayon), built on first use: in each of the pool's
    workers those threads would contend with the other workers, and rayon's idle threads spin before they
    sleep. On one thread the same texts take a third less CPU (bench/parse_profile.py: lingua's detection
    of 1,394 headlines 0.240 -> 0.164 s of CPU, of 316 article texts 0.351 -> 0.316 s); results are the same.
    """
    os.environ["RAYON_NUM_THREADS"] = "1"


def warm_up() -> None:
    """Load the language models, then put what this process holds out of the garbage collector's sight.

    What a worker keeps for its whole life (the preloaded modules, the models) is never garbage: frozen
    (gc.freeze), it is not walked by the collections its batches cause.
    """
    load_models()
    gc.collect()
    gc.freeze()


def local_pool(workers: int) -> ProcessPoolExecutor:
    """The pool of `workers` worker processes of this process, created on first use.

    forkserver with the parse code preloaded: workers start in well under a second and do not inherit
    Prefect's threads. Prefect's own ProcessPoolTaskRunner starts a Prefect client (and here its own
    ephemeral API server) in every worker process, which costs tens of seconds per run.
    """
    with _POOLS_LOCK:
        if workers not in _POOLS:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["tickerhouse.staging"])
            _POOLS[workers] = ProcessPoolExecutor(
                workers, context, initializer=_warm_worker, initargs=(os.getpid(),)
            )
        return _POOLS[workers]


def stop_local_pools() -> None:
    """Stop the worker processes (~0.3 GB each) so their memory is free before the load."""
    with _POOLS_LOCK:
        while _POOLS:
            _, pool = _POOLS.popitem()
            pool.shutdown()


@contextmanager
def worker_pool(workers: int) -> Iterator[None]:
    """Start `workers` worker processes (none for 0) and stop them on exit, however the block ends.

    Started on entry, so they warm up (~2 s) while the first batches are being submitted; tasks reach
    them through local_pool(workers). Leave the block before the load: its memory is then free.
    """
    if workers > 0:
        pool = local_pool(workers)
        for _ in range(workers):
            pool.submit(int)  # a process is started per submitted call, up to `workers`
    try:
        yield
    finally:
        stop_local_pools()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector off, then collect its youngest generation.

    A batch allocates millions of short-lived objects (lines, headlines, rows) and few cycles: the
    collector's generational passes over them cost 5-10 % of a worker's time (bench/parse_profile.py).
    What the block made and kept is all in generation 0 (nothing was collected, so nothing was
    promoted): collecting it alone frees the cycles the batch left without walking the older heap (a
    full collection, ~0.1-0.25 s, costs as much as a few hundred dumps). The collector's state is restored.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)


@contextmanager
def staging_area(root: str, run_id: str) -> Iterator[str]:
    """Yield this run's staging folder (or URL) under root, removed on exit, leftovers cleared on entry.

    Leftovers are a crashed run's: never loaded (its files are not in dump_files, so they are read
    again now). Only the holder of the run lock stages under root, so nothing else is using them.
    """
    storage.remove_tree(root)
    area = storage.join(root, run_id)
    try:
        yield area
    finally:
        storage.remove_tree(area, ignore_errors=True)


def read_and_stage(
    files: list[SourceFile],
    out_dir: str,
    run_id: str,
    max_bytes: int,
    outlets_csv: str,
    taxonomy_toml: str,
    future_tolerance_s: float | None = None,
    time_budget_s: float | None = None,
) -> dict[str, int]:
    """Read a batch of files, then parse, tag with the taxonomy of taxonomy_toml and stage them; return
    files and rejects counted.

    The taxonomy is the warehouse's in force (tagging.taxonomy_in_force), passed as text: a worker
    compiles it once (compiled_taxonomy). The limits come from the flow (a worker process may have been
    started before a setting changed); None reads the setting here.
    """
    started = datetime.now(UTC)
    outlets = read_outlets(outlets_csv)
    parsed, unreadable = [], []
    for source in files:
        # refused by discovery (a special file, a symlink out of the landing folder): never opened
        if source.refusal:
            unreadable.append((source, source.refusal))
            continue
        try:
            with storage.open_binary(source.path) as handle:
                content = handle.read(max_bytes + 1)
        except OSError as err:
            unreadable.append((source, f"unreadable: {type(err).__name__}: {err.strerror or err}"))
            continue
        if len(content) > max_bytes:
            reason = f"too large: {source.size_bytes} bytes, over TICKERHOUSE_MAX_DUMP_BYTES={max_bytes}"
            unreadable.append((source, reason))
            continue
        digest = hashlib.sha256(content).hexdigest()
        parsed.append((replace(source, dump_id=digest), content))
    tolerance = None if future_tolerance_s is None else timedelta(seconds=future_tolerance_s)
    taxonomy = compiled_taxonomy(taxonomy_toml)
    rejected = stage_batch(
        parsed, out_dir, run_id, started, outlets, taxonomy, unreadable, tolerance, time_budget_s
    )
    return {"files": len(files), "rejected": rejected}


# Per process: the outlets file as last read (by path, size and mtime) and the outlets table staged from
# the last outlets frame (by identity): every batch of a run stages the same ones (~20 ms a batch).
_OUTLETS_READ: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}
_OUTLETS_STAGED: list[tuple[pd.DataFrame, pa.Table]] = []


def read_outlets(outlets_csv: str) -> pd.DataFrame:
    """Return the outlets file as a frame of text, read again only when its size or mtime changed.

    The frame is shared by the batches that read it: callers do not modify it.
    """
    stat = os.stat(outlets_csv)
    key = (stat.st_size, stat.st_mtime_ns)
    cached = _OUTLETS_READ.get(outlets_csv)
    if cached is None or cached[0] != key:
        cached = (key, pd.read_csv(outlets_csv, dtype=str, keep_default_na=False))
        _OUTLETS_READ[outlets_csv] = cached
    return cached[1]


def staged_outlets(outlets: pd.DataFrame) -> pa.Table:
    """Return the staged outlets table of an outlets frame, built once for the frame a run's batches share."""
    if not _OUTLETS_STAGED or _OUTLETS_STAGED[0][0] is not outlets:
        _OUTLETS_STAGED[:] = [(outlets, to_arrow("outlets", outlets_table(outlets)))]
    return _OUTLETS_STAGED[0][1]


def parse_all(contents: list[tuple[SourceFile, bytes]], budget_s: float) -> list[ParsedDump]:
    """Parse each dump within its time budget (0: none); past it, a dump rejected `too slow: ...`."""
    parsed = []
    with time_budgets(budget_s) as budget:
        for _, content in contents:
            try:
                with budget:
                    dump = parse_dump(content)
            except OverBudget as err:
                reason = f"too slow: parsing {len(content)} bytes ran {err} (TICKERHOUSE_DUMP_TIME_BUDGET_S)"
                dump = ParsedDump("", "", (), (), (), None, reason)
            parsed.append(dump)
    return parsed


def stage_batch(
    contents: list[tuple[SourceFile, bytes]],
    target: str | Path,
    run_id: str,
    started: datetime,
    outlets: pd.DataFrame,
    taxonomy: Taxonomy,
    unreadable: Sequence[tuple[SourceFile, str]] = (),
    future_tolerance: timedelta | None = None,
    time_budget_s: float | None = None,
) -> int:
    """Parse dumps' bytes, normalize, tag with taxonomy, stage one Parquet file per table in target;
    return rejects staged.

    Ingest (bytes read from files) and rebuild (bytes stored in raw_dumps) both stage through here. No
    capture time later than `started` + future_tolerance (default: TICKERHOUSE_FUTURE_TOLERANCE_S) is
    staged; a dump whose parse runs past time_budget_s (TICKERHOUSE_DUMP_TIME_BUDGET_S) is rejected.
    """
    settings = load_settings()
    budget = settings.dump_time_budget_s if time_budget_s is None else time_budget_s
    with collector_paused():
        parsed = [(*pair, dump) for pair, dump in zip(contents, parse_all(contents, budget), strict=True)]
        crash_point("parse")
        raw_file = archive_name(target)
        tolerance = settings.future_tolerance if future_tolerance is None else future_tolerance
        tables = build_tables(parsed, outlets, run_id, started, taxonomy, unreadable, raw_file, tolerance)
    tables["outlets"] = staged_outlets(outlets)
    storage.make_dirs(target)
    fs = storage.filesystem(target)  # None for a local folder: pyarrow writes it natively
    for name, table in tables.items():
        # Staging lives for one run and is read once: no compression to spend CPU on, except for the dumps'
        # bytes, which the load keeps in the raw archive (zstd: ~4x smaller, ~20 ms a batch).
        compression = "zstd" if name == "raw" else "none"
        pq.write_table(table, storage.join(target, f"{name}.parquet"), compression=compression, filesystem=fs)
        crash_point("stage")  # after the first table: a batch half staged
    return tables["rejects"].num_rows
