"""The parser of each allowed kind, and `parse_document`, which the sandbox runs in a separate,
resource-limited process, so a hostile document can at worst fail its own ingestion.

A parser yields sections and warnings (`IngestWarning`: what it deliberately left out), and a
text parser first the encoding it read the bytes with (`DecodedAs`). It
raises `ParseFailure` only when nothing useful can be read, with a message for people."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

# Imported here, not lazily: the sandbox's fork server preloads this module, so each parse
# starts with the parsers (and their libraries) already in memory.
from engageiq_files.ingestion.docx_text import parse_docx
from engageiq_files.ingestion.html_text import parse_html
from engageiq_files.ingestion.images import parse_image
from engageiq_files.ingestion.pdf import parse_pdf
from engageiq_files.ingestion.sections import (
    DecodedAs,
    IngestWarning,
    ParsedDocument,
    ParseFailure,
    ParseLimits,
    Section,
)
from engageiq_files.ingestion.sheets import parse_xlsx
from engageiq_files.ingestion.slides import parse_pptx
from engageiq_files.ingestion.text_formats import parse_csv, parse_md, parse_txt

Parser = Callable[[str, ParseLimits], Iterator[Section | IngestWarning | DecodedAs]]

PARSERS: Final[dict[str, Parser]] = {
    "txt": parse_txt,
    "md": parse_md,
    "csv": parse_csv,
    "html": parse_html,
    "pdf": parse_pdf,
    "docx": parse_docx,
    "pptx": parse_pptx,
    "xlsx": parse_xlsx,
    "png": parse_image,
    "jpeg": parse_image,
    "tiff": parse_image,
    "webp": parse_image,
    "gif": parse_image,
    "bmp": parse_image,
    "avif": parse_image,
}


def parse_document(path: str, kind: str, limits: ParseLimits) -> ParsedDocument:
    """Sections (empty ones dropped) and warnings of the file at `path`, read as `kind`.
    At most `limits.max_text_chars` characters are kept; a `truncated` warning says so."""
    parser = PARSERS.get(kind)
    if parser is None:
        raise ParseFailure("unsupported_file_type", "This kind of file cannot be read.")
    sections: list[Section] = []
    warnings: list[IngestWarning] = []
    used = 0
    encoding: str | None = None
    pieces = parser(path, limits)
    for piece in pieces:
        if isinstance(piece, DecodedAs):
            encoding = piece.encoding
            continue
        if isinstance(piece, IngestWarning):
            if piece not in warnings:
                warnings.append(piece)
            continue
        text = piece.text.strip()
        if not text:
            continue
        if used + len(text) > limits.max_text_chars:
            remaining = limits.max_text_chars - used
            if remaining > 0:
                sections.append(Section(piece.location, text[:remaining]))
            warnings.append(
                IngestWarning(
                    "truncated",
                    f"Only the first {limits.max_text_chars:,} characters of text were indexed; "
                    f"the rest, from {piece.location}, is not searchable.",
                )
            )
            break
        used += len(text)
        sections.append(Section(piece.location, text))
    return ParsedDocument(sections, warnings, encoding)
