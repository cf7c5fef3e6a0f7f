# ruff: noqa: RUF001  (Cyrillic and Central European text is the point of the encoding tests)
"""Each kind of Excel fault of decision 0103 on workbooks generated here (openpyxl, with the zip
edited where a writer would lie or add a part openpyxl does not write), and short Western
text read as Windows-1252 while real Cyrillic and Central European texts keep their code
page: the parser must index what a person sees."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from engageiq_files.ingestion.number_formats import format_value
from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sections import ParsedDocument, ParseLimits

LIMITS = ParseLimits(max_pages=50, max_text_chars=1_000_000, max_docx_uncompressed_bytes=50_000_000)
SHEET = "xl/worksheets/sheet1.xml"
DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def parse(tmp_path: Path, content: bytes, kind: str) -> ParsedDocument:
    path = tmp_path / f"upload-{kind}"  # no extension, as the worker's temporary files
    path.write_bytes(content)
    return parse_document(str(path), kind, LIMITS)


def text_of(parsed: ParsedDocument) -> str:
    return "\n".join(s.text for s in parsed.sections)


def saved(workbook: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def edited(content: bytes, edits: dict[str, Callable[[str], str]], added: dict[str, str]) -> bytes:
    """`content` with parts rewritten by `edits` and parts `added`, as another writer would."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename).decode()
            edit = edits.get(item.filename)
            target.writestr(item.filename, edit(data) if edit else data)
        for name, data in added.items():
            target.writestr(name, data)
    return out.getvalue()


def pricing_book(rows: int = 6) -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Pricing"
    sheet.append(["Plan", "Seats", "Region", "Owner", "Notes"])
    for i in range(rows - 1):
        sheet.append([f"Plan{i}", 10 + i, "EMEA", f"Rep {i}", "standard"])
    sheet["E6"] = "The Obsidian plan includes 91 seats."
    return workbook


