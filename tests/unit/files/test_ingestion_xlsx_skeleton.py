"""A damaged package relationships part, workbook part or workbook relationships part no longer
fails the workbook (decision 0143): the worksheets are found through what is left (the workbook
relationships, the content types, the names Excel gives sheet parts) and read in a stable
order; what is lost (the sheet names) is named in `parts_unreadable`."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pptx
import pytest
import xlsxwriter  # type: ignore[import-untyped]  # no stubs; python-pptx brings it

from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sections import ParseFailure
from tests.unit.files.test_ingestion_xlsx_damaged import (
    _broken_entry,
    _heron,
    _named,
    _replaced,
    _rows_read,
)
from tests.unit.files.test_ingestion_xlsx_parts import LIMITS, parse, text_of
from tests.unit.files.test_ingestion_xlsx_variants import _strict
from tests.unit.files.workbooks import inline, workbook_package, xlsxwriter_book

_SKELETON = ("_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def _damaged(content: bytes, part: str, damage: str) -> bytes:
    if damage == "broken entry":
        return _broken_entry(content, part)
    return _replaced(content, part, b"<workbook" if damage == "not XML" else b"")


def _without(content: bytes, *parts: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename not in parts:
                target.writestr(item.filename, source.read(item))
    return out.getvalue()


@pytest.mark.parametrize("damage", ["not XML", "empty", "broken entry"])
@pytest.mark.parametrize("part", _SKELETON)
def test_a_damaged_skeleton_part_keeps_every_sheet(tmp_path: Path, part: str, damage: str) -> None:
    parsed = parse(tmp_path, _damaged(xlsxwriter_book(_heron), part, damage), "xlsx")
    _rows_read(parsed)
    text = text_of(parsed)
    # The sheets' own parts (drawing, comments, header) and the chart sheet's chart.
    for kept in ("Callout: Heron renews in June", "A2: Checked by Dana", "Confidential pipeline"):
        assert kept in text
    assert "Heron pipeline closed 31 deals" in text
    if part == "_rels/.rels":
        # The workbook is found by its content type: nothing is lost, nothing is named.
        assert _named(parsed) == []
        assert "Pipeline (drawing)" in {s.location for s in parsed.sections}
    else:
        assert _named(parsed) == ["the sheet names"]
        locations = [s.location for s in parsed.sections]
        assert locations[0] == "'Sheet 1'!A2:C4"
        assert "Sheet 1 (drawing)" in locations


def test_two_damaged_skeleton_parts_and_missing_content_types_still_read(tmp_path: Path) -> None:
    content = _damaged(xlsxwriter_book(_heron), "_rels/.rels", "not XML")
    content = _damaged(content, "xl/workbook.xml", "empty")
    content = _without(content, "xl/_rels/workbook.xml.rels", "[Content_Types].xml")
    parsed = parse(tmp_path, content, "xlsx")
    _rows_read(parsed)
    assert _named(parsed) == ["the sheet names"]


def test_the_names_are_kept_when_only_the_relationships_are_lost(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        workbook.add_worksheet("Pricing").write_row(0, 0, ["Plan", "Price"])
        workbook.get_worksheet_by_name("Pricing").write_row(1, 0, ["Team", 49])
        workbook.add_worksheet("Renewals").write_row(0, 0, ["Account", "Month"])
        workbook.get_worksheet_by_name("Renewals").write_row(1, 0, ["Heron", "June"])

    content = _damaged(xlsxwriter_book(build), "xl/_rels/workbook.xml.rels", "not XML")
    parsed = parse(tmp_path, content, "xlsx")
    by_location = {s.location: s.text for s in parsed.sections}
    assert by_location == {
        "Pricing!A2:B2": "Plan: Team; Price: 49",
        "Renewals!A2:B2": "Account: Heron; Month: June",
    }
    assert _named(parsed) == []


def test_sheets_are_read_in_their_parts_numeric_order(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        for number in range(1, 12):
            sheet = workbook.add_worksheet(f"Region {number}")
            sheet.write_row(0, 0, ["Region", "Code"])
            sheet.write_row(1, 0, [f"Region {number}", f"R{number}"])

    content = _damaged(xlsxwriter_book(build), "xl/workbook.xml", "not XML")
    parsed = parse(tmp_path, content, "xlsx")
    # sheet10.xml after sheet9.xml, not after sheet1.xml.
    assert [(s.location, s.text) for s in parsed.sections] == [
        (f"'Sheet {n}'!A2:B2", f"Region: Region {n}; Code: R{n}") for n in range(1, 12)
    ]


def test_a_worksheet_found_only_by_its_content_type(tmp_path: Path) -> None:
    # A report generator that names its sheet part otherwise than Excel does.
    content = workbook_package(
        f'<row r="1">{inline("A1", "Owner")}</row><row r="2">{inline("A2", "Dana")}</row>'
    )
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            name = item.filename
            if name == "xl/worksheets/sheet1.xml":
                name = "xl/report/data.xml"
            elif name == "[Content_Types].xml":
                data = data.replace(b"/xl/worksheets/sheet1.xml", b"/xl/report/data.xml")
            elif name == "xl/_rels/workbook.xml.rels":
                data = b"<Relationships"
            target.writestr(name, data)
    parsed = parse(tmp_path, out.getvalue(), "xlsx")
    # Found by its content type; its name is the workbook part's, which lists one sheet.
    assert [(s.location, s.text) for s in parsed.sections] == [("Data!A2:A2", "Owner: Dana")]
    assert _named(parsed) == []


def test_a_damaged_skeleton_without_any_worksheet_is_still_corrupt(tmp_path: Path) -> None:
    damaged = _damaged(xlsxwriter_book(_heron), "xl/workbook.xml", "not XML")
    _rows_read(parse(tmp_path, damaged, "xlsx"))  # with its sheets, it is read
    content = _without(
        damaged,
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
        "xl/chartsheets/sheet1.xml",
    )
    path = tmp_path / "upload-xlsx"
    path.write_bytes(content)
    with pytest.raises(ParseFailure) as failure:
        parse_document(str(path), "xlsx", LIMITS)
    assert failure.value.code == "corrupt_xlsx"


def test_thousands_of_sheet_parts_behind_a_damaged_workbook_are_bounded(tmp_path: Path) -> None:
    # A hostile package of 3,000 one-cell sheets whose workbook part and relationships are
    # damaged: read as the
    # first `max_pages` sheets and a truncation warning, as an intact one is.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        source = zipfile.ZipFile(
            io.BytesIO(workbook_package(f'<row r="1">{inline("A1", "x")}</row>'))
        )
        for item in source.infolist():
            data = source.read(item)
            if item.filename in {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"}:
                data = b"<workbook"
            target.writestr(item.filename, data)
            if item.filename == "xl/worksheets/sheet1.xml":
                for number in range(2, 3001):
                    target.writestr(f"xl/worksheets/sheet{number}.xml", data)
    parsed = parse(tmp_path, out.getvalue(), "xlsx")
    assert [w.code for w in parsed.warnings] == ["parts_unreadable", "truncated"]
    assert len(parsed.sections) <= LIMITS.max_pages


def test_a_strict_workbook_with_a_damaged_workbook_part_is_read(tmp_path: Path) -> None:
    # Whether the workbook is Strict is then told by its first worksheet.
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet("Pricing")
        sheet.write_row(0, 0, ["Plan", "Price"])
        sheet.write_row(1, 0, ["Team", 49])

    content = _damaged(_strict(xlsxwriter_book(build)), "xl/workbook.xml", "not XML")
    parsed = parse(tmp_path, content, "xlsx")
    assert [(s.location, s.text) for s in parsed.sections] == [
        ("'Sheet 1'!A2:B2", "Plan: Team; Price: 49")
    ]


def test_a_workbook_part_cut_short_after_its_sheet_list_keeps_the_names(tmp_path: Path) -> None:
    # A cut-off upload: the sheet list comes before the defined names, which are lost; the
    # sheets keep their names and order (the chart sheet between them), and nothing indexed
    # is lost.
    content = xlsxwriter_book(_heron)
    workbook = zipfile.ZipFile(io.BytesIO(content)).read("xl/workbook.xml")
    cut = workbook[: workbook.index(b"<definedNames") + 20]
    parsed = parse(tmp_path, _replaced(content, "xl/workbook.xml", cut), "xlsx")
    _rows_read(parsed)
    assert [s.location for s in parsed.sections if "!" in s.location or "chart" in s.location] == [
        "Pipeline!A2:C4",
        "Summary (chart)",
        "Notes!A2:B2",
    ]
    assert _named(parsed) == []


@pytest.mark.parametrize("kind", ["docx", "pptx"])
def test_word_and_powerpoint_find_their_main_part_without_package_relationships(
    tmp_path: Path, kind: str
) -> None:
    # The same fallback serves every Office kind: the content types, else the usual name.
    out = io.BytesIO()
    if kind == "docx":
        document = docx.Document()
        document.add_paragraph("Heron renews in June")
        document.save(out)
    else:
        presentation = pptx.Presentation()
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        assert slide.shapes.title is not None
        slide.shapes.title.text = "Heron renews in June"
        presentation.save(out)
    content = _replaced(out.getvalue(), "_rels/.rels", b"<Relationships")
    assert "Heron renews in June" in text_of(parse(tmp_path, content, kind))
