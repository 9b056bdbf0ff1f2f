"""What a run does around the files: waits for files still being written, reports manifest problems,
never opens a refused file, clears staging every run, records itself in the load's transaction, and ends a
full disk in one line; a dump over its time budget is rejected and the batch goes on."""

from __future__ import annotations

import errno
import os
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from test_hostile_intake import deadline

from helpers import error_line, query
from tickerhouse import staging
from tickerhouse import warehouse as wh
from tickerhouse.cli import main
from tickerhouse.io import storage
from tickerhouse.io.discovery import find_new_files
from tickerhouse.resources import OUTLETS_CSV, TOPICS_TOML, read_taxonomy
from tickerhouse.transforms.source_file import SourceFile

# read_and_stage's outlets file and taxonomy text: the shipped ones, as in a warehouse never retagged
_SHIPPED = (str(OUTLETS_CSV), TOPICS_TOML.read_text(encoding="utf-8"))


def test_a_file_still_being_written_is_left_for_the_next_run(tmp_path, seed_bytes):
    old, fresh, growing = tmp_path / "old.txt", tmp_path / "fresh.txt", tmp_path / "growing.txt"
    old.write_bytes(seed_bytes)
    os.utime(old, (time.time() - 60, time.time() - 60))
    future = tmp_path / "clock_2031.txt"  # a wrong clock, not a write in progress: listed without a wait
    future.write_bytes(seed_bytes)
    stamp = datetime(2031, 1, 1, tzinfo=UTC).timestamp()
    os.utime(future, (stamp, stamp))
    fresh.write_bytes(seed_bytes)
    growing.write_bytes(seed_bytes[:100])
    stop = threading.Event()

    def keep_writing() -> None:  # a slow copy: a few bytes every 0.2 s
        with open(growing, "ab") as handle:
            for i in range(100, len(seed_bytes), 50):
                if stop.wait(0.2):
                    return
                handle.write(seed_bytes[i : i + 50])
                handle.flush()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    settling: list[str] = []
    try:
        with deadline(30):
            found, seen = find_new_files(
                [str(tmp_path)], set(), settle=timedelta(seconds=1.5), settling=settling
            )
    finally:
        stop.set()
        writer.join()
    assert sorted(Path(f.path).name for f in found) == ["clock_2031.txt", "fresh.txt", "old.txt"]
    assert settling == [str(growing)] and seen == 4


def test_manifest_problems_are_in_the_run_summary(prefect_harness, tmp_path, seed_bytes, capsys):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.txt").write_bytes(seed_bytes)
    rows = 'a.txt,2024-12-23T10:00:00\n"b.txt,x\nc.txt,soon\n'  # line 3: a stray quote, line 4: no time
    (landing / "manifest.csv").write_text("file,captured_at\n" + rows)
    target = tmp_path / "warehouse.duckdb"
    assert main(["ingest", str(landing), "--warehouse", str(target), "--quiet"]) == 0
    out = capsys.readouterr().out
    manifest = landing / "manifest.csv"
    assert f"manifest row ignored: {manifest}:3: bad quoting" in out
    assert f"manifest row ignored: {manifest}:4: captured_at 'soon' is not an ISO 8601 time" in out


def test_a_refused_file_is_never_opened_by_staging(tmp_path, seed_bytes, monkeypatch):
    outside = tmp_path / "outside.txt"
    outside.write_bytes(seed_bytes)
    opened: list[str] = []
    real_open = storage.open_binary
    monkeypatch.setattr(storage, "open_binary", lambda path: opened.append(path) or real_open(path))
    refused = SourceFile(str(tmp_path / "link.txt"), 7, 1, refusal="outside the landing folder: a symlink")
    good = SourceFile(str(outside), len(seed_bytes), 1)
    counts = staging.read_and_stage([refused, good], str(tmp_path / "stage"), "r", 1 << 20, *_SHIPPED)
    assert counts == {"files": 2, "rejected": 1}
    assert opened == [str(outside)]


