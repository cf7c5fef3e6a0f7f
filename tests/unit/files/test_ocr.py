"""OCR of images and scanned PDF pages (decision 0104), on inputs made here: words drawn with
Pillow's default font, image-only PDFs saved by Pillow, and hostile images (a decompression
bomb, a truncated PNG, a TIFF of 300 pages)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytesseract
import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfWriter

from engageiq_files.ingestion import ocr
from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.sections import ParsedDocument, ParseFailure, ParseLimits
from engageiq_files.uploads.sniffing import FileKind, sniff
from tests.unit.files.scans import LIMITS, encoded, parse
from tests.unit.files.support import FilesClient, pdf_bytes


def drawn(*lines: str, size: tuple[int, int] = (1400, 400)) -> Image.Image:
    """A white greyscale image with `lines` in black, large enough for Tesseract."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=56)
    for i, line in enumerate(lines):
        draw.text((40, 40 + i * 110), line, fill=0, font=font)
    return image


def codes(parsed: ParsedDocument) -> list[str]:
    return [w.code for w in parsed.warnings]


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A PNG of a few hundred bytes whose header claims `width` x `height` 1-bit pixels; only
    its first rows are present: a decoder that trusted the header would allocate gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * ((width + 7) // 8 + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_words_in_an_image_are_read_and_cited_by_page(tmp_path: Path, fmt: str) -> None:
    image = drawn("Whiteboard pricing workshop", "Enterprise renewal")
    parsed = parse(tmp_path, encoded(image, fmt))
    assert [s.location for s in parsed.sections] == ["page 1"]
    text = parsed.sections[0].text.lower()
    assert "whiteboard" in text
    assert "renewal" in text
    assert "ocr_used" in codes(parsed)


def test_a_scanned_pdf_page_is_ocred_with_its_page_number(tmp_path: Path) -> None:
    first, second = drawn("Discovery call agenda"), drawn("Quarterly pipeline forecast")
    content = encoded(first, "PDF", save_all=True, append_images=[second])
    parsed = parse(tmp_path, content)
    locations = {s.location: s.text.lower() for s in parsed.sections}
    assert "agenda" in locations["page 1"]
    assert "forecast" in locations["page 2"]
    assert "ocr_used" in codes(parsed)
    assert "pages_without_text" not in codes(parsed)


def test_pages_with_a_text_layer_are_not_ocred(tmp_path: Path) -> None:
    parsed = parse(tmp_path, pdf_bytes(["Enterprise pricing for the whole team", "x"]))
    assert "ocr_used" not in codes(parsed)


def test_the_ocr_page_cap_leaves_the_other_scanned_pages_named(tmp_path: Path) -> None:
    pages = [drawn(f"Scanned page {n}") for n in range(3)]
    content = encoded(pages[0], "PDF", save_all=True, append_images=pages[1:])
    capped = ParseLimits(
        max_pages=50, max_text_chars=10_000, max_docx_uncompressed_bytes=1, max_ocr_pages=1
    )
    parsed = parse(tmp_path, content, capped)
    assert [s.location for s in parsed.sections] == ["page 1"]
    assert codes(parsed) == ["ocr_used", "pages_without_text"]
    assert "2 and 3" in parsed.warnings[1].message


def test_a_pdf_is_still_read_where_tesseract_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    scan = drawn("Scanned appendix")
    writer = PdfWriter()
    writer.append(io.BytesIO(pdf_bytes(["Enterprise pricing for the whole team"])))
    writer.append(io.BytesIO(encoded(scan, "PDF")))
    mixed = io.BytesIO()
    writer.write(mixed)
    parsed = parse(tmp_path, mixed.getvalue())
    assert [s.location for s in parsed.sections] == ["page 1"]
    assert codes(parsed) == ["pages_without_text"]
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, encoded(scan, "PNG"))
    assert failure.value.code == "ocr_unavailable"


def test_an_image_without_text_is_ready_with_a_warning(tmp_path: Path) -> None:
    parsed = parse(tmp_path, encoded(Image.new("RGB", (400, 300), "white"), "PNG"))
    assert parsed.sections == []
    assert codes(parsed) == ["no_text_found"]


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    content = bomb_png()
    assert len(content) < 8192
    assert sniff(content) is FileKind.PNG
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, content)
    assert failure.value.code == "image_too_large"


def test_a_bomb_inside_a_later_tiff_page_is_refused(tmp_path: Path) -> None:
    small = ParseLimits(
        max_pages=50, max_text_chars=10_000, max_docx_uncompressed_bytes=1, max_image_pixels=500_000
    )
    content = encoded(
        Image.new("1", (100, 100), 1),
        "TIFF",
        save_all=True,
        append_images=[Image.new("1", (2000, 2000), 1)],
        compression="tiff_deflate",
    )
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, content, small)
    assert failure.value.code == "image_too_large"


