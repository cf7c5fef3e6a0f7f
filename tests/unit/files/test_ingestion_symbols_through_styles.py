# ruff: noqa: E501  (package XML is clearer on one line per structure)
"""Symbols a person sees that came from where 0140 did not look (decision 0143): a symbol font
set by a Word table style (its whole table or a conditional format: the first row, the first
column, banded rows), the runs of a rich-text Excel cell that take their cell style's symbol
font, and Word check boxes (content controls and legacy form fields) read as ☑ and ☐."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import xlsxwriter  # type: ignore[import-untyped]  # no stubs; python-pptx brings it
from docx.enum.style import WD_STYLE_TYPE
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Font

from tests.unit.files.test_ingestion_kinds import parse, text_of
from tests.unit.files.word_packages import styles_part, word_package
from tests.unit.files.workbooks import xlsxwriter_book

_WINGDINGS = '<w:rPr><w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/></w:rPr>'
_CALIBRI = '<w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri"/></w:rPr>'
_LOOK = '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
"""What Word writes for a new table: first row and first column on, banded rows."""


def _cell(text: str, paragraph_style: str = "") -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{paragraph_style}"/></w:pPr>' if paragraph_style else ""
    return f"<w:tc><w:p>{ppr}<w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def _table(rows: list[list[str]], style: str, look: str = _LOOK, paragraph_style: str = "") -> str:
    body = "".join(
        "<w:tr>" + "".join(_cell(text, paragraph_style) for text in row) + "</w:tr>" for row in rows
    )
    return f'<w:tbl><w:tblPr><w:tblStyle w:val="{style}"/>{look}</w:tblPr>{body}</w:tbl>'


def _table_style(style_id: str, rpr: str = "", conditional: str = "", based_on: str = "") -> str:
    based = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    return (
        f'<w:style w:type="table" w:styleId="{style_id}"><w:name w:val="{style_id}"/>{based}'
        f"{rpr}{conditional}</w:style>"
    )


def _conditional(kind: str, rpr: str) -> str:
    return f'<w:tblStylePr w:type="{kind}">{rpr}</w:tblStylePr>'


def _word_lines(tmp_path: Path, body: str, styles: str = "") -> list[str]:
    content = word_package(body, styles=styles_part(styles) if styles else "")
    text = text_of(parse(tmp_path, content, "docx"))
    return [line for line in text.splitlines() if line.strip()]


_BATTLECARD = [["Feature", "Us", "Rival"], ["Single sign-on", "ü", "û"], ["Audit log", "ü", "ü"]]
_READ = ["Feature", "Us", "Rival", "Single sign-on", "✓", "✗", "Audit log", "✓", "✓"]


def test_a_symbol_font_of_a_table_styles_conditional_formats_is_followed(tmp_path: Path) -> None:
    # The table style sets Wingdings for the whole table; its first row and first column
    # (turned on by tblLook) set Calibri, so the headings and feature names stay text.
    style = _table_style(
        "Battlecard",
        _WINGDINGS,
        _conditional("firstRow", _CALIBRI) + _conditional("firstCol", _CALIBRI),
    )
    assert _word_lines(tmp_path, _table(_BATTLECARD, "Battlecard"), style) == _READ


def test_python_docx_table_style_in_wingdings_reads_as_checks(tmp_path: Path) -> None:
    document = docx.Document()
    marks = document.styles.add_style("Marks", WD_STYLE_TYPE.TABLE)
    marks.font.name = "Wingdings"
    document.add_paragraph("Müller signs for the customer")
    table = document.add_table(rows=1, cols=2)
    table.style = "Marks"
    table.cell(0, 0).text = "ü"
    table.cell(0, 1).text = "û"
    out = io.BytesIO()
    document.save(out)
    lines = text_of(parse(tmp_path, out.getvalue(), "docx")).splitlines()
    assert [line for line in lines if line.strip()] == ["Müller signs for the customer", "✓", "✗"]


def test_a_symbol_font_of_a_table_style_and_its_base_is_followed(tmp_path: Path) -> None:
    styles = _table_style("Marks", _WINGDINGS) + _table_style("Checks", based_on="Marks")
    rows = [["ü", "û"], ["ü", "ü"]]
    assert _word_lines(tmp_path, _table(rows, "Checks", look=""), styles) == ["✓", "✗", "✓", "✓"]


def test_banded_rows_of_a_table_style_take_their_own_font(tmp_path: Path) -> None:
    # Odd rows after the header (band 1) in Wingdings; even rows (band 2) in the table's font.
    style = _table_style(
        "Banded",
        _CALIBRI,
        _conditional("band1Horz", _WINGDINGS) + _conditional("firstRow", _CALIBRI),
    )
    rows = [["Item"], ["ü"], ["ü"], ["û"]]
    assert _word_lines(tmp_path, _table(rows, "Banded"), style) == ["Item", "✓", "ü", "✗"]


def test_bands_of_two_rows_set_by_the_style_or_the_table(tmp_path: Path) -> None:
    # The style's tblStyleRowBandSize of 2: rows 1-2 after the header are band 1 (Wingdings),
    # rows 3-4 band 2, row 5 band 1 again; a table's own setting of 1 overrides its style's.
    style = _table_style(
        "Banded",
        '<w:tblPr><w:tblStyleRowBandSize w:val="2"/></w:tblPr>' + _CALIBRI,
        _conditional("band1Horz", _WINGDINGS) + _conditional("firstRow", _CALIBRI),
    )
    rows = [["Item"], ["ü"], ["ü"], ["ü"], ["ü"], ["û"]]
    assert _word_lines(tmp_path, _table(rows, "Banded"), style) == ["Item", "✓", "✓", "ü", "ü", "✗"]
    own = _LOOK + '<w:tblStyleRowBandSize w:val="1"/>'
    lines = _word_lines(tmp_path, _table(rows, "Banded", look=own), style)
    assert lines == ["Item", "✓", "ü", "✓", "ü", "✗"]


def test_a_paragraph_style_in_a_table_wins_over_the_table_style(tmp_path: Path) -> None:
    styles = _table_style("Marks", _WINGDINGS) + (
        f'<w:style w:type="paragraph" w:styleId="Plain"><w:name w:val="Plain"/>{_CALIBRI}</w:style>'
    )
    row = "<w:tr>" + _cell("Müller", "Plain") + _cell("ü") + "</w:tr>"
    table = f'<w:tbl><w:tblPr><w:tblStyle w:val="Marks"/></w:tblPr>{row}</w:tbl>'
    assert _word_lines(tmp_path, table, styles) == ["Müller", "✓"]


def test_a_nested_table_without_a_style_does_not_take_the_outer_tables(tmp_path: Path) -> None:
    inner = "<w:tbl><w:tblPr/><w:tr>" + _cell("Müller") + "</w:tr></w:tbl>"
    outer = (
        '<w:tbl><w:tblPr><w:tblStyle w:val="Marks"/></w:tblPr><w:tr>'
        f"{_cell('ü')}<w:tc>{inner}<w:p/></w:tc></w:tr></w:tbl>"
    )
    assert _word_lines(tmp_path, outer, _table_style("Marks", _WINGDINGS)) == ["✓", "Müller"]


# Check boxes ---------------------------------------------------------------------------------

_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"


def _checkbox(checked: bool, glyph: str, font: str, states: str = "") -> str:
    return (
        f'<w:sdt xmlns:w14="{_W14}"><w:sdtPr><w:id w:val="-1"/><w14:checkbox>'
        f'<w14:checked w14:val="{int(checked)}"/>{states}</w14:checkbox></w:sdtPr>'
        f'<w:sdtContent><w:r><w:rPr><w:rFonts w:ascii="{font}" w:eastAsia="{font}" w:hAnsi="{font}"/></w:rPr>'
        f"<w:t>{glyph}</w:t></w:r></w:sdtContent></w:sdt>"
    )


_WINGDINGS_STATES = (
    '<w14:checkedState w14:val="F0FE" w14:font="Wingdings"/>'
    '<w14:uncheckedState w14:val="F0A8" w14:font="Wingdings"/>'
)


@pytest.mark.parametrize(
    ("checked", "unchecked"),
    [
        (_checkbox(True, "\u2612", "MS Gothic"), _checkbox(False, "\u2610", "MS Gothic")),
        (
            _checkbox(True, "\uf0fe", "Wingdings", _WINGDINGS_STATES),
            _checkbox(False, "\uf0a8", "Wingdings", _WINGDINGS_STATES),
        ),
        (_checkbox(True, "\uf0fc", "Wingdings"), _checkbox(False, "\uf0a8", "Wingdings")),
    ],
    ids=["word's default glyphs", "wingdings boxes", "wingdings check mark"],
)
def test_check_box_content_controls_read_as_word_shows_their_state(
    tmp_path: Path, checked: str, unchecked: str
) -> None:
    body = (
        f'<w:p>{checked}<w:r><w:t xml:space="preserve"> Includes onboarding </w:t></w:r>'
        f'{unchecked}<w:r><w:t xml:space="preserve"> Includes training</w:t></w:r></w:p>'
    )
    assert _word_lines(tmp_path, body) == ["☑ Includes onboarding ☐ Includes training"]


@pytest.mark.parametrize(
    ("box", "shown"),
    [
        ('<w:checkBox><w:sizeAuto/><w:default w:val="1"/></w:checkBox>', "☑"),
        ('<w:checkBox><w:sizeAuto/><w:default w:val="0"/></w:checkBox>', "☐"),
        ('<w:checkBox><w:sizeAuto/><w:default w:val="0"/><w:checked/></w:checkBox>', "☑"),
        ('<w:checkBox><w:sizeAuto/><w:default w:val="1"/><w:checked w:val="0"/></w:checkBox>', "☐"),
    ],
    ids=["default on", "default off", "checked", "unchecked over default"],
)
def test_a_legacy_check_box_form_field_reads_as_its_state(
    tmp_path: Path, box: str, shown: str
) -> None:
    field = (
        f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check1"/><w:enabled/>'
        f'<w:calcOnExit w:val="0"/>{box}</w:ffData></w:fldChar></w:r>'
        '<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    body = f'<w:p>{field}<w:r><w:t xml:space="preserve"> Signed NDA</w:t></w:r></w:p>'
    assert _word_lines(tmp_path, body) == [f"{shown} Signed NDA"]


# Excel: the runs of a rich-text cell without a font of their own take the cell's -----------


def _xlsxwriter_rich_in_wingdings_cell(workbook: xlsxwriter.Workbook) -> None:
    sheet = workbook.add_worksheet("Data")
    calibri = workbook.add_format({"font_name": "Calibri"})
    cell = workbook.add_format({"font_name": "Wingdings"})
    sheet.write_row(0, 0, ["Feature", "Us"])
    sheet.write(1, 0, "Single sign-on")
    sheet.write_rich_string(1, 1, calibri, "SSO ", "ü", cell)


def _excel_rich_in_wingdings_cell() -> bytes:
    """XlsxWriter's workbook with the second run as Excel writes text typed in the cell's own
    format: a run without properties (`<r><t>`), drawn in the cell's Wingdings."""
    source = zipfile.ZipFile(io.BytesIO(xlsxwriter_book(_xlsxwriter_rich_in_wingdings_cell)))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/sharedStrings.xml":
                data = re.sub(
                    rb"<r><rPr>(?:(?!</rPr>).)*</rPr><t>\xc3\xbc</t></r>",
                    "<r><t>ü</t></r>".encode(),
                    data,
                )
                assert "<r><t>ü</t></r>".encode() in data
            target.writestr(item, data)
    return out.getvalue()


