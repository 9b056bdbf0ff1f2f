"""The `tickerhouse` command line: ingest, rebuild, parse, sql, export, serve, tag, retag, trends."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from tickerhouse import warehouse as wh
from tickerhouse.resources import OUTLETS_CSV, SQL_DIR
from tickerhouse.settings import RUNNERS, load_settings

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
        import pandas as pd

        df = pd.DataFrame.from_records(rows, columns=columns)
        print(df.to_string(index=False, na_rep="NULL", max_colwidth=80))
    else:
        print(" ".join(columns) + "\n(no rows)")


def parse_file(path: Path) -> dict:
    """Return what tickerhouse reads in one file, as the JSON object `tickerhouse parse` prints."""
    import pandas as pd

    from tickerhouse.transforms.dates import ticker_stated_date
    from tickerhouse.transforms.parse import parse_dump
    from tickerhouse.transforms.source_file import SourceFile
    from tickerhouse.transforms.tables import build_tables

    content = path.read_bytes()
    parsed = parse_dump(content)
    stat = path.stat()
    source = SourceFile(str(path), stat.st_size, stat.st_mtime_ns)
    outlets = pd.read_csv(OUTLETS_CSV, dtype=str, keep_default_na=False)
    tables = build_tables([(source, content, parsed)], outlets, "parse", datetime.now(UTC))
    stated = ticker_stated_date(parsed.ticker) if parsed.ticker else None
    article = None
    if tables["articles"].num_rows:
        row = tables["articles"].to_pylist()[0]
        published = row["published_date"]
        article = {
            "title": row["title"],
            "source_raw": row["source_raw"],
            "source": row["source"],
            "source_known": bool(row["source_known"]),
            "published_date": None if published is None else str(published),
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
    from tickerhouse.io import storage
    from tickerhouse.io.discovery import find_new_files

    settings = load_settings()
    target = args.warehouse or str(settings.warehouse)
    paths = args.paths or [settings.landing]
    missing = [p for p in paths if not storage.exists(p)]
    if missing:
        print(f"tickerhouse ingest: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2

    def run() -> dict | None:
        # Opened (and migrated) before Prefect starts: a locked or too-new warehouse gets one line,
        # and a run with nothing new ends here, without paying Prefect's start-up.
        con = wh.connect(Path(target))
        new, n_seen = find_new_files(paths, wh.seen_files(con))
        con.close()
        if not new:
            print(f"nothing new: files seen {n_seen}, new 0 (no flow run started)")
            return None
        from tickerhouse.flows.ingest_dumps import ingest_dumps
        from tickerhouse.flows.runners import make_task_runner

        runner, local = make_task_runner(args.runner, settings.workers, args.dask_address)
        flow = ingest_dumps.with_options(task_runner=runner)
        return flow(paths=paths, warehouse=target, progress=not args.quiet, local_processes=local)

    summary = _as_writer("ingest", args.lock_timeout, run)
    if not isinstance(summary, dict):
        return summary
    print(
        f"run {summary['run_id']}: files seen {summary['files_seen']}, new {summary['files_new']}, "
        f"loaded {summary['dumps_loaded']}, rejected {summary['dumps_rejected']}"
    )
    for table, n in summary["rows_added"].items():
        print(f"  +{n:>8} {table}")
    for reason, n in summary["reject_reasons"].items():
        print(f"  rejected {n:>4}: {reason}")
    return _checks_exit(summary)


def _as_writer(
    command: str, lock_timeout: float | None, work: Callable[[], dict | None], hold_lock: bool = True
) -> dict | int | None:
    """Run work holding the run lock; a busy lock, a locked or too-new warehouse give one line and 3 or 4.

    hold_lock=False: the work takes the lock itself, only while it writes (enrich_topics).
    """
    from contextlib import nullcontext

    from tickerhouse.io.locks import IngestBusyError, run_lock

    settings = load_settings()
    wait_s = settings.lock_timeout_s if lock_timeout is None else lock_timeout
    try:
        with run_lock(settings.state_dir, wait_s) if hold_lock else nullcontext():
            return work() or 0  # None: finished early, nothing to report
    except (IngestBusyError, wh.WarehouseLockedError) as err:
        print(f"tickerhouse {command}: {err}", file=sys.stderr)
        return 3
    except wh.SchemaVersionError as err:
        print(f"tickerhouse {command}: {err}", file=sys.stderr)
        return 4


def _checks_exit(summary: dict) -> int:
    """Return 1 (and say which) when a check of the run found failing rows, else 0."""
    failing = {c: n for c, n in summary["checks"].items() if n}
    if failing:
        print(f"  CHECKS FAILED: {failing}", file=sys.stderr)
        return 1
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Re-derive every derived table from the stored dump bytes and print what changed."""
    from tickerhouse.flows.rebuild_warehouse import rebuild_warehouse

    target = Path(args.warehouse or load_settings().warehouse)
    if not target.exists():
        print(f"tickerhouse rebuild: no warehouse at {target}", file=sys.stderr)
        return 2

    def run() -> dict:
        wh.connect(target).close()
        return rebuild_warehouse(warehouse=str(target))

    summary = _as_writer("rebuild", args.lock_timeout, run)
    if not isinstance(summary, dict):
        return summary
    print(
        f"rebuild {summary['run_id']}: dumps loaded {summary['dumps_loaded']}, "
        f"rejected {summary['dumps_rejected']}"
    )
    for table, change in summary["rows_changed"].items():
        print(f"  +{change['added']:>8} -{change['removed']:>8} {table}")
    for dump in summary["status_changes"]:
        print(f"  status {dump['before']} -> {dump['after']}: {dump['path']}")
    return _checks_exit(summary)


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
        latest = load_settings().export_dir / "current"
        print(
            f"tickerhouse sql: {err}\nAn ingest holds the write lock; retry when it ends, "
            f"or query the latest Parquet export instead: {latest}/<dataset>/ "
            "(read_parquet with hive_partitioning = true; README, 'Opening the data').",
            file=sys.stderr,
        )
        return 3
    except FileNotFoundError as err:
        print(f"tickerhouse sql: {err}", file=sys.stderr)
        return 2
    except wh.SchemaVersionError as err:
        print(f"tickerhouse sql: {err}", file=sys.stderr)
        return 4
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


