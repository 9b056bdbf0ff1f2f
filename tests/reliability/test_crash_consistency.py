"""SIGKILL during parse, staging and the DuckDB load, then a re-run: the warehouse equals a clean run's;
during an export: no half-built version counts, the next export prunes it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from helpers import copy_warehouse
from tickerhouse.faults import CRASH_ENV
from tickerhouse.flows.export_parquet import PARTIAL_PREFIX, complete_versions, export_parquet
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


def test_sigkill_during_export_leaves_no_version_and_the_next_export_prunes_it(clean, run_cli, tmp_path):
    target = tmp_path / "warehouse.duckdb"
    copy_warehouse(clean, target)
    out = tmp_path / "export"
    export_parquet(out_dir=str(out), warehouse=str(target))
    first = (out / "current").resolve()
    con = duckdb.connect(str(target))
    con.execute(
        "update outlets set homepage = 'https://example.org' "
        "where outlet_id = (select min(outlet_id) from outlets)"
    )
    con.close()

    args = ("export", "--out", str(out), "--warehouse", str(target))
    crashed = run_cli(*args, extra_env={CRASH_ENV: "export"})
    assert crashed.returncode == -9, crashed.stderr[-2000:]
    # the killed export left its half-built folder; it is not a version and `current` did not move
    assert any(p.name.startswith(PARTIAL_PREFIX) for p in (out / "versions").iterdir())
    assert complete_versions(out) == [first]
    assert (out / "current").resolve() == first

    export_parquet(out_dir=str(out), warehouse=str(target))
    second = (out / "current").resolve()
    # the previous complete version is kept (a reader may hold it), the half-built one is gone
    assert sorted(p.name for p in (out / "versions").iterdir()) == sorted([first.name, second.name])
    homepages = duckdb.sql(
        "select homepage from read_parquet($f) where homepage = 'https://example.org'",
        params={"f": f"{out}/current/outlets/*.parquet"},
    ).fetchall()
    assert homepages == [("https://example.org",)]
