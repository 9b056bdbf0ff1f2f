"""export_parquet: checked warehouse datasets -> Hive-partitioned zstd Parquet, swapped in atomically.

Layout: <out>/current is a symlink to <out>/versions/<export_id>/, which holds one folder per dataset
(sql/export/<name>.sql), `_state.json` and `data_dictionary.md`. A new export is built beside the
current one in versions/.partial-<export_id>/ (unchanged partitions hard-linked, changed ones written),
renamed to versions/<export_id>/ once complete, and swapped in with one rename of `current`, so a reader
sees the old export or the new one, never half of either. An export that finds nothing new writes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
from duckdb import ColumnExpression, ConstantExpression
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from tickerhouse import export_state
from tickerhouse import warehouse as wh
from tickerhouse.export_contract import load_datasets
from tickerhouse.export_state import DICTIONARY_FILE, STATE_FILE, ExportPlan, partition_dir, relation
from tickerhouse.faults import crash_point
from tickerhouse.io.locks import run_lock
from tickerhouse.settings import load_settings
from tickerhouse.transforms.export_plan import NULL_PARTITION, Dataset, render_dictionary

# A reader that resolved `current` just before a swap keeps reading the version it replaced.
KEEP_VERSIONS = 2
# The folder a version is built in until it is complete: never counted as a version, pruned if left.
PARTIAL_PREFIX = ".partial-"


@task(cache_policy=NO_CACHE)
def plan_export(warehouse: str, out_dir: str, datasets: list[Dataset], since: date | None) -> ExportPlan:
    """Return the export's plan (tickerhouse.export_state.plan_export): checks passed, what to write."""
    return export_state.plan_export(Path(warehouse), Path(out_dir), datasets, since)


@task(retries=3, retry_delay_seconds=[2, 5, 15], cache_policy=NO_CACHE)
def write_partitions(warehouse: str, dataset: Dataset, values: list[str], version_dir: str) -> None:
    """Write the dataset's rows of the given partitions as zstd Parquet under version_dir."""
    root = Path(version_dir)
    for value in values:  # a retried attempt starts from nothing
        shutil.rmtree(partition_dir(root, dataset, value), ignore_errors=True)
    con = wh.connect(Path(warehouse), read_only=True)
    try:
        rel = relation(con, dataset)
        partitioning = None
        if dataset.partition_by is not None:
            part = ColumnExpression(dataset.partition_by)
            dated = [ConstantExpression(date.fromisoformat(v)) for v in values if v != NULL_PARTITION]
            wanted = part.isin(*dated) if dated else ConstantExpression(False)
            rel = rel.filter(wanted | part.isnull() if NULL_PARTITION in values else wanted)
            field = pa.field(dataset.partition_by, pa.date32())
            partitioning = pads.partitioning(pa.schema([field]), flavor="hive")
        reader = rel.to_arrow_reader()
        pads.write_dataset(
            reader,
            root / dataset.name,
            format="parquet",
            partitioning=partitioning,
            file_options=pads.ParquetFileFormat().make_write_options(compression="zstd"),
            basename_template="part-{i}.parquet",
            existing_data_behavior="overwrite_or_ignore",
        )
    finally:
        con.close()


def _link_partition(source: Path, target: Path) -> None:
    """Hard-link a partition's files from the previous export (no copy; the old version keeps its own)."""
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.is_file():
            os.link(item, target / item.name)


def _swap_current(out: Path, version: Path) -> None:
    """Point <out>/current at version with one atomic rename of a fresh symlink."""
    current = out / "current"
    if current.exists() and not current.is_symlink():
        raise FileExistsError(f"{current} is not a symlink made by tickerhouse export; move it away")
    link = out / f".current-{version.name}"
    link.symlink_to(Path("versions") / version.name)
    os.replace(link, current)


def complete_versions(out: Path) -> list[Path]:
    """Return the complete versions of an export folder, oldest first (a crashed export's is partial)."""
    root = out / "versions"
    if not root.is_dir():
        return []
    found = (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(PARTIAL_PREFIX))
    return sorted((p for p in found if (p / STATE_FILE).is_file()), key=lambda p: p.name)