def test_a_lying_dimension_does_not_hide_the_sheet(tmp_path: Path) -> None:
    content = edited(
        saved(pricing_book()),
        {SHEET: lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1"/>', xml)},
        {},
    )
    assert b'<dimension ref="A1"/>' in zipfile.ZipFile(io.BytesIO(content)).read(SHEET)
    parsed = parse(tmp_path, content, "xlsx")
    assert "The Obsidian plan includes 91 seats." in text_of(parsed)
    assert [s.location for s in parsed.sections] == ["Pricing!A2:E6"]


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (0.15, "0%", "15%"),
        (0.125, "0.0%", "12.5%"),
        (742, "00000", "00742"),
        (3.14159, "0.00", "3.14"),
        (1234567.891, "#,##0.00", "1,234,567.89"),
        (40, "[$€-407] #,##0.00", "€ 40.00"),
        (1234, '"$"#,##0', "$1,234"),
        (-1234.5, "#,##0.00;(#,##0.00)", "(1,234.50)"),
        (12500000, '#,##0.0,,"M"', "12.5M"),
        (5551234, "000-0000", "555-1234"),
        (datetime(2027, 3, 14), "d mmmm yyyy", "14 March 2027"),
        (datetime(2027, 3, 14), "dd/mm/yyyy", "14/03/2027"),
        (datetime(2027, 3, 14, 15, 30), "h:mm AM/PM", "3:30 PM"),
    ],
)
def test_numbers_are_indexed_as_their_format_shows_them(
    tmp_path: Path, value: object, number_format: str, shown: str
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Field", "Value"])
    sheet.append(["Renewal figure", value])
    sheet["B2"].number_format = number_format
    parsed = parse(tmp_path, saved(workbook), "xlsx")
    assert f"Value: {shown}" in text_of(parsed)
    assert format_value(value, number_format) == shown


def test_general_and_text_formats_keep_the_plain_rendering() -> None:
    assert format_value(42.0, "General") is None
    assert format_value(7, "@") is None
    assert format_value(0.5, "# ?/") is None  # not understood: General, never an error
    assert format_value(True, "0%") is None


def test_a_merged_range_is_carried_to_every_row_it_spans(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Tier", "Plan", "Seats"])
    sheet.append(["Enterprise", "Granite", 83])
    sheet.append([None, "Basalt", 40])
    sheet.append([None, "Slate", 25])
    sheet.append(["Starter", "Pebble", 5])
    sheet.merge_cells("A2:A4")
    rows = text_of(parse(tmp_path, saved(workbook), "xlsx")).splitlines()
    assert rows == [
        "Tier: Enterprise; Plan: Granite; Seats: 83",
        "Tier: Enterprise; Plan: Basalt; Seats: 40",
        "Tier: Enterprise; Plan: Slate; Seats: 25",
        "Tier: Starter; Plan: Pebble; Seats: 5",
    ]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_sheets_are_indexed_and_labelled(tmp_path: Path, state: str) -> None:
    workbook = openpyxl.Workbook()
    visible = workbook.active
    assert visible is not None
    visible.title = "Pricing"
    visible.append(["Plan", "Price"])
    visible.append(["Basic", 10])
    hidden = workbook.create_sheet("Discounts")
    hidden.append(["Customer", "Discount"])
    hidden.append(["Halcyon Foods", "22 percent"])
    hidden.sheet_state = state
    parsed = parse(tmp_path, saved(workbook), "xlsx")
    by_location = {s.location: s.text for s in parsed.sections}
    assert by_location == {
        "Pricing!A2:B2": "Plan: Basic; Price: 10",
        "Discounts!A2:B2 (hidden)": "Customer: Halcyon Foods; Discount: 22 percent",
    }


def _shape(name: str, paragraphs: list[str]) -> str:
    body = "".join(f"<a:p><a:r><a:t>{p}</a:t></a:r></a:p>" for p in paragraphs)
    return (
        f'<xdr:sp><xdr:nvSpPr><xdr:cNvPr id="2" name="{name}"/><xdr:cNvSpPr txBox="1"/>'
        f"</xdr:nvSpPr><xdr:spPr/><xdr:txBody><a:bodyPr/>{body}</xdr:txBody></xdr:sp>"
    )


def _anchor(content: str) -> str:
    return (
        "<xdr:twoCellAnchor><xdr:from><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1"
        "</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>6</xdr:col><xdr:colOff>0"
        "</xdr:colOff><xdr:row>5</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
        f"{content}<xdr:clientData/></xdr:twoCellAnchor>"
    )


def _drawing() -> str:
    """A text box, and a shape inside a group, as Excel writes them in a drawing part."""
    box = _shape("TextBox 1", ["Callout: the Marlin bundle ends in June", "Ask Dana"])
    grouped = _shape("Shape 2", ["Grouped shape: renewals need CFO approval"])
    group = (
        '<xdr:grpSp><xdr:nvGrpSpPr><xdr:cNvPr id="3" name="Group"/><xdr:cNvGrpSpPr/>'
        f"</xdr:nvGrpSpPr><xdr:grpSpPr/>{grouped}</xdr:grpSp>"
    )
    return f'<xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{A}">{_anchor(box)}{_anchor(group)}</xdr:wsDr>'


def test_text_boxes_and_shapes_on_a_sheet_are_read(tmp_path: Path) -> None:
    content = edited(
        saved(pricing_book()),
        {
            SHEET: lambda xml: xml.replace(
                "</worksheet>",
                '<drawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships" r:id="rId1"/></worksheet>',
            ),
            "[Content_Types].xml": lambda xml: xml.replace(
                "</Types>",
                '<Override PartName="/xl/drawings/drawing1.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.drawing+xml"/></Types>',
            ),
        },
        {
            "xl/worksheets/_rels/sheet1.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships"><Relationship Id="rId1" Type="{DRAWING_REL}" '
                'Target="../drawings/drawing1.xml"/></Relationships>'
            ),
            "xl/drawings/drawing1.xml": _drawing(),
        },
    )
    parsed = parse(tmp_path, content, "xlsx")
    by_location = {s.location: s.text for s in parsed.sections}
    assert by_location["Pricing (drawing)"] == (
        "Callout: the Marlin bundle ends in June\nAsk Dana\n"
        "Grouped shape: renewals need CFO approval"
    )


def test_formulas_without_a_cached_value_are_flagged_and_their_text_indexed(
    tmp_path: Path,
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Totals"
    sheet.append(["Plan", "Seats", "Total"])
    sheet.append(["Granite", 83, "=B2*12"])
    sheet.append(["Basalt", 40, "=B3*12"])
    sheet.append(["All", "=SUM(B2:B3)", None])
    # openpyxl saves formulas without a value, as a script that never opened Excel does.
    parsed = parse(tmp_path, saved(workbook), "xlsx")
    text = text_of(parsed)
    assert "Plan: Granite; Seats: 83; Total: =B2*12" in text
    assert "Plan: All; Seats: =SUM(B2:B3)" in text
    [warning] = parsed.warnings
    assert warning.code == "formula_without_value"
    assert "3 formulas" in warning.message
    assert "Totals!C2" in warning.message


def test_formulas_with_a_cached_value_give_the_value_and_no_warning(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Plan", "Total"])
    sheet.append(["Granite", "=83*12"])
    content = edited(
        saved(workbook), {SHEET: lambda xml: re.sub(r"<v\s*/>|<v></v>", "<v>996</v>", xml)}, {}
    )
    parsed = parse(tmp_path, content, "xlsx")
    assert "Plan: Granite; Total: 996" in text_of(parsed)
    assert parsed.warnings == []


WESTERN_SAMPLES = {
    "spanish.txt": "Resumen de la cuenta\r\nEl señor Muñoz firmó el plan por 47 asientos.\r\n",
    "german.txt": "Größe des Pakets: 12 Benutzer\nPreis: € 40 im Monat\n",
    "spanish.csv": "Nombre;Ciudad;Importe\nMuñoz;Málaga;€ 40\nPeña;Logroño;€ 55\n",
    "german.csv": "Größe;Preis\nKlein;€ 40\nMittel;€ 60\n",
}


@pytest.mark.parametrize("name", sorted(WESTERN_SAMPLES))
def test_short_western_text_is_read_as_windows_1252(tmp_path: Path, name: str) -> None:
    sample = WESTERN_SAMPLES[name]
    parsed = parse(tmp_path, sample.encode("cp1252"), name.rsplit(".", 1)[1])
    assert parsed.encoding == "windows-1252"
    text = text_of(parsed)
    for word in ("Muñoz", "Größe", "€ 40"):
        if word in sample:
            assert word in text, (word, text)


LONG_TEXTS = {
    "cp1251": (
        "Компания поставляет программное обеспечение для управления продажами. Цена за "
        "пользователя составляет сорок рублей в месяц, договор продлевается ежегодно. "
        "Скидка для школ составляет двадцать процентов, а поддержка работает круглосуточно."
    ),
    "cp1250": (
        "Společnost dodává software pro řízení prodeje. Cena za uživatele je čtyřicet korun "
        "měsíčně a smlouva se obnovuje každý rok. Zákazník může kdykoli přejít na vyšší tarif "
        "a podpora odpovídá do čtyř hodin."
    ),
}


@pytest.mark.parametrize("codec", sorted(LONG_TEXTS))
def test_real_cyrillic_and_central_european_texts_keep_their_code_page(
    tmp_path: Path, codec: str
) -> None:
    parsed = parse(tmp_path, LONG_TEXTS[codec].encode(codec), "txt")
    assert parsed.encoding == f"windows-{codec[2:]}"
    assert text_of(parsed) == LONG_TEXTS[codec]


def test_polish_is_never_read_as_western(tmp_path: Path) -> None:
    polish = "Zażółć gęślą jaźń. Cena za użytkownika wynosi czterdzieści złotych miesięcznie."
    parsed = parse(tmp_path, polish.encode("cp1250"), "txt")
    assert (parsed.encoding, text_of(parsed)) == ("windows-1250", polish)


def test_utf8_files_say_so_and_binary_kinds_have_no_encoding(tmp_path: Path) -> None:
    assert parse(tmp_path, "Muñoz".encode(), "txt").encoding == "utf-8"
    assert parse(tmp_path, saved(pricing_book()), "xlsx").encoding is None


def test_a_shared_formula_without_values_gives_each_cell_its_own_formula(
    tmp_path: Path,
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Plan", "Seats", "Yearly"])
    sheet.append(["Granite", 83, "=B2*12"])
    sheet.append(["Basalt", 40, "=B3*12"])
    # Excel stores a filled-down formula once, on its first cell, and shares it by index.
    content = edited(
        saved(workbook),
        {
            SHEET: lambda xml: xml.replace(
                "<f>B2*12</f>", '<f t="shared" ref="C2:C3" si="0">B2*12</f>'
            ).replace("<f>B3*12</f>", '<f t="shared" si="0"/>')
        },
        {},
    )
    assert b'<f t="shared" si="0"/>' in zipfile.ZipFile(io.BytesIO(content)).read(SHEET)
    parsed = parse(tmp_path, content, "xlsx")
    assert "Plan: Basalt; Seats: 40; Yearly: =B3*12" in text_of(parsed)
    assert "2 formulas" in parsed.warnings[0].message


def test_an_empty_text_result_is_a_value_not_a_formula_without_one(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Plan", "Owner", "Label"])
    sheet.append(["Granite", None, '=IF(B2="","",B2)'])
    sheet.append(["Basalt", "Dana", '=IF(B3="","",B3)'])
    # As Excel and LibreOffice save text results: `t="str"`, the empty one an empty <v/>.
    content = edited(
        saved(workbook),
        {
            SHEET: lambda xml: re.sub(
                r'<c r="C(\d)"><f>(.*?)</f><v(?:\s*/>|></v>)',
                lambda m: (
                    f'<c r="C{m.group(1)}" t="str"><f>{m.group(2)}</f>'
                    f"<v>{'' if m.group(1) == '2' else 'Dana'}</v>"
                ),
                xml,
            )
        },
        {},
    )
    assert b'<c r="C2" t="str"><f>IF(B2="","",B2)</f><v></v>' in (
        zipfile.ZipFile(io.BytesIO(content)).read(SHEET)
    )
    parsed = parse(tmp_path, content, "xlsx")
    assert text_of(parsed).splitlines() == [
        "Plan: Granite",
        "Plan: Basalt; Owner: Dana; Label: Dana",
    ]
    assert parsed.warnings == []


def test_rows_and_cells_without_references_place_formulas_without_values(
    tmp_path: Path,
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Totals"
    sheet.append(["Plan", "Seats", "Yearly"])
    sheet.append(["Granite", 83, "=B2*12"])
    sheet.append([])
    sheet.append(["Basalt", 40, "=B4*12"])
    # `r` is optional on rows and cells (ECMA-376 Part 1 §18.3.1.4); streaming writers omit
    # it, and the empty row 3 is then a `<row/>` of its own.
    content = edited(
        saved(workbook),
        {
            SHEET: lambda xml: re.sub(r' r="[A-Z]*\d+"', "", xml).replace(
                '</row><row><c t="inlineStr"><is><t>Basalt',
                '</row><row/><row><c t="inlineStr"><is><t>Basalt',
            )
        },
        {},
    )
    assert b"<row/>" in zipfile.ZipFile(io.BytesIO(content)).read(SHEET)
    parsed = parse(tmp_path, content, "xlsx")
    assert text_of(parsed).splitlines() == [
        "Plan: Granite; Seats: 83; Yearly: =B2*12",
        "Plan: Basalt; Seats: 40; Yearly: =B4*12",
    ]
    [warning] = parsed.warnings
    assert "Totals!C2, Totals!C4" in warning.message


def test_formulas_without_values_read_as_the_formula_bar_shows_them(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Plan", "Owner"])
    # The file format's prefixes, which XlsxWriter and openpyxl users must write themselves.
    sheet.append(["Granite", "=_xlfn.XLOOKUP(A2,Owners!A:A,Owners!B:B)"])
    sheet.append(["Basalt", '=_xlfn._xlws.FILTER(A2:A3,A2:A3<>"_xlfn.")'])
    sheet.append(["Slate", "=_xlfn.LET(_xlpm.seats,5,_xlpm.seats*12)"])
    parsed = parse(tmp_path, saved(workbook), "xlsx")
    assert text_of(parsed).splitlines() == [
        "Plan: Granite; Owner: =XLOOKUP(A2,Owners!A:A,Owners!B:B)",
        'Plan: Basalt; Owner: =FILTER(A2:A3,A2:A3<>"_xlfn.")',
        "Plan: Slate; Owner: =LET(seats,5,seats*12)",
    ]
    assert parsed.warnings[0].code == "formula_without_value"


DGM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _smartart_workbook(model_points: list[str], cache_text: str) -> bytes:
    """The pricing book with a SmartArt graphic on its sheet, as Excel writes one: a graphic
    frame in the drawing naming its data model (`r:dm`), whose extension names the drawing
    cache; the model's points are `model_points` (node text, the first the parent)."""
    points = ['<dgm:pt modelId="0" type="doc"><dgm:prSet/><dgm:spPr/></dgm:pt>']
    links = []
    for number, text in enumerate(model_points, start=1):
        body = f"<dgm:t><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p></dgm:t>" if text else ""
        points.append(f'<dgm:pt modelId="{number}"><dgm:prSet/><dgm:spPr/>{body}</dgm:pt>')
        parent = 0 if number == 1 else 1
        links.append(
            f'<dgm:cxn modelId="c{number}" srcId="{parent}" destId="{number}" srcOrd="{number}"'
            ' destOrd="0"/>'
        )
    model = (
        f'<dgm:dataModel xmlns:dgm="{DGM}" xmlns:a="{A}"><dgm:ptLst>{"".join(points)}'
        f"</dgm:ptLst><dgm:cxnLst>{''.join(links)}</dgm:cxnLst><dgm:extLst><a:ext uri="
        '"http://schemas.microsoft.com/office/drawing/2008/diagram"><dsp:dataModelExt '
        'xmlns:dsp="http://schemas.microsoft.com/office/drawing/2008/diagram" relId="rId5"/>'
        "</a:ext></dgm:extLst></dgm:dataModel>"
    )
    cache = (
        '<dsp:drawing xmlns:dsp="http://schemas.microsoft.com/office/drawing/2008/diagram" '
        f'xmlns:a="{A}"><dsp:spTree><dsp:sp><dsp:txBody><a:p><a:r><a:t>{cache_text}</a:t>'
        "</a:r></a:p></dsp:txBody></dsp:sp></dsp:spTree></dsp:drawing>"
    )
    frame = (
        '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Diagram 1"/>'
        "<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm/><a:graphic>"
        f'<a:graphicData uri="{DGM}"><dgm:relIds xmlns:dgm="{DGM}" xmlns:r="{RELATIONSHIPS}" '
        'r:dm="rId1" r:lo="rId2" r:qs="rId3" r:cs="rId4"/></a:graphicData></a:graphic>'
        "</xdr:graphicFrame>"
    )
    return edited(
        saved(pricing_book()),
        {
            SHEET: lambda xml: xml.replace(
                "</worksheet>", f'<drawing xmlns:r="{RELATIONSHIPS}" r:id="rId1"/></worksheet>'
            ),
        },
        {
            "xl/worksheets/_rels/sheet1.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships"><Relationship Id="rId1" Type="{DRAWING_REL}" '
                'Target="../drawings/drawing1.xml"/></Relationships>'
            ),
            "xl/drawings/drawing1.xml": (
                f'<xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{A}">{_anchor(frame)}</xdr:wsDr>'
            ),
            "xl/drawings/_rels/drawing1.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships"><Relationship Id="rId1" Type="{RELATIONSHIPS}/diagramData" '
                'Target="../diagrams/data1.xml"/><Relationship Id="rId5" Type="http://schemas.'
                'microsoft.com/office/2007/relationships/diagramDrawing" '
                'Target="../diagrams/drawing1.xml"/></Relationships>'
            ),
            "xl/diagrams/data1.xml": model,
            "xl/diagrams/drawing1.xml": cache,
        },
    )


def test_smartart_on_a_sheet_is_read_from_its_data_model(tmp_path: Path) -> None:
    content = _smartart_workbook(
        ["Escalation path", "Account manager", "Regional director"], "stale cache"
    )
    parsed = parse(tmp_path, content, "xlsx")
    by_location = {s.location: s.text for s in parsed.sections}
    assert by_location["Pricing (drawing)"] == (
        "Escalation path\nAccount manager\nRegional director"
    )


def test_smartart_on_a_sheet_whose_model_has_no_text_reads_its_cache(tmp_path: Path) -> None:
    content = _smartart_workbook(["", ""], "Escalation path: account manager")
    parsed = parse(tmp_path, content, "xlsx")
    by_location = {s.location: s.text for s in parsed.sections}
    assert by_location["Pricing (drawing)"] == "Escalation path: account manager"


@pytest.mark.parametrize("damaged", [False, True], ids=["as it is", "openpyxl refuses it"])
def test_two_sheets_of_one_name_are_each_read(tmp_path: Path, damaged: bool) -> None:
    # Excel refuses a name twice; another writer may not. Looked up by name, the first sheet
    # was read twice and the second's text lost, on both opening paths.
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Pricing"
    first["A1"] = "Renewal discount"
    workbook.create_sheet("Terms")["A1"] = "Payment within 30 days"
    edits = {"xl/workbook.xml": lambda xml: xml.replace('name="Terms"', 'name="Pricing"')}
    if damaged:
        edits["docProps/core.xml"] = lambda xml: "<not xml"  # openpyxl refuses the workbook
    parsed = parse(tmp_path, edited(saved(workbook), edits, {}), "xlsx")
    assert [s.text for s in parsed.sections] == ["Renewal discount", "Payment within 30 days"]
