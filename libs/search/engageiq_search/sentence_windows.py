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
MAX_WINDOWS: Final = 16
"""Windows of one chunk at most: a chunk of many short lines (a CSV of short rows, a list)
would otherwise make ~100 windows of 1,000 characters, ~2.7 s of e5 a chunk against ~0.7 s
for prose (10 windows), beyond the 2 s a chunk a build's time limit grows by, so a large
such file failed to index. Its windows then hold more sentences each."""


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
    """`text`'s sentences in runs of `size` that do not overlap, the last run ending at the
    last sentence (so it may share sentences with the one before): every sentence is in a
    window and every window has `size` sentences. [] when `text` has no more than `size`
    sentences (the chunk's own vector is then its one window) or `size` is 0. At most
    `MAX_WINDOWS`: more sentences than `size` times that make longer windows.

    Overlapping runs (one starting at each sentence) scored the same recall@3 on the answer
    benchmark's dev split with about twice the windows to embed and store, and a lower MRR
    (0.899 against 0.905, decision 0125)."""
    if size < 1:
        return []
    found = sentences(text)
    if len(found) <= size:
        return []
    # ceil(sentences / size) windows: at most MAX_WINDOWS with this size.
    size = max(size, -(-len(found) // MAX_WINDOWS))
    starts = list(range(0, len(found) - size + 1, size))
    if starts[-1] != len(found) - size:
        starts.append(len(found) - size)
    return [" ".join(found[i : i + size]) for i in starts]
