"""TICKERHOUSE_* variables read as a user sets them: types, bounds, aliases, and one line naming a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tickerhouse.settings import SettingsError, load_settings


def test_values_are_typed_and_relative_paths_sit_under_home(monkeypatch, tmp_path):
    monkeypatch.setenv("TICKERHOUSE_HOME", str(tmp_path))
    monkeypatch.setenv("TICKERHOUSE_WAREHOUSE", "w.duckdb")
    monkeypatch.setenv("TICKERHOUSE_STATE_DIR", "st")
    monkeypatch.delenv("TICKERHOUSE_STAGING", raising=False)
    monkeypatch.setenv("TICKERHOUSE_WORKERS", " 1_000 ")
    monkeypatch.setenv("TICKERHOUSE_LOCK_TIMEOUT", "2.5")  # the variable is named without _S
    monkeypatch.setenv("tickerhouse_allow_symlinks_outside", "Yes")  # any case, as pydantic-settings read
    settings = load_settings()
    assert settings.warehouse == tmp_path / "w.duckdb"
    assert settings.staging == str(tmp_path / "st" / "staging")
    assert (settings.workers, settings.lock_timeout_s, settings.allow_symlinks_outside) == (1000, 2.5, True)
    assert isinstance(settings.state_dir, Path)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TICKERHOUSE_WORKERS", "0", "Input should be greater than 0"),
        (
            "TICKERHOUSE_BATCH_SIZE",
            "4.5",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        ("TICKERHOUSE_SETTLE_S", "-1", "Input should be greater than or equal to 0"),
        ("TICKERHOUSE_LOCK_TIMEOUT", "nan", "Input should be greater than or equal to 0"),
        (
            "TICKERHOUSE_DUMP_TIME_BUDGET_S",
            "٣",
            "Input should be a valid number, unable to parse string as a number",
        ),
        (
            "TICKERHOUSE_ALLOW_SYMLINKS_OUTSIDE",
            "maybe",
            "Input should be a valid boolean, unable to interpret input",
        ),
        ("TICKERHOUSE_RUNNER", "Thread", "Input should be 'process', 'thread' or 'dask'"),
    ],
)
def test_a_bad_value_is_named_with_why(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == f"{variable}={value!r}: {message}"


def test_the_first_bad_field_in_declaration_order_is_named(monkeypatch):
    monkeypatch.setenv("TICKERHOUSE_RUNNER", "x")
    monkeypatch.setenv("TICKERHOUSE_WORKERS", "0")
    with pytest.raises(SettingsError, match=r"^TICKERHOUSE_WORKERS="):
        load_settings()
