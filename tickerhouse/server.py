"""Which Prefect API a command's flows talk to: the long-lived local server, or a temporary one.

`tickerhouse server start` runs `prefect server start` on loopback, detached, and records its pid and
port in `<state dir>/prefect-server.json`; every command that runs a flow finds it there by itself
(PREFECT_API_URL, when set, wins), so it pays no server start-up. Without one, a command starts a
temporary server of its own (Prefect's ephemeral server app, no UI) that lives as long as the command
and dies with it even when the command is killed (Linux: PR_SET_PDEATHSIG); Prefect's own temporary
server outlives a SIGKILLed parent.

`server start` also starts the warm runner (tickerhouse/warm.py) once the server answers: a process with
Prefect and the flows loaded, which runs the flow commands in forked children; `server stop` stops both.

Plain Python: no Prefect import (the servers are subprocesses), so `server status` costs no Prefect start-up.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from tickerhouse.errors import TickerhouseError, UsageError
from tickerhouse.io.storage import write_atomically

STATE_FILE = "prefect-server.json"
RUNNER_SOCKET = "warm-runner.sock"  # the warm runner's, in the state dir (tickerhouse/warm.py)
RUNNER_LOG = "warm-runner.log"
DEFAULT_PORT = 4200
# A cold `prefect server start` (database migrations, UI build check) takes 20-60 s on 2 cores.
START_TIMEOUT_S = 180.0
# A healthy server on loopback answers in milliseconds; a second is room for a busy machine.
HEALTH_TIMEOUT_S = 1.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class Api:
    """A Prefect API a command uses: its URL and where it came from (said in the command's API line)."""

    url: str
    source: str


@dataclass(frozen=True)
class ServerStatus:
    """The long-lived server's state: `up`, `starting` (alive, not answering yet), `down` or `stale`."""

    state: str
    pid: int | None = None
    url: str | None = None
    detail: str = ""
    runner_pid: int | None = None  # the warm runner's, when it runs


# The API of this process when it is a warm runner's child running a client's command (tickerhouse.warm).
warm_api: Api | None = None


def state_path(state_dir: Path) -> Path:
    """Return the file that records the long-lived server's pid and port."""
    return state_dir / STATE_FILE


def runner_socket(state_dir: Path) -> Path:
    """Return the warm runner's socket."""
    return state_dir / RUNNER_SOCKET


def prefect_home(state_dir: Path) -> Path:
    """Return Prefect's home (PREFECT_HOME, else `<state dir>/prefect`), the servers' database folder."""
    return Path(os.environ.get("PREFECT_HOME") or state_dir / "prefect")


def healthy(api_url: str, timeout_s: float = HEALTH_TIMEOUT_S) -> bool:
    """Return whether a Prefect API answers its health check."""
    import urllib.request  # ~30 ms (http.client, ssl): only where an API is looked for, not in parse or sql

    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout_s) as response:
            return response.status == 200
    except (OSError, ValueError):  # URLError is an OSError
        return False


