"""retag_topics: tags re-derived from stored text with a new taxonomy, its version recorded, no dump read;
rebuild_warehouse keeps that taxonomy, or takes another; a later ingest tags new dumps with it."""

import shutil
import tomllib
from pathlib import Path

import duckdb
import pytest

from helpers import REPO, copy_warehouse
from tickerhouse.errors import UsageError
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.flows.rebuild_warehouse import rebuild_warehouse
from tickerhouse.flows.retag_topics import retag_topics
from tickerhouse.resources import sql_text
from tickerhouse.tagging import taxonomy_in_force


def _tags(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def retagged(prefect_harness, tmp_path_factory, seed_bytes) -> tuple[Path, Path, dict]:
    """(warehouse, taxonomy file, retag summary, mufti-weather tags): the seed ingested, its dump deleted,
    then retagged with a new taxonomy version that makes "mufti" a weather word."""
    tmp_path = tmp_path_factory.mktemp("retag")
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "seed.txt").write_bytes(seed_bytes)
    warehouse = tmp_path / "w.duckdb"
    ingest_dumps(paths=[str(landing)], warehouse=str(warehouse))
    tagged = _tags(warehouse, "select count(*), min(taxonomy_version) from headline_topics")[0]
    assert tagged[0] > 0
    assert _mufti_weather(warehouse) == 0
    # the dump is gone: retag must work from the warehouse alone
    shutil.rmtree(landing)

    # a new version that makes "mufti" a weather word: an edit nobody would make, easy to see
    toml = (REPO / "data" / "topics.toml").read_text(encoding="utf-8")
    edited = toml.replace('version = "', 'version = "2099.01.01.1" #', 1)
    taxonomy = tmp_path / "topics.toml"
    taxonomy.write_text(_add_term(edited, "weather", "mufti"), encoding="utf-8")
    summary = retag_topics(warehouse=str(warehouse), taxonomy_path=str(taxonomy))
    return warehouse, taxonomy, summary


def _mufti_weather(warehouse: Path) -> int:
    sql = (
        "select count(*) from headline_topics join headlines using (headline_id) "
        "where topic = 'weather' and headline ilike '%mufti%'"
    )
    return _tags(warehouse, sql)[0][0]


def test_retag_rederives_tags_with_the_new_taxonomy(retagged):
    warehouse, taxonomy, summary = retagged
    assert summary["taxonomy_version"] == "2099.01.01.1"
    versions = _tags(warehouse, "select distinct taxonomy_version from headline_topics")
    assert versions == [("2099.01.01.1",)]
    assert _mufti_weather(warehouse) == 2  # both Grand Mufti wordings of the seed
    meta = dict(_tags(warehouse, "select key, value from schema_meta"))
    assert meta["taxonomy_version"] == "2099.01.01.1"
    assert meta["taxonomy_toml"] == taxonomy.read_text(encoding="utf-8")  # what a rebuild keeps

    assert summary["changes"]["weather"]["added"] >= 2  # retag says what it changed, per topic

    # running it again replaces, never duplicates, and changes nothing
    again = retag_topics(warehouse=str(warehouse), taxonomy_path=str(taxonomy))
    assert again["rows"] == summary["rows"]
    assert again["changes"] == {}


def _add_term(toml: str, topic: str, term: str) -> str:
    """Return the taxonomy text with `term` first in the French list of `topic`."""
    head = f"\n[{topic}]\n"
    start = toml.index(head)
    fr = toml.index("fr = [", start)
    return toml[: fr + len("fr = [")] + f'"{term}", ' + toml[fr + len("fr = [") :]


