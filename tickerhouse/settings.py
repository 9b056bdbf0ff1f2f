"""All paths and tunables in one typed, validated object, from TICKERHOUSE_* environment variables.

Paths default under TICKERHOUSE_HOME (the current directory when unset), never under the install
location: a wheel installed anywhere keeps its warehouse, state and exports where it is run from.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tickerhouse.transforms.source_file import FUTURE_TOLERANCE_S

Runner = Literal["process", "thread", "dask"]
# Where parse tasks run (flows/runners.py): local worker processes, threads, or a Dask cluster.
RUNNERS: tuple[str, ...] = Runner.__args__


class SettingsError(ValueError):
    """A TICKERHOUSE_* variable holds a value tickerhouse cannot use; the message names it."""


class Settings(BaseSettings):
    """Where the warehouse, landing folder and state live, and the limits ingest applies."""

    model_config = SettingsConfigDict(env_prefix="TICKERHOUSE_", frozen=True, extra="ignore")

    home: Path = Field(default_factory=Path.cwd)  # the folder every default path below sits in
    warehouse: Path = Path("data/warehouse.duckdb")
    landing: str = "data/raw"  # a folder, a file or an fsspec URL (s3://bucket/dumps)
    state_dir: Path = Path("state")
    # Where ingest's parse tasks stage Parquet for the single writer: a folder or an fsspec URL that every
    # worker and the writer can reach (one writer per staging location: each run clears it first).
    staging: str = ""  # "" = <state_dir>/staging
    export_dir: Path = Path("exports")  # Parquet exports: <export_dir>/current is the latest complete one
    # A real dump is ~7 KB; 5 MB leaves room for HTML pages while keeping a hostile file out.
    max_dump_bytes: int = Field(5 * 1024 * 1024, gt=0)
    # Hundreds to thousands of dumps per task keeps Prefect's per-task overhead a constant.
    batch_size: int = Field(2000, gt=0)
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0)
    # How long an ingest (or rebuild) waits for another one to finish before giving up with exit code 3.
    # A scheduled run every 15 minutes should queue behind a slow one, not pile up behind it forever.
    lock_timeout_s: float = Field(600.0, ge=0, validation_alias="TICKERHOUSE_LOCK_TIMEOUT")
    # DuckDB's memory limit ("" = its default, 80 % of RAM); beyond it DuckDB spills to state/duckdb_tmp.
    # The primary-key indexes must fit: the keyed tables hold one row per dump, headline or article (not
    # per item), so 1 GB loads 300k dumps (bench/ingest.py) at ~20 % more load time than no cap.
    duckdb_memory_limit: str = "1GB"
    runner: Runner = "process"
    # A capture time later than now by more than this is a clock or manifest error, not a capture: it is
    # never stored (the next capture method dates the dump, or it is rejected), and the check
    # no_future_captures refuses it. 10 minutes covers clock skew between the capturing machine and this.
    future_tolerance_s: float = Field(FUTURE_TOLERANCE_S, ge=0)
    # A file modified less than this many seconds ago may still be being written (a copy in progress, a
    # browser saving a page): discovery waits until it is this old and reads it only if its size and mtime
    # did not move meanwhile, else leaves it for the next run. 2 s covers a copy's or a save's pauses and
    # costs a run at most 2 s; 0 reads everything at once (deliver atomically: README).
    settle_s: float = Field(2.0, ge=0)
    # Parsing one dump takes ~0.4 ms (bench/parse_profile.py) and a 5 MB page well under a second; one that
    # runs longer is hostile (a pattern a regex backtracks over): rejected `too slow`, the batch goes on.
    # 0 = no budget.
    dump_time_budget_s: float = Field(10.0, ge=0)
    # A symlink in the landing folder to a file outside it is rejected (`outside the landing folder`):
    # its bytes would be kept in the raw archive for ever. True reads it like any other file.
    allow_symlinks_outside: bool = False

    @model_validator(mode="after")
    def _under_home(self) -> Settings:
        # Relative paths are read against `home` once, here, so every reader sees absolute ones.
        for name in ("warehouse", "state_dir", "export_dir"):
            path = getattr(self, name)
            if not path.is_absolute():
                object.__setattr__(self, name, self.home / path)
        if "://" not in self.landing and not Path(self.landing).is_absolute():
            object.__setattr__(self, "landing", str(self.home / self.landing))
        if not self.staging:
            object.__setattr__(self, "staging", str(self.state_dir / "staging"))
        return self

    @property
    def future_tolerance(self) -> timedelta:
        """How far past now a capture time may be (future_tolerance_s)."""
        return timedelta(seconds=self.future_tolerance_s)

    @property
    def staging_dir(self) -> Path:
        """Local Parquet of rebuild and retag, which stage and load in the writer's own process."""
        return self.state_dir / "staging"


def load_settings() -> Settings:
    """Return the settings in force now (environment read at call time, so tests can override)."""
    try:
        return Settings()
    except ValidationError as err:
        first = err.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        variable = field if field.startswith("TICKERHOUSE_") else f"TICKERHOUSE_{field.upper()}"
        value = os.environ.get(variable, "")
        raise SettingsError(f"{variable}={value!r}: {first['msg']}") from None


def configure_prefect_env() -> None:
    """Set Prefect's environment for this machine unless the user already chose otherwise."""
    defaults = {
        "PREFECT_HOME": str(load_settings().state_dir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # A cold start of the ephemeral server takes longer than the 20 s default on 2 cores.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    # Prefect creates its home without parents and then cannot open its database.
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
