"""Date normalization for Maghress bylines, tickers and dump file names (French and Arabic)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import pandas as pd
import pyarrow as pa

from tickerhouse.transforms.textfold import fold_date_series, fold_date_text
from tickerhouse.transforms.tz import CASABLANCA

# Moroccan news sites came online in the mid-1990s; an earlier byline is almost surely a misparse.
MIN_PLAUSIBLE_DATE = date(1995, 1, 1)

# Epoch seconds outside [2000, 2100) in a file name are far likelier to be counters or ids.
_EPOCH_MIN = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
_EPOCH_MAX = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp())

DATEPARSER_LANGUAGES = ["fr", "ar", "en"]

_FRENCH_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1,
    "février": 2, "févr": 2, "fév": 2, "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3, "mar": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "août": 8, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "décembre": 12, "déc": 12, "decembre": 12, "dec": 12,
}  # fmt: skip
_ARABIC_MONTHS = {
    # Moroccan (derived from French)
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ماي": 5, "يونيو": 6,
    "يوليوز": 7, "غشت": 8, "شتنبر": 9, "أكتوبر": 10, "نونبر": 11, "دجنبر": 12,
    # Levantine (Syriac)
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6,
    "تموز": 7, "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
    # Egyptian / Gulf
    "إبريل": 4, "مايو": 5, "يوليو": 7, "أغسطس": 8, "سبتمبر": 9, "نوفمبر": 11, "ديسمبر": 12,
}  # fmt: skip
_WEEKDAYS = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
    "الاثنين": 0, "الإثنين": 0, "الثلاثاء": 1, "الأربعاء": 2, "الخميس": 3, "الجمعة": 4,
    "السبت": 5, "الأحد": 6,
}  # fmt: skip

# Ticker rubrics whose date is, by construction, the day of publication.
_TODAY_RUBRICS = (
    "cours des devises",
    "cours de change",
    "horaires des prières",
    "horaires de prière",
    "heures des prières",
    "أسعار صرف العملات",
    "أسعار الصرف",
    "مواقيت الصلاة",
    "أوقات الصلاة",
)
# A weekday + date right after these reads as "today" even outside a known rubric.
_TODAY_MARKERS = ("du", "de ce", "ليوم", "اليوم")
_FORECAST_WORDS = ("prévu", "prévision", "demain", "توقع", "غدا", "الغد")


def _folded_table(table: dict[str, int]) -> dict[str, int]:
    return {fold_date_text(word): value for word, value in table.items()}


_MONTHS = _folded_table(_FRENCH_MONTHS) | _folded_table(_ARABIC_MONTHS)
_WEEKDAY_NUMBERS = _folded_table(_WEEKDAYS)


def _alternation(words: Sequence[str]) -> str:
    # Longest first so "يوليوز" wins over "يوليو" and "septembre" over "sept".
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_MONTH_ALT = _alternation(list(_MONTHS))
_WEEKDAY_ALT = _alternation(list(_WEEKDAY_NUMBERS))

# Patterns run on folded text through pyarrow's RE2: every group named, no lookaround.
_WEEKDAY_PART = rf"(?:(?P<weekday>{_WEEKDAY_ALT})\s*[,،]?\s+)?"
_TIME_PART = (
    r"(?:\s*(?:a|,|-|على الساعة|الساعة)?\s*"
    r"(?P<hour>[0-9]{1,2})\s*[h:]\s*(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?)?"
)
_FAST_PATTERNS = {
    "byline_numeric": (
        rf"(?:^|[^0-9]){_WEEKDAY_PART}(?P<day>[0-9]{{1,2}})\s*[-/.]\s*(?P<month>[0-9]{{1,2}})"
        rf"\s*[-/.]\s*(?P<year>[0-9]{{4}}){_TIME_PART}(?:$|[^0-9])"
    ),
    "byline_iso": (
        r"(?:^|[^0-9])(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"
        r"(?:[t ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?)?(?:$|[^0-9])"
    ),
    "byline_month_name": (
        rf"(?:^|[^0-9a-z]){_WEEKDAY_PART}(?P<day>[0-9]{{1,2}})(?:er|e)?\s*"
        rf"(?P<month_name>{_MONTH_ALT})\.?\s*[,،]?\s+(?P<year>[0-9]{{4}}){_TIME_PART}"
        r"(?:$|[^0-9])"
    ),
}
_PARTS = ("year", "month", "day", "hour", "minute", "second")


def to_utc(ts: datetime) -> datetime:
    """Return ts as a UTC-aware datetime; a naive ts is read as Africa/Casablanca local time."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=CASABLANCA)
    return ts.astimezone(UTC)


