"""The same ingest_dumps flow on a real Dask LocalCluster builds the same warehouse as the default runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import SAMPLE_DIR, content
from tickerhouse import staging
from tickerhouse.flows import ingest_dumps as ingest_module
from tickerhouse.flows.ingest_dumps import ingest_dumps
from tickerhouse.flows.runners import make_task_runner


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
    assert content(target) == content(default_warehouse)


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
    assert content(target) == content(default_warehouse)


def test_thread_runner_builds_the_same_warehouse(default_warehouse, tmp_path):
    target = tmp_path / "thread.duckdb"
    runner, local = make_task_runner("thread", 2)
    ingest_dumps.with_options(task_runner=runner)(
        paths=[str(SAMPLE_DIR)], warehouse=str(target), local_processes=local
    )
    assert content(target) == content(default_warehouse)


def test_unknown_runner_is_refused():
    with pytest.raises(ValueError, match="unknown task runner 'spark'"):
        make_task_runner("spark", 2)
