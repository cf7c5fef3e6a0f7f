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
from lxml import etree
from openpyxl.styles import Font
from pptx.util import Inches

from tests.unit.files.test_ingestion_kinds import parse, text_of

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
