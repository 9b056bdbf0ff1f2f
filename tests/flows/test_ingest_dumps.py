"""The ingest_dumps flow end to end on the bundled sample corpus and on small hand-made folders."""

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpers import SAMPLE_DIR, query, table_counts
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.flows.summaries import SHOWN_DUPLICATES, describe_duplicates
from tickerhouse.samples.corpus import BAD_KINDS, generate_corpus

SEED_NAME = "000_46a3b748499c8f06.txt"

# What each bad kind of the sample corpus must end as: a reject reason, or loaded with this repair.
REJECTED = {
    "empty": "empty file",
    "whitespace": "whitespace only",
    "random_bytes": "binary content",
    "no_content": "no ticker and no article",
}
REPAIRED = {
    "bom": "utf8_bom_stripped",
    "mojibake": "mojibake_repaired",
    "truncated": "truncated_multibyte_tail_dropped",
    "html": "html_page_converted",
    "nul_bytes": "nul_bytes_removed_",
}


# `make sample` leaves these out of the bundle: no stamp, no manifest row, no dated ticker, so a clone
# (git keeps no mtimes) could only date them by its own checkout time.
LEFT_OUT_OF_BUNDLE = {"fr/2024-12-15/page-12.txt", "ar/2024-12-01/page-1.txt"}


@pytest.fixture(scope="module")
def sample_kinds() -> dict[str, str]:
    """Path of every file of data/sample -> the kind the generator made it as (make sample's arguments)."""
    made = generate_corpus(400, interval_minutes=180)
    return {str(SAMPLE_DIR / f.relpath): f.kind for f in made if f.relpath not in LEFT_OUT_OF_BUNDLE}


@pytest.fixture(scope="module")
def sample_run(prefect_harness, tmp_path_factory) -> tuple[Path, dict, dict]:
    """data/sample ingested twice into a fresh warehouse: (warehouse, first summary, second summary)."""
    target = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    first = ingest_dumps(paths=[str(SAMPLE_DIR)], warehouse=str(target))
    first["counts_after"] = table_counts(target)
    second = ingest_dumps(paths=[str(SAMPLE_DIR)], warehouse=str(target))
    second["counts_after"] = table_counts(target)
    return target, first, second


def test_sample_corpus_matches_its_generator(sample_kinds):
    on_disk = {str(p) for p in SAMPLE_DIR.rglob("*") if p.is_file()} - {str(SAMPLE_DIR / SEED_NAME)}
    assert on_disk == set(sample_kinds)
    assert set(BAD_KINDS) <= set(sample_kinds.values())


def test_summary_counts(sample_run, sample_kinds):
    target, first, _ = sample_run
    n_dumps = sum(k != "manifest" for k in sample_kinds.values()) + 1  # + the seed
    assert first["files_seen"] == first["files_new"] == n_dumps
    assert first["dumps_rejected"] == len(REJECTED)
    # the duplicate file holds an earlier dump's bytes: one dump fewer than files
    assert first["dumps_loaded"] == n_dumps - 1 - len(REJECTED)
    assert first["reject_reasons"] == dict.fromkeys(REJECTED.values(), 1)
    # every new file is explained: loaded, rejected, or named as a duplicate of a stored dump
    copy = next(p for p, k in sample_kinds.items() if k == "duplicate")
    original = copy.replace(" (1).txt", ".txt")
    [duplicate] = first["duplicates"]
    assert {duplicate["path"], duplicate["stored_as"]} == {copy, original}  # the first path by name stays
    assert duplicate["status"] == "loaded"
    assert first["files_new"] == first["dumps_loaded"] + first["dumps_rejected"] + len(first["duplicates"])
    counts = table_counts(target)
    assert first["rows_added"] == counts
    assert counts["raw_dumps"] == n_dumps - 1 and counts["dump_files"] == n_dumps
    assert counts["rejects"] == len(REJECTED)


def test_checks_pass_and_run_is_recorded(sample_run):
    target, first, second = sample_run
    assert set(first["checks"].values()) == {0}
    assert set(second["checks"].values()) == {0}
    runs = query(target, "select run_id, files_new, dumps_loaded from ingest_runs order by started_at")
    assert runs == [
        (first["run_id"], first["files_new"], first["dumps_loaded"]),
        (second["run_id"], 0, 0),
    ]


