"""Every text fold of tickerhouse: one named variant per need, each saying why it folds what it folds.

- `fold_text`, matching (topic terms, rubrics, headline tokens): case, accents, apostrophes, Arabic letter
  forms, hyphens, digits; punctuation and line breaks kept.
- `headline_key`, identity (`headline_id`): NFKC, case, apostrophes, spaces only.
- `fold_marker`, the site's widget and footer lines: `headline_key` without the final " .!".
- `fold_outlet_name`, outlet lookup (`outlet_id`): letters and digits only, accents and Arabic forms folded.
- `fold_date_text` / `fold_date_series`, dates: lowercase, accents, harakat, tatweel, digits, spaces.

`headline_key` and `fold_outlet_name` decide what warehouses store (the headline ids, the articles'
outlets): what they fold changes only with a migration that re-derives those keys.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd

# Shared pieces ------------------------------------------------------------------------------------

# Apostrophe glyphs outlets type for "'". Applied before NFKD: U+00B4 would otherwise decompose into a
# space plus a combining accent.
APOSTROPHE_VARIANTS = "\u2019\u2018\u02bc\u00b4`\u2032\u201b"


def _char_table(mapping: dict[str, str]) -> dict[str, str]:
    """Return a replace_chars table, checked: single characters to replacements that hold none of them."""
    if any(len(char) != 1 or any(char in r for r in mapping.values()) for char in mapping):
        raise ValueError("a replace_chars table maps single characters to text holding none of them")
    return mapping


def replace_chars(text: str, table: dict[str, str]) -> str:
    """Return text with every character of `table` replaced: what str.translate gives with that table.

    A replacement never holds a table character (_char_table), so replacing one character after another
    maps each character once, as translate does. str.replace scans for one character at C speed, where
    translate looks every character of a non-ASCII text up in a dict: ~25x faster on an article body.
    """
    for char, replacement in table.items():
        if char in text:
            text = text.replace(char, replacement)
    return text


APOSTROPHES = _char_table(dict.fromkeys(APOSTROPHE_VARIANTS, "'"))

# Combining marks removed once NFD/NFKD has split them off their letters: Latin accents; Arabic harakat,
# tanween, shadda, sukun and the hamza above/below split off an alef or a seat; the superscript alef.
_MARK_SPANS = ((0x0300, 0x036F), (0x064B, 0x065F), (0x0670, 0x0670))
_MARK_CLASS = "".join(f"{chr(first)}-{chr(last)}" for first, last in _MARK_SPANS)  # regex class body
_MARK_CHARS = "".join(chr(c) for first, last in _MARK_SPANS for c in range(first, last + 1))
_TATWEEL = "\u0640"  # Arabic letter stretching: decoration only

# Letters with another accepted spelling, for the folds that unify spellings.
_SPELLINGS = {
    "\u0153": "oe",  # œ has no decomposition
    "\u00e6": "ae",
    "\u0671": "\u0627",  # alef wasla has none either; the hamza/madda alefs lose their marks in NFD/NFKD
    "\u0649": "\u064a",  # alef maqsura written for final yeh
    "\u0629": "\u0647",  # taa marbuta spelled as haa by many outlets
    "\u06cc": "\u064a",  # Persian yeh, common in copy-pasted text
    "\u06a9": "\u0643",  # keheh (Persian kaf)
}
_ARABIC_INDIC_ZERO, _EXTENDED_ARABIC_INDIC_ZERO = 0x0660, 0x06F0
_ASCII_DIGITS = {
    chr(zero + d): str(d) for zero in (_ARABIC_INDIC_ZERO, _EXTENDED_ARABIC_INDIC_ZERO) for d in range(10)
}

# fold_text: matching ----------------------------------------------------------------------------

# Hyphens join words the same way spaces do in headlines ("Etats-Unis", "air-air", "F-16").
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_TEXT_LETTERS = _char_table({**_SPELLINGS, _TATWEEL: "", **dict.fromkeys(_HYPHENS, " "), **_ASCII_DIGITS})
# Quranic annotation marks (U+06D6-U+06ED) too: they sit inside words of religious headlines.
_TEXT_MARKS = re.compile(f"[{_MARK_CLASS}\u06d6-\u06ed]")
# A run of spaces other than line breaks becomes one " ": only runs of 2+ and lone non-" " spaces change,
# so only they are matched (a text's single " " gaps are most of its matches otherwise: ~2x slower).
_SPACES = re.compile(r"[^\S\n][^\S\n]+|[^\S\n ]")
_LINE_BREAKS = re.compile(r" ?\n[\s]*")


def fold_text(text: str) -> str:
    """Return the text case-, accent-, apostrophe- and Arabic-spelling-folded, one space per gap.

    The matching fold: as much spelling as an editor's term can differ from a headline's is folded away,
    while punctuation stays (terms match on word boundaries, rubrics end in ":") and line breaks survive,
    collapsed to one, so that line-start rubrics stay findable.
    """
    if text.isascii():
        folded = text.lower().replace("`", "'").replace("-", " ")
    else:
        folded = unicodedata.normalize("NFKD", replace_chars(text, APOSTROPHES).casefold())
        folded = replace_chars(_TEXT_MARKS.sub("", folded), _TEXT_LETTERS)
    folded = _SPACES.sub(" ", folded)
    if "\n" in folded:
        folded = _LINE_BREAKS.sub("\n", folded)
    return folded.strip()


# headline_key and fold_marker: identity ----------------------------------------------------------


def headline_key(text: str) -> str:
    """Return the normalized form two spellings of the same headline share (case, spaces, apostrophes).

    The identity fold: only what outlets vary without writing another headline (case, spacing, the
    apostrophe glyph, NFKC compatibility forms). Accents and Arabic letter forms are kept: `headline_id`
    is this key's hash in every warehouse, so the fold is frozen.
    """
    folded = replace_chars(unicodedata.normalize("NFKC", text), APOSTROPHES).casefold()
    return " ".join(folded.split())


@lru_cache(maxsize=8192)  # widget, footer and caption lines recur in dump after dump
def fold_marker(line: str) -> str:
    """Return the form a line of the site's fixed text (widget, footer) is compared in.

    `headline_key` and the final " .!" copies of the widget drop or double. (headline_key casefolds
    before it maps apostrophes, the reverse of the order this fold was first written in: the two agree on
    every NFKC text, U+0149 being the one character where the orders differ, and NFKC decomposes it.)
    """
    return headline_key(line).rstrip(" .!")


# fold_outlet_name: lookup key --------------------------------------------------------------------

# U+02BC and U+02BB are letters to Unicode, which the punctuation sweep below would keep; the other
# apostrophes would go with the punctuation anyway.
_OUTLET_TABLE = str.maketrans(
    {
        **dict.fromkeys(_MARK_CHARS + _TATWEEL + APOSTROPHE_VARIANTS + "\u02bb'\uff07"),
        **_SPELLINGS,
        **_ASCII_DIGITS,
    }
)
_NON_KEY = re.compile(r"[\W_]+")


def fold_outlet_name(name: str) -> str:
    """Return the matching key of one outlet name: lowercase letters and digits, no marks.

    The lookup fold: spaces and punctuation go too ("Le 360" == "le360", "H24 info" == "H24info"). NFKC
    first so fullwidth and ligature forms compare, then NFD so hamza seats split off their marks.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = unicodedata.normalize("NFD", text).translate(_OUTLET_TABLE)
    return _NON_KEY.sub("", text)


