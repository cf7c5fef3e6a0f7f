"""BMP and AVIF uploads (decision 0142): screenshots saved by Windows tools and old capture
programs (BMP), and photos and screenshots from phones, Chrome and image tools that save AVIF.
Each is made here with Pillow (or, for a BMP's other layouts, written from Pillow's by hand)
and parsed as the upload path parses it: read by OCR and cited by page like a PNG, or refused
with the reason a PNG, WebP or GIF of the same kind gets."""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, _avif

from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.sections import ParseFailure
from engageiq_files.uploads.sniffing import FileKind, UnsupportedFileType, sniff
from tests.unit.files.scans import LIMITS, encoded, parse
from tests.unit.files.support import FilesClient, pdf_bytes
from tests.unit.files.test_ocr_webp_gif import (
    BLACK,
    CLEAR,
    WHITE,
    assert_uploaded_found_and_shown_inline,
    codes,
    slide,
    text_of,
)

LOWER_LINES = ("Closed deals this quarter", "Signed by the customer")


def bmp_rows(content: bytes) -> tuple[int, int, int, int]:
    """(pixel data offset, width, height, row stride in bytes) of a BMP with a 40-byte
    header, as Pillow writes it."""
    (offset,) = struct.unpack_from("<I", content, 10)
    width, height, _, bits = struct.unpack_from("<iiHH", content, 18)
    return offset, width, height, (bits * width + 31) // 32 * 4


def top_down(content: bytes) -> bytes:
    """A BMP stored top row first (a negative height), as some capture tools write it."""
    offset, _, height, stride = bmp_rows(content)
    rows = [content[offset + y * stride : offset + (y + 1) * stride] for y in range(height)]
    flipped = bytearray(content[:offset] + b"".join(reversed(rows)))
    struct.pack_into("<i", flipped, 22, -height)
    return bytes(flipped)


def rle8(image: Image.Image) -> bytes:
    """`image` (palette or grey) as an 8-bit run-length encoded BMP (compression 1): each row,
    bottom first, as runs of one index, then an end-of-line code; an end-of-bitmap code."""
    palette_image = image.convert("P") if image.mode != "P" else image
    plain = encoded(palette_image, "BMP")
    offset, width, height, _ = bmp_rows(plain)
    pixels = palette_image.tobytes()
    body = bytearray()
    for y in range(height - 1, -1, -1):
        row = pixels[y * width : (y + 1) * width]
        x = 0
        while x < width:
            run = 1
            while x + run < width and run < 255 and row[x + run] == row[x]:
                run += 1
            body += bytes((run, row[x]))
            x += run
        body += b"\x00\x00"
    body += b"\x00\x01"
    out = bytearray(plain[:offset] + body)
    struct.pack_into("<I", out, 2, len(out))
    struct.pack_into("<I", out, 30, 1)  # compression: RLE8
    struct.pack_into("<I", out, 34, len(body))
    return bytes(out)


def bmp_32_bit_alpha(image: Image.Image, alpha: int) -> bytes:
    """`image` as a 32-bit BMP with a BITMAPV4HEADER whose bit fields name an alpha channel,
    every pixel's alpha byte `alpha`: GDI-based tools write 0 there, meaning opaque."""
    rgba = image.convert("RGB")
    rgba.putalpha(alpha)
    width, height = rgba.size
    rows = [rgba.crop((0, y, width, y + 1)).tobytes("raw", "BGRA") for y in range(height)]
    pixels = b"".join(reversed(rows))
    info = struct.pack("<IiiHHIIiiII", 108, width, height, 1, 32, 3, len(pixels), 2835, 2835, 0, 0)
    info += struct.pack("<IIII", 0xFF0000, 0xFF00, 0xFF, 0xFF000000) + b"\x00" * 52
    offset = 14 + len(info)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + pixels


def with_brands(content: bytes, major: bytes, compatible: tuple[bytes, ...]) -> bytes:
    """An AVIF from Pillow with its `ftyp` box rewritten to name `major` and `compatible`
    brands, the last repeated to keep the box's size (the item locations after it are
    offsets in the file)."""
    size = int(struct.unpack_from(">I", content, 0)[0])
    count = (size - 16) // 4
    assert len(compatible) <= count
    listed = b"".join(compatible) + compatible[-1] * (count - len(compatible))
    return content[:8] + major + b"\x00\x00\x00\x00" + listed + content[size:]


