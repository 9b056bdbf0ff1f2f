"""rebuild_warehouse: every derived table re-derived from the dump bytes raw_dumps keeps (a parser fix
applied to history), through the ingest's own stage and load code, in one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tickerhouse import warehouse as wh
from tickerhouse.errors import NotFoundError
from tickerhouse.flows.summaries import publish_summary, record_checked_run
from tickerhouse.io.locks import run_lock
from tickerhouse.resources import OUTLETS_CSV, compiled_taxonomy, sql_text
from tickerhouse.settings import load_settings
from tickerhouse.staging import stage_batch, staging_area
from tickerhouse.tagging import STAGED_TAXONOMY, record_taxonomy, replace_tags, stage_tags, taxonomy_in_force
from tickerhouse.topic_heads import load_topic_model
from tickerhouse.transforms.source_file import SourceFile

# Observations, not derivations: which file versions were seen is never re-derived from bytes. (The
# embedding tables are not touched either: vectors depend on the text alone and cost an hour per few
# hundred thousand texts; the model's tags are re-applied to them.)
KEPT_TABLES = ("dump_files",)
DERIVED_TABLES = tuple(t for t in wh.LOAD_ORDER if t not in KEPT_TABLES)


class _ArchiveReader:
    """Dumps' bytes from the raw archive, one archive file in memory at a time (rows come grouped by file)."""

    def __init__(self, archive: Path | None) -> None:
        self._archive = archive
        self._name: str | None = None
        self._contents: dict[str, bytes] = {}

    def content(self, name: str, dump_id: str) -> bytes:
        if name != self._name:
            if self._archive is None:
                raise FileNotFoundError(f"dump {dump_id} is in raw archive file {name}; no archive here")
            table = pq.read_table(self._archive / name, columns=["dump_id", "content"]).to_pydict()
            self._contents = dict(zip(table["dump_id"], table["content"], strict=True))
            self._name = name
        return self._contents[dump_id]


@task(cache_policy=NO_CACHE)
def stage_stored_dumps(
    warehouse: str, staging: str, run_id: str, started: datetime, batch_size: int
) -> list[str]:
    """Stage every stored dump's bytes in batches, exactly as ingest stages files, tagged with the taxonomy
    stage_taxonomy staged; return the batch dirs."""
    outlets = pd.read_csv(OUTLETS_CSV, dtype=str, keep_default_na=False)
    taxonomy = compiled_taxonomy((Path(staging) / STAGED_TAXONOMY).read_text(encoding="utf-8"))
    dirs: list[str] = []
    con = wh.connect(Path(warehouse))
    try:
        archive = _ArchiveReader(wh.raw_archive(con))
        cursor = con.execute(sql_text("rebuild/stored_dumps"))
        while rows := cursor.fetchmany(batch_size):
            contents = [
                (
                    # a manifest may be gone since: the capture time it gave is kept as it was stored
                    SourceFile(path, size, mtime_ns, manifest_captured_at=manifest_at, dump_id=dump_id),
                    bytes(content) if content is not None else archive.content(raw_file, dump_id),
                )
                for dump_id, path, size, mtime_ns, manifest_at, content, raw_file in rows
            ]
            target = Path(staging) / f"{len(dirs):05d}"
            stage_batch(contents, target, run_id, started, outlets, taxonomy)
            # Rebuild reads no file: the file versions already recorded stay as they are.
            (target / "files.parquet").unlink()
            dirs.append(str(target))
    finally:
        con.close()
    return dirs


def replace_derived(
    con: duckdb.DuckDBPyConnection, batch_dirs: list[str], tag_dir: Path, record: bool = False
) -> dict:
    """Inside the caller's transaction: clear derived rows, load the staged batches, tag them with the
    taxonomy staged in tag_dir (recorded as the one in force when `record`), report the changes."""
    con.execute(sql_text("rebuild/rebuild_hashes"))
    for table in DERIVED_TABLES:
        con.execute(sql_text("rebuild/record_hashes"), {"side": "before", "table": table})
    con.execute(sql_text("rebuild/keep_lineage"))
    con.execute(sql_text("rebuild/clear"))  # every one of DERIVED_TABLES
    wh.insert_staged(con, batch_dirs)
    con.execute(sql_text("rebuild/restore_lineage"))
    # The dumps' staging tags with the lexicon only: the model is re-applied to the vectors kept
    tags = tag_dir / "tags"
    toml_text = (tag_dir / STAGED_TAXONOMY).read_text(encoding="utf-8")
    taxonomy = compiled_taxonomy(toml_text)
    stage_tags(con, taxonomy, load_topic_model(), tags)
    replace_tags(con, tags)
    if record:
        record_taxonomy(con, taxonomy.version, toml_text)
    for table in DERIVED_TABLES:
        con.execute(sql_text("rebuild/record_hashes"), {"side": "after", "table": table})
    diff = {t: {"added": 0, "removed": 0} for t in DERIVED_TABLES}
    for table, added, removed in con.execute(sql_text("rebuild/diff")).fetchall():
        diff[table] = {"added": added, "removed": removed}
    changed = con.execute(sql_text("rebuild/status_changes")).fetchall()
    return {
        "rows_changed": diff,
        "taxonomy_version": taxonomy.version,
        "status_changes": [
            {"dump_id": d, "path": p, "before": before, "after": after} for d, p, before, after in changed
        ],
    }


