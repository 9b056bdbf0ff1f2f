"""Two ingests at once, and ad-hoc SQL during an ingest: clear messages and exit codes, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from tickerhouse import warehouse as wh
from tickerhouse.cli import main
from tickerhouse.io.locks import IngestBusyError, run_lock, warehouse_lock_path


@pytest.fixture
def landing(tmp_path, seed_bytes) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "seed.txt").write_bytes(seed_bytes)
    return folder


def test_second_ingest_exits_3_when_the_lock_stays_held(run_cli, cli_env, landing, tmp_path):
    target = tmp_path / "warehouse.duckdb"
    with run_lock(Path(cli_env["TICKERHOUSE_STATE_DIR"]), target, 0):  # another ingest, mid-run
        busy = run_cli("ingest", str(landing), "--warehouse", str(target), "--lock-timeout", "1", "--quiet")
    assert busy.returncode == 3
    assert "another ingest is running" in busy.stderr
    # the wait and the refusal both name the holder (this test's process)
    assert busy.stderr.count(f"held by pid {os.getpid()} (") == 2
    assert "Traceback" not in busy.stderr
    assert not target.exists()  # it did nothing


def test_second_ingest_waits_for_the_lock_then_runs(run_cli, cli_env, landing, tmp_path):
    target = tmp_path / "warehouse.duckdb"
    held = threading.Event()

    def hold_for_a_while() -> None:
        with run_lock(Path(cli_env["TICKERHOUSE_STATE_DIR"]), target, 0):
            held.set()
            threading.Event().wait(3)

    holder = threading.Thread(target=hold_for_a_while)
    holder.start()
    held.wait()
    waited = run_cli("ingest", str(landing), "--warehouse", str(target), "--lock-timeout", "120", "--quiet")
    holder.join()
    assert waited.returncode == 0, waited.stderr[-2000:]
    assert "loaded 1" in waited.stdout
    assert f"waiting up to 120 s for the run lock, held by pid {os.getpid()} (" in waited.stderr


@pytest.fixture
def warehouse_held_from_another_state_dir(tmp_path):
    """Another process, with its own state dir, holding the run lock of tmp_path/w/warehouse.duckdb."""
    target = tmp_path / "w" / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from tickerhouse.io.locks import run_lock\n"
            "with run_lock(Path(sys.argv[1]), Path(sys.argv[2]), 0):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(tmp_path / "state-a"),
            str(target),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield target, holder.pid
    finally:
        holder.kill()
        holder.wait()


def test_two_state_dirs_writing_one_warehouse_take_turns(
    warehouse_held_from_another_state_dir, tmp_path, monkeypatch, capsys
):
    target, holder_pid = warehouse_held_from_another_state_dir
    # the same warehouse spelt another way (through a symlinked folder), written with another state dir
    (tmp_path / "alias").symlink_to(target.parent)
    alias = tmp_path / "alias" / target.name
    assert (
        warehouse_lock_path(alias) == warehouse_lock_path(target) == target.parent / "warehouse.duckdb.lock"
    )
    with (
        pytest.raises(IngestBusyError, match=f"held by pid {holder_pid} "),
        run_lock(tmp_path / "state-b", alias, 1),
    ):
        pass
    # waiting, it said whom it waits for
    assert f"waiting up to 1 s for the run lock, held by pid {holder_pid} (" in capsys.readouterr().err
    # the command ends busy (exit 3) in one line, and wrote nothing
    monkeypatch.setenv("TICKERHOUSE_STATE_DIR", str(tmp_path / "state-b"))
    (tmp_path / "landing").mkdir()
    assert main(["ingest", str(tmp_path / "landing"), "--warehouse", str(alias), "--lock-timeout", "0"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("tickerhouse ingest: another ingest is running") and err.count("\n") == 1
    assert not target.exists()
    # another warehouse, written with that other state dir, is not held up
    with run_lock(tmp_path / "state-b", tmp_path / "other.duckdb", 0):
        pass


def test_sql_while_the_warehouse_is_written_says_so(run_cli, tmp_path):
    target = tmp_path / "warehouse.duckdb"
    writer = wh.connect(target)  # what an ingest's load holds
    try:
        out = run_cli("sql", "select count(*) from raw_dumps", "--warehouse", str(target))
    finally:
        writer.close()
    assert out.returncode == 3
    assert "locked by another process" in out.stderr and "Parquet export" in out.stderr
    assert "Traceback" not in out.stderr


def test_adhoc_sql_cannot_write(run_cli, tmp_path):
    target = tmp_path / "warehouse.duckdb"
    wh.connect(target).close()
    out = run_cli("sql", "delete from schema_meta", "--warehouse", str(target))
    assert out.returncode == 1
    assert "read-only" in out.stderr.lower()
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("select count(*) from schema_meta").fetchone()[0] == 1
    con.close()
