import ast
import csv
import re
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from helpers import SHARED
from tickerhouse.transforms import dates
from tickerhouse.transforms.dates import (
    parse_date_text,
    parse_published_dates,
    ticker_stated_date,
    timestamp_from_filename,
    to_utc,
)

SEED = SHARED / "seeds" / "000_46a3b748499c8f06.txt"
DATEPARSER_FIXTURES = SHARED / "fixtures" / "dateparser_fr_ar"
FIXTURE_NOW = datetime(2012, 11, 13)
CAPTURED_2024 = pd.Timestamp("2024-12-23 10:15", tz="UTC")


def _fixture_params(name: str, keep=lambda row: True) -> list:
    """Return one pytest.param per fixture row, or one skipped param when ../shared is absent."""
    path = DATEPARSER_FIXTURES / name
    if not path.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{path} absent"))]
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [pytest.param(row, id=f"{row['test']}:{row['source_line']}") for row in rows if keep(row)]


def _parse_one(raw: str | None, captured_at: pd.Timestamp = CAPTURED_2024) -> dict:
    frame = parse_published_dates(
        pd.Series([raw], index=[7], dtype="str"), pd.Series([captured_at], index=[7])
    )
    return frame.loc[7].to_dict()


@pytest.mark.parametrize(
    ("raw", "expected", "suspect", "method"),
    [
        # the seed's French byline
        ("24 - 11 - 2021", date(2021, 11, 24), False, "byline_numeric"),
        # a whole byline still yields its date
        ("Publié dans Hespress le 24 - 11 - 2021", date(2021, 11, 24), False, "byline_numeric"),
        # Arabic edition byline
        ("نشر في هسبريس يوم 24 - 11 - 2021", date(2021, 11, 24), False, "byline_numeric"),
        # Arabic-Indic digits
        ("٢٤ - ١١ - ٢٠٢١", date(2021, 11, 24), False, "byline_numeric"),
        # Eastern Arabic-Indic (Persian) digits
        ("۲۴ - ۱۱ - ۲۰۲۱", date(2021, 11, 24), False, "byline_numeric"),
        # slashes and dots, no spacing
        ("24/11/2021", date(2021, 11, 24), False, "byline_numeric"),
        ("3.1.2022", date(2022, 1, 3), False, "byline_numeric"),
        # ISO
        ("2021-11-24", date(2021, 11, 24), False, "byline_iso"),
        # French month with weekday and accent
        ("lundi 23 décembre 2024", date(2024, 12, 23), False, "byline_month_name"),
        # French abbreviations, with and without accent
        ("3 févr. 2020", date(2020, 2, 3), False, "byline_month_name"),
        ("3 fevr 2020", date(2020, 2, 3), False, "byline_month_name"),
        ("1er août 2023", date(2023, 8, 1), False, "byline_month_name"),
        # Moroccan Arabic month with weekday
        ("الاثنين 23 دجنبر 2024", date(2024, 12, 23), False, "byline_month_name"),
        # Moroccan July must not be read as the shorter Egyptian يوليو
        ("5 يوليوز 2019", date(2019, 7, 5), False, "byline_month_name"),
        # Levantine two-word month
        ("5 تشرين الثاني 2020", date(2020, 11, 5), False, "byline_month_name"),
        # Egyptian month, hamza spelled or not
        ("12 إبريل 2019", date(2019, 4, 12), False, "byline_month_name"),
        ("12 اغسطس 2019", date(2019, 8, 12), False, "byline_month_name"),
        # a weekday contradicting the date keeps the date but flags it
        ("mardi 23 décembre 2024", date(2024, 12, 23), True, "byline_month_name"),
        # February 31st does not exist
        ("31 - 02 - 2021", None, True, "impossible"),
        ("31 février 2021", None, True, "impossible"),
        # placeholder date some CMSs print
        ("00 - 00 - 0000", None, True, "impossible"),
        # month 13
        ("12 - 13 - 2021", None, True, "impossible"),
        # after the capture: kept, suspect
        ("01 - 01 - 2031", date(2031, 1, 1), True, "byline_numeric"),
        # before Moroccan online press existed: kept, suspect
        ("01 - 01 - 1990", date(1990, 1, 1), True, "byline_numeric"),
        # no byline at all is not suspicious
        ("", None, False, "missing"),
        ("   ", None, False, "missing"),
        (None, None, False, "missing"),
        # text that is no date
        ("Cliquez ici pour lire l'article", None, True, "unparsed"),
        # relative date resolved against the capture's local day
        ("Hier", date(2024, 12, 22), False, "dateparser"),
    ],
)
def test_parse_published_dates_cases(raw, expected, suspect, method):
    row = _parse_one(raw)
    assert (None if pd.isna(row["published_date"]) else row["published_date"]) == expected
    assert row["date_suspect"] is suspect
    assert row["date_method"] == method


