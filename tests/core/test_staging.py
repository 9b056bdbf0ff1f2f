"""The local worker pool: one per process however many parse threads ask for it, stopped before the load;
the garbage collector paused for a batch only."""

from __future__ import annotations

import gc
import threading

import pytest

from tickerhouse.staging import collector_paused, local_pool, read_outlets, stop_local_pools


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


def test_a_batch_leaves_the_garbage_collector_as_it_found_it():
    """The collector is off during a batch (its passes were 5-10 % of a worker's time) and back after it,
    a failing batch included: a flow process that parses in-process must not go on without it."""
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a batch that fails")
    assert gc.isenabled()
    gc.disable()  # a caller that turned it off keeps it off
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_outlets_file_is_read_again_once_it_changes(tmp_path):
    """Batches share one reading of the outlets file; a long-lived process (the server) sees an edit."""
    path = tmp_path / "outlets.csv"
    path.write_text("outlet_id,name\nle360,Le360\n", encoding="utf-8")
    first = read_outlets(str(path))
    assert read_outlets(str(path)) is first
    path.write_text("outlet_id,name\nle360,Le360\nhespress,Hespress\n", encoding="utf-8")
    assert read_outlets(str(path))["outlet_id"].tolist() == ["le360", "hespress"]
