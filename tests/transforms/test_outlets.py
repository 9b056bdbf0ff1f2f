import csv
import time

import pandas as pd
import pytest

from helpers import REPO, SHARED
from tickerhouse.transforms.outlets import (
    build_alias_index,
    fold_outlet_name,
    normalize_sources,
    outlets_table,
)

OUTLETS_CSV = REPO / "data" / "outlets.csv"
MAGHRESS_SOURCES = SHARED / "fixtures" / "maghress_ar_ticker_2018-03-22" / "sources.tsv"


@pytest.fixture(scope="module")
def outlets() -> pd.DataFrame:
    return pd.read_csv(OUTLETS_CSV, dtype=str, keep_default_na=False)


def normalize_one(raw: str | None, outlets: pd.DataFrame) -> pd.Series:
    return normalize_sources(pd.DataFrame({"source_raw": [raw]}), outlets).iloc[0]


def maghress_menu() -> list[dict[str, str]]:
    if not MAGHRESS_SOURCES.is_file():
        pytest.skip("../shared fixtures are absent")
    with MAGHRESS_SOURCES.open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if r["slug"] != "fr"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("le360", "Le360"),  # lowercase
        ("Le 360", "Le360"),  # inner space
        ("LE360", "Le360"),  # uppercase
        ("Le360.ma", "Le360"),  # cited by its domain
        ("Medias24", "Médias24"),  # accent dropped
        ("Médias 24", "Médias24"),  # accent kept, inner space
        ("medias24", "Médias24"),  # lowercase, no accent
        ("H24 info", "H24info"),  # inner space
        ("H24Info", "H24info"),  # camel case
        ("L\u2019Opinion", "L'Opinion"),  # curly apostrophe
        ("L'opinion", "L'Opinion"),  # lowercase after the apostrophe
        ("L\u02bcOpinion", "L'Opinion"),  # modifier-letter apostrophe, a letter to Unicode
        ("Telquel", "TelQuel"),  # case
        ("Tel Quel", "TelQuel"),  # two words
        ("Hespress Fr", "Hespress FR"),  # case of the edition suffix
        ("hespress fr", "Hespress FR"),  # all lowercase
        ("Hespress", "Hespress"),  # the French edition's byline for the Arabic outlet
        ("Aujourd\u2019hui le Maroc", "Aujourd'hui le Maroc"),  # curly apostrophe
        ("Liberation", "Libération"),  # accent dropped
        ("L'Economiste", "L'Economiste"),  # brand spelling itself
        ("L\u2019Économiste", "L'Economiste"),  # curly apostrophe and accented capital
        ("Yabiladi.com", "Yabiladi"),  # cited by its domain
        ("  Le\u00a0Desk ", "Le Desk"),  # NBSP and padding from the dump
    ],
)
def test_variant_maps_to_brand_spelling(raw: str, expected: str, outlets: pd.DataFrame) -> None:
    row = normalize_one(raw, outlets)
    assert row["source"] == expected
    assert row["source_known"]


@pytest.mark.parametrize(
    "raw",
    [
        "هسبريس",  # as Maghress writes it
        "هِسْبْرِيس",  # with harakat
        "هســبريس",  # with tatweel
        "هسبريس\u200f",  # trailing right-to-left mark
    ],
)
def test_arabic_variants_map_to_hespress(raw: str, outlets: pd.DataFrame) -> None:
    row = normalize_one(raw, outlets)
    assert row["outlet_id"] == "hespress"
    assert row["source"] == "Hespress"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("إتحاد", "اتحاد"),  # hamza-below alef
        ("أخبارنا", "اخبارنا"),  # hamza-above alef
        ("ٱلعلم", "العلم"),  # wasla alef
        ("مسائية", "مساييه"),  # ta marbuta and hamza seat
        ("الأولى", "الاولي"),  # alef maqsura
        ("ناظور٢٤", "ناظور24"),
    ],
)
def test_fold_unifies_arabic_letter_forms(raw: str, expected: str) -> None:
    assert fold_outlet_name(raw) == fold_outlet_name(expected)


