# ruff: noqa: RUF001  (the tables map codes to look-alike symbols on purpose: the Symbol font draws an asterisk operator, a minus sign)
"""Text in a symbol font, read as the symbol a person sees (decision 0137).

Wingdings, Wingdings 2, Webdings and Symbol draw their own pictures on ordinary character codes:
a Word check mark is `w:sym w:font="Wingdings" w:char="F0FC"` or the letter `ü` in a run set in
Wingdings; a battlecard's feature table holds `ü` and `û` in cells styled in Wingdings (a check
and a cross on screen). Office writes such a character either as its byte (`ü`, U+00FC) or in
the private-use page Windows maps symbol fonts to (U+F0FC, "F0" + the byte), so a character is
read by its low byte in either form.

The meanings follow the Wingdings, Webdings and Adobe Symbol repertoires as Unicode mapped them
(Unicode 7.0 encoded the Wingdings and Webdings pictures; Adobe's Symbol encoding maps its
font); where that mapping gives an ornamental code point (U+1F5F8 LIGHT CHECK MARK), the common
character of the same meaning is used (U+2713 ✓), which people type when they search. No
package on the registries carries these tables (checked: PyPI has none), so they are here; only
symbols of common use in business documents are listed. A character the table does not know is
left out, never indexed as the letter it is stored as (`ü` is not what anyone sees) nor as a
private-use code point, which no search matches.
"""

from __future__ import annotations

import re
from typing import Final

_ARROWS: Final = {0xDF: "←", 0xE0: "→", 0xE1: "↑", 0xE2: "↓"}
_WINGDINGS: Final[dict[int, str]] = {
    0x22: "✂",
    0x28: "☎",
    0x2A: "✉",
    0x3F: "✍",
    0x41: "✌",
    0x43: "👍",
    0x44: "👎",
    0x46: "☜",
    0x47: "☞",
    0x48: "☝",
    0x49: "☟",
    0x4A: "☺",
    0x4B: "😐",
    0x4C: "☹",
    0x4E: "☠",
    0x51: "✈",
    0x52: "☼",
    0x54: "❄",
    0x6C: "●",
    0x6D: "❍",
    0x6E: "■",
    0x6F: "□",
    0x70: "◼",
    0x71: "❑",
    0x72: "❒",
    0x73: "⬧",
    0x74: "⧫",
    0x75: "◆",
    0x76: "❖",
    0x77: "⬥",
    0x78: "⌧",
    0x80: "⓪",
    **{0x81 + n: chr(0x2460 + n) for n in range(10)},  # ① to ⑩
    0x8B: "⓿",
    **{0x8C + n: chr(0x2776 + n) for n in range(10)},  # ❶ to ❿
    0x9F: "•",
    0xA1: "○",
    0xA4: "◉",
    0xA7: "▪",
    0xA8: "◻",
    0xAA: "✦",
    0xAB: "★",
    0xD8: "➢",
    **_ARROWS,
    0xE8: "➔",
    0xEF: "⇦",
    0xF0: "⇨",
    0xF1: "⇧",
    0xF2: "⇩",
    0xFB: "✗",
    0xFC: "✓",
    0xFD: "☒",
    0xFE: "☑",
}
_WINGDINGS_2: Final[dict[int, str]] = {
    0x4F: "✗",
    0x50: "✓",
    0x51: "☒",
    0x52: "☑",
    0x53: "☒",
    0x54: "☒",
    0x97: "●",
    0xA2: "○",
    0xA3: "□",
    0xA7: "■",
}
_WEBDINGS: Final[dict[int, str]] = {
    0x33: "◀",
    0x34: "▶",
    0x35: "▲",
    0x36: "▼",
    0x61: "✓",
    0x69: "ℹ",
    0x72: "✗",
}
_SYMBOL_LETTERS: Final = (
    "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ",  # A-Z
    "αβχδεφγηιϕκλμνοπθρστυϖωξψζ",  # a-z
)
_SYMBOL: Final[dict[int, str]] = {
    **{0x41 + n: c for n, c in enumerate(_SYMBOL_LETTERS[0])},
    **{0x61 + n: c for n, c in enumerate(_SYMBOL_LETTERS[1])},
    # Printable ASCII that the Symbol font draws as itself.
    **{code: chr(code) for code in b"!#%&()+,./0123456789:;<=>?[]_{|}"},
    0x20: " ",
    0x22: "∀",
    0x24: "∃",
    0x27: "∋",
    0x2A: "∗",
    0x2D: "−",
    0x40: "≅",
    0x5C: "∴",
    0x5E: "⊥",
    0x7E: "∼",
    0xA2: "′",
    0xA3: "≤",
    0xA4: "⁄",
    0xA5: "∞",
    0xA6: "ƒ",
    0xA7: "♣",
    0xA8: "♦",
    0xA9: "♥",
    0xAA: "♠",
    0xAB: "↔",
    0xAC: "←",
    0xAD: "↑",
    0xAE: "→",
    0xAF: "↓",
    0xB0: "°",
    0xB1: "±",
    0xB2: "″",
    0xB3: "≥",
    0xB4: "×",
    0xB5: "∝",
    0xB6: "∂",
    0xB7: "•",
    0xB8: "÷",
    0xB9: "≠",
    0xBA: "≡",
    0xBB: "≈",
    0xBC: "…",
    0xC0: "ℵ",
    0xC4: "⊗",
    0xC5: "⊕",
    0xC6: "∅",
    0xC7: "∩",
    0xC8: "∪",
    0xC9: "⊃",
    0xCA: "⊇",
    0xCB: "⊄",
    0xCC: "⊂",
    0xCD: "⊆",
    0xCE: "∈",
    0xCF: "∉",
    0xD0: "∠",
    0xD1: "∇",
    0xD2: "®",
    0xD3: "©",
    0xD4: "™",
    0xD5: "∏",
    0xD6: "√",
    0xD7: "⋅",
    0xD8: "¬",
    0xD9: "∧",
    0xDA: "∨",
    0xDB: "⇔",
    0xDC: "⇐",
    0xDD: "⇑",
    0xDE: "⇒",
    0xDF: "⇓",
    0xE0: "◊",
    0xE1: "〈",
    0xE2: "®",
    0xE3: "©",
    0xE4: "™",
    0xE5: "∑",
    0xF1: "〉",
    0xF2: "∫",
}
_FONTS: Final[dict[str, dict[int, str]]] = {
    "wingdings": _WINGDINGS,
    "wingdings 1": _WINGDINGS,
    "wingdings 2": _WINGDINGS_2,
    "webdings": _WEBDINGS,
    "symbol": _SYMBOL,
}
_PRIVATE_SYMBOL_PAGE: Final = 0xF000
PRIVATE_SYMBOLS: Final = re.compile("[\uf000-\uf0ff]")
"""The private-use page Windows maps symbol fonts' codes to."""


