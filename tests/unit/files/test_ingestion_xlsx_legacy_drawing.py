"""Form controls' captions and legacy text boxes of a sheet's VML drawing are read (decision
0140): a quote sheet's check box "Includes onboarding" (ticked or not), option buttons, a
button, a label, a group box, a text box of a workbook first saved by Excel 2003; a note's VML
shape is not read twice (its text is the comment's); Excel 2010's DrawingML copy of a control
is read once, with the control's state."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter  # type: ignore[import-untyped]  # no stubs; python-pptx brings it

from engageiq_files.ingestion.sections import ParsedDocument
from tests.unit.files.test_ingestion_xlsx_parts import edited, parse, text_of
from tests.unit.files.workbooks import xlsxwriter_book

_VML = "xl/drawings/vmlDrawing1.vml"
_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_A14 = "http://schemas.microsoft.com/office/drawing/2010/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _quote(workbook: xlsxwriter.Workbook) -> None:
    """A quote sheet with a macro button and a note, as Excel writes them (VML)."""
    sheet = workbook.add_worksheet("Quote")
    sheet.write_row(0, 0, ["Item", "Price"])
    sheet.write_row(1, 0, ["Seats", 40])
    sheet.insert_button("D2", {"caption": "Recalculate quote", "macro": "recalc"})
    sheet.write_comment("A2", "Checked by Dana")


def _control(shape_id: int, kind: str, caption: str, extra: str = "") -> str:
    """A VML shape of a form control as Excel writes it (`x:ClientData ObjectType`)."""
    return (
        f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t201" filled="f" stroked="f" '
        'o:insetmode="auto"><v:textbox style="mso-direction-alt:auto" o:singleclick="f">'
        f'<div style="text-align:left"><font face="Segoe UI" size="160" color="auto">{caption}'
        f'</font></div></v:textbox><x:ClientData ObjectType="{kind}"><x:Anchor>3, 0, 4, 0, 5, '
        f"0, 5, 0</x:Anchor><x:AutoFill>False</x:AutoFill>{extra}</x:ClientData></v:shape>"
    )


def _with_shapes(shapes: str) -> bytes:
    return edited(
        xlsxwriter_book(_quote), {_VML: lambda xml: xml.replace("</xml>", shapes + "</xml>")}, {}
    )


def _drawing(parsed: ParsedDocument) -> list[str]:
    return {s.location: s.text for s in parsed.sections}["Quote (drawing)"].splitlines()


@pytest.mark.parametrize(
    ("shape", "line"),
    [
        (
            _control(1030, "Checkbox", "Includes onboarding", "<x:Checked>1</x:Checked>"),
            "☑ Includes onboarding",
        ),
        (_control(1030, "Checkbox", "Includes onboarding"), "☐ Includes onboarding"),
        (_control(1030, "Radio", "Annual billing", "<x:Checked>1</x:Checked>"), "◉ Annual billing"),
        (_control(1030, "Radio", "Monthly billing"), "○ Monthly billing"),
        (_control(1030, "Label", "Discount approved by VP Sales"), "Discount approved by VP Sales"),
        (_control(1030, "GBox", "Support tier"), "Support tier"),
    ],
    ids=["checked box", "empty box", "chosen option", "other option", "label", "group box"],
)
def test_form_control_captions_are_read_with_their_state(
    tmp_path: Path, shape: str, line: str
) -> None:
    parsed = parse(tmp_path, _with_shapes(shape), "xlsx")
    assert _drawing(parsed) == ["Recalculate quote", line]
    assert text_of(parsed).count("Checked by Dana") == 1  # the note's shape is not read again


def test_a_legacy_text_box_keeps_its_lines(tmp_path: Path) -> None:
    # Excel 2003's text box, converted: HTML-like lines, an unclosed <br> among them.
    shape = (
        '<v:shape id="_x0000_s1031" type="#_x0000_t202" o:insetmode="auto">'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left">'
        '<font face="Arial" size="200">Price list valid</font><br>'
        '<font face="Arial" size="200">until 30 June 2026</font></div></v:textbox>'
        '<x:ClientData ObjectType="Text"><x:Anchor>3, 0, 4, 0, 6, 0, 8, 0</x:Anchor>'
        "</x:ClientData></v:shape>"
    )
    parsed = parse(tmp_path, _with_shapes(shape), "xlsx")
    assert _drawing(parsed) == ["Recalculate quote", "Price list valid", "until 30 June 2026"]
    assert parsed.sections[0].location == "Quote!A2:B2"


def test_excel_2010_drawing_copy_of_a_control_is_read_once_with_its_state(
    tmp_path: Path,
) -> None:
    """Excel 2010 and later write each control twice: its VML shape and a DrawingML shape in
    the sheet's drawing, tied by `a14:compatExt spid`."""
    checkbox = _control(1030, "Checkbox", "Includes onboarding", "<x:Checked>1</x:Checked>")
    drawing = (
        f'<xdr:wsDr xmlns:xdr="{_XDR}" xmlns:a="{_A}"><xdr:twoCellAnchor><xdr:from><xdr:col>3'
        "</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>4</xdr:row><xdr:rowOff>0</xdr:rowOff>"
        "</xdr:from><xdr:to><xdr:col>5</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>5</xdr:row>"
        '<xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:sp macro="" textlink=""><xdr:nvSpPr>'
        '<xdr:cNvPr id="1030" name="Check Box 6" hidden="1"><a:extLst><a:ext '
        'uri="{63B3BB69-23CF-44E3-9099-C40C66FF867C}">'
        f'<a14:compatExt xmlns:a14="{_A14}" spid="_x0000_s1030"/></a:ext></a:extLst>'
        "</xdr:cNvPr><xdr:cNvSpPr/></xdr:nvSpPr><xdr:spPr/><xdr:txBody><a:bodyPr/><a:p><a:r>"
        "<a:t>Includes onboarding</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>"
        "</xdr:twoCellAnchor><xdr:twoCellAnchor><xdr:from><xdr:col>0</xdr:col><xdr:colOff>0"
        "</xdr:colOff><xdr:row>6</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>2"
        "</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>8</xdr:row><xdr:rowOff>0</xdr:rowOff>"
        '</xdr:to><xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="2" name="TextBox 1"/>'
        '<xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr/><xdr:txBody><a:bodyPr/><a:p><a:r>'
        "<a:t>Prices exclude VAT</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>"
        "</xdr:twoCellAnchor></xdr:wsDr>"
    )

    def related(xml: str) -> str:
        return xml.replace(
            "</Relationships>",
            f'<Relationship Id="rId9" Type="{_RELS}/drawing" Target="../drawings/drawing1.xml"/>'
            "</Relationships>",
        )

    content = edited(
        _with_shapes(checkbox),
        {
            "xl/worksheets/_rels/sheet1.xml.rels": related,
            "xl/worksheets/sheet1.xml": lambda xml: xml.replace(
                "<legacyDrawing", '<drawing r:id="rId9"/><legacyDrawing'
            ),
        },
        {"xl/drawings/drawing1.xml": drawing},
    )
    parsed = parse(tmp_path, content, "xlsx")
    assert _drawing(parsed) == ["☑ Includes onboarding", "Prices exclude VAT", "Recalculate quote"]


