"""Export planning: which partitions a run rewrites, keeps and drops; the column contract; the dictionary."""

from datetime import date

import pytest

from tickerhouse.transforms.export_plan import (
    NULL_PARTITION,
    WHOLE,
    Column,
    Dataset,
    ExportContractError,
    contract_drift,
    parse_datasets,
    plan_partitions,
    render_dictionary,
)

PREVIOUS = {"2024-12-01": "a", "2024-12-02": "b", "2024-12-03": "c", NULL_PARTITION: "n"}


@pytest.mark.parametrize(
    ("current", "since", "period", "write", "keep", "drop"),
    [
        # nothing changed: an incremental run rewrites nothing
        (PREVIOUS, None, "day", [], sorted(PREVIOUS), []),
        # one day's rows changed (late dump) and a new day arrived: only those two are written
        ({**PREVIOUS, "2024-12-01": "a2", "2024-12-04": "d"}, None, "day", ["2024-12-01", "2024-12-04"],
         ["2024-12-02", "2024-12-03", NULL_PARTITION], []),
        # a day vanished from the warehouse: its partition is dropped
        ({"2024-12-01": "a", "2024-12-02": "b", NULL_PARTITION: "n"}, None, "day", [],
         ["2024-12-01", "2024-12-02", NULL_PARTITION], ["2024-12-03"]),
        # --since rewrites every day from it, unchanged or not, and leaves earlier days alone even if changed
        ({**PREVIOUS, "2024-12-01": "a2"}, date(2024, 12, 2), "day", ["2024-12-02", "2024-12-03"],
         ["2024-12-01", NULL_PARTITION], []),
        # the null partition follows the incremental rule under --since
        ({**PREVIOUS, NULL_PARTITION: "n2"}, date(2024, 12, 3), "day", ["2024-12-03", NULL_PARTITION],
         ["2024-12-01", "2024-12-02"], []),
    ],
)  # fmt: skip
def test_plan_partitions(current, since, period, write, keep, drop):
    plan = plan_partitions(PREVIOUS, current, since, period)
    assert (list(plan.write), list(plan.keep), list(plan.drop)) == (write, keep, drop)


def test_since_mid_month_rewrites_that_month_partition():
    months = {"2024-11-01": "x", "2024-12-01": "y"}
    plan = plan_partitions(months, months, date(2024, 12, 20), "month")
    assert (plan.write, plan.keep) == (("2024-12-01",), ("2024-11-01",))


@pytest.mark.parametrize(
    ("previous", "current", "write"),
    [
        # first export of an undated dataset writes it whole
        ({}, {WHOLE: "x"}, [WHOLE]),
        # unchanged: kept
        ({WHOLE: "x"}, {WHOLE: "x"}, []),
        # changed: rewritten
        ({WHOLE: "x"}, {WHOLE: "y"}, [WHOLE]),
    ],
)
def test_undated_dataset_is_rewritten_only_when_changed_even_with_since(previous, current, write):
    assert list(plan_partitions(previous, current, date(2024, 1, 1)).write) == write


DATASET = Dataset(
    "items", "one row per item", "day", ("id",), (Column("day", "DATE", "d"), Column("id", "VARCHAR", "i"))
)


@pytest.mark.parametrize(
    ("actual", "problem"),
    [
        # a column the query added without documenting it
        ({"day": "DATE", "id": "VARCHAR", "extra": "INTEGER"}, "items.extra: not documented"),
        # a documented column the query no longer returns
        ({"day": "DATE"}, "items.id: declared but not returned"),
        # a type that changed under the readers' feet
        ({"day": "DATE", "id": "BIGINT"}, "items.id: type BIGINT, declared VARCHAR"),
    ],
)
def test_contract_drift_names_the_column(actual, problem):
    assert any(problem in d for d in contract_drift(DATASET, actual))


def test_contract_holds_when_query_matches():
    assert contract_drift(DATASET, {"day": "DATE", "id": "VARCHAR"}) == []


@pytest.mark.parametrize(
    ("spec", "grains", "problem"),
    [
        # a query dropped in sql/export without its columns.toml entry
        ({}, {"items": "g"}, "items: a query with no entry"),
        # a column without a meaning
        ({"items": {"key": ["id"], "columns": {"id": {"type": "VARCHAR"}}}}, {"items": "g"},
         "items.id: no type"),
        # a key that is not a column
        ({"items": {"key": ["nope"], "columns": {"id": {"type": "VARCHAR", "meaning": "m"}}}}, {"items": "g"},
         "'nope' is not a column"),
    ],
)  # fmt: skip
def test_parse_datasets_refuses_incomplete_contracts(spec, grains, problem):
    with pytest.raises(ExportContractError, match=problem):
        parse_datasets(spec, grains)


def test_dictionary_lists_every_column_with_type_and_meaning():
    text = render_dictionary([DATASET])
    assert "## items" in text and "one row per item" in text
    assert "| `id` | VARCHAR | i |" in text
    assert "items/day=YYYY-MM-DD/" in text