def is_symbol_font(font: str | None) -> bool:
    """Whether `font` (a typeface name as Office stores it, any case) draws pictures on
    character codes: Wingdings, Wingdings 2, Webdings or Symbol."""
    return (font or "").strip().lower() in _FONTS


def symbol_text(text: str, font: str | None) -> str:
    """`text` as a person sees it when set in `font`: each character of a symbol font read as
    the symbol it draws (see the module's docstring), unknown ones left out. Text in any
    other font (`font` None, "Calibri") comes back as it is, but for characters of the
    private-use page symbol fonts are written in (U+F000-U+F0FF), which no other font draws
    and no search matches: they are left out."""
    table = _FONTS.get((font or "").strip().lower())
    if table is None:
        return PRIVATE_SYMBOLS.sub("", text)
    shown = []
    for character in text:
        code = ord(character)
        if _PRIVATE_SYMBOL_PAGE <= code <= _PRIVATE_SYMBOL_PAGE + 0xFF:
            code -= _PRIVATE_SYMBOL_PAGE
        if character.isspace() or code > 0xFF:
            # Beyond the font's 256 codes the character is itself (Word draws a Greek "beta" or "✓"
            # typed into a Symbol run from another font).
            shown.append(character)
        elif code in table:
            shown.append(table[code])
    return "".join(shown)


def symbol_character(font: str | None, code: str | None) -> str:
    """The symbol of Word's `w:sym` (`font` "Wingdings", `code` the hex "F0FC" or "FC"; in
    another font, such as "Segoe UI Symbol", `code` is the Unicode character itself); ""
    when unknown or malformed."""
    try:
        value = int(code or "", 16)
    except ValueError:
        return ""
    if not 0 <= value <= 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return ""
    return symbol_text(chr(value), font)
