"""Deployments of the flows on schedules: `tickerhouse serve`.

Scheduling needs a real Prefect server (the ephemeral one never creates scheduled runs): the
long-lived `tickerhouse server` (tickerhouse/server.py), which `serve --start-server` starts when it
is not up, or the one at PREFECT_API_URL.
"""

from __future__ import annotations

import inspect
import os

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.logging import get_logger
from prefect.schedules import Cron, Interval, Schedule
from prefect.settings import PREFECT_API_URL, temporary_settings

from tickerhouse.flows.enrich_topics import enrich_topics
from tickerhouse.flows.export_parquet import export_parquet
from tickerhouse.flows.ingest_dumps import ingest_dumps

TIMEZONE = "Africa/Casablanca"
# Every 15 minutes: the capture cadence of the landing folder.
INGEST_CRON = "*/15 * * * *"
# Five minutes after each ingest: the model tags what the ingest just added (newest headlines first).
ENRICH_CRON = "5-59/15 * * * *"
# Texts per scheduled enrichment: a 15-minute ticker adds a handful of distinct headlines, so 2,000
# (~40 s at ~60 texts/s on 2 cores) keeps up and works a backfill down between ingests.
ENRICH_LIMIT = 2000
# 02:30 Casablanca: after the day's last captures, before analysts start.
EXPORT_CRON = "30 2 * * *"

log = get_logger("tickerhouse.serve")


def _retag_deployment(warehouse: str) -> RunnerDeployment | None:
    """Return the on-demand retag deployment, or None while flows/retag_topics.py does not exist yet."""
    try:
        from tickerhouse.flows.retag_topics import retag_topics
    except ModuleNotFoundError as err:
        if err.name != "tickerhouse.flows.retag_topics":
            raise
        log.warning("no retag deployment: flows/retag_topics.py (flow retag_topics) is not there yet")
        return None
    accepted = inspect.signature(retag_topics.fn).parameters
    return retag_topics.to_deployment(
        name="retag-on-demand",
        description="Re-derive every topic tag from stored text with the current taxonomy. Run it by hand.",
        parameters={"warehouse": warehouse} if "warehouse" in accepted else {},
        concurrency_limit=1,
    )


def build_deployments(
    landing: str, warehouse: str, export_dir: str, ingest_interval_s: float | None = None
) -> list[RunnerDeployment]:
    """Return the ingest and enrich (every 15 min), nightly export and on-demand retag deployments."""
    ingest_schedule: Schedule = (
        Interval(ingest_interval_s, timezone=TIMEZONE)
        if ingest_interval_s
        else Cron(INGEST_CRON, timezone=TIMEZONE)
    )
    deployments = [
        ingest_dumps.to_deployment(
            name="ingest-landing",
            description=(
                "Ingest new dumps of the landing folder. paths: folders to scan; warehouse: DuckDB file; "
                "lock_timeout_s: how long to queue behind a running ingest or export."
            ),
            schedules=[ingest_schedule],
            parameters={"paths": [landing], "warehouse": warehouse},
            # One ingest at a time; the run lock in ingest_dumps also guards runs started outside Prefect.
            concurrency_limit=1,
        ),
        enrich_topics.to_deployment(
            name="enrich-topics",
            description=(
                "Embed the headlines and articles not embedded yet (at most `limit` of each, newest first) "
                "and add the topic model's tags. warehouse: DuckDB file."
            ),
            schedules=[Cron(ENRICH_CRON, timezone=TIMEZONE)],
            parameters={"warehouse": warehouse, "limit": ENRICH_LIMIT},
            concurrency_limit=1,
        ),
        export_parquet.to_deployment(
            name="export-nightly",
            description=(
                "Export the warehouse as Parquet. out_dir: export folder (its `current` is the latest); "
                "since: YYYY-MM-DD to rewrite dated partitions from that day (default: changed ones only)."
            ),
            schedules=[Cron(EXPORT_CRON, timezone=TIMEZONE)],
            parameters={"out_dir": export_dir, "warehouse": warehouse},
            concurrency_limit=1,
        ),
    ]
    retag = _retag_deployment(warehouse)
    return deployments if retag is None else [*deployments, retag]


def serve_deployments(deployments: list[RunnerDeployment], api_url: str | None = None) -> None:
    """Register the deployments on the server at api_url (default: PREFECT_API_URL) and run their runs."""
    if api_url is None:
        serve(*deployments)
        return
    os.environ["PREFECT_API_URL"] = api_url  # flow-run subprocesses inherit it
    with temporary_settings({PREFECT_API_URL: api_url}):
        serve(*deployments)
