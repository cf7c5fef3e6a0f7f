"""Parsers for the allowed kinds. They run in a separate, resource-limited process (see
sandbox), so a hostile document can at worst fail its own ingestion."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Final

# Imported here, not lazily: the sandbox's fork server preloads this module, so each parse
# starts with the parsers already in memory.
import docx
from docx.table import Table
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError

from engageiq_files.ingestion.sections import ParseFailure, ParseLimits, Section

TEXT_LINES_PER_SECTION: Final = 50
CSV_ROWS_PER_SECTION: Final = 25
MAX_DOCX_ENTRIES: Final = 10_000
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")


def parse_document(path: str, kind: str, limits: ParseLimits) -> list[Section]:
    parser = PARSERS.get(kind)
    if parser is None:
        raise ParseFailure("unsupported_file_type", f"No parser for {kind!r} files.")
    return list(_bounded(parser(path, limits), limits.max_text_chars))


def _bounded(sections: Iterator[Section], max_chars: int) -> Iterator[Section]:
    """Stops once `max_chars` of text were produced: the rest of a huge file is left out."""
    used = 0
    for section in sections:
        text = section.text.strip()
        if not text:
            continue
        if used + len(text) > max_chars:
            remaining = max_chars - used
            if remaining > 0:
                yield Section(section.location, text[:remaining])
            return
        used += len(text)
        yield Section(section.location, text)


def _read_text(path: str, limits: ParseLimits) -> str:
    # Four bytes per character at most in UTF-8: enough bytes for max_text_chars.
    with open(path, "rb") as f:
        raw = f.read(limits.max_text_chars * 4)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3:
            # Only a multi-byte character cut by the read limit: drop it.
            return raw[: exc.start].decode("utf-8-sig")
        # Accepted by the sniffer as Windows-1252 text.
        return raw.decode("cp1252", errors="replace")


def parse_txt(path: str, limits: ParseLimits) -> Iterator[Section]:
    lines = _read_text(path, limits).splitlines()
    for start in range(0, len(lines), TEXT_LINES_PER_SECTION):
        block = lines[start : start + TEXT_LINES_PER_SECTION]
        end = start + len(block)
        yield Section(f"lines {start + 1}-{end}", "\n".join(block))


def parse_md(path: str, limits: ParseLimits) -> Iterator[Section]:
    heading = "Introduction"
    body: list[str] = []
    for line in _read_text(path, limits).splitlines():
        match = _MD_HEADING.match(line)
        if match:
            yield Section(heading, "\n".join(body))
            heading, body = match.group(2), [match.group(2)]
        else:
            body.append(line)
    yield Section(heading, "\n".join(body))


def parse_csv(path: str, limits: ParseLimits) -> Iterator[Section]:
    csv.field_size_limit(1024 * 1024)
    reader = csv.reader(io.StringIO(_read_text(path, limits)))
    try:
        header = next(reader, [])
        rows: list[str] = []
        first = 2  # row numbers as a spreadsheet shows them, after the header row
        for number, row in enumerate(reader, start=2):
            rows.append(
                "; ".join(f"{h}: {v}" if h else v for h, v in zip(header, row, strict=False))
            )
            if len(rows) == CSV_ROWS_PER_SECTION:
                yield Section(f"rows {first}-{number}", "\n".join(rows))
                rows, first = [], number + 1
        if rows:
            yield Section(f"rows {first}-{first + len(rows) - 1}", "\n".join(rows))
        elif not header:
            return
        elif first == 2:
            yield Section("row 1", ", ".join(header))
    except csv.Error as exc:
        raise ParseFailure("unreadable_csv", f"The CSV file could not be read: {exc}.") from None


class _HtmlText(HTMLParser):
    SKIP: Final = frozenset({"script", "style", "noscript", "template", "svg", "head"})
    HEADINGS: Final = frozenset({"h1", "h2", "h3"})
    BLOCKS: Final = frozenset({"p", "div", "li", "br", "tr", "section", "article", "h4", "h5"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self._heading = "Introduction"
        self._parts: list[str] = []
        self._heading_parts: list[str] | None = None
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        elif tag in self.HEADINGS:
            self._flush()
            self._heading_parts = []
        elif tag in self.BLOCKS:
            self._parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self.HEADINGS and self._heading_parts is not None:
            self._heading = " ".join("".join(self._heading_parts).split()) or self._heading
            self._parts.append(self._heading + "\n")
            self._heading_parts = None

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._heading_parts is not None:
            self._heading_parts.append(data)
        else:
            self._parts.append(data)

    def _flush(self) -> None:
        self.sections.append(Section(self._heading, "".join(self._parts)))
        self._parts = []

    def close(self) -> None:
        super().close()
        self._flush()


def parse_html(path: str, limits: ParseLimits) -> Iterator[Section]:
    parser = _HtmlText()
    parser.feed(_read_text(path, limits))
    parser.close()
    for section in parser.sections:
        yield Section(section.location, re.sub(r"\n\s*\n+", "\n\n", section.text))


def parse_pdf(path: str, limits: ParseLimits) -> Iterator[Section]:
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseFailure("encrypted_pdf", "The PDF is password-protected.")
        pages = reader.pages
        count = len(pages)
    except FileNotDecryptedError:
        raise ParseFailure("encrypted_pdf", "The PDF is password-protected.") from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ParseFailure("corrupt_pdf", f"The PDF could not be read ({exc}).") from None
    for number in range(min(count, limits.max_pages)):
        try:
            text = pages[number].extract_text()
        except Exception as exc:
            # pypdf raises many types on broken content streams; one page must not sink the file.
            raise ParseFailure(
                "corrupt_pdf", f"Page {number + 1} of the PDF could not be read ({exc})."
            ) from None
        yield Section(f"page {number + 1}", text)


def check_docx_archive(path: str, limits: ParseLimits) -> None:
    """Refuses zip bombs and non-Word archives by the central directory, before any
    decompression: the declared sizes are what a decompressor would produce."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_DOCX_ENTRIES:
                raise ParseFailure("docx_too_large", "The DOCX has too many parts.")
            expanded = sum(entry.file_size for entry in entries)
            if expanded > limits.max_docx_uncompressed_bytes:
                raise ParseFailure(
                    "docx_too_large",
                    f"The DOCX expands to {expanded} bytes, more than "
                    f"{limits.max_docx_uncompressed_bytes} allowed.",
                )
            names = {entry.filename for entry in entries}
            if "word/document.xml" not in names:
                raise ParseFailure("not_a_word_document", "The archive is not a Word document.")
            with archive.open("word/document.xml") as document:
                start = document.read(4096)
            if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                # Word never writes a DTD; one is only there to expand entities.
                raise ParseFailure("corrupt_docx", "The DOCX declares a DTD, which is refused.")
    except zipfile.BadZipFile as exc:
        raise ParseFailure("corrupt_docx", f"The DOCX could not be read ({exc}).") from None


def parse_docx(path: str, limits: ParseLimits) -> Iterator[Section]:
    check_docx_archive(path, limits)
    try:
        document = docx.Document(path)
        heading = "Introduction"
        parts: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    parts.append(" | ".join(cell.text.strip() for cell in row.cells))
                continue
            style = (block.style.name if block.style is not None else "") or ""
            if (style.startswith("Heading") or style == "Title") and block.text.strip():
                yield Section(heading, "\n".join(parts))
                heading, parts = block.text.strip(), [block.text.strip()]
            else:
                parts.append(block.text)
        yield Section(heading, "\n".join(parts))
    except ParseFailure:
        raise
    except Exception as exc:
        # python-docx and lxml raise a wide range of errors on damaged parts.
        raise ParseFailure("corrupt_docx", f"The DOCX could not be read ({exc}).") from None


PARSERS: Final[dict[str, Callable[[str, ParseLimits], Iterator[Section]]]] = {
    "txt": parse_txt,
    "md": parse_md,
    "csv": parse_csv,
    "html": parse_html,
    "pdf": parse_pdf,
    "docx": parse_docx,
}
