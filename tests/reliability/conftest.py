"""Helpers of the reliability tests: a warehouse fingerprint and the environment of a CLI subprocess."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from helpers import REPO
from tickerhouse import warehouse as wh

# Columns a re-run legitimately changes (which run, when); everything else must be identical.
LINEAGE = ["run_id", "ingested_at", "seen_at", "rejected_at", "raw_file"]
ROW_HASHES = "select hash(*columns(lambda c: not list_contains($lineage, c))) from query_table($table)"


def fingerprint(target: Path) -> dict[str, tuple[int, str]]:
    """Return table -> (rows, sha256 of the sorted row hashes) for every loaded table of a warehouse."""
    con = duckdb.connect(str(target), read_only=True)
    try:
        out = {}
        for table in wh.LOAD_ORDER:
            hashes = sorted(
                h for (h,) in con.execute(ROW_HASHES, {"table": table, "lineage": LINEAGE}).fetchall()
            )
            out[table] = (len(hashes), hashlib.sha256(repr(hashes).encode()).hexdigest())
        return out
    finally:
        con.close()


@pytest.fixture(scope="session")
def fingerprint_of() -> Callable[[Path], dict[str, tuple[int, str]]]:
    """The fingerprint function, for tests comparing two warehouses."""
    return fingerprint


@pytest.fixture
def cli_env(prefect_harness, tmp_path) -> dict[str, str]:
    """Environment for a `tickerhouse` subprocess: the session's Prefect API (no server start-up of its
    own) and a state dir of its own (its lock, its staging)."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ)
    env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    env["TICKERHOUSE_STATE_DIR"] = str(tmp_path / "state")
    env.pop("TICKERHOUSE_TEST_CRASH_AT", None)
    return env


@pytest.fixture
def run_cli(cli_env) -> Callable[..., subprocess.CompletedProcess]:
    """Run `tickerhouse ARGS` in its own session (so a crash hook kills it alone); return the result."""

    def run(*args: str, extra_env: dict[str, str] | None = None, timeout: float = 300):
        return subprocess.run(
            [sys.executable, "-m", "tickerhouse.cli", *args],
            env={**cli_env, **(extra_env or {})},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
        )

    return run
