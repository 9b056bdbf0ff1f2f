"""Parsed dumps of one batch to the warehouse's row sets: dumps, snapshots, items, articles, rejects."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pandas as pd
import pyarrow as pa

from transforms.dates import (
    CASABLANCA,
    parse_published_dates,
    ticker_stated_date,
    timestamp_from_filename,
)
from transforms.language import detect_languages
from transforms.outlets import normalize_sources
from transforms.parse import ParsedDump
from transforms.textfold import APOSTROPHES
from transforms.topic_tags import article_topics, headline_tokens, headline_topics
from transforms.topics import Taxonomy


@dataclass(frozen=True)
class SourceFile:
    """A file as discovered: where it is, its stat, its content hash and what a manifest says of it."""

    path: str
    size_bytes: int
    mtime_ns: int
    dump_id: str
    manifest_captured_at: datetime | None = None


def headline_key(text: str) -> str:
    """Return the normalized form two spellings of the same headline share (case, spaces, apostrophes)."""
    folded = unicodedata.normalize("NFKC", text).translate(APOSTROPHES).casefold()
    return " ".join(folded.split())


def stable_id(*parts: str) -> str:
    """Return a 32-hex-digit id for the parts (blake2b over their NUL-joined UTF-8)."""
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()


def resolve_capture_time(source: SourceFile, stated: date | None) -> tuple[datetime, str]:
    """Return (UTC capture time, method): manifest, then file name, then the ticker's own date, then mtime."""
    if source.manifest_captured_at is not None:
        return source.manifest_captured_at.astimezone(UTC), "manifest"
    from_name = timestamp_from_filename(source.path.rsplit("/", 1)[-1])
    if from_name is not None:
        return from_name, "filename"
    if stated is not None:
        local_midnight = datetime.combine(stated, time(0), tzinfo=CASABLANCA)
        return local_midnight.astimezone(UTC), "ticker_date"
    return datetime.fromtimestamp(source.mtime_ns / 1e9, tz=UTC), "mtime"


def build_tables(
    batch: list[tuple[SourceFile, bytes, ParsedDump]],
    outlets: pd.DataFrame,
    run_id: str,
    ingested_at: datetime,
    taxonomy: Taxonomy | None = None,
) -> dict[str, pd.DataFrame]:
    """Return one DataFrame per staged table for a batch of parsed dumps (one row per file, dump, item...).

    With a taxonomy, the batch's distinct headlines and articles are tagged and tokenized too.
    """
    files, dumps, snapshots, items, articles, rejects = [], [], [], [], [], []
    for source, content, parsed in batch:
        files.append(file_row(source, ingested_at, run_id))
        stated = ticker_stated_date(parsed.ticker) if parsed.ticker else None
        captured_at, method = resolve_capture_time(source, stated)
        article = parsed.article
        article_id = None
        if article is not None:
            article_id = stable_id(
                article.title or "", article.source_raw, article.date_raw or "", *article.paragraphs
            )
            articles.append(
                {
                    "article_id": article_id,
                    "title": article.title,
                    "source_raw": article.source_raw,
                    "date_raw": article.date_raw,
                    "edition": article.edition,
                    "paragraphs": list(article.paragraphs),
                    "captions": list(article.captions),
                    "body": "\n".join(article.paragraphs),
                    "first_dump_id": source.dump_id,
                    "first_captured_at": captured_at,
                }
            )
        status = "loaded" if parsed.usable else "rejected"
        dumps.append(
            {
                "dump_id": source.dump_id,
                "first_path": source.path,
                "size_bytes": source.size_bytes,
                "content": content,
                "encoding": parsed.encoding or None,
                "repairs": list(parsed.repairs),
                "line_labels": list(parsed.labels),
                "captured_at": captured_at,
                "capture_method": method,
                "status": status,
                "article_id": article_id if parsed.usable else None,
                "ingested_at": ingested_at,
                "run_id": run_id,
            }
        )
        if not parsed.usable:
            rejects.append(reject_row(source, parsed.reject_reason or "", ingested_at, run_id))
            continue
        if parsed.ticker:
            snapshots.append(
                {
                    "snapshot_id": source.dump_id,
                    "captured_at": captured_at,
                    "capture_method": method,
                    "n_items": len(parsed.ticker),
                    "stated_date": stated,
                }
            )
            items.append((source.dump_id, parsed.ticker))
    items_df = _items_frame(items)
    articles_df = _articles_frame(articles, outlets)
    tables = {
        "files": pd.DataFrame(files, columns=_FILE_COLUMNS),
        "dumps": pd.DataFrame(dumps, columns=_DUMP_COLUMNS),
        "snapshots": _snapshots_frame(snapshots, items_df),
        "items": items_df,
        "articles": articles_df,
        "rejects": pd.DataFrame(rejects, columns=_REJECT_COLUMNS),
    }
    if taxonomy is not None:
        tables["headline_topics"] = headline_topics(items_df, taxonomy)
        tables["article_topics"] = article_topics(articles_df, taxonomy)
        tables["headline_tokens"] = headline_tokens(items_df)
    return tables


