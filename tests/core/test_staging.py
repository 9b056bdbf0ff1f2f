"""The local worker pool: one per process however many parse threads ask for it, stopped before the load."""

from __future__ import annotations

import threading

from tickerhouse.staging import local_pool, stop_local_pools


def test_parse_threads_share_one_worker_pool():
    stop_local_pools()
    pools = []
    barrier = threading.Barrier(8)

    def ask() -> None:
        barrier.wait()  # all threads ask at once, as a run's parse tasks do
        pools.append(local_pool(2))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(pools) == 8 and len({id(p) for p in pools}) == 1
        assert sorted(pools[0].map(abs, [-1, -2])) == [1, 2]  # a working pool
    finally:
        stop_local_pools()
    assert local_pool(2) is not pools[0]  # stopped: the next run starts fresh workers
    stop_local_pools()
