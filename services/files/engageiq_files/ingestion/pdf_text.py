"""What a PDF's text layer says, made searchable (decision 0132): whether the layer can be
read at all (a subset font without a ToUnicode map gives glyph ids, not letters), text drawn
letter by letter put back into words, and the typesetter's forms undone: ligature and
other presentation-form characters, soft hyphens, and words hyphenated at a line end."""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Final

UNREADABLE_SHARE: Final = 0.05
"""Share of a page's visible characters that are not text (control characters, private-use
code points, unassigned code points, U+FFFD, pdfminer-style "(cid:12)") above which its
text layer is unreadable. A subset font without a ToUnicode map gives glyph ids: in the
Identity-H fonts Word and browsers write, every space is glyph 3 (U+0003), so even its
letter-looking mojibake ("7KH\\x03FRQILJ") is caught; an icon font's few private-use
bullets on a real page stay far below it."""
MIN_JUDGED_CHARS: Final = 20
"""Visible characters a text layer needs before it is judged: a page number alone is not."""
LETTER_SPACED_TOKENS: Final = 5
"""Tokens a line needs to count as letter-spaced ("P r i c e  p e r"): fewer is a list of
initials or options ("A B C")."""
LETTER_SPACED_SHARE: Final = 0.8
"""Share of a letter-spaced line's tokens that are one character long."""

_CID: Final = re.compile(r"\(cid:\d+\)")
_NOT_TEXT: Final = frozenset({"Cc", "Co", "Cs", "Cn"})
# Alphabetic presentation forms (ligatures ff, fi, fl, ffi, ffl, st; Hebrew and Armenian
# forms) and the Arabic presentation forms: typesetters' glyph choices, not letters.
_PRESENTATION: Final = re.compile("[\ufb00-\ufdff\ufe70-\ufefe]+")
_SOFT_HYPHEN: Final = re.compile("\u00ad[ \t]*\n?[ \t]*")
# `\b` first: without it every start inside a long word was tried, each running to the
# word's end (work growing with the square of its length: 40,000 letters took 28 s).
_LINE_END_HYPHEN: Final = re.compile(r"\b(\w+)-[ \t]*\n[ \t]*(\w+)")
_OPENING: Final = "([{\"'\u2018\u201c\u00ab"
"""What may stand before a hyphenated word in prose: brackets and opening quotes."""
_CLOSING: Final = ")]}\"'\u2019\u201d\u00bb.,;:!?"
"""What may follow it: brackets, closing quotes and sentence punctuation."""


def unreadable(text: str) -> bool:
    """Whether a page's text layer `text` is not text: more than `UNREADABLE_SHARE` of its
    visible characters are not characters of any script, or it has no letter and no digit.
    Layers under `MIN_JUDGED_CHARS` visible characters are not judged (False)."""
    text = _CID.sub("\ufffd", text)
    visible = "".join(text.split())
    if len(visible) < MIN_JUDGED_CHARS:
        return False
    if visible.isprintable() and "\ufffd" not in visible:
        # The common page, judged at C speed: a printable character is never a control,
        # private-use, surrogate or unassigned one (Python's definition of printable).
        return not any(c.isalnum() for c in visible) and not any(map(_symbol, visible))
    bad = sum(_not_text(c) for c in _SYMBOL_TOKEN.sub(" ", text) if not c.isspace())
    if bad > UNREADABLE_SHARE * len(visible):
        return True
    return not any(c.isalnum() or _symbol(c) for c in visible)


_SYMBOL_TOKEN: Final = re.compile(r"(?<!\S)[\ue000-\uf8ff](?!\S)")
"""A private-use character standing alone: a bullet or check box of a symbol font (Word's
Symbol and Wingdings bullets are U+F0B7, U+F0A7, U+F0FE...), one per item however short the
items. A glyph-id layer's private-use characters come in runs, as words do."""
_SYMBOLS: Final = frozenset({"Sm", "So", "Sc"})
_SHAPES: Final = range(0x2500, 0x2600)
"""Box drawing, block elements and geometric shapes (bullets, squares, circles): what a
decorative font's glyphs are mapped to, not a page's content."""


def _symbol(char: str) -> bool:
    """Whether `char` is a math, other (emoji, arrows, stars, check marks) or currency
    symbol beyond ASCII and the shapes: a page of only these (a rating table, a formula
    sheet) is text. ASCII's symbols (`$+<=>|~`) are among the first glyph ids a font without
    a character map gives, and bullets and boxes (`_SHAPES`) are a symbol font's, so they
    prove nothing."""
    return ord(char) > 0x7F and ord(char) not in _SHAPES and unicodedata.category(char) in _SYMBOLS


