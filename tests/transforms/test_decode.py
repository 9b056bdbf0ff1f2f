"""Decoding the real seed dump and every damaged variant a scraper leaves behind."""

import codecs
import html
import random

import pytest

from tickerhouse.transforms.decode import (
    _MOJIBAKE_HINT,
    _MOJIBAKE_HINT_BYTES,
    _MOJIBAKE_LEADS,
    TICKER_SEPARATOR,
    BinaryContentError,
    decode_bytes,
    html_to_text,
)

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def seed_text(seed_bytes: bytes) -> str:
    return seed_bytes.decode("utf-8")


def test_seed_is_plain_utf8_read_without_repairs(seed_bytes, seed_text):
    decoded = decode_bytes(seed_bytes)
    assert decoded.text == seed_text
    assert decoded.encoding == "utf-8"
    assert decoded.repairs == ()
    # The separators are NBSP, not ASCII spaces: decoding must not normalize them away.
    assert decoded.text.split("\n")[0].endswith(TICKER_SEPARATOR)


def _mojibake(text: str) -> bytes:
    """UTF-8 bytes read as Latin-1 and saved again as UTF-8 (`PubliÃ© dans`)."""
    return text.encode("utf-8").decode("latin-1").encode("utf-8")


def _mojibake_cp1252(text: str) -> bytes:
    """UTF-8 bytes read as Windows-1252 (undefined bytes kept as is) and saved as UTF-8."""
    return "".join(
        bytes([b]).decode("cp1252", errors="replace").replace("\ufffd", chr(b)) for b in text.encode("utf-8")
    ).encode("utf-8")


@pytest.mark.parametrize(
    ("make", "encoding", "repairs"),
    [
        # the file a Windows tool saves: BOM first
        (lambda t: codecs.BOM_UTF8 + t.encode(), "utf-8", ("utf8_bom_stripped",)),
        # an older scraper writing the page's code page
        (lambda t: t.encode("cp1252"), "cp1252", ()),
        # UTF-8 read as Latin-1 then written as UTF-8
        (_mojibake, "utf-8", ("mojibake_repaired",)),
        # the same through Windows-1252, the common case on the web
        (_mojibake_cp1252, "utf-8", ("mojibake_repaired",)),
        # saved on Windows
        (lambda t: t.replace("\n", "\r\n").encode(), "utf-8", ()),
        # old Mac line ends
        (lambda t: t.replace("\n", "\r").encode(), "utf-8", ()),
        # UTF-16 with BOM
        (lambda t: t.encode("utf-16"), "utf-16", ("utf16_decoded",)),
    ],
    ids=["bom", "cp1252", "mojibake_latin1", "mojibake_cp1252", "crlf", "cr", "utf16"],
)
def test_variants_decode_to_the_seed_text(seed_text, make, encoding, repairs):
    decoded = decode_bytes(make(seed_text))
    assert decoded.text == seed_text
    assert decoded.encoding == encoding
    assert decoded.repairs == repairs


def test_mojibake_byline_is_repaired(seed_text):
    damaged = _mojibake(seed_text)
    assert "PubliÃ© dans Hespress".encode() in damaged
    assert "Publié dans Hespress le 24 - 11 - 2021" in decode_bytes(damaged).text


@pytest.mark.parametrize(
    ("char", "kept"),
    [
        ("é", 1),  # 1 byte of 2
        ("’", 1),  # 1 byte of 3
        ("’", 2),  # 2 bytes of 3
        ("\U0001f600", 3),  # 3 bytes of 4
    ],
)
def test_truncated_multibyte_tail_is_dropped_not_garbled(seed_text, char, kept):
    data = seed_text.encode() + char.encode()[:kept]
    decoded = decode_bytes(data)
    assert decoded.text == seed_text
    assert decoded.encoding == "utf-8"
    assert decoded.repairs == ("truncated_multibyte_tail_dropped",)


def test_one_cp1252_line_in_a_utf8_file_is_decoded_per_line(seed_bytes, seed_text):
    lines = seed_text.split("\n")
    # the byline saved by another tool in Windows-1252
    mixed = b"\n".join(
        line.encode("cp1252") if line.startswith("Publié dans") else line.encode() for line in lines
    )
    decoded = decode_bytes(mixed)
    assert decoded.text == seed_text
    assert decoded.encoding == "mixed"
    assert decoded.repairs == ("mixed_encoding_1_lines_cp1252",)


def test_invalid_utf8_bytes_in_the_middle_keep_the_rest(seed_text):
    data = seed_text.encode().replace(b"dirhams", b"dirh\xff\xfeams", 1)
    decoded = decode_bytes(data)
    lines = decoded.text.split("\n")
    assert lines[1:] == seed_text.split("\n")[1:]
    assert "Publié dans Hespress le 24 - 11 - 2021" in decoded.text
    assert decoded.encoding == "mixed"


@pytest.mark.parametrize(
    ("where", "n"),
    [
        ("tail", 2000),  # a crash mid-write leaves a zero-filled tail
        ("middle", 1),  # a stray NUL inside the ticker
    ],
)
def test_nul_bytes_are_removed_and_counted(seed_text, where, n):
    data = seed_text.encode()
    data = data + b"\x00" * n if where == "tail" else data[:100] + b"\x00" + data[100:]
    decoded = decode_bytes(data)
    assert decoded.text == seed_text
    assert decoded.repairs == (f"nul_bytes_removed_{n}",)


@pytest.mark.parametrize(
    "data",
    [
        random.Random(1).randbytes(3000),  # uniform random bytes: many control characters
        bytes(range(32)) * 50,  # nothing but control characters
    ],
    ids=["random", "controls"],
)
def test_binary_content_is_refused(data):
    with pytest.raises(BinaryContentError, match="binary content"):
        decode_bytes(data)


