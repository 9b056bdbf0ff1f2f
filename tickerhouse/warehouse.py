"""The DuckDB warehouse: open it, create its schema from sql/, load staged Parquet, run checks."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tickerhouse.errors import BusyError, NewerSchemaError, NotFoundError, QueryError
from tickerhouse.faults import crash_point
from tickerhouse.io import storage
from tickerhouse.io.discovery import KnownPaths
from tickerhouse.resources import sql_names, sql_text
from tickerhouse.settings import load_settings

# The version a warehouse made by this code records; sql/migrations/NNN_*.sql brings version NNN-1 to NNN.
SCHEMA_VERSION = 6

# Load order: the versions first (they decide which snapshots are added and which retracted:
# sql/load/snapshot_changes.sql), then headline aggregates and items from the added snapshots' items
# (sql/macros/new_items.sql), then the snapshots; parents before children otherwise.
LOAD_ORDER = (
    "raw_dumps",
    "dump_files",
    "rejects",
    "snapshot_versions",
    "headline_days",
    "headlines",
    "ticker_items",
    "ticker_snapshots",
    "headline_topics",
    "headline_tokens",
    "articles",
    "article_topics",
    "outlets",
)
# Staged file (one per batch) each load statement reads.
STAGED_FILE = {
    "raw_dumps": "dumps",
    "dump_files": "files",
    "rejects": "rejects",
    "snapshot_versions": "versions",
    "ticker_snapshots": "versions",
    "ticker_items": "items",
    "headline_days": "items",
    "headlines": "items",
    "headline_topics": "headline_topics",
    "headline_tokens": "headline_tokens",
    "articles": "articles",
    "article_topics": "article_topics",
    "outlets": "outlets",
}
# View order: DuckDB binds a view when it creates it, so each view comes after the views it reads
# (story_counts counts the stories of headline_stories; topic_attention and tagging_status bucket
# headline_periods); the others read tables only.
VIEW_ORDER = (
    "dump_lines",
    "unknown_outlets",
    "headline_dwell",
    "headline_periods",
    "topic_attention",
    "tagging_status",
    "article_volume",
    "headline_stories",
    "story_counts",
)


class WarehouseLockedError(BusyError):
    """Another process (an ingest) holds the warehouse's write lock."""


class SchemaVersionError(NewerSchemaError):
    """The warehouse was made by a newer tickerhouse than this one: refuse rather than misread it."""


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Return a connection in UTC; a writable one has the schema created or checked first."""
    if read_only and not path.exists():
        raise NotFoundError(f"no warehouse at {path}: run `tickerhouse ingest` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        settings = load_settings()
        config = {"temp_directory": str(settings.state_dir / "duckdb_tmp")}
        if settings.duckdb_memory_limit:
            config["memory_limit"] = settings.duckdb_memory_limit
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as err:
        if "lock" in str(err).lower():
            raise WarehouseLockedError(
                f"the warehouse {path} is locked by another process (an ingest is running?): {err}"
            ) from err
        raise
    con.execute("set TimeZone = 'UTC'")
    try:
        if read_only:
            _refuse_newer(path, stored_schema_version(con))
        else:
            apply_schema(con, path)
    except BaseException:
        con.close()
        raise
    return con


# Statements ad-hoc SQL may run: reading ones. COPY, ATTACH, SET, INSTALL, LOAD, CREATE (temp tables and
# macros too), EXPORT... are refused before DuckDB sees them; the locked connection refuses them again.
SANDBOX_STATEMENTS = frozenset(
    {
        duckdb.StatementType.SELECT,  # also DESCRIBE, SHOW, SUMMARIZE, FROM ..., VALUES ...
        duckdb.StatementType.EXPLAIN,
        duckdb.StatementType.PRAGMA,  # table_info, show_tables; a pragma that sets something is refused
        duckdb.StatementType.CALL,
    }
)


class QueryRefusedError(QueryError):
    """Ad-hoc SQL asked for something the sandbox does not allow (write a file, attach, set, install)."""


def connect_sandboxed(path: Path) -> duckdb.DuckDBPyConnection:
    """Return a read-only connection locked down for ad-hoc SQL.

    External access is off but for the warehouse's own raw archive (read with read_parquet): no other
    file, no URL, no ATTACH of another database; extensions are neither installed nor autoloaded; then
    the configuration is locked, so no SET undoes it. Order matters: DuckDB takes allowed_directories
    only while external access is on, and nothing once the configuration is locked.
    """
    con = connect(path, read_only=True)
    try:
        archive = raw_archive(con)
        allowed = [str(archive) + os.sep] if archive else []
        # session configuration, like `set TimeZone`: not a query, so inline
        con.execute("set autoload_known_extensions = false")
        con.execute("set autoinstall_known_extensions = false")
        con.execute("set allow_community_extensions = false")
        con.execute("set allowed_directories = $allowed", {"allowed": allowed})
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def refuse_unsafe_statements(query: str) -> None:
    """Raise QueryRefusedError, in one line, when the query holds a statement that is not a read."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error:
        return  # a syntax error: DuckDB's own message, when the query runs, says where
    for statement in statements:
        if statement.type not in SANDBOX_STATEMENTS:
            kind = statement.type.name
            raise QueryRefusedError(
                f"refused: {kind} is not allowed in ad-hoc SQL (read-only: SELECT, DESCRIBE, SHOW, EXPLAIN, "
                "PRAGMA, CALL; the raw archive is the one folder it may read)"
            )


