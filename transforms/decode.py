"""Bytes of a page dump to text: encoding detection, repairs, and HTML pages reduced to text lines."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from tickerhouse.transforms.utf16 import utf16_without_bom

# The ticker separator on the site: four NBSP after every headline.
TICKER_SEPARATOR = "\u00a0" * 4

# Beyond this share of control characters a file is not text (random bytes, images, archives).
BINARY_CONTROL_SHARE = 0.05

# UTF-8 read as Latin-1/cp1252 turns é into "Ã©", Arabic into "Ø§"/"Ù„", quotes into "â€": ftfy's full
# check is costly, so it runs only on text showing one of these lead characters before a continuation.
_MOJIBAKE_LEADS = "\u00c2\u00c3\u00c5\u00ce\u00cf\u00d8\u00d9\u00da\u00db\u00e2"
_MOJIBAKE_HINT = re.compile(f"[{_MOJIBAKE_LEADS}][\u0080-\u00bf\u0152-\u2122]")
# The hint in UTF-8: a lead character (U+00C0-U+00FF: 0xC3, then the code point - 0x40), then one whose
# first byte is 0xC2-0xE2 (U+0080 to U+2122), NUL bytes between (removed before the hint is looked for).
# Text decoded from UTF-8 can show the hint only where its bytes do; a bytes scan finds that ~9x faster,
# and French text's "â", "Î" before a letter do not count.
_MOJIBAKE_HINT_BYTES = re.compile(
    b"\xc3[" + bytes(ord(c) - 0x40 for c in _MOJIBAKE_LEADS) + b"]\x00*[\xc2-\xe2]"
)
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same characters as bytes: what UTF-8 and cp1252 decode them from. Deleting every other byte value
# (bytes.translate, ~6x faster than the regex) tells whether a file can hold any control character.
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))
_HTML_START = re.compile(r"(<!doctype html|<html|<head|<body|<marquee)", re.IGNORECASE)


def _after_prolog(text: str) -> int:
    """Return where the root element may start: after blanks, an XML declaration and comments.

    XHTML pages (the site's JSF pages) open with `<?xml version='1.0' encoding='UTF-8' ?>`. A plain scan
    with str.find, not a regex: a repeated group over blanks backtracks exponentially.
    """
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text.startswith("<?xml", pos):
            end = text.find("?>", pos)
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
        else:
            return pos
        if end < 0:
            return pos
        pos = end + (2 if text[end] == "?" else 3)


_HTML_BLOCKS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header li main nav ol p pre section table td th tr ul".split()
)
_HTML_SKIPPED = ("script", "style", "noscript", "template", "marquee")


class BinaryContentError(ValueError):
    """The bytes are not a text document (too many control characters)."""


@dataclass(frozen=True)
class Decoded:
    """A dump decoded to text, with the encoding found and every repair applied."""

    text: str
    encoding: str
    repairs: tuple[str, ...]


def _decode_lines_mixed(data: bytes) -> tuple[str, str, list[str]]:
    """Decode line by line: UTF-8 where valid, Windows-1252 elsewhere; a cut-off tail is dropped."""
    lines = data.split(b"\n")
    out: list[str] = []
    n_cp1252 = 0
    repairs: list[str] = []
    for i, line in enumerate(lines):
        try:
            out.append(line.decode("utf-8"))
            continue
        except UnicodeDecodeError as err:
            last = i == len(lines) - 1
            if last and err.reason == "unexpected end of data" and err.end == len(line):
                out.append(line[: err.start].decode("utf-8", errors="replace"))
                repairs.append("truncated_multibyte_tail_dropped")
                continue
        out.append(line.decode("cp1252", errors="replace"))
        n_cp1252 += 1
    n_non_ascii = sum(1 for line in lines if not line.isascii())
    if n_cp1252 == 0:
        encoding = "utf-8"
    elif n_cp1252 >= n_non_ascii:
        encoding = "cp1252"
    else:
        encoding = "mixed"
        repairs.append(f"mixed_encoding_{n_cp1252}_lines_cp1252")
    return "\n".join(out), encoding, repairs


def decode_bytes(data: bytes) -> Decoded:
    """Return the dump's text: BOM stripped, UTF-8 or Windows-1252 (per line if mixed), mojibake repaired."""
    repairs: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        repairs.append("utf8_bom_stripped")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
        return _finish(text, "utf-16", [*repairs, "utf16_decoded"], may_hold_control=True)
    elif (codec := utf16_without_bom(data)) is not None:  # before UTF-8: ASCII in UTF-16 is valid UTF-8
        text = data[: len(data) // 2 * 2].decode(codec)
        return _finish(text, codec, [*repairs, "utf16_without_bom_decoded"], may_hold_control=True)
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding, more = _decode_lines_mixed(data)
        repairs.extend(more)
    may_hold_control = bool(data.translate(None, _NOT_CONTROL_BYTES))
    may_show_mojibake = encoding != "utf-8" or _MOJIBAKE_HINT_BYTES.search(data) is not None
    return _finish(text, encoding, repairs, may_hold_control, may_show_mojibake)


def _finish(
    text: str, encoding: str, repairs: list[str], may_hold_control: bool, may_show_mojibake: bool = True
) -> Decoded:
    # NUL runs are what a crash mid-write leaves (a zero-filled tail): drop them, keep the text.
    n_nul = text.count("\x00")
    if n_nul:
        text = text.replace("\x00", "")
        repairs.append(f"nul_bytes_removed_{n_nul}")
    if text and may_hold_control:
        n_control = len(_CONTROL.findall(text))
        if n_control / len(text) > BINARY_CONTROL_SHARE:
            raise BinaryContentError(
                f"binary content: {n_control} control characters in {len(text)} ({encoding})"
            )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if may_show_mojibake and _MOJIBAKE_HINT.search(text):
        import ftfy  # on demand: its import (wcwidth's tables) costs ~0.3 s, and few dumps show the hint

        if ftfy.badness.is_bad(text) and (fixed := ftfy.fix_encoding(text)) != text:
            text = fixed
            repairs.append("mojibake_repaired")
    if _HTML_START.match(text, _after_prolog(text)):
        text = html_to_text(text)
        repairs.append("html_page_converted")
    return Decoded(text, encoding, tuple(repairs))


def html_to_text(html: str) -> str:
    """Return an HTML page as dump-like text: marquee anchors as the ticker line, then one line per block."""
    tree = LexborHTMLParser(html)
    ticker = [a.text(deep=True, strip=True) for a in tree.css("marquee a")]
    tree.strip_tags(list(_HTML_SKIPPED))
    root = tree.body or tree.root
    lines: list[str] = []
    if root is not None:
        for node in root.traverse(include_text=False):
            if node.tag not in _HTML_BLOCKS:
                continue
            # `!=`, not `is not`: selectolax hands out a new wrapper object for the same node each time.
            if any(child.tag in _HTML_BLOCKS for child in node.traverse(include_text=False) if child != node):
                continue
            lines.append(" ".join(node.text(deep=True, separator=" ").split()))
    ticker_line = "".join(h + TICKER_SEPARATOR for h in ticker)
    return "\n".join([ticker_line, *lines])
