"""A scheduled ingest fires on a real local Prefect server, completes, and publishes its artifact."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import duckdb
import httpx
import pytest
from prefect.client.schemas.objects import FlowRun
from prefect.states import Completed, Failed

from helpers import REPO, SAMPLE_DIR
from tickerhouse import server
from tickerhouse.flows.serve import build_deployments, run_line

# The server schedules new deployments within seconds; a cold flow-run subprocess takes ~20 s here.
RUN_TIMEOUT_S = 170


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _runs(api: str, states: list[str]) -> list[dict]:
    body = {
        "flow_runs": {"state": {"type": {"any_": states}}},
        "deployments": {"name": {"any_": ["ingest-landing"]}},
    }
    return httpx.post(f"{api}/flow_runs/filter", json=body, timeout=10).json()


def test_deployments_are_scheduled_in_casablanca():
    deployments = {d.name: d for d in build_deployments("/landing", "/w.duckdb", "/exports")}
    assert {"ingest-landing", "export-nightly"} <= set(deployments)
    ingest = deployments["ingest-landing"].schedules[0].schedule
    assert (ingest.cron, ingest.timezone) == ("*/15 * * * *", "Africa/Casablanca")
    assert deployments["ingest-landing"].parameters == {"paths": ["/landing"], "warehouse": "/w.duckdb"}
    assert deployments["export-nightly"].schedules[0].schedule.timezone == "Africa/Casablanca"
    # the model tags what each ingest added, a few minutes later, a bounded number per run
    enrich = deployments["enrich-topics"]
    assert enrich.schedules[0].schedule.cron == "5-59/15 * * * *"
    assert enrich.parameters == {"warehouse": "/w.duckdb", "limit": 2000}


def test_each_ended_run_is_one_line():
    ingest = FlowRun(flow_id=uuid4(), name="r", state=Completed(), total_run_time=timedelta(seconds=23.44))
    rows = [
        {"section": "files", "item": "seen", "value": 412},
        {"section": "files", "item": "new", "value": 12},
        {"section": "dumps", "item": "loaded", "value": 11},
        {"section": "dumps", "item": "rejected", "value": 1},
    ]
    assert run_line("ingest-landing", ingest, rows) == (
        "ingest-landing: Completed, files new 12, loaded 11, rejected 1, 23.4 s"
    )
    export = FlowRun(flow_id=uuid4(), name="e", state=Failed(), total_run_time=timedelta(seconds=4))
    assert run_line("export-nightly", export) == "export-nightly: Failed, 4.0 s"


@pytest.mark.server
def test_scheduled_ingest_fires_completes_and_publishes_its_artifact(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_DIR / "fr" / "2024-12-01", landing / "fr")
    warehouse = tmp_path / "warehouse.duckdb"
    state = tmp_path / "state"
    with server.long_lived(state, _free_port(), ui=False) as (api, started):
        assert started
        env = {
            **os.environ,
            "PREFECT_API_URL": api,
            "PREFECT_HOME": str(server.prefect_home(state)),
            "TICKERHOUSE_STATE_DIR": str(state),
        }
        command = [
            str(Path(sys.executable).with_name("tickerhouse")),
            "serve",
            "--landing", str(landing),
            "--warehouse", str(warehouse),
            "--export-dir", str(tmp_path / "exports"),
            "--ingest-interval", "15",
        ]  # fmt: skip
        log = tmp_path / "serve.log"
        with open(log, "wb") as out:
            serving = subprocess.Popen(
                command,
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + RUN_TIMEOUT_S
            while not (done := _runs(api, ["COMPLETED"])):
                failed = _runs(api, ["FAILED", "CRASHED"])
                assert not failed, f"run failed: {failed[0]['state']}; see {log}"
                assert serving.poll() is None, log.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, f"no scheduled run completed; see {log}"
                time.sleep(2)
            run = done[0]
            assert run["auto_scheduled"] is True  # fired by the schedule, not by hand
            # serve says so in one line, within a poll or two of the run's end
            line = r"^ingest-landing: Completed, files new 8, loaded \d+, rejected \d+, [\d.]+ s$"
            said = re.compile(line, re.M)
            while not said.search(log.read_text(errors="replace")):
                assert time.monotonic() < deadline + 30, f"no run line in {log}"
                time.sleep(1)
            body = {"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}
            artifacts = httpx.post(f"{api}/artifacts/filter", json=body, timeout=10).json()
        finally:
            os.killpg(serving.pid, signal.SIGTERM)
            serving.wait(timeout=60)
    summary = next(a for a in artifacts if a["key"] == "ingest-summary")
    rows = {(r["section"], r["item"]) for r in json.loads(summary["data"])}
    assert summary["type"] == "table" and {("files", "seen"), ("rows added", "ticker_items")} <= rows
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        snapshots = con.execute("select count(*) from ticker_snapshots").fetchall()[0][0]
    finally:
        con.close()
    assert snapshots > 0
