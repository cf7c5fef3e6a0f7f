"""Sentence windows: the runs of a few consecutive sentences of a chunk that a segment embeds
beside the whole chunk (decision 0125).

A chunk is ~1,000 characters on several points; a rep's question is about one of them. The
chunk's vector averages all its points, so a paraphrase of one sentence matches it weakly; a
window of two sentences is about that point. Sentences end at ".", "!" or "?" before white
space, at the ideographic full stop and the full-width "!" and "?" (Japanese and Chinese write
no space after them), and at line breaks (a table row, a list item)."""

from __future__ import annotations

import re
from typing import Final

SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+|(?<=[\u3002\uff01\uff1f])|\s*\n\s*")
MIN_SENTENCE_CHARS: Final = 3
"""A shorter piece ("1.", a bullet mark) joins the sentence after it."""


def sentences(text: str) -> list[str]:
    """`text` cut into sentences, stripped, none empty; a piece shorter than
    `MIN_SENTENCE_CHARS` is joined to the next."""
    found: list[str] = []
    pending = ""
    for piece in SENTENCE_END.split(text):
        piece = f"{pending} {piece}".strip() if pending else piece.strip()
        if len(piece) < MIN_SENTENCE_CHARS:
            pending = piece
            continue
        pending = ""
        found.append(piece)
    if pending:
        if found:
            found[-1] = f"{found[-1]} {pending}"
        else:
            found.append(pending)
    return found


def sentence_windows(text: str, size: int) -> list[str]:
    """Every run of `size` consecutive sentences of `text` (overlapping: one starts at each
    sentence), or [] when `text` has no more than `size` sentences (the chunk's own vector is
    then its one window) or `size` is 0."""
    if size < 1:
        return []
    found = sentences(text)
    if len(found) <= size:
        return []
    return [" ".join(found[i : i + size]) for i in range(len(found) - size + 1)]
