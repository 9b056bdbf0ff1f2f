"""Where a worker's time goes: the per-dump cost of read_and_stage in one process, and its biggest parts.

    .venv/bin/python bench/parse_profile.py [--dumps 8000] [--batch 2000]

Generates a corpus with the sample generator, sets the process up as a pool worker (work_on_one_thread),
stages one batch first (so the taxonomy, language models and per-worker memos are warm, as in a worker
past its first batch), then stages the rest batch by batch as a worker does: once timed, once under
cProfile. Prints ms a dump in steady state (wall and CPU: on a shared machine the CPU figure moves less
with the load); then the cost of loading the timed batches into a new warehouse as the flow's load task
does (one transaction, checks included; CPU of all of DuckDB's threads), and the rate two cores could
reach if parsing and loading were all an ingest did; then the functions with the most time of their
own, in microseconds a dump (cProfile slows the profiled pass; the shares hold).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tickerhouse import warehouse as wh
from tickerhouse.io.discovery import find_new_files
from tickerhouse.resources import OUTLETS_CSV, TOPICS_TOML, compiled_taxonomy
from tickerhouse.samples.corpus import write_corpus
from tickerhouse.staging import read_and_stage, warm_up, work_on_one_thread

REPO = Path(__file__).resolve().parents[1]


def stage_all(batches: list, out: Path, tag: str) -> list[str]:
    """Stage every batch as a worker does, each into its own folder, tagged with the shipped taxonomy;
    return the folders."""
    taxonomy_toml = TOPICS_TOML.read_text(encoding="utf-8")
    targets = []
    for i, batch in enumerate(batches):
        targets.append(str(out / tag / f"{i:05d}"))
        read_and_stage(batch, targets[-1], "bench", 5 * 1024 * 1024, str(OUTLETS_CSV), taxonomy_toml)
    return targets


def load_all(staged: list[str], warehouse: Path, n_files: int) -> tuple[float, float]:
    """Load staged batches into a new warehouse as the flow's load task does; return (wall s, CPU s)."""
    con = wh.connect(warehouse)
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = {
            "run_id": "bench",
            "started_at": datetime.now(UTC),
            "files_seen": n_files,
            "files_new": n_files,
        }
        wh.load_checked(con, staged, summary)
        return time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    """Generate a corpus, warm up, time and profile staging it; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--dumps", type=int, default=8000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_corpus(work / "corpus", args.dumps, seed=20241223)
        files, _ = find_new_files([str(work / "corpus")], set())
        warm, rest = files[: args.batch], files[args.batch :]
        batches = [rest[i : i + args.batch] for i in range(0, len(rest), args.batch)]
        # as a worker does with its first batch: the first batch may be all Arabic
        work_on_one_thread(), warm_up(), compiled_taxonomy(TOPICS_TOML.read_text(encoding="utf-8"))
        stage_all([warm], work / "staged", "warm")

        started, cpu_started = time.perf_counter(), time.process_time()
        staged = stage_all(batches, work / "staged", "timed")
        per_dump_ms = (time.perf_counter() - started) / len(rest) * 1000
        cpu_ms = (time.process_time() - cpu_started) / len(rest) * 1000
        print(
            f"steady state: {per_dump_ms:.3f} ms a dump on one core, {cpu_ms:.3f} ms of CPU "
            f"({len(rest)} dumps after the warm-up)"
        )
        load_s, load_cpu_s = load_all(staged, work / "warehouse.duckdb", len(rest))
        load_cpu_ms = load_cpu_s / len(rest) * 1000
        print(
            f"load: {load_s / len(rest) * 1000:.3f} ms a dump, {load_cpu_ms:.3f} ms of CPU; parse + load on "
            f"two cores at most {2000 / (cpu_ms + load_cpu_ms):,.0f} dumps/s"
        )

        profile = cProfile.Profile()
        profile.enable()
        stage_all(batches, work / "staged", "profiled")
        profile.disable()

    stats = pstats.Stats(profile).stats  # (file, line, name) -> (calls, primitive, own, cumulative, callers)
    total = sum(own for _, _, own, _, _ in stats.values())
    print(f"\nown time by function, profiled pass ({total / len(rest) * 1e6:.0f} us a dump under cProfile):")
    print("| function | us a dump | share |\n|---|---:|---:|")
    for (file, line, name), (_, _, own, _, _) in sorted(stats.items(), key=lambda kv: -kv[1][2])[: args.top]:
        where = name if file == "~" else f"{Path(file).name}:{line}({name})"
        print(f"| {where} | {own / len(rest) * 1e6:.1f} | {own / total:.0%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
