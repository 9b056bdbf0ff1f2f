"""The `tickerhouse` command line: ingest, parse, sql."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from flows import warehouse as wh
from flows.settings import OUTLETS_CSV, SQL_DIR, load_settings
from transforms.dates import ticker_stated_date
from transforms.parse import parse_dump
from transforms.tables import SourceFile, build_tables

FORMATS = ("table", "csv", "json")


def print_rows(columns: list[str], rows: list[tuple], fmt: str) -> None:
    """Print query rows as an aligned table, CSV, or JSON lines (dates and times in ISO 8601)."""
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "json":
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=str))
    elif rows:
        df = pd.DataFrame.from_records(rows, columns=columns)
        print(df.to_string(index=False, na_rep="NULL", max_colwidth=80))
    else:
        print(" ".join(columns) + "\n(no rows)")


def parse_file(path: Path) -> dict:
    """Return what tickerhouse reads in one file, as the JSON object `tickerhouse parse` prints."""
    content = path.read_bytes()
    parsed = parse_dump(content)
    stat = path.stat()
    source = SourceFile(str(path), stat.st_size, stat.st_mtime_ns, "")
    outlets = pd.read_csv(OUTLETS_CSV, dtype=str, keep_default_na=False)
    tables = build_tables([(source, content, parsed)], outlets, "parse", datetime.now(UTC))
    stated = ticker_stated_date(parsed.ticker) if parsed.ticker else None
    article = None
    if len(tables["articles"]):
        row = tables["articles"].iloc[0]
        published = row["published_date"]
        article = {
            "title": row["title"],
            "source_raw": row["source_raw"],
            "source": row["source"],
            "source_known": bool(row["source_known"]),
            "published_date": None if pd.isna(published) else str(published),
            "date_suspect": bool(row["date_suspect"]),
            "date_method": row["date_method"],
            "language": row["language"],
            "paragraphs": list(row["paragraphs"]),
            "captions": list(row["captions"]),
        }
    lines = parsed.text.split("\n") if parsed.labels else []
    return {
        "file": str(path),
        "usable": parsed.usable,
        "reject_reason": parsed.reject_reason,
        "encoding": parsed.encoding or None,
        "repairs": list(parsed.repairs),
        "ticker": list(parsed.ticker),
        "ticker_capture_date": None if stated is None else stated.isoformat(),
        "article": article,
        "lines": [
            {"n": i, "label": label, "text": text}
            for i, (label, text) in enumerate(zip(parsed.labels, lines, strict=True), start=1)
        ],
    }


def cmd_parse(args: argparse.Namespace) -> int:
    """Print one JSON object per file, without touching the warehouse."""
    status = 0
    for name in args.files:
        try:
            print(json.dumps(parse_file(Path(name)), ensure_ascii=False))
        except OSError as err:
            print(f"tickerhouse parse: cannot read {name}: {err}", file=sys.stderr)
            status = 1
    return status


def cmd_ingest(args: argparse.Namespace) -> int:
    """Run the ingest_dumps flow on the given paths and print its summary."""
    from flows.ingest_dumps import IngestBusyError, ingest_dumps

    settings = load_settings()
    target = args.warehouse or str(settings.warehouse)
    paths = args.paths or [str(settings.landing)]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        print(f"tickerhouse ingest: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        summary = ingest_dumps(paths=paths, warehouse=target, progress=not args.quiet)
    except (IngestBusyError, wh.WarehouseLockedError) as err:
        print(f"tickerhouse ingest: {err}", file=sys.stderr)
        return 3
    print(
        f"run {summary['run_id']}: files seen {summary['files_seen']}, new {summary['files_new']}, "
        f"loaded {summary['dumps_loaded']}, rejected {summary['dumps_rejected']}"
    )
    for table, n in summary["rows_added"].items():
        print(f"  +{n:>8} {table}")
    for reason, n in summary["reject_reasons"].items():
        print(f"  rejected {n:>4}: {reason}")
    failing = {c: n for c, n in summary["checks"].items() if n}
    if failing:
        print(f"  CHECKS FAILED: {failing}", file=sys.stderr)
        return 1
    return 0


def _params(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"tickerhouse sql: --param wants NAME=VALUE, got {pair!r}")
        out[key] = value
    return out


def cmd_sql(args: argparse.Namespace) -> int:
    """Run a query (or a saved one from sql/queries) on a read-only connection and print the rows."""
    if args.saved:
        saved = SQL_DIR / "queries" / f"{args.saved}.sql"
        if not saved.exists():
            names = sorted(p.stem for p in (SQL_DIR / "queries").glob("*.sql"))
            print(f"tickerhouse sql: no saved query {args.saved!r}; have {names}", file=sys.stderr)
            return 2
        query = saved.read_text(encoding="utf-8")
    elif args.query:
        query = args.query
    else:
        print("tickerhouse sql: give a QUERY or --saved NAME", file=sys.stderr)
        return 2
    target = Path(args.warehouse or load_settings().warehouse)
    try:
        con = wh.connect(target, read_only=True)
    except wh.WarehouseLockedError as err:
        print(
            f"tickerhouse sql: {err}\nAn ingest holds the write lock; retry when it ends, "
            "or query the latest Parquet export instead.",
            file=sys.stderr,
        )
        return 3
    except FileNotFoundError as err:
        print(f"tickerhouse sql: {err}", file=sys.stderr)
        return 2
    try:
        cursor = con.execute(query, _params(args.param) or None)
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    except duckdb.Error as err:
        print(f"tickerhouse sql: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    finally:
        con.close()
    print_rows(columns, rows, args.format)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="tickerhouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="ingest new dumps into the warehouse")
    p.add_argument("paths", nargs="*", help="files or folders (default: data/raw)")
    p.add_argument("--warehouse", help="DuckDB file (default: $TICKERHOUSE_WAREHOUSE)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("parse", help="print how each file is read, as JSON lines")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("sql", help="run a read-only query on the warehouse")
    p.add_argument("query", nargs="?")
    p.add_argument("--saved", help="name of a query in sql/queries")
    p.add_argument("--param", action="append", default=[], help="NAME=VALUE bound as $NAME")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--warehouse")
    p.set_defaults(func=cmd_sql)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tickerhouse` console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
