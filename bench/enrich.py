"""Print the topic enrichment's cost: distinct texts per snapshot, and texts embedded per second end to end.

Usage: .venv/bin/python bench/enrich.py [--dumps 300] [--workdir bench/out/enrich]

Writes a generated corpus (15-minute snapshots: headlines stay on the ticker from one snapshot to the
next, as real tickers do), ingests it, then times `enrich_topics` (encoder, tags and load; the topic
heads are trained first, outside the timing). Figures: distinct headlines per snapshot, the enrichment
rate (texts/s on this machine) and the lexicon-only ingest time beside it.
"""

from __future__ import annotations

import argparse
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tickerhouse import warehouse as wh
from tickerhouse.flows.enrich_topics import enrich_topics
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.samples.corpus import write_corpus
from tickerhouse.topic_heads import load_topic_model

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    """Generate, ingest, enrich; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dumps", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "out" / "enrich")
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    corpus, target = args.workdir / "corpus", args.workdir / "warehouse.duckdb"
    start = datetime(2025, 1, 6, tzinfo=UTC) - timedelta(minutes=15 * args.dumps)
    write_corpus(corpus, args.dumps, seed=7, start=start, interval_minutes=15, bad_ratio=0.0)

    began = time.perf_counter()
    ingest_dumps(paths=[str(corpus)], warehouse=str(target))
    ingest_s = time.perf_counter() - began
    load_topic_model()  # trained once and cached: not part of a run's cost
    began = time.perf_counter()
    summary = enrich_topics(warehouse=str(target))
    enrich_s = time.perf_counter() - began

    con = wh.connect(target, read_only=True)
    snapshots, headlines, items = con.execute(
        "select (select count(*) from ticker_snapshots), (select count(*) from headlines), "
        "(select count(*) from ticker_items)"
    ).fetchall()[0]
    con.close()
    texts = summary["headlines_embedded"] + summary["articles_embedded"]
    print(f"corpus: {args.dumps} dumps, {snapshots} snapshots, {items} items, {headlines} distinct headlines")
    print(f"distinct headlines per snapshot: {headlines / snapshots:.1f} (items: {items / snapshots:.1f})")
    print(f"ingest (lexicon tags, enrichment deferred): {ingest_s:.1f} s")
    print(f"enrich: {texts} texts in {enrich_s:.1f} s = {texts / enrich_s:.1f} texts/s end to end")


if __name__ == "__main__":
    main()
