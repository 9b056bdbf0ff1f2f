"""The exported datasets as sql/export declares them, and their data dictionary (no Prefect, no DuckDB).

`tickerhouse export --dictionary` reads only this; the export flow (flows/export_parquet.py) builds on it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from tickerhouse.resources import SQL_DIR
from tickerhouse.transforms.export_plan import Dataset, parse_datasets, render_dictionary

EXPORT_SQL = SQL_DIR / "export"


def load_datasets() -> list[Dataset]:
    """Return every dataset of sql/export (one .sql query each) with its columns.toml contract."""
    spec = tomllib.loads((EXPORT_SQL / "columns.toml").read_text(encoding="utf-8"))
    grains = {
        p.stem: p.read_text(encoding="utf-8").splitlines()[0].removeprefix("--").strip()
        for p in EXPORT_SQL.glob("*.sql")
    }
    return parse_datasets(spec, grains)


def write_dictionary(path: Path) -> Path:
    """Write the data dictionary of every exported dataset to path (e.g. docs/data_dictionary.md)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_dictionary(load_datasets()), encoding="utf-8")
    return path
