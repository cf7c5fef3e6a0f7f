"""The one sanitiser for names people see: properties over arbitrary text (hypothesis), and
the inputs that used to get through."""

from __future__ import annotations

import unicodedata

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from engageiq_tenancy.display_text import clean_display_text, cut_at_grapheme

BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
INVISIBLE = set("\u200b\u200c\u2060\ufeff\u00ad\u3164\u115f\u034f")
EMOJI_PARTS = regex.compile(r"[\u200d\ufe00-\ufe0f\U000e0020-\U000e007f]")
NASTY = st.sampled_from(
    sorted(BIDI_CONTROLS | INVISIBLE | set("\x00\x1b\x7f\x85\u2028\t\n\r \u00a0\u200d\ufe0f"))
)
texts = st.lists(
    st.one_of(st.characters(), NASTY, st.sampled_from(["🇫🇷", "👨‍👩‍👧", "❤️", "é", "e\u0301"])),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_cleaned_text_has_nothing_hidden_and_is_one_trimmed_nfc_line(raw: str) -> None:
    clean = clean_display_text(raw)
    assert clean == unicodedata.normalize("NFC", clean)
    assert clean == clean.strip()
    assert "  " not in clean
    assert not BIDI_CONTROLS & set(clean)
    for cluster in regex.findall(r"\X", clean):
        for ch in cluster:
            if unicodedata.category(ch) in {"Cc", "Cf", "Cs"} or ch in INVISIBLE:
                # Only the joiners and selectors inside an emoji survive.
                assert regex.match(r"\p{Extended_Pictographic}", cluster), (raw, clean)
                assert EMOJI_PARTS.match(ch), (raw, clean)
    assert not any(ch.isspace() and ch != " " for ch in clean)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_cleaning_is_idempotent(raw: str) -> None:
    once = clean_display_text(raw)
    assert clean_display_text(once) == once


@settings(max_examples=500, deadline=None)
@given(texts, st.integers(1, 30), st.sampled_from(["", "…"]))
def test_cuts_fit_and_never_split_a_character(text: str, limit: int, marker: str) -> None:
    cut = cut_at_grapheme(text, limit, marker)
    assert len(cut) <= max(limit, len(marker))
    if len(text) <= limit:
        assert cut == text
        return
    body = cut.removesuffix(marker) if marker else cut
    # The kept part is a run of the text's own whole clusters (then trailing spaces trimmed).
    clusters = regex.findall(r"\X", text)
    assert any(body == "".join(clusters[:n]).rstrip() for n in range(len(clusters) + 1))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Q3 \u202eplan", "Q3 plan"),  # right-to-left override
        ("a\u2066b\u2069c", "abc"),  # isolates
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("esc\x1b[31mred\x00", "esc[31mred"),
        ("  many \n\t spaces  ", "many spaces"),
        ("\u200b", ""),  # only a zero-width space: nothing visible
        ("e\u0301", "é"),  # NFC
        ("family 👨‍👩‍👧 ok", "family 👨‍👩‍👧 ok"),  # the joiners of one emoji stay
        ("heart ❤️", "heart ❤️"),
    ],
)
def test_examples(raw: str, clean: str) -> None:
    assert clean_display_text(raw) == clean


def test_a_flag_is_never_split() -> None:
    assert cut_at_grapheme("ab🇫🇷", 3) == "ab"
    assert cut_at_grapheme("ab🇫🇷", 4) == "ab🇫🇷"
    assert cut_at_grapheme("abc🇫🇷def", 5, "…") == "abc…"
