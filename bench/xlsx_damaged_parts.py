"""Benchmark: what decisions 0140 and 0143 cost a workbook (a damaged part, rich-text symbol
runs, a cell style in a symbol font, a damaged workbook part).

    .venv/bin/python bench/xlsx_damaged_parts.py [--rows 50000]

A generated workbook (XlsxWriter, as Excel writes it) of `--rows` rows of six columns, three
of them text (shared strings), and a chart sheet, is parsed in process three ways: as written;
with a Wingdings run in one shared string (the rich-text scan then parses the shared strings a
second time); and with its chart sheet not XML (openpyxl refuses the workbook, which is then
opened again through a copy without the parts it refused); with one cell styled in
Wingdings (decision 0143: the shared strings' rich runs are then read, as they may take the
cell's font); and with its workbook part not XML (decision 0143: the sheets are found through
the workbook relationships, the package copied once with a repaired workbook part). Prints
the median of three runs,
in seconds, of each. Run it with `PYTHONPATH=<an older checkout>/services/files` to compare.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import xlsxwriter  # type: ignore[import-untyped]  # no stubs; python-pptx brings it

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sections import ParseFailure, ParseLimits

LIMITS = ParseLimits(
    max_pages=50, max_text_chars=1_000_000_000, max_docx_uncompressed_bytes=1_000_000_000
)


def _book(rows: int, *, symbol: bool, styled: bool = False) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("Accounts")
    sheet.write_row(0, 0, ["Account", "Owner", "Region", "Seats", "Value", "Renewal"])
    for row in range(1, rows + 1):
        sheet.write_row(row, 0, [f"Account {row}", f"Rep {row % 97}", "EMEA", row, row * 9.5, row])
    if symbol:
        sheet.write_rich_string(1, 6, "SSO ", workbook.add_format({"font_name": "Wingdings"}), "ü")
    if styled:
        sheet.write(1, 7, "ü", workbook.add_format({"font_name": "Wingdings"}))
    chart = workbook.add_chart({"type": "column"})
    chart.add_series({"values": "=Accounts!$D$2:$D$20"})
    workbook.add_chartsheet("Summary").set_chart(chart)
    workbook.close()
    return out.getvalue()


def _damaged(content: bytes, part: str = "xl/chartsheets/sheet1.xml") -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            damaged = item.filename == part
            target.writestr(item.filename, b"<c:chartSp" if damaged else source.read(item))
    return out.getvalue()


def _seconds(content: bytes) -> str:
    times = []
    with tempfile.NamedTemporaryFile() as file:
        file.write(content)
        file.flush()
        for _ in range(3):
            start = time.perf_counter()
            try:
                parse_document(file.name, "xlsx", LIMITS)
            except ParseFailure as failure:
                return f"fails ({failure.code})"
            times.append(time.perf_counter() - start)
    return f"{statistics.median(times):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    rows = parser.parse_args().rows
    plain = _book(rows, symbol=False)
    print(f"{rows:,} rows as written: {_seconds(plain)}")
    print(f"with a Wingdings run in one shared string: {_seconds(_book(rows, symbol=True))}")
    print(f"with its chart sheet damaged: {_seconds(_damaged(plain))}")
    print(f"with one cell styled in Wingdings: {_seconds(_book(rows, symbol=False, styled=True))}")
    print(f"with its workbook part damaged: {_seconds(_damaged(plain, 'xl/workbook.xml'))}")


if __name__ == "__main__":
    main()
