"""Workbooks as other writers save them (Excel, XlsxWriter, LibreOffice, Google Sheets, report
generators), each variant of a kind of fault of decision 0103: what a person sees in Excel
must be what is indexed."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import xlsxwriter  # type: ignore[import-untyped]  # no stubs; python-pptx brings it
from hypothesis import given, settings
from hypothesis import strategies as st

from engageiq_files.ingestion.number_formats import format_number, format_text, format_value
from engageiq_files.ingestion.workbook_package import rewritten_copy
from tests.unit.files.test_ingestion_xlsx_parts import edited, parse, text_of
from tests.unit.files.workbooks import inline, workbook_package, xlsxwriter_book


def _one_value(value: str, cell_type: str = "", style: int = 0) -> str:
    kind = f' t="{cell_type}"' if cell_type else ""
    styled = f' s="{style}"' if style else ""
    return (
        f'<row r="1">{inline("A1", "Field")}{inline("B1", "Value")}</row>'
        f'<row r="2">{inline("A2", "Figure")}<c r="B2"{kind}{styled}><v>{value}</v></c></row>'
    )


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("0.30000000000000004", "0.3"),  # a sum's binary noise: Excel shows 15 digits at most
        ("1234.5600000000002", "1234.56"),
        ("83.000000000000014", "83"),
        ("0.1", "0.1"),
        ("1E-3", "0.001"),
        ("-2.5", "-2.5"),
    ],
)
def test_general_numbers_show_at_most_fifteen_digits(
    tmp_path: Path, stored: str, shown: str
) -> None:
    parsed = parse(tmp_path, workbook_package(_one_value(stored)), "xlsx")
    assert f"Value: {shown}" in text_of(parsed).splitlines()[0].split("; ")


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (1234.5, "#,##0", "1,235"),  # half away from zero, as Excel rounds
        (2.5, "0", "3"),
        (-2.5, "0", "-3"),
        (0.145, "0%", "15%"),  # 14.499999999999998 after scaling: 15 digits first
        (2.675, "0.00", "2.68"),
        (0.125, "0.0%", "12.5%"),
    ],
)
def test_formatted_numbers_round_half_away_from_zero(value: float, code: str, shown: str) -> None:
    assert format_value(value, code) == shown


@pytest.mark.parametrize(("stored", "shown"), [("1", "TRUE"), ("0", "FALSE")])
def test_booleans_read_as_excel_shows_them(tmp_path: Path, stored: str, shown: str) -> None:
    parsed = parse(tmp_path, workbook_package(_one_value(stored, "b")), "xlsx")
    assert f"Value: {shown}" in text_of(parsed)


def test_errors_read_as_excel_shows_them(tmp_path: Path) -> None:
    parsed = parse(tmp_path, workbook_package(_one_value("#DIV/0!", "e")), "xlsx")
    assert "Value: #DIV/0!" in text_of(parsed)


@pytest.mark.parametrize("where", ["shared", "inline"])
@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("Line one_x000D_\nLine two", "Line one\r\nLine two"),  # Excel's escaped carriage return
        ("Tab_x0009_stop", "Tab\tstop"),
    ],
)
def test_escaped_characters_in_strings_are_unescaped(
    tmp_path: Path, where: str, stored: str, shown: str
) -> None:
    if where == "shared":
        cell = '<c r="A1" t="s"><v>0</v></c>'
        content = workbook_package(f'<row r="1">{cell}</row>', shared=[f"<t>{stored}</t>"])
    else:
        content = workbook_package(f'<row r="1">{inline("A1", stored)}</row>')
    assert text_of(parse(tmp_path, content, "xlsx")) == shown


def test_an_escaped_underscore_keeps_the_escape_literal(tmp_path: Path) -> None:
    # Inline only: openpyxl drops `x005F_` from shared strings before we see them, so there
    # the literal and the escape cannot be told apart (and a literal "_x000D_" is rare).
    content = workbook_package(f'<row r="1">{inline("A1", "Literal _x005F_x000D_ kept")}</row>')
    assert text_of(parse(tmp_path, content, "xlsx")) == "Literal _x000D_ kept"


def _pipeline(workbook: xlsxwriter.Workbook) -> xlsxwriter.worksheet.Worksheet:
    sheet = workbook.add_worksheet("Pipeline")
    sheet.write_row(0, 0, ["Quarter", "Closed deals"])
    sheet.write_column(1, 0, ["Q1", "Q2", "Q3"])
    sheet.write_column(1, 1, [10, 20, 31])
    return sheet


def _heron_chart(workbook: xlsxwriter.Workbook, kind: str) -> xlsxwriter.chart.Chart:
    chart = workbook.add_chart({"type": kind})
    chart.add_series(
        {
            "name": "=Pipeline!$B$1",
            "categories": "=Pipeline!$A$2:$A$4",
            "values": "=Pipeline!$B$2:$B$4",
        }
    )
    chart.set_title({"name": "Heron pipeline closed 31 deals"})
    if kind != "pie":
        chart.set_x_axis({"name": "Fiscal quarter"})
        chart.set_y_axis({"name": "Deal count"})
    return chart


@pytest.mark.parametrize("kind", ["column", "line", "pie", "bar", "scatter"])
def test_a_chart_drawn_on_a_sheet_is_read_with_the_sheets_drawing(
    tmp_path: Path, kind: str
) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        _pipeline(workbook).insert_chart("D2", _heron_chart(workbook, kind))

    parsed = parse(tmp_path, xlsxwriter_book(build), "xlsx")
    drawing = {s.location: s.text for s in parsed.sections}["Pipeline (drawing)"]
    assert "Heron pipeline closed 31 deals" in drawing
    assert "Closed deals:" in drawing
    if kind != "pie":
        assert "Fiscal quarter" in drawing
        assert "Deal count" in drawing


@pytest.mark.parametrize("hidden", [False, True])
def test_a_chart_sheet_is_read_as_its_own_section(tmp_path: Path, hidden: bool) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        _pipeline(workbook)
        sheet = workbook.add_chartsheet("Summary chart")
        sheet.set_chart(_heron_chart(workbook, "pie"))
        if hidden:
            sheet.hide()

    parsed = parse(tmp_path, xlsxwriter_book(build), "xlsx")
    label = " (hidden)" if hidden else ""
    by_location = {s.location: s.text for s in parsed.sections}
    chart = by_location[f"Summary chart (chart){label}"]
    assert chart.splitlines() == [
        "Heron pipeline closed 31 deals",
        "Closed deals: Q1 10; Q2 20; Q3 31",
    ]


def test_text_boxes_and_charts_on_one_sheet_are_both_read(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = _pipeline(workbook)
        sheet.insert_textbox("D2", "Callout: Heron renews in June")
        sheet.insert_chart("D8", _heron_chart(workbook, "column"))

    parsed = parse(tmp_path, xlsxwriter_book(build), "xlsx")
    drawing = {s.location: s.text for s in parsed.sections}["Pipeline (drawing)"]
    lines = drawing.splitlines()
    assert "Callout: Heron renews in June" in lines
    assert "Heron pipeline closed 31 deals" in lines


def test_a_damaged_chart_loses_only_itself(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = _pipeline(workbook)
        sheet.insert_textbox("D2", "Callout: Heron renews in June")
        sheet.insert_chart("D8", _heron_chart(workbook, "column"))

    content = edited(xlsxwriter_book(build), {"xl/charts/chart1.xml": lambda _: "<c:chartSp"}, {})
    parsed = parse(tmp_path, content, "xlsx")
    by_location = {s.location: s.text for s in parsed.sections}
    assert by_location["Pipeline (drawing)"] == "Callout: Heron renews in June"
    assert "Q3" in text_of(parsed)  # the sheet's rows


@pytest.mark.parametrize(
    ("part", "named"),
    [
        ("xl/drawings/drawing1.xml", "the drawing on sheet Pipeline"),
        ("xl/comments1.xml", "the comments on sheet Pipeline"),
    ],
)
def test_a_damaged_drawing_or_comments_part_loses_only_itself(
    tmp_path: Path, part: str, named: str
) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = _pipeline(workbook)
        sheet.insert_textbox("D2", "Callout: Heron renews in June")
        sheet.write_comment("A2", "Checked by Dana")

    parsed = parse(tmp_path, edited(xlsxwriter_book(build), {part: lambda _: "<x"}, {}), "xlsx")
    assert "Q3" in text_of(parsed)  # the sheet's rows
    [warning] = parsed.warnings
    assert warning.code == "parts_unreadable"
    assert f"({named})" in warning.message


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (0.5, "# ?/?", "1/2"),
        (1.25, "# ?/?", "1 1/4"),
        (0.333, "# ??/??", "1/3"),
        (3.0, "# ?/?", "3"),
        (2.5, "?/?", "5/2"),
        (0.3, "# ?/8", "2/8"),  # a fixed denominator (eighths)
        (-1.75, "# ?/?", "-1 3/4"),
        (12.5, '# ?/? "inch"', "12 1/2 inch"),
        (0.25, "# ?/?;-# ?/?;0", "1/4"),
    ],
)
def test_fractions_read_as_excel_shows_them(value: float, code: str, shown: str) -> None:
    assert format_value(value, code) == shown


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (1500, '[>=1000]#,##0,"K";0', "2K"),
        (500, '[>=1000]#,##0,"K";0', "500"),
        (1500000, '[>=1000000]0.0,,"M";[>=1000]0.0,"K";0', "1.5M"),
        (2500, '[>=1000000]0.0,,"M";[>=1000]0.0,"K";0', "2.5K"),
        (42, '[>=1000000]0.0,,"M";[>=1000]0.0,"K";0', "42"),
        (7, '[Red][<=9]"Low "0;[Blue]"High "0', "Low 7"),
        (12, '[Red][<=9]"Low "0;[Blue]"High "0', "High 12"),
        (5551234, "[<=9999999]###-####;(###) ###-####", "555-1234"),
        (4155551234, "[<=9999999]###-####;(###) ###-####", "(415) 555-1234"),
    ],
)
def test_conditional_sections_are_chosen_by_their_conditions(
    value: float, code: str, shown: str
) -> None:
    assert format_value(value, code) == shown


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (12345, "##0.0E+0", "12.3E+3"),
        (0.00012, "##0.0E+0", "120.0E-6"),
        (1234, "0.0E+00", "1.2E+03"),
    ],
)
def test_engineering_notation_groups_exponents_by_three(
    value: float, code: str, shown: str
) -> None:
    assert format_value(value, code) == shown


def test_a_fraction_formatted_cell_reads_as_a_fraction(tmp_path: Path) -> None:
    content = workbook_package(_one_value("0.75", style=1), number_format=(12, ""))
    assert "Value: 3/4" in text_of(parse(tmp_path, content, "xlsx"))


def _yearly(workbook: xlsxwriter.Workbook) -> None:
    sheet = workbook.add_worksheet("Totals")
    sheet.write_row(0, 0, ["Plan", "Seats", "Yearly"])
    sheet.write_row(1, 0, ["Granite", 83])
    sheet.write_formula(1, 2, "=B2*12")  # XlsxWriter caches 0 unless told the value
    sheet.write_row(2, 0, ["Basalt", 40])
    sheet.write_formula(2, 2, "=B3*12")


def test_a_placeholder_zero_of_a_workbook_never_calculated_is_not_its_value(
    tmp_path: Path,
) -> None:
    # XlsxWriter (and openpyxl) mark the workbook fullCalcOnLoad: Excel recalculates it on
    # opening, so a cached 0 is the writer's placeholder, not what Excel shows.
    parsed = parse(tmp_path, xlsxwriter_book(_yearly), "xlsx")
    rows = text_of(parsed).splitlines()
    assert rows == [
        "Plan: Granite; Seats: 83; Yearly: =B2*12",
        "Plan: Basalt; Seats: 40; Yearly: =B3*12",
    ]
    [warning] = parsed.warnings
    assert warning.code == "formula_without_value"
    assert "2 formulas" in warning.message
    assert "Totals!C2" in warning.message


def test_an_array_formulas_placeholder_zeros_are_not_its_values(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet("Totals")
        sheet.write_row(0, 0, ["Plan", "Seats", "Yearly"])
        sheet.write_column(1, 0, ["Granite", "Basalt", "Slate"])
        sheet.write_column(1, 1, [83, 40, 25])
        # XlsxWriter caches 0 on every cell of the range, the first holding the formula.
        sheet.write_array_formula("C2:C4", "{=B2:B4*12}")

    content = xlsxwriter_book(build)
    assert b'<c r="C3"><v>0</v></c>' in zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml"
    )
    parsed = parse(tmp_path, content, "xlsx")
    assert text_of(parsed).splitlines() == [
        "Plan: Granite; Seats: 83; Yearly: =B2:B4*12",
        "Plan: Basalt; Seats: 40",
        "Plan: Slate; Seats: 25",
    ]
    assert "1 formula had no value" in parsed.warnings[0].message


def test_zeros_beside_computed_values_are_real_zeros(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet("Totals")
        sheet.write_row(0, 0, ["Plan", "Seats", "Yearly"])
        sheet.write_row(1, 0, ["Granite", 0])
        sheet.write_formula(1, 2, "=B2*12", None, 0)  # the script computed these
        sheet.write_row(2, 0, ["Basalt", 40])
        sheet.write_formula(2, 2, "=B3*12", None, 480)

    parsed = parse(tmp_path, xlsxwriter_book(build), "xlsx")
    assert text_of(parsed).splitlines() == [
        "Plan: Granite; Seats: 0; Yearly: 0",
        "Plan: Basalt; Seats: 40; Yearly: 480",
    ]
    assert parsed.warnings == []


def test_a_calculated_zero_stays_zero(tmp_path: Path) -> None:
    sheet = (
        f'<row r="1">{inline("A1", "Plan")}{inline("B1", "Balance")}</row>'
        f'<row r="2">{inline("A2", "Granite")}<c r="B2"><f>10-10</f><v>0</v></c></row>'
    )
    parsed = parse(tmp_path, workbook_package(sheet), "xlsx")
    assert text_of(parsed) == "Plan: Granite; Balance: 0"
    assert parsed.warnings == []


def test_cell_notes_are_read_with_their_cells(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet("Deals")
        sheet.write_row(0, 0, ["Deal", "Value"])
        sheet.write_row(1, 0, ["Kestrel", 100])
        sheet.write_comment("B2", "Discount approved by Priya\nuntil 30 June", {"author": "Dana"})

    parsed = parse(tmp_path, xlsxwriter_book(build), "xlsx")
    by_location = {s.location: s.text for s in parsed.sections}
    assert by_location["Deals (comments)"] == "B2: Discount approved by Priya\nuntil 30 June"


_THREADED_REL = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
_THREADED = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
_LEGACY_COPY = (
    "[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; "
    "however, any edits to it will get removed if the file is opened in a newer version of "
    "Excel.\n\nComment:\n    Renewal blocked on legal review\nReply:\n    Legal cleared it"
)


def test_threaded_comments_are_read_instead_of_their_legacy_copy(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet("Deals")
        sheet.write_row(0, 0, ["Deal", "Value"])
        sheet.write_row(1, 0, ["Kestrel", 100])
        sheet.write_comment("B2", "LEGACY")

    threads = (
        f'<ThreadedComments xmlns="{_THREADED}"><threadedComment ref="B2" id="{{1}}" '
        'personId="{9}"><text>Renewal blocked on legal review</text></threadedComment>'
        '<threadedComment ref="B2" id="{2}" parentId="{1}" personId="{9}"><text>Legal '
        "cleared it</text></threadedComment></ThreadedComments>"
    )
    content = edited(
        xlsxwriter_book(build),
        {
            "xl/comments1.xml": lambda xml: xml.replace("LEGACY", _LEGACY_COPY),
            "xl/worksheets/_rels/sheet1.xml.rels": lambda xml: xml.replace(
                "</Relationships>",
                f'<Relationship Id="rId9" Type="{_THREADED_REL}" '
                'Target="../threadedComments/threadedComment1.xml"/></Relationships>',
            ),
        },
        {"xl/threadedComments/threadedComment1.xml": threads},
    )
    parsed = parse(tmp_path, content, "xlsx")
    comments = {s.location: s.text for s in parsed.sections}["Deals (comments)"]
    assert comments == "B2: Renewal blocked on legal review\nB2: Legal cleared it"


def _strict(content: bytes) -> bytes:
    """The workbook as Excel's "Strict Open XML Spreadsheet" saves it: the same parts, in
    the ISO namespaces (`http://purl.oclc.org/ooxml/...`)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith((".xml", ".rels")):
                data = re.sub(
                    rb"http://schemas\.openxmlformats\.org/(\w+)/2006/",
                    rb"http://purl.oclc.org/ooxml/\1/",
                    data,
                )
                # Package relationships and content types keep their OPC namespaces.
                data = data.replace(
                    b"http://purl.oclc.org/ooxml/package/",
                    b"http://schemas.openxmlformats.org/package/2006/",
                )
            target.writestr(item, data)
    return out.getvalue()


