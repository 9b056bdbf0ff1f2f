"""Deployments of the flows on schedules: `tickerhouse serve`.

Scheduling needs a real Prefect server (the ephemeral one never creates scheduled runs): the
long-lived `tickerhouse server` (tickerhouse/server.py), which `serve --start-server` starts when it
is not up, or the one at PREFECT_API_URL.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import threading
from datetime import UTC, datetime
from typing import TextIO

from prefect import serve
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    DeploymentFilter,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterEndTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import TERMINAL_STATES, FlowRun
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

# How often `serve` asks the server which runs ended: a run takes tens of seconds, 5 s is prompt enough.
REPORT_EVERY_S = 5.0

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


def run_line(deployment: str, run: FlowRun, ingest_summary: list[dict] | None = None) -> str:
    """`ingest-landing: Completed, files new 12, loaded 11, rejected 1, 23.4 s`: one ended run.

    The files come from the run's `ingest-summary` artifact (rows of section, item, value), when it has one.
    """
    parts = [f"{deployment}: {run.state.name if run.state else run.state_name}"]
    if ingest_summary:
        value = {(r["section"], r["item"]): r["value"] for r in ingest_summary}
        parts.append(
            f"files new {value[('files', 'new')]}, loaded {value[('dumps', 'loaded')]}, "
            f"rejected {value[('dumps', 'rejected')]}"
        )
    parts.append(f"{run.total_run_time.total_seconds():.1f} s")
    return ", ".join(parts)


class RunReporter(threading.Thread):
    """Print one line (run_line) per run of the served deployments as it ends, polling the API."""

    def __init__(self, deployments: list[str], out: TextIO = sys.stdout) -> None:
        super().__init__(name="tickerhouse-run-reporter", daemon=True)
        self.deployments = deployments
        self.out = out
        self.since = datetime.now(UTC)
        self.reported: set = set()
        self.stopped = threading.Event()
        self.names: dict = {}  # deployment id -> name

    def run(self) -> None:
        with get_client(sync_client=True) as client:
            while not self.stopped.wait(REPORT_EVERY_S):
                try:
                    self.report_ended(client)
                except Exception as err:  # a server hiccup must not stop serving; the next poll retries
                    log.warning("cannot read the runs that ended: %s", err)

    def report_ended(self, client: SyncPrefectClient) -> None:
        """Print the line of each run that ended since serving started and was not reported yet."""
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=list(TERMINAL_STATES))),
                end_time=FlowRunFilterEndTime(after_=self.since),
            ),
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=self.deployments)),
        )
        for run in sorted(runs, key=lambda r: r.end_time or self.since):
            if run.id in self.reported:
                continue
            if run.deployment_id not in self.names:
                self.names[run.deployment_id] = client.read_deployment(run.deployment_id).name
            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]),
                    key=ArtifactFilterKey(any_=["ingest-summary"]),
                )
            )
            summary = json.loads(artifacts[0].data) if artifacts else None
            print(run_line(self.names[run.deployment_id], run, summary), file=self.out, flush=True)
            self.reported.add(run.id)


def serve_deployments(deployments: list[RunnerDeployment], api_url: str | None = None) -> None:
    """Register the deployments on the server at api_url (default: PREFECT_API_URL) and run their runs,
    printing one line per run as it ends."""
    if api_url is not None:
        os.environ["PREFECT_API_URL"] = api_url  # flow-run subprocesses inherit it
    with temporary_settings({PREFECT_API_URL: api_url} if api_url else {}):
        reporter = RunReporter([d.name for d in deployments])
        reporter.start()
        try:
            serve(*deployments)
        finally:
            reporter.stopped.set()