def animated_avif(first: Image.Image, *later: Image.Image) -> bytes:
    return encoded(first, "AVIF", save_all=True, append_images=list(later), duration=100)


READABLE: dict[str, Callable[[], bytes]] = {
    "bmp-24-bit": lambda: encoded(slide(), "BMP"),
    "bmp-8-bit-palette": lambda: encoded(slide().convert("P"), "BMP"),
    "bmp-1-bit": lambda: encoded(slide().convert("1"), "BMP"),
    "bmp-grey": lambda: encoded(slide(mode="L", ink=0, paper=255), "BMP"),
    "bmp-light-on-dark": lambda: encoded(slide(ink=WHITE, paper=(30, 30, 46)), "BMP"),
    "bmp-top-down": lambda: top_down(encoded(slide(), "BMP")),
    "bmp-rle8": lambda: rle8(slide().convert("P")),
    "bmp-32-bit-alpha-left-0": lambda: bmp_32_bit_alpha(slide(), 0),
    "bmp-32-bit-opaque-alpha": lambda: bmp_32_bit_alpha(slide(), 255),
    "avif-q80": lambda: encoded(slide(), "AVIF", quality=80),
    "avif-q30": lambda: encoded(slide(), "AVIF", quality=30),
    "avif-grey": lambda: encoded(slide(mode="L", ink=0, paper=255), "AVIF"),
    "avif-black-on-transparent": lambda: encoded(
        slide(mode="RGBA", ink=(*BLACK, 255), paper=CLEAR), "AVIF"
    ),
    "avif-white-on-transparent": lambda: encoded(
        slide(mode="RGBA", ink=(*WHITE, 255), paper=(*WHITE, 0)), "AVIF"
    ),
    "avif-major-brand-mif1": lambda: with_brands(
        encoded(slide(), "AVIF"), b"mif1", (b"mif1", b"miaf", b"avif")
    ),
    "avif-animated": lambda: animated_avif(slide(), slide(("Animation frame two",))),
}


@pytest.mark.parametrize("make", READABLE.values(), ids=READABLE.keys())
def test_a_bmp_or_avif_screenshot_is_read_and_cited_by_page(
    tmp_path: Path, make: Callable[[], bytes]
) -> None:
    content = make()
    assert sniff(content[:65536], "screenshot.png") in (FileKind.BMP, FileKind.AVIF)
    parsed = parse(tmp_path, content)
    assert [s.location for s in parsed.sections] == ["page 1"]
    text = text_of(parsed)
    assert "pricing review" in text
    assert "renewal discount" in text
    assert "animation" not in text  # an animation is its first frame
    assert codes(parsed) == ["ocr_used"]


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"BMW fleet pricing for 2027\nRenewal in March\n", FileKind.TXT),
        (b"BM is our account manager's initials; call her about renewal pricing.", FileKind.TXT),
    ],
    ids=["bmw", "bm-initials"],
)
def test_text_starting_with_bm_stays_text(head: bytes, kind: FileKind) -> None:
    assert sniff(head, "notes.txt") is kind


@pytest.mark.parametrize(
    "content",
    [
        b"BM" + b"\x00" * 12 + struct.pack("<I", 9999) + b"\x00" * 64,  # no known DIB header
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00isommp42" + b"\x00" * 64,  # an MP4 video
    ],
    ids=["bmp-bogus-dib-header", "mp4-video"],
)
def test_a_bogus_bmp_or_a_video_is_refused_at_upload(content: bytes) -> None:
    with pytest.raises(UnsupportedFileType):
        sniff(content, "slide.bmp")


@pytest.mark.parametrize("name", ["slide.bmp", "photo.avif"])
def test_a_file_named_bmp_or_avif_is_sniffed_by_its_content(name: str) -> None:
    assert sniff(pdf_bytes(["Capybara onboarding plan"]), name) is FileKind.PDF
    with pytest.raises(UnsupportedFileType):
        sniff(b"MZ\x90\x00\x03\x00" + b"\x00" * 64, name)
    assert sniff(encoded(slide(), "PNG"), name) is FileKind.PNG


