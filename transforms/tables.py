"""Parsed dumps of one batch to the warehouse's row sets: dumps, snapshots, items, articles, rejects."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from tickerhouse.transforms.dates import (
    CASABLANCA,
    parse_published_dates,
    ticker_stated_date,
    timestamp_from_filename,
)
from tickerhouse.transforms.language import detect_languages
from tickerhouse.transforms.outlets import normalize_sources
from tickerhouse.transforms.parse import Article, ParsedDump
from tickerhouse.transforms.source_file import SourceFile, stored_path
from tickerhouse.transforms.textfold import headline_key
from tickerhouse.transforms.topic_tags import article_topics, headline_tokens, headline_topics
from tickerhouse.transforms.topics import Taxonomy


def stable_id(*parts: str) -> str:
    """Return a 32-hex-digit id for the parts (blake2b over their NUL-joined UTF-8)."""
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()


def resolve_capture_time(
    source: SourceFile, stated: date | None, latest: datetime | None = None
) -> tuple[datetime, str, list[str]]:
    """Return (UTC capture time, method, methods skipped): the first of manifest, file name, the ticker's
    own date and mtime that is not later than `latest`.

    A time later than `latest` (the run's start + TICKERHOUSE_FUTURE_TOLERANCE_S) is a clock or manifest
    error, not a capture: that method is skipped (and named in the third value) for the next one. When
    every method is later, the last one is returned, named in the skipped ones too: the caller rejects.
    """
    candidates = []
    if source.manifest_captured_at is not None:
        candidates.append((source.manifest_captured_at.astimezone(UTC), "manifest"))
    from_name = timestamp_from_filename(source.path.rsplit("/", 1)[-1])
    if from_name is not None:
        candidates.append((from_name, "filename"))
    if stated is not None:
        local_midnight = datetime.combine(stated, time(0), tzinfo=CASABLANCA)
        candidates.append((local_midnight.astimezone(UTC), "ticker_date"))
    candidates.append((datetime.fromtimestamp(source.mtime_ns / 1e9, tz=UTC), "mtime"))
    skipped = []
    for captured_at, method in candidates:
        if latest is None or captured_at <= latest:
            return captured_at, method, skipped
        skipped.append(method)
    return captured_at, method, skipped


def build_tables(
    batch: list[tuple[SourceFile, bytes, ParsedDump]],
    outlets: pd.DataFrame,
    run_id: str,
    ingested_at: datetime,
    taxonomy: Taxonomy | None = None,
    unreadable: Sequence[tuple[SourceFile, str]] = (),
    raw_file: str | None = None,
    future_tolerance: timedelta | None = None,
) -> dict[str, pa.Table]:
    """Return one Arrow table per staged table for a batch of parsed dumps (one row per file, dump, item...).

    Each file holding a dump is a sighting of it, dated by its own capture time: `versions` has one row
    per sighting of a usable ticker (the load keys them by capture and keeps the most complete version of
    each: README "What a snapshot is"), `dumps` one per dump, dated by its earliest sighting.
    `unreadable` files (no bytes) get a file and a reject row. `raw` holds each dump's bytes, which the
    load keeps in the raw archive as `raw_file`. With a taxonomy, the batch's distinct headlines and
    articles are tagged and tokenized too. With a future_tolerance, no capture time later than
    ingested_at + future_tolerance is stored: the next capture method dates the file (flagged
    `future_<method>_time_ignored`), or, when none is earlier for any of its files, the dump is rejected.
    """
    latest = None if future_tolerance is None else ingested_at + future_tolerance
    files, dumps, raw, versions, tickers, rejects = [], [], [], [], [], []
    # Each distinct article once, from its first sighting (earliest capture, then dump id); its id per
    # distinct content: an article page is dumped again and again, a batch holds each ~10 times.
    articles: dict[str, dict] = {}
    article_ids: dict[Article, str] = {}
    sightings: dict[str, list[SourceFile]] = {}
    contents: dict[str, tuple[bytes, ParsedDump]] = {}
    for source, content, parsed in batch:
        files.append(_file_row(source, ingested_at, run_id))
        sightings.setdefault(source.dump_id, []).append(source)
        contents.setdefault(source.dump_id, (content, parsed))
    for dump_id, sources in sightings.items():
        content, parsed = contents[dump_id]
        stated = ticker_stated_date(parsed.ticker) if parsed.ticker else None
        # (future, time, path): a file a method dates in time first, then the earliest, then by name
        captures = sorted(
            (
                (method in skipped, captured_at, stored_path(source.path), method, skipped, source)
                for source in sources
                for captured_at, method, skipped in [resolve_capture_time(source, stated, latest)]
            ),
            key=lambda capture: capture[:3],
        )
        future, captured_at, first_path, method, skipped, source = captures[0]
        flags = [f"future_{m}_time_ignored" for m in skipped]
        reject_reason = (
            f"future capture time: {', '.join(skipped)} later than the run's start + "
            f"{future_tolerance.total_seconds():.0f} s (TICKERHOUSE_FUTURE_TOLERANCE_S), no method earlier"
            if future
            else parsed.reject_reason
        )
        usable = parsed.usable and not future
        article = parsed.article
        article_id = None
        if article is not None and not future:
            article_id = article_ids.get(article)
            if article_id is None:
                article_id = article_ids[article] = stable_id(
                    article.title or "", article.source_raw, article.date_raw or "", *article.paragraphs
                )
            first = articles.get(article_id)
            if first is None or (captured_at, dump_id) < (first["first_captured_at"], first["first_dump_id"]):
                articles[article_id] = {
                    "article_id": article_id,
                    "title": article.title,
                    "source_raw": article.source_raw,
                    "date_raw": article.date_raw,
                    "edition": article.edition,
                    "paragraphs": list(article.paragraphs),
                    "captions": list(article.captions),
                    "body": "\n".join(article.paragraphs),
                    "first_dump_id": dump_id,
                    "first_captured_at": captured_at,
                }
        status = "loaded" if usable else "rejected"
        dumps.append(
            {
                "dump_id": dump_id,
                "first_path": first_path,
                "size_bytes": len(content),  # of the bytes read (the file may have changed since its stat)
                "raw_file": raw_file,
                "encoding": parsed.encoding or None,
                "repairs": [*parsed.repairs, *flags],
                "line_labels": list(parsed.labels),
                "captured_at": captured_at,
                "capture_method": method,
                "status": status,
                "article_id": article_id if usable else None,
                "ingested_at": ingested_at,
                "run_id": run_id,
            }
        )
        raw.append({"dump_id": dump_id, "content": content})
        if not usable:
            rejects.append(_reject_row(source, reject_reason or "", ingested_at, run_id))
            continue
        if parsed.ticker:
            tickers.append((dump_id, parsed.ticker))
            versions.extend(
                {
                    "dump_id": dump_id,
                    "captured_at": at,
                    "capture_method": how,
                    "n_items": len(parsed.ticker),
                    "stated_date": stated,
                    "size_bytes": len(content),
                }
                for late, at, _, how, _, _ in captures
                if not late
            )
    for source, reason in unreadable:
        files.append(_file_row(source, ingested_at, run_id))
        rejects.append(_reject_row(source, reason, ingested_at, run_id))
    items, headlines, editions = _items_table(tickers)
    for version in versions:
        version["edition"] = editions[version["dump_id"]]
    articles_df = _articles_frame(list(articles.values()), outlets)
    tables = {
        "files": _rows("files", files),
        "dumps": _rows("dumps", dumps),
        "raw": _rows("raw", raw),
        "versions": _rows("versions", versions),
        "items": items,
        "articles": to_arrow("articles", articles_df),
        "rejects": _rows("rejects", rejects),
    }
    if taxonomy is not None:
        tables["headline_topics"] = to_arrow("headline_topics", headline_topics(headlines, taxonomy))
        tables["article_topics"] = to_arrow("article_topics", article_topics(articles_df, taxonomy))
        tables["headline_tokens"] = to_arrow("headline_tokens", headline_tokens(headlines))
    return tables


def _file_row(source: SourceFile, seen_at: datetime, run_id: str) -> dict:
    """Return the dump_files row for a file version (dump_id null when it could not be read)."""
    return {
        "path": stored_path(source.path),
        "size_bytes": source.size_bytes,
        "mtime_ns": source.mtime_ns,
        "dump_id": source.dump_id or None,
        "seen_at": seen_at,
        "run_id": run_id,
        "manifest_captured_at": source.manifest_captured_at,
    }


def _reject_row(source: SourceFile, reason: str, rejected_at: datetime, run_id: str) -> dict:
    """Return the rejects row for a file: keyed by content hash, or by path+stat when unreadable.

    `reason` is written "category: detail"; the category alone goes in `reason` so rejects group well.
    """
    path = stored_path(source.path)
    key = source.dump_id or stable_id(path, str(source.size_bytes), str(source.mtime_ns))
    category, _, detail = reason.partition(": ")
    return {
        "reject_key": key,
        "dump_id": source.dump_id or None,
        "path": path,
        "reason": category,
        "detail": detail or None,
        "rejected_at": rejected_at,
        "run_id": run_id,
    }


_TS = pa.timestamp("us", tz="UTC")
_TEXT_LIST = pa.list_(pa.string())
_DICT = pa.dictionary(pa.int32(), pa.string())
# Column types of every staged table, so all batches' Parquet files agree whatever their content.
STAGED_SCHEMAS: dict[str, pa.Schema] = {
    "files": pa.schema(
        [("path", pa.string()), ("size_bytes", pa.int64()), ("mtime_ns", pa.int64()),
         ("dump_id", pa.string()), ("seen_at", _TS), ("run_id", pa.string()),
         ("manifest_captured_at", _TS)]
    ),
    "dumps": pa.schema(
        [("dump_id", pa.string()), ("first_path", pa.string()), ("size_bytes", pa.int64()),
         ("raw_file", pa.string()), ("encoding", pa.string()),
         ("repairs", _TEXT_LIST), ("line_labels", _TEXT_LIST), ("captured_at", _TS),
         ("capture_method", pa.string()),
         ("status", pa.string()), ("article_id", pa.string()), ("ingested_at", _TS),
         ("run_id", pa.string())]
    ),
    "raw": pa.schema([("dump_id", pa.string()), ("content", pa.binary())]),
    # One per sighting of a usable ticker: the load keys them by capture (sql/load/snapshot_versions.sql).
    "versions": pa.schema(
        [("dump_id", pa.string()), ("captured_at", _TS), ("capture_method", pa.string()),
         ("n_items", pa.int32()), ("stated_date", pa.date32()), ("size_bytes", pa.int64()),
         ("edition", pa.string())]
    ),
    # One per headline per dump with a ticker, dictionary-encoded: ~50 items a dump, most of them the
    # headlines of the dump before. The load gives them to each snapshot the dump is read as.
    "items": pa.schema(
        [("dump_id", _DICT), ("position", pa.int32()), ("headline", _DICT),
         ("headline_id", _DICT), ("language", _DICT)]
    ),
    "articles": pa.schema(
        [("article_id", pa.string()), ("title", pa.string()), ("source_raw", pa.string()),
         ("date_raw", pa.string()), ("edition", pa.string()), ("paragraphs", _TEXT_LIST),
         ("captions", _TEXT_LIST), ("body", pa.string()), ("first_dump_id", pa.string()),
         ("first_captured_at", _TS), ("outlet_id", pa.string()), ("source", pa.string()),
         ("source_known", pa.bool_()), ("published_date", pa.date32()),
         ("date_suspect", pa.bool_()), ("date_method", pa.string()), ("language", pa.string())]
    ),
    "rejects": pa.schema(
        [("reject_key", pa.string()), ("dump_id", pa.string()), ("path", pa.string()),
         ("reason", pa.string()), ("detail", pa.string()), ("rejected_at", _TS),
         ("run_id", pa.string())]
    ),
    "outlets": pa.schema(
        [("outlet_id", pa.string()), ("name", pa.string()), ("language", pa.string()),
         ("homepage", pa.string()), ("maghress_slug", pa.string()), ("aliases", _TEXT_LIST)]
    ),
    "headline_topics": pa.schema(
        [("headline_id", pa.string()), ("topic", pa.string()), ("matched_terms", _TEXT_LIST),
         ("via", pa.string()), ("taxonomy_version", pa.string()), ("score", pa.float64()),
         ("model_version", pa.string())]
    ),
    "article_topics": pa.schema(
        [("article_id", pa.string()), ("topic", pa.string()), ("matched_terms", _TEXT_LIST),
         ("via", pa.string()), ("found_in", pa.string()), ("taxonomy_version", pa.string()),
         ("score", pa.float64()), ("model_version", pa.string())]
    ),
    "headline_tokens": pa.schema([("headline_id", pa.string()), ("tokens", _TEXT_LIST)]),
}  # fmt: skip


def to_arrow(name: str, df: pd.DataFrame) -> pa.Table:
    """Return a staged table as Arrow with its fixed schema (columns selected and cast by name)."""
    schema = STAGED_SCHEMAS[name]
    if df.empty:  # pandas types empty columns as float64, which no list/string field accepts
        return schema.empty_table()
    return pa.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False)


def _rows(name: str, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=STAGED_SCHEMAS[name])


# Per worker process: what each distinct headline text maps to (pure functions of the text), so a
# headline that stays on the ticker for hours is looked at once, not once per snapshot or per batch.
_HEADLINE_FACTS: dict[str, tuple[str, str]] = {}
_HEADLINE_FACTS_MAX = 200_000


def _headline_facts(texts: list[str]) -> list[tuple[str, str]]:
    """Return (headline_id, language) per text, from the process's memo or computed once for new texts."""
    if len(_HEADLINE_FACTS) > _HEADLINE_FACTS_MAX:
        _HEADLINE_FACTS.clear()
    new = [t for t in texts if t not in _HEADLINE_FACTS]
    if new:
        languages = detect_languages(pd.Series(new, dtype="str"))
        for text, language in zip(new, languages, strict=True):
            _HEADLINE_FACTS[text] = (stable_id(headline_key(text)), language)
    return [_HEADLINE_FACTS[t] for t in texts]


def _items_table(
    dump_tickers: list[tuple[str, tuple[str, ...]]],
) -> tuple[pa.Table, pd.DataFrame, dict[str, str]]:
    """Return the batch's items, its distinct headlines, and each dump's edition, from (dump_id, ticker).

    Items: one row per headline per dump with a ticker (the load gives them each snapshot's capture time,
    what headline_days and headlines aggregate). Edition: the language most of the ticker's headlines are
    in (ties: the first alphabetically). Columns are dictionary-encoded over the distinct texts: a ticker
    repeats most headlines of the one before it, so each text, id and language is stored and converted
    once.
    """
    dump_ids = [dump_id for dump_id, _ in dump_tickers]
    tickers = [ticker for _, ticker in dump_tickers]
    index: dict[str, int] = {}
    codes = np.fromiter(
        (index.setdefault(text, len(index)) for ticker in tickers for text in ticker), dtype=np.int32
    )
    texts = list(index)
    facts = _headline_facts(texts)
    ids = [f[0] for f in facts]
    languages = [f[1] for f in facts]
    lengths = np.fromiter(map(len, tickers), dtype=np.int32, count=len(tickers))
    dump_of_item = np.repeat(np.arange(len(tickers), dtype=np.int32), lengths)
    position = np.arange(len(codes), dtype=np.int32) - np.repeat(np.cumsum(lengths) - lengths, lengths) + 1

    def encoded(values: list[str]) -> tuple[pa.DictionaryArray, np.ndarray]:
        """Items' column from one value per distinct text, and each item's code in its sorted dictionary.

        Spellings share an id, so values repeat: np.unique keeps each once, in sorted order.
        """
        dictionary, of_text = np.unique(np.asarray(values, dtype=object), return_inverse=True)
        of_item = of_text.astype(np.int32)[codes]
        return pa.DictionaryArray.from_arrays(pa.array(of_item), pa.array(dictionary, pa.string())), of_item

    language, language_of_item = encoded(languages)
    items = pa.Table.from_arrays(
        [
            pa.DictionaryArray.from_arrays(pa.array(dump_of_item), pa.array(dump_ids, pa.string())),
            pa.array(position, type=pa.int32()),
            encoded(texts)[0],
            encoded(ids)[0],
            language,
        ],
        schema=STAGED_SCHEMAS["items"],
    )
    headlines = pd.DataFrame({"headline_id": ids, "headline": texts, "language": languages}, dtype="str")
    # The language dictionary is sorted, so argmax (the first maximum) breaks ties alphabetically.
    names = language.dictionary.to_pylist()
    counts = np.zeros((len(tickers), max(len(names), 1)), dtype=np.int32)
    np.add.at(counts, (dump_of_item, language_of_item), 1)  # every ticker has at least one item
    return items, headlines, dict(zip(dump_ids, (names[i] for i in counts.argmax(axis=1)), strict=True))


def _articles_frame(articles: list[dict], outlets: pd.DataFrame) -> pd.DataFrame:
    """The batch's distinct articles, in order of first capture, with normalized outlet, date and language."""
    df = pd.DataFrame(
        articles,
        columns=[
            "article_id", "title", "source_raw", "date_raw", "edition", "paragraphs",
            "captions", "body", "first_dump_id", "first_captured_at",
        ],
    )  # fmt: skip
    df = df.sort_values(["first_captured_at", "first_dump_id"], kind="stable")
    df = df.assign(first_captured_at=pd.to_datetime(df["first_captured_at"], utc=True))
    dates = parse_published_dates(df["date_raw"], df["first_captured_at"])
    text = (df["title"].fillna("") + "\n" + df["body"]).str.slice(0, 2000)
    return normalize_sources(df, outlets).assign(
        published_date=dates["published_date"],
        date_suspect=dates["date_suspect"],
        date_method=dates["date_method"],
        language=detect_languages(text),
    )