def _not_text(char: str) -> bool:
    """Whether `char` is no character of any script: U+FFFD, a control, a private-use or a
    surrogate code point, or one unassigned in the Basic Multilingual Plane. Code points
    of the other planes unassigned in this Python's Unicode tables (14.0 for 3.11) are
    mostly newer emoji and CJK ideographs (U+1FA77, U+1FAE8): glyph ids map into the BMP."""
    category = unicodedata.category(char)
    if category == "Cn":
        return ord(char) <= 0xFFFF
    return char == "\ufffd" or category in _NOT_TEXT


def searchable(text: str) -> str:
    """`text` with presentation forms replaced by their letters (NFKC on those only: "ﬁ" is
    "fi"; NFKC on the rest would also turn "m²" into "m2"), soft hyphens removed, and a word
    hyphenated at a line end joined ("configu-\\nration" is "configuration") when both
    halves are lower-case words: "Jean-\\nPierre" and "2024-\\n25" keep their hyphen. A
    compound broken at its own hyphen ("state-of-the-\\nart") is joined too; no dictionary
    tells the two apart, and search finds the parts of "stateoftheart" less often than it
    finds a broken word."""
    text = _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _SOFT_HYPHEN.sub("", text)
    return _LINE_END_HYPHEN.sub(_joined, text)


def _joined(match: re.Match[str]) -> str:
    head, tail = match.group(1), match.group(2)
    if (
        head.isalpha()
        and tail.isalpha()
        and head[-1].islower()
        and tail[0].islower()
        and _in_prose(match)
    ):
        return head + tail
    return match.group()


def _in_prose(match: re.Match[str]) -> bool:
    """Whether the hyphenated word of `match` stands in prose: the whole run of non-space
    characters it is part of is letters and hyphens (a compound), brackets, quotes and
    sentence punctuation around. A URL, path, address or identifier broken at its own
    hyphen (`https://example.com/a-` `b`, `user.first-` `name@example.com`) keeps it: its
    hyphen is part of what people search for."""
    text = match.string
    start = match.start()
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = match.end()
    while end < len(text) and not text[end].isspace():
        end += 1
    before = text[start : match.start()].lstrip(_OPENING)
    after = text[match.end() : end].rstrip(_CLOSING)
    return all(c.isalpha() or c == "-" for c in before + after)


def _letter_spaced(line: str) -> bool:
    tokens = line.split()
    single = sum(len(t) == 1 for t in tokens)
    return len(tokens) >= LETTER_SPACED_TOKENS and single >= LETTER_SPACED_SHARE * len(tokens)


def letter_spaced(text: str) -> bool:
    """Whether a line of `text` is letter-spaced: its glyphs were drawn one by one further
    apart than a space, and plain extraction put a space between every two ("P r i c e")."""
    return any(_letter_spaced(line) for line in text.splitlines())


WORD_GAP_FACTOR: Final = 1.6
"""A gap between two glyphs of a letter-spaced line wider than this many times the line's
median gap (plus `WORD_GAP_POINTS`) is a word gap: letters stand a tracking apart, words a
tracking plus a space apart."""
WORD_GAP_POINTS: Final = 1.0
MAX_LETTER_GAP: Final = 2.0
"""A line whose median gap between glyphs is wider than this many glyph widths is not
letter-spaced but spread out (a table row of single digits, "1   2   3"): it keeps a space
between every two glyphs. Letter-spacing in headings stays under an em."""


def words_from_boxes(glyphs: list[tuple[str, float, float]]) -> str:
    """One letter-spaced line as words, from its glyphs (character, left and right edge in
    points, in reading order; spaces left out): a gap much wider than the line's median gap
    between glyphs is a word gap (`WORD_GAP_FACTOR`). "P r i c e p e r" drawn with a
    tracking of 4 pt becomes "Price per"; a spread-out row stays as it is
    (`MAX_LETTER_GAP`)."""
    if len(glyphs) < 2:
        return "".join(g for g, _, _ in glyphs)
    gaps = [b[1] - a[2] for a, b in itertools.pairwise(glyphs)]
    median = sorted(gaps)[len(gaps) // 2]
    widths = sorted(right - left for _, left, right in glyphs)
    if median > MAX_LETTER_GAP * widths[len(widths) // 2]:
        return " ".join(g for g, _, _ in glyphs)
    wide = max(median, 0.0) * WORD_GAP_FACTOR + WORD_GAP_POINTS
    out = [glyphs[0][0]]
    for gap, (glyph, _, _) in zip(gaps, glyphs[1:], strict=True):
        out.append(f" {glyph}" if gap > wide else glyph)
    return "".join(out)


def from_layout(layout: str) -> str:
    """Text from pypdf's layout extraction, where gaps keep their width: a letter-spaced line
    ("P r i c e  p e r", one space between letters, two or more between words) becomes
    words ("Price per"); on other lines, runs of spaces become one."""
    lines = []
    for line in layout.splitlines():
        line = line.strip()
        if _letter_spaced(line):
            words = re.split(r" {2,}", line)
            lines.append(" ".join(word.replace(" ", "") for word in words))
        else:
            lines.append(" ".join(line.split()))
    return "\n".join(line for line in lines if line)
