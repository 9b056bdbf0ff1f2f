"""A Prefect API lost mid-run (its server stopped or killed) ends the command in one line, exit 5, and loses
nothing: the run's load is in the warehouse whole or not at all, and the next run loads what is left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from helpers import REPO, query, temporary_server_env, wait_until_parsing
from tickerhouse.samples.corpus import write_corpus
from tickerhouse.staging import IN_PROCESS_MAX_DUMPS

# Prefect retries a call to an API it reached before with a backoff of 2, 4, 8, 16 and 32 s (resilience
# to a server restart); one retry keeps the test short. Its end: the retries, the load, interpreter exit.
END_TIMEOUT_S = 120


def test_api_lost_mid_run_ends_in_one_line_with_exit_5_and_loses_nothing(tmp_path):
    corpus = tmp_path / "landing"
    stats = write_corpus(corpus, IN_PROCESS_MAX_DUMPS + 200, seed=11)  # enough for the worker pool
    env = {**temporary_server_env(tmp_path), "PREFECT_CLIENT_MAX_RETRIES": "1"}
    warehouse = tmp_path / "w.duckdb"
    command = [sys.executable, "-m", "tickerhouse.cli", "ingest", str(corpus), "--warehouse", str(warehouse)]
    proc = subprocess.Popen(
        [*command, "--quiet"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        seen = wait_until_parsing(proc)
        server = next(pid for pid, cmd in seen.items() if "server start" in cmd)
        os.kill(server, signal.SIGKILL)
        lost_at = time.monotonic()
        _, err = proc.communicate(timeout=END_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert proc.returncode == 5, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("tickerhouse ingest: the Prefect API at http://127.0.0.1:"), err
    assert "stopped answering during the run" in last and "run the command again" in last
    # no traceback of ours or of Prefect's log sender, no kilobytes-long copy of each undelivered event
    for noise in ("Traceback", "Error logging to API", "failed to process item"):
        assert noise not in err, err
    # ended without waiting on Prefect's exit handlers, which retry each queued event for ~7 s
    assert time.monotonic() - lost_at < END_TIMEOUT_S

    again = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    # every file once, every dump once: the lost run's load was whole or absent, the re-run added the rest
    dumps = stats.files - stats.by_kind.get("manifest", 0)
    assert query(warehouse, "select count(*) from dump_files") == [(dumps,)]
    assert query(warehouse, "select count(*) = count(distinct dump_id) from raw_dumps") == [(True,)]
