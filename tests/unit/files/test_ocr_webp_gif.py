"""WebP and GIF uploads (decision 0139): screenshots and slide captures saved from a browser
("save image" in Chrome and Edge), web tools, older screen capture tools and Slack. Each is
made here with Pillow (or, for thousands of frames, written byte by byte) and parsed as the
upload path parses it: read by OCR and cited by page like a PNG, or refused with the reason
a PNG, JPEG or TIFF of the same kind gets."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import GifImagePlugin, Image, ImageDraw, ImageFont, WebPImagePlugin

from engageiq_files.ingestion import ocr
from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.sections import ParsedDocument, ParseFailure, ParseLimits
from engageiq_files.uploads.sniffing import FileKind, UnsupportedFileType, sniff
from tests.unit.files.scans import LIMITS, encoded, parse
from tests.unit.files.support import FilesClient, pdf_bytes

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LINES = ("Quarterly pricing review", "Renewal discount applies")
WHITE, BLACK = (255, 255, 255), (0, 0, 0)
CLEAR = (0, 0, 0, 0)
"""Transparent, hiding black: what screenshot tools and Pillow write behind a cut-out."""
Colour = int | tuple[int, ...]


def face(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT.exists():
        return ImageFont.truetype(str(FONT), size)
    return ImageFont.load_default(size=size)


def slide(
    lines: tuple[str, ...] = LINES,
    *,
    mode: str = "RGB",
    ink: Colour = BLACK,
    paper: Colour = WHITE,
    box: tuple[int, int] = (1200, 300),
) -> Image.Image:
    image = Image.new(mode, box, paper)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 40 + i * 64), line, fill=ink, font=face(40))
    return image


def text_of(parsed: ParsedDocument) -> str:
    return "\n".join(s.text for s in parsed.sections).lower()


def codes(parsed: ParsedDocument) -> list[str]:
    return [w.code for w in parsed.warnings]


READABLE: dict[str, Callable[[], bytes]] = {
    "webp-lossy": lambda: encoded(slide(), "WEBP", quality=80),
    "webp-lossless": lambda: encoded(slide(), "WEBP", lossless=True),
    "webp-low-quality": lambda: encoded(slide(), "WEBP", quality=30),
    "webp-grey": lambda: encoded(slide(mode="L", ink=0, paper=255), "WEBP", quality=80),
    "webp-lossy-black-on-transparent": lambda: encoded(
        slide(mode="RGBA", ink=(*BLACK, 255), paper=CLEAR), "WEBP", quality=80
    ),
    "webp-lossless-white-on-transparent": lambda: encoded(
        slide(mode="RGBA", ink=(*WHITE, 255), paper=(*WHITE, 0)), "WEBP", lossless=True
    ),
    "webp-light-on-dark": lambda: encoded(slide(ink=WHITE, paper=(30, 30, 46)), "WEBP"),
    "gif-palette": lambda: encoded(slide().convert("P"), "GIF"),
    "gif87a-not-interlaced": lambda: encoded(slide().convert("P"), "GIF", interlace=False),
    "gif-black-on-transparent": lambda: encoded(
        slide(mode="RGBA", ink=(*BLACK, 255), paper=CLEAR), "GIF"
    ),
    "gif-white-on-transparent": lambda: encoded(
        slide(mode="RGBA", ink=(*WHITE, 255), paper=(*WHITE, 0)), "GIF"
    ),
    "gif-grey-black-on-transparent-index": lambda: encoded(
        slide(mode="L", ink=0, paper=1), "GIF", transparency=1
    ),
    "gif-brand-colours": lambda: encoded(
        slide(ink=(255, 255, 255), paper=(20, 40, 120)).convert("P"), "GIF"
    ),
}


@pytest.mark.parametrize("make", READABLE.values(), ids=READABLE.keys())
def test_a_webp_or_gif_screenshot_is_read_and_cited_by_page(
    tmp_path: Path, make: Callable[[], bytes]
) -> None:
    content = make()
    assert sniff(content[:65536], "screenshot") in (FileKind.WEBP, FileKind.GIF)
    parsed = parse(tmp_path, content)
    assert [s.location for s in parsed.sections] == ["page 1"]
    text = text_of(parsed)
    assert "pricing review" in text
    assert "renewal discount" in text
    assert codes(parsed) == ["ocr_used"]


@pytest.mark.parametrize(
    ("fmt", "mode", "ink", "hidden", "options"),
    [
        ("GIF", "L", 20, {"transparency": 0}, {}),
        ("PNG", "L", 20, {"transparency": 0}, {}),
        ("PNG", "RGB", (20, 20, 20), {"transparency": BLACK}, {}),
        ("GIF", "RGBA", (20, 20, 20, 255), {}, {}),
        ("WEBP", "RGBA", (20, 20, 20, 255), {}, {"lossless": True}),
    ],
    ids=["grey-gif", "grey-png-trns", "rgb-png-trns", "palette-gif", "webp-alpha"],
)
def test_a_transparent_background_hiding_black_becomes_white_paper(
    fmt: str, mode: str, ink: Colour, hidden: dict[str, Colour], options: dict[str, object]
) -> None:
    """Dark ink on a transparent background whose hidden colour is black: Tesseract must see
    dark ink on white paper, whatever mode the transparency is kept in (a GIF's transparent
    index, a PNG's tRNS colour, an alpha channel). A grey or RGB image with a transparent
    colour was converted as if opaque: ink 20 on black."""
    paper: Colour = 0 if mode == "L" else (BLACK if mode == "RGB" else CLEAR)
    content = encoded(slide(mode=mode, ink=ink, paper=paper), fmt, **hidden, **options)
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        seen = ocr.for_ocr(image)
    darkest, lightest = seen.getextrema()
    assert seen.getpixel((5, 5)) == lightest == 255  # the background: white paper
    assert not isinstance(darkest, tuple)  # one band: grey
    assert darkest <= 40  # the ink stays dark


def tiny_frames(count: int) -> bytes:
    """`count` GIF frames of one pixel each (a graphic control extension, an image
    descriptor and the smallest LZW stream), as a screen recorder writes the frames in which
    one pixel changed."""
    frame = (
        b"\x21\xf9\x04\x04\x02\x00\x00\x00"  # 20 ms, keep the frame before
        + b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00"
        + b"\x02\x02\x44\x01\x00"
    )
    return frame * count


def animated_gif(extra_frames: int) -> bytes:
    """A looping GIF: the slide, two frames with other words, then `extra_frames` tiny ones."""
    others = [slide(("Animation frame two", "Looping banner")), slide(("Third frame",))]
    made = encoded(slide(), "GIF", save_all=True, append_images=others, duration=40, loop=0)
    assert made.endswith(b"\x3b")
    return made[:-1] + tiny_frames(extra_frames) + b"\x3b"


def animated_webp(frames: int) -> bytes:
    """An animated WebP of `frames` frames: the slide, then frames with other words and a
    moving dot (no two alike, so the encoder keeps every one)."""
    later = []
    for i in range(1, frames):
        image = slide(("Animation frame two", "Looping banner"))
        ImageDraw.Draw(image).rectangle((i % 1000, 280, i % 1000 + 4, 284), fill=(200, 0, 0))
        later.append(image)
    return encoded(slide(), "WEBP", save_all=True, append_images=later, duration=20, quality=50)


@pytest.fixture
def frames_decoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The frames Pillow parses or decodes past the first: a GIF's frames are parsed one by
    one (`_seek`), a WebP's decoded one by one (`_get_next`)."""
    seen: list[int] = []
    gif_seek = GifImagePlugin.GifImageFile._seek
    webp_next = WebPImagePlugin.WebPImageFile._get_next

    def recorded_seek(self: GifImagePlugin.GifImageFile, frame: int, *args: object) -> None:
        seen.append(frame)
        gif_seek(self, frame, *args)  # type: ignore[arg-type]

    def recorded_next(self: WebPImagePlugin.WebPImageFile) -> tuple[bytes, int, int]:
        seen.append(len(seen))
        return webp_next(self)

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "_seek", recorded_seek)
    monkeypatch.setattr(WebPImagePlugin.WebPImageFile, "_get_next", recorded_next)
    return seen


