"""Trend-query latency over a year of simulated ticker snapshots (96 a day, 50 headlines each).

    .venv/bin/python bench/trend_queries.py [--days 365]

Builds a warehouse with the project's own schema (flows/warehouse.py apply_schema), fills ticker_snapshots,
ticker_items, headlines and headline_topics in SQL (each headline enters at the top of the ticker and drifts
down for 50 snapshots, ~12 hours, like the real one), then times the saved trend queries as `tickerhouse sql
--saved` runs them. Prints the median of 7 runs per query.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tickerhouse import warehouse as wh
from tickerhouse.resources import sql_text

REPO = Path(__file__).resolve().parents[1]

SNAPSHOTS_PER_DAY = 96  # one every 15 minutes
TICKER_LENGTH = 50

FILL_SQL = [
    """
    insert into ticker_snapshots
    select
        format('s{:08d}', i) as snapshot_id,
        timestamptz '2024-01-01 00:00:00+00' + to_minutes(15 * i) as captured_at,
        'filename' as capture_method,
        'fr' as edition,
        $ticker_length as n_items,
        null as stated_date,
        format('s{:08d}', i) as dump_id
    from range($n_snapshots) as t(i)
    """,
    # Headline k enters at snapshot k: snapshot s shows headlines s-49 .. s, newest first.
    """
    insert into ticker_items
    select
        format('s{:08d}', s.i) as snapshot_id,
        (p.j + 1)::integer as position,
        format('h{:08d}', s.i - p.j) as headline_id,
        format('headline {}', s.i - p.j) as headline,
        'fr' as language
    from range($n_snapshots) as s(i), range($ticker_length) as p(j)
    where s.i - p.j >= 0
    """,
    """
    insert into headlines
    select
        i.headline_id,
        any_value(i.headline),
        'fr',
        min(s.captured_at),
        max(s.captured_at),
        count(*)::integer
    from ticker_items as i
    join ticker_snapshots as s using (snapshot_id)
    group by i.headline_id
    """,
    # What the loads build item by item (sql/load/headline_days.sql), here for all days at once.
    """
    insert into headline_days
    select
        timezone('Africa/Casablanca', s.captured_at)::date as day,
        i.headline_id,
        count(*)::integer,
        count(distinct i.snapshot_id)::integer,
        min(i.position)::integer
    from ticker_items as i
    join ticker_snapshots as s using (snapshot_id)
    group by all
    """,
    # One or two of 15 topics per headline, drawn by hash so the mix drifts from day to day.
    """
    insert into headline_topics by name
    select headline_id, topic, ['term'] as matched_terms, 'term' as via, 'bench' as taxonomy_version
    from (
        select
            headline_id,
            unnest([
                (['defense', 'football', 'economy', 'politics', 'international', 'society', 'justice',
                  'security', 'health', 'culture', 'religion', 'weather', 'technology', 'environment',
                  'sports'])[(1 + hash(headline_id) % 15)::bigint],
                case when hash(headline_id) % 3 = 0 then 'sports' end
            ]) as topic
        from headlines
    )
    where topic is not null
    """,
]

QUERIES = {
    "topic_trends (by day, all topics)": (
        "queries/topic_trends",
        {"by": "day", "topics": None, "date_from": None, "date_to": None},
    ),
    "topic_trends (by week, defense+football)": (
        "queries/topic_trends",
        {"by": "week", "topics": ["defense", "football"], "date_from": None, "date_to": None},
    ),
    "rising_topics (7 days vs 28)": (
        "queries/rising_topics",
        {"as_of": None, "days": 7, "baseline_days": 28},
    ),
}


def main(argv: list[str] | None = None) -> int:
    """Build the simulated year, time each trend query, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        con = wh.connect(Path(tmp) / "bench.duckdb")
        started = time.perf_counter()
        params = {"n_snapshots": args.days * SNAPSHOTS_PER_DAY, "ticker_length": TICKER_LENGTH}
        for sql in FILL_SQL:
            con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
        n_items = con.execute("select count(*) from ticker_items").fetchone()[0]
        built = time.perf_counter() - started
        print(f"simulated: {args.days} days, {n_items:,} ticker items, built in {built:.1f} s")
        print("\n| query | median ms |\n|---|---|")
        for label, (name, query_params) in QUERIES.items():
            sql = sql_text(name)
            timings = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                con.execute(sql, query_params).fetchall()
                timings.append((time.perf_counter() - t0) * 1000)
            print(f"| {label} | {statistics.median(timings):.0f} |")
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
