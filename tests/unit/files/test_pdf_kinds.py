"""PDFs of every kind sales teams upload (decision 0132), made in `pdf_kinds`: each is read
and cited by page, or fails with a reason code, bounded."""

from __future__ import annotations

from pathlib import Path

import pytesseract
import pytest

from engageiq_files.ingestion.pdf_text import searchable, unreadable, words_from_boxes
from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.sections import ParsedDocument, ParseFailure, ParseLimits
from engageiq_files.uploads.sniffing import FileKind, sniff
from tests.unit.files import pdf_kinds as kinds
from tests.unit.files.scans import LIMITS, parse


def text(parsed: ParsedDocument) -> str:
    return "\n".join(s.text for s in parsed.sections)


def codes(parsed: ParsedDocument) -> list[str]:
    return [w.code for w in parsed.warnings]


@pytest.mark.parametrize("private_use", [False, True])
def test_a_text_layer_of_glyph_ids_is_ocred_instead(tmp_path: Path, private_use: bool) -> None:
    lines = ["The configuration costs fifty euros", "Enterprise renewal"]
    content = kinds.without_tounicode(kinds.embedded_font_pdf(lines), private_use=private_use)
    parsed = parse(tmp_path, content)
    assert [s.location for s in parsed.sections] == ["page 1"]
    read = text(parsed).lower()
    assert "configuration" in read
    assert "renewal" in read
    assert "\x03" not in read
    assert max(read) < "\ue000"
    assert {"text_layer_unreadable", "ocr_used"} <= set(codes(parsed))


def test_an_unreadable_layer_is_dropped_where_ocr_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    garbage = kinds.without_tounicode(kinds.embedded_font_pdf(["The configuration costs fifty"]))
    parsed = parse(tmp_path, garbage)
    assert text(parsed) == ""
    assert codes(parsed) == ["text_layer_unreadable"]
    assert "not searchable" in parsed.warnings[0].message


def test_a_readable_layer_is_kept_and_judged_readable(tmp_path: Path) -> None:
    lines = ["The configuration costs fifty euros", "Enterprise renewal"]
    parsed = parse(tmp_path, kinds.embedded_font_pdf(lines))
    assert "The configuration costs fifty euros" in text(parsed)
    assert codes(parsed) == []
    # A few icon-font bullets, a price table of digits: text all the same.
    assert not unreadable("\uf0b7 Enterprise plan with support\n\uf0b7 Team plan for ten")
    assert not unreadable("40 80 120 160 200 240 280 320 360 400")
    assert unreadable("(cid:12)(cid:40)(cid:7) (cid:3)(cid:19)(cid:22)(cid:9)(cid:41)" * 3)
    assert unreadable(
        "\u2022 \u25a0 \u25cf \u2022 \u25a0 \u25cf \u2022 \u25a0 \u25cf \u2022 \u25a0 \u25cf" * 2
    )


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_rotated_pages_are_read_from_text_and_from_scans(tmp_path: Path, rotate: int) -> None:
    assert "Rotated price list" in text(
        parse(tmp_path, kinds.rotated_text_pdf("Rotated price list", rotate))
    )
    scanned = parse(tmp_path, kinds.rotated_scan_pdf("Landscape pricing grid", rotate))
    assert "pricing" in text(scanned).lower()


def test_pages_with_offset_media_and_crop_boxes_are_read(tmp_path: Path) -> None:
    assert "Cropped quote total" in text(
        parse(tmp_path, kinds.offset_boxes_pdf("Cropped quote total"))
    )
    assert (
        "scanned" in text(parse(tmp_path, kinds.offset_scan_pdf("Cropped scanned quote"))).lower()
    )


@pytest.mark.parametrize("algorithm", ["RC4-40", "RC4-128", "AES-128", "AES-256"])
def test_a_pdf_with_only_an_owner_password_is_read(tmp_path: Path, algorithm: str) -> None:
    parsed = parse(tmp_path, kinds.encrypted_pdf("Protected price list", algorithm))
    assert text(parsed) == "Protected price list"


def test_filled_in_form_fields_and_comments_are_indexed_and_labelled(tmp_path: Path) -> None:
    content = kinds.form_pdf(
        {"Customer": "Globex Corporation", "order.quantity": "250 seats"},
        [("/Text", "Discount approved by Maria"), ("/FreeText", "Valid until March")],
        "Order form",
    )
    lines = text(parse(tmp_path, content)).splitlines()
    assert lines[0] == "Order form"
    assert "Form field Customer: Globex Corporation" in lines
    assert "Form field order.quantity: 250 seats" in lines
    assert "Form field Priority support: Yes" in lines
    assert "Form field Plan: Enterprise" in lines
    assert "Comment (Dana (Sales)): Discount approved by Maria" in lines
    assert "Comment (Dana (Sales)): Valid until March" in lines


def test_updated_damaged_and_padded_files_are_read(tmp_path: Path) -> None:
    updated = kinds.incrementally_updated_pdf("Old price 40", "New price 55")
    assert text(parse(tmp_path, updated)) == "New price 55"
    damaged = kinds.damaged_xref(kinds.lines_pdf(["Damaged but readable"]))
    assert "Damaged but readable" in text(parse(tmp_path, damaged))
    trailing = kinds.lines_pdf(["Trailing bytes quote"]) + b"\r\n--boundary--\r\n" + bytes(256)
    assert "Trailing bytes quote" in text(parse(tmp_path, trailing))