def file_row(source: SourceFile, seen_at: datetime, run_id: str) -> dict:
    """Return the dump_files row for a file version (dump_id null when it could not be read)."""
    return {
        "path": source.path,
        "size_bytes": source.size_bytes,
        "mtime_ns": source.mtime_ns,
        "dump_id": source.dump_id or None,
        "seen_at": seen_at,
        "run_id": run_id,
    }


def reject_row(source: SourceFile, reason: str, rejected_at: datetime, run_id: str) -> dict:
    """Return the rejects row for a file: keyed by content hash, or by path+stat when unreadable.

    `reason` is written "category: detail"; the category alone goes in `reason` so rejects group well.
    """
    key = source.dump_id or stable_id(source.path, str(source.size_bytes), str(source.mtime_ns))
    category, _, detail = reason.partition(": ")
    return {
        "reject_key": key,
        "dump_id": source.dump_id or None,
        "path": source.path,
        "reason": category,
        "detail": detail or None,
        "rejected_at": rejected_at,
        "run_id": run_id,
    }


_TS = pa.timestamp("us", tz="UTC")
_TEXT_LIST = pa.list_(pa.string())
# Column types of every staged table, so all batches' Parquet files agree whatever their content.
STAGED_SCHEMAS: dict[str, pa.Schema] = {
    "files": pa.schema(
        [("path", pa.string()), ("size_bytes", pa.int64()), ("mtime_ns", pa.int64()),
         ("dump_id", pa.string()), ("seen_at", _TS), ("run_id", pa.string())]
    ),
    "dumps": pa.schema(
        [("dump_id", pa.string()), ("first_path", pa.string()), ("size_bytes", pa.int64()),
         ("content", pa.binary()), ("encoding", pa.string()), ("repairs", _TEXT_LIST),
         ("line_labels", _TEXT_LIST), ("captured_at", _TS), ("capture_method", pa.string()),
         ("status", pa.string()), ("article_id", pa.string()), ("ingested_at", _TS),
         ("run_id", pa.string())]
    ),
    "snapshots": pa.schema(
        [("snapshot_id", pa.string()), ("captured_at", _TS), ("capture_method", pa.string()),
         ("n_items", pa.int32()), ("stated_date", pa.date32()), ("edition", pa.string())]
    ),
    "items": pa.schema(
        [("snapshot_id", pa.string()), ("position", pa.int32()), ("headline", pa.string()),
         ("headline_id", pa.string()), ("language", pa.string())]
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
         ("via", pa.string()), ("taxonomy_version", pa.string())]
    ),
    "article_topics": pa.schema(
        [("article_id", pa.string()), ("topic", pa.string()), ("matched_terms", _TEXT_LIST),
         ("via", pa.string()), ("found_in", pa.string()), ("taxonomy_version", pa.string())]
    ),
    "headline_tokens": pa.schema([("headline_id", pa.string()), ("tokens", _TEXT_LIST)]),
}  # fmt: skip