@pytest.mark.parametrize(
    "make",
    [lambda: animated_gif(20_000), lambda: animated_webp(300)],
    ids=["gif-of-20003-frames", "webp-of-300-frames"],
)
def test_an_animated_gif_or_webp_is_one_page_and_later_frames_are_never_read(
    tmp_path: Path, make: Callable[[], bytes], frames_decoded: list[int]
) -> None:
    """Its frames are moments of one picture (like an animated PNG, decision 0135): the
    first is read, and no later frame is parsed or decoded, however many there are."""
    parsed = parse(tmp_path, make())
    assert [s.location for s in parsed.sections] == ["page 1"]
    text = text_of(parsed)
    assert "pricing review" in text
    assert "looping banner" not in text
    assert codes(parsed) == ["ocr_used"]
    assert frames_decoded == [0]


def webp_claiming(chunk: bytes, width: int, height: int) -> bytes:
    """A small WebP whose first chunk (`VP8X` canvas, `VP8L` lossless or `VP8 ` lossy
    frame) declares `width` x `height` pixels."""
    if chunk == b"VP8X":
        made = encoded(Image.new("RGBA", (64, 64), (*WHITE, 0)), "WEBP", quality=80)
    elif chunk == b"VP8L":
        made = encoded(Image.new("RGB", (64, 64), WHITE), "WEBP", lossless=True)
    else:
        made = encoded(Image.new("RGB", (64, 64), WHITE), "WEBP", quality=80)
    data = bytearray(made)
    assert data[12:16] == chunk
    if chunk == b"VP8X":
        data[24:27] = (width - 1).to_bytes(3, "little")
        data[27:30] = (height - 1).to_bytes(3, "little")
    elif chunk == b"VP8L":
        bits = struct.unpack_from("<I", data, 21)[0] & ~0x0FFF_FFFF
        struct.pack_into("<I", data, 21, bits | (width - 1) | (height - 1) << 14)
    else:
        struct.pack_into("<HH", data, 26, width, height)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    """A GIF whose screen and first image descriptor claim `width` x `height` pixels."""
    data = bytearray(encoded(Image.new("L", (64, 64), 255), "GIF"))
    struct.pack_into("<HH", data, 6, width, height)
    descriptor = data.index(b"\x2c")
    struct.pack_into("<HH", data, descriptor + 5, width, height)
    return bytes(data)


