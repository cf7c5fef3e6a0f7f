"""The one text normalisation of search: applied to every indexed chunk and to every query, so
both sides always agree."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """Unicode NFKC with full case folding (Unicode's NFKC_Casefold, approximated as
    NFKC(casefold(NFKC(text)))): ligatures ("ﬁ" -> "fi"), full-width forms (U+FF21 "A" ->
    "a"), compatibility characters ("①" -> "1") and case ("Straße" -> "strasse") compare
    equal. The outer NFKC is needed because case folding can undo normalisation."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
