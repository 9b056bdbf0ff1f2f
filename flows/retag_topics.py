"""retag_topics: every topic tag and story token re-derived from the stored text, without re-reading dumps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tickerhouse import warehouse as wh
from tickerhouse.flows.summaries import publish_summary
from tickerhouse.io.locks import run_lock
from tickerhouse.resources import TOPICS_TOML, compiled_taxonomy, sql_text
from tickerhouse.settings import load_settings
from tickerhouse.staging import staging_area
from tickerhouse.tagging import STAGED_TAXONOMY, TAG_TABLES, record_taxonomy, replace_tags, stage_tags
from tickerhouse.topic_heads import load_topic_model


@task(cache_policy=NO_CACHE)
def stage_topic_tags(warehouse: str, taxonomy_path: str, staging: str) -> dict[str, str]:
    """Stage every tag and story token of the stored text as Parquet, and the taxonomy's text beside them;
    return taxonomy and model versions."""
    toml_text = Path(taxonomy_path).read_text(encoding="utf-8")
    taxonomy = compiled_taxonomy(toml_text)
    model = load_topic_model()
    con = wh.connect(Path(warehouse))
    try:
        stage_tags(con, taxonomy, model, Path(staging))
    finally:
        con.close()
    (Path(staging) / STAGED_TAXONOMY).write_text(toml_text, encoding="utf-8")
    return {"taxonomy_version": taxonomy.version, "model_version": model.heads.version}


@task(retries=3, retry_delay_seconds=[2, 5, 15], cache_policy=NO_CACHE)
def replace_topic_tags(warehouse: str, staging: str, versions: dict[str, str]) -> dict:
    """Replace every tag by the staged ones in one transaction; return versions, rows, changes per topic."""
    con = wh.connect(Path(warehouse))
    try:
        changes = con.execute(
            sql_text("retag/topic_changes"),
            {f"{kind}s": str(Path(staging) / f"{kind}_topics.parquet") for kind in ("headline", "article")},
        ).fetchall()
        with wh.transaction(con):
            replace_tags(con, Path(staging))
            toml_text = (Path(staging) / STAGED_TAXONOMY).read_text(encoding="utf-8")
            record_taxonomy(con, versions["taxonomy_version"], toml_text)
        counts = wh.table_counts(con)
    finally:
        con.close()
    return {
        **versions,
        "rows": {name: counts[name] for name in TAG_TABLES},
        "changes": {topic: {"added": a, "removed": r} for topic, a, r in changes},
    }


@flow(name="retag_topics")
def retag_topics(
    warehouse: str | None = None, taxonomy_path: str | None = None, lock_timeout_s: float | None = None
) -> dict:
    """Re-derive all tags with the taxonomy file and the stored vectors; return versions, rows, changes."""
    settings = load_settings()
    target = warehouse or str(settings.warehouse)
    run_id = f"retag-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    wait_s = settings.lock_timeout_s if lock_timeout_s is None else lock_timeout_s
    # One writer at a time: an ingest running now would add tags of the old version behind our back.
    with (
        run_lock(settings.state_dir, Path(target), wait_s),
        staging_area(str(settings.staging_dir), run_id) as staging,
    ):
        # Extract and transform: the stored text and vectors, tagged as ingest and enrich_topics tag them
        versions = stage_topic_tags(target, str(taxonomy_path or TOPICS_TOML), staging)
        # Load: all tags replaced, or none of them
        summary = replace_topic_tags(target, staging, versions)
    publish_summary(
        "retag-summary",
        f"retag {run_id}",
        {
            "versions": {"taxonomy": summary["taxonomy_version"], "topic model": summary["model_version"]},
            "rows": summary["rows"],
            "tags added": {topic: c["added"] for topic, c in summary["changes"].items()},
            "tags removed": {topic: c["removed"] for topic, c in summary["changes"].items()},
        },
    )
    get_run_logger().info("retag %s: %s", run_id, summary)
    return summary