def _is_process(pid: int, marker: bytes) -> bool:
    """Return whether pid is alive and (where /proc tells) runs a command line holding marker, not a
    recycled pid."""
    if not _alive(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return sys.platform != "linux"
    try:
        return marker in cmdline.read_bytes()
    except OSError:
        return False


def _is_prefect_process(pid: int) -> bool:
    return _is_process(pid, b"prefect")


def _is_runner_process(pid: int | None) -> bool:
    return pid is not None and _is_process(pid, b"tickerhouse.warm")


def status(state_dir: Path) -> ServerStatus:
    """Return the long-lived server's state from its state file, a pid check and its health check."""
    path = state_path(state_dir)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        pid, url = int(record["pid"]), str(record["api_url"])
        runner = record.get("runner_pid")
        runner = int(runner) if runner is not None else None
    except FileNotFoundError:
        return ServerStatus("down")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        return ServerStatus("stale", detail=f"unreadable state file {path}: {err}")
    if not _is_prefect_process(pid):
        return ServerStatus("stale", pid, url, f"pid {pid} of {path} is not running")
    runner = runner if _is_runner_process(runner) else None
    if healthy(url):
        return ServerStatus("up", pid, url, runner_pid=runner)
    detail = f"pid {pid} is running but {url} does not answer yet"
    return ServerStatus("starting", pid, url, detail, runner)


def find_api(state_dir: Path) -> tuple[Api | None, str]:
    """Return the API to use without starting one (None: none is up) and, when none, the reason why.

    In order: the warm runner's server in a warm runner's child; PREFECT_API_URL; Prefect's settings
    when Prefect is already loaded in this process (a test harness, a served flow run); the long-lived
    server when it answers.
    """
    if warm_api is not None:
        return warm_api, ""
    if url := os.environ.get("PREFECT_API_URL"):
        return Api(url, "PREFECT_API_URL"), ""
    if "prefect.settings" in sys.modules:
        url = sys.modules["prefect.settings"].get_current_settings().api.url
        if url:
            return Api(url, "Prefect settings"), ""
    found = status(state_dir)
    if found.state == "up":
        return Api(found.url, f"tickerhouse server, pid {found.pid}"), ""
    if found.state == "down":
        return None, "no `tickerhouse server` is running"
    return None, f"the tickerhouse server is not usable ({found.detail})"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _die_with(parent: int):
    """Return a preexec function: Linux sends the child SIGTERM when `parent` ends (PR_SET_PDEATHSIG)."""

    def preexec() -> None:
        if sys.platform.startswith("linux"):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent ended before prctl took effect
            os._exit(1)

    return preexec


def exit_with(pid: int) -> None:
    """End this process as soon as process `pid` ends, however it ends (SIGKILL too): a watching thread.

    For processes whose parent is not the one to outlive (a forkserver's workers hold the forkserver
    alive, so PR_SET_PDEATHSIG on them would never fire).
    """

    def watch() -> None:
        if hasattr(os, "pidfd_open"):  # Linux: readable once the process has ended
            try:
                fd = os.pidfd_open(pid)
            except ProcessLookupError:
                os._exit(1)
            select.select([fd], [], [])
        else:
            while _alive(pid):
                time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name=f"exit-with-{pid}", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _spawn(home: Path, port: int, ui: bool, temporary: bool) -> subprocess.Popen:
    """Start `prefect server start` on 127.0.0.1:port with its database in home, analytics off."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)  # the server must not try to talk to another one
    if temporary:
        # The services Prefect's own temporary server runs (it sets the same variable), not the scheduler's.
        env["PREFECT__SERVER_EPHEMERAL"] = "1"
    command = [
        str(Path(sys.executable).with_name("prefect")),
        "server", "start", "--host", "127.0.0.1", "--port", str(port), "--ui" if ui else "--no-ui",
    ]  # fmt: skip
    log = home / ("temporary-server.log" if temporary else "server.log")
    # The temporary server dies with this process; the long-lived one gets its own session, to outlive it.
    tie = {"preexec_fn": _die_with(os.getpid())} if temporary else {"start_new_session": True}
    with open(log, "ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, **tie)


def _wait_healthy(proc: subprocess.Popen, api_url: str, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not healthy(api_url):
        if proc.poll() is not None:
            raise TickerhouseError(f"prefect server exited with {proc.returncode}; see {log}")
        if time.monotonic() > deadline:
            raise TickerhouseError(f"prefect server not healthy in {timeout_s:.0f} s; see {log}")
        time.sleep(0.1)


def _terminate(proc: subprocess.Popen, timeout_s: float = 30.0) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start(state_dir: Path, port: int = DEFAULT_PORT, ui: bool = True) -> ServerStatus:
    """Start the long-lived server (detached) unless it is up, then its warm runner unless that runs;
    return the server's status once it answers (runner_pid None: the runner could not start, see its log).
    """
    found = status(state_dir)
    if found.state == "up" and found.runner_pid is None:
        return _start_runner(state_dir, found)
    if found.state in ("up", "starting"):
        return found
    if _port_in_use(port):
        raise UsageError(f"port {port} is in use by another program: choose another with --port")
    home = prefect_home(state_dir)
    proc = _spawn(home, port, ui, temporary=False)
    api_url = f"http://127.0.0.1:{port}/api"
    record = {"pid": proc.pid, "port": port, "api_url": api_url, "prefect_home": str(home)}
    path = state_path(state_dir)
    # recorded at once: a second `start` meanwhile sees it starting
    write_atomically(path, lambda partial: partial.write_text(json.dumps(record), encoding="utf-8"))
    try:
        _wait_healthy(proc, api_url, home / "server.log", START_TIMEOUT_S)
    except BaseException:
        _terminate(proc)
        path.unlink(missing_ok=True)
        raise
    return _start_runner(state_dir, ServerStatus("up", proc.pid, api_url))


def _start_runner(state_dir: Path, found: ServerStatus) -> ServerStatus:
    """Start the warm runner of the server `found` (detached) and record its pid once it listens; return
    found with the runner's pid, or without one when the runner ended first (its log says why)."""
    sock = runner_socket(state_dir)
    sock.unlink(missing_ok=True)  # a dead runner's: the new one's appears once it listens
    log = state_dir / RUNNER_LOG
    command = [sys.executable, "-m", "tickerhouse.warm", str(state_dir), found.url, str(found.pid)]
    with open(log, "ab") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            _terminate(proc)
            return found
        time.sleep(0.1)
    path = state_path(state_dir)
    record = {**json.loads(path.read_text(encoding="utf-8")), "runner_pid": proc.pid}
    write_atomically(path, lambda partial: partial.write_text(json.dumps(record), encoding="utf-8"))
    return replace(found, runner_pid=proc.pid)


def _stop_runner(state_dir: Path, pid: int | None) -> None:
    """Stop the warm runner (SIGTERM, SIGKILL after 10 s); the commands it runs go on to their end."""
    if pid is not None:
        try:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _is_runner_process(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _is_runner_process(pid):
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    runner_socket(state_dir).unlink(missing_ok=True)


def stop(state_dir: Path) -> ServerStatus:
    """Stop the warm runner and the long-lived server (SIGTERM, SIGKILL after 30 s) and remove its state
    file; return what was."""
    found = status(state_dir)
    _stop_runner(state_dir, found.runner_pid)
    if found.state in ("up", "starting") and found.pid is not None:
        try:
            os.killpg(found.pid, signal.SIGTERM)  # its own session: the whole group
            deadline = time.monotonic() + 30
            while _is_prefect_process(found.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _is_prefect_process(found.pid):
                os.killpg(found.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    state_path(state_dir).unlink(missing_ok=True)
    return found


@contextmanager
def long_lived(state_dir: Path, port: int = DEFAULT_PORT, ui: bool = True) -> Iterator[tuple[str, bool]]:
    """Yield (API URL, started here) of the long-lived server: the running one, left running, or one
    started here and stopped on exit (`tickerhouse serve --start-server`: Ctrl-C stops both)."""
    found = status(state_dir)
    if found.state == "up":
        yield found.url, False
        return
    started = start(state_dir, port, ui)
    try:
        yield started.url, True
    finally:
        stop(state_dir)


class TemporaryServer:
    """A server for this process alone on a free port: started at once, waited for only when needed.

    The command imports Prefect while the server starts (both take seconds), then calls wait_ready().
    """

    def __init__(self, state_dir: Path) -> None:
        self.home = prefect_home(state_dir)
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}/api"
        self._proc = _spawn(self.home, port, ui=False, temporary=True)

    def wait_ready(self) -> None:
        """Return once the server answers; raise TickerhouseError if it exits or stays silent."""
        _wait_healthy(self._proc, self.url, self.home / "temporary-server.log", START_TIMEOUT_S)

    def stop(self) -> None:
        """Stop the server (SIGTERM, SIGKILL after 5 s)."""
        if self._proc.poll() is None:
            _terminate(self._proc, timeout_s=5)
