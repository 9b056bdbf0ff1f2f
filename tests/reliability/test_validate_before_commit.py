"""Validate before commit: a future capture time is never stored, nothing a check refuses is committed, and
what a failing check points at has a way out (`tickerhouse rebuild`); ingests and exports go on working."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from helpers import error_line, query
from tickerhouse.cli import main

FUTURE = "2031-01-01T00:00:00Z"
UNDATED_TICKER = "Une brève\u00a0\u00a0Deux brèves\u00a0\u00a0Trois brèves\n".encode()  # states no date


def _landing(root: Path, seed_bytes: bytes) -> Path:
    """Dumps whose capture times lie in 2031 by each method, beside a good one."""
    landing = root / "landing"
    landing.mkdir()
    (landing / "good.txt").write_bytes(seed_bytes)
    (landing / "manifest_2031.txt").write_bytes(seed_bytes + b"\nmanifest\n")
    (landing / "maghress-fr_20310101T000000Z.txt").write_bytes(seed_bytes + b"\nname\n")
    mtime = landing / "mtime_2031.txt"
    mtime.write_bytes(UNDATED_TICKER)
    stamp = datetime.fromisoformat(FUTURE).timestamp()
    os.utime(mtime, (stamp, stamp))
    (landing / "manifest.csv").write_text(
        f"file,captured_at\nmanifest_2031.txt,{FUTURE}\nmtime_2031.txt,{FUTURE}\n"
    )
    return landing


def _ingest(landing: Path | str, target: Path) -> int:
    return main(["ingest", str(landing), "--warehouse", str(target), "--quiet"])


def test_a_2031_capture_time_is_never_stored_and_later_runs_work(
    prefect_harness, tmp_path, seed_bytes, capsys
):
    target = tmp_path / "warehouse.duckdb"
    landing = _landing(tmp_path, seed_bytes)
    assert _ingest(landing, target) == 0, capsys.readouterr().err
    now = datetime.now(UTC)
    (latest,) = query(target, "select max(captured_at) from ticker_snapshots")[0]
    assert latest <= now
    methods = dict(
        query(
            target,
            "select f.path, d.capture_method from dump_files f join raw_dumps d using (dump_id)"
            " where d.status = 'loaded'",
        )
    )
    # the manifest's 2031 row is refused at discovery; the name's 2031 stamp is skipped with a flag
    assert methods[str(landing / "manifest_2031.txt")] == "ticker_date"
    assert methods[str(landing / "maghress-fr_20310101T000000Z.txt")] == "ticker_date"
    flags = query(
        target,
        "select repairs from raw_dumps where first_path = ?",
        [str(landing / "maghress-fr_20310101T000000Z.txt")],
    )
    assert "future_filename_time_ignored" in flags[0][0]
    # no method dates the undated ticker before 2031: rejected with its reason, its bytes kept
    assert query(target, "select reason from rejects where path = ?", [str(landing / "mtime_2031.txt")]) == [
        ("future capture time",)
    ]
    # later ingests and exports work
    (landing / "later.txt").write_bytes(seed_bytes + b"\nlater\n")
    assert _ingest(landing, target) == 0, capsys.readouterr().err
    assert main(["export", "--out", str(tmp_path / "out"), "--warehouse", str(target)]) == 0, (
        capsys.readouterr().err
    )


def test_a_check_failing_on_the_load_commits_nothing_and_rebuild_is_the_way_out(
    prefect_harness, tmp_path, seed_bytes, capsys
):
    target = tmp_path / "warehouse.duckdb"
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "first.txt").write_bytes(seed_bytes)
    assert _ingest(landing, target) == 0
    # what an older tickerhouse committed: a 2031 manifest time on a stored snapshot
    con = duckdb.connect(str(target))
    con.execute("update raw_dumps set captured_at = ?, capture_method = 'manifest'", [FUTURE])
    con.execute("update ticker_snapshots set captured_at = ?, capture_method = 'manifest'", [FUTURE])
    con.close()
    capsys.readouterr()
    (landing / "second.txt").write_bytes(seed_bytes + b"\nsecond\n")
    assert _ingest(landing, target) == 1
    err = error_line(capsys.readouterr().err)
    assert "no_future_captures: 1 rows" in err and "nothing loaded" in err and "tickerhouse rebuild" in err
    # nothing of the refused load is committed; the run is recorded with its failing check
    assert query(target, "select count(*) from dump_files where path = ?", [str(landing / "second.txt")]) == [
        (0,)
    ]
    (checks,) = query(target, "select checks from ingest_runs order by started_at desc limit 1")[0]
    assert '"no_future_captures": 1' in checks
    # the way out: rebuild redates the stored dump (the 2031 time is dropped), then everything works
    assert main(["rebuild", "--warehouse", str(target)]) == 0, capsys.readouterr().err
    assert query(target, "select capture_method from ticker_snapshots") == [("ticker_date",)]
    assert _ingest(landing, target) == 0, capsys.readouterr().err
    assert query(target, "select count(*) from ticker_snapshots") == [(2,)]
    assert main(["export", "--out", str(tmp_path / "out"), "--warehouse", str(target)]) == 0


@pytest.mark.parametrize("tolerance", ["0", "86400"])
def test_the_tolerance_is_a_setting(prefect_harness, tmp_path, seed_bytes, monkeypatch, capsys, tolerance):
    """A capture one hour ahead is refused with no tolerance, and kept with a day's."""
    monkeypatch.setenv("TICKERHOUSE_FUTURE_TOLERANCE_S", tolerance)
    landing = tmp_path / "landing"
    landing.mkdir()
    ahead = datetime.now(UTC) + timedelta(hours=1)
    (landing / "a.txt").write_bytes(seed_bytes)
    (landing / "manifest.csv").write_text(f"file,captured_at\na.txt,{ahead.isoformat()}\n")
    target = tmp_path / "warehouse.duckdb"
    assert _ingest(landing, target) == 0, capsys.readouterr().err
    (method,) = query(target, "select capture_method from ticker_snapshots")[0]
    assert method == ("manifest" if tolerance == "86400" else "ticker_date")
