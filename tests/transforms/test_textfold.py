"""The named folds: what each folds and what it keeps, and the ones stored keys depend on, pinned."""

import pandas as pd
import pytest

from tickerhouse.transforms.tables import stable_id
from tickerhouse.transforms.textfold import (
    APOSTROPHES,
    fold_date_series,
    fold_date_text,
    fold_marker,
    fold_outlet_name,
    fold_text,
    headline_key,
    replace_chars,
)


@pytest.mark.parametrize(
    ("text", "matching", "identity", "outlet", "date"),
    [
        # accents: only the matching, outlet and date folds drop them (a headline's identity keeps them)
        ("Fès", "fes", "fès", "fes", "fes"),
        # hyphens: words to the matching fold, kept by identity, gone from an outlet key
        ("Etats-Unis", "etats unis", "etats-unis", "etatsunis", "etats-unis"),
        # curly apostrophe: "'" for matching and identity, gone from an outlet key
        ("L’Opinion", "l'opinion", "l'opinion", "lopinion", "l’opinion"),
        # Arabic letter forms: unified by the matching and outlet folds only; dates drop the hamza mark
        ("الأولى", "الاولي", "الأولى", "الاولي", "الاولى"),
        # Arabic-Indic digits: ASCII for every fold but identity
        ("اليوم ٢٤", "اليوم 24", "اليوم ٢٤", "اليوم24", "اليوم 24"),
        # NBSP and space runs: one space (none in an outlet key)
        ("Le\u00a0 360", "le 360", "le 360", "le360", "le 360"),
        # ß: casefold gives "ss", the date fold's lower() keeps it
        ("Straße", "strasse", "strasse", "strasse", "straße"),
    ],
)
def test_each_variant_folds_what_its_use_needs(text, matching, identity, outlet, date):
    assert fold_text(text) == matching
    assert headline_key(text) == identity
    assert fold_outlet_name(text) == outlet
    assert fold_date_text(text) == date


def test_headline_ids_are_stable():
    # headline_id is this hash in every warehouse already built: a change to headline_key breaks them.
    assert stable_id(headline_key("Bank Al-Maghrib maintient son taux directeur à 2,75%")) == (
        "734538217ee04405354fb24c831a6ab8"
    )
    assert stable_id(headline_key("بنك المغرب يبقي على سعر الفائدة الرئيسي")) == (
        "4e1b097abcef4d75a41d39cd237b0026"
    )
    # curly apostrophe, capitals, a space run, NBSP and a ligature: the folded parts of the key
    assert stable_id(headline_key("L’ONU salue  le Maroc\u00a0: ﬁnancement de 2,75%")) == (
        "c2e4181917d905fa468f952539173944"
    )


def test_marker_fold_ignores_the_widget_line_s_final_punctuation():
    assert (
        fold_marker("Merci d’avoir  signalé !")
        == fold_marker("Merci d'avoir signalé!")
        == ("merci d'avoir signalé")
    )


def test_apostrophes_map_the_same_before_or_after_casefold_on_nfkc_text():
    # fold_marker reuses headline_key, which maps apostrophes before casefolding; the marker fold was
    # first written the other way round. The orders differ on U+0149 alone, which NFKC decomposes.
    import unicodedata

    differ = [
        c
        for c in map(chr, range(0x110000))
        if replace_chars(c, APOSTROPHES).casefold() != replace_chars(c.casefold(), APOSTROPHES)
    ]
    assert differ == ["\u0149"]
    assert unicodedata.normalize("NFKC", "\u0149") == "\u02bcn"


def test_date_fold_scalar_and_series_forms_agree():
    texts = ["24 - 11 - ٢٠٢١", "5 Févr.  2024", "الأربعاء 1 يناير 2025", "Lundi\u00a023 décembre 2024", ""]
    assert fold_date_series(pd.Series(texts, dtype="str")).tolist() == [fold_date_text(t) for t in texts]


def test_replace_chars_gives_what_str_translate_gives():
    from tickerhouse.transforms.textfold import _TEXT_LETTERS, _char_table

    text = "".join(map(chr, range(0x2100))) + "ـل٣-ة’`" * 3
    for table in (APOSTROPHES, _TEXT_LETTERS):
        assert replace_chars(text, table) == text.translate(str.maketrans(table))
    # a replacement holding a replaced character would be replaced again: such a table is refused
    with pytest.raises(ValueError, match="single characters"):
        _char_table({"a": "b", "b": "c"})
