"""A SIGKILLed command leaves no Prefect server and no parse worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from helpers import REPO, alive, descendants
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
    seen: dict[int, str] = {}
    try:
        deadline = time.monotonic() + APPEAR_TIMEOUT_S
        while True:
            seen.update(descendants(proc.pid))
            servers = [p for p, cmd in seen.items() if "server start" in cmd]
            workers = [p for p, cmd in seen.items() if "multiprocessing" in cmd and alive(p)]
            if servers and len(workers) >= 3:  # the forkserver and its 2 workers
                break
            assert proc.poll() is None, "the ingest ended before its server and workers were seen"
            assert time.monotonic() < deadline, f"no server and workers after {APPEAR_TIMEOUT_S} s: {seen}"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + GONE_TIMEOUT_S
    while (left := {p: cmd for p, cmd in seen.items() if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"left behind after SIGKILL: {left}"