@pytest.mark.parametrize(
    "content",
    [
        encoded(drawn("Truncated scan"), "PNG")[:300],
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,
        b"\xff\xd8\xff\xe0" + b"\x13" * 64,
        b"II*\x00\xff\xff\xff\x7f",
    ],
    ids=["truncated-png", "png-signature-only", "corrupt-jpeg", "tiff-bad-offset"],
)
def test_truncated_and_corrupt_images_fail_with_a_reason(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, content)
    assert failure.value.code == "corrupt_image"
    assert "/" not in failure.value.message


def test_a_tiff_of_300_pages_is_bounded_by_the_page_cap(tmp_path: Path) -> None:
    blank = Image.new("1", (64, 64), 1)
    content = encoded(blank, "TIFF", save_all=True, append_images=[blank] * 299)
    capped = ParseLimits(
        max_pages=50, max_text_chars=10_000, max_docx_uncompressed_bytes=1, max_ocr_pages=3
    )
    parsed = parse(tmp_path, content, capped)
    assert "truncated" in codes(parsed)
    truncated = next(w for w in parsed.warnings if w.code == "truncated")
    assert "first 3 of 300 pages" in truncated.message


def test_uncertain_recognition_gives_a_low_confidence_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "recognise", lambda image, timeout: ocr.Recognised("bl0rry", 31.0))
    parsed = parse(tmp_path, encoded(drawn("x"), "PNG"))
    assert codes(parsed) == ["ocr_used", "ocr_low_confidence"]


def test_a_page_past_its_timeout_fails_the_image_with_a_reason(tmp_path: Path) -> None:
    hurried = ParseLimits(
        max_pages=50,
        max_text_chars=10_000,
        max_docx_uncompressed_bytes=1,
        ocr_page_timeout_seconds=0.001,
    )
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, encoded(drawn("Slow page"), "PNG"), hurried)
    assert failure.value.code == "ocr_failed"


def test_the_sandbox_bounds_ocr_like_every_parse(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    path.write_bytes(bomb_png())
    sandbox = ParserSandbox(LIMITS, timeout=20, memory_bytes=1024 * 1024 * 1024)
    with pytest.raises(ParseFailure) as failure:
        sandbox.parse(str(path), "png")
    assert failure.value.code == "image_too_large"
    path.write_bytes(encoded(drawn("Sandboxed slide title"), "PNG"))
    parsed = sandbox.parse(str(path), "png")
    assert "sandboxed" in parsed.sections[0].text.lower()


@pytest.mark.parametrize(
    ("name", "content", "reason_code"),
    [
        ("bomb.png", bomb_png(), "image_too_large"),
        ("cut.png", encoded(drawn("Cut short"), "PNG")[:300], "corrupt_image"),
    ],
)
def test_hostile_images_fail_and_the_service_keeps_running(
    files_client: FilesClient, name: str, content: bytes, reason_code: str
) -> None:
    failed = files_client.ingest("acme", name, content, "image/png")
    assert failed["status"] == "failed"
    assert failed["reasonCode"] == reason_code
    fine = files_client.upload("acme", "board.png", encoded(drawn("Whiteboard kickoff"), "PNG"))
    assert fine.json()["contentType"] == "image/png"
    files_client.settle()
    ready = files_client.file("acme", fine.json()["id"])
    assert ready["status"] == "ready"
    assert [w["code"] for w in ready["warnings"]] == ["ocr_used"]
    hits = files_client.search("acme", "whiteboard")
    assert [(h["fileName"], h["location"]) for h in hits] == [("board.png", "page 1")]


def test_uploads_named_as_images_are_read_by_their_content(files_client: FilesClient) -> None:
    pdf = files_client.upload("acme", "slide.png", pdf_bytes(["Capybara onboarding plan"]))
    assert pdf.status_code == 201
    assert pdf.json()["contentType"] == "application/pdf"
    elf = files_client.upload("acme", "photo.png", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100)
    assert elf.status_code == 415
    assert elf.json()["code"] == "unsupported_file_type"
    blank = files_client.upload("acme", "blank.png", encoded(Image.new("L", (300, 200)), "PNG"))
    files_client.settle()
    assert files_client.file("acme", pdf.json()["id"])["status"] == "ready"
    empty = files_client.file("acme", blank.json()["id"])
    assert empty["status"] == "ready"
    assert [w["code"] for w in empty["warnings"]] == ["no_text_found"]
