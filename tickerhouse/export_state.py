"""What an export would do, decided without Prefect: the warehouse's checks, the partition fingerprints,
the current export's state, the plan per dataset and whether anything is new.

The export flow (flows/export_parquet.py) runs this as its first task and then writes the plan;
`tickerhouse export` runs it alone first, under the run lock, and with nothing new ends there, without
paying Prefect's start-up. One decision for both, so the CLI's answer is the flow's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from duckdb import ColumnExpression, ConstantExpression, FunctionExpression

from tickerhouse import warehouse as wh
from tickerhouse.errors import ChecksFailedError
from tickerhouse.resources import sql_text
from tickerhouse.transforms.export_plan import (
    NULL_PARTITION,
    WHOLE,
    Dataset,
    ExportContractError,
    contract_drift,
    nothing_new,
    plan_partitions,
)

STATE_FILE = "_state.json"
DICTIONARY_FILE = "data_dictionary.md"
# Enough failing rows to see the pattern without flooding a terminal.
SHOWN_FAILURES = 10


class ExportCheckError(ChecksFailedError):
    """A warehouse check or a dataset key check found offending rows; nothing was exported."""


@dataclass(frozen=True)
class ExportPlan:
    """An export's plan: the current export's state and partitions, the warehouse's, what to write.

    previous and now: dataset -> partition value -> {rows, fingerprint}; plans: dataset -> the partitions
    to write, keep and drop; unchanged: the export would write the version `current` already holds.
    """

    state: dict
    previous: dict[str, dict[str, dict]]
    now: dict[str, dict[str, dict]]
    plans: dict[str, dict[str, list[str]]]
    unchanged: bool


def relation(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> duckdb.DuckDBPyRelation:
    """Return the rows of a dataset's export query (sql/export/<name>.sql)."""
    return con.sql(sql_text(f"export/{dataset.name}"))


def partition_dir(root: Path, dataset: Dataset, value: str) -> Path:
    """Return the folder of one partition of a dataset under an export version's root."""
    return root / dataset.name if value == WHOLE else root / dataset.name / f"{dataset.partition_by}={value}"


def _partition_text(value: object) -> str:
    return NULL_PARTITION if value is None else str(value)


def _format_failures(name: str, rows: list[dict]) -> str:
    shown = "\n".join(f"    {row}" for row in rows[:SHOWN_FAILURES])
    more = f"\n    ... and {len(rows) - SHOWN_FAILURES} more" if len(rows) > SHOWN_FAILURES else ""
    return f"  {name}: {len(rows)} failing rows\n{shown}{more}"


def check_warehouse(con: duckdb.DuckDBPyConnection, datasets: list[Dataset]) -> None:
    """Run sql/checks, each dataset's key uniqueness and column contract; raise on any failure."""
    failures = {f"check {name}": rows for name, rows in wh.check_rows(con).items() if rows}
    drift: list[str] = []
    for ds in datasets:
        rel = relation(con, ds)
        drift += contract_drift(ds, dict(zip(rel.columns, map(str, rel.types), strict=True)))
        key = FunctionExpression("struct_pack", *[ColumnExpression(c) for c in ds.key])
        repeated = rel.aggregate([key.alias("key"), FunctionExpression("count").alias("n_rows")], key)
        if rows := wh.records(repeated.filter(ColumnExpression("n_rows") > ConstantExpression(1))):
            failures[f"key of {ds.name} ({', '.join(ds.key)}) repeats"] = rows
    if drift:
        raise ExportContractError("export columns drifted from sql/export/columns.toml: " + "; ".join(drift))
    if failures:
        report = "\n".join(_format_failures(name, rows) for name, rows in failures.items())
        raise ExportCheckError(f"export stopped, nothing written: checks failed\n{report}")


def fingerprint_partitions(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> dict[str, dict]:
    """Return partition value -> {rows, fingerprint}: an order-free hash of the rows each would hold."""
    rel = relation(con, dataset)
    measures = [
        FunctionExpression("count").alias("n_rows"),
        FunctionExpression("sum", FunctionExpression("hash", *map(ColumnExpression, rel.columns))).alias(
            "fp"
        ),
    ]
    if dataset.partition_by is None:
        found = [(WHOLE, *row) for row in rel.aggregate(measures).fetchall() if row[0]]
    else:
        part = ColumnExpression(dataset.partition_by)
        found = [
            (_partition_text(v), n, fp) for v, n, fp in rel.aggregate([part, *measures], part).fetchall()
        ]
    return {value: {"rows": n, "fingerprint": str(fp)} for value, n, fp in found}


def read_state(out: Path) -> dict:
    """Return the _state.json of the current export, or an empty state when there is none."""
    state = out / "current" / STATE_FILE
    return json.loads(state.read_text(encoding="utf-8")) if state.exists() else {"datasets": {}}


def plan_dataset(
    dataset: Dataset, before: dict[str, dict], now: dict[str, dict], since: date | None, prev_dir: Path
) -> dict[str, list[str]]:
    """Return the partitions of a dataset to write, to keep (hard-linked from prev_dir) and to drop.

    A kept partition whose folder the previous export lacks (removed by hand) is written again.
    """
    plan = plan_partitions(
        {v: p["fingerprint"] for v, p in before.items()},
        {v: p["fingerprint"] for v, p in now.items()},
        since,
        dataset.partition_period,
    )
    missing = {v for v in plan.keep if not partition_dir(prev_dir, dataset, v).is_dir()}
    return {
        "write": sorted({*plan.write, *(v for v in missing if v in now)}),
        "keep": [v for v in plan.keep if v not in missing],
        "drop": list(plan.drop),
    }


def plan_export(warehouse: Path, out: Path, datasets: list[Dataset], since: date | None) -> ExportPlan:
    """Return the plan of exporting the warehouse to out (incremental, or from `since`).

    The warehouse must pass its checks first, with or without anything new: an export that would refuse
    refuses here. The caller holds the run lock, so the plan stays true until it is written.
    """
    con = wh.connect(warehouse, read_only=True)
    try:
        check_warehouse(con, datasets)
        now = {ds.name: fingerprint_partitions(con, ds) for ds in datasets}
    finally:
        con.close()
    state = read_state(out)
    previous = {n: d.get("partitions", {}) for n, d in state["datasets"].items()}
    prev_dir = (out / "current").resolve()
    plans = {
        ds.name: plan_dataset(ds, previous.get(ds.name, {}), now[ds.name], since, prev_dir) for ds in datasets
    }
    dictionary = prev_dir / DICTIONARY_FILE
    unchanged = since is None and nothing_new(
        state, datasets, plans, dictionary.read_text(encoding="utf-8") if dictionary.is_file() else None
    )
    return ExportPlan(state, previous, now, plans, unchanged)
