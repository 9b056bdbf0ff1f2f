"""Run summaries: checked and recorded in the warehouse by the writer, shown as Prefect table artifacts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import duckdb
from prefect.artifacts import create_table_artifact

from tickerhouse import warehouse as wh
from tickerhouse.resources import sql_text

# Duplicates named in a run's summary (all are counted): a re-delivered folder would flood a terminal.
SHOWN_DUPLICATES = 20


def record_checked_run(con: duckdb.DuckDBPyConnection, summary: dict) -> dict:
    """Run sql/checks after a load, record the run in ingest_runs; return the summary with both."""
    done = {**summary, "checks": wh.run_checks(con), "finished_at": datetime.now(UTC)}
    wh.record_run(con, done)
    return done


def duplicate_files(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, str]]:
    """Return the files run_id read whose bytes were already stored (path, stored_as, status), by path:
    the files a run's loaded and rejected dumps leave unexplained."""
    rows = con.execute(sql_text("internal/run_duplicates"), {"run_id": run_id}).fetchall()
    return [{"path": path, "stored_as": stored_as, "status": status} for path, stored_as, status in rows]


def describe_duplicates(duplicates: list[dict[str, str]]) -> dict[str, str]:
    """Return path -> what it duplicates for the first SHOWN_DUPLICATES files, then how many more."""
    first = duplicates[:SHOWN_DUPLICATES]
    shown = {d["path"]: f"same bytes as {d['stored_as']} ({d['status']})" for d in first}
    more = len(duplicates) - len(shown)
    return shown | ({f"... and {more} more": "not listed"} if more > 0 else {})


def publish_summary(key: str, description: str, sections: Mapping[str, Mapping[str, object]]) -> None:
    """Publish a run summary as the table artifact `key`: one row per figure, (section, item, value)."""
    rows = [
        {"section": section, "item": item, "value": value}
        for section, items in sections.items()
        for item, value in items.items()
    ]
    create_table_artifact(table=rows, key=key, description=description)
