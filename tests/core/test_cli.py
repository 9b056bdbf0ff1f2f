"""The tickerhouse command line as a user runs it: parse, sql (read-only, saved queries), ingest errors."""

import csv
import io
import json
import shutil

import duckdb
import pytest

from helpers import SAMPLE_DIR
from tickerhouse import warehouse as wh
from tickerhouse.cli import main, print_rows

SEED = SAMPLE_DIR / "000_46a3b748499c8f06.txt"
ARTICLE_KEYS = {
    "title",
    "source_raw",
    "source",
    "published_date",
    "date_suspect",
    "language",
    "paragraphs",
    "captions",
}


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_parse_prints_one_object_per_file(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert main(["parse", str(SEED), str(empty)]) == 0
    seed, bad = _json_lines(capsys.readouterr().out)
    assert {"file", "usable", "reject_reason", "ticker", "ticker_capture_date", "article", "lines"} <= set(
        seed
    )
    assert (seed["file"], seed["usable"], seed["reject_reason"]) == (str(SEED), True, None)
    assert len(seed["ticker"]) == 48 and seed["ticker"][9] == "Cours des devises du lundi 23 décembre 2024"
    assert seed["ticker_capture_date"] == "2024-12-23"
    article = seed["article"]
    assert ARTICLE_KEYS <= set(article)
    assert article["title"] == "Défense : Israël et le Maroc signent un mémorandum d'entente historique"
    assert (article["source_raw"], article["source"], article["published_date"]) == (
        "Hespress",
        "Hespress",
        "2021-11-24",
    )
    assert (article["date_suspect"], article["language"]) == (False, "fr")
    assert len(article["paragraphs"]) == 4 and len(article["captions"]) == 3
    assert [line["label"] for line in seed["lines"]][:2] == ["ticker", "blank"]
    assert seed["lines"][14] == {"n": 15, "label": "byline", "text": "Publié dans Hespress le 24 - 11 - 2021"}
    assert (bad["usable"], bad["reject_reason"], bad["ticker"], bad["article"]) == (
        False,
        "empty file: 0 bytes",
        [],
        None,
    )


def test_ingest_missing_path_exits_2(capsys, tmp_path):
    assert (
        main(["ingest", str(tmp_path / "missing"), "--warehouse", str(tmp_path / "w.duckdb"), "--quiet"]) == 2
    )
    assert "no such file or folder" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()


@pytest.fixture(scope="module")
def warehouse(prefect_harness, tmp_path_factory) -> str:
    """A warehouse holding the seed and one empty (rejected) file, built through the CLI."""
    folder = tmp_path_factory.mktemp("landing")
    shutil.copyfile(SEED, folder / "seed.txt")
    (folder / "empty.txt").write_bytes(b"")
    target = str(tmp_path_factory.mktemp("wh") / "w.duckdb")
    assert main(["ingest", str(folder), "--warehouse", target, "--quiet"]) == 0
    return target


def test_ingest_prints_its_summary(warehouse, capsys):
    assert main(["ingest", str(SEED), "--warehouse", warehouse, "--quiet"]) == 0
    out = capsys.readouterr().out
    # the seed again under its own path: a new file row, the dump itself already there
    assert "files seen 1, new 1, loaded 0, rejected 0, duplicates of stored dumps 1" in out
    assert f"  duplicate {SEED}: same bytes as " in out and "seed.txt (loaded)" in out
    assert "+       1 dump_files" in out and "+       0 raw_dumps" in out


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("table", "ticker_snapshots  48  2024-12-23"),  # aligned columns
        ("csv", "table_name,n,day\r\nticker_snapshots,48,2024-12-23\r\n"),
        ("json", '{"table_name": "ticker_snapshots", "n": 48, "day": "2024-12-23"}\n'),
    ],
)
def test_sql_formats(warehouse, capsys, fmt, expected):
    query = "select 'ticker_snapshots' as table_name, n_items as n, stated_date as day from ticker_snapshots"
    assert main(["sql", query, "--format", fmt, "--warehouse", warehouse]) == 0
    out = capsys.readouterr().out
    if fmt == "table":
        assert " ".join(out.splitlines()[1].split()) == " ".join(expected.split())
    else:
        assert out == expected


