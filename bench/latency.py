"""Wall time of everyday commands, with a temporary Prefect server and with `tickerhouse server` up.

    .venv/bin/python bench/latency.py [--runs 3] [--threshold] [--only "export, nothing new"]

Ingests data/sample into a fresh warehouse, then times each command as a user runs it (a subprocess of
`tickerhouse`), --runs times, first with no server (each flow-running command starts its temporary one),
then with `tickerhouse server start` up. Prints the median seconds per command and mode, the median time
to the command's first line of output, and the median CPU seconds (user + system) of the command's process
tree (its temporary server and worker processes included): on a machine shared with other work, wall time
grows with the load and CPU time much less. --threshold also times staging N dumps in the flow's own
process against starting the worker pool for them (fresh interpreters, imports excluded): where the pool
starts to pay is staging.IN_PROCESS_MAX_DUMPS. --only times the commands whose name holds the text.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tickerhouse.samples.corpus import write_corpus

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
TICKERHOUSE = str(Path(sys.executable).parent / "tickerhouse")
HEADLINE = "Le Maroc et l'Espagne signent un accord de défense"
TARGETS = {  # issue 13, on this machine: (no server, server up)
    "ingest 1 new dump": ("<= 15", "<= 3"),
    "export, nothing new": ("", "<= 3"),
    "sql --format csv": ("<= 1.5", "<= 1.5"),
    "trends": ("<= 1.5", "<= 1.5"),
    "parse one dump": ("<= 1.5", "<= 1.5"),
    "tag one headline": ("<= 3", "<= 3"),
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run `tickerhouse ARGS`; return (seconds to exit, to its first byte of output, CPU seconds).

    CPU: of the command and every descendant it waited for (its servers and workers), from the rusage
    of waited-for children: commands run one at a time, so the difference is the command's alone.
    """
    cpu_before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen([TICKERHOUSE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first: list[float] = []
    chunks: dict[str, bytes] = {}

    def read(name: str, stream) -> None:
        data = b""
        while chunk := stream.read1(65536):
            if not first:
                first.append(time.perf_counter() - started)
            data += chunk
        chunks[name] = data

    readers = [
        threading.Thread(target=read, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    proc.wait()
    for reader in readers:
        reader.join()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(
            f"tickerhouse {' '.join(args)} failed ({proc.returncode}):\n{chunks['err'][-3000:]}"
        )
    return seconds, first[0] if first else seconds, _children_cpu() - cpu_before


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure_commands(
    work: Path, env: dict[str, str], runs: int, mode: str, pool: list[Path], only: str = ""
) -> dict[str, tuple[float, float, float]]:
    """Return command -> medians of (seconds, seconds to first line, CPU seconds) for one mode, of the
    commands whose name holds `only`.

    The ingests take their new dumps off `pool` (each dump is new to the warehouse once).
    """
    warehouse = str(work / "warehouse.duckdb")
    landing = work / f"landing-{mode}"
    landing.mkdir()

    def add(n: int) -> Callable[[], None]:
        def prepare() -> None:
            for _ in range(n):
                source = pool.pop()
                shutil.copy2(source, landing / f"{mode}-{source.parent.name}-{source.name}")

        return prepare

    seed = SAMPLE / "000_46a3b748499c8f06.txt"
    export = ["export", "--warehouse", warehouse, "--out", str(work / "exports")]

    def export_first() -> None:  # the ingests before it added dumps: bring the export up to date, untimed
        timed(export, env)

    commands: list[tuple[str, list[str], Callable[[], None] | None]] = [
        ("ingest 1 new dump", ["ingest", str(landing), "--warehouse", warehouse, "--quiet"], add(1)),
        ("ingest 10 new dumps", ["ingest", str(landing), "--warehouse", warehouse, "--quiet"], add(10)),
        ("ingest, nothing new", ["ingest", str(landing), "--warehouse", warehouse, "--quiet"], None),
        ("export, nothing new", export, export_first),
        ("retag (sample)", ["retag", "--warehouse", warehouse], None),
        (
            "sql --format csv",
            ["sql", "select count(*) from headlines", "--format", "csv", "--warehouse", warehouse],
            None,
        ),
        ("trends", ["trends", "--by", "week", "--warehouse", warehouse], None),
        ("parse one dump", ["parse", str(seed)], None),
        ("tag one headline", ["tag", HEADLINE], None),
    ]
    out = {}
    for name, args, prepare in (c for c in commands if only in c[0]):
        samples = []
        for _ in range(runs):
            if prepare:
                prepare()
            samples.append(timed(args, env))
        out[name] = tuple(statistics.median(column) for column in zip(*samples, strict=True))
        wall, first, cpu = out[name]
        print(f"{mode}: {name}: {wall:.2f} s, first line {first:.2f} s, CPU {cpu:.2f} s", flush=True)
    return out


STAGE_PROBE = """
import json, sys, time
from tickerhouse.io.discovery import find_new_files
from tickerhouse.resources import OUTLETS_CSV, TOPICS_TOML
from tickerhouse.staging import local_pool, read_and_stage, split_batches, worker_pool
corpus, out, n, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
files = sorted(find_new_files([corpus], set())[0], key=lambda f: f.path)[:n]
started = time.perf_counter()
with worker_pool(workers):
    batches = split_batches(files, 2000, max(workers, 1))
    shared = ("bench", 5 << 20, str(OUTLETS_CSV), TOPICS_TOML.read_text(encoding="utf-8"))
    args = [(b, f"{out}/{i:05d}", *shared) for i, b in enumerate(batches)]
    if workers:
        [f.result() for f in [local_pool(workers).submit(read_and_stage, *a) for a in args]]
    else:
        [read_and_stage(*a) for a in args]
print(json.dumps(time.perf_counter() - started))
"""


def measure_threshold(work: Path, sizes: list[int], workers: int) -> list[tuple[int, float, float]]:
    """Return (dumps, seconds in this process, seconds with a fresh pool of `workers`) per size."""
    corpus = work / "threshold"
    write_corpus(corpus, max(sizes), seed=5)
    rows = []
    for n in sizes:
        seconds = []
        for pool in (0, workers):
            out = work / f"staged-{n}-{pool}"
            probe = [sys.executable, "-c", STAGE_PROBE, str(corpus), str(out), str(n), str(pool)]
            seconds.append(
                json.loads(subprocess.run(probe, capture_output=True, text=True, check=True).stdout)
            )
            shutil.rmtree(out, ignore_errors=True)
        rows.append((n, *seconds))
        print(
            f"stage {n} dumps: in-process {seconds[0]:.2f} s, pool of {workers} {seconds[1]:.2f} s",
            flush=True,
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Build the sample warehouse, time every command in both modes, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
    parser.add_argument(
        "--threshold", action="store_true", help="also time in-process staging against the pool"
    )
    parser.add_argument("--sizes", default="250,1000,2000,4000", help="--threshold: dump counts")
    parser.add_argument("--only", default="", metavar="TEXT", help="time only the commands named with TEXT")
    args = parser.parse_args(argv)

    work = args.workdir / "latency"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    env["TICKERHOUSE_STATE_DIR"] = str(work / "state")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    if args.threshold:
        rows = measure_threshold(work, [int(s) for s in args.sizes.split(",")], 2)
        print("\n| dumps | in the flow's process (s) | worker pool of 2 (s) |\n|---:|---:|---:|")
        for n, inline, pool in rows:
            print(f"| {n:,} | {inline:.2f} | {pool:.2f} |")
        print()

    # New dumps to ingest, captured after the sample and before now.
    write_corpus(work / "new", (1 + 10) * args.runs * 2, seed=3, start=datetime(2025, 1, 6, tzinfo=UTC))
    timed(["ingest", str(SAMPLE), "--warehouse", str(work / "warehouse.duckdb"), "--quiet"], env)
    timed(["tag", "warm the topic model cache"], env)

    pool = sorted((work / "new").rglob("*.txt"))
    results = {"no server": measure_commands(work, env, args.runs, "temporary", pool, args.only)}
    started = subprocess.run(
        [TICKERHOUSE, "server", "start", "--port", str(_free_port()), "--no-ui"], env=env, capture_output=True
    )
    if started.returncode != 0:
        raise RuntimeError(started.stderr.decode()[-3000:])
    try:
        results["server up"] = measure_commands(work, env, args.runs, "server", pool, args.only)
    finally:
        subprocess.run([TICKERHOUSE, "server", "stop"], env=env, check=True, capture_output=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")

    print(f"\nmedian of {args.runs} runs: wall seconds (to the first line of output; CPU seconds)\n")
    print("| command | no server | target | `tickerhouse server` up | target |\n|---|---:|---:|---:|---:|")
    for name, (cold, first, cpu) in results["no server"].items():
        warm, warm_first, warm_cpu = results["server up"][name]
        target_cold, target_warm = TARGETS.get(name, ("", ""))
        cells = [
            name,
            f"{cold:.1f} ({first:.1f}; {cpu:.1f})",
            target_cold,
            f"{warm:.1f} ({warm_first:.1f}; {warm_cpu:.1f})",
            target_warm,
        ]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
