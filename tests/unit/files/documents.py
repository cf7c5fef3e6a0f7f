# ruff: noqa: E501  (package XML is clearer on one line per structure)
"""Generated documents of every supported kind with the structures ingestion must read (used
by the kind tests and by bench/ingest_fidelity.py): built from known text, no binary
fixtures."""

from __future__ import annotations

import io
import zipfile
from typing import Final

W_TRANSITIONAL: Final = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT: Final = "http://purl.oclc.org/ooxml/wordprocessingml/main"
R_TRANSITIONAL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
R_STRICT: Final = "http://purl.oclc.org/ooxml/officeDocument/relationships"
MC: Final = "http://schemas.openxmlformats.org/markup-compatibility/2006"
DOCX_MAIN: Final = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)
DOCM_MAIN: Final = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _p(text: str, style: str = "") -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def docx_package(
    words: dict[str, str],
    *,
    strict: bool = False,
    macro: bool = False,
    padding_first: int = 0,
) -> bytes:
    """A Word package whose text is spread over every structure ingestion must read. `words`
    maps structure -> text: body, heading, sdt, inserted, deleted (must NOT be found), field,
    textbox, nested, header, footer, footnote, endnote. `padding_first` bytes of an
    incompressible part are stored before the word/ parts (a package whose Word parts come
    late)."""
    w = W_STRICT if strict else W_TRANSITIONAL
    r = R_STRICT if strict else R_TRANSITIONAL
    rel = (
        f"{r}/officeDocument"
        if not strict
        else "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
    )
    body = "".join(
        [
            _p(words["heading"], "Heading1"),
            _p(words["body"]),
            f'<w:sdt><w:sdtPr><w:alias w:val="Customer"/></w:sdtPr><w:sdtContent>{_p(words["sdt"])}</w:sdtContent></w:sdt>',
            f'<w:p><w:ins w:id="1" w:author="a"><w:r><w:t>{words["inserted"]}</w:t></w:r></w:ins>'
            f'<w:del w:id="2" w:author="a"><w:r><w:delText>{words["deleted"]}</w:delText></w:r></w:del></w:p>',
            '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DOCPROPERTY secretcode </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>{words["field"]}</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>',
            f'<w:p><w:r><mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="wps"><w:drawing><w:txbxContent>{_p(words["textbox"])}</w:txbxContent></w:drawing></mc:Choice>'
            f"<mc:Fallback><w:pict><w:txbxContent>{_p(words['textbox'])}</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>",
            f"<w:tbl><w:tr><w:tc>{_p('outer cell')}<w:tbl><w:tr><w:tc>{_p(words['nested'])}</w:tc><w:tc>{_p('neighbour')}</w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>",
            _p('Reference<w:r><w:footnoteReference w:id="1"/></w:r>'),
        ]
    )
    document = f'<w:document xmlns:w="{w}" xmlns:r="{r}"><w:body>{body}</w:body></w:document>'
    header = f'<w:hdr xmlns:w="{w}">{_p(words["header"])}</w:hdr>'
    footer = f'<w:ftr xmlns:w="{w}">{_p(words["footer"])}</w:ftr>'
    footnotes = f'<w:footnotes xmlns:w="{w}"><w:footnote w:id="1">{_p(words["footnote"])}</w:footnote></w:footnotes>'
    endnotes = f'<w:endnotes xmlns:w="{w}"><w:endnote w:id="1">{_p(words["endnote"])}</w:endnote></w:endnotes>'
    kinds = ["header", "footer", "footnotes", "endnotes"]
    doc_rels = "".join(
        f'<Relationship Id="r{i}" Type="{r}/{k}" Target="{k if k.endswith("s") else k + "1"}.xml"/>'
        for i, k in enumerate(kinds)
    )
    main_type = DOCM_MAIN if macro else DOCX_MAIN
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main_type}"/></Types>',
        )
        if padding_first:
            import os

            z.writestr("customXml/item1.bin", os.urandom(padding_first), zipfile.ZIP_STORED)
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}" Target="word/document.xml"/></Relationships>',
        )
        z.writestr("word/document.xml", document)
        z.writestr(
            "word/_rels/document.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{doc_rels}</Relationships>',
        )
        z.writestr("word/header1.xml", header)
        z.writestr("word/footer1.xml", footer)
        z.writestr("word/footnotes.xml", footnotes)
        z.writestr("word/endnotes.xml", endnotes)
    return out.getvalue()


def pptx_bytes(slides: list[dict[str, str]]) -> bytes:
    """Slides with a title, a table, a group of two shapes and speaker notes each: keys
    title, cell, grouped, notes."""
    import pptx
    from pptx.util import Inches

    presentation = pptx.Presentation()
    for words in slides:
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        slide.shapes.title.text = words["title"]
        table = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
        table.cell(0, 0).text = "Plan"
        table.cell(0, 1).text = "Price"
        table.cell(1, 0).text = words["cell"]
        table.cell(1, 1).text = "99"
        group = slide.shapes.add_group_shape()
        box = group.shapes.add_textbox(Inches(1), Inches(4), Inches(2), Inches(1))
        box.text_frame.text = words["grouped"]
        group.shapes.add_textbox(Inches(3), Inches(4), Inches(2), Inches(1)).text_frame.text = "x"
        slide.notes_slide.notes_text_frame.text = words["notes"]
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook, one sheet per entry (first row the header); a string starting with "="
    is a formula, saved with its cached value by the writer below."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
