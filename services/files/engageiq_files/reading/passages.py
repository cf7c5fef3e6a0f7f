"""A file's extracted text at one location, put back together from its stored chunks.

Chunks overlap (`ingestion.chunking`): each later chunk of a section repeats the end of the
one before. Joining them drops the repeated text, so the section reads once, in order, the
way the reader's viewer shows it with the cited passage highlighted."""

from __future__ import annotations

from typing import Final

import msgspec

from engageiq_files.ingestion.chunking import OVERLAP_CHARS, Chunk

MAX_SECTIONS: Final = 40
"""Sections returned when no location is asked for (the start of the file)."""
MAX_SECTION_CHARS: Final = 200_000
"""Text of one section at most: a sheet's rows or a long heading's body stay readable."""

_chunks_decoder: Final = msgspec.json.Decoder(list[Chunk])


class SourceSection(msgspec.Struct, rename="camel"):
    """One location of a file and its text, as extracted for search."""

    location: str
    """"page 3", a heading, "rows 2-26", "slide 7", "Pricing!A2:F40": what citations show."""
    text: str


def _join(text: str, chunk: Chunk, previous: Chunk | None) -> str:
    """`text` followed by `chunk`'s text without the part it repeats of `previous`."""
    if previous is None:
        return chunk.text
    if chunk.start >= previous.end:
        # No overlap: the cut fell on a line break, which chunking stripped.
        return f"{text}\n{chunk.text}"
    longest = min(len(chunk.text), previous.end - chunk.start + 1, OVERLAP_CHARS * 2)
    for size in range(longest, 0, -1):
        if text.endswith(chunk.text[:size]):
            return text + chunk.text[size:]
    return f"{text}\n{chunk.text}"


def sections_of(chunks_blob: bytes, location: str | None) -> list[SourceSection]:
    """The sections of a stored chunks object (`Chunk`s as JSON), in file order: the one(s)
    at `location`, or the first `MAX_SECTIONS` when it is None."""
    sections: list[SourceSection] = []
    previous: Chunk | None = None
    for chunk in _chunks_decoder.decode(chunks_blob):
        if location is not None and chunk.location != location:
            continue
        # A new section starts where the location changes or the span restarts.
        if (
            sections
            and previous is not None
            and (sections[-1].location == chunk.location and chunk.start > previous.start)
        ):
            joined = _join(sections[-1].text, chunk, previous)
            sections[-1].text = joined[:MAX_SECTION_CHARS]
        else:
            if location is None and len(sections) == MAX_SECTIONS:
                break
            sections.append(SourceSection(chunk.location, chunk.text[:MAX_SECTION_CHARS]))
        previous = chunk
    return sections