def cmd_export(args: argparse.Namespace) -> int:
    """Run the export_parquet flow (or only write the data dictionary) and print what it wrote."""
    from tickerhouse.flows.export_parquet import ExportCheckError, export_parquet, write_dictionary
    from tickerhouse.io.locks import IngestBusyError
    from tickerhouse.transforms.export_plan import ExportContractError

    if args.dictionary:
        print(f"wrote {write_dictionary(Path(args.dictionary))}")
        return 0
    try:
        summary = export_parquet(out_dir=args.out, since=args.since, warehouse=args.warehouse)
    except (ExportCheckError, ExportContractError) as err:
        print(f"tickerhouse export: {err}", file=sys.stderr)
        return 1
    except (IngestBusyError, wh.WarehouseLockedError) as err:
        print(f"tickerhouse export: {err}", file=sys.stderr)
        return 3
    print(f"export {summary['export_id']} -> {summary['out_dir']}/current ({summary['seconds']:.1f} s)")
    for name, d in summary["datasets"].items():
        print(
            f"  {name:<20} partitions written {d['written']:>4}, kept {d['kept']:>4}, "
            f"dropped {d['dropped']:>3}; rows written {d['rows_written']}"
        )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the scheduled deployments, against a server started here or the one at PREFECT_API_URL."""
    import os

    from tickerhouse.flows.serve import build_deployments, local_server, serve_deployments
    from tickerhouse.io import storage

    settings = load_settings()
    landing = args.landing or settings.landing
    deployments = build_deployments(
        landing=landing if storage.is_url(landing) else str(Path(landing).resolve()),
        warehouse=str(Path(args.warehouse or settings.warehouse).resolve()),
        export_dir=str(Path(args.export_dir or settings.export_dir).resolve()),
        ingest_interval_s=args.ingest_interval,
    )
    if args.start_server:
        with local_server(args.port, Path(os.environ["PREFECT_HOME"])) as api_url:
            print(f"prefect server up at {api_url.removesuffix('/api')}; serving (Ctrl-C stops both)")
            serve_deployments(deployments, api_url)
        return 0
    if not os.environ.get("PREFECT_API_URL"):
        print(
            "tickerhouse serve: schedules need a Prefect server: run `make serve` (or add --start-server), "
            "or set PREFECT_API_URL to a running one",
            file=sys.stderr,
        )
        return 2
    serve_deployments(deployments)
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    """Print one JSON line per text (arguments, then lines of --file): its topics by the warehouse's rule.

    Per topic: how it was found (rubric, term, model, parent:<child>), the terms that matched and the
    model's score; then every head's score and the example headlines nearest the text, to see why.
    """
    import pandas as pd

    from tickerhouse import embeddings
    from tickerhouse.resources import read_taxonomy
    from tickerhouse.topic_heads import load_topic_model
    from tickerhouse.transforms.language import detect_languages
    from tickerhouse.transforms.topic_model import nearest_examples, score
    from tickerhouse.transforms.topic_tags import headline_topics

    texts = list(args.texts)
    if args.file:
        texts += [line.strip() for line in Path(args.file).read_text(encoding="utf-8").splitlines()]
    texts = [t for t in texts if t]
    if not texts:
        print("tickerhouse tag: give TEXT arguments or --file FILE", file=sys.stderr)
        return 2
    taxonomy = read_taxonomy(Path(args.taxonomy)) if args.taxonomy else read_taxonomy()
    model = load_topic_model()
    languages = detect_languages(pd.Series(texts))
    frame = pd.DataFrame({"headline_id": [str(i) for i in range(len(texts))], "headline": texts})
    frame["language"] = languages.to_numpy()
    vectors = embeddings.embed(texts)
    tags = headline_topics(frame, taxonomy, model.heads, vectors)
    scores = score(model.heads, vectors)
    for i, text in enumerate(texts):
        mine = tags[tags["headline_id"] == str(i)]
        result = {
            "text": text,
            "language": languages.iloc[i],
            "taxonomy_version": taxonomy.version,
            "model_version": model.heads.version,
            "topics": [
                {
                    "topic": row.topic,
                    "via": row.via,
                    "matched_terms": list(row.matched_terms),
                    "score": None if pd.isna(row.score) else round(float(row.score), 3),
                }
                for row in mine.itertuples(index=False)
            ],
            "scores": {t: round(float(s), 3) for t, s in zip(model.heads.topics, scores[i], strict=True)},
            "nearest_examples": [
                {"headline": h, "similarity": round(s, 3)}
                for h, s in nearest_examples(vectors[i], model.example_vectors, model.example_headlines)
            ],
        }
        print(json.dumps(result, ensure_ascii=False))
    return 0


def cmd_enrich(args: argparse.Namespace) -> int:
    """Run the enrich_topics flow: embed what waits (at most --limit of each kind), with a progress bar."""
    from tqdm import tqdm

    from tickerhouse import embeddings
    from tickerhouse.flows.enrich_topics import enrich_topics
    from tickerhouse.resources import sql_text

    target = Path(args.warehouse or load_settings().warehouse)
    if not target.exists():
        print(f"tickerhouse enrich: no warehouse at {target}", file=sys.stderr)
        return 2
    con = wh.connect(target, read_only=True)
    try:
        waiting = con.execute(sql_text("enrich/pending_count"), {"model": embeddings.MODEL_ID}).fetchall()[0]
    finally:
        con.close()
    total = sum(min(n, args.limit) if args.limit is not None else n for n in waiting)
    if not total:
        print("nothing to embed: every headline and article has its vector")
        return 0

    def work() -> dict:
        with tqdm(total=total, unit="text", disable=args.quiet, desc="embed") as bar:
            return enrich_topics(
                warehouse=str(target), limit=args.limit, lock_timeout_s=args.lock_timeout, progress=bar.update
            )

    summary = _as_writer("enrich", args.lock_timeout, work, hold_lock=False)
    if not isinstance(summary, dict):
        return summary
    print(
        f"embedded {summary['headlines_embedded']} headlines, {summary['articles_embedded']} articles "
        f"(topic model {summary['model_version']}); left: {waiting[0] - summary['headlines_embedded']} "
        f"headlines, {waiting[1] - summary['articles_embedded']} articles"
    )
    return 0


def cmd_retag(args: argparse.Namespace) -> int:
    """Run the retag_topics flow and print the taxonomy version and the tag rows it wrote."""
    from tickerhouse.flows.retag_topics import retag_topics
    from tickerhouse.io.locks import IngestBusyError

    try:
        summary = retag_topics(warehouse=args.warehouse, taxonomy_path=args.taxonomy)
    except (IngestBusyError, wh.WarehouseLockedError) as err:
        print(f"tickerhouse retag: {err}", file=sys.stderr)
        return 3
    print(f"retagged with taxonomy {summary['taxonomy_version']}, topic model {summary['model_version']}")
    for table, n in summary["rows"].items():
        print(f"  {n:>8} {table}")
    for topic, change in summary["changes"].items():
        print(f"  {topic:<14} +{change['added']:<6} -{change['removed']}")
    if not summary["changes"]:
        print("  no tag changed")
    return 0


def cmd_trends(args: argparse.Namespace) -> int:
    """Print topic attention per day/week/month (or rising topics) and optionally plot it."""
    from tickerhouse.trends import rising_topics, trend_series, write_plot

    target = Path(args.warehouse or load_settings().warehouse)
    try:
        con = wh.connect(target, read_only=True)
    except (wh.WarehouseLockedError, FileNotFoundError) as err:
        print(f"tickerhouse trends: {err}", file=sys.stderr)
        return 3 if isinstance(err, wh.WarehouseLockedError) else 2
    try:
        if args.rising:
            frame = rising_topics(con, args.to, args.days)
        else:
            topics = [t.strip() for t in args.topic.split(",") if t.strip()] if args.topic else None
            frame = trend_series(con, topics, args.by, getattr(args, "from"), args.to)
    finally:
        con.close()
    print_rows(list(frame.columns), list(frame.itertuples(index=False, name=None)), args.format)
    if "tagged_share" in frame and len(frame) and frame["tagged_share"].min() < 1:
        print(
            f"note: in some periods only {frame['tagged_share'].min():.0%} of the ticker slots have the "
            "topic model's tags yet (the rest: the lexicon's); `tickerhouse enrich` completes them",
            file=sys.stderr,
        )
    if args.plot and not args.rising:
        try:
            write_plot(frame, args.by, Path(args.plot))
        except ValueError as err:
            print(f"tickerhouse trends: {err}", file=sys.stderr)
            return 1
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="tickerhouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="ingest new dumps into the warehouse")
    p.add_argument("paths", nargs="*", help="files, folders or fsspec URLs (default: data/raw)")
    p.add_argument("--warehouse", help="DuckDB file (default: $TICKERHOUSE_WAREHOUSE)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--lock-timeout",
        type=float,
        metavar="SECONDS",
        help="wait this long for a running ingest, then exit 3 (default: $TICKERHOUSE_LOCK_TIMEOUT, 600)",
    )
    p.add_argument("--runner", choices=RUNNERS, default=load_settings().runner, help="where parse tasks run")
    p.add_argument("--dask-address", help="tcp://host:port of a Dask scheduler (default: a local cluster)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("rebuild", help="re-derive derived tables from the stored dump bytes")
    p.add_argument("--warehouse", help="DuckDB file (default: $TICKERHOUSE_WAREHOUSE)")
    p.add_argument("--lock-timeout", type=float, metavar="SECONDS", help="wait for an ingest, then exit 3")
    p.set_defaults(func=cmd_rebuild)

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

    p = sub.add_parser("export", help="export the warehouse as Hive-partitioned Parquet")
    p.add_argument("--out", help="export folder (default: $TICKERHOUSE_EXPORT_DIR, exports/)")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="rewrite dated partitions from this day on")
    p.add_argument("--warehouse")
    p.add_argument("--dictionary", metavar="FILE", help="only write the data dictionary to FILE")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("serve", help="serve the scheduled deployments (ingest, export, retag)")
    p.add_argument("--start-server", action="store_true", help="start a local Prefect server first")
    p.add_argument("--port", type=int, default=4200, help="port of the started server (default 4200)")
    p.add_argument("--landing", help="folder or URL to scan (default: $TICKERHOUSE_LANDING)")
    p.add_argument("--warehouse")
    p.add_argument("--export-dir", help="folder of the nightly export (default: $TICKERHOUSE_EXPORT_DIR)")
    p.add_argument(
        "--ingest-interval", type=float, metavar="SECONDS", help="ingest every SECONDS, not every 15 min"
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("tag", help="print the topics of texts (and the terms that matched) as JSON lines")
    p.add_argument("texts", nargs="*", metavar="TEXT")
    p.add_argument("--file", help="a file of texts, one per line")
    p.add_argument("--taxonomy", help="a taxonomy TOML file (default: data/topics.toml)")
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("enrich", help="embed headlines and articles not embedded yet; add the model's tags")
    p.add_argument("--limit", type=int, help="at most this many headlines (and articles) in this run")
    p.add_argument("--warehouse")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--lock-timeout", type=float, metavar="SECONDS", help="wait for an ingest, then exit 3")
    p.set_defaults(func=cmd_enrich)

    p = sub.add_parser("retag", help="re-derive every topic tag from stored text with the taxonomy")
    p.add_argument("--warehouse")
    p.add_argument("--taxonomy", help="a taxonomy TOML file (default: data/topics.toml)")
    p.set_defaults(func=cmd_retag)

    p = sub.add_parser("trends", help="topic attention on the ticker over time, or rising topics")
    p.add_argument("--topic", help="comma-separated topic slugs (default: all)")
    p.add_argument("--by", choices=("day", "week", "month"), default="day")
    p.add_argument("--from", type=date.fromisoformat, metavar="YYYY-MM-DD", help="first period start")
    p.add_argument("--to", type=date.fromisoformat, metavar="YYYY-MM-DD", help="last period; --rising: as of")
    p.add_argument("--rising", action="store_true", help="rank topics by rise against the prior 28 days")
    p.add_argument("--days", type=int, default=1, help="--rising: length of the period compared (days)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--plot", metavar="FILE", help="draw the series to FILE.png or FILE.html")
    p.add_argument("--warehouse")
    p.set_defaults(func=cmd_trends)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tickerhouse` console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
