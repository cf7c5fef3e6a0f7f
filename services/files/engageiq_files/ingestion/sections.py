"""What parsers produce: sections of text, each with a position a citation can name, and the
warnings that say what was deliberately left out."""

from __future__ import annotations

import msgspec


class Section(msgspec.Struct, array_like=True, frozen=True):
    location: str
    """"page 3", a heading, "rows 1-25", "lines 51-100", "slide 7", "Pricing!A2:F40": what a
    citation shows."""
    text: str


class IngestWarning(msgspec.Struct, frozen=True):
    """Something deliberately left out of an otherwise `ready` file. `code` is stable (see
    docs/files.md, "Warnings and reason codes"); `message` is a sentence for people and never
    holds a server path or exception text."""

    code: str
    message: str


class DecodedAs(msgspec.Struct, frozen=True):
    """What a text parser (txt, md, csv, html) yields first: the encoding its bytes were read
    with, as a label people know (`windows-1252`, `utf-8`). The file shows it, so a wrong
    guess can be seen (decision 0103)."""

    encoding: str


class ParsedDocument(msgspec.Struct, frozen=True):
    sections: list[Section]
    warnings: list[IngestWarning] = msgspec.field(default_factory=list)
    encoding: str | None = None
    """The encoding a text file was read with (`DecodedAs`); None for binary formats."""


class ParseLimits(msgspec.Struct, frozen=True):
    max_pages: int
    """PDF pages parsed at most; slides and sheets count as pages for pptx and xlsx."""
    max_text_chars: int
    max_docx_uncompressed_bytes: int
    """Expanded size bound of every OOXML package (docx, pptx, xlsx): zip bombs."""


class ParseFailure(Exception):
    """The document cannot be ingested; `code` and `message` become the file's reason.
    Raisers write `message` for people: no paths, no exception text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
