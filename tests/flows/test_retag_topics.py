"""retag_topics: tags re-derived from stored text with a new taxonomy, its version recorded, no dump read."""

import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import REPO
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.flows.retag_topics import retag_topics


def _tags(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.usefixtures("prefect_harness")
def test_retag_rederives_tags_with_the_new_taxonomy(tmp_path, seed_bytes):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "seed.txt").write_bytes(seed_bytes)
    warehouse = tmp_path / "w.duckdb"
    ingest_dumps(paths=[str(landing)], warehouse=str(warehouse))
    tagged = _tags(warehouse, "select count(*), min(taxonomy_version) from headline_topics")[0]
    assert tagged[0] > 0
    # the dump is gone: retag must work from the warehouse alone
    shutil.rmtree(landing)

    # a new version that makes "mufti" a weather word: an edit nobody would make, easy to see
    toml = (REPO / "data" / "topics.toml").read_text(encoding="utf-8")
    edited = toml.replace('version = "', 'version = "2099.01.01.1" #', 1)
    taxonomy = tmp_path / "topics.toml"
    taxonomy.write_text(_add_term(edited, "weather", "mufti"), encoding="utf-8")

    summary = retag_topics(warehouse=str(warehouse), taxonomy_path=str(taxonomy))
    assert summary["taxonomy_version"] == "2099.01.01.1"
    versions = _tags(warehouse, "select distinct taxonomy_version from headline_topics")
    assert versions == [("2099.01.01.1",)]
    mufti = _tags(
        warehouse,
        "select count(*) from headline_topics join headlines using (headline_id) "
        "where topic = 'weather' and headline ilike '%mufti%'",
    )[0][0]
    assert mufti == 2  # both Grand Mufti wordings of the seed
    meta = dict(_tags(warehouse, "select key, value from schema_meta"))
    assert meta["taxonomy_version"] == "2099.01.01.1"

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