@pytest.mark.parametrize("damage", ["no table", "no end marker", "start pointer lost"])
def test_a_file_whose_structure_pypdf_cannot_rebuild_is_repaired(
    tmp_path: Path, damage: str
) -> None:
    whole = kinds.lines_pdf(["Truncated download quote", "Second line of the quote"])
    content = {
        # A download or a mail export that stopped before the cross-reference table.
        "no table": whole[: whole.rindex(b"xref")],
        "no end marker": whole.replace(b"%%EOF", b""),
        "start pointer lost": whole.replace(b"startxref\n", b"startxref\n0\n%"),
    }[damage]
    parsed = parse(tmp_path, content)
    assert text(parsed) == "Truncated download quote\nSecond line of the quote"
    assert codes(parsed) == ["structure_repaired"]


def test_a_pdf_behind_a_mail_header_is_a_pdf(tmp_path: Path) -> None:
    content = b"X-Mailer: gateway\r\nContent-Type: application/pdf\r\n\r\n" + kinds.lines_pdf(
        ["Leading junk quote"]
    )
    assert sniff(content) is FileKind.PDF
    assert text(parse(tmp_path, content)) == "Leading junk quote"
    # A note that quotes a PDF header is still text.
    assert sniff(b"Every PDF starts with %PDF-1.7 and ends with %%EOF.\n") is FileKind.TXT


@pytest.mark.parametrize("own_matrix", [False, True])
@pytest.mark.parametrize("tracking", [0.0, 1.5, 4.0, 6.0])
def test_text_drawn_glyph_by_glyph_reads_as_words(
    tmp_path: Path, own_matrix: bool, tracking: float
) -> None:
    content = kinds.glyph_by_glyph_pdf(
        ["Price", "per", "seat", "is", "forty"], own_matrix=own_matrix, tracking=tracking
    )
    assert text(parse(tmp_path, content)) == "Price per seat is forty"


def test_a_spread_out_row_of_single_glyphs_keeps_its_spaces() -> None:
    # A table row of one-digit cells, 60 pt apart: not a letter-spaced word.
    row = [(digit, 72.0 + 60 * n, 78.0 + 60 * n) for n, digit in enumerate("12345")]
    assert words_from_boxes(row) == "1 2 3 4 5"
    heading = [(c, 72.0 + 10 * n, 78.0 + 10 * n) for n, c in enumerate("SALES")]
    heading += [(c, 142.0 + 10 * n, 148.0 + 10 * n) for n, c in enumerate("TEAM")]
    assert words_from_boxes(heading) == "SALES TEAM"


def test_ligatures_and_hyphens_are_undone_for_search(tmp_path: Path) -> None:
    ligatures = parse(tmp_path, kinds.embedded_font_pdf(["\ufb01fty \ufb02oor con\ufb01guration"]))
    assert text(ligatures) == "fifty floor configuration"
    hyphens = parse(
        tmp_path, kinds.lines_pdf(["The configu-", "ration is simple; a soft\xadware deal"])
    )
    assert text(hyphens) == "The configuration is simple; a software deal"
    assert searchable("Jean-\nPierre paid 2024-\n25 for the state-\nof-the-art m\u00b2") == (
        "Jean-\nPierre paid 2024-\n25 for the stateof-the-art m\u00b2"
    )


def test_padding_pages_are_bounded_and_not_ocred(tmp_path: Path) -> None:
    limits = ParseLimits(max_pages=3_000, max_text_chars=1_000_000, max_docx_uncompressed_bytes=1)
    parsed = parse(tmp_path, kinds.many_pages_pdf(20_000, "Renewal terms appendix"), limits)
    assert parsed.sections[0].location == "page 1"
    assert parsed.sections[0].text == "Renewal terms appendix"
    assert codes(parsed) == ["truncated"]
    assert "3000 of 20000" in parsed.warnings[0].message
    # Past pypdf's 100,000 elements of an array: PDFium reads it, as fast.
    limits = ParseLimits(max_pages=100, max_text_chars=1_000_000, max_docx_uncompressed_bytes=1)
    parsed = parse(tmp_path, kinds.many_pages_pdf(150_000, "Renewal terms appendix"), limits)
    assert parsed.sections[0].text == "Renewal terms appendix"
    assert codes(parsed) == ["structure_repaired", "truncated"]
    assert "100 of 150000" in parsed.warnings[1].message


def test_hostile_page_trees_end_with_text_or_a_reason(tmp_path: Path) -> None:
    cyclic = parse(tmp_path, kinds.cyclic_page_tree_pdf("Cycle page text"))
    assert [(s.location, s.text) for s in cyclic.sections] == [("page 1", "Cycle page text")]
    inside_itself = parse(tmp_path, kinds.self_extending_object_stream_pdf("Object stream text"))
    assert text(inside_itself) == "Object stream text"
    assert codes(inside_itself) == ["structure_repaired"]
    sandbox = ParserSandbox(LIMITS, timeout=30, memory_bytes=1024 * 1024 * 1024)
    path = tmp_path / "self.pdf"
    path.write_bytes(kinds.self_parent_pages_pdf())
    with pytest.raises(ParseFailure) as failure:
        sandbox.parse(str(path), "pdf")
    assert failure.value.code == "corrupt_pdf"
