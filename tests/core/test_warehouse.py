"""The warehouse's schema order and its internal statements, on in-memory DuckDB."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from tickerhouse import warehouse as wh
from tickerhouse.resources import sql_names, sql_text


def _tables_only() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    for name in sql_names("tables"):
        con.execute(sql_text(f"tables/{name}"))
    return con


def test_view_order_names_every_view_once():
    assert sorted(wh.VIEW_ORDER) == sql_names("views")
    assert len(set(wh.VIEW_ORDER)) == len(wh.VIEW_ORDER)


def test_every_view_is_created_in_view_order_on_a_fresh_warehouse():
    con = _tables_only()
    for name in wh.VIEW_ORDER:
        con.execute(sql_text(f"views/{name}"))
        assert con.table(name).limit(0).fetchall() == []  # binds, and runs


def test_a_view_before_the_views_it_reads_fails():
    # Why the order is stated: DuckDB binds a view when it creates it (story_counts reads headline_stories).
    with pytest.raises(duckdb.CatalogException, match="headline_stories"):
        _tables_only().execute(sql_text("views/story_counts"))


def test_run_is_recorded_and_read_back():
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    wh.apply_schema(con)
    assert wh.stored_schema_version(con) == wh.SCHEMA_VERSION
    assert wh.raw_archive(con) is None  # in memory: no file, no archive beside it
    at = datetime(2024, 12, 3, 10, tzinfo=UTC)
    con.execute(
        "insert into raw_dumps (dump_id, first_path, size_bytes, captured_at, capture_method, status, "
        "ingested_at, run_id) values ('d1', '/landing/1.txt', 10, ?, 'mtime', 'loaded', ?, 'run-1')",
        [at, at],
    )
    for key, reason in (("r1", "empty file"), ("r2", "empty file"), ("r3", "binary content")):
        con.execute(
            "insert into rejects values (?, ?, '/landing/x', ?, null, ?, 'run-1')", [key, key, reason, at]
        )
    con.execute("insert into dump_files values ('/landing/1.txt', 10, 123, 'd1', ?, 'run-1', null)", [at])

    outcome = wh.run_outcome(con, "run-1")
    summary = {"run_id": "run-1", "started_at": at, "finished_at": at, "files_seen": 4, "files_new": 4}
    summary |= {key: outcome[key] for key in ("dumps_loaded", "dumps_rejected")}
    wh.record_run(con, summary | {"rows_added": {"raw_dumps": 1}, "checks": {"no_future_captures": 0}})

    assert outcome["reject_reasons"] == {"empty file": 2, "binary content": 1}
    assert con.execute("select * exclude (started_at, finished_at) from ingest_runs").fetchall() == [
        ("run-1", 4, 4, 1, 3, '{"raw_dumps": 1}', '{"no_future_captures": 0}', "ingest")
    ]
    assert wh.seen_files(con) == {("/landing/1.txt", 10, 123)}