def _seed_as_html(seed_text: str) -> str:
    lines = seed_text.split("\n")
    anchors = "".join(
        f'<a href="/x/{i}">{html.escape(h)}</a>' + "&nbsp;" * 4
        for i, h in enumerate(lines[0].split(TICKER_SEPARATOR)[:-1])
    )
    body = "".join(f"<p>{html.escape(line)}</p>\n" for line in lines[1:] if line.strip())
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Maghress</title>'
        "<script>var x = '<p>not text</p>';</script></head><body>\n"
        f"<marquee>{anchors}</marquee>\n<article>{body}</article>\n</body></html>\n"
    )


def test_html_page_gives_the_marquee_as_ticker_and_one_line_per_element(seed_text):
    page = _seed_as_html(seed_text)
    decoded = decode_bytes(page.encode())
    assert decoded.repairs == ("html_page_converted",)
    lines = decoded.text.split("\n")
    # NBSP entities become the same 4 x NBSP separators as in a text dump.
    assert lines[0] == seed_text.split("\n")[0]
    assert lines[1:] == [" ".join(line.split()) for line in seed_text.split("\n")[1:] if line.strip()]


def test_html_nested_blocks_give_the_innermost_text_once():
    page = "<html><body><div><div><p>Un</p><p>Deux <b>gras</b></p></div></div><div>Trois</div></body></html>"
    assert html_to_text(page).split("\n") == ["", "Un", "Deux gras", "Trois"]


def test_text_mentioning_html_is_not_converted(seed_text):
    data = ("Le <html> en question" + NBSP * 4 + "Autre titre" + NBSP * 4 + "\n").encode()
    assert "html_page_converted" not in decode_bytes(data).repairs


XHTML_PAGE = (
    "<?xml version='1.0' encoding='UTF-8' ?>\n"
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"'
    ' "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
    "<!-- rendered by JSF -->\n  \n"
    '<html xmlns="http://www.w3.org/1999/xhtml"><body><marquee><a>Premier titre</a><a>Second titre</a>'
    "</marquee><h1>Un titre</h1><p>Publié dans Le Matin le 12 - 06 - 2024</p></body></html>"
)


@pytest.mark.parametrize(
    "page",
    [
        XHTML_PAGE,  # the site's JSF pages: XML declaration, XHTML doctype, a comment, blank lines
        "<!-- saved by wget -->\n<!-- twice -->\n"
        "<html><body><marquee><a>Premier titre</a></marquee></body></html>",
        '\n\n  <?xml version="1.0"?><html><body><marquee><a>Premier titre</a></marquee></body></html>',
    ],
)
def test_html_after_an_xml_declaration_and_comments_is_converted(page):
    decoded = decode_bytes(page.encode())
    assert "html_page_converted" in decoded.repairs
    assert decoded.text.split("\n")[0] == "Premier titre" + TICKER_SEPARATOR + (
        "Second titre" + TICKER_SEPARATOR if "Second" in page else ""
    )


def test_an_unclosed_comment_is_not_html():
    assert "html_page_converted" not in decode_bytes(b"<!-- no end " + b"x" * 100_000).repairs


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_decoded(seed_text, codec):
    decoded = decode_bytes(seed_text.encode(codec))  # French and Arabic alike: the seed holds both
    assert decoded.text == seed_text.replace("\r\n", "\n")
    assert decoded.encoding == codec
    assert "utf16_without_bom_decoded" in decoded.repairs


def test_utf16_without_bom_of_arabic_text_is_decoded():
    text = "المغرب يشيد ب »الدحض الأممي » لادعاءات خصوم الوحدة الترابية\nنشر في هسبريس يوم 24 - 11 - 2021\n"
    assert decode_bytes(text.encode("utf-16-le")).text == text


def test_utf8_with_a_zero_filled_tail_is_not_read_as_utf16(seed_bytes, seed_text):
    decoded = decode_bytes(seed_bytes + b"\x00" * 4096)  # zeros on both byte sides alike
    assert decoded.encoding == "utf-8"
    assert decoded.text == seed_text


@pytest.mark.parametrize(
    "head",
    [" " * 50_000, "\n \t" * 20_000, "<!-- x -->  " * 5_000, "<?xml " + "a" * 100_000],
)  # runs of blanks, comments, an unclosed declaration: the HTML test must stay linear in them
def test_html_detection_is_linear_in_what_precedes_the_text(head):
    import time

    started = time.perf_counter()
    decoded = decode_bytes((head + "Un titre\u00a0\u00a0\u00a0\u00a0\n").encode())
    assert time.perf_counter() - started < 1.0
    assert "html_page_converted" not in decoded.repairs


def test_the_mojibake_byte_scan_finds_every_text_the_hint_would():
    """The bytes pre-check may pass more than the text hint, never less: every lead character before every
    character of the BMP's first blocks (with the NUL bytes a crash leaves between them, removed later)."""
    for lead in _MOJIBAKE_LEADS:
        for code in range(0x20, 0x3000):
            if 0xD800 <= code <= 0xDFFF:
                continue
            pair = lead + chr(code)
            if _MOJIBAKE_HINT.search(pair):
                for gap in (b"", b"\x00\x00"):
                    data = lead.encode() + gap + chr(code).encode()
                    assert _MOJIBAKE_HINT_BYTES.search(data), pair


def test_french_circumflexes_skip_the_mojibake_check():
    text = "Le bâtiment de l'Île et l'âge d'or: Châteaux\n"
    decoded = decode_bytes(text.encode())
    assert (decoded.text, decoded.repairs) == (text, ())
    assert _MOJIBAKE_HINT_BYTES.search(text.encode()) is None
    assert _MOJIBAKE_HINT_BYTES.search(_mojibake(text))
