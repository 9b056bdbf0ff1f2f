"""A snapshot is one capture (README "What a snapshot is"): the versions of one capture (half-written,
re-saved) replace each other, the most complete winning, whatever the order they come in; one content
stated at two instants counts at both; a copy dated by its mtime alone is no capture of its own; rebuild
and an upgrade from schema 5 end where a clean ingest does."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from helpers import copy_warehouse, query
from tickerhouse import warehouse as wh
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.flows.rebuild_warehouse import rebuild_warehouse
from tickerhouse.resources import OUTLETS_CSV, sql_text
from tickerhouse.transforms.parse import parse_dump
from tickerhouse.transforms.source_file import SourceFile
from tickerhouse.transforms.tables import build_tables

STAMP = "maghress-fr_20241223T101500Z.txt"  # one capture instant, stated by the file name
LATER = "maghress-fr_20241223T103000Z.txt"  # another
AT = datetime(2024, 12, 23, 10, 15, tzinfo=UTC)
OLD_MTIME = datetime(2024, 12, 20, 8, 0, tzinfo=UTC).timestamp()


def _put(path: Path, data: bytes, mtime: float = OLD_MTIME) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def _ingest(runs: list[list[Path]], target: Path) -> None:
    """Ingest each run's folders into target, one run after the other; every run's checks pass."""
    for paths in runs:
        summary = ingest_dumps(paths=[str(p) for p in paths], warehouse=str(target))
        assert not any(summary["checks"].values()), summary["checks"]


def _trend_rows(target: Path) -> dict[str, list[tuple]]:
    """What the trends read: snapshots, their items, the day aggregate and the headlines."""
    return {
        "snapshots": query(
            target,
            "select snapshot_id, dump_id, captured_at, capture_method, n_items from ticker_snapshots "
            "order by 1",
        ),
        "slots": query(target, "select count(*), count(distinct snapshot_id) from ticker_items"),
        "headline_days": query(target, "select * from headline_days order by all"),
        "headlines": query(target, "select * from headlines order by all"),
    }


@pytest.fixture(scope="module")
def half_and_whole(prefect_harness, seed_bytes, tmp_path_factory) -> dict:
    """One capture read half-written (in `a`) and again complete (in `b`), ingested in one run, half
    first, complete first; and the complete version alone."""
    root = tmp_path_factory.mktemp("versions")
    half = _put(root / "a" / STAMP, seed_bytes[: len(seed_bytes) // 2])
    whole = _put(root / "b" / STAMP, seed_bytes)
    _put(root / "alone" / STAMP, seed_bytes)
    a, b = root / "a", root / "b"
    runs = {"one": [[a, b]], "half_first": [[a], [b]], "whole_first": [[b], [a]], "alone": [[root / "alone"]]}
    built = {name: root / f"{name}.duckdb" for name in runs}
    for name, run_paths in runs.items():
        _ingest(run_paths, built[name])
    return {"half": half, "whole": whole, **built}


def test_a_half_written_version_is_replaced_by_the_complete_one(half_and_whole, seed_bytes):
    target = half_and_whole["half_first"]
    (snapshot,) = query(target, "select dump_id, captured_at, capture_method, n_items from ticker_snapshots")
    assert snapshot == (hashlib.sha256(seed_bytes).hexdigest(), AT, "filename", 48)
    # 48 slots that day, not 48 + the half's 43: the day's shares are those of one capture
    assert query(target, "select sum(slots), max(snapshots) from headline_days") == [(48, 1)]
    statuses = dict(query(target, "select first_path, status from raw_dumps"))
    assert statuses == {str(half_and_whole["half"]): "superseded", str(half_and_whole["whole"]): "loaded"}
    # the superseded version is kept, with its bytes, as a version of the capture
    assert query(target, "select count(*), count(distinct snapshot_id) from snapshot_versions") == [(2, 1)]
    # what the trends read is what the complete version alone gives
    assert _trend_rows(target) == _trend_rows(half_and_whole["alone"])


def test_any_order_and_split_gives_the_same_warehouse(half_and_whole, fingerprint_of):
    reference = fingerprint_of(half_and_whole["one"])
    assert fingerprint_of(half_and_whole["half_first"]) == reference
    assert fingerprint_of(half_and_whole["whole_first"]) == reference


def test_rebuild_after_a_replacement_changes_nothing(half_and_whole, fingerprint_of):
    target = half_and_whole["half_first"]
    before = fingerprint_of(target)
    summary = rebuild_warehouse(warehouse=str(target))
    assert fingerprint_of(target) == before
    assert not summary["status_changes"]
    assert all(c == {"added": 0, "removed": 0} for c in summary["rows_changed"].values())


def test_a_resave_with_one_byte_changed_is_one_snapshot_in_either_order(
    prefect_harness, seed_bytes, tmp_path, fingerprint_of
):
    resaved = seed_bytes.replace(b"Publi", b"publi", 1)  # same length, same headlines: the smallest hash wins
    assert resaved != seed_bytes and len(resaved) == len(seed_bytes)
    _put(tmp_path / "first" / STAMP, seed_bytes)
    _put(tmp_path / "again" / STAMP.replace(".txt", " (1).txt"), resaved)
    targets = [tmp_path / "ab.duckdb", tmp_path / "ba.duckdb"]
    _ingest([[tmp_path / "first"], [tmp_path / "again"]], targets[0])
    _ingest([[tmp_path / "again"], [tmp_path / "first"]], targets[1])
    winner = min(hashlib.sha256(b).hexdigest() for b in (seed_bytes, resaved))
    for target in targets:
        assert query(target, "select dump_id from ticker_snapshots") == [(winner,)]
        assert query(target, "select sum(slots) from headline_days") == [(48,)]
        assert sorted(s for (s,) in query(target, "select status from raw_dumps")) == ["loaded", "superseded"]
    assert fingerprint_of(targets[0]) == fingerprint_of(targets[1])


def test_one_content_at_two_stated_instants_counts_at_both_and_a_copy_at_neither(
    prefect_harness, seed_bytes, tmp_path, fingerprint_of
):
    # the same bytes captured at 10:15 and at 10:30 (the ticker had not moved), and copied elsewhere
    # later (no stamp: its mtime, a copy's, is no capture instant)
    _put(tmp_path / "copies" / "copy.txt", seed_bytes, mtime=datetime(2024, 12, 24, tzinfo=UTC).timestamp())
    _put(tmp_path / "stamped" / STAMP, seed_bytes)
    _put(tmp_path / "stamped" / LATER, seed_bytes)
    targets = [tmp_path / "copy_first.duckdb", tmp_path / "stamped_first.duckdb"]
    _ingest([[tmp_path / "copies"], [tmp_path / "stamped"]], targets[0])
    _ingest([[tmp_path / "stamped"], [tmp_path / "copies"]], targets[1])
    for target in targets:
        assert query(target, "select captured_at from ticker_snapshots order by 1") == [
            (AT,),
            (datetime(2024, 12, 23, 10, 30, tzinfo=UTC),),
        ]
        assert query(target, "select sum(slots), max(snapshots) from headline_days") == [(96, 2)]
        assert query(target, "select count(*), min(status) from raw_dumps") == [(1, "loaded")]
    assert fingerprint_of(targets[0]) == fingerprint_of(targets[1])


def test_a_content_with_no_stated_instant_is_dated_by_its_earliest_file_in_any_order(
    prefect_harness, seed_bytes, tmp_path, fingerprint_of
):
    unstated = seed_bytes.replace("du lundi 23 décembre 2024".encode(), b"du jour")  # no date stated
    early = datetime(2024, 12, 23, 9, 0, tzinfo=UTC)
    _put(
        tmp_path / "late" / "page-1.txt",
        unstated,
        mtime=datetime(2024, 12, 23, 12, 0, tzinfo=UTC).timestamp(),
    )
    _put(tmp_path / "early" / "page-1.txt", unstated, mtime=early.timestamp())
    targets = [tmp_path / "late_first.duckdb", tmp_path / "early_first.duckdb"]
    _ingest([[tmp_path / "late"], [tmp_path / "early"]], targets[0])
    _ingest([[tmp_path / "early"], [tmp_path / "late"]], targets[1])
    for target in targets:
        assert query(target, "select captured_at, capture_method from ticker_snapshots") == [(early, "mtime")]
        assert query(target, "select captured_at, first_path from raw_dumps") == [
            (early, str(tmp_path / "early" / "page-1.txt"))
        ]
    assert fingerprint_of(targets[0]) == fingerprint_of(targets[1])


def _schema_5(target: Path, half: bytes) -> None:
    """Downgrade a warehouse to what schema 5 stored: one snapshot per dump, keyed by it, so the
    half-written version of the capture is a snapshot too, counted in the aggregates with the complete one."""
    outlets = pd.read_csv(OUTLETS_CSV, dtype=str, keep_default_na=False)
    dump_id = hashlib.sha256(half).hexdigest()
    source = SourceFile("/x", len(half), 0, dump_id=dump_id)
    half_items = build_tables([(source, half, parse_dump(half))], outlets, "r", AT)["items"]
    con = duckdb.connect(str(target))
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        "update ticker_items set snapshot_id = s.dump_id from ticker_snapshots as s "
        "where ticker_items.snapshot_id = s.snapshot_id"
    )
    con.execute("update ticker_snapshots set snapshot_id = dump_id")
    con.execute(
        "insert into ticker_snapshots select dump_id, captured_at, capture_method, edition, n_items, "
        "stated_date, dump_id from snapshot_versions where dump_id = ?",
        [dump_id],
    )
    con.register("half_items", half_items)
    con.execute(
        "insert into ticker_items select dump_id, position, headline_id, headline, language from half_items"
    )
    con.execute("update raw_dumps set status = 'loaded'")
    con.execute(sql_text("load/recount_all_keys"))
    con.execute(sql_text("load/snapshot_recount"))  # what schema 5's merges added up: both versions
    con.execute("drop table snapshot_versions")
    con.execute("alter table ticker_snapshots drop column dump_id")
    con.execute("alter table dump_files drop column manifest_captured_at")
    con.execute("update schema_meta set value = '5' where key = 'schema_version'")
    con.close()


def test_a_schema_5_warehouse_counting_both_versions_is_migrated_to_one_snapshot(
    half_and_whole, seed_bytes, tmp_path, fingerprint_of
):
    target = tmp_path / "w.duckdb"
    copy_warehouse(half_and_whole["half_first"], target)
    _schema_5(target, seed_bytes[: len(seed_bytes) // 2])
    assert query(target, "select count(*), sum(n_items) from ticker_snapshots") == [(2, 48 + 43)]
    assert query(target, "select sum(slots) from headline_days") == [(48 + 43,)]

    wh.connect(target).close()  # the open migrates

    assert fingerprint_of(target) == fingerprint_of(half_and_whole["half_first"])
