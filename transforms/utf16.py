"""UTF-16 saved without a byte-order mark, told apart from UTF-8 and cp1252 (stdlib only, for discovery)."""

from __future__ import annotations

# In UTF-16 text, every ASCII character (spaces, digits, punctuation, line ends, NBSP too) has a zero
# byte on one side: French text has ~95 % of its code units there, Arabic dumps ~25 % (spaces, digits,
# separators). A zero on the other side is rare (U+0100, U+0200 ... only). UTF-8 and cp1252 text has no
# zero byte at all, except a crash's zero-filled tail, which falls on both sides alike.
UTF16_MIN_ZERO_SHARE = 0.10  # of the code units: below Arabic dumps' ~25 %, far above random bytes' 0.4 %
UTF16_MAX_OTHER_SIDE = 0.05  # zeros on the other side, relative to the zeros on the text's side


def utf16_without_bom(data: bytes) -> str | None:
    """Return "utf-16-le" or "utf-16-be" when data reads as UTF-16 without a BOM, else None."""
    if len(data) < 4 or b"\x00" not in data:
        return None
    units = len(data) // 2
    even, odd = data[0 : units * 2 : 2].count(0), data[1 : units * 2 : 2].count(0)
    for codec, text_side, other_side in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if text_side >= UTF16_MIN_ZERO_SHARE * units and other_side <= UTF16_MAX_OTHER_SIDE * text_side:
            try:
                data[: units * 2].decode(codec)
            except UnicodeDecodeError:  # a lone surrogate: not UTF-16 after all
                return None
            return codec
    return None