def _fast_parse(folded: pd.Series) -> pd.DataFrame:
    """Return date parts, weekday and method of the first fast pattern matching each row."""
    out = pd.DataFrame(index=folded.index, columns=[*_PARTS, "weekday"], dtype="float64")
    method = pd.Series(pd.NA, index=folded.index, dtype="str")
    for name, pattern in _FAST_PATTERNS.items():
        todo = method.isna()
        if not todo.any():
            break
        found = folded[todo].str.extract(pattern)
        if "month_name" in found:
            found["month"] = found["month_name"].map(_MONTHS)
        if "weekday" in found:
            found["weekday"] = found["weekday"].map(_WEEKDAY_NUMBERS)
        hit = found["year"].notna()
        rows = hit[hit].index
        for part in [*_PARTS, "weekday"]:
            if part in found:
                out.loc[rows, part] = pd.to_numeric(found.loc[rows, part], errors="coerce")
        method.loc[rows] = name
    out["method"] = method
    return out


def _assemble(parts: pd.DataFrame) -> pd.Series:
    """Return naive datetime64 per row from the parts; NaT where the parts are not a real date."""
    clock = parts[["hour", "minute", "second"]].fillna(0)
    # a garbled clock must not void a real date: the date is what the warehouse keeps
    clock = clock.where((clock["hour"] < 24) & (clock["minute"] < 60) & (clock["second"] < 60), 0)
    return pd.to_datetime(pd.concat([parts[["year", "month", "day"]], clock], axis=1), errors="coerce")


def _dateparser(text: str, relative_base: datetime) -> datetime | None:
    """Return dateparser's naive reading of text, None when it fails or raises."""
    import dateparser  # slow to import; only the fallback needs it

    try:
        parsed = dateparser.parse(
            text,
            languages=DATEPARSER_LANGUAGES,
            settings={
                "DATE_ORDER": "DMY",
                "PREFER_DAY_OF_MONTH": "first",
                "RELATIVE_BASE": relative_base,
                "RETURN_AS_TIMEZONE_AWARE": False,
            },
        )
    except Exception:  # dateparser raises assorted internal errors on odd input
        return None
    if parsed is None:
        return None
    return parsed.replace(tzinfo=None)


def _local_now() -> datetime:
    return datetime.now(CASABLANCA).replace(tzinfo=None)


def parse_date_text(text: str, relative_base: datetime | None = None) -> datetime | None:
    """Return the naive local datetime one date text states (time kept if given), else None."""
    if not text or not text.strip():
        return None
    parts = _fast_parse(fold_date_series(pd.Series([text], dtype="str")))
    if pd.notna(parts["method"].iloc[0]):
        stamp = _assemble(parts).iloc[0]
        return None if pd.isna(stamp) else stamp.to_pydatetime()
    return _dateparser(text.strip(), relative_base or _local_now())


def _local_capture(captured_at: pd.Series) -> pd.Series:
    """Return captured_at as naive Casablanca datetimes; raises on naive input."""
    stamps = pd.to_datetime(captured_at)
    if stamps.dt.tz is None:
        if stamps.notna().any():
            raise ValueError("captured_at must be timezone-aware (UTC)")
        stamps = stamps.dt.tz_localize(UTC)
    return stamps.dt.tz_convert(CASABLANCA).dt.tz_localize(None)


