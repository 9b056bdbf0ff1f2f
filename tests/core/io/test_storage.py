"""Landing and staging at fsspec URLs (file://, memory://) load exactly what local paths load."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import fsspec
import pytest

from helpers import SAMPLE_DIR, query, table_counts
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.io.discovery import find_new_files
from tickerhouse.io.storage import mtime_ns

# Tables compared row for row with the plain-path run: none holds a path or a run id, and capture times
# (manifest rows read through the URL included) flow into all three.
SAME_ROWS = ("ticker_snapshots", "ticker_items", "articles")


def _rows(target: Path, table: str) -> list[tuple]:
    return query(target, "select * from query_table(?) order by all", [table])


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """A copy of data/sample, so that the plain and the URL runs read the very same files."""
    folder = tmp_path_factory.mktemp("landing") / "sample"
    shutil.copytree(SAMPLE_DIR, folder)
    return folder


@pytest.fixture(scope="module")
def plain_run(prefect_harness, landing, tmp_path_factory) -> tuple[Path, dict]:
    """The copy ingested by its plain path: (warehouse, summary)."""
    target = tmp_path_factory.mktemp("plain") / "w.duckdb"
    return target, ingest_dumps(paths=[str(landing)], warehouse=str(target))


@pytest.fixture(scope="module")
def url_run(prefect_harness, landing, tmp_path_factory) -> tuple[Path, dict, dict]:
    """The copy ingested as a file:// URL with the default runner, twice: (warehouse, first, second)."""
    target = tmp_path_factory.mktemp("url") / "w.duckdb"
    first = ingest_dumps(paths=[f"file://{landing}"], warehouse=str(target))
    first["counts_after"] = table_counts(target)
    second = ingest_dumps(paths=[f"file://{landing}"], warehouse=str(target))
    return target, first, second


@pytest.fixture
def memory_landing(landing) -> Iterator[str]:
    """The copy in fsspec's memory file system (one per process, shared by the session): its URL."""
    fs = fsspec.filesystem("memory")
    root = f"/landing-{uuid.uuid4().hex[:8]}"
    for path in landing.rglob("*"):
        if path.is_file():
            fs.pipe(f"{root}/{path.relative_to(landing)}", path.read_bytes())
    yield f"memory://{root}"
    fs.rm(root, recursive=True)


def test_file_url_landing_loads_what_the_plain_path_loads(plain_run, url_run):
    plain, plain_summary = plain_run
    target, first, _ = url_run
    assert first["counts_after"] == table_counts(plain)
    assert (first["files_new"], first["reject_reasons"]) == (
        plain_summary["files_new"],
        plain_summary["reject_reasons"],
    )
    for table in SAME_ROWS:
        assert _rows(target, table) == _rows(plain, table), table
    # each file is recorded by its full URL: unambiguous, and re-openable by any worker
    url_paths = [p for (p,) in query(target, "select path from dump_files order by path")]
    plain_paths = [p for (p,) in query(plain, "select path from dump_files order by path")]
    assert url_paths == [f"file://{p}" for p in plain_paths]


def test_rerun_over_a_url_landing_adds_nothing(url_run):
    target, first, second = url_run
    assert second["files_seen"] == first["files_seen"]
    assert second["files_new"] == 0
    assert second["rows_added"] == dict.fromkeys(first["rows_added"], 0)
    assert table_counts(target) == first["counts_after"]


def test_memory_landing_and_staging_load_the_same_rows(plain_run, memory_landing, tmp_path, monkeypatch):
    staging = f"memory://staging-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("TICKERHOUSE_STAGING", staging)
    monkeypatch.setenv("TICKERHOUSE_RUNNER", "thread")  # the memory file system lives in one process
    target = tmp_path / "w.duckdb"
    summary = ingest_dumps(paths=[memory_landing], warehouse=str(target))
    plain, _ = plain_run
    assert table_counts(target) == table_counts(plain)
    for table in SAME_ROWS:
        assert _rows(target, table) == _rows(plain, table), table
    assert set(summary["checks"].values()) == {0}
    # the batches were staged there, then cleared once loaded
    fs, root = fsspec.core.url_to_fs(staging)
    assert fs.isdir(root) and fs.find(root) == []


