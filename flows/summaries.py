"""Run summaries: checked and recorded in the warehouse by the writer, shown as Prefect table artifacts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import duckdb
from prefect.artifacts import create_table_artifact

from tickerhouse import warehouse as wh


def record_checked_run(con: duckdb.DuckDBPyConnection, summary: dict) -> dict:
    """Run sql/checks after a load, record the run in ingest_runs; return the summary with both."""
    done = {**summary, "checks": wh.run_checks(con), "finished_at": datetime.now(UTC)}
    wh.record_run(con, done)
    return done


def publish_summary(key: str, description: str, sections: Mapping[str, Mapping[str, object]]) -> None:
    """Publish a run summary as the table artifact `key`: one row per figure, (section, item, value)."""
    rows = [
        {"section": section, "item": item, "value": value}
        for section, items in sections.items()
        for item, value in items.items()
    ]
    create_table_artifact(table=rows, key=key, description=description)