def test_the_table_aligns_columns_as_pandas_did_and_prints_null(capsys):
    rows = [
        ("2024-12-01", "football", 0.25, 194, None, ["a", "b"]),
        ("2024-12-02", "international", 0.0708661417, 54, True, []),
        ("2024-12-03", None, None, 7, False, None),
    ]
    print_rows(["day", "topic", "share", "slots", "flag", "terms"], rows, "table")
    assert capsys.readouterr().out.splitlines() == [
        "       day         topic    share  slots  flag  terms",
        "2024-12-01      football 0.250000    194  NULL [a, b]",
        "2024-12-02 international 0.070866     54  True     []",
        "2024-12-03          NULL     NULL      7 False   NULL",
    ]
    print_rows(["x"], [(0.5,), (12.25,), (1e-9,)], "table")  # one number of decimals a column
    assert capsys.readouterr().out.splitlines() == [
        "           x",
        "5.000000e-01",
        "1.225000e+01",
        "1.000000e-09",
    ]
    print_rows(["x", "long"], [(0.5, "é" * 100), (12.0, "a\nb")], "table")
    assert capsys.readouterr().out.splitlines()[1:] == [
        " 0.5 " + "é" * 77 + "...",
        "12.0 " + "a\\nb".rjust(80),
    ]


def test_sql_csv_quotes_commas(warehouse, capsys):
    assert main(["sql", "select title from articles", "--format", "csv", "--warehouse", warehouse]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["title"], ["Défense : Israël et le Maroc signent un mémorandum d'entente historique"]]


@pytest.mark.parametrize(
    "query",
    [
        "insert into rejects values ('k', null, 'p', 'r', null, now(), 'x')",
        "drop table articles",
        "'); drop table articles; --",
    ],
)
def test_sql_cannot_write(warehouse, capsys, query):
    before = wh.table_counts(duckdb.connect(warehouse, read_only=True))
    assert main(["sql", query, "--warehouse", warehouse]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tickerhouse sql: ") and "Traceback" not in err
    con = duckdb.connect(warehouse, read_only=True)
    try:
        assert wh.table_counts(con) == before
    finally:
        con.close()


def test_sql_saved_query_with_param(warehouse, capsys):
    assert (
        main(
            [
                "sql",
                "--saved",
                "top_outlets",
                "--param",
                "days=30",
                "--format",
                "json",
                "--warehouse",
                warehouse,
            ]
        )
        == 0
    )
    assert _json_lines(capsys.readouterr().out) == [{"outlet": "Hespress", "known": True, "articles": 1}]
    assert main(["sql", "--saved", "reject_reasons", "--format", "csv", "--warehouse", warehouse]) == 0
    assert capsys.readouterr().out == "reason,files\r\nempty file,1\r\n"


def test_sql_unknown_saved_query_lists_the_known_ones(warehouse, capsys):
    assert main(["sql", "--saved", "no_such_query", "--warehouse", warehouse]) == 2
    err = capsys.readouterr().err
    assert "no saved query 'no_such_query'" in err and "top_outlets" in err


def test_sql_param_without_value_is_refused(warehouse, capsys):
    assert main(["sql", "--saved", "top_outlets", "--param", "days", "--warehouse", warehouse]) == 2
    assert capsys.readouterr().err == "tickerhouse sql: --param wants NAME=VALUE, got 'days'\n"


def test_sql_on_missing_warehouse(capsys, tmp_path):
    assert main(["sql", "select 1", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "run `tickerhouse ingest` first" in capsys.readouterr().err
    assert not (tmp_path / "none.duckdb").exists()
