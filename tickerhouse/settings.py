"""All paths and tunables in one typed, validated object, from TICKERHOUSE_* environment variables.

Paths default under TICKERHOUSE_HOME (the current directory when unset), never under the install
location: a wheel installed anywhere keeps its warehouse, state and exports where it is run from.

Hand-written on the standard library rather than pydantic-settings: importing pydantic and
pydantic-settings took 0.15 s with compiled bytecode (0.36-0.6 s without), a tenth of the 1.5 s every
command that runs no flow has (README "Dependencies, and why each"). Values are read as pydantic read
them, and a bad one is refused with its words (`Input should be greater than 0`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Literal, get_type_hints

from tickerhouse.transforms.source_file import FUTURE_TOLERANCE_S

Runner = Literal["process", "thread", "dask"]
# Where parse tasks run (flows/runners.py): local worker processes, threads, or a Dask cluster.
RUNNERS: tuple[str, ...] = Runner.__args__
PREFIX = "TICKERHOUSE_"


class SettingsError(ValueError):
    """A TICKERHOUSE_* variable holds a value tickerhouse cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Where the warehouse, landing folder and state live, and the limits ingest applies.

    Each field is read from TICKERHOUSE_<FIELD> (any case), or the variable its metadata names.
    """

    home: Path = field(default_factory=Path.cwd)  # the folder every default path below sits in
    warehouse: Path = Path("data/warehouse.duckdb")
    landing: str = "data/raw"  # a folder, a file or an fsspec URL (s3://bucket/dumps)
    state_dir: Path = Path("state")
    # Where ingest's parse tasks stage Parquet for the single writer: a folder or an fsspec URL that every
    # worker and the writer can reach (one writer per staging location: each run clears it first).
    staging: str = ""  # "" = <state_dir>/staging
    export_dir: Path = Path("exports")  # Parquet exports: <export_dir>/current is the latest complete one
    # A real dump is ~7 KB; 5 MB leaves room for HTML pages while keeping a hostile file out.
    max_dump_bytes: int = field(default=5 * 1024 * 1024, metadata={"gt": 0})
    # Hundreds to thousands of dumps per task keeps Prefect's per-task overhead a constant.
    batch_size: int = field(default=2000, metadata={"gt": 0})
    workers: int = field(default_factory=lambda: os.cpu_count() or 1, metadata={"gt": 0})
    # How long an ingest (or rebuild) waits for another one to finish before giving up with exit code 3.
    # A scheduled run every 15 minutes should queue behind a slow one, not pile up behind it forever.
    lock_timeout_s: float = field(default=600.0, metadata={"ge": 0, "env": "TICKERHOUSE_LOCK_TIMEOUT"})
    # DuckDB's memory limit ("" = its default, 80 % of RAM); beyond it DuckDB spills to state/duckdb_tmp.
    # The primary-key indexes must fit: the keyed tables hold one row per dump, headline or article (not
    # per item), so 1 GB loads 300k dumps (bench/ingest.py) at ~20 % more load time than no cap.
    duckdb_memory_limit: str = "1GB"
    runner: Runner = "process"
    # A capture time later than now by more than this is a clock or manifest error, not a capture: it is
    # never stored (the next capture method dates the dump, or it is rejected), and the check
    # no_future_captures refuses it. 10 minutes covers clock skew between the capturing machine and this.
    future_tolerance_s: float = field(default=FUTURE_TOLERANCE_S, metadata={"ge": 0})
    # A file modified less than this many seconds ago may still be being written (a copy in progress, a
    # browser saving a page): discovery waits until it is this old and reads it only if its size and mtime
    # did not move meanwhile, else leaves it for the next run. 2 s covers a copy's or a save's pauses and
    # costs a run at most 2 s; 0 reads everything at once (deliver atomically: README).
    settle_s: float = field(default=2.0, metadata={"ge": 0})
    # Parsing one dump takes ~0.4 ms (bench/parse_profile.py) and a 5 MB page well under a second; one that
    # runs longer is hostile (a pattern a regex backtracks over): rejected `too slow`, the batch goes on.
    # 0 = no budget.
    dump_time_budget_s: float = field(default=10.0, metadata={"ge": 0})
    # A symlink in the landing folder to a file outside it is rejected (`outside the landing folder`):
    # its bytes would be kept in the raw archive for ever. True reads it like any other file.
    allow_symlinks_outside: bool = False

    def __post_init__(self) -> None:
        # Relative paths are read against `home` once, here, so every reader sees absolute ones.
        for name in ("warehouse", "state_dir", "export_dir"):
            path = getattr(self, name)
            if not path.is_absolute():
                object.__setattr__(self, name, self.home / path)
        if "://" not in self.landing and not Path(self.landing).is_absolute():
            object.__setattr__(self, "landing", str(self.home / self.landing))
        if not self.staging:
            object.__setattr__(self, "staging", str(self.state_dir / "staging"))

    @property
    def future_tolerance(self) -> timedelta:
        """How far past now a capture time may be (future_tolerance_s)."""
        return timedelta(seconds=self.future_tolerance_s)

    @property
    def staging_dir(self) -> Path:
        """Local Parquet of rebuild and retag, which stage and load in the writer's own process."""
        return self.state_dir / "staging"


# What pydantic accepted, so a value set for the pydantic-settings version reads the same.
_INTEGER = re.compile(r"[+-]?[0-9](?:_?[0-9])*(?:\.0+)?")  # `4`, `+4`, `1_000`, `4.0`; not `4.5`, `1e3`
_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


class _Invalid(ValueError):
    """A value a field cannot take; the message says why, in pydantic's words."""


def _integer(text: str) -> int:
    stripped = text.strip()
    if not _INTEGER.fullmatch(stripped):
        raise _Invalid("Input should be a valid integer, unable to parse string as an integer")
    return int(stripped.partition(".")[0])


def _number(text: str) -> float:
    try:
        if not text.isascii():  # float() would read Arabic-Indic digits
            raise ValueError(text)
        return float(text)
    except ValueError:
        raise _Invalid("Input should be a valid number, unable to parse string as a number") from None


def _boolean(text: str) -> bool:
    if text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    raise _Invalid("Input should be a valid boolean, unable to interpret input")


def _runner(text: str) -> str:
    if text not in RUNNERS:
        choices = ", ".join(repr(r) for r in RUNNERS[:-1])
        raise _Invalid(f"Input should be {choices} or {RUNNERS[-1]!r}")
    return text


_PARSERS = {Path: Path, str: str, int: _integer, float: _number, bool: _boolean, Runner: _runner}


def _checked(value: float, limits: dict) -> float:
    """Return `value` if it is within the field's bounds (NaN is within none)."""
    if "gt" in limits and not value > limits["gt"]:
        raise _Invalid(f"Input should be greater than {limits['gt']}")
    if "ge" in limits and not value >= limits["ge"]:
        raise _Invalid(f"Input should be greater than or equal to {limits['ge']}")
    return value


def load_settings() -> Settings:
    """Return the settings in force now (environment read at call time, so tests can override)."""
    environ = {key.upper(): value for key, value in os.environ.items() if key.upper().startswith(PREFIX)}
    types = get_type_hints(Settings)
    given = {}
    for spec in fields(Settings):  # in order: the first bad value is the one named
        variable = spec.metadata.get("env", PREFIX + spec.name.upper())
        if variable not in environ:
            continue
        try:
            given[spec.name] = _checked(_PARSERS[types[spec.name]](environ[variable]), spec.metadata)
        except _Invalid as err:
            raise SettingsError(f"{variable}={environ[variable]!r}: {err}") from None
    return Settings(**given)


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
