"""Chunking with overlap. Each chunk keeps its section's location (page, heading, rows) and
its character span within the section, so a citation can point at it.

Cuts fall where text breaks naturally: at the end of a line (a table row, a list item, a
paragraph) or of a sentence in the window's last part, else at a space; the overlap starts at
a line or sentence start when it holds one. A chunk then never ends in half a table row, and
the sentence cut at one chunk's end starts the next one whole (decision 0070)."""

from __future__ import annotations

import re
from typing import Final

import msgspec

from engageiq_files.ingestion.sections import Section

CHUNK_CHARS: Final = 1000
"""About 250 tokens: several fit a prompt's context budget, each still says something."""
OVERLAP_CHARS: Final = 200
"""A sentence cut at one chunk's end is whole at the next one's start."""


BOUNDARY_WINDOW: Final = 0.3
"""The share of a chunk, at its end, searched for a line or sentence end to cut at."""
_SENTENCE_END: Final = re.compile(r"[.!?][\"”')\]]?\s")


def cut_point(text: str, start: int, end: int) -> int:
    """Where a chunk of `text[start:end]` (`end` < len(text)) should end: after the last line
    break, else the last sentence end, in the window's last `BOUNDARY_WINDOW`; else at the
    last space in its second half; else at `end`."""
    window = start + int((end - start) * (1 - BOUNDARY_WINDOW))
    line = text.rfind("\n", window, end)
    if line > start:
        return line
    sentences = [m.end() - 1 for m in _SENTENCE_END.finditer(text, window, end)]
    if sentences:
        return sentences[-1]
    space = text.rfind(" ", start + (end - start) // 2, end)
    return space if space > start else end


def overlap_start(text: str, earliest: int, end: int) -> int:
    """Where the next chunk starts within the overlap `text[earliest:end]`: at the first line
    or sentence start there, else at the first word start, else at `earliest`."""
    line = text.find("\n", earliest, end)
    if line != -1 and line + 1 < end:
        return line + 1
    sentence = _SENTENCE_END.search(text, earliest, end)
    if sentence is not None and sentence.end() < end:
        return sentence.end()
    space = text.find(" ", earliest, end)
    return space + 1 if space != -1 else earliest


class Chunk(msgspec.Struct, array_like=True, frozen=True):
    ordinal: int
    location: str
    text: str
    start: int
    end: int


def chunk_sections(
    sections: list[Section], size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections:
        text = section.text
        start = 0
        while start < len(text):
            end = min(len(text), start + size)
            if end < len(text):
                end = cut_point(text, start, end)
            piece = text[start:end].strip()
            if piece:
                chunks.append(Chunk(len(chunks), section.location, piece, start, end))
            if end >= len(text):
                break
            start = overlap_start(text, max(end - overlap, start + 1), end)
    return chunks
