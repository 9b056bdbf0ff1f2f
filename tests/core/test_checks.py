"""sql/checks on a hand-built warehouse: none fires on valid rows; each returns exactly one bad row put in."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest

from tickerhouse import warehouse as wh
from tickerhouse.resources import sql_names, sql_text

T1 = datetime(2024, 12, 3, 10, tzinfo=UTC)  # 11:00 in Casablanca, Tuesday 3 December
T2 = datetime(2024, 12, 4, 10, tzinfo=UTC)  # the next day, same week and month


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """A valid in-memory warehouse: two loaded dumps (two snapshots, one article), one rejected dump.

    Snapshot s1 shows h1, h2, h2 (a headline twice in one ticker: 2 snapshots, 3 items); s2 shows h1, h2.
    """
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    wh.apply_schema(con)
    wh.set_check_variables(con)
    times = {"t1": T1, "t2": T2}
    con.execute(
        "insert into raw_dumps (dump_id, first_path, size_bytes, raw_file, captured_at, capture_method, "
        "status, article_id, ingested_at, run_id) values "
        "('s1', '/landing/s1.txt', 7000, 'run-1/0.parquet', $t1, 'filename', 'loaded', 'a1', $t1, 'run-1'), "
        "('s2', '/landing/s2.txt', 7000, 'run-1/0.parquet', $t2, 'filename', 'loaded', null, $t2, 'run-1'), "
        "('r1', '/landing/r1.txt', 0, 'run-1/0.parquet', $t1, 'mtime', 'rejected', null, $t1, 'run-1')",
        times,
    )
    con.execute(
        "insert into rejects values ('r1', 'r1', '/landing/r1.txt', 'empty file', null, $t1, 'run-1')",
        {"t1": T1},
    )
    con.execute(
        "insert into ticker_snapshots values ('s1', $t1, 'filename', 'fr', 3, null, 's1'), "
        "('s2', $t2, 'filename', 'fr', 2, null, 's2')",
        times,
    )
    con.execute(
        "insert into ticker_items values ('s1', 1, 'h1', 'H1', 'fr'), ('s1', 2, 'h2', 'H2', 'fr'), "
        "('s1', 3, 'h2', 'H2', 'fr'), ('s2', 1, 'h1', 'H1', 'fr'), ('s2', 2, 'h2', 'H2', 'fr')"
    )
    con.execute(
        "insert into headlines values ('h1', 'H1', 'fr', $t1, $t2, 2), ('h2', 'H2', 'fr', $t1, $t2, 2)", times
    )
    con.execute(
        "insert into headline_days values "
        "('2024-12-03', 'h1', 1, 1, 1), ('2024-12-03', 'h2', 2, 1, 2), "
        "('2024-12-04', 'h1', 1, 1, 1), ('2024-12-04', 'h2', 1, 1, 2)"
    )
    # One topic in the whole warehouse, so topic_attention has one row per period.
    con.execute(
        "insert into headline_topics (headline_id, topic, matched_terms, via, taxonomy_version) "
        "values ('h1', 'defense', ['Défense :'], 'rubric', 'test')"
    )
    con.execute("insert into outlets values ('le360', 'Le360', 'fr', null, null, ['le 360'])")
    con.execute(
        "insert into articles values ('a1', 'Titre', 'Le 360', '03 - 12 - 2024', 'fr', ['Paragraphe.'], [], "
        "'Paragraphe.', 'le360', 'Le360', true, '2024-12-03', false, 'numeric', 'fr', 's1', $t1)",
        {"t1": T1},
    )
    return con


# What each case means: (check, one bad row put in, the rows the check must return). Each is one thing a
# load, a merge or a clock can get wrong.
CASES = {
    "article-whose-first-dump-is-gone": (
        "articles_reference_dumps",
        "insert into articles select * replace ('a2' as article_id, 'gone' as first_dump_id) from articles",
        [("a2", "gone")],
    ),
    "article-naming-an-outlet-not-in-the-reference-table": (
        "articles_reference_outlets",
        "insert into articles select * replace ('a3' as article_id, 'nowhere' as outlet_id) from articles",
        [("a3", "nowhere", "Le 360")],
    ),
    "headline-first-seen-after-last-seen": (
        "headline_seen_order",
        "update headlines set first_seen = last_seen, last_seen = first_seen where headline_id = 'h1'",
        [("h1", T2, T1, 2, 2)],
    ),
    # h2 is twice on s1's ticker: 3 items, 2 snapshots
    "headline-counting-its-items-not-its-snapshots": (
        "headline_seen_order",
        "update headlines set n_snapshots = 3 where headline_id = 'h2'",
        [("h2", T1, T2, 3, 2)],
    ),
    "headline-without-any-item": (
        "headline_seen_order",
        "insert into headlines select * replace ('h9' as headline_id, 1 as n_snapshots) from headlines "
        "where headline_id = 'h1'",
        [("h9", T1, T2, 1, 0)],
    ),
    "item-its-snapshot-does-not-announce": (
        "items_match_snapshots",
        "insert into ticker_items values ('s2', 3, 'h1', 'H1', 'fr')",
        [(6, 5)],
    ),
    "item-whose-headline-is-missing": (
        "items_reference_headlines",
        "insert into ticker_items values ('s2', 3, 'h_gone', 'H_GONE', 'fr')",
        [("s2", 3, "h_gone")],
    ),
    "item-whose-snapshot-is-missing": (
        "items_reference_snapshots",
        "insert into ticker_items values ('s_gone', 1, 'h1', 'H1', 'fr')",
        [("s_gone", 1)],
    ),
    "loaded-dump-with-neither-snapshot-nor-article": (
        "loaded_dumps_have_content",
        "insert into raw_dumps select * replace ('d4' as dump_id, '/landing/d4.txt' as first_path) "
        "from raw_dumps where dump_id = 's2'",
        [("d4", "/landing/d4.txt")],
    ),
    "snapshot-captured-in-the-future": (
        "no_future_captures",
        "insert into ticker_snapshots select * replace ('s9' as snapshot_id, 0 as n_items, "
        "timestamptz '2999-01-01 00:00:00+00' as captured_at) from ticker_snapshots where snapshot_id = 's1'",
        [("s9", datetime(2999, 1, 1, tzinfo=UTC))],
    ),
    "rejected-dump-without-a-reason": (
        "rejected_dumps_have_reason",
        "insert into raw_dumps select * replace ('d5' as dump_id, '/landing/d5.txt' as first_path) "
        "from raw_dumps where dump_id = 'r1'",
        [("d5", "/landing/d5.txt")],
    ),
    # A negative slot count (a corrupt merge) leaves 4 December -1 slots in all, 1 of them defense; the
    # week and the month still add up (2 slots, both defense).
    "topic-share-outside-0-1": (
        "topic_shares_in_range",
        "insert into headline_days values ('2024-12-04', 'h3', -3, 1, 1)",
        [("day", date(2024, 12, 4), "defense", 1, -1, -1.0)],
    ),
}


def test_no_check_fires_on_a_valid_warehouse(con):
    assert wh.run_checks(con) == dict.fromkeys(sql_names("checks"), 0)


def test_every_check_has_a_case():
    assert {check for check, _, _ in CASES.values()} == set(sql_names("checks"))


@pytest.mark.parametrize(("check", "bad_row", "expected"), CASES.values(), ids=CASES.keys())
def test_check_returns_exactly_the_bad_row(con, check, bad_row, expected):
    con.execute(bad_row)
    assert con.execute(sql_text(f"checks/{check}")).fetchall() == expected
