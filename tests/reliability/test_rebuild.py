"""Recovery: `rebuild` re-derives every derived table from the stored dump bytes and reports the changes."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from helpers import copy_warehouse
from tickerhouse import warehouse as wh
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.flows.rebuild_warehouse import DERIVED_TABLES, KEPT_TABLES, rebuild_warehouse
from tickerhouse.resources import sql_text
from tickerhouse.samples.corpus import write_corpus
from tickerhouse.tagging import TAG_TABLES


@pytest.fixture(scope="module")
def clean(prefect_harness, tmp_path_factory) -> tuple[Path, Path]:
    """(corpus folder, warehouse of one clean ingest of it)."""
    corpus = tmp_path_factory.mktemp("corpus")
    write_corpus(corpus, 30, interval_minutes=180)
    target = tmp_path_factory.mktemp("clean") / "warehouse.duckdb"
    ingest_dumps(paths=[str(corpus)], warehouse=str(target))
    return corpus, target


def test_rebuild_repairs_a_tampered_warehouse(clean, tmp_path, fingerprint_of):
    _, reference = clean
    target = tmp_path / "warehouse.duckdb"
    copy_warehouse(reference, target)
    con = duckdb.connect(str(target))
    con.execute("delete from ticker_items where position % 3 = 0")
    remaining_items = con.execute("select count(*) from ticker_items").fetchone()[0]
    con.execute("delete from articles")
    con.execute(
        "update raw_dumps set status = 'rejected' where dump_id = (select min(dump_id) from raw_dumps "
        "where status = 'loaded')"
    )
    con.close()
    assert fingerprint_of(target) != fingerprint_of(reference)

    summary = rebuild_warehouse(warehouse=str(target))

    assert fingerprint_of(target) == fingerprint_of(reference)
    ref = duckdb.connect(str(reference), read_only=True)
    n_items = ref.execute("select count(*) from ticker_items").fetchone()[0]
    n_articles = ref.execute("select count(*) from articles").fetchone()[0]
    ref.close()
    assert summary["rows_changed"]["ticker_items"] == {"added": n_items - remaining_items, "removed": 0}
    assert remaining_items < n_items
    assert summary["rows_changed"]["articles"] == {"added": n_articles, "removed": 0}
    assert [(c["before"], c["after"]) for c in summary["status_changes"]] == [("rejected", "loaded")]
    assert not any(summary["checks"].values())


def test_rebuild_of_an_intact_warehouse_changes_nothing(clean, tmp_path, fingerprint_of):
    _, reference = clean
    target = tmp_path / "warehouse.duckdb"
    copy_warehouse(reference, target)
    summary = rebuild_warehouse(warehouse=str(target))
    assert all(c == {"added": 0, "removed": 0} for c in summary["rows_changed"].values())
    assert summary["status_changes"] == []
    assert fingerprint_of(target) == fingerprint_of(reference)
    con = duckdb.connect(str(target), read_only=True)
    # Lineage kept: every dump still says which ingest run brought it; the rebuild is recorded as such.
    assert con.execute("select count(*) from raw_dumps where run_id like 'rebuild-%'").fetchone()[0] == 0
    assert con.execute("select kind from ingest_runs where run_id = ?", [summary["run_id"]]).fetchall() == [
        ("rebuild",)
    ]
    con.close()


def _deleted_tables(name: str) -> list[str]:
    """Return the table each statement of sql/NAME.sql deletes from; fail on any other statement."""
    statements = duckdb.extract_statements(sql_text(name))
    assert {s.type for s in statements} == {duckdb.StatementType.DELETE}
    return [re.search(r"^delete from (\w+)", s.query, re.MULTILINE).group(1) for s in statements]


def test_every_loaded_table_is_either_rebuilt_or_kept():
    # A table added to LOAD_ORDER and not cleared by sql/rebuild/clear.sql would keep stale rows.
    assert set(DERIVED_TABLES) | set(KEPT_TABLES) == set(wh.LOAD_ORDER)
    assert sorted(_deleted_tables("rebuild/clear")) == sorted(DERIVED_TABLES)


def test_retag_clears_every_tag_table_it_reloads():
    # Retag, and rebuild after it re-applies the model, reload TAG_TABLES after sql/retag/clear.sql.
    assert sorted(_deleted_tables("retag/clear")) == sorted(TAG_TABLES)