def test_unreadable_and_too_large_url_files_are_quarantined(
    prefect_harness, seed_bytes, tmp_path, monkeypatch
):
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "good.txt").write_bytes(seed_bytes)
    (folder / "huge.txt").write_bytes(seed_bytes * 3)
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")  # listed by the file system, cannot be read
    monkeypatch.setenv("TICKERHOUSE_MAX_DUMP_BYTES", str(2 * len(seed_bytes)))
    target = tmp_path / "w.duckdb"
    summary = ingest_dumps(paths=[f"file://{folder}"], warehouse=str(target))
    assert (summary["files_seen"], summary["dumps_loaded"]) == (3, 1)
    assert summary["reject_reasons"] == {"unreadable": 1, "too large": 1}
    rejects = {
        path: (reason, detail)
        for path, reason, detail in query(target, "select path, reason, detail from rejects")
    }
    assert rejects.keys() == {f"file://{folder}/gone.txt", f"file://{folder}/huge.txt"}
    assert rejects[f"file://{folder}/gone.txt"][0] == "unreadable"
    assert "FileNotFoundError" in rejects[f"file://{folder}/gone.txt"][1]
    assert rejects[f"file://{folder}/huge.txt"][0] == "too large"
    assert set(summary["checks"].values()) == {0}


def test_url_discovery_skips_dot_names_and_reads_manifests_through_the_file_system():
    fs = fsspec.filesystem("memory")
    root = f"/discovery-{uuid.uuid4().hex[:8]}"
    for name in ("a.txt", "sub/b.txt", ".hidden.txt", ".git/c.txt"):
        fs.pipe(f"{root}/{name}", b"dump")
    fs.pipe(
        f"{root}/manifest.csv",
        b"file,captured_at\n"
        b"sub/b.txt,2024-12-23T10:15:00+01:00\n"
        b"../elsewhere.txt,2020-01-01T00:00:00+00:00\n",  # escapes the folder: ignored
    )
    try:
        found, n_seen = find_new_files([f"memory://{root}"], set())
        assert n_seen == 2
        assert [(f.path, f.manifest_captured_at) for f in found] == [
            (f"memory://{root}/a.txt", None),
            (f"memory://{root}/sub/b.txt", datetime(2024, 12, 23, 9, 15, tzinfo=UTC)),
        ]
        # a file already ingested (same URL, size and modification time) is not new
        seen = {(f.path, f.size_bytes, f.mtime_ns) for f in found}
        assert find_new_files([f"memory://{root}"], seen) == ([], 2)
    finally:
        fs.rm(root, recursive=True)


EXPECTED_NS = 1_734_945_300_123_456_000  # 2024-12-23T09:15:00.123456Z


@pytest.mark.parametrize(
    "info",
    [
        {"mtime": 1_734_945_300.123456},  # local, sftp: float seconds
        {"LastModified": datetime(2024, 12, 23, 9, 15, 0, 123456, tzinfo=UTC)},  # s3
        {"last_modified": datetime(2024, 12, 23, 10, 15, 0, 123456, tzinfo=timezone(timedelta(hours=1)))},
        {"updated": "2024-12-23T09:15:00.123456Z"},  # gcs: ISO 8601 text
        {"created": 1_734_945_300.123456},  # memory, as listed: float seconds
        {"mtime": datetime(2024, 12, 23, 9, 15, 0, 123456)},  # a naive datetime is taken as UTC
    ],
)
def test_mtime_ns_reads_each_file_systems_time(info):
    assert mtime_ns({"size": 1, **info}) == EXPECTED_NS


def test_mtime_ns_is_zero_when_the_file_system_gives_no_time():
    assert mtime_ns({"name": "x", "size": 1, "type": "file"}) == 0