def test_raw_archive_keeps_every_stored_dump_exactly(sample_run, sample_kinds):
    target, _, _ = sample_run
    archive = target.with_suffix(".raw")
    files = sorted(str(p.relative_to(archive)) for p in archive.glob("*/*.parquet"))
    # Only the files stored dumps point at are kept (the no-op second run archived nothing).
    assert files == [name for (name,) in query(target, "select distinct raw_file from raw_dumps order by 1")]
    rows = query(
        target,
        "select d.dump_id, d.first_path, a.content from raw_dumps as d "
        "join read_parquet(? || '/' || ?, filename = true) as a "
        "on a.dump_id = d.dump_id and a.filename = ? || '/' || d.raw_file",
        [str(archive), "*/*.parquet", str(archive)],
    )
    assert len(rows) == len(query(target, "select * from raw_dumps"))
    for dump_id, path, content in rows:
        assert hashlib.sha256(content).hexdigest() == dump_id
        if sample_kinds.get(path) != "duplicate":
            assert content == Path(path).read_bytes()


def test_second_ingest_adds_nothing(sample_run):
    _, first, second = sample_run
    assert second["files_seen"] == first["files_seen"]
    assert second["files_new"] == 0
    assert second["rows_added"] == dict.fromkeys(first["rows_added"], 0)
    assert second["counts_after"] == first["counts_after"]


@pytest.mark.parametrize("kind", sorted(REJECTED))
def test_bad_file_rejected_with_its_reason(sample_run, sample_kinds, kind):
    target, _, _ = sample_run
    path = next(p for p, k in sample_kinds.items() if k == kind)
    rows = query(target, "select reason, detail, dump_id from rejects where path = ?", [path])
    assert len(rows) == 1
    reason, detail, dump_id = rows[0]
    assert reason == REJECTED[kind] and detail
    # the bytes are kept even for a rejected dump
    assert query(target, "select status from raw_dumps where dump_id = ?", [dump_id]) == [("rejected",)]


@pytest.mark.parametrize("kind", sorted(REPAIRED))
def test_damaged_file_loaded_with_its_repair(sample_run, sample_kinds, kind):
    target, _, _ = sample_run
    path = next(p for p, k in sample_kinds.items() if k == kind)
    [(status, repairs, n_items)] = query(
        target,
        "select d.status, d.repairs, s.n_items from dump_files f join raw_dumps d using (dump_id) "
        "left join ticker_snapshots s on s.dump_id = d.dump_id where f.path = ?",
        [path],
    )
    assert status == "loaded"
    assert any(r.startswith(REPAIRED[kind]) for r in repairs)
    assert n_items and n_items >= 20


def test_html_page_loads_its_article(sample_run, sample_kinds):
    target, _, _ = sample_run
    path = next(p for p, k in sample_kinds.items() if k == "html")
    [(title, n_paragraphs)] = query(
        target,
        "select a.title, len(a.paragraphs) from dump_files f join raw_dumps d using (dump_id) "
        "join articles a using (article_id) where f.path = ?",
        [path],
    )
    assert title and n_paragraphs >= 1


def test_cp1252_and_article_only_and_empty_entries(sample_run, sample_kinds):
    target, _, _ = sample_run
    by_kind = {k: p for p, k in sample_kinds.items()}
    sql = (
        "select d.encoding, d.article_id is not null, s.n_items, "
        "(select count(*) from ticker_items i where i.snapshot_id = s.snapshot_id and i.headline = '') "
        "from dump_files f join raw_dumps d using (dump_id) "
        "left join ticker_snapshots s on s.dump_id = d.dump_id where f.path = ?"
    )
    assert query(target, sql, [by_kind["cp1252"]])[0][:2] == ("cp1252", True)
    # an article without a ticker: loaded, no snapshot
    assert query(target, sql, [by_kind["article_only"]])[0][1:3] == (True, None)
    # empty anchors (8 NBSP) are dropped, not loaded as empty headlines
    _, _, n_items, n_empty = query(target, sql, [by_kind["empty_entries"]])[0]
    assert n_items >= 20 and n_empty == 0


def test_duplicate_file_is_one_dump_with_two_file_rows(sample_run, sample_kinds):
    target, _, _ = sample_run
    copy = next(p for p, k in sample_kinds.items() if k == "duplicate")
    original = copy.replace(" (1).txt", ".txt")
    rows = query(target, "select path, dump_id from dump_files where path in (?, ?)", [copy, original])
    assert len(rows) == 2 and rows[0][1] == rows[1][1]


