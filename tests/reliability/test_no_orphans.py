"""A SIGKILLed command leaves no Prefect server and no parse worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import REPO
from tickerhouse.samples.corpus import write_corpus
from tickerhouse.staging import IN_PROCESS_MAX_DUMPS

# Under the temporary server's start-up on a busy 2-core machine the pool can take a minute to appear.
APPEAR_TIMEOUT_S = 240
GONE_TIMEOUT_S = 30


def _descendants(pid: int) -> dict[int, str]:
    """Return pid -> command line of every live (not zombie) descendant of pid (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, stack = {}, list(children.get(pid, []))
    while stack:
        child = stack.pop()
        try:
            out[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        stack.extend(children.get(child, []))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


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
            seen.update(_descendants(proc.pid))
            servers = [p for p, cmd in seen.items() if "server start" in cmd]
            workers = [p for p, cmd in seen.items() if "multiprocessing" in cmd and _alive(p)]
            if servers and len(workers) >= 3:  # the forkserver and its 2 workers
                break
            assert proc.poll() is None, "the ingest ended before its server and workers were seen"
            assert time.monotonic() < deadline, f"no server and workers after {APPEAR_TIMEOUT_S} s: {seen}"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + GONE_TIMEOUT_S
    while (left := {p: cmd for p, cmd in seen.items() if _alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"left behind after SIGKILL: {left}"
