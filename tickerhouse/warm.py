"""The warm runner: a process `tickerhouse server start` keeps beside the Prefect server, with Prefect,
the flows, pandas, pyarrow, DuckDB, lingua's models and the compiled taxonomy already loaded, so a
command that runs a flow pays none of it (importing Prefect alone takes 2-6 s here).

The runner listens on `<state dir>/warm-runner.sock` (mode 0600) and forks on each connection; the child
takes the command's argv, cwd, umask, environment and its stdin/stdout/stderr (passed as file descriptors),
runs `cli.main(argv)` and sends the exit code back. Forking is safe because the runner stays
single-threaded and never runs a flow itself: it checks that its warm-up started no thread (Python's or
native, such as lingua's parallel pool) and refuses to start otherwise; the native pools OpenBLAS and
jemalloc start on import re-create themselves after a fork.

The client is `cli.main()` (delegate below). Whatever stops a command from running in the runner (no
runner, a stale socket, a runner of another install or source tree, another Prefect environment, the
server down) makes it run in-process as before. Ctrl-C and SIGTERM of the client are forwarded to the
child; a SIGKILLed client leaves no child behind (the child sees its socket's end and kills its process
group: itself and its workers).
"""

from __future__ import annotations

import atexit
import hashlib
import importlib
import importlib.util
import io
import json
import os
import resource
import select
import signal
import socket
import sys
import sysconfig
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tickerhouse import server

# What the runner loads once: every flow a command runs, the modules a flow run imports on first use,
# and the CLI the child runs. Import only: nothing here may start a thread.
PRELOAD = (
    "tickerhouse.flows.ingest_dumps",
    "tickerhouse.flows.rebuild_warehouse",
    "tickerhouse.flows.retag_topics",
    "tickerhouse.flows.export_parquet",
    "tickerhouse.flows.enrich_topics",
    "tickerhouse.flows.runners",
    "tickerhouse.cli",
    "tickerhouse.export_state",
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.utilities.visualization",
    "fastapi.encoders",  # a flow run's parameters are serialized with it
    "anyio._backends._asyncio",
    "anyio.streams.stapled",
    "anyio.streams.tls",
    "opentelemetry.metrics",
    "opentelemetry._logs",
    "pydantic.color",
    "tqdm",
)
# The packages whose source the fingerprint covers (their folders: in a checkout, three of them).
_SOURCE_PACKAGES = ("tickerhouse", "tickerhouse.flows", "tickerhouse.transforms")
# The child's CPU time, said in the runner's log: its own and its workers' (a client's rusage has none of it).
_RUSAGE = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
# Signals the client forwards to the child.
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def fingerprint() -> str:
    """Return a digest of this install: the interpreter, the site-packages folder (its mtime moves with
    every package installed or removed) and each tickerhouse source file's path, size and mtime."""
    parts = [sys.executable, sys.version]
    site = Path(sysconfig.get_path("purelib"))
    parts.append(f"{site}:{site.stat().st_mtime_ns}")
    files: set[Path] = set()
    for name in _SOURCE_PACKAGES:
        for folder in importlib.util.find_spec(name).submodule_search_locations:
            files.update(Path(folder).rglob("*.py"))
    for path in sorted(files):
        stat = path.stat()
        parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _prefect_env(env: dict[str, str]) -> dict[str, str]:
    """Return the PREFECT_* variables of an environment but PREFECT_API_URL (compared on its own)."""
    return {k: v for k, v in env.items() if k.startswith("PREFECT_") and k != "PREFECT_API_URL"}


@contextmanager
def _address(path: Path) -> Iterator[str]:
    """Yield an address for `path` that fits AF_UNIX's 108 bytes: the path itself, or, for a deep state
    dir, the same file reached through an open descriptor of its folder (Linux /proc/self/fd)."""
    if len(os.fsencode(path)) < 100:
        yield str(path)
        return
    folder = os.open(path.parent, os.O_PATH)
    try:
        yield f"/proc/self/fd/{folder}/{path.name}"
    finally:
        os.close(folder)


def _send(conn: socket.socket, message: dict) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


# ---------------------------------------------------------------------------------------------------------
# The client (cli.main)