def test_parse_published_dates_shape_and_dtypes():
    raw = pd.Series(["24 - 11 - 2021", None, "Hier"], index=["a", "b", "c"], dtype="str")
    captured = pd.Series([CAPTURED_2024, CAPTURED_2024, pd.NaT], index=raw.index)
    before = raw.copy()
    frame = parse_published_dates(raw, captured)
    assert list(frame.index) == ["a", "b", "c"]
    assert str(frame["published_date"].dtype) == "date32[day][pyarrow]"
    assert frame["date_suspect"].dtype == bool
    assert frame["date_method"].tolist() == ["byline_numeric", "missing", "dateparser"]
    pd.testing.assert_series_equal(raw, before)


def test_future_check_uses_casablanca_day():
    # 23:30 UTC on the 23rd is 00:30 on the 24th in Casablanca (UTC+1): the 24th is not future
    late = pd.Timestamp("2024-12-23 23:30", tz="UTC")
    assert _parse_one("24 - 12 - 2024", late)["date_suspect"] is False
    assert _parse_one("25 - 12 - 2024", late)["date_suspect"] is True


def test_dateparser_called_once_per_string_and_capture_day(monkeypatch):
    calls: list[str] = []
    real = dates._dateparser

    def counting(text, relative_base):
        calls.append(text)
        return real(text, relative_base)

    monkeypatch.setattr(dates, "_dateparser", counting)
    day1 = pd.Timestamp("2024-12-23 08:00", tz="UTC")
    day1_later = pd.Timestamp("2024-12-23 15:00", tz="UTC")
    day2 = pd.Timestamp("2024-12-24 08:00", tz="UTC")
    raw = pd.Series(["Hier", "Hier", "Hier", "24 - 11 - 2021"], dtype="str")
    frame = parse_published_dates(raw, pd.Series([day1, day1_later, day2, day1]))
    assert sorted(calls) == ["Hier", "Hier"]
    assert frame["published_date"].tolist()[:3] == [
        date(2024, 12, 22),
        date(2024, 12, 22),
        date(2024, 12, 23),
    ]


def test_naive_captured_at_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_published_dates(pd.Series(["24 - 11 - 2021"]), pd.Series([pd.Timestamp("2024-12-23")]))


def test_dateparser_exception_means_no_date(monkeypatch):
    import dateparser

    def boom(*args, **kwargs):
        raise RuntimeError("internal dateparser failure")

    monkeypatch.setattr(dateparser, "parse", boom)
    assert parse_date_text("Hier", FIXTURE_NOW) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # time kept from a French byline
        ("22 janvier 2015 à 14h40", datetime(2015, 1, 22, 14, 40)),
        ("Le 11 Décembre 2014 à 09:00", datetime(2014, 12, 11, 9, 0)),
        # no time: midnight
        ("24 - 11 - 2021", datetime(2021, 11, 24)),
        # impossible date is not handed to the fallback
        ("31 - 02 - 2021", None),
        ("", None),
    ],
)
def test_parse_date_text(text, expected):
    assert parse_date_text(text, FIXTURE_NOW) == expected


@pytest.mark.parametrize("row", _fixture_params("absolute_fr_ar.tsv"))
def test_dateparser_absolute_fixture(row):
    parsed = parse_date_text(row["input"], relative_base=FIXTURE_NOW)
    expected = datetime.fromisoformat(row["expected"])
    assert parsed is not None
    assert parsed.date() == expected.date()
    if "T" in row["expected"]:
        assert parsed.time() == expected.time()


def _days_only(row: dict) -> bool:
    delta = ast.literal_eval(row["delta"])
    return set(delta) == {"days"} and row["period"] == "day"


@pytest.mark.parametrize("row", _fixture_params("relative_fr_ar.tsv", _days_only))
def test_dateparser_relative_fixture(row):
    base = datetime(2012, 11, 13, 12, 0)
    days = ast.literal_eval(row["delta"])["days"]
    sign = 1 if row["direction"] == "future" else -1
    parsed = parse_date_text(row["input"], relative_base=base)
    assert parsed is not None
    assert parsed.date() == (base + sign * timedelta(days=days)).date()


def _seed_ticker() -> list[str]:
    if not SEED.exists():
        pytest.skip(f"{SEED} absent")
    line = SEED.read_text(encoding="utf-8").splitlines()[0]
    return [headline for headline in re.split(r"\s{2,}", line) if headline.strip()]


