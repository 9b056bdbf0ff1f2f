"""`tickerhouse sql`: saved queries by name with bound parameters; a clear message on a locked warehouse."""

import subprocess
import sys

import duckdb
import pytest

from flows import warehouse as wh
from flows.cli import main


@pytest.fixture
def warehouse(tmp_path):
    """An empty warehouse with the full schema."""
    path = tmp_path / "warehouse.duckdb"
    wh.connect(path).close()
    return path


def test_sql_on_a_warehouse_locked_by_another_process_suggests_the_export(warehouse, capsys):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            # a writer holding DuckDB's file lock, as a running ingest does
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
            "time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main(["sql", "select 1", "--warehouse", str(warehouse)]) == 3
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert "locked by another process" in err
    assert "latest Parquet export" in err and "current" in err
    assert "Traceback" not in err


# The parameters each saved query's header comment asks for.
PARAMS = {"top_outlets": ["days=30"], "headline_dwell": ["days=7"], "topic_share_by_day": ["days=14"]}


@pytest.mark.parametrize("name", ["unknown_outlets", "headline_dwell", "topic_share_by_day", "top_outlets"])
def test_saved_query_runs_with_bound_parameters(warehouse, capsys, name):
    args = ["sql", "--saved", name, "--warehouse", str(warehouse), "--format", "csv"]
    for pair in PARAMS.get(name, []):
        args += ["--param", pair]
    assert main(args) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.splitlines()[0]  # the header row


def test_headline_dwell_lists_the_longest_first(warehouse, capsys):
    con = duckdb.connect(str(warehouse))
    con.execute(
        "insert into ticker_snapshots values ('s1', '2024-12-01 08:00+00', 'manifest', 'fr', 2, null)"
    )
    con.execute(
        "insert into ticker_snapshots values ('s2', '2024-12-01 20:00+00', 'manifest', 'fr', 1, null)"
    )
    con.execute(
        "insert into ticker_items values ('s1', 1, 'h1', 'Court', 'fr'), ('s1', 2, 'h2', 'Long', 'fr')"
    )
    con.execute("insert into ticker_items values ('s2', 1, 'h2', 'Long', 'fr')")
    con.execute(
        "insert into headlines values "
        "('h1', 'Court', 'fr', '2024-12-01 08:00+00', '2024-12-01 08:00+00', 1), "
        "('h2', 'Long', 'fr', '2024-12-01 08:00+00', '2024-12-01 20:00+00', 2)"
    )
    con.close()
    args = ["sql", "--saved", "headline_dwell", "--param", "days=7", "--warehouse", str(warehouse)]
    assert main([*args, "--format", "json"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert ['"Long"' in rows[0], '"dwell_hours": 12.0' in rows[0], '"Court"' in rows[1]] == [True] * 3