def _fallback(text: pd.Series, local_capture: pd.Series) -> pd.Series:
    """Return dateparser's datetime per row, calling it once per (string, capture date)."""
    keys = pd.DataFrame(
        {"text": text.str.strip(), "day": local_capture.dt.normalize(), "base": local_capture}
    )
    distinct = keys.groupby(["text", "day"], dropna=False, sort=False, as_index=False)["base"]
    distinct = distinct.min()
    now = _local_now()
    distinct["parsed"] = pd.to_datetime(
        [
            _dateparser(string, now if pd.isna(base) else base.to_pydatetime())
            for string, base in zip(distinct["text"], distinct["base"], strict=True)
        ]
    ).astype("datetime64[us]")
    # merge matches NaT capture days with each other, so rows without a capture time join too
    joined = keys.merge(distinct[["text", "day", "parsed"]], on=["text", "day"], how="left")
    return pd.Series(joined["parsed"].to_numpy(), index=text.index)


def parse_published_dates(raw: pd.Series, captured_at: pd.Series) -> pd.DataFrame:
    """Return published_date, date_suspect, date_method per byline date text (same index as raw)."""
    if not raw.index.equals(captured_at.index):
        raise ValueError("raw and captured_at must share the same index")
    text = raw.astype("str")
    local_capture = _local_capture(captured_at)
    missing = text.isna() | (text.str.strip() == "")

    parts = _fast_parse(fold_date_series(text.where(~missing)))
    method = parts["method"].copy()
    published = _assemble(parts).dt.normalize()
    fast_hit = method.notna()
    method = method.where(~(fast_hit & published.isna()), "impossible")
    weekday_clash = published.notna() & parts["weekday"].notna()
    weekday_clash &= parts["weekday"] != published.dt.day_of_week

    todo = ~missing & ~fast_hit
    if todo.any():
        guessed = _fallback(text[todo], local_capture[todo]).dt.normalize()
        published.loc[todo] = guessed
        method.loc[todo] = guessed.notna().map({True: "dateparser", False: "unparsed"})
    method = method.where(~missing, "missing")

    too_early = published < pd.Timestamp(MIN_PLAUSIBLE_DATE)
    too_late = published > local_capture.dt.normalize()
    suspect = method.isin(["impossible", "unparsed"]) | too_early | too_late | weekday_clash
    return pd.DataFrame(
        {
            "published_date": published.astype(pd.ArrowDtype(pa.date32())),
            "date_suspect": suspect.astype(bool),
            "date_method": method.astype("str"),
        },
        index=raw.index,
    )


_TICKER_DATE = re.compile(
    rf"(?<![0-9a-z])(?:(?P<weekday>{_WEEKDAY_ALT})\s*[,،]?\s+)?(?P<day>[0-9]{{1,2}})(?:er|e)?\s*"
    rf"(?P<month>{_MONTH_ALT})\.?\s*[,،]?\s+(?P<year>[0-9]{{4}})(?![0-9])"
)
_FORECAST = re.compile("|".join(re.escape(fold_date_text(word)) for word in _FORECAST_WORDS))
_RUBRIC_PREFIX = re.compile(
    rf"(?:{_alternation([fold_date_text(r) for r in _TODAY_RUBRICS])})"
    r"\s*(?:du|de ce|de|pour le|ليوم|يوم|:|-)?\s*$"
)
_MARKER_PREFIX = re.compile(rf"(?:^|\s)(?:{_alternation(list(_TODAY_MARKERS))})\s*$")


# A stated date always has a four-digit year: headlines without one (most) skip the folding.
_HAS_YEAR = re.compile("[0-9\u0660-\u0669\u06f0-\u06f9]{4}")