@pytest.mark.parametrize(
    "brands",
    [(b"heic", (b"mif1", b"heic")), (b"mif1", (b"mif1", b"heic")), (b"msf1", (b"msf1", b"hevc"))],
    ids=["heic", "mif1-heic", "msf1-hevc"],
)
def test_an_heic_photo_is_still_refused_saying_to_send_jpeg(
    brands: tuple[bytes, tuple[bytes, ...]],
) -> None:
    """HEIF's generic brands (`mif1`, `msf1`) are an AVIF's too: only a file naming `avif` or
    `avis` is read; any other HEIF is an HEIC photo and keeps its sentence (decision 0139)."""
    major, compatible = brands
    head = with_brands(encoded(Image.new("RGB", (8, 8), WHITE), "AVIF"), major, compatible)
    with pytest.raises(UnsupportedFileType) as refused:
        sniff(head, "IMG_2041.HEIC")
    assert "JPEG" in str(refused.value)


def bmp_claiming(width: int, height: int, *, header: int = 40, compression: int = 0) -> bytes:
    """A small BMP whose DIB header (`header` bytes: 12 for OS/2, 40, 108 or 124) claims
    `width` x `height` pixels, followed by a few bytes of run-length data ending every row
    after one pixel (an end-of-line code: Pillow pads each row one byte at a time)."""
    if header == 12:
        info = struct.pack("<IHHHH", 12, width, height, 1, 8)
    else:
        info = struct.pack("<IiiHHI", header, width, height, 1, 8, compression)
        info += b"\x00" * (header - len(info))
    palette = bytes(range(256)) * 4 if header != 12 else b"\x00" * 768
    body = b"\x01\x05\x00\x00" * 64 + b"\x00\x01"
    offset = 14 + len(info) + len(palette)
    return b"BM" + struct.pack("<IHHI", offset + len(body), 0, 0, offset) + info + palette + body


def avif_claiming(width: int, height: int) -> bytes:
    """A small AVIF whose image item's `ispe` property claims `width` x `height` pixels."""
    data = bytearray(encoded(Image.new("RGB", (64, 64), WHITE), "AVIF"))
    at = data.index(b"ispe")
    struct.pack_into(">II", data, at + 8, width, height)
    return bytes(data)


BOMBS = {
    # 49 MP: over the 40 MP bound, within Pillow's error bound of twice it.
    "bmp-49-mp": bmp_claiming(7000, 7000),
    "bmp-top-down-3-gigapixels": bmp_claiming(60_000, -60_000),
    "bmp-os2-header-4-gigapixels": bmp_claiming(65_535, 65_535, header=12),
    "bmp-v5-header-49-mp": bmp_claiming(7000, 7000, header=124),
    # A run-length "bomb": 4 bytes a row make Pillow's decoder pad 40,000 bytes one by one.
    "bmp-rle8-eol-bomb-40-mp-and-a-row": bmp_claiming(40_000, 1001, compression=1),
    "avif-49-mp": avif_claiming(7000, 7000),
    "avif-3-gigapixels": avif_claiming(60_000, 60_000),
    "avif-absurd": avif_claiming(0xFFFF_FFFF, 0xFFFF_FFFF),
}


@pytest.mark.parametrize("content", BOMBS.values(), ids=BOMBS.keys())
def test_a_bmp_or_avif_declaring_too_many_pixels_is_refused_before_any_decoder_opens_it(
    tmp_path: Path, content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(args))
    assert len(content) < 2048
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, content)
    assert failure.value.code == "image_too_large"
    assert "40,000,000 pixels" in failure.value.message
    assert opened == []


