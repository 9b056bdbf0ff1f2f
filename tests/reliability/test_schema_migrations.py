"""Schema evolution: older warehouses migrated on open, newer ones refused, apply_schema idempotent."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from helpers import table_counts
from tickerhouse import warehouse as wh


def _columns(target: Path, table: str) -> list[str]:
    con = duckdb.connect(str(target), read_only=True)
    try:
        rows = con.execute(
            "select column_name from duckdb_columns() where table_name = ?", [table]
        ).fetchall()
        return [c for (c,) in rows]
    finally:
        con.close()


def _version_1_warehouse(target: Path, drop_table: bool) -> None:
    """A warehouse as schema 1 made it: today's schema minus ingest_runs.kind (or all of ingest_runs)."""
    wh.connect(target).close()
    con = duckdb.connect(str(target))
    if drop_table:
        con.execute("drop table ingest_runs")
    else:
        con.execute("alter table ingest_runs drop column kind")
        con.execute("insert into ingest_runs values ('old-run', now(), now(), 1, 1, 1, 0, '{}', '{}')")
    con.execute("update schema_meta set value = '1' where key = 'schema_version'")
    con.close()


@pytest.mark.parametrize(
    "drop_table",
    [
        False,  # the column a migration adds is missing; the old run's row must survive
        True,  # the whole table is missing: created by tables/, the migration is then a no-op
    ],
)
def test_older_warehouse_is_migrated_in_place(tmp_path, drop_table):
    target = tmp_path / "old.duckdb"
    _version_1_warehouse(target, drop_table)
    assert "kind" not in _columns(target, "ingest_runs")
    con = wh.connect(target)
    assert wh.stored_schema_version(con) == wh.SCHEMA_VERSION
    kinds = con.execute("select run_id, kind from ingest_runs").fetchall()
    con.close()
    assert "kind" in _columns(target, "ingest_runs")
    assert kinds == ([] if drop_table else [("old-run", "ingest")])


def test_newer_warehouse_is_refused(tmp_path):
    target = tmp_path / "new.duckdb"
    wh.connect(target).close()
    con = duckdb.connect(str(target))
    con.execute("update schema_meta set value = ? where key = 'schema_version'", [str(wh.SCHEMA_VERSION + 1)])
    con.close()
    for read_only in (False, True):
        with pytest.raises(wh.SchemaVersionError, match="newer than this tickerhouse knows"):
            wh.connect(target, read_only=read_only)
    # Refused before touching anything: the version stays what the newer tickerhouse wrote.
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("select value from schema_meta").fetchone()[0] == str(wh.SCHEMA_VERSION + 1)
    con.close()


def test_newer_warehouse_is_refused_by_the_cli_in_one_line(run_cli, tmp_path):
    target = tmp_path / "new.duckdb"
    wh.connect(target).close()
    con = duckdb.connect(str(target))
    con.execute("update schema_meta set value = '999' where key = 'schema_version'")
    con.close()
    out = run_cli("sql", "select 1", "--warehouse", str(target))
    assert out.returncode == 4
    assert "schema version 999" in out.stderr and "Traceback" not in out.stderr


def test_apply_schema_twice_changes_nothing(tmp_path):
    target = tmp_path / "w.duckdb"
    wh.connect(target).close()
    before = {t: _columns(target, t) for t in ("ingest_runs", "rejects", "raw_dumps")}
    con = wh.connect(target)
    wh.apply_schema(con)
    con.close()
    assert {t: _columns(target, t) for t in before} == before


def test_migrations_are_numbered_up_to_the_current_version():
    versions = [v for v, _ in wh.migrations()]
    assert versions == sorted(set(versions))
    assert versions[-1] == wh.SCHEMA_VERSION


def _version_2_warehouse(target: Path, seed: bytes) -> None:
    """Downgrade a one-dump warehouse to what schema 2 stored: items keyed, the dump's bytes in content."""
    con = duckdb.connect(str(target))
    con.execute("update raw_dumps set content = ?", [seed])
    con.execute("alter table raw_dumps drop column raw_file")
    con.execute("alter table ticker_items rename to items_3")
    con.execute(
        "create table ticker_items (snapshot_id varchar not null, position integer not null, "
        "headline_id varchar not null, headline varchar not null, language varchar, "
        "primary key (snapshot_id, position))"
    )
    con.execute("insert into ticker_items select * from items_3")
    con.execute("drop table items_3")
    con.execute("update schema_meta set value = '2' where key = 'schema_version'")
    con.close()