BOMBS = {
    # 49 MP: over the 40 MP bound, within Pillow's own error bound (twice it), where Pillow
    # let libwebp allocate the canvas and the file failed as damaged.
    "webp-canvas-49-mp": webp_claiming(b"VP8X", 7000, 7000),
    "webp-canvas-268-mp": webp_claiming(b"VP8X", 16_383, 16_383),
    "webp-lossless-49-mp": webp_claiming(b"VP8L", 7000, 7000),
    "webp-lossless-268-mp": webp_claiming(b"VP8L", 16_384, 16_384),
    "webp-lossy-268-mp": webp_claiming(b"VP8 ", 16_383, 16_383),
    "gif-49-mp": gif_claiming(7000, 7000),
    "gif-4-gigapixels": gif_claiming(65_000, 65_000),
}


@pytest.mark.parametrize("content", BOMBS.values(), ids=BOMBS.keys())
def test_a_webp_or_gif_declaring_too_many_pixels_is_refused_before_any_decoder_opens_it(
    tmp_path: Path, content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(args))
    assert len(content) < 1024
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, content)
    assert failure.value.code == "image_too_large"
    assert "40,000,000 pixels" in failure.value.message
    assert opened == []


def test_the_sandbox_refuses_a_webp_bomb_and_reads_an_animated_gif(tmp_path: Path) -> None:
    sandbox = ParserSandbox(LIMITS, timeout=20, memory_bytes=1024 * 1024 * 1024)
    path = tmp_path / "upload"
    path.write_bytes(BOMBS["webp-canvas-49-mp"])
    with pytest.raises(ParseFailure) as failure:
        sandbox.parse(str(path), "webp")
    assert failure.value.code == "image_too_large"
    path.write_bytes(animated_gif(100_000))
    parsed = sandbox.parse(str(path), "gif")
    assert "pricing review" in text_of(parsed)


@pytest.mark.parametrize(
    ("options", "share"),
    [({"quality": 80}, 0.99), ({"quality": 80}, 0.5), ({"lossless": True}, 0.66)],
    ids=["lossy-last-bytes-lost", "lossy-half", "lossless-two-thirds"],
)
def test_a_webp_cut_short_fails_as_corrupt_saying_it_ends_early(
    tmp_path: Path, options: dict[str, object], share: float
) -> None:
    """libwebp, through which Pillow reads every WebP, decodes nothing of a file whose chunks
    end early; the reason is a damaged image's, and the sentence says why."""
    whole = encoded(slide(box=(1200, 600)), "WEBP", **options)
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, whole[: int(len(whole) * share)])
    assert failure.value.code == "corrupt_image"
    assert "ends early" in failure.value.message


def test_a_gif_cut_short_keeps_what_arrived_with_a_warning(tmp_path: Path) -> None:
    whole = encoded(slide(box=(1200, 600)).convert("P"), "GIF", interlace=False)
    parsed = parse(tmp_path, whole[: len(whole) * 2 // 3])
    assert "pricing review" in text_of(parsed)
    assert codes(parsed) == ["ocr_used", "truncated"]


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a",
        b"GIF87a\x00\x04\x00\x03\xf7\x00\x00",
        encoded(slide().convert("P"), "GIF")[:40],
        b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8,
        b"RIFF\x00\x00\x00\x00WEBPVP8L\x05\x00\x00\x00\x2f\x00\x00\x00\x00",
        encoded(slide(), "WEBP")[:30],
    ],
    ids=[
        "gif-signature-only",
        "gif-screen-only",
        "gif-header-and-palette",
        "webp-empty-frame",
        "webp-lossless-no-data",
        "webp-header-only",
    ],
)
def test_a_damaged_webp_or_gif_fails_with_a_reason(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, content)
    assert failure.value.code == "corrupt_image"
    assert "/" not in failure.value.message


