"""Text folding shared by topic tagging and headline keys: one canonical spelling per text."""

import re
import unicodedata

# Applied before NFKD: U+00B4 would otherwise decompose into a space plus a combining accent.
APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc\u00b4`\u2032\u201b", "'"))

# Hyphens join words the same way spaces do in headlines ("Etats-Unis", "air-air", "F-16").
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"

_LETTERS = str.maketrans(
    {
        "\u0153": "oe",  # œ has no decomposition
        "\u00e6": "ae",
        "\u0671": "\u0627",  # alef wasla; the hamza/madda alefs lose their marks in NFKD
        "\u0649": "\u064a",  # alef maqsura written for final yeh
        "\u0629": "\u0647",  # taa marbuta spelled as haa by many outlets
        "\u06cc": "\u064a",  # Persian yeh, common in copy-pasted text
        "\u06a9": "\u0643",  # keheh
        "\u0640": None,  # tatweel is decoration only
        **dict.fromkeys(_HYPHENS, " "),
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)

# Latin accents, Arabic harakat/tanween/shadda/hamza-above-below, Quranic annotation marks.
_MARKS = re.compile("[\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed]")
_SPACES = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile(r" ?\n[\s]*")


def fold_text(text: str) -> str:
    """Return the text case-, accent-, apostrophe- and Arabic-spelling-folded, one space per gap.

    Line breaks survive (collapsed to one) so that line-start rubrics stay findable.
    """
    if text.isascii():
        folded = text.lower().replace("`", "'").replace("-", " ")
    else:
        folded = unicodedata.normalize("NFKD", text.translate(APOSTROPHES).casefold())
        folded = _MARKS.sub("", folded).translate(_LETTERS)
    folded = _SPACES.sub(" ", folded)
    if "\n" in folded:
        folded = _LINE_BREAKS.sub("\n", folded)
    return folded.strip()