def test_every_run_clears_leftover_staging(prefect_harness, tmp_path, seed_bytes, monkeypatch, capsys):
    monkeypatch.setenv("TICKERHOUSE_STAGING", str(tmp_path / "staging"))
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.txt").write_bytes(seed_bytes)
    target = tmp_path / "warehouse.duckdb"
    assert main(["ingest", str(landing), "--warehouse", str(target), "--quiet"]) == 0
    leftover = tmp_path / "staging" / "crashed-run" / "00000"
    leftover.mkdir(parents=True)
    (leftover / "items.parquet").write_bytes(b"half")
    assert main(["ingest", str(landing), "--warehouse", str(target), "--quiet"]) == 0  # nothing new
    assert "nothing new" in capsys.readouterr().out
    assert not (tmp_path / "staging").exists()


def test_the_run_record_is_written_in_the_loads_transaction(tmp_path, seed_bytes, monkeypatch):
    """A failure between the load and the run record commits neither."""
    target = tmp_path / "warehouse.duckdb"
    batch = tmp_path / "stage" / "run" / "00000"
    (tmp_path / "a.txt").write_bytes(seed_bytes)
    source = SourceFile(str(tmp_path / "a.txt"), len(seed_bytes), 1)
    staging.read_and_stage([source], str(batch), "run", 1 << 20, *_SHIPPED)
    con = wh.connect(target)

    def fail(con, summary):
        raise OSError("killed before the run record")

    monkeypatch.setattr(wh, "record_run", fail)
    summary = {"run_id": "run", "started_at": datetime.now(UTC), "files_seen": 1, "files_new": 1}
    with pytest.raises(OSError, match="killed"):
        wh.load_checked(con, [str(batch)], summary)
    con.close()
    assert query(target, "select count(*) from raw_dumps") == [(0,)]
    assert query(target, "select count(*) from ingest_runs") == [(0,)]


def test_a_full_disk_ends_the_ingest_in_one_line(prefect_harness, tmp_path, seed_bytes, monkeypatch, capsys):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.txt").write_bytes(seed_bytes)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(staging.pq, "write_table", full)  # the parse runs in this process: --runner thread
    target = tmp_path / "warehouse.duckdb"
    assert main(["ingest", str(landing), "--warehouse", str(target), "--quiet", "--runner", "thread"]) == 1
    assert error_line(capsys.readouterr().err).startswith("tickerhouse ingest: no space left on device")
    assert query(target, "select count(*) from dump_files") == [(0,)]  # nothing committed


def test_a_dump_over_its_time_budget_is_rejected_and_the_batch_goes_on(tmp_path, seed_bytes, monkeypatch):
    """A dump whose parse would run for ever (a regex backtracking over it) is stopped at the budget."""
    hostile = b"a" * 40 + b"b"
    real_parse = staging.parse_dump

    def parse(content: bytes):
        if content == hostile:
            re.match(r"(a+)+$", content.decode())
        return real_parse(content)

    monkeypatch.setattr(staging, "parse_dump", parse)
    contents = [
        (SourceFile(str(tmp_path / "hostile.txt"), len(hostile), 1, dump_id="h"), hostile),
        (SourceFile(str(tmp_path / "good.txt"), len(seed_bytes), 1, dump_id="g"), seed_bytes),
    ]
    outlets = pd.read_csv(OUTLETS_CSV, dtype=str, keep_default_na=False)
    with deadline(60):
        rejected = staging.stage_batch(
            contents, tmp_path / "b", "r", datetime.now(UTC), outlets, read_taxonomy(), time_budget_s=0.5
        )
    assert rejected == 1
    rejects = pq.read_table(tmp_path / "b" / "rejects.parquet").to_pylist()
    assert [(r["path"], r["reason"]) for r in rejects] == [(str(tmp_path / "hostile.txt"), "too slow")]
    assert "over its time budget of 0.5 s" in rejects[0]["detail"]
    assert pq.read_table(tmp_path / "b" / "versions.parquet").num_rows == 1  # the good dump staged
