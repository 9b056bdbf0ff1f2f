"""Answers in one line: every failure a user can cause ends in one line and its exit code, arguments are
checked before any work, `--debug` shows the traceback, a closed pipe ends quietly; outputs a script reads."""

import csv
import io
import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import SAMPLE_DIR, error_line
from tickerhouse import warehouse as wh
from tickerhouse.cli import main
from tickerhouse.errors import user_message
from tickerhouse.resources import sql_names

SEED = SAMPLE_DIR / "000_46a3b748499c8f06.txt"


@pytest.fixture
def warehouse(tmp_path) -> Path:
    """An empty warehouse with the full schema."""
    path = tmp_path / "w.duckdb"
    wh.connect(path).close()
    return path


@pytest.fixture
def unreachable_api(monkeypatch) -> str:
    """PREFECT_API_URL pointing at a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    monkeypatch.setenv("PREFECT_API_URL", url)
    return url


def test_parse_of_a_missing_file_exits_2_before_parsing_any(tmp_path, capsys):
    assert main(["parse", str(SEED), str(tmp_path / "nope.txt")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # the existing file was not parsed either: arguments come first
    assert error_line(captured.err) == f"tickerhouse parse: no such file: {tmp_path / 'nope.txt'}"


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--out", "{file}/exports"],
        ["export", "--dictionary", "{file}/dictionary.md"],
        ["report", "--out", "{file}/report.html"],
    ],
)
def test_writing_under_a_file_is_refused_before_any_work(warehouse, tmp_path, capsys, args):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    argv = [a.replace("{file}", str(in_the_way)) for a in args]
    assert main([*argv, "--warehouse", str(warehouse)]) == 2
    err = error_line(capsys.readouterr().err)  # no `Prefect API:` line either: no flow started
    assert err.startswith(f"tickerhouse {argv[0]}: cannot write ") and f"{in_the_way} is a file" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder anyway")
def test_export_to_a_read_only_folder_is_refused_up_front(warehouse, tmp_path, capsys):
    read_only = tmp_path / "ro"
    read_only.mkdir(mode=0o555)
    assert main(["export", "--out", str(read_only / "exports"), "--warehouse", str(warehouse)]) == 2
    assert "Permission denied" in error_line(capsys.readouterr().err)


def test_an_os_error_is_one_line_and_debug_shows_its_traceback(tmp_path, capsys):
    # a folder where tag reads a file of texts: IsADirectoryError, mapped to 2
    assert main(["tag", "--file", str(tmp_path)]) == 2
    assert error_line(capsys.readouterr().err) == f"tickerhouse tag: Is a directory: {tmp_path}"
    for argv in (["--debug", "tag", "--file", str(tmp_path)], ["tag", "--file", str(tmp_path), "--debug"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("Traceback (most recent call last):") and "IsADirectoryError" in err
        assert err.splitlines()[-1] == f"tickerhouse tag: Is a directory: {tmp_path}"


def test_user_message_of_os_errors():
    assert user_message(PermissionError(13, "Permission denied", "/x/y")) == "Permission denied: /x/y"
    assert user_message(OSError(18, "Invalid cross-device link", "/a", None, "/b")) == (
        "Invalid cross-device link: /a -> /b"
    )
    assert user_message(ValueError("plain")) == "plain"


def test_serve_with_an_unreachable_prefect_server_exits_5(unreachable_api, capsys):
    assert main(["serve"]) == 5
    err = error_line(capsys.readouterr().err)
    assert err == (
        f"tickerhouse serve: the Prefect API at {unreachable_api} (PREFECT_API_URL) does not answer: start "
        "it, point PREFECT_API_URL at a running server, or unset it (README, 'Commands')"
    )


def test_a_flow_command_with_an_unreachable_prefect_server_exits_5(unreachable_api, warehouse, capsys):
    assert main(["retag", "--warehouse", str(warehouse)]) == 5
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"Prefect API: {unreachable_api} (PREFECT_API_URL)"
    assert "does not answer" in error_line(err)


def test_sql_into_a_closed_pipe_ends_quietly(warehouse):
    # `tickerhouse sql ... | head -1`: the reader leaves after one line
    command = [str(Path(sys.executable).with_name("tickerhouse")), "sql", "select range from range(300000)"]
    proc = subprocess.Popen(
        [*command, "--format", "csv", "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline() == b"range\r\n"
    proc.stdout.close()
    assert proc.wait(timeout=60) == 141  # 128 + SIGPIPE, as a Unix tool killed by it
    assert proc.stderr.read() == b""


def test_sql_list_shows_saved_queries_with_parameters_and_defaults(capsys):
    assert main(["sql", "--list"]) == 0
    out = capsys.readouterr().out
    names = [line.split(":")[0] for line in out.splitlines()[1:] if not line.startswith(" ")]
    assert names == sql_names("queries")
    assert not set(names) & set(sql_names("internal"))  # the product's own queries are not saved ones
    assert "top_outlets: one row per outlet: articles published in the last $days days" in out
    assert "    --param days=30 " in out and "    --param by=day " in out and "--param as_of=null " in out


def test_saved_queries_take_their_defaults_and_refuse_other_parameters(warehouse, capsys):
    assert main(["sql", "--saved", "headline_dwell", "--format", "csv", "--warehouse", str(warehouse)]) == 0
    assert capsys.readouterr().out.startswith("headline,language,first_seen")
    args = ["sql", "--saved", "top_outlets", "--param", "day=3", "--warehouse", str(warehouse)]
    assert main(args) == 2
    assert error_line(capsys.readouterr().err) == (
        "tickerhouse sql: saved query 'top_outlets' has no parameter day (has: days)"
    )
    assert main(["sql", "--saved", "table_counts", "--warehouse", str(warehouse)]) == 2
    assert "no saved query 'table_counts'" in capsys.readouterr().err


def test_csv_lists_are_json_arrays_and_json_dates_iso(warehouse, capsys):
    query = "select ['football', 'sports'] as topics, {'a': 1} as s, date '2024-12-01' as d"
    assert main(["sql", query, "--format", "csv", "--warehouse", str(warehouse)]) == 0
    header, row = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert header == ["topics", "s", "d"] and row == ['["football","sports"]', '{"a":1}', "2024-12-01"]
    assert json.loads(row[0]) == ["football", "sports"]
    query = "select date '2024-12-01' as d, timestamp '2024-12-01 10:15:00' as t"
    assert main(["sql", query, "--format", "json", "--warehouse", str(warehouse)]) == 0
    assert json.loads(capsys.readouterr().out) == {"d": "2024-12-01", "t": "2024-12-01T10:15:00"}


@pytest.fixture
def logger_levels(monkeypatch):
    """Prefect's and Dask's logger levels and variables as they were, restored after the test."""
    monkeypatch.delenv("DASK_LOGGING__DISTRIBUTED", raising=False)
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", os.environ.get("PREFECT_LOGGING_LEVEL", "INFO"))
    loggers = [logging.getLogger(name) for name in ("prefect", "distributed")]
    levels = [lg.level for lg in loggers]
    yield
    for lg, level in zip(loggers, levels, strict=True):
        lg.setLevel(level)


@pytest.mark.usefixtures("logger_levels")
def test_quiet_turns_info_lines_off_in_the_dask_workers_too(tmp_path, capsys):
    # `ingest --runner dask` printed 33 INFO lines of Dask's for one dump; the workers are processes
    # of their own, so they must read it from the environment they inherit
    (tmp_path / "landing").mkdir()
    argv = ["ingest", str(tmp_path / "landing"), "--warehouse", str(tmp_path / "w.duckdb"), "--quiet"]
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("nothing new")
    worker = "import logging, distributed; print(logging.getLogger('distributed.worker').getEffectiveLevel())"
    level = subprocess.run([sys.executable, "-c", worker], capture_output=True, text=True, check=True)
    assert int(level.stdout) == logging.WARNING
    assert logging.getLogger("distributed").level == logging.getLogger("prefect").level == logging.WARNING