def test_schema_2_warehouse_keeps_its_items_and_raw_bytes_and_rebuilds(
    prefect_harness, tmp_path, seed_bytes, fingerprint_of
):
    from tickerhouse.flows.ingest_dumps import ingest_dumps
    from tickerhouse.flows.rebuild_warehouse import rebuild_warehouse

    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "seed.txt").write_bytes(seed_bytes)
    target = tmp_path / "w.duckdb"
    ingest_dumps(paths=[str(landing)], warehouse=str(target))
    reference = fingerprint_of(target)
    _version_2_warehouse(target, seed_bytes)
    assert "raw_file" not in _columns(target, "raw_dumps")

    con = wh.connect(target)  # migrates 2 -> 3
    keys = con.execute(
        "select count(*) from duckdb_constraints() where table_name = 'ticker_items' "
        "and constraint_type = 'PRIMARY KEY'"
    ).fetchone()[0]
    items = con.execute("select count(*) from ticker_items").fetchone()[0]
    stored = con.execute("select content, raw_file from raw_dumps").fetchall()
    con.close()
    assert keys == 0 and items == 48
    assert stored == [(seed_bytes, None)]

    # A rebuild parses the bytes stored in content and moves them to the raw archive: the warehouse then
    # holds what a fresh ingest makes (raw_dumps compared by column name: the migration appended one).
    rebuild_warehouse(warehouse=str(target))
    after = fingerprint_of(target)
    del after["raw_dumps"], reference["raw_dumps"]
    assert after == reference
    con = duckdb.connect(str(target), read_only=True)
    # The archive keeps exactly the one file the dump points at (the first ingest's was pruned).
    moved = con.execute(
        "select d.content is null, a.content from raw_dumps as d "
        "join read_parquet(? || '/*/*.parquet', filename = true) as a using (dump_id)",
        [str(target.with_suffix(".raw"))],
    ).fetchall()
    con.close()
    assert moved == [(True, seed_bytes)]


def _version_3_warehouse_with_relative_paths(target: Path, project: Path) -> None:
    """Downgrade a warehouse to what schema 3 stored after ingests from `project` by relative names:
    every path relative to it, one file also recorded under its absolute name (ingested both ways)."""
    con = duckdb.connect(str(target))
    prefix = f"{project}/"
    con.execute("update dump_files set path = replace(path, ?, '')", [prefix])
    con.execute("update rejects set path = replace(path, ?, '')", [prefix])
    con.execute("update raw_dumps set first_path = replace(first_path, ?, '')", [prefix])
    con.execute(
        "insert into dump_files select ? || path, size_bytes, mtime_ns, dump_id, seen_at + interval 1 hour, "
        "'absolute-run', null from dump_files where path = 'data/sample/a.txt'",
        [prefix],
    )
    # A URL is known as written: the migration leaves it as it is.
    con.execute("insert into dump_files values ('s3://bucket/a.txt', 1, 1, null, now(), 'url-run', null)")
    con.execute("update schema_meta set value = '3' where key = 'schema_version'")
    con.close()


def _stored_paths(target: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(target), read_only=True)
    try:
        return {
            "dump_files": con.execute("select path, run_id from dump_files order by all").fetchall(),
            "rejects": con.execute("select path, reason from rejects order by all").fetchall(),
            "raw_dumps": con.execute("select first_path from raw_dumps order by all").fetchall(),
        }
    finally:
        con.close()


@pytest.mark.parametrize(
    "home",
    [
        False,  # TICKERHOUSE_HOME unset: relative paths are read against the current directory
        True,  # TICKERHOUSE_HOME set (run from elsewhere): read against it
    ],
)
def test_schema_3_relative_paths_are_resolved_once_and_not_read_again(
    prefect_harness, tmp_path, seed_bytes, monkeypatch, home
):
    from tickerhouse.flows.ingest_dumps import ingest_dumps

    project = tmp_path / "project"
    sample = project / "data" / "sample"
    sample.mkdir(parents=True)
    (sample / "a.txt").write_bytes(seed_bytes)
    (sample / "b.txt").write_bytes(seed_bytes + b"\nautre\n")
    (sample / "empty.txt").write_bytes(b"")  # a reject with its path
    (sample / "gone.txt").symlink_to(tmp_path / "nowhere.txt")  # an unreadable file: a reject, no dump
    target = tmp_path / "w.duckdb"
    ingest_dumps(paths=[str(sample)], warehouse=str(target))
    fresh = _stored_paths(target)
    counts = table_counts(target)
    _version_3_warehouse_with_relative_paths(target, project)
    assert ("data/sample/a.txt",) in _stored_paths(target)["raw_dumps"]

    if home:
        monkeypatch.setenv("TICKERHOUSE_HOME", str(project))
        monkeypatch.chdir(tmp_path)
    else:
        monkeypatch.chdir(project)
    wh.connect(target).close()  # migrates 3 -> 4 (and on)
    migrated = _stored_paths(target)
    # What a fresh ingest stored, plus the URL; the file recorded twice keeps its first row.
    assert migrated == {
        **fresh,
        "dump_files": sorted([*fresh["dump_files"], ("s3://bucket/a.txt", "url-run")]),
    }

    # Re-runnable: migrating again changes nothing.
    con = duckdb.connect(str(target))
    con.execute("update schema_meta set value = '3' where key = 'schema_version'")
    con.close()
    wh.connect(target).close()
    assert _stored_paths(target) == migrated

    # The same files named by their absolute path are not new: nothing is read again.
    again = ingest_dumps(paths=[str(sample)], warehouse=str(target))
    assert (again["files_seen"], again["files_new"]) == (4, 0)
    assert table_counts(target) == {**counts, "dump_files": counts["dump_files"] + 1}


