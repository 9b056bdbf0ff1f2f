"""The time budget stops a runaway regex in the main thread, holds for each piece of work apart,
restores a caller's alarm, and is applied after the fact in other threads."""

from __future__ import annotations

import re
import signal
import threading
import time

import pytest

from tickerhouse.timebudget import OverBudget, time_budgets

RUNAWAY = re.compile(r"(a+)+$")  # backtracks 2^n times over "aaa...b": runs for ever at n = 40


def test_a_runaway_regex_is_stopped_at_its_budget():
    started = time.monotonic()
    with time_budgets(0.3) as budget, pytest.raises(OverBudget), budget:
        RUNAWAY.match("a" * 40 + "b")
    assert time.monotonic() - started < 5


def test_each_piece_of_work_has_the_whole_budget_and_one_over_it_leaves_the_next_its_own():
    outcomes = []
    with time_budgets(0.4) as budget:
        for work in (
            lambda: time.sleep(0.25),
            lambda: RUNAWAY.match("a" * 40 + "b"),
            lambda: time.sleep(0.25),
        ):
            started = time.monotonic()
            try:
                with budget:
                    work()
                outcomes.append("done")
            except OverBudget:
                outcomes.append(f"stopped after {time.monotonic() - started:.1f} s")
    assert outcomes == ["done", "stopped after 0.4 s", "done"]  # 0.9 s in all: each piece is timed alone
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_work_within_its_budget_returns_and_a_callers_alarm_survives():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    signal.setitimer(signal.ITIMER_REAL, 1.0)  # a caller's own deadline, set before the budget
    try:
        with time_budgets(5) as budget:
            for _ in range(3):
                with budget:
                    assert RUNAWAY.match("a" * 10)
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 1.0
        time.sleep(1.2)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_in_another_thread_the_budget_is_applied_after_the_work():
    outcome = []

    def work() -> None:
        try:
            with time_budgets(0.1) as budget, budget:
                time.sleep(0.3)
        except OverBudget as err:
            outcome.append(str(err))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome == ["over its time budget of 0.1 s"]
