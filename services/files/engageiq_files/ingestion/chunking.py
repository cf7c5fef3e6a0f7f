"""Chunking with overlap. Each chunk keeps its section's location (page, heading, rows) and
its character span within the section, so a citation can point at it."""

from __future__ import annotations

from typing import Final

import msgspec

from engageiq_files.ingestion.sections import Section

CHUNK_CHARS: Final = 1000
"""About 250 tokens: several fit a prompt's context budget, each still says something."""
OVERLAP_CHARS: Final = 200
"""A sentence cut at one chunk's end is whole at the next one's start."""


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
                # Break at the last whitespace in the window's second half, not mid-word.
                cut = text.rfind(" ", start + size // 2, end)
                cut = max(cut, text.rfind("\n", start + size // 2, end))
                end = cut if cut > start else end
            piece = text[start:end].strip()
            if piece:
                chunks.append(Chunk(len(chunks), section.location, piece, start, end))
            if end >= len(text):
                break
            next_start = max(end - overlap, start + 1)
            # Start the overlap at a word boundary as well.
            space = text.find(" ", next_start, end)
            start = space + 1 if space != -1 else next_start
    return chunks
