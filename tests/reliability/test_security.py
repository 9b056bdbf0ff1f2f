"""Security: no SQL built by formatting, manifests stay inside their folder, ad-hoc SQL is sandboxed."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import duckdb
import pytest

from helpers import REPO, SAMPLE_DIR, query
from tickerhouse import warehouse as wh
from tickerhouse.cli import main
from tickerhouse.flows.ingest_dumps import ingest_dumps
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


@pytest.fixture(scope="module")
def archived(prefect_harness, tmp_path_factory) -> Path:
    """A warehouse with a raw archive (one sample day ingested), a second warehouse and a secret beside it."""
    root = tmp_path_factory.mktemp("sandbox")
    target = root / "warehouse.duckdb"
    ingest_dumps(paths=[str(SAMPLE_DIR / "fr" / "2024-12-02")], warehouse=str(target))
    wh.connect(root / "other.duckdb").close()
    (root / "secret.txt").write_text("not for the analyst\n")
    return target


def _sql(target: Path, query: str, capsys) -> tuple[int, str, str]:
    code = main(["sql", query, "--warehouse", str(target), "--format", "csv"])
    out, err = capsys.readouterr()
    return code, out, err


# Each attempt and what its one-line refusal says.
ESCAPES = {
    "copy_out": ("copy (select * from raw_dumps) to '{root}/stolen.csv'", "COPY is not allowed"),
    "copy_into_archive": (
        "copy (select 1 as dump_id) to '{root}/warehouse.raw/x/y.parquet'",
        "COPY is not allowed",
    ),
    "passwd": ("select * from read_text('/etc/passwd')", "Permission"),
    "environ": ("select * from read_text('/proc/self/environ')", "Permission"),
    "secret_beside": ("select * from read_blob('{root}/secret.txt')", "Permission"),
    "climb_out_of_archive": ("select * from read_text('{root}/warehouse.raw/../secret.txt')", "Permission"),
    "glob": ("select * from glob('{root}/*')", "Permission"),
    "url": ("select * from read_csv('http://127.0.0.1:9/x.csv')", "Permission"),
    "attach": ("attach '{root}/other.duckdb' as other", "ATTACH is not allowed"),
    "set": ("set memory_limit = '64GB'", "SET is not allowed"),
    "install": ("install httpfs", "LOAD is not allowed"),  # DuckDB parses INSTALL as a LOAD statement
    "load": ("load httpfs", "LOAD is not allowed"),
    "export": ("export database '{root}/dump'", "EXPORT is not allowed"),
    "temp_table": ("create temp table t as select 1", "CREATE is not allowed"),
    "second_statement": ("select 1; copy (select 1) to '{root}/x.csv'", "COPY is not allowed"),
    "pragma_that_sets": ("pragma enable_profiling", "locked"),
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_adhoc_sql_cannot_leave_the_warehouse(archived, capsys, name):
    query_text, refusal = ESCAPES[name]
    root = archived.parent
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    code, out, err = _sql(archived, query_text.format(root=root), capsys)
    assert code == 1 and out == ""
    assert err.startswith("tickerhouse sql: ") and refusal in err
    assert err.count("\n") == 1 and "Traceback" not in err  # one line
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before  # nothing written


def test_the_sandbox_holds_without_the_statement_filter(archived, tmp_path):
    """The connection itself refuses: the statement filter is a second wall, not the only one."""
    con = wh.connect_sandboxed(archived)
    try:
        for attempt in (
            f"copy (select 1) to '{tmp_path / 'x.csv'}'",
            f"attach '{archived.parent / 'other.duckdb'}' as other",
            "select * from read_text('/etc/passwd')",
        ):
            with pytest.raises(duckdb.PermissionException):
                con.execute(attempt)
        for attempt in ("set enable_external_access = true", "reset lock_configuration"):
            with pytest.raises(duckdb.InvalidInputException, match="locked"):
                con.execute(attempt)
    finally:
        con.close()
    assert not (tmp_path / "x.csv").exists()


def test_the_raw_archive_and_saved_queries_stay_readable(archived, capsys, monkeypatch):
    monkeypatch.chdir(archived.parent)
    code, out, err = _sql(
        archived,
        "select count(*) as n from raw_dumps as d join read_parquet('warehouse.raw/*/*.parquet', "
        "filename = true) as a on a.dump_id = d.dump_id and a.filename = 'warehouse.raw/' || d.raw_file",
        capsys,
    )
    assert code == 0, err
    assert int(out.splitlines()[1]) == query(archived, "select count(*) from raw_dumps")[0][0] > 0
    assert main(["sql", "--saved", "headline_dwell", "--param", "days=7", "--warehouse", str(archived)]) == 0
    assert main(["trends", "--warehouse", str(archived), "--format", "csv"]) == 0