def delegate(argv: list[str], state_dir: Path) -> int | None:
    """Run the command in the warm runner; return its exit code, or None when it must run in-process.

    None, before anything ran: no runner, a stale socket, a runner that refuses this client (another
    install or source tree, another Prefect environment, the server down), or Prefect already loaded
    here (embedded use, a test harness).
    """
    path = server.runner_socket(state_dir)
    if "prefect" in sys.modules or not path.exists():
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with _address(path) as address:
            conn.connect(address)
        request = {
            "fingerprint": fingerprint(),
            "argv": argv,
            "cwd": os.getcwd(),
            "umask": _umask(),
            "env": dict(os.environ),
            "streams": [[s.encoding, s.errors] for s in (sys.stdin, sys.stdout, sys.stderr)],
            "sigint_ignored": signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
        }
        socket.send_fds(conn, [b"F"], [0, 1, 2])
        _send(conn, request)
        replies = conn.makefile("rb")
        answer = json.loads(replies.readline() or b"{}")
    except (OSError, ValueError, AttributeError):  # no runner there, or a closed stdio stream
        conn.close()
        return None
    if "pid" not in answer:  # refused (the reason is in the runner's log)
        conn.close()
        return None
    with conn, _forwarding(answer["pid"]) as forwarded:
        line = replies.readline()
    outcome = json.loads(line) if line else {}
    if "signal" in outcome or (not outcome and forwarded):
        _die_of(outcome.get("signal") or forwarded[-1])
    if "exit" not in outcome:
        from tickerhouse.errors import TickerhouseError

        raise TickerhouseError(
            f"the warm runner's process {answer['pid']} ended without an exit code (killed?); "
            f"see {state_dir / server.RUNNER_LOG}"
        )
    return outcome["exit"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def _forwarding(pid: int) -> Iterator[list[int]]:
    """Forward Ctrl-C, SIGTERM, SIGHUP and SIGQUIT to the child while the block runs; yield the list of
    the signals forwarded."""
    forwarded: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        forwarded.append(signum)
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    previous = {s: signal.signal(s, forward) for s in _FORWARDED}
    try:
        yield forwarded
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _die_of(signum: int) -> None:
    """End this process by `signum`, as the command's own process would have ended."""
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # a signal whose default is to ignore it (none of those forwarded)


# ---------------------------------------------------------------------------------------------------------
# The runner (`python -m tickerhouse.warm STATE_DIR API_URL`, started by tickerhouse.server)


class _Runner:
    """What the runner knows of itself, which each child compares a client with."""

    def __init__(self, state_dir: Path, api_url: str) -> None:
        self.state_dir = state_dir
        self.api_url = api_url
        self.fingerprint = fingerprint()  # before the imports: a change meanwhile is a mismatch
        self.prefect_env = _prefect_env(dict(os.environ))
        self.sigterm = signal.getsignal(signal.SIGTERM)  # the one handler the runner changes

    def refusal(self, request: dict) -> str:
        """Return why this runner cannot run a client's command ("" when it can)."""
        if request.get("fingerprint") != self.fingerprint:
            return "another tickerhouse install or source tree (restart the server to use this one)"
        env = request.get("env", {})
        if env.get("PREFECT_API_URL", self.api_url) != self.api_url:
            return f"PREFECT_API_URL is {env['PREFECT_API_URL']}, not the runner's {self.api_url}"
        if _prefect_env(env) != self.prefect_env:
            return "the client's PREFECT_* variables differ from the runner's"
        found = server.status(self.state_dir)
        if found.state != "up" or found.url != self.api_url:
            return f"the tickerhouse server is {found.state}"
        server.warm_api = server.Api(self.api_url, f"tickerhouse server, pid {found.pid}, warm runner")
        return ""


def warm_up() -> None:
    """Import what the flow commands need and load lingua's models and the default compiled taxonomy."""
    import tickerhouse.flows  # noqa: F401 - Prefect's environment first
    from tickerhouse.resources import read_taxonomy
    from tickerhouse.transforms.language import load_models

    for name in PRELOAD:
        importlib.import_module(name)
    load_models(on_this_thread=True)
    read_taxonomy()


def serve(state_dir: Path, api_url: str, server_pid: int) -> int:
    """Warm up, then serve until SIGTERM or the end of the Prefect server (pid server_pid)."""
    os.environ["PREFECT_API_URL"] = api_url
    runner = _Runner(state_dir, api_url)
    import numpy  # noqa: F401 - the native pools of OpenBLAS and jemalloc (pyarrow's): they handle a fork
    import pyarrow  # noqa: F401

    fork_aware = _os_threads()
    warm_up()
    if threading.active_count() != 1 or _os_threads() != fork_aware:  # a fork could copy a held lock
        print(f"refusing to serve: threads run after the warm-up: {threading.enumerate()}", flush=True)
        return 1
    path = server.runner_socket(state_dir)
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)  # the socket is created 0600: only its owner may hand it a command
    try:
        with _address(path) as address:
            listener.bind(address)
    finally:
        os.umask(mask)
    listener.listen(16)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    watched = os.pidfd_open(server_pid)
    print(f"warm runner {os.getpid()} serving {api_url} on {path}", flush=True)
    try:
        while True:
            ready, _, _ = select.select([listener, watched], [], [], 5.0)
            _reap()
            if watched in ready:
                print(f"the Prefect server {server_pid} ended: stopping", flush=True)
                return 0
            if listener in ready:
                conn, _ = listener.accept()
                sys.stdout.flush()  # nothing buffered here may reach the child's new stdout
                sys.stderr.flush()
                if os.fork() == 0:
                    listener.close()
                    _child(runner, conn)  # never returns
                conn.close()
    finally:
        path.unlink(missing_ok=True)