def _prune_versions(out: Path, replaced: Path) -> None:
    """Delete all but the last KEEP_VERSIONS complete versions, the current one and the one it replaced
    (a reader that resolved `current` before the swap keeps its files); every partial folder goes."""
    keep = {p.name for p in complete_versions(out)[-KEEP_VERSIONS:]}
    keep |= {(out / "current").resolve().name, replaced.name}
    for path in (out / "versions").iterdir():
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def new_version(out: Path, export_id: str) -> Iterator[Path]:
    """Yield the partial folder a new export is built in, beside `current`; on exit it is removed, and so
    is the complete version unless `current` points at it.

    A failed export (checks, a write, an error before the swap) so leaves `current` and its files as they
    were; the partial folder a SIGKILL leaves behind is never a version and the next export prunes it.
    """
    building = out / "versions" / f"{PARTIAL_PREFIX}{export_id}"
    version = out / "versions" / export_id
    try:
        yield building
    finally:
        shutil.rmtree(building, ignore_errors=True)
        if version.exists() and (out / "current").resolve() != version.resolve():
            shutil.rmtree(version, ignore_errors=True)


def build_version(
    out: Path, export_id: str, target: str, datasets: list[Dataset], planned: ExportPlan
) -> None:
    """Build the planned version beside `current` (kept partitions linked, the others written), rename it
    complete, swap `current` to it and prune the versions no reader needs."""
    previous, now, plans = planned.previous, planned.now, planned.plans
    prev_dir = (out / "current").resolve()
    with new_version(out, export_id) as building:
        building.mkdir(parents=True)
        state: dict = {"export_id": export_id, "exported_at": datetime.now(UTC).isoformat(), "datasets": {}}
        for ds in datasets:
            plan = plans[ds.name]
            for value in plan["keep"]:
                _link_partition(partition_dir(prev_dir, ds, value), partition_dir(building, ds, value))
            if plan["write"]:
                write_partitions(target, ds, plan["write"], str(building))
                crash_point("export")  # after the first dataset written: a version half built
            partitions = {v: previous[ds.name][v] for v in plan["keep"]} | {
                v: now[ds.name][v] for v in plan["write"]
            }
            state["datasets"][ds.name] = {"partition_by": ds.partition_by, "partitions": partitions}
        (building / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")
        (building / DICTIONARY_FILE).write_text(render_dictionary(datasets), encoding="utf-8")
        version = building.rename(out / "versions" / export_id)  # complete: a version from now on
        _swap_current(out, version)
        _prune_versions(out, prev_dir)


@flow(name="export_parquet")
def export_parquet(
    out_dir: str | None = None,
    since: str | None = None,
    warehouse: str | None = None,
    lock_timeout_s: float | None = None,
) -> dict:
    """Export every sql/export dataset as Parquet to out_dir (incremental, or from `since`); return counts.

    Without `since`, an export whose every partition, dataset and column meaning is as `current` holds it
    writes nothing and keeps `current` (summary `nothing_new`, `export_id` the current one's).
    """
    settings = load_settings()
    out = Path(out_dir or settings.export_dir)
    target = warehouse or str(settings.warehouse)
    since_date = date.fromisoformat(since) if since else None
    export_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    datasets = load_datasets()
    wait_s = settings.lock_timeout_s if lock_timeout_s is None else lock_timeout_s
    # An ingest changes the warehouse mid-export and holds DuckDB's write lock: take turns with it.
    with run_lock(settings.state_dir, Path(target), wait_s):
        wh.connect(Path(target)).close()  # creates tables and views a newer schema added
        # Extract: the warehouse passes its checks; what each partition holds now and at the last export
        # Transform: per dataset, the partitions whose rows changed are written, the others linked
        planned = plan_export(target, str(out), datasets, since_date)
        plans, now = planned.plans, planned.now
        # Load: the new version built beside `current`, then swapped in with one rename
        if planned.unchanged:
            export_id = planned.state["export_id"]
        else:
            build_version(out, export_id, target, datasets, planned)
    counts = {
        name: {
            "written": len(plan["write"]),
            "kept": len(plan["keep"]),
            "dropped": len(plan["drop"]),
            "rows_written": sum(now[name][v]["rows"] for v in plan["write"]),
        }
        for name, plan in plans.items()
    }
    summary = {
        "export_id": export_id,
        "out_dir": str(out),
        "since": since,
        "nothing_new": planned.unchanged,
        "datasets": counts,
        "seconds": round(time.monotonic() - started, 2),
    }
    what = "nothing new, kept" if planned.unchanged else "wrote"
    seconds = summary["seconds"]
    create_table_artifact(
        key="export-summary",
        description=f"export {what} {export_id} in {out}/current, since {since or '-'}, {seconds:.1f} s",
        table=[{"dataset": name, **figures} for name, figures in counts.items()],
    )
    get_run_logger().info("export %s %s: %s", what, export_id, counts)
    return summary