def test_a_damaged_vml_drawing_loses_only_itself(tmp_path: Path) -> None:
    content = edited(xlsxwriter_book(_quote), {_VML: lambda _: "<xml><v:shape"}, {})
    parsed = parse(tmp_path, content, "xlsx")
    text = text_of(parsed)
    assert "Item: Seats; Price: 40" in text
    assert "A2: Checked by Dana" in text


@pytest.mark.parametrize(
    ("caption", "lines"),
    [
        ("R&D and Q&A sign-off", ["R&D and Q&A sign-off"]),
        ("Terms & conditions &amp; fees &#38; &#x26; tax", ["Terms & conditions & fees & & tax"]),
        ("Line one<br clear=all>Line two", ["Line one", "Line two"]),
        ('Line one<BR style="x">Line two<br />Line three', ["Line one", "Line two", "Line three"]),
    ],
    ids=["bare ampersands", "ampersands and references", "unquoted br", "br with attributes"],
)
def test_html_like_captions_keep_their_words(
    tmp_path: Path, caption: str, lines: list[str]
) -> None:
    # VML is HTML-like: a bare "&" (HTML allows it) was dropped with the word after it ("R&D"
    # read "R"), and a <br> with an unquoted attribute read its end as text ("all>Line two").
    parsed = parse(tmp_path, _with_shapes(_control(1030, "Label", caption)), "xlsx")
    assert _drawing(parsed) == ["Recalculate quote", *lines]
