"""Security: no SQL built by formatting, manifests stay inside their folder, ad-hoc SQL is read-only."""

from __future__ import annotations

import ast
import tomllib

import duckdb
import pytest

from helpers import REPO
from tickerhouse import warehouse as wh
from tickerhouse.io.discovery import read_manifest

SQL_CALLS = {"execute", "executemany", "sql", "query"}


def _formatted(node: ast.expr) -> bool:
    """True for an f-string with placeholders, `"..." % x`, or `"...".format(...)`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return isinstance(node.left, ast.Constant | ast.JoinedStr) or _formatted(node.left)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def _offenders() -> list[str]:
    out = []
    files = [
        *REPO.glob("tickerhouse/**/*.py"),
        *REPO.glob("flows/*.py"),
        *REPO.glob("transforms/*.py"),
        *REPO.glob("bench/*.py"),
    ]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SQL_CALLS
                and node.args
                and _formatted(node.args[0])
            ):
                out.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return out


def test_no_sql_is_built_by_formatting():
    assert _offenders() == []


def test_the_detector_catches_each_formatting_style():
    for code in (
        'con.execute(f"select {x}")',
        'con.execute("select %s" % x)',
        'con.sql("select {}".format(x))',
    ):
        call = ast.parse(code).body[0].value
        assert _formatted(call.args[0]), code


def test_ruff_flags_sql_string_building():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "S608" in config["tool"]["ruff"]["lint"]["select"]


@pytest.mark.parametrize(
    "name",
    [
        "../outside.txt",  # parent folder
        "/etc/passwd",  # absolute path
        "sub/../../outside.txt",  # climbs out through a subfolder
        "link_out/outside.txt",  # a symlinked folder pointing outside
    ],
)
def test_manifest_cannot_name_files_outside_its_folder(tmp_path, name):
    landing = tmp_path / "landing"
    (landing / "sub").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("x")
    (landing / "link_out").symlink_to(tmp_path)
    (landing / "inside.txt").write_text("x")
    manifest = landing / "manifest.csv"
    manifest.write_text(f"file,captured_at\n{name},2024-12-23T10:00:00\ninside.txt,2024-12-23T10:00:00\n")
    stamps = read_manifest(manifest)
    assert list(stamps) == [str((landing / "inside.txt").resolve())]


def test_read_only_connection_cannot_write(tmp_path):
    target = tmp_path / "w.duckdb"
    wh.connect(target).close()
    con = wh.connect(target, read_only=True)
    try:
        with pytest.raises(duckdb.InvalidInputException, match="read-only"):
            con.execute("drop table raw_dumps")
    finally:
        con.close()