@pytest.mark.parametrize(
    "content",
    [
        bmp_claiming(40_000, 1000, compression=1),
        bmp_claiming(3841, 2160, compression=2),
        bmp_claiming(2160, -3841, compression=1),
    ],
    ids=["rle8-40-mp", "rle4-over-4k", "rle8-top-down-over-4k"],
)
def test_a_run_length_bmp_over_a_4k_screen_is_refused_before_any_decoder_opens_it(
    tmp_path: Path, content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pillow decodes run-length data in Python, padding a row ended early byte by byte: a
    5 KB file of 40 MP (within the image bound) took 6 s. It is read up to a 4K screen."""
    opened: list[object] = []
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(args))
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, content)
    assert failure.value.code == "image_too_large"
    assert "run-length compressed BMP" in failure.value.message
    assert opened == []


def test_a_run_length_bmp_of_a_4k_screen_is_read(tmp_path: Path) -> None:
    screen = Image.new("P", (3840, 2160), 255)
    screen.putpalette([value for grey in range(256) for value in (grey, grey, grey)])
    screen.paste(slide().convert("L"), (200, 200))
    assert "pricing review" in text_of(parse(tmp_path, rle8(screen)))


@functools.cache
def avif_sequence_of_6400_square_frames() -> bytes:
    """A 1.5 KB animated AVIF of two blank 6,400 x 6,400 frames (41 MP, over the bound)."""
    blank = Image.new("L", (6400, 6400), 255)
    return encoded(blank, "AVIF", save_all=True, append_images=[blank], speed=10, quality=10)


def test_an_avif_sequence_larger_than_its_boxes_say_is_refused_before_a_frame_is_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An image sequence's frames are as large as its AV1 sequence header says, whatever its
    `ispe` and `av01` boxes claim. libavif reads that header when Pillow opens the file (no
    pixel decoded), and Pillow checks the size it gets before returning the image: the file
    fails `image_too_large` and no frame is decoded."""
    data = bytearray(avif_sequence_of_6400_square_frames())
    struct.pack_into(">II", data, data.index(b"ispe") + 8, 64, 64)
    struct.pack_into(">HH", data, data.index(b"av01") + 28, 64, 64)
    decoded: list[int] = []
    real = _avif.AvifDecoder

    class RecordedDecoder:
        def __init__(self, *args: object) -> None:
            self.decoder = real(*args)

        def get_info(self) -> object:
            return self.decoder.get_info()

        def get_frame(self, index: int) -> object:
            decoded.append(index)
            return self.decoder.get_frame(index)

    monkeypatch.setattr(_avif, "AvifDecoder", RecordedDecoder)
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, bytes(data))
    assert failure.value.code == "image_too_large"
    assert decoded == []


def test_the_sandbox_refuses_bmp_and_avif_bombs_and_reads_an_rle_bmp(tmp_path: Path) -> None:
    sandbox = ParserSandbox(LIMITS, timeout=20, memory_bytes=1024 * 1024 * 1024)
    path = tmp_path / "upload"
    for kind, bomb in (("bmp", BOMBS["bmp-49-mp"]), ("avif", BOMBS["avif-3-gigapixels"])):
        path.write_bytes(bomb)
        with pytest.raises(ParseFailure) as failure:
            sandbox.parse(str(path), kind)
        assert failure.value.code == "image_too_large"
    path.write_bytes(avif_sequence_of_6400_square_frames())
    with pytest.raises(ParseFailure) as failure:
        sandbox.parse(str(path), "avif")
    assert failure.value.code == "image_too_large"
    path.write_bytes(rle8(slide().convert("P")))
    assert "pricing review" in text_of(sandbox.parse(str(path), "bmp"))


def two_part_slide() -> Image.Image:
    """A 1200 x 600 slide with two lines near its top and two near its bottom."""
    image = slide(box=(1200, 600))
    lower = slide(LOWER_LINES, box=(1200, 200))
    image.paste(lower.crop((0, 0, 1200, 200)), (0, 400))
    return image


