"""Excel workbooks (.xlsx, .xlsm) with openpyxl in read-only mode (rows are streamed, so a
large sheet is never held whole). Each sheet's used range becomes sections of rows, each row
as "header: value" pairs after the sheet's first non-empty row (its header), located like a
spreadsheet reference (`Pricing!A2:F26`). Formulas give their cached values (`data_only`);
a formula never calculated by Excel has none and is left out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any, Final

import openpyxl
from openpyxl.utils import get_column_letter

from engageiq_files.ingestion.ooxml import check_package, corrupt
from engageiq_files.ingestion.sections import IngestWarning, ParseFailure, ParseLimits, Section

ROWS_PER_SECTION: Final = 25
_PLAIN_SHEET_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def reference(
    sheet: str, first_row: int, last_row: int, last_column: int, first_column: int = 1
) -> str:
    """An A1-style range (columns counted from 1), the sheet name quoted as Excel does when it
    is not plain: `Pricing!B4:F30`, `'Price list'!A2:C9`."""
    name = sheet if _PLAIN_SHEET_NAME.match(sheet) else "'" + sheet.replace("'", "''") + "'"
    start = get_column_letter(first_column)
    end = get_column_letter(max(last_column, first_column))
    return f"{name}!{start}{first_row}:{end}{last_row}"


def _row_text(header: list[str], row: list[str]) -> str:
    fields = []
    for i, value in enumerate(row):
        if not value.strip():
            continue
        name = header[i].strip() if i < len(header) else ""
        fields.append(f"{name}: {value}" if name else value)
    return "; ".join(fields)


def _sheet_sections(title: str, rows: Iterator[tuple[Any, ...]]) -> Iterator[Section]:
    header: list[str] | None = None
    header_row = 0
    lines: list[str] = []
    first = last = width = 0
    lead = 1  # the used range's first column (1 = A)
    for number, values in enumerate(rows, start=1):
        row = [cell_text(v) for v in values]
        while row and not row[-1].strip():
            row.pop()
        if not row:
            continue
        if header is None:
            header, header_row = row, number
            lead = next(i for i, v in enumerate(row) if v.strip()) + 1
            continue
        if not lines:
            first = number
        lines.append(_row_text(header, row))
        last, width = number, max(width, len(row), len(header))
        if len(lines) == ROWS_PER_SECTION:
            yield Section(reference(title, first, last, width, lead), "\n".join(lines))
            lines, width = [], 0
    if lines:
        yield Section(reference(title, first, last, width, lead), "\n".join(lines))
    elif header is not None and header_row:
        # A sheet with one row: the row itself is the content.
        yield Section(
            reference(title, header_row, header_row, len(header), lead), " | ".join(header)
        )


def parse_xlsx(path: str, limits: ParseLimits) -> Iterator[Section | IngestWarning]:
    check_package(path, "xlsx", limits)
    # A file object, not the path: openpyxl refuses paths without an Excel extension, and the
    # worker's temporary file has none (the kind was sniffed from the content).
    with open(path, "rb") as stream:
        try:
            workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except Exception:
            raise corrupt("xlsx") from None
        try:
            sheets = workbook.worksheets
            for sheet in sheets[: limits.max_pages]:
                if not hasattr(sheet, "iter_rows"):
                    continue  # a chart sheet: no cells
                yield from _sheet_sections(
                    sheet.title, sheet.iter_rows(min_row=1, values_only=True)
                )
            if len(sheets) > limits.max_pages:
                yield IngestWarning(
                    "truncated",
                    f"Only the first {limits.max_pages} of {len(sheets)} sheets were indexed.",
                )
        except ParseFailure:
            raise
        except Exception:
            raise corrupt("xlsx") from None
        finally:
            workbook.close()