def test_seed_loads_with_its_ticker_date(sample_run):
    target, _, _ = sample_run
    [(method, captured, n_items)] = query(
        target,
        "select s.capture_method, s.captured_at, s.n_items from dump_files f "
        "join ticker_snapshots s on s.dump_id = f.dump_id where f.path = ?",
        [str(SAMPLE_DIR / SEED_NAME)],
    )
    assert (method, n_items) == ("ticker_date", 48)
    assert captured == datetime(2024, 12, 22, 23, 0, tzinfo=UTC)


def test_summary_artifact_is_published(sample_run):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    _, first, second = sample_run
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-summary"]))
        )
    by_description = {a.description: a for a in artifacts}
    for summary in (first, second):
        artifact = by_description[f"ingest run {summary['run_id']}"]
        assert artifact.type == "table"
        rows = {(r["section"], r["item"]): r["value"] for r in json.loads(artifact.data)}
        assert rows["files", "new"] == summary["files_new"]
        assert rows["rows added", "ticker_items"] == summary["rows_added"]["ticker_items"]
        assert rows["failing rows", "items_match_snapshots"] == 0
    first_rows = json.loads(by_description[f"ingest run {first['run_id']}"].data)
    assert {"section": "rejected files", "item": "empty file", "value": 1} in first_rows
    assert {"section": "dumps", "item": "duplicates of stored dumps", "value": 1} in first_rows
    [duplicate] = first["duplicates"]
    assert {
        "section": "duplicate files (not loaded again)",
        "item": duplicate["path"],
        "value": f"same bytes as {duplicate['stored_as']} (loaded)",
    } in first_rows


def test_duplicates_are_all_counted_and_the_first_named():
    many = [{"path": f"p{i}.txt", "stored_as": "a.txt", "status": "rejected"} for i in range(25)]
    shown = describe_duplicates(many)
    assert len(shown) == SHOWN_DUPLICATES + 1
    assert shown["p0.txt"] == "same bytes as a.txt (rejected)"
    assert shown["... and 5 more"] == "not listed"
    assert describe_duplicates(many[:2]) == {
        p: "same bytes as a.txt (rejected)" for p in ("p0.txt", "p1.txt")
    }


# ---- small folders ---------------------------------------------------------------------------