@pytest.mark.parametrize(
    ("raw", "outlet_id"),
    [
        ("Hespress", "hespress"),  # Arabic outlet, Latin byline
        ("Hespress FR", "hespress_fr"),  # its French edition
        ("Hespress English", "hespress_en"),  # its English edition
        ("fr.hespress.com", "hespress_fr"),  # French edition by domain
        ("Le360", "le360"),  # general news site
        ("Sport.le360", "sport_le360"),  # its sports site is another outlet
        ("MAP Express", "mapexpress"),  # French wire service
        ("MAP", "map"),  # Maghress's slug for the Arabic wire service
    ],
)
def test_sibling_outlets_stay_distinct(raw: str, outlet_id: str, outlets: pd.DataFrame) -> None:
    assert normalize_one(raw, outlets)["outlet_id"] == outlet_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Le Monde", "Le Monde"),  # outlet absent from the table
        ("  Le\u00a0 Petit   Journal ", "Le Petit Journal"),  # whitespace collapsed, NBSP too
        ("Inconnu.ma", "Inconnu.ma"),  # TLD kept when the bare name is unknown too
        ("x" * 10_000, "x" * 10_000),  # absurdly long name is just unknown
    ],
)
def test_unknown_outlet_keeps_trimmed_raw_name(raw: str, expected: str, outlets: pd.DataFrame) -> None:
    row = normalize_one(raw, outlets)
    assert row["source"] == expected
    assert not row["source_known"]
    assert pd.isna(row["outlet_id"])


@pytest.mark.parametrize(
    "raw",
    [
        None,  # no byline found
        "  \u00a0 ",  # blank byline
    ],
)
def test_missing_source_stays_null(raw: str | None, outlets: pd.DataFrame) -> None:
    row = normalize_one(raw, outlets)
    assert pd.isna(row["source"])
    assert pd.isna(row["outlet_id"])
    assert not row["source_known"]


def test_long_raw_name_is_fast(outlets: pd.DataFrame) -> None:
    df = pd.DataFrame({"source_raw": ["y" * 10_000 + ".ma", "Le360"] * 1_000})
    started = time.perf_counter()
    out = normalize_sources(df, outlets)
    # Generous bound: the distinct names are folded once, so this takes milliseconds.
    assert time.perf_counter() - started < 2.0
    assert out["source_known"].tolist() == [False, True] * 1_000


def test_normalize_keeps_rows_and_does_not_mutate(outlets: pd.DataFrame) -> None:
    df = pd.DataFrame({"source_raw": ["Le 360", None, "Inconnu"], "title": ["a", "b", "c"]})
    before = df.copy()
    outlets_before = outlets.copy()
    out = normalize_sources(df, outlets)
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_frame_equal(outlets, outlets_before)
    assert out["title"].tolist() == ["a", "b", "c"]
    assert out["source_known"].dtype == bool


def test_custom_column_name(outlets: pd.DataFrame) -> None:
    out = normalize_sources(pd.DataFrame({"byline": ["Telquel"]}), outlets, column="byline")
    assert out.loc[0, "source"] == "TelQuel"


def test_real_table_has_no_alias_collision(outlets: pd.DataFrame) -> None:
    index = build_alias_index(outlets)
    assert set(index.values()) == set(outlets["outlet_id"])


@pytest.mark.parametrize(
    ("rows", "culprit"),
    [
        # one alias claimed by two outlets
        ([("a", "Alpha", "Beta"), ("b", "Beta", "")], "Beta"),
        # distinct spellings that fold to one key
        ([("a", "Alpha", "Le 360"), ("b", "Beta", "LE360")], "LE360"),
        # same outlet_id twice
        ([("a", "Alpha", ""), ("a", "Beta", "")], "'a'"),
    ],
)
def test_collision_raises(rows: list[tuple[str, str, str]], culprit: str) -> None:
    outlets = pd.DataFrame(
        [
            {
                "outlet_id": oid,
                "name": name,
                "language": "fr",
                "homepage": "",
                "maghress_slug": "",
                "aliases": aliases,
            }
            for oid, name, aliases in rows
        ]
    )
    with pytest.raises(ValueError, match=culprit):
        build_alias_index(outlets)


def test_every_maghress_slug_maps_to_its_outlet(outlets: pd.DataFrame) -> None:
    menu = maghress_menu()
    table = outlets.set_index("outlet_id")["maghress_slug"]
    for raw in ("slug", "name_ar"):
        out = normalize_sources(pd.DataFrame({"source_raw": [r[raw] for r in menu]}), outlets)
        assert out["source_known"].all(), raw
        assert table[out["outlet_id"]].tolist() == [r["slug"] for r in menu], raw


def test_outlets_table_shape(outlets: pd.DataFrame) -> None:
    table = outlets_table(outlets)
    assert table.columns.tolist() == [
        "outlet_id",
        "name",
        "language",
        "homepage",
        "maghress_slug",
        "aliases",
    ]
    assert table["outlet_id"].is_unique
    assert set(table["language"]) <= {"fr", "ar", "en"}
    hespress_fr = table.set_index("outlet_id").loc["hespress_fr"]
    assert pd.isna(hespress_fr["maghress_slug"])
    assert "Hespress Français" in hespress_fr["aliases"]
    assert table["homepage"].dropna().str.startswith("https://").all()
    assert (table["homepage"].dropna() != "").all()
