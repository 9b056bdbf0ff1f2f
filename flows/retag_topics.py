"""retag_topics: every topic tag and story token re-derived from the stored text, without re-reading dumps."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tickerhouse import embeddings
from tickerhouse import warehouse as wh
from tickerhouse.io.locks import run_lock
from tickerhouse.resources import TOPICS_TOML, read_taxonomy, sql_text
from tickerhouse.settings import load_settings
from tickerhouse.topic_heads import load_topic_model
from tickerhouse.transforms.tables import to_arrow
from tickerhouse.transforms.topic_tags import article_topics, headline_tokens, headline_topics

# Derived tables retag replaces, each loaded by its own sql/load statement.
DERIVED = ("headline_topics", "article_topics", "headline_tokens")


@task(cache_policy=NO_CACHE)
def retag_warehouse(warehouse: str, taxonomy_path: str, staging: str) -> dict:
    """Replace every headline/article tag and headline token in one transaction; return rows and changes."""
    taxonomy = read_taxonomy(Path(taxonomy_path))
    model = load_topic_model()
    con = wh.connect(Path(warehouse))
    try:
        # Extract: the text ingest stored (first spelling of each headline; article title and body) and
        # the vectors enrich_topics stored: the model is re-applied, never re-run
        params = {"model": embeddings.MODEL_ID}
        headlines = con.sql(sql_text("retag/headlines"), params=params).to_arrow_table()
        articles = con.sql(sql_text("retag/articles"), params=params).to_arrow_table()
        headline_vectors = embeddings.vector_matrix(headlines["vector"], headlines.num_rows)
        article_vectors = embeddings.vector_matrix(articles["vector"], articles.num_rows)
        headlines = headlines.drop_columns(["vector"]).to_pandas()
        articles = articles.drop_columns(["vector"]).to_pandas()
        # Transform: the same pure transforms ingest and enrich_topics use, staged with the same schemas
        tables = {
            "headline_topics": headline_topics(headlines, taxonomy, model.heads, headline_vectors),
            "article_topics": article_topics(articles, taxonomy, heads=model.heads, vectors=article_vectors),
            "headline_tokens": headline_tokens(headlines),
        }
        target = Path(staging)
        target.mkdir(parents=True, exist_ok=True)
        for name, df in tables.items():
            pq.write_table(to_arrow(name, df), target / f"{name}.parquet")
        changes = con.execute(
            sql_text("retag/topic_changes"),
            {f"{kind}s": str(target / f"{kind}_topics.parquet") for kind in ("headline", "article")},
        ).fetchall()
        # Load: all tags replaced, or none of them
        with wh.transaction(con):
            for name in DERIVED:
                con.execute(sql_text(f"retag/clear_{name}"))
                con.execute(sql_text(f"load/{name}"), {"files": [str(target / f"{name}.parquet")]})
            con.execute(
                sql_text("retag/record_taxonomy"),
                {"version": taxonomy.version, "retagged_at": datetime.now(UTC).isoformat()},
            )
        counts = wh.table_counts(con)
        return {
            "taxonomy_version": taxonomy.version,
            "model_version": model.heads.version,
            "rows": {name: counts[name] for name in DERIVED},
            "changes": {topic: {"added": a, "removed": r} for topic, a, r in changes},
        }
    finally:
        con.close()


@flow(name="retag_topics")
def retag_topics(warehouse: str | None = None, taxonomy_path: str | None = None) -> dict:
    """Re-derive all tags with the taxonomy file and the stored vectors; return versions, rows, changes."""
    settings = load_settings()
    target = warehouse or str(settings.warehouse)
    staging = settings.staging_dir / f"retag-{uuid.uuid4().hex[:8]}"
    # One writer at a time: an ingest running now would add tags of the old version behind our back.
    with run_lock(settings.state_dir, settings.lock_timeout_s):
        try:
            summary = retag_warehouse(target, str(taxonomy_path or TOPICS_TOML), str(staging))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    get_run_logger().info("retag: %s", summary)
    return summary
