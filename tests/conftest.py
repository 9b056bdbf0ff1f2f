"""Shared fixtures: ../shared (skipped when absent), an isolated state dir, one Prefect harness."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import REPO, SHARED

SEED = SHARED / "seeds" / "000_46a3b748499c8f06.txt"
SAMPLE_SEED = REPO / "data" / "sample" / "000_46a3b748499c8f06.txt"

# Tests never touch the developer's state dir or warehouse: everything goes to a throwaway folder,
# set before `tickerhouse.flows` is imported so Prefect's home lands there too.
_STATE = Path(tempfile.mkdtemp(prefix="tickerhouse-test-state-"))
os.environ["TICKERHOUSE_STATE_DIR"] = str(_STATE)
os.environ["TICKERHOUSE_WAREHOUSE"] = str(_STATE / "warehouse.duckdb")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
# Tests write their dumps and ingest them at once: no settle time, except where a test sets one.
os.environ.setdefault("TICKERHOUSE_SETTLE_S", "0")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder beside the repo; tests that need it skip cleanly when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent (a user's clone): third-party fixtures not available")
    return SHARED


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    """The real French seed dump (bundled in data/sample, so always available)."""
    return SAMPLE_SEED.read_bytes()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for the whole session (starting one costs ~20 s here)."""
    from prefect.testing.utilities import prefect_test_harness

    import tickerhouse.flows  # noqa: F401 - sets Prefect's environment first

    with prefect_test_harness(server_startup_timeout=180):
        yield
