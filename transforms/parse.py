"""One dump's bytes to its labelled lines, ticker headlines and article fields (no normalization)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tickerhouse.transforms.decode import BinaryContentError, decode_bytes
from tickerhouse.transforms.site import EDITIONS
from tickerhouse.transforms.textfold import fold_marker

# Labels a line can get; `tickerhouse parse` shows them so a user can audit a reading.
TICKER, BOILERPLATE, TITLE, BYLINE, PARAGRAPH, CAPTION, FOOTER, BLANK, OTHER = (
    "ticker",
    "boilerplate",
    "title",
    "byline",
    "paragraph",
    "caption",
    "footer",
    "blank",
    "other",
)

# Widget and footer lines are short (the longest, both widget sentences in one HTML block, ~150 chars):
# longer lines are never folded to be compared with them.
_MARKER_MAX_CHARS = 300
# Captions on the site are short; the seed's longest is 60 characters. Paragraphs run to thousands.
CAPTION_MAX_CHARS = 160

# \s covers NBSP (U+00A0) and the other Unicode spaces; `\s\s+` runs ~1.6x faster than `\s{2,}` in `re`.
_TICKER_SPLIT = re.compile(r"\s\s+")
_TRAILING_SEPARATOR = re.compile(r"\S\s{2,}\Z")
_DIGIT = "0-9\u0660-\u0669\u06f0-\u06f9"


def _words(text: str) -> str:
    """Return the pattern of a byline's words: spaces as any run of them, a final "é" read leniently."""
    # Bylines copied by hand drop the participle's accent or make it feminine: Publie, Publiée.
    return r"\s+".join(re.sub("é$", "[ée]e?", re.escape(word)) for word in text.split())


def _byline_pattern(byline: str) -> re.Pattern[str]:
    """Return the pattern of an edition's byline format: `<lead> outlet <link> date`, or no date."""
    lead, _, rest = byline.partition("{outlet}")
    lead, link = _words(lead), _words(rest.partition("{date}")[0])
    return re.compile(
        rf"^\s*{lead}\s+(?P<outlet>.+?)\s+{link}\s+(?P<date>[{_DIGIT}].*?)\s*$"
        rf"|^\s*{lead}\s+(?P<outlet_only>.+?)\s*$",
        re.IGNORECASE,
    )


# Outlet names may contain the link word ("Aujourd'hui le Maroc le 24 - 11 - 2021"): the outlet is the
# shortest name followed by the link word and a digit.
_BYLINES = {edition: _byline_pattern(text.byline) for edition, text in EDITIONS.items()}
_BYLINE_NAMES = " / ".join(f"'{t.byline.format(outlet='...', date='...')}'" for t in EDITIONS.values())
# Decoder repairs that say the file ends early (a truncated write, a zero-filled tail).
_CUT_REPAIRS = ("truncated_multibyte_tail_dropped", "nul_bytes_removed")
# Final punctuation that marks a sentence (a paragraph), Latin and Arabic.
_FINAL_PUNCT = tuple('.!?…»"”):;؟،؛')


# The site's widget and footer lines, compared after fold_marker. A text dump has the widget's two
# sentences on two lines; a saved HTML page has them in one element.
_BOILERPLATE = frozenset(
    fold_marker(s) for text in EDITIONS.values() for s in (*text.widget, " ".join(text.widget))
)
_FOOTER = frozenset(fold_marker(text.footer) for text in EDITIONS.values())


@dataclass(frozen=True)
class Article:
    """The article of a dump as written on the page (raw outlet and date text)."""

    title: str | None
    source_raw: str
    date_raw: str | None
    paragraphs: tuple[str, ...]
    captions: tuple[str, ...]
    edition: str  # "fr" or "ar": which byline grammar matched


@dataclass(frozen=True)
class ParsedDump:
    """A dump read: its text, labelled lines, ticker headlines in order, article, or why it was rejected."""

    text: str
    encoding: str
    repairs: tuple[str, ...]
    labels: tuple[str, ...]
    ticker: tuple[str, ...]
    article: Article | None
    reject_reason: str | None = None

    @property
    def usable(self) -> bool:
        """True when the dump had a ticker or an article and was not rejected."""
        return self.reject_reason is None


def _is_marker(line: str, markers: frozenset[str]) -> bool:
    return len(line) <= _MARKER_MAX_CHARS and fold_marker(line) in markers


