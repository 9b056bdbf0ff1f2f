"""A SIGKILLed command leaves no Prefect server and no parse worker behind."""

from __future__ import annotations

import signal
import subprocess
import sys

from helpers import POOL_CORPUS_DUMPS, REPO, outliving, temporary_server_env, wait_until_parsing
from tickerhouse.samples.corpus import write_corpus

GONE_TIMEOUT_S = 30


def test_killed_ingest_leaves_no_server_and_no_worker(tmp_path):
    corpus = tmp_path / "landing"
    write_corpus(corpus, POOL_CORPUS_DUMPS, seed=11)
    env = temporary_server_env(tmp_path)
    command = [sys.executable, "-m", "tickerhouse.cli", "ingest", str(corpus), "--warehouse"]
    proc = subprocess.Popen(
        [*command, str(tmp_path / "w.duckdb"), "--quiet"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        seen = wait_until_parsing(proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    left = outliving(seen, GONE_TIMEOUT_S)
    assert not left, f"left behind after SIGKILL: {left}"
