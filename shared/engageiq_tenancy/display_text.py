"""The one sanitiser for text people see as a name: conversation titles (set or derived from the
first message), file names, tenant names and display names (branding).

`clean_display_text` normalises to NFC and removes what hides, reorders or fakes text:
- C0 and C1 controls (NUL, ESC, ...) and other format characters, including the bidi
  overrides and isolates (U+202A-U+202E, U+2066-U+2069) that make "invoice‮fdp.exe" read as
  "invoiceexe.pdf";
- default-ignorable code points (zero-width space and joiners, soft hyphen, word joiner,
  variation selectors, Hangul fillers, tags...), which render as nothing, so a name of only
  those would look empty. Inside an emoji they are kept: the joiners, variation selectors and
  tags of 👨‍👩‍👧 or 🏴 sequences are part of that one visible character.
- surrogates (not text), and
then collapses every run of whitespace (line breaks included) to one space and trims.

`cut_at_grapheme` shortens text to a number of code points without splitting a user-perceived
character (grapheme cluster, UAX #29, via the `regex` package's `\\X`): a flag or a letter
with its accents is kept whole or dropped whole. Limits count code points, not graphemes, so
one "character" of a thousand combining marks cannot make a name unboundedly long.

Length rules are the caller's and apply to the cleaned text: a title of only U+200B is empty."""

from __future__ import annotations

import unicodedata
from typing import Final

import regex

# Control, format, surrogate; unassigned and private-use characters are left alone.
_REMOVED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs"})
_GRAPHEME: Final = regex.compile(r"\X")
_INVISIBLE: Final = regex.compile(r"\p{Default_Ignorable_Code_Point}")
_PICTOGRAPHIC: Final = regex.compile(r"\p{Extended_Pictographic}")
# What an emoji sequence legitimately carries: ZWJ, variation selectors, tag characters.
_EMOJI_PARTS: Final = regex.compile(r"[\u200d\ufe00-\ufe0f\U000e0020-\U000e007f]")


def _visible(cluster: str) -> str:
    if _PICTOGRAPHIC.match(cluster):
        return "".join(
            ch
            for ch in cluster
            if _EMOJI_PARTS.match(ch)
            or not (unicodedata.category(ch) in _REMOVED_CATEGORIES or _INVISIBLE.match(ch))
        )
    return "".join(
        ch
        for ch in cluster
        if ch.isspace()
        or not (unicodedata.category(ch) in _REMOVED_CATEGORIES or _INVISIBLE.match(ch))
    )


def clean_display_text(raw: str | None) -> str:
    """`raw` as a safe one-line name (see the module docstring); "" if nothing visible is left.
    Idempotent: cleaning a cleaned text changes nothing."""
    text = unicodedata.normalize("NFC", raw or "")
    # Whitespace controls (\t, \n, \r, U+0085...) become spaces before controls are removed.
    text = " ".join(text.split())
    text = "".join(_visible(cluster) for cluster in _GRAPHEME.findall(text))
    # Removing a character can join two clusters or expose new whitespace: normalise again.
    return " ".join(unicodedata.normalize("NFC", text).split())


def cut_at_grapheme(text: str, max_chars: int, marker: str = "") -> str:
    """`text` if it has at most `max_chars` code points; else its longest prefix of whole
    grapheme clusters that fits with `marker` appended (e.g. "…"), trailing spaces trimmed."""
    if len(text) <= max_chars:
        return text
    room = max_chars - len(marker)
    kept: list[str] = []
    used = 0
    for cluster in _GRAPHEME.findall(text):
        if used + len(cluster) > room:
            break
        kept.append(cluster)
        used += len(cluster)
    return "".join(kept).rstrip() + marker