def test_a_strict_workbook_reads_like_a_transitional_one(tmp_path: Path) -> None:
    def build(workbook: xlsxwriter.Workbook) -> None:
        sheet = _pipeline(workbook)
        sheet.write("C1", "Rate")
        sheet.write("C2", 0.15, workbook.add_format({"num_format": "0%"}))
        sheet.insert_textbox("E2", "Callout: Heron renews in June")

    content = _strict(xlsxwriter_book(build))
    assert b"http://purl.oclc.org/ooxml/spreadsheetml/main" in zipfile.ZipFile(
        io.BytesIO(content)
    ).read("xl/workbook.xml")
    text = text_of(parse(tmp_path, content, "xlsx"))
    assert "Quarter: Q1; Closed deals: 10; Rate: 15%" in text
    assert "Quarter: Q3; Closed deals: 31" in text
    assert "Callout: Heron renews in June" in text


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ('"Account: "@', "Account: ACME-742"),  # one section with @: it applies to text
        ('@" (EMEA)"', "ACME-742 (EMEA)"),
        ('0;-0;0;"Ref "@', "Ref ACME-742"),  # the fourth section is text's
        ('_(* #,##0_);_(* (#,##0);_(* "-"_);_(@_)', "ACME-742"),  # accounting: padding only
        ("0.00", "ACME-742"),  # no text section: the text as it is
        ("@", "ACME-742"),
    ],
)
def test_text_is_shown_through_the_formats_text_section(
    tmp_path: Path, code: str, shown: str
) -> None:
    sheet = (
        f'<row r="1">{inline("A1", "Field")}{inline("B1", "Value")}</row>'
        f'<row r="2">{inline("A2", "Customer")}<c r="B2" t="inlineStr" s="1"><is><t>ACME-742</t>'
        "</is></c></row>"
    )
    content = workbook_package(sheet, number_format=(164, code))
    assert text_of(parse(tmp_path, content, "xlsx")) == f"Field: Customer; Value: {shown}"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('<fill><patternFill patternType="none"/></fill>', "<fill/>"),  # an empty fill
        ("<font/>", '<font><family val="20"/></font>'),  # a family beyond openpyxl's 14
        ("<font/>", '<font><color rgb="nothex"/></font>'),
        ("<border/>", '<border><left style="superthick"/></border>'),
    ],
)
def test_styles_openpyxl_refuses_do_not_lose_the_workbook(
    tmp_path: Path, old: str, new: str
) -> None:
    sheet = (
        f'<row r="1">{inline("A1", "Plan")}{inline("B1", "Discount")}</row>'
        f'<row r="2">{inline("A2", "Granite")}<c r="B2" s="1"><v>0.15</v></c></row>'
    )
    content = edited(
        workbook_package(sheet, number_format=(164, "0%")),
        {"xl/styles.xml": lambda xml: xml.replace(old, new)},
        {},
    )
    assert new in zipfile.ZipFile(io.BytesIO(content)).read("xl/styles.xml").decode()
    # The number formats are kept: only fonts, fills and borders are dropped.
    assert text_of(parse(tmp_path, content, "xlsx")) == "Plan: Granite; Discount: 15%"


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("[$-407]d. mmmm yyyy", "14. März 2027"),  # German, by LCID
        ("[$-de-DE]dddd, d. mmmm yyyy", "Sonntag, 14. März 2027"),  # by language tag
        ("[$-C07]d. mmmm yyyy", "14. März 2027"),  # Austrian German: the same language
        ("[$-40C]d mmmm yyyy", "14 mars 2027"),
        ("[$-C0A]d \\d\\e mmmm \\d\\e yyyy", "14 de marzo de 2027"),
        ("[$-410]dddd d mmmm yyyy", "domenica 14 marzo 2027"),
        ("[$-413]d mmmm yyyy", "14 maart 2027"),
        ("[$-416]d \\de mmmm \\de yyyy", "14 de março de 2027"),
        ("[$-409]d mmmm yyyy", "14 March 2027"),
        ("[$-F800]dddd, mmmm dd, yyyy", "Sunday, March 14, 2027"),  # the system's long date
        ("d mmmm yyyy", "14 March 2027"),
    ],
)
def test_month_and_day_names_follow_the_formats_language(code: str, shown: str) -> None:
    assert format_value(datetime(2027, 3, 14), code) == shown


