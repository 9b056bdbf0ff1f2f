"""The task runner a flow's parse tasks run on: worker processes here, or a Dask cluster past one machine."""

from __future__ import annotations

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from tickerhouse.settings import RUNNERS


def make_task_runner(kind: str, workers: int, dask_address: str | None = None) -> tuple[TaskRunner, int]:
    """Return (Prefect task runner, local worker processes) for `process`, `thread` or `dask`.

    `process` (default): tasks on threads, each handing its batch to a pool of `workers` processes.
    `thread`: everything in this process (debugging). `dask`: tasks on the Dask cluster at dask_address,
    or on a local cluster of `workers` processes.
    """
    if kind == "process":
        return ThreadPoolTaskRunner(max_workers=workers), workers
    if kind == "thread":
        return ThreadPoolTaskRunner(max_workers=workers), 0
    if kind == "dask":
        from prefect_dask import DaskTaskRunner  # imported only when asked: dask is heavy to import

        if dask_address:
            return DaskTaskRunner(address=dask_address), 0
        cluster = {"n_workers": workers, "threads_per_worker": 1, "processes": True}
        return DaskTaskRunner(cluster_kwargs=cluster), 0
    raise ValueError(f"unknown task runner {kind!r}; choose one of {', '.join(RUNNERS)}")