def test_rebuild_keeps_the_retagged_taxonomy_or_takes_one(retagged, tmp_path):
    source, taxonomy, _ = retagged
    warehouse = tmp_path / "w.duckdb"
    copy_warehouse(source, warehouse)
    moved = taxonomy.rename(tmp_path / "elsewhere.toml")  # the file may be gone: the warehouse keeps it
    try:
        kept = rebuild_warehouse(warehouse=str(warehouse))
    finally:
        moved.rename(taxonomy)
    assert kept["taxonomy_version"] == "2099.01.01.1"
    assert kept["taxonomy_source"].startswith("the one in force")
    assert _tags(warehouse, "select distinct taxonomy_version from headline_topics") == [("2099.01.01.1",)]
    assert _mufti_weather(warehouse) == 2
    assert all(c == {"added": 0, "removed": 0} for c in kept["rows_changed"].values())

    shipped = REPO / "data" / "topics.toml"
    back = rebuild_warehouse(warehouse=str(warehouse), taxonomy_path=str(shipped))
    version = tomllib.loads(shipped.read_text(encoding="utf-8"))["version"]
    assert (back["taxonomy_version"], back["taxonomy_source"]) == (
        version,
        f"{shipped} (--taxonomy, now in force)",
    )
    assert _tags(warehouse, "select distinct taxonomy_version from headline_topics") == [(version,)]
    assert _mufti_weather(warehouse) == 0
    assert dict(_tags(warehouse, "select key, value from schema_meta"))["taxonomy_version"] == version


def test_ingest_after_retag_tags_new_dumps_with_the_taxonomy_in_force(retagged, tmp_path, seed_bytes):
    source, taxonomy, _ = retagged
    warehouse = tmp_path / "w.duckdb"
    copy_warehouse(source, warehouse)
    landing = tmp_path / "landing"
    landing.mkdir()
    # a new dump whose Grand Mufti headlines are new text: tagged by this ingest, not by the retag
    new_dump = seed_bytes.replace(b"Mufti d'Al-Qods", b"Mufti de Tunis")
    new_dump = new_dump.replace(b"mufti d'Al-Qods", b"mufti de Tunis")
    assert new_dump != seed_bytes
    (landing / "later.txt").write_bytes(new_dump)
    moved = taxonomy.rename(tmp_path / "elsewhere.toml")  # the file may be gone: the warehouse keeps it
    try:
        summary = ingest_dumps(paths=[str(landing)], warehouse=str(warehouse))
    finally:
        moved.rename(taxonomy)
    assert summary["dumps_loaded"] == 1
    sql = (
        "select count(*), min(taxonomy_version), max(taxonomy_version) from headline_topics "
        "join headlines using (headline_id) where topic = 'weather' and headline ilike '%mufti de tunis%'"
    )
    assert _tags(warehouse, sql) == [(2, "2099.01.01.1", "2099.01.01.1")]  # FILE's rule and version
    # one taxonomy in the warehouse, the one its metadata names
    assert _tags(warehouse, "select distinct taxonomy_version from headline_topics") == [("2099.01.01.1",)]
    assert _tags(warehouse, "select distinct taxonomy_version from article_topics") == [("2099.01.01.1",)]
    meta = dict(_tags(warehouse, "select key, value from schema_meta"))
    assert meta["taxonomy_version"] == "2099.01.01.1"
    assert meta["taxonomy_toml"] == taxonomy.read_text(encoding="utf-8")


def _in_force(recorded: dict[str, str]) -> tuple[str, str]:
    """taxonomy_in_force of a warehouse whose schema_meta records `recorded`."""
    con = duckdb.connect()
    try:
        con.execute(sql_text("tables/schema_meta"))
        for row in recorded.items():
            con.execute("insert into schema_meta values (?, ?)", row)
        return taxonomy_in_force(con)
    finally:
        con.close()


def test_a_taxonomy_in_force_that_cannot_be_found_is_refused():
    # a warehouse retagged by an older tickerhouse recorded the version alone
    with pytest.raises(UsageError, match=r"derived with taxonomy 2099.01.01.1 .* rebuild --taxonomy FILE"):
        _in_force({"taxonomy_version": "2099.01.01.1", "retagged_at": "2026-01-01"})
    shipped = (REPO / "data" / "topics.toml").read_text(encoding="utf-8")
    version = tomllib.loads(shipped)["version"]
    assert _in_force({"taxonomy_version": version}) == (shipped, "data/topics.toml (no retag recorded)")
    assert _in_force({})[0] == shipped
