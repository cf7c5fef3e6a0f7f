"""What parsers produce: sections of text, each with a position a citation can name."""

from __future__ import annotations

import msgspec


class Section(msgspec.Struct, array_like=True, frozen=True):
    location: str
    """"page 3", a heading, "rows 1-25", "lines 51-100": what a citation shows."""
    text: str


class ParseLimits(msgspec.Struct, frozen=True):
    max_pages: int
    max_text_chars: int
    max_docx_uncompressed_bytes: int


class ParseFailure(Exception):
    """The document cannot be ingested; `code` and `message` become the file's reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
