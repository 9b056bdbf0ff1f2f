"""retag_topics: every topic tag and story token re-derived from the stored text, without re-reading dumps."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tickerhouse import warehouse as wh
from tickerhouse.io.locks import run_lock
from tickerhouse.resources import TOPICS_TOML, read_taxonomy, sql_text
from tickerhouse.settings import load_settings
from tickerhouse.tagging import TAG_TABLES, replace_tags, stage_tags
from tickerhouse.topic_heads import load_topic_model


@task(cache_policy=NO_CACHE)
def retag_warehouse(warehouse: str, taxonomy_path: str, staging: str) -> dict:
    """Replace every headline/article tag and headline token in one transaction; return rows and changes."""
    taxonomy = read_taxonomy(Path(taxonomy_path))
    model = load_topic_model()
    target = Path(staging)
    con = wh.connect(Path(warehouse))
    try:
        # Extract + Transform: the stored text and vectors, tagged as ingest and enrich_topics tag them
        stage_tags(con, taxonomy, model, target)
        changes = con.execute(
            sql_text("retag/topic_changes"),
            {f"{kind}s": str(target / f"{kind}_topics.parquet") for kind in ("headline", "article")},
        ).fetchall()
        # Load: all tags replaced, or none of them
        with wh.transaction(con):
            replace_tags(con, target)
            con.execute(
                sql_text("retag/record_taxonomy"),
                {"version": taxonomy.version, "retagged_at": datetime.now(UTC).isoformat()},
            )
        counts = wh.table_counts(con)
        return {
            "taxonomy_version": taxonomy.version,
            "model_version": model.heads.version,
            "rows": {name: counts[name] for name in TAG_TABLES},
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
