"""Images as reps upload them (issue 21), each made here with Pillow: slide screenshots in
several fonts and colours, scans that are rotated, low-resolution or sideways, photos whose
camera left them rotated with an EXIF orientation tag, every pixel mode Pillow opens
(palette, 1-bit, CMYK, 16-bit, with an alpha channel), files cut short in transfer, and
hostile files. Each is read (cited by page, with `ocr_used`) or refused with its reason."""

from __future__ import annotations

import io
import random
import struct
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter, Transformation

from engageiq_files.ingestion import ocr
from engageiq_files.ingestion.sections import ParsedDocument, ParseFailure, ParseLimits
from engageiq_files.uploads.sniffing import UnsupportedFileType, sniff
from tests.unit.files.scans import encoded, parse
from tests.unit.files.support import FilesClient, pdf_bytes

FONTS = Path("/usr/share/fonts/truetype/dejavu")
LINES = ("Quarterly pricing review", "Renewal discount applies")
Colour = int | tuple[int, ...]


def font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A DejaVu face when the machine has it (Debian's fonts-dejavu-core), else Pillow's own."""
    path = FONTS / name
    if name and path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def slide(
    lines: tuple[str, ...] = LINES,
    *,
    face: str = "DejaVuSans.ttf",
    size: int = 40,
    mode: str = "L",
    ink: Colour = 0,
    paper: Colour = 255,
    box: tuple[int, int] = (1200, 300),
) -> Image.Image:
    image = Image.new(mode, box, paper)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 40 + i * int(size * 1.6)), line, fill=ink, font=font(face, size))
    return image


def text_of(parsed: ParsedDocument) -> str:
    return "\n".join(s.text for s in parsed.sections).lower()


def sixteen_bit() -> Image.Image:
    return slide().convert("I").point(lambda v: v * 257).convert("I;16")


def camera_photo(orientation: int, turn: Image.Transpose) -> bytes:
    """A JPEG stored as the sensor saw it (`turn`), with the EXIF orientation that tells a
    viewer how to show it upright."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    upright = slide(mode="RGB", ink=(0, 0, 0), paper=(255, 255, 255))
    return encoded(upright.transpose(turn), "JPEG", exif=exif.tobytes())


def scanner_tiff(orientation: int, turn: Image.Transpose, compression: str) -> bytes:
    """A TIFF page stored turned (`turn`), with the Orientation tag that tells a viewer how
    to show it upright, as a copier's scan-to-file writes."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(slide().transpose(turn), "TIFF", exif=exif, compression=compression)


READABLE: dict[str, Callable[[], bytes]] = {
    "sans": lambda: encoded(slide(), "PNG"),
    "serif": lambda: encoded(slide(face="DejaVuSerif.ttf"), "PNG"),
    "mono-bold": lambda: encoded(slide(face="DejaVuSansMono-Bold.ttf"), "PNG"),
    "condensed-oblique": lambda: encoded(slide(face="DejaVuSansCondensed-Oblique.ttf"), "PNG"),
    "small-type": lambda: encoded(slide(size=16, box=(560, 110)), "PNG"),
    "light-on-dark": lambda: encoded(slide(ink=255, paper=0), "PNG"),
    "white-on-brand-blue": lambda: encoded(
        slide(mode="RGB", ink=(255, 255, 255), paper=(20, 40, 120)), "PNG"
    ),
    "rotated-3-degrees": lambda: encoded(slide().rotate(3, expand=True, fillcolor=255), "PNG"),
    "low-resolution-upscaled": lambda: encoded(
        slide(size=14, box=(450, 100)).resize((1800, 400), Image.Resampling.NEAREST), "PNG"
    ),
    "palette": lambda: encoded(
        slide(mode="RGB", ink=(0, 0, 0), paper=(255, 255, 255)).convert("P"), "PNG"
    ),
    "one-bit": lambda: encoded(slide().convert("1"), "PNG"),
    "cmyk-jpeg": lambda: encoded(
        slide(mode="RGB", ink=(0, 0, 0), paper=(255, 255, 255)).convert("CMYK"), "JPEG"
    ),
    "16-bit-png": lambda: encoded(sixteen_bit(), "PNG"),
    "16-bit-tiff": lambda: encoded(sixteen_bit(), "TIFF"),
    "grey-with-alpha": lambda: encoded(slide(mode="LA", ink=(0, 255), paper=(255, 0)), "PNG"),
    "black-on-transparent": lambda: encoded(
        slide(mode="RGBA", ink=(0, 0, 0, 255), paper=(0, 0, 0, 0)), "PNG"
    ),
    "white-on-transparent": lambda: encoded(
        slide(mode="RGBA", ink=(255, 255, 255, 255), paper=(255, 255, 255, 0)), "PNG"
    ),
    "palette-with-transparency": lambda: encoded(
        slide(mode="RGBA", ink=(0, 0, 0, 255), paper=(0, 0, 0, 0)).convert("P"), "PNG"
    ),
    "exif-rotated-90": lambda: camera_photo(6, Image.Transpose.ROTATE_90),
    "exif-rotated-270": lambda: camera_photo(8, Image.Transpose.ROTATE_270),
    "exif-upside-down": lambda: camera_photo(3, Image.Transpose.ROTATE_180),
    "tiff-oriented-90": lambda: scanner_tiff(6, Image.Transpose.ROTATE_90, "raw"),
    "tiff-oriented-270-lzw": lambda: scanner_tiff(8, Image.Transpose.ROTATE_270, "tiff_lzw"),
    "tiff-oriented-180-deflate": lambda: scanner_tiff(
        3, Image.Transpose.ROTATE_180, "tiff_deflate"
    ),
    "small-sideways-jpeg": lambda: encoded(
        slide(face="DejaVuSansCondensed-Bold.ttf", size=22, box=(352, 179)).rotate(
            90, expand=True, fillcolor=255
        ),
        "JPEG",
    ),
    "small-type-upside-down": lambda: encoded(
        slide(face="DejaVuSerif-Italic.ttf", size=12, ink=255, paper=0, box=(192, 134)).rotate(
            180, fillcolor=0
        ),
        "PNG",
    ),
    "sideways-scan": lambda: encoded(slide().rotate(90, expand=True), "PNG"),
    "upside-down-scan": lambda: encoded(slide().rotate(180), "TIFF"),
    "cielab-tiff": lambda: encoded(
        slide(mode="RGB", ink=(0, 0, 0), paper=(255, 255, 255)).convert("LAB"), "TIFF"
    ),
    "tiff-group4": lambda: encoded(slide().convert("1"), "TIFF", compression="group4"),
    "tiff-jpeg": lambda: encoded(
        slide(mode="RGB", ink=(0, 0, 0), paper=(255, 255, 255)), "TIFF", compression="jpeg"
    ),
    "progressive-jpeg": lambda: encoded(
        slide(mode="RGB", ink=(0, 0, 0), paper=(255, 255, 255)), "JPEG", progressive=True
    ),
}


@pytest.mark.parametrize("make", READABLE.values(), ids=READABLE.keys())
def test_a_slide_screenshot_or_photo_is_read(tmp_path: Path, make: Callable[[], bytes]) -> None:
    parsed = parse(tmp_path, make())
    assert [s.location for s in parsed.sections] == ["page 1"]
    text = text_of(parsed)
    assert "pricing" in text
    assert "renewal" in text
    assert "ocr_used" in [w.code for w in parsed.warnings]


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        (
            ("Größere Rabatte für Kunden", "Bestätigung übermorgen"),
            ["größere", "für", "bestätigung", "übermorgen"],
        ),
        (
            ("Réunion à Genève, crème brûlée", "Reçu déjà envoyé"),
            ["réunion", "genève", "reçu", "déjà"],
        ),
        (("Señor Muñoz firmó el contrato", "Año próximo"), ["señor", "muñoz", "año", "próximo"]),
    ],
    ids=["german", "french", "spanish"],
)
def test_accented_letters_are_read_as_written(
    tmp_path: Path, lines: tuple[str, ...], words: list[str]
) -> None:
    text = text_of(parse(tmp_path, encoded(slide(lines), "PNG")))
    assert [w for w in words if w not in text] == []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF"])
def test_an_image_cut_short_keeps_what_arrived_with_a_warning(tmp_path: Path, fmt: str) -> None:
    whole = encoded(slide((*LINES, "", "", "", ""), box=(1200, 600)), fmt)
    parsed = parse(tmp_path, whole[: len(whole) * 2 // 3])
    assert "pricing" in text_of(parsed)
    assert [w.code for w in parsed.warnings] == ["ocr_used", "truncated"]


def test_blank_pages_are_not_sent_to_tesseract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []

    def counted(image: Image.Image, timeout: float) -> ocr.Recognised:
        calls.append(image)
        return ocr.Recognised("", None)

    monkeypatch.setattr(ocr, "recognise", counted)
    blank = Image.new("1", (64, 64), 1)
    parsed = parse(tmp_path, encoded(blank, "TIFF", save_all=True, append_images=[blank] * 9))
    assert calls == []
    assert [w.code for w in parsed.warnings] == ["no_text_found"]


def sof_claiming(content: bytes, width: int, height: int) -> bytes:
    """A JPEG whose frame header claims `width` x `height` pixels."""
    at = content.index(b"\xff\xc0") + 5
    return content[:at] + struct.pack(">HH", height, width) + content[at + 4 :]


def tiff_claiming(content: bytes, width: int, height: int) -> bytes:
    """A little-endian TIFF whose first page claims `width` x `height` pixels."""
    data = bytearray(content)
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):
        entry = ifd + 2 + 12 * i
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257):
            value = width if tag == 256 else height
            struct.pack_into("<H" if kind == 3 else "<I", data, entry + 8, value)
    return bytes(data)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (
            sof_claiming(encoded(Image.new("L", (64, 64), 255), "JPEG"), 60_000, 60_000),
            "image_too_large",
        ),
        (
            tiff_claiming(encoded(Image.new("1", (64, 64), 1), "TIFF"), 60_000, 60_000),
            "image_too_large",
        ),
        (b"\xff\xd8\xff", "corrupt_image"),
    ],
    ids=["jpeg-bomb", "tiff-bomb", "jpeg-marker-only"],
)
def test_hostile_images_are_refused_with_their_reason(
    tmp_path: Path, content: bytes, code: str
) -> None:
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, content)
    assert failure.value.code == code


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00" + b"\x00" * 100,
        b"\x7fELF\x02\x01\x01" + b"\x00" * 100,
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
    ],
    ids=["windows-executable", "elf", "heic"],
)
def test_executables_and_images_of_other_kinds_are_refused_at_upload(content: bytes) -> None:
    """HEIC is not an accepted kind (decision 0139; WebP, GIF, BMP and AVIF are, and have
    their own tests in test_ocr_webp_gif and test_ocr_bmp_avif): refused by its content,
    whatever its name, with `unsupported_file_type`, before any decoder sees it."""
    with pytest.raises(UnsupportedFileType):
        sniff(content, "slide.png")


def test_a_sideways_scan_between_text_pages_is_read_and_cited_by_its_page(
    tmp_path: Path,
) -> None:
    writer = PdfWriter()
    writer.append(io.BytesIO(pdf_bytes(["Enterprise pricing for the whole team"])))
    scan = slide(("Signed renewal appendix", "Countersigned by legal")).rotate(90, expand=True)
    writer.append(io.BytesIO(encoded(scan, "PDF", resolution=150)))
    writer.append(io.BytesIO(pdf_bytes(["Closing summary of the proposal"])))
    out = io.BytesIO()
    writer.write(out)
    parsed = parse(tmp_path, out.getvalue())
    pages = {s.location: s.text.lower() for s in parsed.sections}
    assert list(pages) == ["page 1", "page 2", "page 3"]
    assert "appendix" in pages["page 2"]
    assert "countersigned" in pages["page 2"]
    assert [w.code for w in parsed.warnings] == ["ocr_used"]
    assert "page 2" in parsed.warnings[0].message


def stamped_scan(stamp: str, picture: Image.Image) -> bytes:
    """A one-page PDF: `picture` as an image page (a scan) with `stamp` as its text layer,
    as a scanning app or copier stamps a footer or watermark onto the page."""
    scan = PdfWriter(clone_from=io.BytesIO(encoded(picture, "PDF", resolution=200)))
    scan.pages[0].merge_page(PdfReader(io.BytesIO(pdf_bytes([stamp]))).pages[0])
    out = io.BytesIO()
    scan.write(out)
    return out.getvalue()


SCAN = (("Signed renewal appendix", "Countersigned by legal"), (1700, 2200))


@pytest.mark.parametrize(
    "stamp",
    ["Scanned with CamScanner", "Page 3 of 12 - Confidential - ACME Corporation"],
    ids=["scanning-app-watermark", "copier-footer"],
)
def test_a_scan_with_a_stamped_text_layer_is_still_ocred(tmp_path: Path, stamp: str) -> None:
    lines, box = SCAN
    parsed = parse(tmp_path, stamped_scan(stamp, slide(lines, size=60, box=box)))
    text = text_of(parsed)
    assert stamp.lower() in text
    assert "renewal appendix" in text
    assert [w.code for w in parsed.warnings] == ["ocr_used"]


def test_a_text_page_with_a_small_logo_is_not_ocred(tmp_path: Path) -> None:
    page = PdfWriter(clone_from=io.BytesIO(pdf_bytes(["Pricing for the whole team, per seat"])))
    logo = PdfReader(io.BytesIO(encoded(slide(("ACME",), box=(200, 80)), "PDF")))
    page.pages[0].merge_transformed_page(logo.pages[0], Transformation().translate(380, 680))
    out = io.BytesIO()
    page.write(out)
    parsed = parse(tmp_path, out.getvalue())
    assert text_of(parsed) == "pricing for the whole team, per seat"
    assert parsed.warnings == []


def speckled(share: float, size: int = 40, box: tuple[int, int] = (1200, 300)) -> Image.Image:
    """A slide scanned with `share` of its pixels flipped to black or white (a fax, a dusty
    scanner glass)."""
    image = slide(size=size, box=box)
    pixels = image.load()
    assert pixels is not None
    noise = random.Random(1)  # noqa: S311  (a repeatable picture, not a secret)
    for _ in range(int(share * image.width * image.height)):
        xy = (noise.randrange(image.width), noise.randrange(image.height))
        pixels[xy] = noise.choice((0, 255))
    return image


@pytest.mark.parametrize(
    ("share", "size", "box"),
    [(0.08, 40, (1200, 300)), (0.17, 40, (1200, 300)), (0.17, 90, (2600, 700))],
    ids=["speckled", "heavily-speckled", "large-heavily-speckled"],
)
def test_a_speckled_scan_is_read(
    tmp_path: Path, share: float, size: int, box: tuple[int, int]
) -> None:
    text = text_of(parse(tmp_path, encoded(speckled(share, size, box), "PNG")))
    assert "pricing review" in text
    assert "renewal discount" in text


def test_second_looks_at_a_weak_page_stay_inside_its_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    timeouts: list[float] = []

    def slow_and_unsure(image: Image.Image, timeout: float) -> ocr.Recognised:
        timeouts.append(timeout)
        time.sleep(0.3)
        return ocr.Recognised("bl0rry", 20.0)

    monkeypatch.setattr(ocr, "recognise", slow_and_unsure)
    monkeypatch.setattr(ocr, "upright", lambda image, timeout: image.rotate(90, expand=True))
    hurried = ParseLimits(
        max_pages=50,
        max_text_chars=10_000,
        max_docx_uncompressed_bytes=1,
        ocr_page_timeout_seconds=1.0,
    )
    parsed = parse(tmp_path, encoded(slide(), "PNG"), hurried)
    # The first reading has the page's whole timeout, the despeckled one what is left; the
    # turned one would start with less than MIN_SECOND_LOOK_SECONDS and is not tried.
    assert len(timeouts) == 2
    assert timeouts[0] == 1.0
    assert timeouts[1] <= 0.7
    assert [w.code for w in parsed.warnings] == ["ocr_used", "ocr_low_confidence"]


def test_a_phone_photo_and_a_transparent_slide_graphic_are_found_by_page(
    files_client: FilesClient,
) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    photo = slide(
        ("Whiteboard kickoff plan", "Onboarding in March"),
        mode="RGB",
        ink=(0, 0, 0),
        paper=(255, 255, 255),
    )
    title = slide(
        ("Heron pipeline review", "Closed deals this quarter"),
        mode="RGBA",
        ink=(255, 255, 255, 255),
        paper=(255, 255, 255, 0),
    )
    uploads = {
        "whiteboard.jpg": (
            encoded(photo.transpose(Image.Transpose.ROTATE_90), "JPEG", exif=exif.tobytes()),
            "image/jpeg",
        ),
        "title.png": (encoded(title, "PNG"), "image/png"),
    }
    for name, (content, content_type) in uploads.items():
        record = files_client.ingest("acme", name, content, content_type)
        assert record["status"] == "ready", record
        assert [w["code"] for w in record["warnings"]] == ["ocr_used"]
    for query, name in (
        ("whiteboard onboarding", "whiteboard.jpg"),
        ("heron pipeline", "title.png"),
    ):
        hits = files_client.search("acme", query)
        assert (hits[0]["fileName"], hits[0]["location"]) == (name, "page 1")
