"""Fault injection for the crash-consistency tests: TICKERHOUSE_TEST_CRASH_AT=parse|stage|load|export."""

from __future__ import annotations

import os
import signal

CRASH_ENV = "TICKERHOUSE_TEST_CRASH_AT"


def crash_point(stage: str) -> None:
    """SIGKILL this process group when TICKERHOUSE_TEST_CRASH_AT names `stage` (unset: a no-op).

    The group, not the process: parse tasks run in worker processes, and a crash takes the whole ingest
    down. SIGKILL cannot be caught, so no cleanup runs: what a power cut or the OOM killer leaves.
    Start the ingest in its own session (the tests do) so the group is the ingest alone.
    """
    if os.environ.get(CRASH_ENV) == stage:
        os.killpg(os.getpgrp(), signal.SIGKILL)
