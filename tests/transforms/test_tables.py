"""Row sets of a batch: capture time and its method, headline identity, article dedupe."""

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from tickerhouse.resources import OUTLETS_CSV
from tickerhouse.transforms.parse import parse_dump
from tickerhouse.transforms.source_file import SourceFile
from tickerhouse.transforms.tables import (
    build_tables,
    headline_key,
    resolve_capture_time,
    stable_id,
)

MANIFEST_TIME = datetime(2024, 12, 23, 9, 30, tzinfo=UTC)
MTIME = datetime(2025, 1, 2, 12, 0, tzinfo=UTC)
NBSP4 = "\u00a0" * 4


def _source(name: str, manifest: datetime | None = None, dump_id: str = "d1") -> SourceFile:
    return SourceFile(f"/landing/fr/{name}", 7000, int(MTIME.timestamp() * 1e9), manifest, dump_id)


@pytest.mark.parametrize(
    ("name", "manifest", "stated", "expected", "method"),
    [
        # a manifest row wins over everything the file says
        ("maghress-fr_20241223T101500Z.txt", MANIFEST_TIME, date(2024, 12, 23), MANIFEST_TIME, "manifest"),
        # then the stamp in the file name (Z: UTC)
        ("maghress-fr_20241223T101500Z.txt", None, date(2024, 12, 23),
         datetime(2024, 12, 23, 10, 15, tzinfo=UTC), "filename"),
        # a stamp without offset is Casablanca time (UTC+1 since 2018)
        ("2024-12-23_11-15.txt", None, None, datetime(2024, 12, 23, 10, 15, tzinfo=UTC), "filename"),
        # then the date the ticker states: local midnight of that day, in UTC
        ("page-4.txt", None, date(2024, 12, 23), datetime(2024, 12, 22, 23, 0, tzinfo=UTC), "ticker_date"),
        # else the file's mtime
        ("page-4.txt", None, None, MTIME, "mtime"),
    ],
)  # fmt: skip
def test_capture_time_precedence(name, manifest, stated, expected, method):
    captured_at, got_method, skipped = resolve_capture_time(_source(name, manifest), stated)
    assert (captured_at, got_method, skipped) == (expected, method, [])
    assert captured_at.utcoffset().total_seconds() == 0


FUTURE = datetime(2031, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "manifest", "stated", "method", "skipped"),
    [
        # a 2031 manifest time: the file name's stamp dates the dump
        ("maghress-fr_20241223T101500Z.txt", FUTURE, None, "filename", ["manifest"]),
        # a 2031 stamp in the name too: the ticker's own date
        ("maghress-fr_20310101T000000Z.txt", FUTURE, date(2024, 12, 23), "ticker_date",
         ["manifest", "filename"]),
        # a ticker stating a 2031 day: the mtime
        ("page-4.txt", None, date(2031, 1, 1), "mtime", ["ticker_date"]),
    ],
)  # fmt: skip
def test_a_future_capture_time_falls_back_to_the_next_method(name, manifest, stated, method, skipped):
    latest = MTIME + timedelta(minutes=10)
    captured_at, got_method, got_skipped = resolve_capture_time(_source(name, manifest), stated, latest)
    assert (got_method, got_skipped) == (method, skipped)
    assert captured_at <= latest


def test_a_dump_no_method_dates_before_the_tolerance_is_rejected(seed_bytes, outlets):
    parsed = parse_dump(seed_bytes)
    future_mtime = SourceFile("/landing/fr/page.txt", 7000, int(FUTURE.timestamp() * 1e9), FUTURE, "d1")
    now = datetime(
        2030, 1, 1, tzinfo=UTC
    )  # the seed's ticker states a 2024 day: only manifest and mtime skip
    tables = build_tables(
        [(future_mtime, seed_bytes, parsed)], outlets, "r", now, future_tolerance=timedelta(0)
    )
    (dump,) = tables["dumps"].to_pylist()
    assert (dump["capture_method"], dump["status"]) == ("ticker_date", "loaded")
    assert "future_manifest_time_ignored" in dump["repairs"]
    text = b"Une\xc2\xa0\xc2\xa0Deux\xc2\xa0\xc2\xa0Trois\n"  # a ticker without a stated date
    tables = build_tables(
        [(future_mtime, text, parse_dump(text))], outlets, "r", now, future_tolerance=timedelta(0)
    )
    (dump,) = tables["dumps"].to_pylist()
    (reject,) = tables["rejects"].to_pylist()
    assert dump["status"] == "rejected" and tables["versions"].num_rows == 0
    assert reject["reason"] == "future capture time" and "manifest, mtime" in reject["detail"]