def test_strict_namespaces_are_renamed_across_the_copys_chunks() -> None:
    # Parts are copied a megabyte at a time: a namespace near a chunk's end must not be split.
    strict = b'<x:e xmlns:x="http://purl.oclc.org/ooxml/spreadsheetml/main" v="'
    part = b"".join(strict + b"p" * size + b'"/>' for size in range(1_048_400, 1_048_700, 37))
    source = io.BytesIO()
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("xl/big.xml", part)
    with zipfile.ZipFile(source) as archive, rewritten_copy(archive, {}, transitional=True) as copy:
        copied = zipfile.ZipFile(copy).read("xl/big.xml")
    assert copied == part.replace(
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    )


def test_title_rows_above_the_header_are_read_once_not_as_the_header(tmp_path: Path) -> None:
    sheet = (
        f'<row r="1">{inline("A1", "Q3 pricing, confidential")}</row>'
        f'<row r="2">{inline("A2", "Prepared by Dana")}</row>'
        f'<row r="4">{inline("A4", "Plan")}{inline("B4", "Seats")}{inline("C4", "Region")}</row>'
        f'<row r="5">{inline("A5", "Granite")}<c r="B5"><v>83</v></c>{inline("C5", "EMEA")}</row>'
        f'<row r="6">{inline("A6", "Basalt")}<c r="B6"><v>40</v></c></row>'
    )
    [section] = parse(tmp_path, workbook_package(sheet), "xlsx").sections
    assert section.location == "Data!A1:C6"
    assert section.text.splitlines() == [
        "Q3 pricing, confidential",
        "Prepared by Dana",
        "Plan: Granite; Seats: 83; Region: EMEA",
        "Plan: Basalt; Seats: 40",
    ]