@lru_cache(maxsize=65_536)  # tickers repeat most headlines from one snapshot to the next
def _today_in_headline(headline: str) -> date | None:
    """Return the date a headline states about its own day, None if it states none or several."""
    if not _HAS_YEAR.search(headline):
        return None
    folded = fold_date_text(headline)
    if _FORECAST.search(folded):
        return None
    found: set[date] = set()
    for match in _TICKER_DATE.finditer(folded):
        try:
            stated = date(int(match["year"]), _MONTHS[match["month"]], int(match["day"]))
        except ValueError:
            continue
        weekday = match["weekday"]
        if weekday is not None and _WEEKDAY_NUMBERS[weekday] != stated.weekday():
            return None
        prefix = folded[: match.start()]
        if _RUBRIC_PREFIX.search(prefix) or (weekday and _MARKER_PREFIX.search(prefix)):
            found.add(stated)
    return found.pop() if len(found) == 1 else None


def ticker_stated_date(headlines: Sequence[str]) -> date | None:
    """Return the date a ticker's rubric headlines state as today (one per ticker), else None."""
    found = [d for d in map(_today_in_headline, headlines) if d is not None]
    if len(found) <= 1:  # most tickers: no rubric headline, or one
        return found[0] if found else None
    counts = Counter(found)
    return max(counts, key=lambda d: (counts[d], d))


_ALNUM = "0-9A-Za-z"
_FILENAME_STAMPS = (
    # 20241223T101500Z, 20241223-101500, 20241223_1015+0100
    re.compile(
        rf"(?<![{_ALNUM}])(?P<year>(?:19|20|21)[0-9]{{2}})(?P<month>[0-9]{{2}})(?P<day>[0-9]{{2}})"
        r"[T_-]?(?P<hour>[0-9]{2})(?P<minute>[0-9]{2})(?P<second>[0-9]{2})?"
        rf"(?P<tz>Z|[+-][0-9]{{2}}:?[0-9]{{2}})?(?![{_ALNUM}])",
        re.IGNORECASE,
    ),
    # 2024-12-23T10-15-00, 2024-12-23_10-15, 2024-12-23 10:15:00+01:00
    re.compile(
        rf"(?<![{_ALNUM}])(?P<year>[0-9]{{4}})-(?P<month>[0-9]{{2}})-(?P<day>[0-9]{{2}})"
        r"[T_ ](?P<hour>[0-9]{2})[-:h]?(?P<minute>[0-9]{2})(?:[-:]?(?P<second>[0-9]{2}))?"
        rf"(?P<tz>Z|[+-][0-9]{{2}}:?[0-9]{{2}})?(?![{_ALNUM}])",
        re.IGNORECASE,
    ),
)
_EPOCH = re.compile(rf"(?<![{_ALNUM}])(?P<epoch>[0-9]{{10}})(?![{_ALNUM}])")


def _stamp_from_match(match: re.Match[str]) -> datetime | None:
    """Return the UTC-aware datetime a file-name match spells, None if a component is invalid."""
    parts: dict[str, Any] = match.groupdict()
    try:
        stamp = datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"]),
            int(parts["minute"]),
            int(parts["second"] or 0),
        )
    except ValueError:
        return None
    zone = parts["tz"]
    if zone is None:
        return to_utc(stamp)
    if zone.upper() == "Z":
        return stamp.replace(tzinfo=UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if offset > timedelta(hours=14) or int(digits[2:]) >= 60:
        return None
    return (stamp - sign * offset).replace(tzinfo=UTC)


def timestamp_from_filename(name: str) -> datetime | None:
    """Return the UTC-aware capture time spelled in one file name, None when it spells none."""
    for pattern in _FILENAME_STAMPS:
        match = pattern.search(name)
        if match:
            return _stamp_from_match(match)
    match = _EPOCH.search(name)
    if match and _EPOCH_MIN <= int(match["epoch"]) < _EPOCH_MAX:
        return datetime.fromtimestamp(int(match["epoch"]), tz=UTC)
    return None
