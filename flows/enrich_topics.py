"""enrich_topics: headlines and articles not embedded yet -> sentence vectors -> combined topic tags.

The embedding model is the slow part of tagging (~15 ms a text a core against ~0.1 ms for the lexicon),
so ingest stores the lexicon's tags at once and this flow adds the model's afterwards: incremental (only
texts without a vector of the current model), in batches a task each (the Dask runner spreads them),
newest headlines first. The run lock is held only to read what waits and to load the result, so an
ingest can run while the texts are being embedded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from tickerhouse import embeddings
from tickerhouse import warehouse as wh
from tickerhouse.io.locks import run_lock
from tickerhouse.resources import compiled_taxonomy, sql_text
from tickerhouse.settings import load_settings
from tickerhouse.tagging import taxonomy_in_force
from tickerhouse.topic_heads import load_topic_model
from tickerhouse.transforms.tables import to_arrow
from tickerhouse.transforms.topic_tags import article_model_text, article_topics, headline_topics

# Texts per embedding task: large enough that Prefect's per-task cost (~10 ms) is noise against the
# encoder's (~2 s for 128 texts on one core), small enough for a progress bar that moves.
BATCH_SIZE = 128


@task(cache_policy=NO_CACHE)
def select_pending(warehouse: str, limit: int | None) -> quote[tuple[pd.DataFrame, pd.DataFrame, str]]:
    """Return the headlines and articles without a vector of the current model (at most `limit` each),
    and the TOML text of the taxonomy in force they are tagged with (tagging.taxonomy_in_force)."""
    con = wh.connect(Path(warehouse))
    try:
        params = {"model": embeddings.MODEL_ID, "limit": limit}
        headlines = con.execute(sql_text("enrich/pending_headlines"), params).df()
        articles = con.execute(sql_text("enrich/pending_articles"), params).df()
        taxonomy_toml, _ = taxonomy_in_force(con)
    finally:
        con.close()
    return quote((headlines, articles, taxonomy_toml))


@task(cache_policy=NO_CACHE)
def embed_batch(texts: list[str]) -> quote[np.ndarray]:
    """Return the vectors of one batch of texts, (len(texts), 384) float32."""
    return quote(embeddings.embed(texts))


@task(retries=3, retry_delay_seconds=[2, 5, 15], cache_policy=NO_CACHE)
def load_enrichment(
    warehouse: str,
    pending: tuple[pd.DataFrame, pd.DataFrame],
    vectors: tuple[np.ndarray, np.ndarray],
    tags: tuple[pd.DataFrame, pd.DataFrame],
) -> dict[str, int]:
    """Store the vectors and replace the tags of those texts, in one transaction; return counts."""
    at = datetime.now(UTC)
    con = wh.connect(Path(warehouse))
    try:
        with wh.transaction(con):
            for kind, frame, matrix, tag_rows in zip(
                ("headline", "article"), pending, vectors, tags, strict=True
            ):
                key = f"{kind}_id"
                staged = pa.table(
                    {
                        "id": pa.array(frame[key].astype(str).tolist(), pa.string()),
                        "vector": pa.FixedSizeListArray.from_arrays(
                            pa.array(matrix.reshape(-1), pa.float32()), embeddings.DIM
                        ),
                    }
                )
                con.register("staged_vectors", staged)
                con.register("staged_ids", pa.table({key: staged["id"]}))
                con.register("staged_tags", to_arrow(f"{kind}_topics", tag_rows))
                con.execute(
                    sql_text(f"enrich/insert_{kind}_embeddings"), {"model": embeddings.MODEL_ID, "at": at}
                )
                con.execute(sql_text(f"enrich/replace_{kind}_topics"))
                for name in ("staged_vectors", "staged_ids", "staged_tags"):
                    con.unregister(name)
        return {
            "headlines_embedded": len(pending[0]),
            "articles_embedded": len(pending[1]),
            "headline_tags": len(tags[0]),
            "article_tags": len(tags[1]),
        }
    finally:
        con.close()


def _embed_all(texts: list[str], progress: Callable[[int], None] | None) -> np.ndarray:
    futures = [embed_batch.submit(texts[i : i + BATCH_SIZE]) for i in range(0, len(texts), BATCH_SIZE)]
    parts = []
    for future in futures:  # in order: vectors line up with the texts
        part = future.result().unquote()
        parts.append(part)
        if progress is not None:
            progress(len(part))
    return np.concatenate(parts) if parts else np.zeros((0, embeddings.DIM), np.float32)


@flow(name="enrich_topics")
def enrich_topics(
    warehouse: str | None = None,
    limit: int | None = None,
    lock_timeout_s: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Embed up to `limit` headlines and articles not embedded yet and re-derive their tags; return counts.

    `progress`, when given, is called with the number of texts each finished batch embedded.
    """
    settings = load_settings()
    target = warehouse or str(settings.warehouse)
    wait_s = settings.lock_timeout_s if lock_timeout_s is None else lock_timeout_s
    # Extract: what waits for the model (under the lock: no writer is half-way through a load)
    with run_lock(settings.state_dir, Path(target), wait_s):
        headlines, articles, taxonomy_toml = select_pending(target, limit).unquote()
    # Transform: vectors in batches, then the combined tags of exactly these texts
    model = load_topic_model()
    taxonomy = compiled_taxonomy(taxonomy_toml)
    article_texts = [
        article_model_text(t or "", list(p))
        for t, p in zip(articles["title"], articles["paragraphs"], strict=True)
    ]
    headline_vectors = _embed_all(headlines["headline"].tolist(), progress)
    article_vectors = _embed_all(article_texts, progress)
    headline_tags = headline_topics(headlines, taxonomy, model.heads, headline_vectors)
    article_tags = article_topics(articles, taxonomy, heads=model.heads, vectors=article_vectors)
    # Load: vectors and tags together, so a text never has a vector without the tags it implies
    with run_lock(settings.state_dir, Path(target), wait_s):
        counts = load_enrichment(
            target,
            (headlines, articles),
            (headline_vectors, article_vectors),
            (headline_tags, article_tags),
        )
    summary = {"model": embeddings.MODEL_ID, "model_version": model.heads.version, **counts}
    get_run_logger().info("enrich: %s", summary)
    return summary