@pytest.mark.parametrize(
    ("make", "arrived", "lost"),
    [
        # Rows stored bottom first (a positive height): the bottom of the picture arrives.
        (lambda: encoded(two_part_slide(), "BMP"), "closed deals", "pricing review"),
        (lambda: encoded(two_part_slide().convert("P"), "BMP"), "closed deals", "pricing review"),
        (lambda: top_down(encoded(two_part_slide(), "BMP")), "pricing review", "closed deals"),
    ],
    ids=["bmp-24-bit", "bmp-8-bit", "bmp-top-down"],
)
def test_a_bmp_cut_short_keeps_the_rows_that_arrived_with_a_warning(
    tmp_path: Path, make: Callable[[], bytes], arrived: str, lost: str
) -> None:
    """A BMP cut at half its pixel data holds the half of the picture stored first: the
    bottom half of most BMPs. Pillow leaves the rest black; read with it, the black block
    hid the rows that arrived."""
    whole = make()
    offset = bmp_rows(whole)[0]
    parsed = parse(tmp_path, whole[: offset + (len(whole) - offset) // 2])
    text = text_of(parsed)
    assert arrived in text
    assert lost not in text
    assert codes(parsed) == ["ocr_used", "truncated"]


@pytest.mark.parametrize("share", [0.99, 0.7, 0.3, 0.05])
def test_an_avif_cut_short_fails_as_corrupt_saying_it_ends_early(
    tmp_path: Path, share: float
) -> None:
    """libavif decodes nothing of an image whose data ends early; the reason is a damaged
    image's, and the sentence says why (as a WebP's, decision 0139)."""
    whole = encoded(slide(box=(1200, 600)), "AVIF")
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, whole[: int(len(whole) * share)])
    assert failure.value.code == "corrupt_image"
    assert "ends early" in failure.value.message
    assert "AVIF" in failure.value.message


def damaged_avif_data() -> bytes:
    """A whole AVIF whose AV1 data is overwritten with noise (its boxes intact)."""
    data = bytearray(encoded(slide(), "AVIF"))
    mdat = data.index(b"mdat") + 4
    data[mdat + 8 :] = bytes((i * 37 + 11) % 256 for i in range(len(data) - mdat - 8))
    return bytes(data)


@pytest.mark.parametrize(
    "content",
    [
        encoded(slide(), "BMP")[:30],
        bmp_claiming(64, 64, compression=7),
        b"BM"
        + struct.pack("<IHHI", 200, 0, 0, 0xFFFF_FFF0)
        + struct.pack("<IiiHH", 40, 8, 8, 1, 24),
        encoded(slide(), "AVIF")[:40],
        damaged_avif_data(),
    ],
    ids=[
        "bmp-header-only",
        "bmp-unknown-compression",
        "bmp-data-offset-past-the-end",
        "avif-ftyp-only",
        "avif-noise-for-data",
    ],
)
def test_a_damaged_bmp_or_avif_fails_with_a_reason(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, content)
    assert failure.value.code == "corrupt_image"
    assert "/" not in failure.value.message


def test_bmp_and_avif_screenshots_are_uploaded_found_by_page_and_shown_inline(
    files_client: FilesClient,
) -> None:
    uploads = {
        "pipeline.bmp": (
            encoded(slide(("Heron pipeline review", "Closed deals this quarter")), "BMP"),
            "image/bmp",
        ),
        "kickoff.avif": (
            encoded(slide(("Whiteboard kickoff plan", "Onboarding in March")), "AVIF"),
            "image/avif",
        ),
    }
    assert_uploaded_found_and_shown_inline(
        files_client,
        uploads,
        {"heron pipeline": "pipeline.bmp", "whiteboard onboarding": "kickoff.avif"},
    )


def test_the_upload_limits_list_bmp_and_avif_as_images_read_by_ocr(
    files_client: FilesClient,
) -> None:
    """The web app's accepted-types text and file picker come from this list."""
    response = files_client.get("acme", "/api/files/upload-limits")
    types = {t["kind"]: t for t in response.json()["types"]}
    assert types["bmp"]["contentType"] == "image/bmp"
    assert ".bmp" in types["bmp"]["extensions"]
    assert types["avif"] == {
        "kind": "avif",
        "label": "AVIF",
        "contentType": "image/avif",
        "extensions": [".avif"],
        "ocr": True,
    }
    assert types["bmp"]["ocr"] is True


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bomb.bmp", BOMBS["bmp-rle8-eol-bomb-40-mp-and-a-row"], "image_too_large"),
        ("bomb.avif", BOMBS["avif-3-gigapixels"], "image_too_large"),
        ("cut.avif", encoded(slide(), "AVIF")[:300], "corrupt_image"),
    ],
)
def test_a_hostile_bmp_or_avif_upload_fails_with_its_reason(
    files_client: FilesClient, name: str, content: bytes, reason: str
) -> None:
    record = files_client.ingest("acme", name, content, "image/bmp")
    assert record["status"] == "failed"
    assert record["reasonCode"] == reason