def to_arrow(name: str, df: pd.DataFrame) -> pa.Table:
    """Return a staged table as Arrow with its fixed schema (columns selected and cast by name)."""
    schema = STAGED_SCHEMAS[name]
    if df.empty:  # pandas types empty columns as float64, which no list/string field accepts
        return schema.empty_table()
    return pa.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False)


_FILE_COLUMNS = ["path", "size_bytes", "mtime_ns", "dump_id", "seen_at", "run_id"]
_DUMP_COLUMNS = [
    "dump_id", "first_path", "size_bytes", "content", "encoding", "repairs", "line_labels",
    "captured_at", "capture_method", "status", "article_id", "ingested_at", "run_id",
]  # fmt: skip
_REJECT_COLUMNS = ["reject_key", "dump_id", "path", "reason", "detail", "rejected_at", "run_id"]


def _items_frame(tickers: list[tuple[str, tuple[str, ...]]]) -> pd.DataFrame:
    """One row per headline per ticker snapshot, with the headline's id and language."""
    df = pd.DataFrame(
        {
            "snapshot_id": [sid for sid, ticker in tickers for _ in ticker],
            "position": [pos for _, ticker in tickers for pos in range(1, len(ticker) + 1)],
            "headline": [text for _, ticker in tickers for text in ticker],
        }
    )
    distinct = pd.Series(df["headline"].unique(), dtype="str")
    keys = distinct.map(headline_key)
    ids = dict(zip(distinct, keys.map(stable_id), strict=True))
    langs = dict(zip(distinct, detect_languages(distinct), strict=True))
    return df.assign(
        headline_id=df["headline"].map(ids).astype("str"),
        language=df["headline"].map(langs).astype("str"),
        position=df["position"].astype("int32"),
    )


def _snapshots_frame(snapshots: list[dict], items: pd.DataFrame) -> pd.DataFrame:
    """One row per dump with a ticker; edition is the language most of its headlines are in."""
    df = pd.DataFrame(
        snapshots,
        columns=["snapshot_id", "captured_at", "capture_method", "n_items", "stated_date"],
    )
    if df.empty:
        return df.assign(edition=pd.Series(dtype="str"))
    counts = items.groupby(["snapshot_id", "language"]).size().rename("n").reset_index()
    top = counts.sort_values(["snapshot_id", "n"], ascending=[True, False]).drop_duplicates("snapshot_id")
    edition = top.set_index("snapshot_id")["language"]
    return df.assign(
        edition=df["snapshot_id"].map(edition).astype("str"),
        n_items=df["n_items"].astype("int32"),
        captured_at=pd.to_datetime(df["captured_at"], utc=True),
        stated_date=pd.to_datetime(df["stated_date"]).dt.date,
    )


def _articles_frame(articles: list[dict], outlets: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct article in the batch, with normalized outlet, date and language."""
    df = pd.DataFrame(
        articles,
        columns=[
            "article_id", "title", "source_raw", "date_raw", "edition", "paragraphs",
            "captions", "body", "first_dump_id", "first_captured_at",
        ],
    )  # fmt: skip
    df = df.sort_values("first_captured_at", kind="stable").drop_duplicates("article_id")
    df = df.assign(first_captured_at=pd.to_datetime(df["first_captured_at"], utc=True))
    dates = parse_published_dates(df["date_raw"], df["first_captured_at"])
    text = (df["title"].fillna("") + "\n" + df["body"]).str.slice(0, 2000)
    return normalize_sources(df, outlets).assign(
        published_date=dates["published_date"],
        date_suspect=dates["date_suspect"],
        date_method=dates["date_method"],
        language=detect_languages(text),
    )