@pytest.mark.parametrize("name", ["slide.webp", "capture.gif"])
def test_a_file_named_webp_or_gif_is_sniffed_by_its_content(name: str) -> None:
    assert sniff(pdf_bytes(["Capybara onboarding plan"]), name) is FileKind.PDF
    for executable in (b"MZ\x90\x00\x03\x00" + b"\x00" * 64, b"\x7fELF\x02\x01\x01" + b"\x00" * 64):
        with pytest.raises(UnsupportedFileType):
            sniff(executable, name)
    # Other RIFF forms (a WAVE recording, an AVI video) are not WebP.
    with pytest.raises(UnsupportedFileType):
        sniff(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + b"\x00" * 32, name)
    assert sniff(encoded(slide(), "PNG"), name) is FileKind.PNG


def heic_head(brand: bytes) -> bytes:
    """The start of an HEIF file: its `ftyp` box with `brand` as the major brand."""
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x00\x00mif1heic" + b"\x00" * 64


@pytest.mark.parametrize("brand", [b"heic", b"heix", b"mif1", b"hevc"])
def test_an_heic_photo_is_refused_saying_to_send_jpeg(brand: bytes) -> None:
    with pytest.raises(UnsupportedFileType) as refused:
        sniff(heic_head(brand), "IMG_2041.HEIC")
    assert "JPEG" in str(refused.value)


def test_webp_and_gif_screenshots_are_uploaded_found_by_page_and_shown_inline(
    files_client: FilesClient,
) -> None:
    uploads = {
        "pipeline.webp": (
            encoded(slide(("Heron pipeline review", "Closed deals this quarter")), "WEBP"),
            "image/webp",
        ),
        "kickoff.gif": (
            encoded(
                slide(
                    ("Whiteboard kickoff plan", "Onboarding in March"),
                    mode="RGBA",
                    ink=(*BLACK, 255),
                    paper=CLEAR,
                ),
                "GIF",
            ),
            "image/gif",
        ),
    }
    assert_uploaded_found_and_shown_inline(
        files_client,
        uploads,
        {"heron pipeline": "pipeline.webp", "whiteboard onboarding": "kickoff.gif"},
    )


def assert_uploaded_found_and_shown_inline(
    files_client: FilesClient,
    uploads: dict[str, tuple[bytes, str]],
    searches: dict[str, str],
) -> None:
    """Upload each of `uploads` (name -> content, the content type it must be sniffed as)
    undeclared, and check it is `ready` by OCR and served back inline as itself; then each
    query of `searches` finds its file name first, cited as `page 1`."""
    for name, (content, content_type) in uploads.items():
        record = files_client.ingest("acme", name, content, "application/octet-stream")
        assert record["status"] == "ready", record
        assert record["contentType"] == content_type
        assert [w["code"] for w in record["warnings"]] == ["ocr_used"]
        served = files_client.get("acme", f"/api/files/{record['id']}/content")
        assert served.content == content
        assert served.headers["content-type"] == content_type
        assert served.headers["content-disposition"].startswith("inline;")
        assert served.headers["x-content-type-options"] == "nosniff"
    for query, name in searches.items():
        hits = files_client.search("acme", query)
        assert (hits[0]["fileName"], hits[0]["location"]) == (name, "page 1")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bomb.webp", BOMBS["webp-canvas-49-mp"], "image_too_large"),
        ("bomb.gif", BOMBS["gif-4-gigapixels"], "image_too_large"),
        ("cut.webp", encoded(slide(), "WEBP")[:200], "corrupt_image"),
    ],
)
def test_a_hostile_webp_or_gif_upload_fails_with_its_reason(
    files_client: FilesClient, name: str, content: bytes, reason: str
) -> None:
    record = files_client.ingest("acme", name, content, "image/webp")
    assert record["status"] == "failed"
    assert record["reasonCode"] == reason


def test_an_heic_upload_is_refused_with_its_sentence(files_client: FilesClient) -> None:
    response = files_client.upload("acme", "IMG_2041.HEIC", heic_head(b"heic"), "image/heic")
    assert response.status_code == 415
    body = response.json()
    assert body["code"] == "unsupported_file_type"
    assert "JPEG" in body["message"]


def test_limits_with_a_tiny_pixel_bound_still_read_a_small_gif(tmp_path: Path) -> None:
    """The declared-size check uses the file's limits, not a fixed figure."""
    small = ParseLimits(
        max_pages=50, max_text_chars=10_000, max_docx_uncompressed_bytes=1, max_image_pixels=400_000
    )
    assert "pricing review" in text_of(parse(tmp_path, encoded(slide(), "GIF"), small))
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, encoded(slide(box=(1200, 400)), "GIF"), small)
    assert failure.value.code == "image_too_large"
