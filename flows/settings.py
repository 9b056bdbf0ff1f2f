"""All paths and tunables in one typed object, from TICKERHOUSE_* environment variables (local defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = PROJECT_ROOT / "sql"
DATA_DIR = PROJECT_ROOT / "data"
OUTLETS_CSV = DATA_DIR / "outlets.csv"
TOPICS_TOML = DATA_DIR / "topics.toml"
SAMPLE_DIR = DATA_DIR / "sample"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"TICKERHOUSE_{name}", default)


@dataclass(frozen=True)
class Settings:
    """Where the warehouse, landing folder and state live, and the limits ingest applies."""

    warehouse: Path
    landing: Path
    state_dir: Path
    # A real dump is ~7 KB; 5 MB leaves room for HTML pages while keeping a hostile file out.
    max_dump_bytes: int
    # Hundreds to thousands of dumps per task keeps Prefect's per-task overhead a constant.
    batch_size: int
    workers: int

    @property
    def staging_dir(self) -> Path:
        """Parquet staged by parse tasks, waiting for the single writer to load it."""
        return self.state_dir / "staging"


def load_settings() -> Settings:
    """Return the settings in force now (environment read at call time, so tests can override)."""
    state = Path(_env("STATE_DIR", str(PROJECT_ROOT / "state")))
    return Settings(
        warehouse=Path(_env("WAREHOUSE", str(DATA_DIR / "warehouse.duckdb"))),
        landing=Path(_env("LANDING", str(DATA_DIR / "raw"))),
        state_dir=state,
        max_dump_bytes=int(_env("MAX_DUMP_BYTES", str(5 * 1024 * 1024))),
        batch_size=int(_env("BATCH_SIZE", "2000")),
        workers=int(_env("WORKERS", str(os.cpu_count() or 1))),
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