SCHEMA_1_TABLES = Path(__file__).parent / "data" / "schema_1_tables.sql"


def _schema_1_warehouse(target: Path, reference: Path) -> None:
    """A warehouse made by schema 1's own DDL (the first ingesting commit), holding what it stored of the
    reference's dumps: every schema-1 column filled from the reference, the dumps' bytes in content."""
    con = duckdb.connect(str(target))
    con.execute(SCHEMA_1_TABLES.read_text(encoding="utf-8"))
    con.execute("attach ? as ref (read_only)", [str(reference)])
    archive = str(reference.with_suffix(".raw"))
    tables = [
        t
        for (t,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'w1'"
        ).fetchall()
    ]
    for table in tables:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where database_name = 'w1' and table_name = ? "
                "order by column_index",
                [table],
            ).fetchall()
        ]
        if table == "raw_dumps":
            con.execute(
                "insert into w1.raw_dumps by name select r.* exclude (content, raw_file), a.content "
                "from ref.raw_dumps as r join read_parquet(? || '/*/*.parquet') as a using (dump_id)",
                [archive],
            )
        elif table == "schema_meta":
            con.execute("insert into w1.schema_meta values ('schema_version', '1')")
        elif table in ("ticker_snapshots", "ticker_items"):
            # before schema 6 a snapshot was keyed by its dump (the reference has one snapshot per dump)
            con.sql(
                "select t.* replace (s.dump_id as snapshot_id) from ref.ticker_snapshots as s "
                "join query_table(?) as t using (snapshot_id)",
                params=[f"ref.{table}"],
            ).select(*columns).insert_into(f"w1.{table}")
        else:
            con.table(f"ref.{table}").select(*columns).insert_into(f"w1.{table}")
    con.execute("detach ref")
    con.close()


def test_schema_1_warehouse_is_migrated_with_its_derived_tables_rederived(
    prefect_harness, tmp_path, fingerprint_of, capsys
):
    """Schema 1 had no headline_days and no tags: the migration that adds them derives them from the
    stored rows, so trends and the export see every headline at once (not 0 of 3,502)."""
    from helpers import SAMPLE_DIR, query
    from tickerhouse.cli import main
    from tickerhouse.flows.ingest_dumps import ingest_dumps

    reference = tmp_path / "ref.duckdb"
    ingest_dumps(paths=[str(SAMPLE_DIR / "fr" / "2024-12-02")], warehouse=str(reference))
    target = tmp_path / "w1.duckdb"
    _schema_1_warehouse(target, reference)
    assert query(target, "select count(*) from duckdb_tables() where table_name = 'headline_days'") == [(0,)]
    wh.connect(target).close()  # the open migrates 1 -> 5
    got, expected = fingerprint_of(target), fingerprint_of(reference)
    for table in ("headline_days", "headline_topics", "article_topics", "headline_tokens"):
        assert got[table] == expected[table] and got[table][0] > 0, table
    assert main(["trends", "--warehouse", str(target), "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) > 1
    assert main(["export", "--out", str(tmp_path / "out"), "--warehouse", str(target)]) == 0
    (n_headlines,) = query(target, "select count(*) from headlines")[0]
    headlines = tmp_path / "out" / "current" / "headlines" / "*.parquet"
    exported = duckdb.sql("select count(*) from read_parquet(?)", params=[str(headlines)]).fetchall()
    assert exported == [(n_headlines,)]
