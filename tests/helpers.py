"""Helpers the tests share: read a test's warehouse (importable because tests/conftest.py sits beside it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from tickerhouse import warehouse as wh

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"  # third-party fixtures beside the repo; absent in a user's clone
SAMPLE_DIR = REPO / "data" / "sample"  # the bundled sample corpus (not package data: it is input)


def query(target: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Return the rows of a query with bound parameters on a read-only connection to a warehouse."""
    con = duckdb.connect(str(target), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def copy_warehouse(source: Path, target: Path) -> None:
    """Copy a warehouse as a backup must: its DuckDB file and its raw archive beside it."""
    shutil.copy(source, target)
    shutil.copytree(source.with_suffix(".raw"), target.with_suffix(".raw"))


def table_counts(target: Path) -> dict[str, int]:
    """Return rows per loaded table of a warehouse."""
    con = wh.connect(target, read_only=True)
    try:
        return wh.table_counts(con)
    finally:
        con.close()


def error_line(err: str) -> str:
    """Return the one line a failed command wrote to stderr besides its `Prefect API:` line."""
    lines = [line for line in err.splitlines() if not line.startswith("Prefect API:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]
