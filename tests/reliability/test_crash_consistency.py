"""SIGKILL during parse, staging and the DuckDB load, then a re-run: the warehouse equals a clean run's."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tickerhouse.faults import CRASH_ENV
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.samples.corpus import write_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A small generated corpus (French and Arabic, a few bad files) shared by every crash point."""
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, 40, interval_minutes=180)
    return folder


@pytest.fixture(scope="module")
def clean(prefect_harness, corpus, tmp_path_factory) -> Path:
    """The corpus ingested once, never interrupted: the reference warehouse."""
    target = tmp_path_factory.mktemp("clean") / "warehouse.duckdb"
    ingest_dumps(paths=[str(corpus)], warehouse=str(target))
    return target


def _files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file() and p.name != "manifest.csv")


@pytest.mark.parametrize(
    "point",
    [
        "parse",  # dumps parsed in a worker, nothing staged yet
        "stage",  # a batch half written to Parquet
        "load",  # inside the DuckDB transaction, after its first table
    ],
)
def test_sigkill_then_rerun_equals_clean_run(
    point, corpus, clean, run_cli, cli_env, tmp_path, fingerprint_of
):
    target = tmp_path / "warehouse.duckdb"
    staging = Path(cli_env["TICKERHOUSE_STATE_DIR"]) / "staging"

    # Threads, not worker processes: the same code path without each run paying for worker start-up.
    args = ("ingest", str(corpus), "--warehouse", str(target), "--quiet", "--runner", "thread")
    crashed = run_cli(*args, extra_env={CRASH_ENV: point})
    assert crashed.returncode == -9, crashed.stderr[-2000:]
    con = duckdb.connect(str(target), read_only=True)
    # Nothing of the killed run is visible: the load is one transaction that never committed.
    assert con.execute("select count(*) from raw_dumps").fetchone()[0] == 0
    assert con.execute("select count(*) from dump_files").fetchone()[0] == 0
    con.close()
    if point == "stage":
        assert any(staging.rglob("*.parquet")), "the crash should leave a half-staged batch behind"

    rerun = run_cli(*args)
    assert rerun.returncode == 0, rerun.stderr[-2000:]

    assert fingerprint_of(target) == fingerprint_of(clean)
    con = duckdb.connect(str(target), read_only=True)
    # Every file accounted for once: loaded, rejected, or a second name of a loaded dump.
    assert con.execute("select count(*) from dump_files").fetchone()[0] == _files(corpus)
    con.close()
    assert not any(staging.rglob("*.parquet")), "staged leftovers must be cleared, never loaded later"
