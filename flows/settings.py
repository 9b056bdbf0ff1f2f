"""All paths and tunables in one typed object, from TICKERHOUSE_* environment variables (local defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the taxonomy code pulls in pandas: loaded only when a taxonomy is compiled
    from transforms.topics import Taxonomy

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = PROJECT_ROOT / "sql"
DATA_DIR = PROJECT_ROOT / "data"
OUTLETS_CSV = DATA_DIR / "outlets.csv"
TOPICS_TOML = DATA_DIR / "topics.toml"
SAMPLE_DIR = DATA_DIR / "sample"
# Where parse tasks run (flows/runners.py): local worker processes, threads, or a Dask cluster.
RUNNERS = ("process", "thread", "dask")


def read_taxonomy(path: Path = TOPICS_TOML) -> Taxonomy:
    """Return the compiled topic taxonomy of a TOML file, compiled once per process per file version."""
    return _compiled_taxonomy(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)  # compiling takes ~0.5 s; a worker process handles many batches
def _compiled_taxonomy(path: Path, mtime_ns: int) -> Taxonomy:
    from transforms.topics import load_taxonomy

    return load_taxonomy(path.read_text(encoding="utf-8"))


def _env(name: str, default: str) -> str:
    return os.environ.get(f"TICKERHOUSE_{name}", default)


@dataclass(frozen=True)
class Settings:
    """Where the warehouse, landing folder and state live, and the limits ingest applies."""

    warehouse: Path
    landing: str  # a folder, a file or an fsspec URL (s3://bucket/dumps)
    state_dir: Path
    # Where ingest's parse tasks stage Parquet for the single writer: a folder or an fsspec URL that every
    # worker and the writer can reach (one writer per staging location: each run clears it first).
    staging: str
    export_dir: Path  # Parquet exports: <export_dir>/current is the latest complete one
    # A real dump is ~7 KB; 5 MB leaves room for HTML pages while keeping a hostile file out.
    max_dump_bytes: int
    # Hundreds to thousands of dumps per task keeps Prefect's per-task overhead a constant.
    batch_size: int
    workers: int
    # How long an ingest (or rebuild) waits for another one to finish before giving up with exit code 3.
    lock_timeout_s: float
    # DuckDB's memory limit ("" = its default, 80 % of RAM); beyond it DuckDB spills to state/duckdb_tmp.
    # The primary-key indexes must fit: the keyed tables hold one row per dump, headline or article (not
    # per item), so 1 GB loads 300k dumps (bench/ingest.py) at ~20 % more load time than no cap.
    duckdb_memory_limit: str
    runner: str  # process | thread | dask (flows/runners.py)

    @property
    def staging_dir(self) -> Path:
        """Local Parquet of rebuild and retag, which stage and load in the writer's own process."""
        return self.state_dir / "staging"


def load_settings() -> Settings:
    """Return the settings in force now (environment read at call time, so tests can override)."""
    state = Path(_env("STATE_DIR", str(PROJECT_ROOT / "state")))
    return Settings(
        warehouse=Path(_env("WAREHOUSE", str(DATA_DIR / "warehouse.duckdb"))),
        landing=_env("LANDING", str(DATA_DIR / "raw")),
        state_dir=state,
        staging=_env("STAGING", str(state / "staging")),
        export_dir=Path(_env("EXPORT_DIR", str(PROJECT_ROOT / "exports"))),
        max_dump_bytes=int(_env("MAX_DUMP_BYTES", str(5 * 1024 * 1024))),
        batch_size=int(_env("BATCH_SIZE", "2000")),
        workers=int(_env("WORKERS", str(os.cpu_count() or 1))),
        # A scheduled run every 15 minutes should queue behind a slow one, not pile up behind it forever.
        lock_timeout_s=float(_env("LOCK_TIMEOUT", "600")),
        duckdb_memory_limit=_env("DUCKDB_MEMORY_LIMIT", "1GB"),
        runner=_env("RUNNER", "process"),
    )


def configure_prefect_env() -> None:
    """Set Prefect's environment for this machine unless the user already chose otherwise."""
    state = Path(_env("STATE_DIR", str(PROJECT_ROOT / "state")))
    defaults = {
        "PREFECT_HOME": str(state / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # A cold start of the ephemeral server takes longer than the 20 s default on 2 cores.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    # Prefect creates its home without parents and then cannot open its database.
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
