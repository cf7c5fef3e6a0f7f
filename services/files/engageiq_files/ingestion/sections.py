"""What parsers produce: sections of text, each with a position a citation can name, and the
warnings that say what was deliberately left out."""

from __future__ import annotations

from typing import Final

import msgspec

OCR_PAGE_TIMEOUT_SECONDS: Final = 20.0
"""Default wall-clock bound of Tesseract on one page (ParseLimits.ocr_page_timeout_seconds)."""


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
    max_ocr_pages: int = 50
    """Pages OCRed at most per file: image frames (TIFF pages) and PDF pages without a text
    layer. Beyond it the file is `ready` with a `truncated` (image) or `pages_without_text`
    (PDF) warning."""
    ocr_page_timeout_seconds: float = OCR_PAGE_TIMEOUT_SECONDS
    """Wall-clock bound of Tesseract on one page; a page past it is skipped with a warning."""
    ocr_budget_seconds: float = 40.0
    """OCR time per file after which no further page is started, so that a long scan ends
    `ready` with a warning inside the parse timeout instead of failing `parse_timeout`."""
    max_image_pixels: int = 40_000_000
    """Pixels of one image or rendered page at most (decompression bombs): 40 MP is a 300 dpi
    A3 scan with room to spare, and about 40 MB decoded as greyscale."""


class ParseFailure(Exception):
    """The document cannot be ingested; `code` and `message` become the file's reason.
    Raisers write `message` for people: no paths, no exception text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def page_list(numbers: list[int], shown: int = 10) -> str:
    """ "3, 7 and 9" or "3, 7, 9, ... (12 pages)": page numbers for a warning."""
    if len(numbers) == 1:
        return str(numbers[0])
    if len(numbers) <= shown:
        return ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
    return ", ".join(map(str, numbers[:shown])) + f", ... ({len(numbers)} pages)"