def stored_schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """Return the schema version the warehouse records, or None for a new (empty) file."""
    # fetchall, not fetchone: DuckDB 2.0 refuses relation queries on a connection with a half-read result.
    if not _has_table(con, "schema_meta"):
        return None
    rows = con.execute(sql_text("internal/schema_version")).fetchall()
    return int(rows[0][0]) if rows else None


def _refuse_newer(path: Path | None, stored: int | None) -> None:
    if stored is not None and stored > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the warehouse {path or ''} has schema version {stored}, newer than this tickerhouse knows "
            f"({SCHEMA_VERSION}): upgrade tickerhouse; it will not write to a schema it cannot read"
        )


def migrations() -> list[tuple[int, str]]:
    """Return (version, sql/migrations name) of every migration, in the order they apply."""
    return sorted((int(name.split("_", 1)[0]), name) for name in sql_names("migrations"))


def _migration_functions(version: int) -> dict[str, Callable[[str], str]]:
    """Return the Python functions (text -> text) a migration's SQL calls: what SQL cannot know."""
    if version == 4:
        # Relative paths were stored relative to the directory each ingest ran in, which no warehouse
        # recorded: read against TICKERHOUSE_HOME (the current directory by default), as the settings'.
        return {"known_path": KnownPaths(str(load_settings().home)).of}
    return {}


def _migrate(con: duckdb.DuckDBPyConnection, version: int, name: str) -> None:
    """Run one migration, with the Python functions its SQL calls registered for it alone."""
    functions = _migration_functions(version)
    for function_name, function in functions.items():
        con.create_function(function_name, function, ["VARCHAR"], "VARCHAR")
    try:
        con.execute(sql_text(f"migrations/{name}"))
    finally:
        for function_name in functions:
            con.remove_function(function_name)


def apply_schema(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> None:
    """Create missing tables, migrate an older warehouse in place, create the views; record the version.

    Idempotent: tables are `create ... if not exists` and each migration is written to be re-runnable.
    """
    stored = stored_schema_version(con)
    _refuse_newer(path, stored)
    with transaction(con):
        created = [name for name in sql_names("tables") if not _has_table(con, name)]
        for name in sql_names("tables"):
            con.execute(sql_text(f"tables/{name}"))
        for version, name in migrations():
            if stored is not None and version > stored:
                _migrate(con, version, name)
        if stored is not None:
            _rederive(con, created)
        for name in VIEW_ORDER:
            con.execute(sql_text(f"views/{name}"))
        con.execute(sql_text("internal/record_schema_version"), {"version": str(SCHEMA_VERSION)})


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute(sql_text("internal/has_table"), {"name": name}).fetchall()[0][0])


