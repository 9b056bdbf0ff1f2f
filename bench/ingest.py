"""Ingest throughput, re-run cost and memory, against two DuckDB floors measured in the same run.

    .venv/bin/python bench/ingest.py --dumps 10000,100000

Prints one figure per line (and a Markdown table at the end), per corpus size; with two or more sizes also
the marginal rate (the slope of seconds against dumps between the smallest and the largest corpus), the
fixed seconds it leaves, and the marginal rate's ratio to each floor's. Each stage runs `tickerhouse` in a
subprocess as a user would; peak memory is summed over that subprocess's whole process tree (worker
processes and the Prefect server included), sampled every 50 ms, as PSS (each shared page counted once)
and as summed RSS, and its CPU seconds (user + system of every process in the tree), which a shared
machine's load moves much less than wall seconds; with two sizes, the marginal CPU a dump. Floors: what
an expert might write by hand in DuckDB, (1) every file read and its ticker split into a table, (2)
every file read as text and its ticker split, counted, not materialized.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from tickerhouse.samples.corpus import write_corpus

REPO = Path(__file__).resolve().parents[1]

TICKERHOUSE = str(Path(sys.executable).parent / "tickerhouse")

# What an expert might write by hand: read every file, split line 1 on runs of 2+ spaces/NBSP.
FLOOR_SQL = r"""
create or replace table floor_items as
select filename, unnest(string_split_regex(split_part(try(decode(content)), chr(10), 1), '[\s\xa0]{2,}')) as h
from read_blob($glob)
"""
# The mechanical part alone: read each file as text, split line 1, count the headlines; nothing stored.
# read_blob + try(decode()), not read_text: read_text stops the query at the corpus's first non-UTF-8 file.
FLOOR_COUNT_SQL = r"""
select count(*) from (
    select unnest(string_split_regex(split_part(try(decode(content)), chr(10), 1), '[\s\xa0]{2,}')) as h
    from read_blob($glob)
) where trim(h) <> ''
"""


def _pss(pid: int) -> int:
    """Return a process's proportional set size in bytes: its private pages plus its share of shared ones."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_memory(pid: int, cpu: dict[int, float]) -> tuple[int, int]:
    """Return (summed RSS, summed PSS) in bytes of pid and all its descendants (Linux /proc); record each
    one's CPU seconds so far (user + system) in `cpu`, by pid.

    Summed RSS counts a page shared by several processes (forked workers share the parse code and the
    libraries their server preloaded) once per process; summed PSS counts it once in all.
    """
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child, parent = int(entry.name), int(fields[1])
        children.setdefault(parent, []).append(child)
        rss[child] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        ticks[child] = int(fields[11]) + int(fields[12])  # utime + stime
    total_rss = total_pss = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        total_rss += rss.get(current, 0)
        total_pss += _pss(current)
        if current in ticks:
            cpu[current] = ticks[current] / os.sysconf("SC_CLK_TCK")
        stack.extend(children.get(current, []))
    return total_rss, total_pss


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, tuple[int, int], str, float]:
    """Run a command; return (seconds, peak (RSS, PSS) of its process tree in bytes, stdout, CPU seconds of
    its process tree).

    CPU seconds are each process's user + system time when last sampled (every 50 ms): on a shared machine
    they move much less with the load than wall seconds do.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_rss = peak_pss = 0
    cpu: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not done.is_set():
            rss, pss = _tree_memory(proc.pid, cpu)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    return seconds, (peak_rss, peak_pss), out, sum(cpu.values())


def _memory(peaks: list[tuple[int, int]]) -> str:
    rss, pss = max(p[0] for p in peaks), max(p[1] for p in peaks)
    return f"{pss / 2**20:,.0f} MiB PSS ({rss / 2**20:,.0f} MiB summed RSS)"


def flow_seconds(warehouse: Path) -> float:
    """Return the last ingest run's own duration (flow start to commit), without Prefect's start-up."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        start, end = con.execute(
            "select started_at, finished_at from ingest_runs order by started_at desc limit 1"
        ).fetchone()
    finally:
        con.close()
    return (end - start).total_seconds()