@task(cache_policy=NO_CACHE)
def stage_taxonomy(warehouse: str, staging: str, taxonomy_path: str | None) -> str:
    """Stage the taxonomy the rebuild tags with in staging; return where it came from.

    taxonomy_path (`--taxonomy FILE`) wins; without it, the taxonomy in force (tagging.taxonomy_in_force).
    """
    if taxonomy_path:
        toml_text, source = (
            Path(taxonomy_path).read_text(encoding="utf-8"),
            f"{taxonomy_path} (--taxonomy, now in force)",
        )
    else:
        con = wh.connect(Path(warehouse))
        try:
            toml_text, source = taxonomy_in_force(con)
        finally:
            con.close()
    Path(staging).mkdir(parents=True, exist_ok=True)
    (Path(staging) / STAGED_TAXONOMY).write_text(toml_text, encoding="utf-8")
    return source


@task(retries=3, retry_delay_seconds=[2, 5, 15], cache_policy=NO_CACHE)
def replace_derived_tables(
    warehouse: str, staging: str, batch_dirs: list[str], summary: dict, taxonomy_given: bool = False
) -> dict:
    """Replace every derived table by the staged batches in one transaction, run checks, record the run."""
    con = wh.connect(Path(warehouse))
    try:
        with wh.transaction(con):
            changes = replace_derived(con, batch_dirs, Path(staging), taxonomy_given)
        wh.prune_raw_archive(con)  # the archive files the re-staged dumps replaced
        statuses = dict(con.execute(sql_text("rebuild/dump_statuses")).fetchall())
        done = {
            **summary,
            "dumps_loaded": statuses.get("loaded", 0),
            "dumps_rejected": statuses.get("rejected", 0),
            "rows_added": {t: c["added"] - c["removed"] for t, c in changes["rows_changed"].items()},
            **changes,
        }
        return record_checked_run(con, done)
    finally:
        con.close()


@flow(name="rebuild_warehouse")
def rebuild_warehouse(
    warehouse: str | None = None,
    batch_size: int | None = None,
    lock_timeout_s: float | None = None,
    taxonomy_path: str | None = None,
) -> dict:
    """Re-derive every derived table from the stored dump bytes; return rows changed and status changes.

    The tags are derived with the taxonomy in force (the last `retag`'s), or with taxonomy_path, which is
    then recorded as the one in force; the summary says which (`taxonomy_version`, `taxonomy_source`).
    """
    settings = load_settings()
    target = Path(warehouse or settings.warehouse)
    if not target.exists():
        raise NotFoundError(f"no warehouse at {target}: nothing to rebuild")
    run_id = f"rebuild-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    started = datetime.now(UTC)
    wait_s = settings.lock_timeout_s if lock_timeout_s is None else lock_timeout_s
    # The run lock: a rebuild and an ingest never interleave their staging or loads.
    with (
        run_lock(settings.state_dir, target, wait_s),
        staging_area(str(settings.staging_dir), run_id) as staging,
    ):
        # Extract and transform: the taxonomy to keep; the stored bytes through the ingest's stage path
        source = stage_taxonomy(str(target), staging, taxonomy_path)
        batch_dirs = stage_stored_dumps(
            str(target), staging, run_id, started, batch_size or settings.batch_size
        )
        # Load: every derived table replaced (the tags re-applied to the rows), all or nothing; the checks
        start = {"run_id": run_id, "kind": "rebuild", "started_at": started, "files_seen": 0, "files_new": 0}
        summary = replace_derived_tables(str(target), staging, batch_dirs, start, taxonomy_path is not None)
    summary = {**summary, "taxonomy_source": source}
    publish_summary(
        "rebuild-summary",
        f"rebuild {run_id}",
        {
            "dumps": {"loaded": summary["dumps_loaded"], "rejected": summary["dumps_rejected"]},
            "taxonomy": {"version": summary["taxonomy_version"], "source": source},
            "rows added": {t: c["added"] for t, c in summary["rows_changed"].items()},
            "rows removed": {t: c["removed"] for t, c in summary["rows_changed"].items()},
            "failing rows": summary["checks"],
            "status changed": {
                d["path"]: f"{d['before']} -> {d['after']}" for d in summary["status_changes"]
            },
            "run": {"seconds": round((summary["finished_at"] - started).total_seconds(), 1)},
        },
    )
    get_run_logger().info("rebuild %s: %s", run_id, summary["rows_changed"])
    return summary