def _rederive(con: duckdb.DuckDBPyConnection, created: list[str]) -> None:
    """Fill the derived tables this open created in an older warehouse from what it stores.

    A table a later schema added (schema 1 had no headline_days and no tags) is created empty; left so,
    trends and exports would show nothing with no check failing. snapshot_versions (schema 6) is read off
    the stored snapshots, which are then re-keyed by capture as a load decides them (the less complete
    versions of one capture superseded); headline_days is summed from the stored items, the tags and story
    tokens are derived from the stored text as retag does (the taxonomy in force, and the model's heads on
    any stored vectors). Inside the caller's transaction, like the migrations.
    """
    if not created:
        return
    con.execute(sql_text("macros/snapshots"))
    if "snapshot_versions" in created:
        # snapshots were one per dump before schema 6: re-keyed by capture, the less complete superseded
        con.execute(sql_text("load/stored_versions"))
        retracted = snapshot_changes(con, rekey_stored=True)
        settle_snapshots(con, retracted)
    if "headline_days" in created:
        con.execute(sql_text("load/recount_all_keys"))
        con.execute(sql_text("load/snapshot_recount"))
    from tickerhouse import tagging  # the taxonomy and the topic model: only for such an old warehouse

    if not set(tagging.TAG_TABLES) & set(created):
        return
    from tickerhouse.resources import compiled_taxonomy
    from tickerhouse.topic_heads import load_topic_model

    state_dir = load_settings().state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=state_dir) as staging:
        taxonomy_toml, _ = tagging.taxonomy_in_force(con)
        tagging.stage_tags(con, compiled_taxonomy(taxonomy_toml), load_topic_model(), Path(staging))
        tagging.replace_tags(con, Path(staging))


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return rows per loaded table."""
    return dict(con.execute(sql_text("internal/table_counts")).fetchall())


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one transaction: all of it is committed or none of it."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


# A staged batch's dump bytes (dump_id, content), zstd-compressed: moved into the raw archive by the load.
RAW_STAGED = "raw.parquet"


def raw_archive(con: duckdb.DuckDBPyConnection) -> Path | None:
    """Return the raw archive of a warehouse: <warehouse>.raw/ beside its file (None when in memory).

    The dumps' bytes live there as Parquet rather than in DuckDB: committing 100k 7 KB blobs cost DuckDB
    more than everything else the load writes (bench/ingest.py), Parquet written by the workers costs
    them ~20 ms a batch, and a rebuild or an analyst reads them back with read_parquet.
    """
    ((file,),) = con.execute(sql_text("internal/database_path")).fetchall()
    return Path(file).with_suffix(".raw") if file else None


def archive_name(batch_dir: str | Path) -> str:
    """Return the raw archive file of a staged batch <staging>/<run>/<batch>: <run>/<batch>.parquet."""
    run_dir, batch = os.path.split(os.fspath(batch_dir).rstrip("/"))
    return f"{os.path.basename(run_dir)}/{batch}.parquet"


def archive_staged(con: duckdb.DuckDBPyConnection, batch_dirs: list[str] | list[Path]) -> None:
    """Move each staged batch's bytes into the raw archive, durably, before the load refers to them."""
    archive = raw_archive(con)
    if archive is None:
        return
    for batch_dir in batch_dirs:
        staged = storage.join(batch_dir, RAW_STAGED)
        if not storage.exists(staged):
            continue
        target = archive / archive_name(batch_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        storage.move_to_local(staged, target)
        with open(target, "rb") as handle:
            os.fsync(handle.fileno())  # on disk before the commit that points at it
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def prune_raw_archive(con: duckdb.DuckDBPyConnection) -> None:
    """Delete the archive files no stored dump points at (a crashed load's, those a rebuild replaced).

    Run after a commit: what the committed warehouse refers to is exactly what stays.
    """
    archive = raw_archive(con)
    if archive is None or not archive.exists():
        return
    kept = {name for (name,) in con.execute(sql_text("internal/raw_files")).fetchall()}
    for file in archive.glob("*/*.parquet"):
        if f"{file.parent.name}/{file.name}" not in kept:
            file.unlink()
    for folder in archive.iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def insert_staged(con: duckdb.DuckDBPyConnection, batch_dirs: list[str] | list[Path]) -> None:
    """Insert every staged batch, table by table in LOAD_ORDER, inside the caller's transaction."""
    archive_staged(con, batch_dirs)
    storage.register_filesystems(con, batch_dirs)  # staging at a URL: DuckDB reads it through fsspec
    con.execute(sql_text("macros/snapshots"))
    retracted = 0
    for table in LOAD_ORDER:
        files = [storage.join(d, f"{STAGED_FILE[table]}.parquet") for d in batch_dirs]
        files = [f for f in files if storage.exists(f)]
        if not files:
            continue
        if table == "ticker_snapshots":
            settle_snapshots(con, retracted)
        else:
            con.execute(sql_text(f"load/{table}"), {"files": files})
        if table == "snapshot_versions":
            retracted = snapshot_changes(con)
            con.execute(sql_text("macros/new_items"))  # reads snapshot_added, which now exists
        crash_point("load")  # after the first table: a transaction half done


def snapshot_changes(con: duckdb.DuckDBPyConnection, rekey_stored: bool = False) -> int:
    """Store the staged versions (temp table staged_versions), decide each touched capture's snapshot and
    remove the stored snapshots that are no longer one; return how many were removed.

    A removal is rare (a more complete version of a stored capture, a copy dated earlier): only then are
    the stored items read, so a load that only adds never reads the history. rekey_stored: the versions
    are the stored snapshots themselves (an upgrade), whose items move to their capture's id.
    """
    con.execute(sql_text("load/snapshot_changes"))
    if rekey_stored:
        con.execute(sql_text("load/rekey_stored_items"))
    ((retracted,),) = con.execute(sql_text("internal/retracted_count")).fetchall()
    if retracted:
        con.execute(sql_text("load/snapshot_retract"))
    return retracted


def settle_snapshots(con: duckdb.DuckDBPyConnection, retracted: int) -> None:
    """Add the snapshots decided (snapshot_added), count again what the removed ones counted in, and give
    the touched captures' dumps their status (loaded, or superseded)."""
    con.execute(sql_text("load/ticker_snapshots"))
    if retracted:
        con.execute(sql_text("load/snapshot_recount"))
    con.execute(sql_text("load/dump_statuses"))


class _ChecksRefused(Exception):
    """Raised inside the load's transaction to roll it back: a check found offending rows."""

    def __init__(self, summary: dict) -> None:
        self.summary = summary


def load_checked(con: duckdb.DuckDBPyConnection, batch_dirs: list[str] | list[Path], summary: dict) -> dict:
    """Load every staged batch, run sql/checks and record the run in ingest_runs, all in one transaction;
    return the run's summary (dumps, reject reasons, rows added, failing rows per check, finished_at).

    Nothing a check refuses is committed: when a check finds offending rows the load is rolled back, the
    run is recorded alone (no rows added, `refused` naming each failing check's first row) and its files,
    not in dump_files, are read again by the next run. A crash anywhere leaves no run record without its
    rows, nor rows without theirs.
    """
    before = table_counts(con)
    try:
        with transaction(con):
            if batch_dirs:
                insert_staged(con, batch_dirs)
            checked = check_rows(con)
            failing = {name: rows for name, rows in checked.items() if len(rows)}
            after = table_counts(con)
            done = {
                **summary,
                **run_outcome(con, summary["run_id"]),
                "rows_added": {t: after[t] - before[t] for t in LOAD_ORDER},
                "checks": {name: len(rows) for name, rows in checked.items()},
                "finished_at": datetime.now(UTC),
            }
            if failing:
                first = {name: rows[0] for name, rows in failing.items()}
                raise _ChecksRefused({**done, "refused": {n: str(row) for n, row in first.items()}})
            record_run(con, done)
    except _ChecksRefused as refused:
        done = {
            **refused.summary,
            "dumps_loaded": 0,
            "dumps_rejected": 0,
            "reject_reasons": {},
            "rows_added": dict.fromkeys(LOAD_ORDER, 0),
        }
        with transaction(con):
            record_run(con, done)
    prune_raw_archive(con)
    return done


def set_check_variables(con: duckdb.DuckDBPyConnection) -> None:
    """Give the session the settings the checks read (getvariable): session control, like `set TimeZone`."""
    con.execute("set variable future_tolerance_s = $s", {"s": load_settings().future_tolerance_s})


def records(result: duckdb.DuckDBPyConnection | duckdb.DuckDBPyRelation) -> list[dict]:
    """Return the rows of a query's result as column -> value dicts (no pandas: a check's rows are few)."""
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def check_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Run every sql/checks query; return its offending rows (column -> value) per check (no rows = pass)."""
    set_check_variables(con)
    return {name: records(con.execute(sql_text(f"checks/{name}"))) for name in sql_names("checks")}


def run_checks(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Run every sql/checks query; return failing rows per check (0 = pass)."""
    return {name: len(rows) for name, rows in check_rows(con).items()}


def record_run(con: duckdb.DuckDBPyConnection, summary: dict) -> None:
    """Insert the run's summary into ingest_runs."""
    keys = "run_id started_at finished_at files_seen files_new dumps_loaded dumps_rejected".split()
    params = {key: summary[key] for key in keys} | {"kind": summary.get("kind", "ingest")}
    params |= {key: json.dumps(summary[key]) for key in ("rows_added", "checks")}  # the JSON columns
    con.execute(sql_text("internal/record_run"), params)


def run_outcome(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """Return dumps loaded and rejected by a run, with the reject reasons and their counts."""
    ((loaded,),) = con.execute(sql_text("internal/run_dumps_loaded"), {"run_id": run_id}).fetchall()
    reasons = dict(con.execute(sql_text("internal/run_reject_reasons"), {"run_id": run_id}).fetchall())
    return {
        "dumps_loaded": loaded,
        "dumps_rejected": sum(reasons.values()),
        "reject_reasons": reasons,
    }


def seen_files(con: duckdb.DuckDBPyConnection) -> set[tuple[str, int, int]]:
    """Return every (path, size, mtime_ns) already ingested, to skip without reading or hashing."""
    return set(con.execute(sql_text("internal/seen_files")).fetchall())
