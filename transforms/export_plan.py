"""Pure planning of a Parquet export: the dataset contract, the partitions to rewrite, the data dictionary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

# The value pyarrow and DuckDB both write and read as a null Hive partition.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# The single pseudo-partition of a dataset that is not dated.
WHOLE = ""
PERIODS = ("day", "month")


class ExportContractError(ValueError):
    """An export query and sql/export/columns.toml disagree (undocumented, missing or retyped column)."""


@dataclass(frozen=True)
class Column:
    """One exported column: its DuckDB type and what it means."""

    name: str
    type: str
    meaning: str


@dataclass(frozen=True)
class Dataset:
    """One exported dataset: its query's name, grain, Hive partition column, key and columns."""

    name: str
    grain: str
    partition_by: str | None
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    partition_period: str = "day"  # day | month: the span one partition value covers


@dataclass(frozen=True)
class PartitionPlan:
    """Which partition values to write anew, to keep from the previous export, and to remove."""

    write: tuple[str, ...]
    keep: tuple[str, ...]
    drop: tuple[str, ...]


def parse_datasets(spec: Mapping[str, Any], grains: Mapping[str, str]) -> list[Dataset]:
    """Return the datasets of columns.toml (parsed) whose query exists, grain from its first-line comment."""
    problems = [f"{name}: a query with no entry in columns.toml" for name in grains if name not in spec]
    problems += [
        f"{name}: in columns.toml but no sql/export/{name}.sql" for name in spec if name not in grains
    ]
    datasets = []
    for name in sorted(set(grains) & set(spec)):
        entry = spec[name]
        columns = tuple(
            Column(col, str(info.get("type", "")), str(info.get("meaning", "")).strip())
            for col, info in entry.get("columns", {}).items()
        )
        names = {c.name for c in columns}
        problems += [f"{name}.{c.name}: no type or no meaning" for c in columns if not (c.type and c.meaning)]
        partition_by = entry.get("partition_by")
        key = tuple(entry.get("key", ()))
        if not key:
            problems.append(f"{name}: no key")
        problems += [
            f"{name}: key or partition column {c!r} is not a column"
            for c in {*key, partition_by} - names - {None}
        ]
        period = entry.get("partition_period", "day")
        if period not in PERIODS:
            problems.append(f"{name}: partition_period {period!r} is not one of {PERIODS}")
        datasets.append(Dataset(name, grains[name], partition_by, key, columns, period))
    if problems:
        raise ExportContractError("sql/export/columns.toml: " + "; ".join(problems))
    return datasets


def contract_drift(dataset: Dataset, actual: Mapping[str, str]) -> list[str]:
    """Return how a query's actual column -> type differs from the dataset's declared columns."""
    declared = {c.name: c.type for c in dataset.columns}
    drift = [f"{dataset.name}.{c}: not documented in columns.toml" for c in actual if c not in declared]
    drift += [f"{dataset.name}.{c}: declared but not returned" for c in declared if c not in actual]
    drift += [
        f"{dataset.name}.{c}: type {actual[c]}, declared {declared[c]}"
        for c in declared
        if c in actual and actual[c] != declared[c]
    ]
    return drift


def _dated_from(value: str, since: date | None) -> bool:
    return since is not None and value not in (WHOLE, NULL_PARTITION) and date.fromisoformat(value) >= since


def plan_partitions(
    previous: Mapping[str, str], current: Mapping[str, str], since: date | None, period: str = "day"
) -> PartitionPlan:
    """Plan partitions from fingerprints (value -> fingerprint) of the last export and of the warehouse now.

    Without `since`, changed and new partitions are written and vanished ones dropped (incremental).
    With `since`, every dated partition that holds days on or after it is rewritten (for month partitions,
    from the month of `since`) and earlier ones stay as they were exported; the null partition and an
    undated dataset still follow the incremental rule.
    """
    if since is not None and period == "month":
        since = since.replace(day=1)
    if since is None:
        write = [v for v in current if previous.get(v) != current[v]]
        drop = [v for v in previous if v not in current]
    else:
        write = [
            v
            for v in current
            if _dated_from(v, since) or (v in (WHOLE, NULL_PARTITION) and previous.get(v) != current[v])
        ]
        drop = [
            v
            for v in previous
            if v not in current and (_dated_from(v, since) or v in (WHOLE, NULL_PARTITION))
        ]
    keep = [v for v in previous if v not in write and v not in drop]
    return PartitionPlan(tuple(sorted(write)), tuple(sorted(keep)), tuple(sorted(drop)))


def nothing_new(
    state: Mapping[str, Any],
    datasets: list[Dataset],
    plans: Mapping[str, Mapping[str, list[str]]],
    dictionary: str | None,
) -> bool:
    """Return True when an export would write the version `current` already holds: the same datasets
    partitioned the same way, no partition to write or drop, the same data dictionary.

    state: the current export's _state.json; plans: per dataset, the partitions to write, keep and drop;
    dictionary: the current export's data_dictionary.md (None when it has none).
    """
    if "export_id" not in state or dictionary != render_dictionary(datasets):
        return False
    exported = {name: d.get("partition_by") for name, d in state["datasets"].items()}
    if exported != {ds.name: ds.partition_by for ds in datasets}:
        return False
    return not any(plan["write"] or plan["drop"] for plan in plans.values())


def _cell(text: str) -> str:
    return text.replace("|", r"\|")


def render_dictionary(datasets: list[Dataset]) -> str:
    """Return the data dictionary as Markdown: per dataset its grain, layout, key, and every column."""
    out = [
        "# Data dictionary of the Parquet export",
        "",
        "Generated from `sql/export/*.sql` and `sql/export/columns.toml` by `tickerhouse export`;",
        "regenerate with `tickerhouse export --dictionary docs/data_dictionary.md`.",
        "Types are DuckDB's; timestamps are UTC; dated datasets are Hive-partitioned.",
        "",
    ]
    for ds in datasets:
        layout = (
            f"`{ds.name}/{ds.partition_by}=YYYY-MM-DD/part-0.parquet`"
            if ds.partition_by
            else f"`{ds.name}/part-0.parquet`"
        )
        out += [
            f"## {ds.name}",
            "",
            f"Grain: {ds.grain}. Layout: {layout}. Key: {', '.join(f'`{k}`' for k in ds.key)}.",
            "",
            "| column | type | meaning |",
            "|---|---|---|",
            *(f"| `{c.name}` | {c.type} | {_cell(c.meaning)} |" for c in ds.columns),
            "",
        ]
    return "\n".join(out)
