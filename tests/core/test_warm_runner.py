"""The warm runner of `tickerhouse server`: flow commands run in a fork of it exactly as in-process, fall
back to in-process when it cannot take them, and a killed command leaves nothing behind.

One real server (and its runner) for the module: starting one takes 20-60 s here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import (
    POOL_CORPUS_DUMPS,
    REPO,
    SAMPLE_DIR,
    alive,
    content,
    error_line,
    outliving,
    watch_descendants,
    workers_of,
)
from tickerhouse import server
from tickerhouse.samples.corpus import write_corpus

pytestmark = pytest.mark.server

TICKERHOUSE = str(Path(sys.executable).with_name("tickerhouse"))
# Under load on 2 cores the worker pool of a big ingest can take a minute to appear.
APPEAR_TIMEOUT_S = 240
GONE_TIMEOUT_S = 30


@dataclass
class Warm:
    env: dict[str, str]
    state_dir: Path
    url: str

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [TICKERHOUSE, *args], env=env or self.env, cwd=REPO, capture_output=True, text=True, timeout=300
        )

    def in_process_env(self) -> dict[str, str]:
        """The environment of a client the runner refuses: a PREFECT_* variable the runner does not have
        (one Prefect ignores: nothing else changes)."""
        return {**self.env, "PREFECT_TICKERHOUSE_TEST": "1"}

    def runner_pid(self) -> int:
        return json.loads(server.state_path(self.state_dir).read_text())["runner_pid"]

    def log(self) -> str:
        return (self.state_dir / server.RUNNER_LOG).read_text()

    def api_line(self, warm: bool) -> str:
        """The pattern of the command's API line: the warm runner's, or the in-process one of today."""
        return re.escape(f"Prefect API: {self.url} (tickerhouse server, pid ") + (
            r"\d+, warm runner\)" if warm else r"\d+\)"
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def warm(tmp_path_factory) -> Iterator[Warm]:
    state_dir = tmp_path_factory.mktemp("warm") / "state"
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    env["TICKERHOUSE_STATE_DIR"] = str(state_dir)
    port = _free_port()
    found = Warm(env, state_dir, f"http://127.0.0.1:{port}/api")
    started = found.run("server", "start", "--port", str(port), "--no-ui")
    assert started.returncode == 0, started.stderr
    assert "warm runner pid" in started.stdout, found.log()
    try:
        yield found
    finally:
        found.run("server", "stop")


def _landing(tmp_path: Path, files: list[Path]) -> Path:
    landing = tmp_path / "landing"
    landing.mkdir()
    for i, source in enumerate(files):
        shutil.copy2(source, landing / f"{i:03d}-{source.name}")  # its mtime kept: nothing to settle
    return landing


def _api_line(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if line.startswith("Prefect API:"))


def test_an_ingest_through_the_runner_builds_what_an_in_process_one_does(warm, tmp_path):
    landing = _landing(tmp_path, sorted(SAMPLE_DIR.rglob("*.txt"))[::10])  # 40 dumps, Arabic and French
    ingest = ("ingest", str(landing), "--quiet", "--warehouse")
    through = warm.run(*ingest, str(tmp_path / "warm.duckdb"))
    assert through.returncode == 0, through.stderr
    assert re.fullmatch(warm.api_line(warm=True), _api_line(through.stderr))
    local = warm.run(*ingest, str(tmp_path / "local.duckdb"), env=warm.in_process_env())
    assert local.returncode == 0, local.stderr
    assert re.fullmatch(warm.api_line(warm=False), _api_line(local.stderr))
    assert "refused a client: the client's PREFECT_* variables differ" in warm.log()
    assert content(tmp_path / "warm.duckdb") == content(tmp_path / "local.duckdb")

    def summary(out: str) -> str:
        return re.sub(r"^run \S+:", "run <id>:", out)

    assert summary(through.stdout) == summary(local.stdout)
    assert "loaded 40" in through.stdout


def test_a_failing_command_ends_through_the_runner_as_it_does_in_process(warm, tmp_path):
    missing = tmp_path / "nowhere"
    args = ("ingest", str(missing), "--warehouse", str(tmp_path / "w.duckdb"))
    through = warm.run(*args)
    assert (through.returncode, error_line(through.stderr)) == (
        2,
        f"tickerhouse ingest: no such file or folder: {missing}",
    )
    assert f"tickerhouse {' '.join(args)}" in warm.log()  # the runner's child ran it
    local = warm.run(*args, env=warm.in_process_env())
    assert (local.returncode, local.stdout, local.stderr) == (2, through.stdout, through.stderr)


def test_a_client_of_another_source_tree_is_refused_and_runs_in_process(warm, tmp_path):
    landing = _landing(tmp_path, [SAMPLE_DIR / "000_46a3b748499c8f06.txt"])
    other_tree = (
        "import sys; from tickerhouse import warm; warm.fingerprint = lambda: 'another tree'; "
        "from tickerhouse.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    command = [sys.executable, "-c", other_tree, "ingest", str(landing), "--warehouse"]
    ran = subprocess.run(
        [*command, str(tmp_path / "w.duckdb"), "--quiet"],
        env=warm.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    assert re.fullmatch(warm.api_line(warm=False), _api_line(ran.stderr))
    assert "loaded 1" in ran.stdout
    assert "refused a client: another tickerhouse install or source tree" in warm.log()


def test_a_dead_runner_leaves_commands_in_process_until_server_start_restarts_it(warm, tmp_path):
    pid = warm.runner_pid()
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + GONE_TIMEOUT_S
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.runner_socket(warm.state_dir).exists()  # stale: nobody listens on it
    assert "no warm runner" in warm.run("server", "status").stdout
    landing = _landing(tmp_path, [SAMPLE_DIR / "000_46a3b748499c8f06.txt"])
    ingest = warm.run("ingest", str(landing), "--warehouse", str(tmp_path / "w.duckdb"), "--quiet")
    assert ingest.returncode == 0, ingest.stderr
    assert re.fullmatch(warm.api_line(warm=False), _api_line(ingest.stderr))
    restarted = warm.run("server", "start")
    assert re.search(r"already up .*; warm runner pid \d+\)", restarted.stdout), restarted.stdout
    assert warm.runner_pid() != pid


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_a_killed_client_leaves_no_child_and_no_worker(warm, tmp_path, sig):
    corpus = tmp_path / "landing"
    write_corpus(corpus, POOL_CORPUS_DUMPS, seed=11)
    env = {**warm.env, "TICKERHOUSE_WORKERS": "2"}
    runner = warm.runner_pid()
    proc = subprocess.Popen(
        [TICKERHOUSE, "ingest", str(corpus), "--warehouse", str(tmp_path / "w.duckdb"), "--quiet"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # a command run from a terminal takes Ctrl-C, even where the runner (and pytest) ignore SIGINT, as
        # everything started in the background by a non-interactive shell does
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        # the command's child is the runner's, not the client's; the forkserver and its 2 workers
        seen = watch_descendants(
            runner, proc, "workers", lambda seen: len(workers_of(seen)) >= 3, APPEAR_TIMEOUT_S
        )
    finally:
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=GONE_TIMEOUT_S)
    assert proc.returncode == -sig  # it ends by the signal, as the command's own process would
    if sig == signal.SIGINT:
        assert "KeyboardInterrupt" in stderr.decode()  # the child's traceback, as Python prints it
    left = outliving(seen, GONE_TIMEOUT_S)
    assert not left, f"left behind after {sig.name}: {left}"
    assert alive(runner)  # the runner serves on
