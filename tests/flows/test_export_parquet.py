"""export_parquet end to end: read back as BI tools do, incremental and --since runs, checks, crashes."""

import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
import pytest

from helpers import REPO, SAMPLE_DIR
from tickerhouse import cli
from tickerhouse import warehouse as wh
from tickerhouse.export_state import ExportCheckError, fingerprint_partitions
from tickerhouse.flows import export_parquet as ep
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.resources import sql_text
from tickerhouse.transforms.export_plan import contract_drift, nothing_new, render_dictionary

DAYS = ("2024-12-01", "2024-12-02", "2024-12-03", "2024-12-04")


@pytest.fixture(scope="module")
def small_warehouse(prefect_harness, tmp_path_factory) -> Path:
    """Four days of the French and Arabic sample corpus, ingested into a fresh warehouse."""
    landing = tmp_path_factory.mktemp("landing")
    for edition in ("fr", "ar"):
        for day in DAYS:
            shutil.copytree(SAMPLE_DIR / edition / day, landing / edition / day)
    target = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    ingest_dumps(paths=[str(landing)], warehouse=str(target))
    return target


@pytest.fixture
def warehouse(small_warehouse, tmp_path) -> Path:
    """A private copy of the small warehouse, so a test may damage it."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(small_warehouse, copy)
    return copy


def _files(root: Path) -> dict[str, int]:
    """Relative path -> inode of every Parquet file under root (same inode = the file was not rewritten)."""
    return {str(p.relative_to(root)): p.stat().st_ino for p in root.rglob("*.parquet")}


def _warehouse_rows(warehouse: Path, dataset: str) -> list[tuple]:
    con = wh.connect(warehouse, read_only=True)
    try:
        return sorted(con.sql(sql_text(f"export/{dataset}")).fetchall(), key=repr)
    finally:
        con.close()


def test_export_reads_back_equal_through_pyarrow_and_duckdb(prefect_harness, warehouse, tmp_path):
    out = tmp_path / "export"
    ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    current = out / "current"
    for dataset in ("ticker_items", "articles"):
        expected = _warehouse_rows(warehouse, dataset)
        con = duckdb.connect()
        con.execute("set TimeZone = 'UTC'")
        rel = con.sql(
            "select * from read_parquet($glob, hive_partitioning = true)",
            params={"glob": f"{current}/{dataset}/*/*.parquet"},
        )
        # DuckDB puts the Hive column last; the export's column order puts it first
        columns = [c.name for c in next(d for d in ep.load_datasets() if d.name == dataset).columns]
        assert sorted(rel.select(*columns).fetchall(), key=repr) == expected
        part = next(d for d in ep.load_datasets() if d.name == dataset).partition_by
        table = pads.dataset(
            current / dataset,
            format="parquet",
            partitioning=pads.partitioning(pa.schema([(part, pa.date32())]), flavor="hive"),
        ).to_table(columns=columns)
        assert len(table) == len(expected)
        assert sorted(map(tuple, (r.values() for r in table.to_pylist())), key=repr) == expected
    assert {p.name for p in (current / "ticker_items").iterdir()} == {f"captured_date={d}" for d in DAYS}
    assert (
        "zstd" in str(pads.dataset(current / "outlets").files and _compression(current / "outlets")).lower()
    )
    assert (current / ep.DICTIONARY_FILE).read_text(encoding="utf-8") == render_dictionary(ep.load_datasets())
    _bridges_match_the_topic_lists(current, warehouse)


def _bridges_match_the_topic_lists(current: Path, warehouse: Path) -> None:
    """A BI tool joining headlines (articles) to headline_topics (article_topics) finds the export's own
    topic lists: one flat row per headline or article per topic, and every tag of the warehouse."""
    con = duckdb.connect()
    for entity, bridge in (("headline", "headlines"), ("article", "articles")):
        files = {name: f"{current}/{name}/**/*.parquet" for name in (f"{entity}_topics", bridge)}
        rel = con.sql("select * from read_parquet($f)", params={"f": files[f"{entity}_topics"]})
        assert not any("[]" in str(t) for t in rel.types)  # flat: no list column
        rows = rel.fetchall()
        assert sorted(rows, key=repr) == _warehouse_rows(warehouse, f"{entity}_topics")
        assert len(rows) == len(_warehouse_rows(warehouse, f"{entity}_topics")) > 0
        via_bridge = con.sql(
            "select columns('^(headline|article)_id$'), list(topic order by topic) "
            "from read_parquet($f) group by all",
            params={"f": files[f"{entity}_topics"]},
        ).fetchall()
        as_lists = con.sql(
            "select columns('^(headline|article)_id$'), topics from read_parquet($f) where len(topics) > 0",
            params={"f": files[bridge]},
        ).fetchall()
        assert sorted(via_bridge) == sorted(as_lists)


def _compression(folder: Path) -> str:
    import pyarrow.parquet as pq

    first = next(folder.rglob("*.parquet"))
    return pq.read_metadata(first).row_group(0).column(0).compression


def _touch_an_outlet(warehouse: Path, homepage: str) -> None:
    """Change one outlet row: the next export has exactly one partition (outlets) to write."""
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update outlets set homepage = $homepage where outlet_id = (select min(outlet_id) from outlets)",
        {"homepage": homepage},
    )
    con.close()


def test_export_with_nothing_new_says_so_and_keeps_current(prefect_harness, warehouse, tmp_path):
    out = tmp_path / "export"
    first = ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    assert first["nothing_new"] is False
    target = (out / "current").resolve()
    before = _files(out / "current")
    summary = ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    assert summary["nothing_new"] is True
    assert summary["export_id"] == first["export_id"] == target.name
    assert all(d["written"] == 0 and d["dropped"] == 0 for d in summary["datasets"].values())
    assert (out / "current").resolve() == target
    assert [p.name for p in (out / "versions").iterdir()] == [target.name]  # no version written
    assert _files(out / "current") == before
    n = duckdb.sql(
        "select count(*) from read_parquet($glob, hive_partitioning = true)",
        params={"glob": f"{out}/current/ticker_items/*/*.parquet"},
    ).fetchall()[0][0]
    assert n == len(_warehouse_rows(warehouse, "ticker_items"))
    # one row changed: a new version, its unchanged partitions hard-linked (the same files), not copies
    _touch_an_outlet(warehouse, "https://example.org")
    changed = ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    assert changed["nothing_new"] is False
    assert {n: d["written"] for n, d in changed["datasets"].items() if d["written"]} == {"outlets": 1}
    after = _files(out / "current")
    assert {p: i for p, i in after.items() if not p.startswith("outlets/")} == {
        p: i for p, i in before.items() if not p.startswith("outlets/")
    }


def _fingerprints(warehouse: Path) -> dict[str, dict]:
    con = wh.connect(warehouse, read_only=True)
    try:
        return {ds.name: fingerprint_partitions(con, ds) for ds in ep.load_datasets()}
    finally:
        con.close()


def test_cli_export_with_nothing_new_starts_no_flow_yet_still_runs_the_checks(
    prefect_harness, warehouse, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "export"
    first = ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))["export_id"]
    before = _files(out / "current")

    def no_flow(name: str):
        raise AssertionError(f"the {name} flow started")

    monkeypatch.setattr(cli, "_flow", no_flow)
    argv = ["export", "--out", str(out), "--warehouse", str(warehouse)]
    capsys.readouterr()
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == f"nothing new: {out}/current is export {first}, kept as it is\n"
    assert (out / "current").resolve().name == first
    assert _files(out / "current") == before
    # a ticker item of no snapshot: no exported row changes, but items_reference_snapshots fails, and an
    # export that would refuse refuses, nothing new or not (as the flow does)
    exported = _fingerprints(warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("insert into ticker_items values ('no-such-snapshot', 1, 'h', 'orphan', 'fr')")
    con.close()
    assert _fingerprints(warehouse) == exported
    assert cli.main(argv) == 1
    assert "items_reference_snapshots: 1 failing rows" in capsys.readouterr().err
    assert _files(out / "current") == before


def test_export_nothing_new_still_rewrites_with_since_or_a_changed_dictionary(tmp_path):
    # the decision alone (no flow run): every partition as exported, but the caller or the docs differ
    datasets = ep.load_datasets()
    state = {"export_id": "x", "datasets": {d.name: {"partition_by": d.partition_by} for d in datasets}}
    idle = {d.name: {"write": [], "keep": ["2024-12-01"], "drop": []} for d in datasets}
    dictionary = render_dictionary(datasets)
    assert nothing_new(state, datasets, idle, dictionary)
    assert not nothing_new(state, datasets, idle, dictionary.replace("Hive", "hive"))
    assert not nothing_new(state, datasets, idle, None)
    assert not nothing_new({"datasets": {}}, datasets, idle, dictionary)  # no export yet
    fewer = {**state, "datasets": dict(list(state["datasets"].items())[1:])}
    assert not nothing_new(fewer, datasets, idle, dictionary)  # a dataset added since
    dropped = {**idle, "headlines": {"write": [], "keep": [], "drop": [""]}}
    assert not nothing_new(state, datasets, dropped, dictionary)


def test_since_replaces_only_partitions_from_that_day(prefect_harness, warehouse, tmp_path):
    out = tmp_path / "export"
    ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    before = _files(out / "current" / "ticker_items")
    ep.export_parquet(out_dir=str(out), warehouse=str(warehouse), since="2024-12-03")
    after = _files(out / "current" / "ticker_items")
    assert after.keys() == before.keys()
    rewritten = {path.split("/")[0] for path in after if after[path] != before[path]}
    assert rewritten == {"captured_date=2024-12-03", "captured_date=2024-12-04"}


def test_failing_check_stops_the_export_and_names_the_rows(prefect_harness, warehouse, tmp_path):
    out = tmp_path / "export"
    ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    before = _files(out / "current")
    con = duckdb.connect(str(warehouse))
    # a ticker item whose headline row does not exist: items_reference_headlines must catch it
    con.execute(
        "insert into ticker_items select snapshot_id, 999, 'no-such-headline', 'orphan', 'fr' "
        "from ticker_snapshots limit 1"
    )
    con.close()
    with pytest.raises(ExportCheckError, match="items_reference_headlines: 1 failing rows") as err:
        ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    assert "no-such-headline" in str(err.value)
    assert _files(out / "current") == before


def test_crash_while_writing_leaves_previous_export_intact(prefect_harness, warehouse, tmp_path, monkeypatch):
    out = tmp_path / "export"
    ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    target = (out / "current").resolve()
    before = _files(out / "current")
    _touch_an_outlet(warehouse, "https://example.org")

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(ep.pads, "write_dataset", crash)
    monkeypatch.setattr(ep.write_partitions, "retries", 0)
    with pytest.raises(OSError, match="simulated"):
        ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    assert (out / "current").resolve() == target
    assert _files(out / "current") == before
    assert [p.name for p in (out / "versions").iterdir()] == [target.name]  # the half-built one is gone


def test_half_built_folders_are_never_versions_and_a_reader_keeps_its_files(
    prefect_harness, warehouse, tmp_path
):
    out = tmp_path / "export"
    ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    first = (out / "current").resolve()  # a reader resolves `current` and goes on reading this folder
    read = f"{first}/ticker_items/*/*.parquet"
    expected = duckdb.sql("select count(*) from read_parquet($g)", params={"g": read}).fetchall()
    # what crashed exports leave: a partial folder, and an older tickerhouse's half-built, later-named one
    for crashed in (f"{ep.PARTIAL_PREFIX}99991231T000000Z-0badf00d", "99991231T000000Z-deadbeef"):
        (out / "versions" / crashed / "outlets").mkdir(parents=True)
        (out / "versions" / crashed / "outlets" / "part-0.parquet").write_bytes(b"PAR1 half")
    assert ep.complete_versions(out) == [first]
    _touch_an_outlet(warehouse, "https://example.org/1")
    ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    second = (out / "current").resolve()
    # the crashed folders are gone; the version the reader resolved is kept, its files intact
    assert sorted(p.name for p in (out / "versions").iterdir()) == [first.name, second.name]
    assert duckdb.sql("select count(*) from read_parquet($g)", params={"g": read}).fetchall() == expected
    _touch_an_outlet(warehouse, "https://example.org/2")
    ep.export_parquet(out_dir=str(out), warehouse=str(warehouse))
    third = (out / "current").resolve()
    assert [p.name for p in ep.complete_versions(out)] == [second.name, third.name]  # the last two


def test_every_exported_column_is_documented(warehouse):
    con = wh.connect(warehouse, read_only=True)
    try:
        for ds in ep.load_datasets():
            rel = con.sql(sql_text(f"export/{ds.name}"))
            assert contract_drift(ds, dict(zip(rel.columns, map(str, rel.types), strict=True))) == []
    finally:
        con.close()


def test_docs_data_dictionary_is_up_to_date():
    committed = (REPO / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    assert committed == render_dictionary(ep.load_datasets()), (
        "run `tickerhouse export --dictionary docs/data_dictionary.md`"
    )
