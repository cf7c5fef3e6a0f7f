"""Hostile and unlucky inputs to the PDF, Excel and PowerPoint readers added by decisions
0130 and 0132, found by a review that tried to break them: work that grew with the square
(or the power) of an input's size, text damaged by the search clean-up, and readable pages
judged unreadable. Every input is generated here.

The resource tests carry a `timeout`: each input took from 25 s to hours before its fix and
takes milliseconds after, so a hang fails the test instead of holding the suite. What the
fixes cost is measured in the review's report, not here."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from engageiq_files.ingestion import number_formats, pdf_annotations
from engageiq_files.ingestion.number_formats import format_number, format_value
from engageiq_files.ingestion.pdf_text import searchable, unreadable
from engageiq_files.ingestion.sheets import MAX_FORMULAS_KEPT, sheet_layout
from engageiq_files.ingestion.slides import _ShapeTree
from engageiq_files.uploads.sniffing import SNIFF_BYTES, FileKind, UnsupportedFileType, sniff
from tests.unit.files.pdf_kinds import HELVETICA_RAW, PAGE_BODY, lines_pdf, raw_pdf, text_stream
from tests.unit.files.scans import parse
from tests.unit.files.test_ingestion_xlsx_parts import edited
from tests.unit.files.test_ingestion_xlsx_parts import parse as parse_kind
from tests.unit.files.workbooks import xlsxwriter_book

# Sniffing runs in the service's own process, before any sandbox.


@pytest.mark.timeout(5)
@pytest.mark.parametrize("junk", [b"", b"From: mail gateway\r\n\r\n"])
def test_digits_after_a_pdf_header_are_sniffed_in_linear_time(junk: bytes) -> None:
    head = b"%PDF-1.7\n" + b"7" * SNIFF_BYTES
    assert sniff((junk + head)[:SNIFF_BYTES], "notes.txt") == (
        FileKind.PDF if not junk else FileKind.TXT
    )
    # A real object after a late header is still found, however many digits come before.
    late = junk + b"%PDF-1.7\n" + b"4" * 2000 + b"\n12 0 obj\n<< >>"
    assert sniff(late, "scan") == FileKind.PDF


@pytest.mark.timeout(5)
@pytest.mark.parametrize("comment", ["<!---->", "<!-- note -->", "<!-- a --> "])
def test_a_run_of_html_comments_is_sniffed_in_linear_time(comment: str) -> None:
    many = comment * 40
    assert sniff((many + "plain words").encode(), "page.txt") == FileKind.TXT
    assert sniff((many + "\n<html><body>x").encode(), "page.txt") == FileKind.HTML
    assert sniff(b"<!-- one --><!-- two -->\n<!DOCTYPE html>", "p.txt") == FileKind.HTML
    # An unclosed comment hides what follows it.
    assert sniff(b"<!-- not closed <html>", "p.txt") == FileKind.TXT


def test_a_pdf_inside_a_zip_or_an_image_does_not_make_it_a_pdf() -> None:
    pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("quote.pdf", pdf)
    with pytest.raises(UnsupportedFileType):
        sniff(stored.getvalue(), "quote.zip")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x1ftEXtComment\x00" + pdf
    assert sniff(png, "scan.png") == FileKind.PNG


# The search clean-up of a page's text.


@pytest.mark.timeout(5)
def test_a_page_of_one_long_word_is_cleaned_in_linear_time() -> None:
    word = "a" * 200_000  # 28 s at 40,000 letters before, growing with the square
    assert searchable(word) == word
    assert searchable(f"{word} configu-\nration") == f"{word} configuration"


@pytest.mark.parametrize(
    "broken",
    [
        "https://example.com/price-\nlist",
        "see example.com/a-\nb/c for details",
        "mail jean.first-\nname@example.com today",
        "the path /srv/data-\nsets/x",
        "call my_variable-\nname",
        "ABC-\n123",
        "Jean-\nPierre",
        "2024-\n25",
    ],
)
def test_a_line_end_hyphen_of_an_address_or_code_is_kept(broken: str) -> None:
    assert searchable(broken) == broken


@pytest.mark.parametrize(
    ("broken", "joined"),
    [
        ("e-\nmail", "email"),
        ("the configu-\nration.", "the configuration."),
        ("(configu-\nration),", "(configuration),"),
        ("\u201cwell-\nknown\u201d", "\u201cwellknown\u201d"),
        ("state-of-the-\nart", "state-of-theart"),  # 0132: no dictionary tells the two
    ],
)
def test_a_word_broken_in_prose_is_still_joined(broken: str, joined: str) -> None:
    assert searchable(broken) == joined


@pytest.mark.parametrize(
    "page",
    [
        # Word's Symbol-font bullets (U+F0B7) and Wingdings check boxes, one per short item.
        "\uf0b7 Yes\n\uf0b7 No\n\uf0b7 Maybe\n\uf0b7 Later\n\uf0b7 Never",
        "\uf0fe Signed \uf0a8 Unsigned \uf0fe Dated \uf0fe Stamped \uf0a8 Filed",
        # Emoji newer than Python 3.11's Unicode 14 tables (unassigned there).
        "\U0001fa77 Pink \U0001fae8 shaking \U0001fa77\U0001fae8 team mood board",
        "\u2605" * 5 + " " + "\u2605" * 4 + "\u2606 " + "\u2605" * 3 + "\u2606" * 2,
        "\u2200 \u2203 \u2208 \u2209 \u2282 \u2283 \u222a \u2229 \u2264 \u2265 \u2260 \u2248",
        "\u2192 \u2190 \u2191 \u2193 \u21d2 \u21d0 \u2192 \u2190 \u2191 \u2193 \u21d2 \u21d0",
        "日本語のテキストです。これは読めるページです。",
        "مرحبا بكم في هذا المستند الطويل جدا",
        "यह एक हिंदी पाठ है जो पढ़ने योग्य है",
        "นี่คือข้อความภาษาไทยที่อ่านได้ดีมาก",
        "1 250 3 400 5 600 7 800 9 1000 11 1200",
    ],
)
def test_pages_of_other_scripts_and_symbols_are_readable(page: str) -> None:
    assert not unreadable(page)


@pytest.mark.parametrize(
    "layer",
    [
        "\ue001\ue002\ue003 \ue004\ue005\ue006\ue007 " * 5,  # glyph ids as private use
        "\x017KH\x03FRQILJXUDWLRQ\x03LV\x03GRQH" * 3,
        "!!#$ %&'( )*+, -./ !!#$ %&'( )*+,",  # low glyph ids: ASCII punctuation only
        "\U000e0100\U000e0101 \ufdd0\ufdd1\ufdd2 \u0378\u0379\u0380 " * 3,
    ],
)
def test_glyph_id_layers_are_still_unreadable(layer: str) -> None:
    assert unreadable(layer)


def test_ordinary_lines_read_as_written_beside_a_letter_spaced_one(tmp_path: Path) -> None:
    # Lines of single characters with typed spaces, and words broken at a line end, on a
    # page whose rows of single glyphs send it through PDFium's reading.
    lines = [
        "Rate us on a scale:",
        "1 2 3 4 5",
        "1 2 3 4 5 6 7 8 9 10",
        "A B C D E F",
        "Call me at 555-",
        "1234 or mail e-",
        "mail: https://example.com/price-",
        "list today",
    ]
    text = parse(tmp_path, lines_pdf(lines)).sections[0].text
    assert text.splitlines() == [
        "Rate us on a scale:",
        "1 2 3 4 5",
        "1 2 3 4 5 6 7 8 9 10",
        "A B C D E F",
        "Call me at 555-",
        "1234 or mail email: https://example.com/price-",
        "list today",
    ]
    assert not unreadable(text)


def test_a_repaired_files_line_end_hyphens_are_judged_as_pypdfs(tmp_path: Path) -> None:
    content = lines_pdf(["We sent the e-", "mail to https://example.com/price-", "list now"])
    damaged = content.replace(b"startxref", b"startxrf").replace(b"xref", b"xrfe")
    parsed = parse(tmp_path, damaged)
    assert "structure_repaired" in [w.code for w in parsed.warnings]
    assert parsed.sections[0].text.splitlines() == [
        "We sent the email to https://example.com/price-",
        "list now",
    ]


# Form fields and comments of a PDF page.


def _one_page_with(annotations: list[bytes], more: list[bytes]) -> bytes:
    """A PDF whose page lists `annotations` (objects 6 on) after objects `more`."""
    first = 6
    refs = b" ".join(b"%d 0 R" % (first + i) for i in range(len(annotations)))
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< " + PAGE_BODY + b" /Parent 2 0 R /Contents 5 0 R /Annots [" + refs + b"] >>",
            HELVETICA_RAW,
            text_stream("Order form"),
            *annotations,
            *more,
        ]
    )


@pytest.mark.timeout(10)
def test_a_list_value_of_nested_shared_arrays_is_not_spelled_out(tmp_path: Path) -> None:
    depth = 40  # 2**40 choices if each array is spelled out
    after = 6 + 2  # the two widgets
    nested = [b"[%d 0 R %d 0 R]" % (after + i + 1, after + i + 1) for i in range(depth)]
    content = _one_page_with(
        [
            b"<< /Type /Annot /Subtype /Widget /FT /Ch /T (Pick) /V %d 0 R >>" % after,
            b"<< /Type /Annot /Subtype /Widget /FT /Ch /T (Plans) /V [(Granite) (Basalt)] >>",
        ],
        [*nested, b"(x)"],
    )
    text = "\n".join(s.text for s in parse(tmp_path, content).sections)
    assert "Form field Plans: Granite, Basalt" in text
    assert "Order form" in text


def test_form_fields_past_the_documents_budget_are_named_in_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages sharing one list of deep widgets: 500 such pages took 83 s before the budget.
    monkeypatch.setattr(pdf_annotations, "MAX_DOCUMENT_READS", 25)
    pages, fields = 8, 5  # 40 reads
    widgets = [
        b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (f%d) /V (Value %d) >>" % (i, i)
        for i in range(fields)
    ]
    annots = 6 + pages
    page_objects = [
        b"<< " + PAGE_BODY + b" /Parent 2 0 R /Contents 5 0 R /Annots %d 0 R >>" % annots
        for _ in range(pages)
    ]
    kids = b" ".join(b"%d 0 R" % (6 + k) for k in range(pages))
    content = raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
            b"<< >>",
            HELVETICA_RAW,
            text_stream("Quote"),
            *page_objects,
            b"[" + b" ".join(b"%d 0 R" % (annots + 1 + i) for i in range(fields)) + b"]",
            *widgets,
        ]
    )
    parsed = parse(tmp_path, content)
    texts = [s.text for s in parsed.sections]
    assert all(t.startswith("Quote") for t in texts)
    assert "Form field f4: Value 4" in texts[0]
    assert "Form field" not in texts[-1]
    assert [w.code for w in parsed.warnings] == ["annotations_truncated"]


# Number formats.


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    ("value", "code"),
    [
        (45000.5, "d " * 50_000),  # 4 s a cell at 4,000 characters before
        (12345.0, "0" * 100_000),
        (5.0, "[<" + "1" * 100_000 + "]0;0"),
        (5.0, "[$" * 50_000 + "0"),
    ],
)
def test_a_format_code_longer_than_excel_allows_reads_as_general(value: float, code: str) -> None:
    for _ in range(100):  # per cell
        assert format_value(value, code) is None
    assert format_number(value, code) == number_formats.general(value)


def test_codes_up_to_excels_limit_still_render() -> None:
    code = "d" + " d" * ((number_formats.MAX_CODE_CHARS - 1) // 2)
    assert len(code) <= number_formats.MAX_CODE_CHARS
    assert format_value(45000.5, code) == " ".join(["15"] * (code.count("d")))
    assert format_value(45000.5, 'h:mm "then" mm:ss "then" mmm') == "12:00 then 00:00 then Mar"
    assert format_value(12345.0, "0" * 20) == "00000000000000012345"


@pytest.mark.parametrize("code", ["[Red", "[<5 0", "0[<5", "[$-407", '"x"[Blue0'])
def test_an_unclosed_bracket_reads_as_general_not_as_nothing(code: str) -> None:
    assert format_value(5.0, code) is None
    assert format_number(5.0, code) == "5"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("code", ["0.00", "#,##0", "0%", "##0.0E+0", "# ?/?", "yyyy-mm-dd"])
def test_values_that_are_not_numbers_read_as_general(value: float, code: str) -> None:
    assert format_value(value, code) is None
    assert format_number(value, code) in ("nan", "inf", "-inf")


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        # Past the calendar's year 9999: elapsed codes still count (the timedelta's own text
        # was indexed, "3000000 days, 0:00:00").
        (timedelta(days=3_000_000), "[h]:mm", "72000000:00"),
        (timedelta(days=3_000_000, hours=5), "[mm]", "4320000300"),
        # Excel's last moment rounds to the second past it: the day stays 9999-12-31.
        (datetime(9999, 12, 31, 23, 59, 59, 999_900), "yyyy-mm-dd", "9999-12-31"),
    ],
)
def test_moments_at_the_calendars_end_read_as_excel_shows_them(
    value: object, code: str, shown: str
) -> None:
    assert format_value(value, code) == shown


# Headers and footers of a sheet.


@pytest.mark.timeout(20)
def test_a_sheet_repeating_its_header_is_read_once(tmp_path: Path) -> None:
    def build(workbook: object) -> None:
        sheet = workbook.add_worksheet("Pricing")  # type: ignore[attr-defined]
        sheet.write_row(0, 0, ["Plan", "Seats"])
        sheet.write_row(1, 0, ["Granite", 83])
        sheet.set_footer("&CConfidential")

    repeated = "".join(
        f"<headerFooter><oddHeader>&amp;CPart {i}{'&amp;P' * 5}</oddHeader></headerFooter>"
        for i in range(30_000)
    )
    content = edited(
        xlsxwriter_book(build),
        {"xl/worksheets/sheet1.xml": lambda xml: xml.replace("</worksheet>", "") + repeated},
        {},
    )
    content = edited(content, {"xl/worksheets/sheet1.xml": lambda xml: xml + "</worksheet>"}, {})
    sections = {s.location: s.text for s in parse_kind(tmp_path, content, "xlsx").sections}
    lines = sections["Pricing (header/footer)"].splitlines()
    assert lines[0] == "Footer: Confidential"
    assert lines[1] == "Header: Part 0"
    assert len(lines) <= 6
    assert sections["Pricing!A2:B2"] == "Plan: Granite; Seats: 83"


# SmartArt without a data model.

_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DGM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
_DRAWING = "http://schemas.microsoft.com/office/2007/relationships/diagramDrawing"


@pytest.mark.timeout(10)
def test_frames_without_models_claim_drawing_caches_in_linear_time() -> None:
    frames, missing = 3_000, 3_000
    rels = [(f"x{i}", f"../diagrams/gone{i}.xml") for i in range(missing)]
    rels += [("d7", "../diagrams/drawing7.xml"), ("d2", "../diagrams/drawing2.xml")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entries = "".join(
            f'<Relationship Id="{i}" Type="{_DRAWING}" Target="{t}"/>' for i, t in rels
        )
        entries += f'<Relationship Id="m2" Type="{_R}/diagramData" Target="../diagrams/data2.xml"/>'
        archive.writestr(
            "ppt/slides/_rels/slide1.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{entries}</Relationships>',
        )
        for number, word in ((7, "Seventh"), (2, "Second")):
            archive.writestr(
                f"ppt/diagrams/drawing{number}.xml",
                '<dsp:drawing xmlns:dsp="http://schemas.microsoft.com/office/drawing/2008/'
                'diagram" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
                f"<a:p><a:r><a:t>{word}</a:t></a:r></a:p></dsp:drawing>",
            )
        archive.writestr("ppt/slides/slide1.xml", "<x/>")
    # The first frame names data2.xml (missing): the cache numbered 2 is its own.
    frame_xml = '<dgm:relIds r:dm="m2"/>' + '<dgm:relIds r:dm="none"/>' * frames
    root = etree.fromstring(f'<sp xmlns:dgm="{_DGM}" xmlns:r="{_R}">{frame_xml}</sp>')
    tree = _ShapeTree(
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())), "ppt/slides/slide1.xml", placeholders=False
    )
    tree.visit(root)
    assert tree.texts == ["Second", "Seventh"]


def test_array_ranges_blanked_are_bounded_over_the_sheet() -> None:
    # 2,000 never-calculated array formulas over one 100x100 range: each would walk it again.
    rows = "".join(
        f'<row r="{r}"><c r="A{r}"><f t="array" ref="A1:CV100">1</f></c></row>'
        for r in range(1, 2001)
    )
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("sheet.xml", sheet)
    with zipfile.ZipFile(out) as archive:
        layout = sheet_layout(archive, "sheet.xml")
    assert layout.formula_count == 2000
    assert layout.array_cells == MAX_FORMULAS_KEPT  # ten ranges walked, then none
    assert layout.formulas[1, 1] == "=1"
    assert layout.formulas[100, 100] == ""
