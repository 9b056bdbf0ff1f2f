"""The same ingest_dumps flow on a real Dask LocalCluster builds the same warehouse as the default runner."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from helpers import SAMPLE_DIR
from tickerhouse import staging
from tickerhouse.flows import ingest_dumps as ingest_module
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.flows.runners import make_task_runner

# What a run writes, minus what differs by run (run ids, ingestion clock): table -> columns.
CONTENT = {
    "raw_dumps": "dump_id, first_path, size_bytes, encoding, repairs, line_labels, "
    "captured_at, capture_method, status, article_id",
    "dump_files": "path, size_bytes, mtime_ns, dump_id",
    "ticker_snapshots": "snapshot_id, captured_at, capture_method, edition, n_items, stated_date, dump_id",
    "snapshot_versions": "snapshot_id, dump_id, captured_at, capture_method, n_items, size_bytes",
    "ticker_items": "snapshot_id, position, headline_id, headline, language",
    "headline_days": "day, headline_id, slots, snapshots, best_position",
    "headlines": "headline_id, headline, language, first_seen, last_seen, n_snapshots",
    "headline_topics": "headline_id, topic, matched_terms, via",
    "articles": "article_id, title, source, outlet_id, published_date, date_suspect, date_method, language",
    "rejects": "reject_key, dump_id, path, reason, detail",
}


def _content(warehouse: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            table: sorted(con.execute(f"select {cols} from {table}").fetchall(), key=repr)  # noqa: S608
            for table, cols in CONTENT.items()
        }
    finally:
        con.close()


def _ingest_counting_pools(target: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ingest the sample with the default runner; return the worker pool sizes its batches asked for."""
    asked: list[int] = []

    def counting_pool(workers: int):
        asked.append(workers)
        return staging.local_pool(workers)

    monkeypatch.setattr(ingest_module, "local_pool", counting_pool)
    runner, local = make_task_runner("process", 2)
    ingest_dumps.with_options(task_runner=runner)(
        paths=[str(SAMPLE_DIR)], warehouse=str(target), local_processes=local
    )
    return asked


@pytest.fixture(scope="module")
def default_warehouse(prefect_harness, tmp_path_factory) -> Path:
    """The sample corpus ingested with the default runner: 399 dumps, parsed in the flow's own process."""
    target = tmp_path_factory.mktemp("default") / "w.duckdb"
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _ingest_counting_pools(target, monkeypatch) == []  # below the threshold: no worker started
    return target


def test_worker_pool_builds_the_same_warehouse_as_the_in_process_path(
    default_warehouse, tmp_path, monkeypatch
):
    monkeypatch.setattr(staging, "IN_PROCESS_MAX_DUMPS", 1)  # a big run: the sample goes to the workers
    target = tmp_path / "pool.duckdb"
    asked = _ingest_counting_pools(target, monkeypatch)
    assert asked and set(asked) == {2}  # every batch went to the 2 worker processes
    assert _content(target) == _content(default_warehouse)


def test_dask_local_cluster_builds_the_same_warehouse(default_warehouse, tmp_path):
    distributed = pytest.importorskip("distributed")
    target = tmp_path / "dask.duckdb"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        runner, local = make_task_runner("dask", 2, cluster.scheduler_address)
        assert local == 0  # parse tasks run on the Dask workers themselves
        summary = ingest_dumps.with_options(task_runner=runner)(
            paths=[str(SAMPLE_DIR)], warehouse=str(target), local_processes=local, batch_size=100
        )
        # the parse tasks really went through the cluster's scheduler
        assert cluster.scheduler.transition_counter > 0
    assert summary["files_new"] == sum(1 for p in SAMPLE_DIR.rglob("*.txt"))
    assert _content(target) == _content(default_warehouse)


def test_thread_runner_builds_the_same_warehouse(default_warehouse, tmp_path):
    target = tmp_path / "thread.duckdb"
    runner, local = make_task_runner("thread", 2)
    ingest_dumps.with_options(task_runner=runner)(
        paths=[str(SAMPLE_DIR)], warehouse=str(target), local_processes=local
    )
    assert _content(target) == _content(default_warehouse)


def test_unknown_runner_is_refused():
    with pytest.raises(ValueError, match="unknown task runner 'spark'"):
        make_task_runner("spark", 2)