def _build(batch, outlets: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {name: table.to_pandas() for name, table in build_tables(batch, outlets, "r", MTIME).items()}


@pytest.fixture(scope="module")
def outlets() -> pd.DataFrame:
    return pd.read_csv(OUTLETS_CSV, dtype=str, keep_default_na=False)


def test_seed_capture_time_comes_from_its_ticker(seed_bytes, outlets):
    parsed = parse_dump(seed_bytes)
    tables = _build([(_source("000_46a3b748499c8f06.txt"), seed_bytes, parsed)], outlets)
    snapshot = tables["versions"].iloc[0]
    assert snapshot["capture_method"] == "ticker_date"
    assert snapshot["stated_date"] == date(2024, 12, 23)
    assert snapshot["captured_at"] == pd.Timestamp("2024-12-22T23:00:00Z")
    assert snapshot["n_items"] == 48 and snapshot["edition"] == "fr"
    dump = tables["dumps"].iloc[0]
    assert (dump["capture_method"], dump["status"]) == ("ticker_date", "loaded")


@pytest.mark.parametrize(
    "variant",
    [
        "le grand mufti d'al-qods salue le soutien du maroc au peuple palestinien",  # case
        "Le Grand  Mufti d'Al-Qods salue le soutien du Maroc\u00a0au peuple palestinien ",  # spaces, NBSP
        "Le Grand Mufti d’Al-Qods salue le soutien du Maroc au peuple palestinien",  # curly apostrophe
        "LE GRAND MUFTI D'AL-QODS SALUE LE SOUTIEN DU MAROC AU PEUPLE PALESTINIEN",  # capitals
    ],
)
def test_headline_spellings_share_one_id(variant):
    original = "Le Grand Mufti d'Al-Qods salue le soutien du Maroc au peuple palestinien"
    assert stable_id(headline_key(variant)) == stable_id(headline_key(original))


def test_different_headlines_keep_different_ids():
    # The seed's two Mufti headlines differ by a clause: near-duplicates, not the same headline.
    a = (
        "Le Grand Mufti d'Al-Qods salue le soutien du Maroc, sous le leadership de SM le Roi, "
        "au peuple palestinien"
    )
    b = "Le grand mufti d'Al-Qods salue le soutien du Maroc au peuple palestinien"
    assert headline_key(a) != headline_key(b)


def test_items_keep_duplicates_and_variant_spellings_map_to_one_headline_id(outlets):
    ticker = [
        "Karting : le Maroc deuxième",
        "KARTING : LE MAROC DEUXIÈME",
        "Autre titre",
        "Karting : le Maroc deuxième",
    ]
    data = ("".join(h + NBSP4 for h in ticker) + "\n").encode()
    tables = _build([(_source("a.txt"), data, parse_dump(data))], outlets)
    items = tables["items"]
    assert items["position"].tolist() == [1, 2, 3, 4]
    assert items["headline"].tolist() == ticker
    ids = items["headline_id"].tolist()
    assert ids[0] == ids[1] == ids[3] != ids[2]


def test_same_article_in_two_dumps_is_one_row_first_capture_wins(seed_bytes, outlets):
    text = seed_bytes.decode()
    # The same article under another ticker: a later snapshot of the page.
    later = ("Autre titre" + NBSP4 + "Encore un" + NBSP4 + text[text.index("\n") :]).encode()
    batch = [
        (_source("maghress-fr_20241223T180000Z.txt", dump_id="d2"), later, parse_dump(later)),
        (_source("maghress-fr_20241223T090000Z.txt", dump_id="d1"), seed_bytes, parse_dump(seed_bytes)),
    ]
    tables = _build(batch, outlets)
    articles = tables["articles"]
    assert len(articles) == 1
    row = articles.iloc[0]
    assert row["first_dump_id"] == "d1"
    assert row["first_captured_at"] == pd.Timestamp("2024-12-23T09:00:00Z")
    assert (row["source"], str(row["published_date"]), row["date_suspect"]) == (
        "Hespress",
        "2021-11-24",
        False,
    )
    assert row["language"] == "fr"
    # both dumps point at the one article
    assert tables["dumps"]["article_id"].nunique() == 1


def test_rejected_dump_gets_a_reject_row_and_no_snapshot(outlets):
    tables = _build([(_source("x.txt"), b"", parse_dump(b""))], outlets)
    assert tables["rejects"][["reason", "detail"]].values.tolist() == [["empty file", "0 bytes"]]
    assert tables["dumps"]["status"].tolist() == ["rejected"]
    assert tables["versions"].empty and tables["items"].empty
