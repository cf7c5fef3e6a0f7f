"""A damaged part of a workbook loses only itself (decision 0140): every part openpyxl parses
when it opens a workbook (chart sheets and their drawings and charts, the document properties,
the theme, external links, the workbook part's names and views, the stylesheet, the shared
strings, sheets' relationships, a sheet's start), damaged as a broken disk, a cut-off upload or
a careless tool leaves it, in workbooks written as Excel writes them (XlsxWriter) and as
openpyxl and report generators do. The sheets' cells are always read; what is lost is named in
`parts_unreadable`, unless nothing of it was indexed (properties, theme, external links)."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter  # type: ignore[import-untyped]  # no stubs; python-pptx brings it
from openpyxl.styles import Font

from engageiq_files.ingestion.sections import ParsedDocument
from engageiq_files.ingestion.workbook_package import salvaged_parts
from tests.unit.files.test_ingestion_xlsx_parts import edited, parse, saved, text_of
from tests.unit.files.workbooks import MAIN, RELS, xlsxwriter_book


def _heron(workbook: xlsxwriter.Workbook) -> None:
    """A pipeline sheet (rows, a text box, a note, a header) and a chart sheet after it, with
    the document properties and a defined name Excel writes."""
    workbook.set_properties({"title": "Heron pipeline", "author": "Dana"})
    workbook.set_custom_property("Client", "Heron")
    sheet = workbook.add_worksheet("Pipeline")
    sheet.write_row(0, 0, ["Quarter", "Closed deals", "Owner"])
    for row, (quarter, deals) in enumerate([("Q1", 10), ("Q2", 20), ("Q3", 31)], start=1):
        sheet.write_row(row, 0, [quarter, deals, "Dana Whitfield"])
    sheet.insert_textbox("E2", "Callout: Heron renews in June")
    sheet.write_comment("A2", "Checked by Dana")
    sheet.set_header("&CConfidential pipeline")
    workbook.define_name("Deals", "=Pipeline!$B$2:$B$4")
    sheet.print_area("A1:C4")
    chart = workbook.add_chart({"type": "pie"})
    chart.add_series(
        {
            "name": "=Pipeline!$B$1",
            "categories": "=Pipeline!$A$2:$A$4",
            "values": "=Pipeline!$B$2:$B$4",
        }
    )
    chart.set_title({"name": "Heron pipeline closed 31 deals"})
    summary = workbook.add_chartsheet("Summary")
    summary.set_chart(chart)
    notes = workbook.add_worksheet("Notes")
    notes.write_row(0, 0, ["Topic", "Note"])
    notes.write_row(1, 0, ["Renewal", "Heron asks for a three-year term"])


def _replaced(content: bytes, part: str, data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    assert part in source.namelist()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, data if item.filename == part else source.read(item))
    return out.getvalue()


def _broken_entry(content: bytes, part: str) -> bytes:
    """`content` with `part` stored uncompressed and one byte of it changed after its checksum
    was taken: a disk or transfer error, which zipfile reports as a bad CRC when read."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            method = zipfile.ZIP_STORED if item.filename == part else zipfile.ZIP_DEFLATED
            target.writestr(item.filename, source.read(item), compress_type=method)
    data = bytearray(out.getvalue())
    entry = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(part)
    name_length, extra_length = struct.unpack(
        "<HH", data[entry.header_offset + 26 : entry.header_offset + 30]
    )
    start = entry.header_offset + 30 + name_length + extra_length
    data[start + entry.file_size // 2] ^= 0x20
    return bytes(data)


def _rows_read(parsed: ParsedDocument) -> None:
    text = text_of(parsed)
    assert "Quarter: Q3; Closed deals: 31; Owner: Dana Whitfield" in text
    assert "Topic: Renewal; Note: Heron asks for a three-year term" in text


def _named(parsed: ParsedDocument) -> list[str]:
    found = [w for w in parsed.warnings if w.code == "parts_unreadable"]
    if not found:
        return []
    match = re.search(r"\(([^)]*)\)", found[0].message)
    assert match is not None
    return match.group(1).split(", ")


@pytest.mark.parametrize("damage", ["not XML", "empty", "broken entry"])
@pytest.mark.parametrize(
    ("part", "named", "chart_kept"),
    [
        ("xl/chartsheets/sheet1.xml", "the chart sheet Summary", False),
        ("xl/chartsheets/_rels/sheet1.xml.rels", "the chart sheet Summary", False),
        ("xl/drawings/drawing2.xml", "the chart sheet Summary", False),
        ("xl/drawings/_rels/drawing2.xml.rels", "the chart sheet Summary", False),
        ("xl/charts/chart1.xml", "the chart on chart sheet Summary", False),
        ("xl/worksheets/_rels/sheet1.xml.rels", "the drawing on sheet Pipeline", True),
        ("xl/styles.xml", "the cell formats", True),
        ("docProps/core.xml", None, True),
        ("docProps/custom.xml", None, True),
        ("xl/theme/theme1.xml", None, True),
        ("[Content_Types].xml", None, True),
    ],
)
def test_a_damaged_part_loses_only_itself(
    tmp_path: Path, part: str, named: str | None, chart_kept: bool, damage: str
) -> None:
    content = xlsxwriter_book(_heron)
    if damage == "broken entry":
        content = _broken_entry(content, part)
    else:
        content = _replaced(content, part, b"<c:chartSp" if damage == "not XML" else b"")
    parsed = parse(tmp_path, content, "xlsx")
    _rows_read(parsed)
    by_location = {s.location: s.text for s in parsed.sections}
    assert ("Summary (chart)" in by_location) is chart_kept
    if chart_kept:
        assert "Heron pipeline closed 31 deals" in by_location["Summary (chart)"]
    if named is None:
        assert _named(parsed) == []
    else:
        assert named in _named(parsed)
    if part != "xl/worksheets/_rels/sheet1.xml.rels":
        assert by_location["Pipeline (drawing)"] == "Callout: Heron renews in June"
        assert by_location["Pipeline (comments)"] == "A2: Checked by Dana"


def test_a_damaged_sheet_loses_only_itself(tmp_path: Path) -> None:
    content = _replaced(xlsxwriter_book(_heron), "xl/worksheets/sheet2.xml", b"<worksheet")
    parsed = parse(tmp_path, content, "xlsx")
    text = text_of(parsed)
    assert "Quarter: Q3; Closed deals: 31; Owner: Dana Whitfield" in text
    assert "three-year term" not in text
    assert _named(parsed) == ["the sheet Notes"]


def test_a_sheet_cut_short_keeps_the_rows_before_the_damage(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Accounts"
    sheet.append(["Account", "Owner"])
    for number in range(1, 201):
        sheet.append([f"Account {number}", f"Rep {number}"])
    content = saved(workbook)
    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    cut = xml.index(b'<row r="150"')
    parsed = parse(tmp_path, _replaced(content, "xl/worksheets/sheet1.xml", xml[:cut]), "xlsx")
    text = text_of(parsed)
    assert "Account: Account 148; Owner: Rep 148" in text
    assert "Account 150" not in text
    assert [w.code for w in parsed.warnings] == ["sheet_partly_read"]


def test_shared_strings_cut_short_keep_every_cell_in_its_place(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet("Accounts")
        sheet.write_row(0, 0, ["Account", "Seats", "Owner"])
        for number in range(1, 41):
            sheet.write_row(number, 0, [f"Account {number}", number * 10, f"Rep {number}"])

    content = xlsxwriter_book(build)
    strings = zipfile.ZipFile(io.BytesIO(content)).read("xl/sharedStrings.xml")
    cut = strings.index(b"Account 30")
    parsed = parse(tmp_path, _replaced(content, "xl/sharedStrings.xml", strings[:cut]), "xlsx")
    text = text_of(parsed)
    assert "Account: Account 12; Seats: 120; Owner: Rep 12" in text
    assert "Seats: 400" in text  # the last row's number, after the lost strings
    assert "Account 30" not in text
    assert _named(parsed) == ["the text of some cells"]


@pytest.mark.parametrize(
    "edit",
    [
        # Values openpyxl refuses in the workbook part; Excel opens each.
        lambda xml: xml.replace(
            "<sheets>", '<bookViews><workbookView activeTab="first"/></bookViews><sheets>'
        ),
        lambda xml: xml.replace(
            '<definedName name="Deals"', '<definedName localSheetId="Pipeline" name="Deals"'
        ),
        lambda xml: re.sub(r"<calcPr[^>]*/>", '<calcPr calcId="next" fullCalcOnLoad="1"/>', xml),
    ],
    ids=["view", "defined name", "calculation"],
)
def test_values_openpyxl_refuses_in_the_workbook_part_lose_nothing(
    tmp_path: Path, edit: Callable[[str], str]
) -> None:
    content = xlsxwriter_book(_heron)
    assert edit(zipfile.ZipFile(io.BytesIO(content)).read("xl/workbook.xml").decode()) != ""
    parsed = parse(tmp_path, edited(content, {"xl/workbook.xml": edit}, {}), "xlsx")
    _rows_read(parsed)
    assert "Heron pipeline closed 31 deals" in text_of(parsed)
    assert parsed.warnings == []


def test_1904_dates_and_hidden_sheets_survive_a_refused_workbook_part(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Renewal", "Date"])
    sheet.append(["Heron", 45000])
    sheet["B2"].number_format = "yyyy-mm-dd"
    hidden = workbook.create_sheet("Margins")
    hidden.append(["Plan", "Margin"])
    hidden.append(["Gold", "41%"])
    hidden.sheet_state = "hidden"

    def bad_view(xml: str) -> str:
        xml = re.sub(r"<workbookPr[^>]*/>", '<workbookPr date1904="1"/>', xml)
        return xml.replace('activeTab="0"', 'activeTab="first"')

    parsed = parse(tmp_path, edited(saved(workbook), {"xl/workbook.xml": bad_view}, {}), "xlsx")
    by_location = {s.location: s.text for s in parsed.sections}
    shown = (date(1904, 1, 1) + timedelta(days=45000)).isoformat()  # 2027-03-16, not 2023
    assert by_location["Sheet!A2:B2"] == f"Renewal: Heron; Date: {shown}"
    assert by_location["Margins!A2:B2 (hidden)"] == "Plan: Gold; Margin: 41%"


def test_a_damaged_external_link_loses_nothing(tmp_path: Path) -> None:
    """openpyxl reads other workbooks' cached cells (`externalLink` parts) on opening; they
    are never indexed, so a damaged one must not cost the workbook."""
    link_type = f"{RELS}/externalLink"

    def linked(xml: str) -> str:
        return xml.replace(
            "</sheets>",
            '</sheets><externalReferences><externalReference r:id="rId90"/></externalReferences>',
        )

    def related(xml: str) -> str:
        return xml.replace(
            "</Relationships>",
            f'<Relationship Id="rId90" Type="{link_type}" '
            'Target="externalLinks/externalLink1.xml"/></Relationships>',
        )

    content = edited(
        xlsxwriter_book(_heron),
        {"xl/workbook.xml": linked, "xl/_rels/workbook.xml.rels": related},
        {"xl/externalLinks/externalLink1.xml": f'<externalLink xmlns="{MAIN}"><externalBook'},
    )
    parsed = parse(tmp_path, content, "xlsx")
    _rows_read(parsed)
    assert parsed.warnings == []


def test_a_symbol_font_cell_style_survives_styles_openpyxl_refuses(tmp_path: Path) -> None:
    """A stylesheet openpyxl refuses (a font family of 20) is replaced for it by one of the
    number formats alone; the symbol fonts of the cells are still read from the original."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Feature", "Us"])
    sheet.append(["Single sign-on", "ü"])
    sheet["B2"].font = Font(name="Wingdings")
    content = edited(
        saved(workbook),
        {
            "xl/styles.xml": lambda xml: xml.replace(
                '<name val="Wingdings"/>', '<name val="Wingdings"/><family val="20"/>'
            )
        },
        {},
    )
    assert b'<family val="20"/>' in zipfile.ZipFile(io.BytesIO(content)).read("xl/styles.xml")
    parsed = parse(tmp_path, content, "xlsx")
    assert "Feature: Single sign-on; Us: ✓" in text_of(parsed)


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("worksheets/sheet2.xml", "../../etc/passwd", "the sheet Notes"),
        ("worksheets/sheet2.xml", "/xl/worksheets/missing.xml", "the sheet Notes"),
        ("worksheets/sheet2.xml", "worksheets/sheet2.xml/../../../x", "the sheet Notes"),
        ("chartsheets/sheet1.xml", "../chartsheets/none.xml", "the chart sheet Summary"),
    ],
    ids=["outside the package", "absolute, missing", "climbing out", "chart sheet"],
)
def test_a_sheet_whose_part_is_not_in_the_package_is_named_not_silently_dropped(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    # openpyxl refuses the workbook, the copy leaves the sheet out: its text is lost and was
    # not said to be, as if the workbook never had that sheet.
    rels = "xl/_rels/workbook.xml.rels"
    content = edited(xlsxwriter_book(_heron), {rels: lambda xml: xml.replace(old, new)}, {})
    parsed = parse(tmp_path, content, "xlsx")
    assert "Quarter: Q3; Closed deals: 31; Owner: Dana Whitfield" in text_of(parsed)
    assert _named(parsed) == [named]


def test_a_damaged_shared_strings_count_does_not_build_strings_no_cell_names(
    tmp_path: Path,
) -> None:
    # A 400-byte part claiming 10^9 strings was padded with a million empty ones (the cap),
    # which openpyxl then parsed: 14 s for a file of a few KB. Only strings cells name count.
    def build(workbook: xlsxwriter.Workbook) -> None:
        workbook.add_worksheet("Accounts").write_column(0, 0, ["Account 1", "Account 2"])

    content = xlsxwriter_book(build)
    strings = zipfile.ZipFile(io.BytesIO(content)).read("xl/sharedStrings.xml")
    claimed = re.sub(rb'(unique)?[cC]ount="2"', rb'\1count="999999999"', strings)
    damaged = _replaced(content, "xl/sharedStrings.xml", claimed[: claimed.index(b"Account 2")])
    with zipfile.ZipFile(io.BytesIO(damaged)) as archive:
        replaced, named = salvaged_parts(archive)
    assert named == ["the text of some cells"]
    assert (replaced["xl/sharedStrings.xml"] or b"").count(b"<si>") == 2
    parsed = parse(tmp_path, damaged, "xlsx")
    assert "Account 1" in text_of(parsed)
    assert _named(parsed) == ["the text of some cells"]
