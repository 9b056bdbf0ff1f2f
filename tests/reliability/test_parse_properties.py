"""Property tests: parse_dump never raises and always honours its contract, on any bytes or dump-like text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickerhouse.transforms import parse as P
from tickerhouse.transforms.parse import ParsedDump, parse_dump

LABELS_ALL = {P.TICKER, P.BOILERPLATE, P.TITLE, P.BYLINE, P.PARAGRAPH, P.CAPTION, P.FOOTER, P.BLANK, P.OTHER}

NBSP = "\u00a0"
PIECES = st.sampled_from(
    [
        "Hespress : le gouvernement adopte le projet",
        "المنتخب الوطني يتأهل إلى نصف النهائي",
        "Publié dans Hespress le 24 - 11 - 2021",
        "Publié dans Le 360 le 31 - 02 - 2021",
        "نشر في هسبريس يوم 22 - 03 - 2018",
        "Merci d'avoir signalé!",
        "Cliquez ici pour lire l'article depuis sa source.",
        "<html><body><marquee><a>Un</a><a>Deux</a></marquee><p>Texte.</p></body></html>",
        "<p>Publié dans Le Matin le 01 - 01 - 2024</p>",
        "Une phrase de paragraphe qui se termine.",
        "Légende d'image",
        "PubliÃ© dans",
        "",
    ]
)
SEPARATORS = st.sampled_from([NBSP * 4, NBSP * 8, "  ", "\t\t", " ", "\n", "\r\n", "\x00", NBSP])
DUMP_TEXT = st.lists(st.one_of(PIECES, SEPARATORS, st.text(max_size=20)), max_size=40).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])
# Modest counts: CI runs these on every push; raise locally with --hypothesis-seed / settings when hunting.
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_contract(parsed: ParsedDump) -> None:
    assert isinstance(parsed, ParsedDump)
    assert isinstance(parsed.text, str) and isinstance(parsed.encoding, str)
    assert all(isinstance(r, str) for r in parsed.repairs)
    assert parsed.usable == (parsed.reject_reason is None)
    if parsed.reject_reason is not None:
        assert parsed.reject_reason.strip()
    if parsed.labels:
        assert len(parsed.labels) == len(parsed.text.split("\n"))  # one label per line of the text
        assert set(parsed.labels) <= LABELS_ALL
    for entry in parsed.ticker:
        assert entry and entry == entry.strip()  # non-empty, trimmed
    if parsed.ticker:
        first = parsed.text.split("\n")[0]
        at = 0
        for entry in parsed.ticker:  # each entry found after the previous one: line order kept
            at = first.find(entry, at)
            assert at >= 0, entry
            at += len(entry)
    if parsed.usable:
        assert parsed.ticker or parsed.article is not None
    if parsed.article is not None:
        assert parsed.article.edition in ("fr", "ar")
        assert all(p and p == p.strip() for p in parsed.article.paragraphs)


@FAST
@given(st.binary(max_size=4096))
def test_any_bytes(data: bytes) -> None:
    _assert_contract(parse_dump(data))


@FAST
@given(DUMP_TEXT, ENCODINGS)
def test_dump_like_text(text: str, encoding: str) -> None:
    _assert_contract(parse_dump(text.encode(encoding, errors="replace")))


HEADLINE = st.from_regex(r"[A-Za-zéàçء-ي]{1,12}( [A-Za-zéàçء-ي]{1,12}){0,5}", fullmatch=True)


@FAST
@given(st.lists(HEADLINE, min_size=2, max_size=30), st.integers(2, 9))
def test_ticker_line_gives_back_its_headlines_in_order(headlines: list[str], width: int) -> None:
    parsed = parse_dump("".join(h + NBSP * width for h in headlines).encode())
    _assert_contract(parsed)
    assert list(parsed.ticker) == headlines  # duplicates kept at their positions
