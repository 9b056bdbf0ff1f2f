"""A SIGKILLed command leaves no Prefect server and no parse worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from helpers import REPO, outliving, watch_descendants, workers_of
from tickerhouse.samples.corpus import write_corpus
from tickerhouse.staging import IN_PROCESS_MAX_DUMPS

# Under the temporary server's start-up on a busy 2-core machine the pool can take a minute to appear.
APPEAR_TIMEOUT_S = 240
GONE_TIMEOUT_S = 30


def test_killed_ingest_leaves_no_server_and_no_worker(tmp_path):
    corpus = tmp_path / "landing"
    write_corpus(corpus, IN_PROCESS_MAX_DUMPS + 200, seed=11)  # enough for the worker pool
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    env["TICKERHOUSE_STATE_DIR"] = str(tmp_path / "state")  # no tickerhouse server there: a temporary one
    env["TICKERHOUSE_WORKERS"] = "2"
    command = [sys.executable, "-m", "tickerhouse.cli", "ingest", str(corpus), "--warehouse"]
    proc = subprocess.Popen(
        [*command, str(tmp_path / "w.duckdb"), "--quiet"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        seen = watch_descendants(
            proc.pid,
            proc,
            "server and workers",
            # the temporary server, the forkserver and its 2 workers
            lambda seen: any("server start" in cmd for cmd in seen.values()) and len(workers_of(seen)) >= 3,
            APPEAR_TIMEOUT_S,
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    left = outliving(seen, GONE_TIMEOUT_S)
    assert not left, f"left behind after SIGKILL: {left}"