def test_ticker_stated_date_on_seed():
    assert ticker_stated_date(_seed_ticker()) == date(2024, 12, 23)


def test_seed_ticker_without_its_rubric_states_no_date():
    # only the forecast and "à compter du 1er janvier 2025" remain: neither is about today
    headlines = [h for h in _seed_ticker() if "Cours des devises" not in h]
    assert ticker_stated_date(headlines) is None


@pytest.mark.parametrize(
    ("headlines", "expected"),
    [
        # a forecast is about tomorrow
        (["Températures prévues pour le mardi 24 décembre 2024"], None),
        (["توقعات أحوال الطقس ليوم الثلاثاء 24 دجنبر 2024"], None),
        # the weekday disagrees with the date (23 Dec 2024 is a Monday)
        (["Cours des devises du mardi 23 décembre 2024"], None),
        # Arabic exchange-rate rubric
        (["أسعار صرف العملات ليوم الاثنين 23 دجنبر 2024"], date(2024, 12, 23)),
        # Arabic-Indic digits in the rubric
        (["أسعار صرف العملات ليوم الاثنين ٢٣ دجنبر ٢٠٢٤"], date(2024, 12, 23)),
        # a rubric needs no weekday
        (["Horaires des prières du 23 décembre 2024"], date(2024, 12, 23)),
        # "de ce <weekday>" reads as today
        (["Programme TV de ce lundi 23 décembre 2024"], date(2024, 12, 23)),
        # "اليوم <weekday>" reads as today
        (["انطلاق الدورة اليوم الاثنين 23 دجنبر 2024"], date(2024, 12, 23)),
        # a date in an ordinary headline is not today
        (["Gabon. La Constitution promulguée le 15 mars 2024"], None),
        (["Marchés : obligatoire à compter du 1er janvier 2025"], None),
        # "du" without a weekday outside a rubric is not today
        (["Le budget du 23 décembre 2024 adopté"], None),
        # most frequent wins
        (
            [
                "Cours des devises du lundi 23 décembre 2024",
                "Horaires des prières du lundi 23 décembre 2024",
                "Cours des devises du dimanche 22 décembre 2024",
            ],
            date(2024, 12, 23),
        ),
        # a tie goes to the latest date
        (
            [
                "Cours des devises du dimanche 22 décembre 2024",
                "Horaires des prières du lundi 23 décembre 2024",
            ],
            date(2024, 12, 23),
        ),
        ([], None),
    ],
)
def test_ticker_stated_date(headlines, expected):
    assert ticker_stated_date(headlines) == expected


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # explicit UTC
        ("maghress_fr_20241223T101500Z.txt", _utc(2024, 12, 23, 10, 15)),
        # naive local, winter: Casablanca is UTC+1
        ("20241223-101500.txt", _utc(2024, 12, 23, 9, 15)),
        ("2024-12-23T10-15-00.html", _utc(2024, 12, 23, 9, 15)),
        ("dump_2024-12-23_10-15.txt", _utc(2024, 12, 23, 9, 15)),
        # naive local during Ramadan 2024: Casablanca falls back to UTC+0
        ("2024-03-20_10-15.txt", _utc(2024, 3, 20, 10, 15)),
        # naive local in 2017, before Morocco moved to permanent UTC+1: winter was UTC+0
        ("2017-01-15_10-15.txt", _utc(2017, 1, 15, 10, 15)),
        # explicit offset wins over the Casablanca assumption
        ("2024-12-23 10:15:00+01:00", _utc(2024, 12, 23, 9, 15)),
        ("20241223T101500-0300", _utc(2024, 12, 23, 13, 15)),
        # epoch seconds
        ("capture_1734948900.txt", _utc(2024, 12, 23, 10, 15)),
        # the seed: counter and hex hash, no time
        ("000_46a3b748499c8f06.txt", None),
        # a date alone is not a capture time
        ("dump_2024-12-23.txt", None),
        # ten digits outside 2000..2100 are not an epoch
        ("0000012345.txt", None),
        ("9999999999.txt", None),
        # month 13 / hour 25
        ("20241323T101500Z.txt", None),
        ("2024-12-23_25-15.txt", None),
    ],
)
def test_timestamp_from_filename(name, expected):
    assert timestamp_from_filename(name) == expected


def test_to_utc_reads_naive_as_casablanca():
    assert to_utc(datetime(2024, 12, 23, 10, 15)) == _utc(2024, 12, 23, 9, 15)
    assert to_utc(_utc(2024, 12, 23, 10, 15)) == _utc(2024, 12, 23, 10, 15)
