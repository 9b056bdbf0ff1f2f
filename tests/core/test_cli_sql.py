"""`tickerhouse sql`: saved queries by name with bound parameters; a clear message on a locked warehouse."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from helpers import SAMPLE_DIR
from tickerhouse import warehouse as wh
from tickerhouse.cli import main
from tickerhouse.flows.ingest_dumps import ingest_dumps


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


@pytest.fixture(scope="module")
def sample_day(prefect_harness, tmp_path_factory) -> Path:
    """One day of the French sample corpus ingested into a fresh warehouse."""
    target = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    ingest_dumps(paths=[str(SAMPLE_DIR / "fr" / "2024-12-02")], warehouse=str(target))
    return target


def test_headline_dwell_lists_the_longest_first(sample_day, capsys):
    args = ["sql", "--saved", "headline_dwell", "--param", "days=7", "--warehouse", str(sample_day)]
    assert main([*args, "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    dwell = [row["dwell_hours"] for row in rows]
    assert len(rows) == 20 and dwell == sorted(dwell, reverse=True)
    con = duckdb.connect(str(sample_day), read_only=True)
    longest = con.execute("select max(dwell_hours) from headline_dwell").fetchall()[0][0]
    con.close()
    assert dwell[0] == round(longest, 1)
