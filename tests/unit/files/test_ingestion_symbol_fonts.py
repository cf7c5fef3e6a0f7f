"""Symbols on slides and in cells (decision 0137): text set in Wingdings, Webdings or Symbol
reads as the symbol a person sees (a battlecard's check and cross), bullets are not content, and
private-use characters never reach the index. Word's are in test_ingestion_docx_parts.py."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pptx
import pytest
import xlsxwriter  # type: ignore[import-untyped]  # no stubs; python-pptx brings it
from lxml import etree
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Font
from pptx.util import Inches

from tests.unit.files.test_ingestion_kinds import parse, text_of
from tests.unit.files.workbooks import inline, workbook_package, xlsxwriter_book

_A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _deck(runs: list[tuple[str, str | None]], *, table: bool = False) -> bytes:
    """One slide whose text box (or one-cell table) holds `runs` (text, latin typeface)."""
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    if table:
        frame = slide.shapes.add_table(1, 1, Inches(1), Inches(1), Inches(4), Inches(1))
        text_frame = frame.table.cell(0, 0).text_frame
    else:
        text_frame = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1)).text_frame
    paragraph = text_frame.paragraphs[0]
    for text, font in runs:
        run = paragraph.add_run()
        run.text = text
        if font:
            run.font.name = font
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


@pytest.mark.parametrize("table", [False, True], ids=["text box", "table"])
@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        ([("SSO ", None), ("ü", "Wingdings")], "SSO ✓"),
        ([("Audit log ", None), ("û", "Wingdings")], "Audit log ✗"),
        ([("SCIM ", None), ("P", "Wingdings 2")], "SCIM ✓"),
        ([("Rating ", None), ("«««", "Wingdings")], "Rating ★★★"),
        ([("Margin ", None), ("³ 40%", "Symbol")], "Margin ≥ 40%"),
        ([("Unknown ", None), ("\x21", "Webdings")], "Unknown"),
        ([("Stray ", None), ("\uf0fc", None)], "Stray"),
    ],
)
def test_slide_runs_in_symbol_fonts_read_as_their_symbols(
    tmp_path: Path, runs: list[tuple[str, str | None]], expected: str, table: bool
) -> None:
    text = text_of(parse(tmp_path, _deck(runs, table=table), "pptx"))
    assert text.strip() == expected


def test_a_symbol_inserted_with_its_sym_font_and_a_bullet_that_is_not_content(
    tmp_path: Path,
) -> None:
    content = _deck([("Integrations ", None), ("\uf0fc", None)])
    # PowerPoint's Insert Symbol: the run keeps the text font and names the symbol's in a:sym;
    # the paragraph's bullet is a Wingdings character too, which is not content.
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "ppt/slides/slide1.xml":
                root = etree.fromstring(data)
                runs = root.findall(f".//{{{_A}}}r")
                properties = etree.Element(f"{{{_A}}}rPr", lang="en-US")
                runs[-1].insert(0, properties)
                etree.SubElement(properties, f"{{{_A}}}sym", typeface="Wingdings")
                paragraph = runs[-1].getparent()
                assert paragraph is not None
                bullet = etree.Element(f"{{{_A}}}pPr")
                etree.SubElement(bullet, f"{{{_A}}}buFont", typeface="Wingdings")
                etree.SubElement(bullet, f"{{{_A}}}buChar", char="§")
                paragraph.insert(0, bullet)
                data = etree.tostring(root)
            target.writestr(item, data)
    text = text_of(parse(tmp_path, out.getvalue(), "pptx"))
    assert text.strip() == "Integrations ✓"


def test_battlecard_cells_in_wingdings_read_as_check_and_cross(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Feature", "Us", "Rival"])
    sheet.append(["Single sign-on", "ü", "û"])
    sheet.append(["Audit log", "ü", "ü"])
    sheet.append(["Umlaut stays", "Müller", "n/a"])
    for cell in ("B2", "C2", "B3", "C3"):
        sheet[cell].font = Font(name="Wingdings")
    out = io.BytesIO()
    workbook.save(out)
    text = text_of(parse(tmp_path, out.getvalue(), "xlsx"))
    assert "Feature: Single sign-on; Us: ✓; Rival: ✗" in text
    assert "Feature: Audit log; Us: ✓; Rival: ✓" in text
    assert "Müller" in text  # the same character in an ordinary font is left as it is


def _rich_cell_books() -> dict[str, bytes]:
    """The same battlecard row, "SSO" then a check in Wingdings in one cell, as each writer
    stores rich text: a shared string's runs (Excel, XlsxWriter), an inline string's runs
    (openpyxl's CellRichText, streaming writers, Google Sheets' exports), and the private-use
    form of the check (U+F0FC) Office writes when the symbol was inserted."""

    def xlsxwriter_rich(workbook: xlsxwriter.Workbook) -> None:
        sheet = workbook.add_worksheet("Data")
        wingdings = workbook.add_format({"font_name": "Wingdings"})
        sheet.write_row(0, 0, ["Feature", "Us"])
        sheet.write(1, 0, "Single sign-on")
        sheet.write_rich_string(1, 1, "SSO ", wingdings, "ü")

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Data"
    sheet.append(["Feature", "Us"])
    sheet.append(["Single sign-on", ""])
    sheet["B2"] = CellRichText("SSO ", TextBlock(InlineFont(rFont="Wingdings"), "ü"))
    out = io.BytesIO()
    workbook.save(out)
    runs = (
        '<r><t xml:space="preserve">SSO </t></r><r><rPr><rFont val="Wingdings"/></rPr><t>{}</t></r>'
    )
    shared_rows = (
        f'<row r="1">{inline("A1", "Feature")}{inline("B1", "Us")}</row>'
        f'<row r="2">{inline("A2", "Single sign-on")}<c r="B2" t="s"><v>0</v></c></row>'
    )
    inline_rows = (
        f'<row r="1">{inline("A1", "Feature")}{inline("B1", "Us")}</row>'
        f'<row r="2">{inline("A2", "Single sign-on")}'
        f'<c r="B2" t="inlineStr"><is>{runs.format("ü")}</is></c></row>'
    )
    return {
        "xlsxwriter shared": xlsxwriter_book(xlsxwriter_rich),
        "openpyxl inline": out.getvalue(),
        "excel shared private-use": workbook_package(shared_rows, shared=[runs.format("\uf0fc")]),
        "streamed inline": workbook_package(inline_rows),
    }


@pytest.mark.parametrize("writer", list(_rich_cell_books()))
def test_symbol_font_runs_of_a_rich_text_cell_read_as_their_symbols(
    tmp_path: Path, writer: str
) -> None:
    text = text_of(parse(tmp_path, _rich_cell_books()[writer], "xlsx"))
    assert text.strip() == "Feature: Single sign-on; Us: SSO ✓"


def test_rich_text_runs_in_ordinary_fonts_stay_as_written(tmp_path: Path) -> None:
    runs = (
        '<r><rPr><b/><rFont val="Calibri"/></rPr><t xml:space="preserve">Müller </t></r>'
        '<r><rPr><rFont val="Symbol Pro"/></rPr><t>ü</t></r><rPh sb="0" eb="1"><t>ミ</t></rPh>'
    )
    rows = (
        f'<row r="1">{inline("A1", "Contact")}{inline("B1", "Note")}</row>'
        f'<row r="2"><c r="A2" t="s"><v>0</v></c>{inline("B2", "renews")}</row>'
    )
    text = text_of(parse(tmp_path, workbook_package(rows, shared=[runs]), "xlsx"))
    assert text.strip() == "Contact: Müller ü; Note: renews"
