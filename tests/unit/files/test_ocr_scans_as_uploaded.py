"""Scans and pictures as reps upload them, and hostile ones, found failing by a hostile review
of OCR (issue 21, decision 0104), each made here: full pages scanned sideways with no
orientation tag, phone JPEGs that carry a second picture (MPO) and animated PNGs, scans that
an OCR program already gave an invisible text layer, and PDF pages whose image declares
billions of pixels. Each is parsed as the upload path parses it (kind sniffed from the
content)."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytesseract
import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfWriter

from engageiq_files.ingestion import pdf_repair
from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.sections import ParsedDocument, ParseFailure
from tests.unit.files.scans import LIMITS, encoded, parse
from tests.unit.files.support import FilesClient, pdf_bytes

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def face(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT.exists():
        return ImageFont.truetype(str(FONT), size)
    return ImageFont.load_default(size=size)


def a4_page(lines: list[str], size: int = 34) -> Image.Image:
    """An A4 page at 200 dpi (3.9 MP) holding `lines`, as a scanner's glass sees it."""
    page = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((100, 100 + i * int(size * 1.8)), line, fill=0, font=face(size))
    return page


def text_of(parsed: ParsedDocument) -> str:
    return "\n".join(s.text for s in parsed.sections).lower()


CLAUSES = [f"Clause {i}: the customer renews the subscription" for i in range(20)]


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_full_page_scanned_sideways_is_read_line_by_line(tmp_path: Path, turn: int) -> None:
    """No EXIF tag says how to turn it: fed the wrong way into a scanner. Turned 270 degrees,
    Tesseract read it with a mean confidence of 94 but lost half the clause numbers and
    broke every line."""
    parsed = parse(tmp_path, encoded(a4_page(CLAUSES).rotate(turn, expand=True), "PNG"))
    text = text_of(parsed)
    assert sorted(int(n) for n in set(re.findall(r"clause (\d+)", text))) == list(range(20))
    assert text.count("the customer renews the subscription") == 20
    assert [w.code for w in parsed.warnings] == ["ocr_used"]


def mpo(first: Image.Image, second: Image.Image) -> bytes:
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second])
    return out.getvalue()


def slide(*lines: str) -> Image.Image:
    image = Image.new("RGB", (1200, 300), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 40 + i * 64), line, fill=(0, 0, 0), font=face(40))
    return image


PICTURE = ("Quarterly pricing review", "Renewal discount applies")


@pytest.mark.parametrize(
    "content",
    [
        mpo(slide(*PICTURE), slide("Depth map preview", "Second picture")),
        encoded(
            slide(*PICTURE),
            "PNG",
            save_all=True,
            append_images=[slide(f"Animation frame {i}", "Looping banner") for i in range(3)],
        ),
    ],
    ids=["phone-jpeg-with-a-second-picture", "animated-png"],
)
def test_a_jpeg_or_png_is_one_page_whatever_frames_it_carries(
    tmp_path: Path, content: bytes
) -> None:
    parsed = parse(tmp_path, content)
    assert [s.location for s in parsed.sections] == ["page 1"]
    text = text_of(parsed)
    assert "pricing review" in text
    assert "second picture" not in text
    assert "looping banner" not in text
    assert [w.code for w in parsed.warnings] == ["ocr_used"]


def one_page_pdf(image: tuple[int, int, int, bytes], content: bytes) -> bytes:
    """A one-page PDF (612 x 792 pt) drawing `image` (width, height, bits per component, its
    Flate-compressed grey samples) over the whole page, then `content`, with Helvetica as
    /F1; written object by object so that any size can be declared."""
    width, height, bits, samples = image
    draw = b"q 612 0 0 792 0 0 cm /Im0 Do Q " + content
    return written_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R"
            b" /Resources << /XObject << /Im0 4 0 R >> /Font << /F1 6 0 R >> >> >>",
            image_object(width, height, bits, samples),
            b"<< /Length %d >>\nstream\n%b\nendstream" % (len(draw), draw),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def image_object(width: int, height: int, bits: int, samples: bytes) -> bytes:
    return (
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
        b" /BitsPerComponent %d /Filter /FlateDecode /Length %d >>\nstream\n%b\nendstream"
        % (width, height, bits, len(samples), samples)
    )


def written_pdf(objects: list[bytes]) -> bytes:
    """A PDF of `objects` (numbered from 1; the first is the catalog), with its xref."""
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def scan_image(lines: list[str]) -> tuple[int, int, int, bytes]:
    page = a4_page(lines, size=60)
    return (page.width, page.height, 8, zlib.compress(page.tobytes()))


