"""The built wheel works outside the checkout: package data ships, state goes to the current directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import REPO, SAMPLE_DIR

UV = Path(sys.executable).parent / "uv"
# Two days of the French sample: enough headlines for trends, small enough for a one-minute test.
DUMPS = sorted((SAMPLE_DIR / "fr" / "2024-12-02").glob("*.txt"))[:6]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from a copy of the checkout (no build files left in the repo)."""
    source = tmp_path_factory.mktemp("src") / "tickerhouse"
    skip = shutil.ignore_patterns(".*", "build", "*.egg-info", "state", "exports", "out", "*.duckdb*")
    shutil.copytree(REPO, source, ignore=skip)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [str(UV), "build", "--wheel", "--quiet", "--out-dir", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("tickerhouse-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel and its pinned dependencies; returns its bin/ folder."""
    venv = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    subprocess.run(
        [
            str(UV), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
            "-c", str(REPO / "requirements.lock"), str(wheel),
        ],
        check=True,
    )  # fmt: skip
    return venv / "bin"


def test_wheel_installs_one_top_level_package_with_its_sql_and_reference_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"tickerhouse"}
    for shipped in (
        "tickerhouse/sql/queries/summary.sql",
        "tickerhouse/sql/tables/ticker_snapshots.sql",
        "tickerhouse/sql/export/columns.toml",
        "tickerhouse/data/outlets.csv",
        "tickerhouse/data/topics.toml",
        "tickerhouse/flows/ingest_dumps.py",
        "tickerhouse/transforms/parse.py",
    ):
        assert shipped in names
    assert not [n for n in names if "/sample/" in n], "the sample corpus is input, not package data"


def test_installed_tool_runs_every_command_from_a_folder_outside_the_checkout(installed, tmp_path):
    work = tmp_path / "elsewhere"
    (work / "dumps").mkdir(parents=True)
    for dump in DUMPS:
        shutil.copy(dump, work / "dumps" / dump.name)
    # Only the venv's own PATH: nothing of the checkout or its .venv is importable.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TICKERHOUSE_", "PREFECT_", "PYTHON"))}
    env["PATH"] = f"{installed}:/usr/bin:/bin"

    def tickerhouse(*args: str) -> str:
        done = subprocess.run(
            [str(installed / "tickerhouse"), *args], cwd=work, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "loaded 6" in tickerhouse("ingest", "dumps", "--quiet")
    assert (work / "data" / "warehouse.duckdb").is_file()
    assert (work / "state").is_dir()
    rows = tickerhouse("sql", "select count(*) as n from ticker_snapshots", "--format", "json")
    assert json.loads(rows) == {"n": 6}
    assert "period_start" in tickerhouse("trends", "--format", "csv")
    assert tickerhouse("sql", "--saved", "top_outlets", "--param", "days=3650", "--format", "csv").strip()
    tags = json.loads(tickerhouse("tag", "Botola : le Raja bat le Wydad").splitlines()[0])
    assert "football" in [t["topic"] for t in tags["topics"]]
    assert "headlines" in tickerhouse("export")
    assert (work / "exports" / "current" / "headlines").is_dir()
    site = next((installed.parent / "lib").glob("python*/site-packages"))
    assert not (site / "state").exists() and not (site / "tickerhouse" / "state").exists()
