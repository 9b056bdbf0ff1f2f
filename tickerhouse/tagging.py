"""Topic tags and story tokens re-derived from what the warehouse stores: text and vectors, no dump.

Retag replaces them after a taxonomy or examples change; rebuild re-applies them after re-deriving the
rows from the dumps' bytes (whose staging knows the lexicon only), so stored vectors are never lost.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from tickerhouse import embeddings
from tickerhouse.errors import UsageError
from tickerhouse.resources import TOPICS_TOML, sql_text
from tickerhouse.topic_heads import TopicModel
from tickerhouse.transforms.tables import to_arrow
from tickerhouse.transforms.topic_tags import article_topics, headline_tokens, headline_topics
from tickerhouse.transforms.topics import Taxonomy

# Derived tables retag replaces, each loaded by its own sql/load statement.
TAG_TABLES = ("headline_topics", "article_topics", "headline_tokens")
# The taxonomy's TOML text, staged beside the tags it derives: one read of the file, recorded as staged.
STAGED_TAXONOMY = "taxonomy.toml"


def stage_tags(con: duckdb.DuckDBPyConnection, taxonomy: Taxonomy, model: TopicModel, staging: Path) -> None:
    """Stage <TAG_TABLES>.parquet in `staging`: every tag of the stored text, the model applied to the
    stored vectors (re-applied, never re-run)."""
    params = {"model": embeddings.MODEL_ID}
    headlines = con.sql(sql_text("retag/headlines"), params=params).to_arrow_table()
    articles = con.sql(sql_text("retag/articles"), params=params).to_arrow_table()
    headline_vectors = embeddings.vector_matrix(headlines["vector"], headlines.num_rows)
    article_vectors = embeddings.vector_matrix(articles["vector"], articles.num_rows)
    headlines = headlines.drop_columns(["vector"]).to_pandas()
    articles = articles.drop_columns(["vector"]).to_pandas()
    # the same pure transforms ingest and enrich_topics use, staged with the same schemas
    tables = {
        "headline_topics": headline_topics(headlines, taxonomy, model.heads, headline_vectors),
        "article_topics": article_topics(articles, taxonomy, heads=model.heads, vectors=article_vectors),
        "headline_tokens": headline_tokens(headlines),
    }
    staging.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        pq.write_table(to_arrow(name, df), staging / f"{name}.parquet")


def replace_tags(con: duckdb.DuckDBPyConnection, staging: Path) -> None:
    """Inside the caller's transaction: replace every row of TAG_TABLES with the staged ones."""
    con.execute(sql_text("retag/clear"))  # every one of TAG_TABLES
    for name in TAG_TABLES:
        con.execute(sql_text(f"load/{name}"), {"files": [str(staging / f"{name}.parquet")]})


def record_taxonomy(con: duckdb.DuckDBPyConnection, version: str, toml_text: str) -> None:
    """Inside the caller's transaction: record the taxonomy the tags were derived with (version and TOML
    text) as the one in force, which a later rebuild keeps."""
    params = {"version": version, "toml": toml_text, "retagged_at": datetime.now(UTC).isoformat()}
    con.execute(sql_text("retag/record_taxonomy"), params)


def taxonomy_in_force(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """Return the TOML text of the taxonomy in force in the warehouse, and where it comes from.

    The one every tag of the warehouse is derived with, by ingest, enrich, rebuild and the schema upgrade
    alike: the text the last `retag` or `rebuild --taxonomy` recorded, else the shipped data/topics.toml.
    A warehouse retagged by an older tickerhouse recorded a version alone: unless the shipped file is that
    version, UsageError (no silent mix of two taxonomies).
    """
    recorded = dict(con.execute(sql_text("retag/taxonomy_in_force")).fetchall())
    if "taxonomy_toml" in recorded:
        return recorded["taxonomy_toml"], f"the one in force (recorded {recorded['retagged_at']})"
    shipped = TOPICS_TOML.read_text(encoding="utf-8")
    in_force, version = recorded.get("taxonomy_version"), tomllib.loads(shipped).get("version")
    if in_force not in (None, version):
        raise UsageError(
            f"the tags were derived with taxonomy {in_force} (`retag --taxonomy`), data/topics.toml is "
            f"{version}: run `tickerhouse rebuild --taxonomy FILE` with the taxonomy to keep"
        )
    return shipped, "data/topics.toml (no retag recorded)"