@pytest.mark.parametrize(
    ("lines", "mode"),
    [
        (["Receipt 4471", "Total due 90 EUR"], 3),
        (["Invoice 88", "Paid"], 3),
        (["Delivery note 5512", "Signed on arrival"], 7),
    ],
    ids=["short-receipt", "fewer-than-20-letters", "clipping-mode"],
)
def test_a_scan_with_an_invisible_ocr_layer_is_not_recognised_again(
    tmp_path: Path, lines: list[str], mode: int
) -> None:
    """A scanner's "searchable PDF" (or OCRmyPDF, or Tesseract's PDF output) lays the text it
    recognised under the scan, drawn invisibly (render mode 3 or 7). A short layer was
    recognised again and every word indexed twice, with an `ocr_used` warning."""
    layer = b" ".join(
        b"1 0 0 1 72 %d Tm (%b) Tj" % (700 - 40 * i, line.encode()) for i, line in enumerate(lines)
    )
    content = b"BT %d Tr /F1 24 Tf %b ET" % (mode, layer)
    parsed = parse(tmp_path, one_page_pdf(scan_image(lines), content))
    text = text_of(parsed)
    for line in lines:
        assert text.count(line.lower()) == 1, text
    assert parsed.warnings == []


def declaring(width: int, height: int, bits: int) -> tuple[int, int, int, bytes]:
    """Image samples that declare `width` x `height` pixels; their data is one white row,
    a few bytes (a decoder that trusted the size would still allocate it all)."""
    return (width, height, bits, zlib.compress(b"\xff" * (width * bits // 8)))


@pytest.mark.parametrize(
    "image",
    [declaring(50_000, 50_000, 1), declaring(20_000, 20_000, 8), declaring(100_000, 1_000, 8)],
    ids=["1-bit-50000-square", "grey-20000-square", "long-strip"],
)
def test_a_pdf_page_image_declaring_too_many_pixels_is_not_rendered(
    tmp_path: Path, image: tuple[int, int, int, bytes]
) -> None:
    bomb = one_page_pdf(image, b"")
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, bomb)
    assert failure.value.code == "image_too_large"
    assert f"{image[0]:,} x {image[1]:,} pixels" in failure.value.message

    writer = PdfWriter()
    writer.append(io.BytesIO(pdf_bytes(["Enterprise pricing for the whole team"])))
    writer.append(io.BytesIO(bomb))
    out = io.BytesIO()
    writer.write(out)
    parsed = parse(tmp_path, out.getvalue())
    assert [(s.location, s.text) for s in parsed.sections if s.text] == [
        ("page 1", "Enterprise pricing for the whole team")
    ]
    assert [w.code for w in parsed.warnings] == ["pages_skipped"]
    assert "Page 2 holds an image" in parsed.warnings[0].message


def test_a_pdf_image_bomb_fails_with_its_reason_through_the_sandbox(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    path.write_bytes(one_page_pdf(declaring(50_000, 50_000, 1), b""))
    sandbox = ParserSandbox(LIMITS, timeout=20, memory_bytes=1024 * 1024 * 1024)
    with pytest.raises(ParseFailure) as failure:
        sandbox.parse(str(path), "pdf")
    assert failure.value.code == "image_too_large"


def png_chunk(kind: bytes, data: bytes, crc: int) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (b"tEXt", b"Software\x00Scanner firmware 2.1"),
        (b"pHYs", struct.pack(">IIB", 11811, 11811, 1)),
        (b"gAMA", struct.pack(">I", 45455)),
    ],
    ids=["text", "resolution", "gamma"],
)
def test_a_png_whose_ancillary_chunk_has_a_wrong_checksum_is_read(
    tmp_path: Path, kind: bytes, data: bytes
) -> None:
    """Viewers drop such a chunk and show the picture (libpng warns only); it failed
    `corrupt_image`. A wrong checksum on a critical chunk still fails."""
    png = encoded(slide(*PICTURE), "PNG")
    bad = zlib.crc32(kind + data) ^ 0xFFFF
    parsed = parse(tmp_path, png[:33] + png_chunk(kind, data, bad) + png[33:])
    assert "pricing review" in text_of(parsed)
    assert [w.code for w in parsed.warnings] == ["ocr_used"]

    header = png[:29] + struct.pack(">I", zlib.crc32(png[12:29]) ^ 1) + png[33:]
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, header)
    assert failure.value.code == "corrupt_image"