def floor(corpus: Path) -> tuple[float, int]:
    """Return (seconds, headline rows) for DuckDB reading every file and splitting its ticker."""
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(FLOOR_SQL, {"glob": str(corpus / "**" / "*.txt")})
    seconds = time.perf_counter() - started
    rows = con.execute("select count(*) from floor_items where trim(h) <> ''").fetchone()[0]
    return seconds, rows


def floor_count(corpus: Path) -> tuple[float, int]:
    """Return (seconds, headlines) for DuckDB reading the files as text and the ticker split, counted."""
    con = duckdb.connect()
    started = time.perf_counter()
    (rows,) = con.execute(FLOOR_COUNT_SQL, {"glob": str(corpus / "**" / "*.txt")}).fetchone()
    return time.perf_counter() - started, rows


def corpus_start(n_dumps: int) -> datetime:
    """Return a start day such that the corpus and its 1 % increment end before now (no future captures)."""
    # two editions, one snapshot each every 15 minutes, plus the increment and a margin
    span = timedelta(minutes=15 * (int(n_dumps * 1.01) // 2 + 200))
    return (datetime.now(UTC) - span).replace(hour=0, minute=0, second=0, microsecond=0)


def add_new_files(corpus: Path, share: float, n_dumps: int, seed: int) -> int:
    """Write `share` of n_dumps new dumps (a later time window) into the corpus; return how many."""
    n_new = max(1, int(n_dumps * share))
    # Right after the corpus's last snapshot (two editions, one snapshot each per 15 minutes).
    later = corpus_start(n_dumps) + timedelta(minutes=15 * (n_dumps // 2 + 1))
    return write_corpus(corpus / "incoming", n_new, seed=seed + 1, start=later, bad_ratio=0.0).files


def query_latency(warehouse: Path, names: list[str], repeats: int) -> dict[str, float]:
    """Return the median milliseconds of each saved query in sql/queries, run `repeats` times."""
    con = duckdb.connect(str(warehouse), read_only=True)
    out = {}
    try:
        for name in names:
            path = REPO / "sql" / "queries" / f"{name}.sql"
            if not path.exists():
                continue
            sql = path.read_text()
            timings = []
            for _ in range(repeats):
                started = time.perf_counter()
                con.execute(sql).fetchall()
                timings.append((time.perf_counter() - started) * 1000)
            out[name] = statistics.median(timings)
    finally:
        con.close()
    return out


def measure(n_dumps: int, args: argparse.Namespace, report) -> dict[str, float]:
    """Generate a corpus of n_dumps, measure both floors and tickerhouse on it; return the seconds."""
    work = args.workdir / f"ingest_{n_dumps}"
    shutil.rmtree(work, ignore_errors=True)
    corpus, warehouse = work / "corpus", work / "warehouse.duckdb"
    env = {
        **os.environ,
        "TICKERHOUSE_STATE_DIR": str(work / "state"),
        "TICKERHOUSE_WAREHOUSE": str(warehouse),
    }
    started = time.perf_counter()
    stats = write_corpus(corpus, n_dumps, seed=args.seed, start=corpus_start(n_dumps))
    report(
        "corpus", f"{stats.files} files, {stats.bytes / 1e6:.0f} MB, {time.perf_counter() - started:.1f} s"
    )

    os.sync()  # flush the generator's writes so they do not bill the next stage
    floor_s, floor_rows = floor(corpus)
    report(
        "floor 1 (DuckDB read_blob + ticker split, stored)",
        f"{n_dumps / floor_s:,.0f} dumps/s ({floor_rows} items)",
    )
    count_s, count_rows = floor_count(corpus)
    report(
        "floor 2 (DuckDB read_blob as text + ticker split, counted)",
        f"{n_dumps / count_s:,.0f} dumps/s ({count_rows} items)",
    )

    cmd = [TICKERHOUSE, "ingest", str(corpus), "--quiet", "--runner", args.runner]
    wall, peak, _, cpu_s = run_measured(cmd, env)
    inner = flow_seconds(warehouse)
    report("tickerhouse cold, whole command", f"{n_dumps / wall:,.0f} dumps/s ({wall:.1f} s)")
    report("tickerhouse cold, flow only", f"{n_dumps / inner:,.0f} dumps/s ({inner:.1f} s)")
    report(
        "tickerhouse cold, CPU of the process tree", f"{cpu_s:.1f} s ({cpu_s / n_dumps * 1000:.2f} ms a dump)"
    )
    report("ratio to floor 1 (flow only)", f"{floor_s / inner:.2f}")
    report("ratio to floor 2 (flow only)", f"{count_s / inner:.2f}")
    report("peak memory, cold ingest process tree", _memory([peak]))

    noop, peak_noop, _, _ = run_measured(cmd, env)
    report("no-op re-run, whole command (no flow run is started)", f"{noop:.2f} s")

    n_new = add_new_files(corpus, 0.01, n_dumps, args.seed)
    incremental, peak_inc, _, _ = run_measured(cmd, env)
    report(f"incremental +{n_new} files, whole command", f"{incremental:.2f} s")
    report(f"incremental +{n_new} files, flow only", f"{flow_seconds(warehouse):.2f} s")
    report("peak memory, any run", _memory([peak, peak_noop, peak_inc]))

    names = [q for q in args.queries.split(",") if q]
    for name, ms in query_latency(warehouse, names, repeats=7).items():
        report(f"query {name} (median of 7)", f"{ms:.1f} ms")
    return {"floor": floor_s, "count": count_s, "wall": wall, "flow": inner, "cpu": cpu_s}


def main(argv: list[str] | None = None) -> int:
    """Measure each corpus size, then the marginal rates between the smallest and the largest."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--dumps", default="10000", help="corpus sizes, comma-separated (10000,100000)")
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--seed", type=int, default=20241223)
    parser.add_argument("--queries", default="", help="comma-separated saved queries to time")
    parser.add_argument("--runner", default="process")
    args = parser.parse_args(argv)
    sizes = sorted(int(n) for n in args.dumps.split(","))

    figures: list[tuple[str, str]] = []
    seconds: dict[int, dict[str, float]] = {}
    for n_dumps in sizes:

        def report(name: str, value: str, n: int = n_dumps) -> None:
            figures.append((f"{n:,}: {name}", value))
            print(f"{n:,}: {name}: {value}", flush=True)

        seconds[n_dumps] = measure(n_dumps, args, report)

    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        added = large - small

        def slope(key: str) -> float:
            return added / (seconds[large][key] - seconds[small][key])

        for key, name in (("wall", "whole command"), ("flow", "flow only")):
            rate = slope(key)
            fixed = seconds[small][key] - small / rate
            figures.append(
                (f"marginal {small:,} -> {large:,}, {name}", f"{rate:,.0f} dumps/s, fixed {fixed:.1f} s")
            )
        cpu_ms = (seconds[large]["cpu"] - seconds[small]["cpu"]) / added * 1000
        figures.append(
            (f"marginal {small:,} -> {large:,}, CPU of the process tree", f"{cpu_ms:.2f} ms a dump")
        )
        flow_rate = slope("flow")
        figures.append(
            (
                "marginal, floor 1",
                f"{slope('floor'):,.0f} dumps/s (flow only / floor: {flow_rate / slope('floor'):.2f})",
            )
        )
        figures.append(
            (
                "marginal, floor 2",
                f"{slope('count'):,.0f} dumps/s (flow only / floor: {flow_rate / slope('count'):.2f})",
            )
        )

    print("\n| figure | value |\n|---|---|")
    for name, value in figures:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
