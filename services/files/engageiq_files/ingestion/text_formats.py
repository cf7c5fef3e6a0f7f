"""Plain text, CSV and Markdown. Each reads its bytes through `encodings.decode` (per-file
detection) and says, with a `truncated` warning, when the text limit cut the file short. A
CSV's delimiter is sniffed, or named by Excel's `sep=;` first line, which is not a row."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Final

from markdown_it import MarkdownIt

from engageiq_files.ingestion.chunking import CHUNK_CHARS
from engageiq_files.ingestion.encodings import decode_as
from engageiq_files.ingestion.sections import (
    DecodedAs,
    IngestWarning,
    ParseFailure,
    ParseLimits,
    Section,
)

TEXT_LINES_PER_SECTION: Final = 50
CSV_ROWS_PER_SECTION: Final = 25
CSV_SNIFF_CHARS: Final = 64 * 1024
CSV_DELIMITERS: Final = ",;\t|"
_FRONT_MATTER: Final = re.compile(
    r"\A(?:\ufeff)?---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S
)
_MARKDOWN: Final = MarkdownIt("commonmark").enable("table")
_SEPARATOR_LINE: Final = re.compile(r"\A\ufeff?sep=([^\"\r\n])[ \t]*(?:\r\n|\r|\n|\Z)", re.I)
"""Excel's delimiter line (`sep=;`), which Excel's own exports and many tools write first so
that Excel splits the columns whatever the reader's list separator: Excel takes the
delimiter from it and does not show it as a row."""

Piece = Section | IngestWarning | DecodedAs


def truncated_warning(what: str) -> IngestWarning:
    return IngestWarning(
        "truncated", f"Only the first part of this file was indexed: {what} beyond the limit."
    )


def read_text(path: str, limits: ParseLimits, *, html: bool = False) -> tuple[str, bool, DecodedAs]:
    """The file's text, whether it was cut at the limit, and the encoding it was read with.
    At most four bytes per character (UTF-8's maximum) are read, enough for
    `max_text_chars`."""
    budget = limits.max_text_chars * 4
    with open(path, "rb") as f:
        raw = f.read(budget + 1)
    complete = len(raw) <= budget
    text, encoding = decode_as(raw[:budget], html=html, complete=complete)
    return text, not complete, DecodedAs(encoding)


def parse_txt(path: str, limits: ParseLimits) -> Iterator[Piece]:
    text, cut, encoding = read_text(path, limits)
    yield encoding
    if cut:
        yield truncated_warning("text")
    lines = text.splitlines()
    for start in range(0, len(lines), TEXT_LINES_PER_SECTION):
        block = lines[start : start + TEXT_LINES_PER_SECTION]
        yield Section(f"lines {start + 1}-{start + len(block)}", "\n".join(block))


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The CSV dialect of `sample` (its start): csv.Sniffer's, else the candidate delimiter
    the header line uses most (rows wider than the header defeat the sniffer's consistency
    test), else commas."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS)
    except csv.Error:
        pass
    header = next((line for line in sample.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return csv.excel
    return type("Delimited", (csv.excel,), {"delimiter": best})


def _row_text(header: list[str], row: list[str]) -> str:
    """ "name: value" for the header's columns, bare values beyond its width (never dropped)."""
    fields = []
    for i, value in enumerate(row):
        name = header[i].strip() if i < len(header) else ""
        if not value.strip():
            continue
        fields.append(f"{name}: {value}" if name else value)
    return "; ".join(fields)


def parse_csv(path: str, limits: ParseLimits) -> Iterator[Piece]:
    text, cut, encoding = read_text(path, limits)
    yield encoding
    if cut:
        yield truncated_warning("rows")
    csv.field_size_limit(1024 * 1024)
    hint = _SEPARATOR_LINE.match(text)
    dialect: type[csv.Dialect] | csv.Dialect
    if hint is not None:
        text = text[hint.end() :]
        dialect = type("Delimited", (csv.excel,), {"delimiter": hint.group(1)})
    else:
        dialect = _dialect(text[:CSV_SNIFF_CHARS])
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, [])
        rows: list[str] = []
        first = 2  # row numbers as a spreadsheet shows them, after the header row
        number = 1
        for number, row in enumerate(reader, start=2):
            rows.append(_row_text(header, row))
            if len(rows) == CSV_ROWS_PER_SECTION:
                yield Section(f"rows {first}-{number}", "\n".join(rows))
                rows, first = [], number + 1
        if rows:
            yield Section(f"rows {first}-{number}", "\n".join(rows))
        elif header and number == 1:
            yield Section("row 1", ", ".join(header))
    except csv.Error:
        raise ParseFailure(
            "unreadable_csv", "The CSV file could not be read (its quoting is broken)."
        ) from None


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter, body) of a Markdown text; front matter is "" when there is none."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return "", text
    return match.group(1), text[match.end() :]


def table_pieces(lines: list[str], header_lines: int, size: int = CHUNK_CHARS) -> list[str]:
    """A long table as pieces of at most about `size` characters, each starting with the
    table's header (`header_lines` lines), so every chunk says what its columns are."""
    header, rows = lines[:header_lines], lines[header_lines:]
    head = "\n".join(header)
    pieces: list[str] = []
    current: list[str] = []
    used = len(head)
    for row in rows:
        if current and used + len(row) + 1 > size:
            pieces.append("\n".join([head, *current]))
            current, used = [], len(head)
        current.append(row)
        used += len(row) + 1
    if current or not pieces:
        pieces.append("\n".join([head, *current]))
    return pieces


def parse_md(path: str, limits: ParseLimits) -> Iterator[Piece]:
    """Sections by heading, as a CommonMark parser (markdown-it-py) sees them: ATX and setext
    headings are headings, a `#` line inside fenced code is code. Front matter is its own
    section ("front matter"), never body text or a heading. A table longer than a chunk is
    cut into pieces that each repeat its header row."""
    text, cut, encoding = read_text(path, limits)
    yield encoding
    if cut:
        yield truncated_warning("text")
    front, body = split_front_matter(text)
    if front.strip():
        yield Section("front matter", front)
    lines = body.splitlines()
    heading = "Introduction"
    start = 0  # first source line of the current section's pending text
    parts: list[str] = []
    for token in _MARKDOWN.parse(body):
        if token.level != 0 or token.map is None:
            continue
        first, end = token.map
        if token.type == "heading_open":
            parts.append("\n".join(lines[start:first]))
            yield Section(heading, "\n".join(parts))
            heading_text = _heading_text(lines[first:end])
            heading, parts, start = heading_text or heading, [heading_text], end
        elif token.type == "table_open" and sum(map(len, lines[first:end])) > CHUNK_CHARS:
            parts.append("\n".join(lines[start:first]))
            yield Section(heading, "\n".join(parts))
            for piece in table_pieces(lines[first:end], header_lines=2):
                yield Section(heading, piece)
            parts, start = [], end
    parts.append("\n".join(lines[start:]))
    yield Section(heading, "\n".join(parts))


def _heading_text(source: list[str]) -> str:
    """The text of an ATX ("## Title ##") or setext ("Title" over "===") heading's lines."""
    if len(source) > 1:  # setext: the underline is the last line
        source = source[:-1]
    text = " ".join(line.strip() for line in source)
    return re.sub(r"^#{1,6}\s*|\s+#+\s*$", "", text).strip()
