"""Workbooks written part by part, as writers other than openpyxl write them (Excel,
XlsxWriter, LibreOffice, Google Sheets, report generators): inline or shared strings with
escapes, booleans and errors, drawings with charts, chart sheets, comments. Used by the
variant tests of `test_ingestion_xlsx_variants.py`."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Final

import xlsxwriter  # type: ignore[import-untyped]  # no stubs; python-pptx brings it

MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES: Final = "http://schemas.openxmlformats.org/package/2006/content-types"
_SHEET_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_STYLES: Final = (
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="{code}"/></numFmts>'
    '<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill patternType="none"/>'
    '</fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/>'
    '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="{id}" '
    'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
    'builtinId="0"/></cellStyles>'
)


def inline(reference: str, text: str) -> str:
    """An inline-string cell, as streaming writers (and Google Sheets' exports) write them."""
    return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def workbook_package(
    sheet_data: str,
    *,
    shared: list[str] | None = None,
    number_format: tuple[int, str] | None = None,
    workbook_extra: str = "",
) -> bytes:
    """A one-sheet workbook ("Data") whose `<sheetData>` is `sheet_data`; `shared` are the
    shared strings' `<si>` contents; `number_format` (id, code) is cell style 1 (a built-in id
    with an empty code writes no `numFmt` element, as Excel does for built-in formats)."""
    parts = {
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><sheetData>{sheet_data}</sheetData>'
            "</worksheet>"
        )
    }
    overrides = [("/xl/worksheets/sheet1.xml", _SHEET_TYPE)]
    rels = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    if shared is not None:
        items = "".join(f"<si>{s}</si>" for s in shared)
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{items}</sst>'
        overrides.append(
            (
                "/xl/sharedStrings.xml",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
            )
        )
        rels.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    if number_format is not None:
        format_id, code = number_format
        styles = _STYLES.format(id=format_id, code=code.replace('"', "&quot;"))
        if not code:
            styles = styles.split("</numFmts>", 1)[1]
        parts["xl/styles.xml"] = f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>'
        styles_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
        overrides.append(("/xl/styles.xml", styles_type))
        rels.append(("rId3", "styles", "styles.xml"))
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{workbook_extra}<sheets>'
        '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{_PACKAGE_RELS}">'
        + "".join(
            f'<Relationship Id="{i}" Type="{RELS}/{t}" Target="{target}"/>' for i, t, target in rels
        )
        + "</Relationships>"
    )
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    main_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    parts["[Content_Types].xml"] = (
        f'<Types xmlns="{_CONTENT_TYPES}"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        f'ContentType="{main_type}"/>'
        + "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides)
        + "</Types>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + xml)
    return out.getvalue()


def xlsxwriter_book(build: Callable[[xlsxwriter.Workbook], None]) -> bytes:
    """A workbook XlsxWriter writes (as Excel does: drawings, charts, comments' VML)."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    build(workbook)
    workbook.close()
    return out.getvalue()