def _copy_seed(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(SAMPLE_DIR / SEED_NAME, target)
    return target


@pytest.mark.parametrize("workers", ["1", "2"])  # both copies in one batch, or one in each of two
def test_same_dump_under_two_names(prefect_harness, tmp_path, monkeypatch, workers):
    monkeypatch.setenv("TICKERHOUSE_WORKERS", workers)
    landing = tmp_path / "landing"
    _copy_seed(landing, "a.txt")
    _copy_seed(landing / "sub", "b.txt")
    target = tmp_path / "wh.duckdb"
    summary = ingest_dumps(paths=[str(landing)], warehouse=str(target))
    assert summary["rows_added"]["raw_dumps"] == 1
    assert summary["rows_added"]["dump_files"] == 2
    assert summary["rows_added"]["ticker_items"] == 48
    assert summary["checks"]["items_match_snapshots"] == 0
    # a third name in a later run adds a file row and nothing else
    assert summary["duplicates"] == [
        {"path": str(landing / "sub" / "b.txt"), "stored_as": str(landing / "a.txt"), "status": "loaded"}
    ]
    _copy_seed(landing, "c.txt")
    again = ingest_dumps(paths=[str(landing)], warehouse=str(target))
    assert {t: n for t, n in again["rows_added"].items() if n} == {"dump_files": 1}
    assert (again["dumps_loaded"], again["dumps_rejected"]) == (0, 0)
    assert again["duplicates"] == [
        {"path": str(landing / "c.txt"), "stored_as": str(landing / "a.txt"), "status": "loaded"}
    ]


def test_interleaved_ingests_build_the_aggregates_one_ingest_builds(prefect_harness, tmp_path):
    # headlines and headline_days are merged run by run from the new items only: ingesting the sample in
    # three interleaved thirds (every day and most headlines touched by each run) must end where one
    # ingest of it does.
    files = sorted(str(p) for p in SAMPLE_DIR.rglob("*.txt"))
    once, stepwise = tmp_path / "once.duckdb", tmp_path / "stepwise.duckdb"
    ingest_dumps(paths=files, warehouse=str(once))
    for part in range(3):
        ingest_dumps(paths=files[part::3], warehouse=str(stepwise))
    for sql in (
        "select * from headlines order by headline_id",
        "select * from headline_days order by day, headline_id",
        "select count(*), sum(n_items) from ticker_snapshots",
    ):
        assert query(stepwise, sql) == query(once, sql)


def test_manifest_gives_capture_time_and_cannot_escape_its_folder(prefect_harness, tmp_path):
    landing = tmp_path / "landing"
    seed = (SAMPLE_DIR / SEED_NAME).read_bytes()
    landing.mkdir()
    (landing / "page-1.txt").write_bytes(seed)
    # another dump (different bytes) that a manifest outside the folder tries to date
    (tmp_path / "x.txt").write_bytes(seed.replace(b"Hespress", b"Le360"))
    (landing / "page-2.txt").write_bytes(seed.replace(b"Hespress", b"Yabiladi"))
    (landing / "manifest.csv").write_text(
        "file,captured_at\n"
        "page-1.txt,2024-12-23T10:15:00+01:00\n"  # explicit offset
        "page-2.txt,2024-12-23 11:15:00\n"  # naive: Casablanca time
        "../x.txt,2020-01-01T00:00:00+00:00\n",  # escapes the folder: ignored
        encoding="utf-8",
    )
    target = tmp_path / "wh.duckdb"
    summary = ingest_dumps(paths=[str(landing), str(tmp_path / "x.txt")], warehouse=str(target))
    assert summary["files_seen"] == 3  # the manifest itself is not a dump
    rows = dict(
        (Path(path).name, (method, captured))
        for path, method, captured in query(
            target,
            "select f.path, d.capture_method, d.captured_at "
            "from dump_files f join raw_dumps d using (dump_id)",
        )
    )
    assert rows["page-1.txt"] == ("manifest", datetime(2024, 12, 23, 9, 15, tzinfo=UTC))
    assert rows["page-2.txt"] == ("manifest", datetime(2024, 12, 23, 10, 15, tzinfo=UTC))
    # x.txt is outside the manifest's folder: dated by its own ticker, not by the manifest
    assert rows["x.txt"][0] == "ticker_date"


@pytest.mark.parametrize("make", ["dangling_symlink", "symlink_to_folder"])
def test_unreadable_file_is_rejected_and_the_rest_loads(prefect_harness, tmp_path, make):
    # Tests run as root, for whom chmod 000 does not stop a read: links that cannot be read instead.
    landing = tmp_path / "landing"
    _copy_seed(landing, "good.txt")
    bad = landing / "bad.txt"
    bad.symlink_to(tmp_path / ("gone.txt" if make == "dangling_symlink" else "landing"))
    target = tmp_path / "wh.duckdb"
    summary = ingest_dumps(paths=[str(landing)], warehouse=str(target))
    assert summary["files_seen"] == 2
    assert summary["reject_reasons"] == {"unreadable": 1}
    assert summary["dumps_loaded"] == 1
    [(path, reason, detail, dump_id)] = query(target, "select path, reason, detail, dump_id from rejects")
    assert (path, reason, dump_id) == (str(bad), "unreadable", None)
    assert ("FileNotFoundError" if make == "dangling_symlink" else "IsADirectoryError") in detail
    assert set(summary["checks"].values()) == {0}


def test_progress_goes_to_the_sink_and_no_worker_outlives_the_run(prefect_harness, tmp_path, monkeypatch):
    from tickerhouse import staging
    from tickerhouse.progress import progress_sink

    monkeypatch.setenv("TICKERHOUSE_WORKERS", "2")
    landing = tmp_path / "landing"
    for name in ("a.txt", "b.txt", "c.txt"):
        _copy_seed(landing, name)
    reports = []
    with progress_sink(lambda *report: reports.append(report)):
        ingest_dumps(paths=[str(landing)], warehouse=str(tmp_path / "wh.duckdb"))
    # 0 of 3 first, then one report per batch, the last at 3 of 3
    assert reports[0] == ("ingest", 0, 3, "dump") and reports[-1] == ("ingest", 3, 3, "dump")
    assert [done for _, done, _, _ in reports] == sorted(done for _, done, _, _ in reports)
    assert not staging._POOLS  # the workers stopped with the block that started them
    assert not any((tmp_path / "state").rglob("*.parquet"))