def test_a_one_column_sheet_keeps_its_first_row_as_the_header(tmp_path: Path) -> None:
    rows = ["Note", "Renewal in March", "Kiwi pilot in May"]
    sheet = "".join(
        f'<row r="{i}">{inline(f"A{i}", text)}</row>' for i, text in enumerate(rows, start=1)
    )
    [section] = parse(tmp_path, workbook_package(sheet), "xlsx").sections
    assert section.location == "Data!A2:A3"
    assert section.text.splitlines() == ["Note: Renewal in March", "Note: Kiwi pilot in May"]


def test_a_sheet_of_exactly_one_sections_rows_has_no_extra_header_section(
    tmp_path: Path,
) -> None:
    rows = "".join(
        f'<row r="{i}">{inline(f"A{i}", f"Plan{i}")}<c r="B{i}"><v>{i}</v></c></row>'
        for i in range(2, 27)
    )
    sheet = f'<row r="1">{inline("A1", "Plan")}{inline("B1", "Seats")}</row>{rows}'
    parsed = parse(tmp_path, workbook_package(sheet), "xlsx")
    assert [s.location for s in parsed.sections] == ["Data!A2:B26"]


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("NN", "46460"),  # LibreOffice's weekday code, unknown to Excel: General, not nothing
        ("DD.MM.YYYY", "14.03.2027"),  # LibreOffice writes codes in capitals
        ("MMMM D, YYYY", "March 14, 2027"),
        ('"Total"', "Total"),  # no placeholder: the literal alone, as Excel shows it
    ],
)
def test_formats_other_writers_use_never_hide_the_value(
    tmp_path: Path, code: str, shown: str
) -> None:
    content = workbook_package(_one_value("46460", style=1), number_format=(164, code))
    assert f"Value: {shown}" in text_of(parse(tmp_path, content, "xlsx"))


