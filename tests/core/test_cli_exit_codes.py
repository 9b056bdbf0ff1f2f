"""One exit-code table for every command: each code through main(), one line on stderr, no traceback."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tickerhouse import errors
from tickerhouse import warehouse as wh
from tickerhouse.cli import EXIT_CODES, exit_code, main
from tickerhouse.settings import SettingsError
from tickerhouse.transforms.export_plan import ExportContractError


def _one_line(err: str, command: str) -> str:
    # A command that runs a flow first says which Prefect API it uses (README, "Commands"); then the error.
    if err.startswith("Prefect API: "):
        err = err.split("\n", 1)[1]
    assert err.startswith(f"tickerhouse {command}: ") and "Traceback" not in err
    return err


@pytest.fixture
def newer(tmp_path) -> Path:
    """A warehouse whose schema a newer tickerhouse made."""
    target = tmp_path / "newer.duckdb"
    wh.connect(target).close()
    con = duckdb.connect(str(target))
    con.execute("update schema_meta set value = '999' where key = 'schema_version'")
    con.close()
    return target


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--out", "{tmp}/out"],
        ["retag"],
        ["rebuild"],
        ["trends"],
        ["sql", "select 1"],
        ["ingest", "{tmp}", "--quiet"],
    ],
)
def test_newer_schema_exits_4_before_any_flow_starts(newer, tmp_path, capsys, args):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main([*argv, "--warehouse", str(newer)]) == 4
    err = _one_line(capsys.readouterr().err, argv[0])
    assert "schema version 999" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()  # the export wrote nothing, not even its folder


@pytest.mark.parametrize("command", ["export", "retag", "rebuild", "trends", "sql"])
def test_missing_warehouse_exits_2_and_creates_none(tmp_path, capsys, command):
    target = tmp_path / "none.duckdb"
    argv = [command, "select 1"] if command == "sql" else [command]
    assert main([*argv, "--warehouse", str(target)]) == 2
    assert "no warehouse at" in _one_line(capsys.readouterr().err, command)
    assert not target.exists()


@pytest.mark.parametrize("command", ["ingest", "sql", "parse"])
def test_a_bad_setting_exits_2_naming_the_variable(monkeypatch, tmp_path, capsys, command):
    monkeypatch.setenv("TICKERHOUSE_RUNNER", "proces")
    argv = {"ingest": ["ingest", str(tmp_path)], "sql": ["sql", "select 1"], "parse": ["parse", "x.txt"]}
    assert main(argv[command]) == 2
    err = _one_line(capsys.readouterr().err, command)
    assert "TICKERHOUSE_RUNNER='proces'" in err and "'process', 'thread' or 'dask'" in err
    assert err.count("\n") == 1


@pytest.fixture
def lock_held_elsewhere(tmp_path, monkeypatch):
    """The run lock held by another process (as a running ingest holds it), in this test's state dir."""
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("TICKERHOUSE_STATE_DIR", str(state))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; h = open(sys.argv[1], 'w'); fcntl.flock(h, fcntl.LOCK_EX); "
            "print('held', flush=True); time.sleep(60)",
            str(state / "ingest.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.usefixtures("lock_held_elsewhere")
@pytest.mark.parametrize("command", ["ingest", "export", "retag", "rebuild"])
def test_busy_run_lock_exits_3(tmp_path, capsys, command):
    target = tmp_path / "w.duckdb"
    wh.connect(target).close()
    before = target.stat().st_mtime_ns
    argv = [command, str(tmp_path / "landing")] if command == "ingest" else [command]
    (tmp_path / "landing").mkdir()
    assert main([*argv, "--warehouse", str(target), "--lock-timeout", "0"]) == 3
    assert "another ingest is running" in _one_line(capsys.readouterr().err, command)
    assert target.stat().st_mtime_ns == before  # waited for nothing, touched nothing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sql"], "give a QUERY, --saved NAME or --list"),
        (["sql", "--saved", "no_such_query"], "no saved query 'no_such_query'"),
        (["retag", "--taxonomy", "{tmp}/nope.toml"], "no taxonomy file"),
    ],
)
def test_bad_argument_exits_2(tmp_path, capsys, args, message):
    target = tmp_path / "w.duckdb"
    wh.connect(target).close()
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main([*argv, "--warehouse", str(target)]) == 2
    assert message in _one_line(capsys.readouterr().err, argv[0])


def test_failed_query_exits_1(tmp_path, capsys):
    target = tmp_path / "w.duckdb"
    wh.connect(target).close()
    assert main(["sql", "select * from no_such_table", "--warehouse", str(target)]) == 1
    assert "CatalogException" in _one_line(capsys.readouterr().err, "sql")


@pytest.mark.usefixtures("prefect_harness")
def test_failing_check_stops_the_export_with_1(tmp_path, capsys):
    target = tmp_path / "w.duckdb"
    wh.connect(target).close()
    con = duckdb.connect(str(target))
    # a ticker item of no snapshot and no headline: items_reference_headlines must catch it
    con.execute("insert into ticker_items values ('s', 1, 'no-such-headline', 'orphan', 'fr')")
    con.close()
    assert main(["export", "--out", str(tmp_path / "out"), "--warehouse", str(target)]) == 1
    err = _one_line(capsys.readouterr().err, "export")
    assert "checks failed" in err and "items_reference_headlines" in err
    assert not (tmp_path / "out" / "current").exists()


def test_every_error_kind_has_its_code():
    kinds = [k for k in vars(errors).values() if isinstance(k, type) and issubclass(k, Exception)]
    assert all(exit_code(kind("x")) is not None for kind in kinds)
    codes = {kind: code for kind, code in EXIT_CODES}
    assert codes[errors.ChecksFailedError] == codes[errors.QueryError] == codes[ExportContractError] == 1
    assert codes[SettingsError] == codes[errors.UsageError] == codes[FileNotFoundError] == 2
    assert (codes[errors.BusyError], codes[errors.NewerSchemaError]) == (3, 4)
    assert codes[errors.ApiUnreachableError] == 5
    # a path the user gave that cannot be used is theirs to fix (2); any other OS error fails the run (1)
    assert exit_code(PermissionError(13, "Permission denied")) == exit_code(NotADirectoryError()) == 2
    assert exit_code(OSError(5, "Input/output error")) == 1
    assert exit_code(wh.WarehouseLockedError("x")) == 3 and exit_code(wh.SchemaVersionError("x")) == 4
    assert exit_code(errors.NotFoundError("x")) == 2
    assert exit_code(KeyError("x")) is None  # a bug keeps its traceback


def test_the_cli_imports_nothing_heavy():
    code = "import sys, tickerhouse.cli; print(sorted({'pandas', 'prefect', 'tqdm'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