def split_ticker(line: str) -> tuple[str, ...]:
    """Return the headlines of a ticker line in order: split on 2+ spaces/NBSP, trimmed, empties dropped."""
    # Split after trimming the line: each separator run is taken whole, so no part is empty or padded.
    stripped = line.strip()
    return tuple(_TICKER_SPLIT.split(stripped)) if stripped else ()


def _ticker_entries(line: str) -> tuple[str, ...]:
    """Return the line's headlines when it is a ticker line, else ()."""
    if _is_marker(line, _BOILERPLATE) or _match_byline(line):
        return ()
    entries = split_ticker(line)
    if len(entries) >= 2 or (len(entries) == 1 and _TRAILING_SEPARATOR.search(line)):
        return entries
    return ()


def _match_byline(line: str) -> tuple[str, str | None, str] | None:
    """Return (outlet, date text or None, edition) when the line is an article byline."""
    for edition, pattern in _BYLINES.items():
        m = pattern.match(line)
        if m:
            outlet = m.group("outlet") or m.group("outlet_only")
            return " ".join(outlet.split()), m.group("date"), edition
    return None


def _is_caption(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) <= CAPTION_MAX_CHARS and not stripped.endswith(_FINAL_PUNCT)


def parse_text(text: str) -> tuple[tuple[str, ...], tuple[str, ...], Article | None]:
    """Return (one label per line, ticker headlines, article or None) for a decoded dump."""
    lines = text.split("\n")
    labels = [BLANK if not line.strip() else OTHER for line in lines]
    ticker = _ticker_entries(lines[0])
    if ticker:
        labels[0] = TICKER
    byline_at = None
    for i, line in enumerate(lines):
        if labels[i] == BLANK or labels[i] == TICKER:
            continue
        folded = fold_marker(line) if len(line) <= _MARKER_MAX_CHARS else ""
        if folded in _BOILERPLATE:
            labels[i] = BOILERPLATE
        elif folded in _FOOTER:
            labels[i] = FOOTER
        elif byline_at is None and _match_byline(line):
            labels[i] = BYLINE
            byline_at = i
    if byline_at is None:
        return tuple(labels), ticker, None
    outlet, date_raw, edition = _match_byline(lines[byline_at])  # type: ignore[misc]
    title = None
    for i in range(byline_at - 1, -1, -1):
        if labels[i] == OTHER:
            labels[i] = TITLE
            title = lines[i].strip()
            break
        if labels[i] != BLANK:
            break
    paragraphs: list[str] = []
    captions: list[str] = []
    for i in range(byline_at + 1, len(lines)):
        if labels[i] == FOOTER:
            break
        if labels[i] != OTHER:
            continue
        line = lines[i].strip()
        if _is_caption(line):
            labels[i] = CAPTION
            captions.append(line)
        else:
            labels[i] = PARAGRAPH
            paragraphs.append(line)
    article = Article(title, outlet, date_raw, tuple(paragraphs), tuple(captions), edition)
    return tuple(labels), ticker, article


def parse_dump(data: bytes) -> ParsedDump:
    """Return the parsed dump, or a ParsedDump with a specific reject_reason when it holds nothing usable."""
    if not data:
        return ParsedDump("", "", (), (), (), None, "empty file: 0 bytes")
    try:
        decoded = decode_bytes(data)
    except BinaryContentError as err:
        return ParsedDump("", "", (), (), (), None, str(err))
    text = decoded.text
    if not text.strip():
        return ParsedDump(
            text,
            decoded.encoding,
            decoded.repairs,
            (),
            (),
            None,
            f"whitespace only: {len(data)} bytes, no visible character",
        )
    labels, ticker, article = parse_text(text)
    repairs = decoded.repairs
    # A dump cut off inside its ticker line ends mid-headline; the site writes a separator after
    # every headline, so an unterminated last entry of a file known to be cut is a fragment.
    cut = any(r.startswith(_CUT_REPAIRS) for r in repairs)
    if ticker and cut and "\n" not in text and not text[-1].isspace():
        ticker = ticker[:-1]
        repairs = (*repairs, "cut_off_ticker_entry_dropped")
    reason = None
    if not ticker and article is None:
        reason = (
            "no ticker and no article: line 1 is not a headline ticker and no line is a "
            f"{_BYLINE_NAMES} byline"
        )
    return ParsedDump(text, decoded.encoding, repairs, labels, ticker, article, reason)