_FORMAT_PIECES = [
    *'0#?.,%E+-/ "@;[]$<>=dmyhsAMP\\_*x',
    *("[Red]", "[>=100]", "[$€-407]", "[h]", "AM/PM", '"Seats: "', "?/?", "E+00", "[<0]"),
]


@settings(max_examples=400, deadline=None)
@given(
    code=st.lists(st.sampled_from(_FORMAT_PIECES), min_size=1, max_size=14).map("".join),
    value=st.one_of(
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        st.datetimes(),
    ),
)
def test_no_format_and_value_fails_a_workbook(code: str, value: object) -> None:
    # Whatever a writer puts in a format, a cell reads as something or as General.
    shown = format_value(value, code)
    assert shown is None or isinstance(shown, str)
    if isinstance(value, int | float):
        assert isinstance(format_number(float(value), code), str)
    assert isinstance(format_text("ACME-742", code), str)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('<c r="B2" s="1"><v>0.15</v></c>', "Rate: 0.15"),  # style 1 names format 170, undefined
        ('<c r="B2" s="9"><v>0.15</v></c>', "Rate: 0.15"),  # style 9 of 2
    ],
)
def test_a_cell_style_that_names_nothing_reads_as_general(
    tmp_path: Path, cell: str, shown: str
) -> None:
    sheet = (
        f'<row r="1">{inline("A1", "Plan")}{inline("B1", "Rate")}</row>'
        f'<row r="2">{inline("A2", "Granite")}{cell}</row>'
    )
    content = workbook_package(sheet, number_format=(170, ""))
    assert text_of(parse(tmp_path, content, "xlsx")) == f"Plan: Granite; {shown}"


def test_a_malformed_cell_keeps_the_rows_before_it_and_says_so(tmp_path: Path) -> None:
    # A shared string index beyond the table (a truncated sharedStrings part): openpyxl
    # stops the sheet there; the rows read before it, and the other sheets, are kept.
    sheet = (
        f'<row r="1">{inline("A1", "Plan")}{inline("B1", "Seats")}</row>'
        f'<row r="2">{inline("A2", "Granite")}<c r="B2"><v>83</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>7</v></c><c r="B3"><v>40</v></c></row>'
    )
    parsed = parse(tmp_path, workbook_package(sheet, shared=["<t>only</t>"]), "xlsx")
    assert text_of(parsed) == "Plan: Granite; Seats: 83"
    [warning] = parsed.warnings
    assert warning.code == "sheet_partly_read"
    assert "Data" in warning.message
    assert "row 2" in warning.message