# fold_date_text and fold_date_series: dates ------------------------------------------------------

# Tatweel goes with the marks: "févr." == "fevr." and "أبريل" == "ابريل". Letter forms and punctuation
# stay: the month tables are folded by the same function, and the date patterns read the separators.
_DATE_MARKS = f"[{_MARK_CLASS}{_TATWEEL}]"
_DATE_DIGITS = str.maketrans(_ASCII_DIGITS)
_DIGIT_CLASSES = {
    str(d): f"[{chr(_ARABIC_INDIC_ZERO + d)}{chr(_EXTENDED_ARABIC_INDIC_ZERO + d)}]" for d in range(10)
}


def fold_date_text(text: str) -> str:
    """Return text lowercased, accent/harakat-free, ASCII digits, single spaces (scalar form).

    lower(), not casefold(): the series form runs on pyarrow kernels, which have lower only, and the two
    forms must fold month names alike.
    """
    text = re.sub(_DATE_MARKS, "", unicodedata.normalize("NFKD", text)).lower()
    text = text.translate(_DATE_DIGITS)
    return re.sub(r"\s+", " ", text).strip()


def fold_date_series(raw: pd.Series) -> pd.Series:
    """Return fold_date_text applied with vectorized pyarrow kernels; one row per input row."""
    text = raw.astype("str").str.normalize("NFKD").str.replace(_DATE_MARKS, "", regex=True)
    text = text.str.lower()
    for ascii_digit, pattern in _DIGIT_CLASSES.items():
        text = text.str.replace(pattern, ascii_digit, regex=True)
    return text.str.replace(r"\s+", " ", regex=True).str.strip()