def _openpyxl_rich_in_wingdings_cell() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Data"
    sheet.append(["Feature", "Us"])
    sheet.append(["Single sign-on", ""])
    sheet["B2"] = CellRichText(TextBlock(InlineFont(rFont="Calibri"), "SSO "), "ü")
    sheet["B2"].font = Font(name="Wingdings")
    # A rich cell in an ordinary style: its unformatted run stays text.
    sheet.append(["Owner", CellRichText("Müller ", TextBlock(InlineFont(rFont="Wingdings"), "ü"))])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("writer", ["excel shared", "openpyxl inline"])
def test_unformatted_runs_of_a_rich_cell_take_the_cells_symbol_font(
    tmp_path: Path, writer: str
) -> None:
    content = (
        _excel_rich_in_wingdings_cell()
        if writer == "excel shared"
        else _openpyxl_rich_in_wingdings_cell()
    )
    lines = text_of(parse(tmp_path, content, "xlsx")).strip().splitlines()
    assert lines[0] == "Feature: Single sign-on; Us: SSO ✓"
    assert lines[1:] == (["Feature: Owner; Us: Müller ✓"] if writer == "openpyxl inline" else [])


def test_runs_in_ordinary_fonts_of_a_rich_cell_in_a_symbol_cell_style_stay_text(
    tmp_path: Path,
) -> None:
    # XlsxWriter names Calibri on every run: none is drawn in the cell's Wingdings.
    content = xlsxwriter_book(_xlsxwriter_rich_in_wingdings_cell)
    text = text_of(parse(tmp_path, content, "xlsx"))
    assert text.strip() == "Feature: Single sign-on; Us: SSO ü"