def long_capture(size: tuple[int, int], lines: list[str]) -> bytes:
    """A scrolling screenshot or a banner longer than Tesseract's 32,767 pixels per side
    (and within the pixel bound), with `lines` spread from its start to its end."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    tall = size[1] > size[0]
    for i, line in enumerate(lines):
        at = 100 + i * (max(size) - 1200) // (len(lines) - 1)
        draw.text((60, at) if tall else (at, 100), line, fill=0, font=face(44))
    return encoded(image, "PNG")


SCROLLED = ["Opening offer for Heron", "Midway pricing table", "Closing terms signed"]


@pytest.mark.parametrize(
    "size", [(1000, 36_000), (36_000, 400)], ids=["scrolling-screenshot", "long-banner"]
)
def test_an_image_longer_than_tesseract_reads_is_read_whole(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """It failed `ocr_failed` ("could not finish in time") within a second: Tesseract
    refuses any side over 32,767 pixels."""
    parsed = parse(tmp_path, long_capture(size, SCROLLED))
    text = text_of(parsed)
    assert [line for line in SCROLLED if line.lower() not in text] == []
    assert [w.code for w in parsed.warnings] == ["ocr_used"]


def empty_pages_tiff(count: int) -> bytes:
    """A little-endian TIFF of `count` pages of one white pixel, each page a bare directory
    (about 100 bytes): 200,000 pages fit in 20 MB."""
    tags = ((256, 1), (257, 1), (258, 1), (259, 1), (262, 0), (273, 8), (278, 1), (279, 1))
    out = bytearray(b"II*\x00" + struct.pack("<I", 9) + b"\x00")
    size = 2 + 12 * len(tags) + 4
    for page in range(count):
        following = len(out) + size if page < count - 1 else 0
        out += struct.pack("<H", len(tags))
        for tag, value in tags:
            out += struct.pack("<HHII", tag, 4, 1, value)
        out += struct.pack("<I", following)
    return bytes(out)


def test_a_tiff_of_200000_pages_is_ready_inside_the_parse_timeout(tmp_path: Path) -> None:
    """Counting its pages (Pillow's `n_frames` reads every directory) outlasted the parse
    timeout before a page was read: the file failed `parse_timeout`."""
    path = tmp_path / "upload"
    path.write_bytes(empty_pages_tiff(200_000))
    parsed = ParserSandbox(LIMITS, timeout=30, memory_bytes=1024 * 1024 * 1024).parse(
        str(path), "tiff"
    )
    assert [w.code for w in parsed.warnings] == ["no_text_found", "truncated"]
    assert "of more than 10,000 pages" in parsed.warnings[1].message


@pytest.mark.parametrize("bands", [4, 8])
def test_a_stamped_scan_stored_in_bands_is_ocred(tmp_path: Path, bands: int) -> None:
    """A page stored as `bands` images of a few hundred rows (as many scanners and PDF
    writers store it) under a scanning app's stamp: none covers half of the page alone, and
    only the stamp was indexed, with no warning."""
    page = a4_page(CLAUSES[:12], size=50)
    height = page.height // bands
    draws = b" ".join(
        b"q 612 0 0 %.3f 0 %.3f cm /Im%d Do Q" % (792 / bands, 792 - (i + 1) * 792 / bands, i)
        for i in range(bands)
    )
    draws += b" BT /F1 9 Tf 40 20 Td (Scanned with CamScanner) Tj ET"
    named = b" ".join(b"/Im%d %d 0 R" % (i, 6 + i) for i in range(bands))
    strips = [page.crop((0, i * height, page.width, (i + 1) * height)) for i in range(bands)]
    pdf = written_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /XObject << %b >> /Font << /F1 5 0 R >> >> >>" % named,
            b"<< /Length %d >>\nstream\n%b\nendstream" % (len(draws), draws),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        + [image_object(s.width, s.height, 8, zlib.compress(s.tobytes())) for s in strips]
    )
    parsed = parse(tmp_path, pdf)
    text = text_of(parsed)
    assert "scanned with camscanner" in text
    assert text.count("the customer renews the subscription") >= 10
    assert [w.code for w in parsed.warnings] == ["ocr_used"]


def three_page_scan() -> bytes:
    writer = PdfWriter()
    for name in ("alpha", "bravo", "charlie"):
        page = Image.new("L", (1275, 1650), 255)
        ImageDraw.Draw(page).text((100, 150), f"Chapter {name} contract", fill=0, font=face(44))
        writer.append(io.BytesIO(encoded(page, "PDF", resolution=150)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("share", [0.7, 0.99], ids=["cut-in-page-3", "cut-in-its-table"])
def test_a_scanned_pdf_cut_short_keeps_the_pages_that_arrived(tmp_path: Path, share: float) -> None:
    """Its cross-reference table and trailer, written last, were lost with its end: neither
    pypdf nor PDFium opened it, and it failed `corrupt_pdf` with two whole pages in it."""
    whole = three_page_scan()
    parsed = parse(tmp_path, whole[: int(len(whole) * share)])
    pages = {s.location: s.text.lower() for s in parsed.sections if s.text}
    assert "chapter alpha contract" in pages["page 1"]
    assert "chapter bravo contract" in pages["page 2"]
    assert "truncated" in [w.code for w in parsed.warnings]

    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, whole[: len(whole) // 5])  # inside page 1's image: nothing arrived
    assert failure.value.code == "corrupt_pdf"


@pytest.mark.parametrize("content", [b"", b"%PDF-1.7\n", b"%PDF-1.7\n1 0 obj\n<<"])
def test_a_pdf_cut_before_any_object_fails_as_corrupt(tmp_path: Path, content: bytes) -> None:
    """Nothing to repair: an empty file (which `mmap` refuses to map: it raised ValueError
    and the parse failed without a reason), a header alone, an object cut in its header."""
    path = tmp_path / "cut.pdf"
    path.write_bytes(content)
    assert pdf_repair.repaired(str(path)) is None
    with pytest.raises(ParseFailure) as failure:
        parse_document(str(path), "pdf", LIMITS)
    assert failure.value.code in {"corrupt_pdf", "empty_file"}


def test_what_a_rep_sees_for_a_pdf_bomb_a_cut_short_scan_and_a_phone_photo(
    files_client: FilesClient,
) -> None:
    """Through the upload route, the worker and the sandbox: the bomb fails with its reason
    and sentence, the service goes on, and the other two are found by page."""
    bomb = files_client.ingest(
        "acme", "scan.pdf", one_page_pdf(declaring(50_000, 50_000, 1), b""), "application/pdf"
    )
    assert bomb["status"] == "failed"
    assert bomb["reasonCode"] == "image_too_large"
    assert "50,000 x 50,000 pixels" in bomb["reason"]
    whole = three_page_scan()
    cut = files_client.ingest("acme", "contract.pdf", whole[: len(whole) * 7 // 10])
    assert cut["status"] == "ready", cut
    assert [w["code"] for w in cut["warnings"]] == ["ocr_used", "truncated"]
    photo = files_client.ingest(
        "acme", "IMG_2041.jpg", mpo(slide(*PICTURE), slide("Depth map", "Second")), "image/jpeg"
    )
    assert photo["status"] == "ready", photo
    for query, name in (("bravo contract", "contract.pdf"), ("pricing review", "IMG_2041.jpg")):
        hits = files_client.search("acme", query)
        location = "page 2" if name == "contract.pdf" else "page 1"
        assert (hits[0]["fileName"], hits[0]["location"]) == (name, location)


def test_a_tesseract_error_is_not_told_as_a_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: object, **kwargs: object) -> object:
        raise pytesseract.TesseractError(1, "Error during processing.")

    monkeypatch.setattr(pytesseract, "image_to_data", failing)
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, encoded(slide(*PICTURE), "PNG"))
    assert failure.value.code == "ocr_failed"
    assert failure.value.message == "Text recognition (OCR) stopped with an error on this image."


def test_a_bigtiff_scan_is_read(tmp_path: Path) -> None:
    """A BigTIFF (64-bit offsets, from large-format and archive scanners) was refused at
    upload as "not ... an image (PNG, JPEG, TIFF)"."""
    content = encoded(slide(*PICTURE).convert("L"), "TIFF", big_tiff=True)
    assert content.startswith(b"II+\x00")
    parsed = parse(tmp_path, content)
    assert "pricing review" in text_of(parsed)
    assert [w.code for w in parsed.warnings] == ["ocr_used"]


def test_an_image_bomb_drawn_by_forms_inside_forms_is_not_rendered(tmp_path: Path) -> None:
    """Five forms down, the bomb was not looked at (only three were) and PDFium decoded it."""
    width, height, bits, samples = declaring(50_000, 50_000, 1)
    forms = [
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792]"
        b" /Resources << /XObject << /X %d 0 R >> >> /Length 4 >>\nstream\n/X Do\nendstream"
        % (6 + level)
        for level in range(4)
    ]
    forms.append(
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792]"
        b" /Resources << /XObject << /Im0 10 0 R >> >> /Length 30 >>\nstream\n"
        b"q 612 0 0 792 0 0 cm /Im0 Do Q\nendstream"
    )
    pdf = written_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /XObject << /X 5 0 R >> >> >>",
            b"<< /Length 4 >>\nstream\n/X Do\nendstream",
            *forms,
            image_object(width, height, bits, samples),
        ]
    )
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, pdf)
    assert failure.value.code == "image_too_large"