def _os_threads() -> int:
    """Return the threads of this process, Python's and native ones (Linux /proc)."""
    return len(os.listdir("/proc/self/task"))


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _child(runner: _Runner, conn: socket.socket) -> None:
    """Run one client's command (or refuse it) and end: this process never returns to the runner's loop."""
    code = 1
    try:
        signal.signal(signal.SIGTERM, runner.sigterm)  # a fresh interpreter's, not the runner's
        os.setpgid(0, 0)  # its own group: a client's end takes down this process and its workers
        _, fds, _, _ = socket.recv_fds(conn, 1, 3)
        requests = conn.makefile("rb")
        request = json.loads(requests.readline())
        if why := runner.refusal(request):
            print(f"refused a client: {why}", flush=True)
            _send(conn, {"refused": why})
            os._exit(0)
        started = time.perf_counter()
        # Ctrl-C as the command's own interpreter would take it: a KeyboardInterrupt, unless the client
        # ignores SIGINT. The runner's may be ignored (a server started in the background by a shell).
        ignored = request["sigint_ignored"]
        signal.signal(signal.SIGINT, signal.SIG_IGN if ignored else signal.default_int_handler)
        print(f"child {os.getpid()}: tickerhouse {' '.join(request['argv'])}", flush=True)
        log = os.dup(1)  # the runner's log, kept past the client's streams
        _send(conn, {"pid": os.getpid()})
        _become_client(request, fds)
        threading.Thread(target=_end_with_client, args=(requests,), daemon=True).start()
        outcome = _run(request["argv"])
        code = outcome.get("exit", 1)
        cpu = sum(getattr(resource.getrusage(who), f) for who in _RUSAGE for f in ("ru_utime", "ru_stime"))
        ended = f"child {os.getpid()}: {outcome} in {time.perf_counter() - started:.2f} s, CPU {cpu:.2f} s\n"
        os.write(log, ended.encode())
        _send(conn, outcome)  # the client ends on it, and this process with it (_end_with_client)
    except BaseException:  # the child must never fall back into the runner's loop
        traceback.print_exc()
    finally:
        os._exit(code)


def _become_client(request: dict, fds: list[int]) -> None:
    """Take on the client's cwd, umask, environment and standard streams."""
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["tickerhouse", *request["argv"]]
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    (in_enc, in_err), (out_enc, out_err), (err_enc, err_err) = request["streams"]
    sys.stdin = open(0, encoding=in_enc, errors=in_err, closefd=False)
    sys.stdout = _text_stream(1, out_enc, out_err, line_buffering=os.isatty(1))
    sys.stderr = _text_stream(2, err_enc, err_err, line_buffering=True)  # as Python's own, since 3.9
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
    # Prefect's console handler was made for the runner's stderr: made again for the client's
    from prefect.logging.configuration import setup_logging

    setup_logging(incremental=False)


def _text_stream(fd: int, encoding: str, errors: str, line_buffering: bool) -> io.TextIOWrapper:
    binary = open(fd, "wb", closefd=False)
    return io.TextIOWrapper(binary, encoding, errors, line_buffering=line_buffering)


def _end_with_client(requests: io.BufferedReader) -> None:
    """Kill this process and its group (its workers) once the client's end of the socket closes."""
    requests.read()  # the client sends nothing more: this returns at its end
    os.killpg(0, signal.SIGKILL)


def _run(argv: list[str]) -> dict:
    """Run the command as `python -m tickerhouse.cli` would; return {"exit": code} or {"signal": n}."""
    from tickerhouse import cli

    try:
        code = cli.main(argv)
    except SystemExit as stop:
        code = _exit_status(stop.code)
    except KeyboardInterrupt:
        traceback.print_exc()
        # An interrupted run's threads and exit handlers may wait forever on what the interrupt cut (a
        # worker pool caught mid-spawn): the child ends by the signal without them, and its workers end
        # with its group at the client's end (_end_with_client).
        return _finish({"signal": signal.SIGINT}, interrupted=True)
    except BaseException:  # a bug: its traceback and exit 1, as Python does
        traceback.print_exc()
        code = 1
    return _finish({"exit": code}, interrupted=cli.skip_exit_handlers())


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _finish(outcome: dict, interrupted: bool = False) -> dict:
    """Do what an interpreter does at exit (wait for its threads, run the exit handlers, flush); an
    interrupted run, or one whose Prefect API was lost (cli.skip_exit_handlers), only flushes its streams."""
    if not interrupted:
        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()  # logging's shutdown among them
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:
            pass
    return outcome


if __name__ == "__main__":
    state, url, pid = sys.argv[1:]
    raise SystemExit(serve(Path(state), url, int(pid)))
