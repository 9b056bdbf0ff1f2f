"""Server discovery: which Prefect API a command uses with the tickerhouse server down, stale, or up."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, SAMPLE_DIR
from tickerhouse import server
from tickerhouse.cli import main

TICKERHOUSE = str(Path(sys.executable).with_name("tickerhouse"))


@pytest.fixture
def no_api_url(monkeypatch):
    """No PREFECT_API_URL, and no Prefect settings of a harness: discovery goes by the state file."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delitem(sys.modules, "prefect.settings", raising=False)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_down_without_state_file(tmp_path, no_api_url, capsys):
    assert server.status(tmp_path).state == "down"
    api, why = server.find_api(tmp_path)
    assert api is None and why == "no `tickerhouse server` is running"
    assert main(["server", "status"]) == 0
    assert capsys.readouterr().out == "tickerhouse server: down\n"


def test_stale_state_file_is_reported_and_removed(tmp_path, no_api_url, monkeypatch, capsys):
    pid = _dead_pid()
    state = server.state_path(tmp_path)
    state.write_text(json.dumps({"pid": pid, "port": 4999, "api_url": "http://127.0.0.1:4999/api"}))
    found = server.status(tmp_path)
    assert (found.state, found.pid) == ("stale", pid)
    api, why = server.find_api(tmp_path)
    assert api is None and f"pid {pid}" in why and "not running" in why
    monkeypatch.setenv("TICKERHOUSE_STATE_DIR", str(tmp_path))
    assert main(["server", "status"]) == 0
    assert "stale state file removed" in capsys.readouterr().out
    assert not state.exists() and server.status(tmp_path).state == "down"


def test_garbled_state_file_is_stale(tmp_path, no_api_url):
    server.state_path(tmp_path).write_text("{not json")
    assert server.status(tmp_path).state == "stale"


def test_a_live_pid_that_is_no_prefect_server_is_stale(tmp_path, no_api_url):
    # The recorded pid was recycled by an unrelated program.
    other = subprocess.Popen(["sleep", "30"])
    try:
        state = {"pid": other.pid, "port": 4999, "api_url": "http://127.0.0.1:4999/api"}
        server.state_path(tmp_path).write_text(json.dumps(state))
        assert server.status(tmp_path).state == "stale"
    finally:
        other.kill()
        other.wait()


def test_prefect_api_url_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://example.invalid:4200/api")
    api, _ = server.find_api(tmp_path)
    assert api == server.Api("http://example.invalid:4200/api", "PREFECT_API_URL")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.server
def test_started_server_is_found_by_every_command_then_stopped(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    env["TICKERHOUSE_STATE_DIR"] = str(tmp_path / "state")
    port = _free_port()

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [TICKERHOUSE, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
        )

    started = run("server", "start", "--port", str(port), "--no-ui")
    assert started.returncode == 0, started.stderr
    try:
        url = f"http://127.0.0.1:{port}/api"
        status = run("server", "status").stdout
        assert status.startswith(f"tickerhouse server: up at {url}") and "; warm runner pid " in status
        runner = server.status(tmp_path / "state").runner_pid
        again = run("server", "start", "--port", str(port))
        assert "already up" in again.stdout  # a second start finds the first
        landing = tmp_path / "landing"
        landing.mkdir()
        (landing / "seed.txt").write_bytes((SAMPLE_DIR / "000_46a3b748499c8f06.txt").read_bytes())
        ingest = run("ingest", str(landing), "--warehouse", str(tmp_path / "w.duckdb"), "--quiet")
        assert ingest.returncode == 0, ingest.stderr
        assert f"Prefect API: {url} (tickerhouse server, pid" in ingest.stderr
        assert ingest.stderr.rstrip().endswith(", warm runner)")  # it ran in the warm runner
        assert "temporary" not in ingest.stderr
        assert "loaded 1" in ingest.stdout
    finally:
        stopped = run("server", "stop")
    assert stopped.stdout == "tickerhouse server: stopped\n"
    assert run("server", "status").stdout == "tickerhouse server: down\n"
    assert not server.healthy(f"http://127.0.0.1:{port}/api")
    assert not server.runner_socket(tmp_path / "state").exists() and not server._is_runner_process(runner)
