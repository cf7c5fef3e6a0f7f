"""OCR with Debian's Tesseract (through pytesseract), for uploaded images (PNG, JPEG, TIFF,
WebP, GIF, BMP, AVIF: decisions 0104, 0139, 0142) and PDF pages without a text layer
(decision 0104). Runs inside the parser sandbox: Tesseract is a child of the sandboxed
process and inherits its address-space bound; each page has its own timeout, and every image
is checked against a pixel bound before it is decoded.

Warnings: `ocr_used` (the text came from OCR and may hold recognition errors),
`ocr_low_confidence` (pages whose mean word confidence is low), `no_text_found` (OCR read
nothing), `pages_skipped` (a page OCR could not finish) and `truncated` (the OCR page cap or
time budget)"""

from __future__ import annotations

import os
import struct
import time
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final, cast

import pytesseract
from PIL import AvifImagePlugin, Image, ImageFile, ImageFilter, ImageOps, ImageStat

from engageiq_files.ingestion.sections import (
    IngestWarning,
    ParseFailure,
    ParseLimits,
    Section,
    page_list,
)

LANGUAGES: Final = "fra+spa+deu+eng"
"""Tesseract's language data used for every page: French, Spanish, German, English. The
first is Tesseract's main model: with English first, "für" and "Bestätigung" lost their
umlauts; this order read the most words of a French, Spanish, German and English set (the
English words all the same)."""
LOW_CONFIDENCE: Final = 60.0
"""Mean word confidence (0-100) below which a page gets `ocr_low_confidence`."""


@dataclass(frozen=True, slots=True)
class Recognised:
    text: str
    confidence: float | None
    """Mean confidence (0-100) of the words read; None when no word was read."""


MIN_SECOND_LOOK_SECONDS: Final = 0.5
"""Time a second look at a weak page needs left of the page's timeout to be tried."""
SMALL_IMAGE_PIXELS: Final = 1_000_000
"""A weak page at most this large (a screenshot crop, a thumbnail) is also read at twice its
size, and turned every way rather than as orientation detection suggests."""


TESSERACT_MAX_SIDE: Final = 32767
"""Pixels along either side of an image Tesseract reads at most: past it, it fails with
"Image too large" (Tesseract 5). A phone's scrolling screenshot or a long banner, within
`max_image_pixels`, can be longer."""
OSD_TIMEOUT_SECONDS: Final = 5.0
"""Time orientation detection may take on one page (at most a quarter of the page's timeout);
it took 0.4-0.8 s on an A4 page at 200 dpi."""


class OcrPageFailed(Exception):
    """One page could not be OCRed (timeout, Tesseract error); the other pages go on."""

    def __init__(self, *, timed_out: bool) -> None:
        super().__init__("timed out" if timed_out else "Tesseract failed")
        self.timed_out = timed_out


def recognise(image: Image.Image, timeout: float) -> Recognised:
    """Text of `image` in reading order (lines joined by newlines) and its mean confidence.
    Raises OcrPageFailed after `timeout` seconds or on a Tesseract error, and ParseFailure
    `ocr_unavailable` when Tesseract is not installed."""
    # One thread: the machine's cores are shared by every parse, and Tesseract's OpenMP
    # threads make small pages slower, not faster.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    gray = image.convert("L")
    try:
        data = pytesseract.image_to_data(
            gray, lang=LANGUAGES, timeout=timeout, output_type=pytesseract.Output.DICT
        )
    except pytesseract.TesseractNotFoundError:
        raise ParseFailure(
            "ocr_unavailable", "Text recognition (OCR) is not available on this server."
        ) from None
    except pytesseract.TesseractError as exc:  # a RuntimeError too: caught first
        raise OcrPageFailed(timed_out=False) from exc
    except RuntimeError as exc:
        # pytesseract raises RuntimeError on its timeout; its text does not reach people.
        raise OcrPageFailed(timed_out=True) from exc
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences: list[float] = []
    for i, word in enumerate(data["text"]):
        word = word.strip()
        if not word:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(word)
        confidence = float(data["conf"][i])
        if confidence >= 0:
            confidences.append(confidence)
    text = "\n".join(" ".join(words) for words in lines.values())
    mean = sum(confidences) / len(confidences) if confidences else None
    return Recognised(text, mean)


def upright(image: Image.Image, timeout: float) -> Image.Image | None:
    """`image` turned upright as Tesseract's orientation detection (OSD) suggests (a scan fed
    the wrong way, a photo without EXIF); None when it finds the image upright, has too
    little text to tell, or fails. Its confidence is not trusted either way: on a small
    sideways slide it was 0.25 for the right turn, so the caller reads the turned image and
    keeps whichever reading is more confident."""
    try:
        osd = pytesseract.image_to_osd(image, timeout=timeout, output_type=pytesseract.Output.DICT)
    except (RuntimeError, pytesseract.TesseractError):
        return None  # "Too few characters": nothing to turn
    except pytesseract.TesseractNotFoundError:
        return None  # the reading that follows says OCR is unavailable
    turn = int(osd.get("rotate", 0)) % 360
    if turn == 0:
        return None
    # OSD's `rotate` is clockwise; Pillow's rotate is counter-clockwise.
    return image.rotate(-turn, expand=True)


def for_ocr(image: Image.Image) -> Image.Image:
    """`image` as Tesseract should see it: upright by its EXIF orientation (a phone photo is
    stored as the sensor saw it), and greyscale with any transparency flattened onto a
    background that contrasts with the ink. A slide graphic is often black or white text on
    a transparent background, whose hidden colour is usually black: converted naively,
    black text on transparent black becomes black on black."""
    opaque_bmp = image.format == "BMP" and _alpha_all_zero(image)
    image = ImageOps.exif_transpose(image)
    if opaque_bmp:
        # 32-bit BMP writers that leave the alpha byte 0 mean no transparency: browsers show
        # such a file opaque (Chromium's BMP decoder), while Pillow read it as wholly
        # transparent, a blank page.
        return image.convert("RGB").convert("L")
    if image.mode == "LAB":
        # A CIELab TIFF (colour scanners, archives): Pillow converts it to nothing else, and
        # its first band is the lightness Tesseract needs.
        return image.getchannel("L")
    # A transparent colour or palette entry (`transparency`: a GIF's, a PNG's tRNS) counts
    # in any mode: a grey or RGB one was dropped, and a screenshot whose transparent
    # background hides black read as nothing.
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if not transparent:
        return image.convert("L")
    luminance, alpha = image.convert("LA").split()
    if alpha.getextrema()[1] == 0:
        return Image.new("L", image.size, 255)  # fully transparent: nothing drawn
    ink = ImageStat.Stat(luminance, mask=alpha).mean[0]
    paper = Image.new("L", image.size, 255 if ink < 128 else 0)
    return Image.composite(luminance, paper, alpha)


def _alpha_all_zero(image: Image.Image) -> bool:
    """Whether `image` has an alpha channel that is 0 everywhere."""
    return image.mode == "RGBA" and image.getchannel("A").getextrema()[1] == 0


def within_tesseract(gray: Image.Image, scale: float = 1.0) -> Image.Image:
    """`gray` scaled by `scale`, less where needed for its longer side to fit
    `TESSERACT_MAX_SIDE`. A 1,000 x 36,000 screenshot is read at 91% of its size (letters of
    40 px become 36 px, still well read) rather than not at all: it failed `ocr_failed`."""
    scale = min(scale, TESSERACT_MAX_SIDE / max(gray.size))
    if scale == 1.0:
        return gray
    size = (max(1, int(gray.width * scale)), max(1, int(gray.height * scale)))
    return gray.resize(size, Image.Resampling.LANCZOS)


def blank(image: Image.Image) -> bool:
    """Whether every pixel of greyscale `image` has the same value: no text to recognise."""
    low, high = image.getextrema()
    return bool(low == high)


def check_pixels(size: tuple[int, int], limits: ParseLimits) -> None:
    """Raise ParseFailure `image_too_large` when an image of `size` (width, height) holds
    more than `limits.max_image_pixels`: decoding it could need gigabytes (a few-KB PNG can
    claim 50,000 x 50,000 pixels)."""
    width, height = size
    if width * height > limits.max_image_pixels:
        raise ParseFailure(
            "image_too_large",
            f"The image is {width:,} x {height:,} pixels; at most "
            f"{limits.max_image_pixels:,} pixels can be read.",
        )


HEADER_BYTES: Final = 30
"""Bytes of a file's start that `declared_size` needs for a WebP (its first chunk header and
the size fields it carries, RFC 9649, 2.5-2.7), a GIF or a BMP."""
BOX_HEADER_BYTES: Final = 64 * 1024
"""Bytes of an AVIF's start in which `declared_size` looks for the sizes its boxes declare:
the `meta` box follows `ftyp` (libavif, Pillow and browsers' encoders write it there, a few
hundred bytes long)."""
_MAX_BOXES: Final = 1024
"""ISO-BMFF boxes `declared_size` and `_cut_short` look at, at most: a file of millions of
empty boxes costs no more than a real one."""
_BOX_CONTAINERS: Final = {
    b"meta": 4,
    b"iprp": 0,
    b"ipco": 0,
    b"moov": 0,
    b"trak": 0,
    b"mdia": 0,
    b"minf": 0,
    b"stbl": 0,
    b"stsd": 8,
}
"""Boxes holding the ones that declare sizes (ISO/IEC 14496-12, 23008-12), with the bytes
before their first child: a full box's version and flags, and `stsd`'s entry count."""


def declared_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) that a WebP, GIF, BMP or AVIF file declares in its first bytes
    (`HEADER_BYTES`, `BOX_HEADER_BYTES` for AVIF), before any decoder sees it; None for other
    kinds or a header too short to say. A WebP's canvas (`VP8X`: 24-bit width and height less
    one), or its single frame's size (`VP8L`: 14-bit fields after the 0x2f signature; `VP8 `:
    14-bit fields after the key frame's start code), RFC 9649; a GIF's logical screen (GIF89a,
    section 18); a BMP's DIB header (16-bit fields in the 12-byte OS/2 header, else signed
    32-bit ones, a negative height meaning rows stored top-down); the largest size an AVIF's
    boxes declare (`_avif_declared_size`). libwebp's decoder, which Pillow creates when it
    opens the file, allocates twice the canvas at 4 bytes a pixel: a 7,000 x 7,000 canvas
    (49 MP, within Pillow's own error bound of twice `max_image_pixels`) failed as a damaged
    image in Pillow, not as too large."""
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP" and len(head) >= HEADER_BYTES:
        return _webp_declared_size(head)
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack_from("<HH", head, 6)
        return width, height
    if head.startswith(b"BM") and len(head) >= 26:
        if struct.unpack_from("<I", head, 14)[0] == 12:
            width, height = struct.unpack_from("<HH", head, 18)
            return width, height
        width, height = struct.unpack_from("<ii", head, 18)
        return abs(width), abs(height)
    if head[4:8] == b"ftyp":
        return _avif_declared_size(head)
    return None


def _webp_declared_size(head: bytes) -> tuple[int, int] | None:
    """The canvas or frame size a WebP's first chunk declares (see `declared_size`)."""
    chunk = head[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = struct.unpack_from("<I", head, 21)[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", head, 26)
        return width & 0x3FFF, height & 0x3FFF
    return None


def _avif_declared_size(head: bytes) -> tuple[int, int] | None:
    """The largest (width, height) the boxes in `head` declare: every image item's `ispe`
    property (ISO/IEC 23008-12, 6.5.3: the primary image, its alpha plane, a grid and its
    tiles, thumbnails) and every `av01` sample entry of an image sequence's tracks (ISO/IEC
    14496-12, 12.1.3); None when none is in `head`. The AV1 data can declare another size
    (an image sequence's sequence header): libavif reads it when Pillow opens the file, and
    Pillow checks it before any frame is decoded (`open_image`)."""
    sizes: list[tuple[int, int]] = []
    for kind, start, end in _boxes(head, 0, len(head)):
        if kind == b"ispe" and end - start >= 12:
            sizes.append(struct.unpack_from(">II", head, start + 4))
        elif kind == b"av01" and end - start >= 28:
            sizes.append(struct.unpack_from(">HH", head, start + 24))
    return max(sizes, key=lambda size: size[0] * size[1], default=None)


def _boxes(data: bytes, at: int, end: int, depth: int = 0) -> Iterator[tuple[bytes, int, int]]:
    """(type, content start, content end) of the ISO-BMFF boxes in `data[at:end]` and, depth
    first, of those inside the containers of `_BOX_CONTAINERS`; at most `_MAX_BOXES` boxes a
    level and 8 levels deep. A box running past `end` is cut to it."""
    for _ in range(_MAX_BOXES):
        if at + 8 > end:
            return
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1 and at + 16 <= end:
            size, header = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = end - at  # the last box: up to the end of the file
        if size < header:
            return  # damaged: Pillow says so
        box_end = min(at + size, end)
        yield kind, at + header, box_end
        skip = _BOX_CONTAINERS.get(kind)
        if skip is not None and depth < 8:
            yield from _boxes(data, at + header + skip, box_end, depth + 1)
        at += size


def _cut_short(head: bytes, file: BinaryIO) -> str | None:
    """The kind ("WebP", "AVIF") of a container file that is shorter than its header says,
    read from its first bytes `head`: a RIFF file (WebP) whose length field (RFC 9649, 2.4:
    the file's size less 8) says more, or an ISO-BMFF file (AVIF) one of whose top-level
    boxes runs past the end. None for other kinds and for whole files."""
    size = file.seek(0, os.SEEK_END)
    if head.startswith(b"RIFF") and len(head) >= 8:
        (length,) = struct.unpack_from("<I", head, 4)
        return "WebP" if size < int(length) + 8 else None
    if head[4:8] != b"ftyp":
        return None
    at = 0
    for _ in range(_MAX_BOXES):
        if at + 8 > size:
            return None if at == size else "AVIF"
        file.seek(at)
        box = file.read(16)
        (length,) = struct.unpack_from(">I", box, 0)
        if length == 1 and len(box) == 16:
            (length,) = struct.unpack_from(">Q", box, 8)
        if length == 0:
            return None  # runs to the end of the file, wherever it is
        if length < 8 or at + length > size:
            return "AVIF" if length >= 8 else None
        at += length
    return None


def open_image(file: BinaryIO, limits: ParseLimits) -> Image.Image:
    """The image in `file` (open for reading; the caller closes it), opened (header read,
    pixels not yet decoded). Raises ParseFailure `image_too_large` (decompression bombs,
    checked against the size a WebP or GIF declares before Pillow reads it, and against what
    Pillow reads for every kind) or `corrupt_image`.

    A file, not its path: given a path, Pillow 13 decodes a TIFF page whose Orientation tag
    turns it (a copier's sideways scan) at the stored size instead of the turned one, and
    the pixels come out sheared; given an open file, it turns the page right."""
    # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; both are refused. The
    # setting is per process, and each parse has its own sandbox process.
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    # libavif decodes with a thread a core unless told; the cores are shared by every parse
    # (as for Tesseract, `recognise`).
    AvifImagePlugin.DEFAULT_MAX_THREADS = 1
    head = file.read(BOX_HEADER_BYTES)
    file.seek(0)
    if (size := declared_size(head)) is not None:
        check_pixels(size, limits)
        if _bmp_run_length(head):
            check_run_length_pixels(size)
    try:
        image = _header(file, lenient=False)
    except ParseFailure as failure:
        if failure.code != "corrupt_image":
            raise
        _raise_if_cut_short(head, file)
        # A PNG one of whose ancillary chunks before the pixels (text, colour profile, EXIF)
        # has a wrong checksum: viewers (libpng) drop that chunk and show the picture;
        # Pillow skips it only when told to tolerate damage. Critical chunks stay checked.
        file.seek(0)
        image = _header(file, lenient=True)
    check_pixels(image.size, limits)
    return image


MAX_RUN_LENGTH_BMP_PIXELS: Final = 3840 * 2160
"""Pixels of a run-length compressed BMP (RLE8, RLE4) read at most: a 4K screen. Pillow
decodes those in Python, padding a row ended early one byte at a time: a 5 KB file declaring
40,000 x 1,000 pixels, each row ended after one, took 6.2-6.6 s to decode on the shared 2-core
machine (10.4 s parsed, `bench/ocr_image_kinds.py`); at a 4K screen's size, 1.3-1.4 s.
Capture tools and Paint write BMPs uncompressed, bounded like any image."""


def _bmp_run_length(head: bytes) -> bool:
    """Whether `head` starts a BMP whose pixels are run-length compressed (BITMAPINFOHEADER
    and later: compression 1, RLE8, or 2, RLE4)."""
    if not head.startswith(b"BM") or len(head) < 34:
        return False
    header_size, compression = struct.unpack_from("<I", head, 14)[0], head[30:34]
    return header_size >= 40 and int.from_bytes(compression, "little") in (1, 2)


def check_run_length_pixels(size: tuple[int, int]) -> None:
    """Raise ParseFailure `image_too_large` when a run-length compressed BMP of `size` holds
    more than `MAX_RUN_LENGTH_BMP_PIXELS`."""
    width, height = size
    if width * height > MAX_RUN_LENGTH_BMP_PIXELS:
        raise ParseFailure(
            "image_too_large",
            f"The image is a run-length compressed BMP of {width:,} x {height:,} pixels; at "
            f"most {MAX_RUN_LENGTH_BMP_PIXELS:,} pixels of one can be read. Save it as PNG.",
        )


def _raise_if_cut_short(head: bytes, file: BinaryIO) -> None:
    """Raise ParseFailure `corrupt_image` saying the file ends early when `file` (first bytes
    `head`), which could not be read, is a WebP or an AVIF shorter than its header says.
    libwebp's demuxer, through which Pillow reads every WebP, refuses a file whose chunks end
    early, and libavif one whose boxes do (or decodes nothing of an image whose data was cut):
    nothing of either can be read until it is whole."""
    kind = _cut_short(head, file)
    file.seek(0)
    if kind is not None:
        raise ParseFailure(
            "corrupt_image",
            "The image file ends early (its upload or copy stopped part way), and "
            f"nothing of {'an' if kind == 'AVIF' else 'a'} {kind} image can be read until it "
            "is whole.",
        ) from None


def _header(file: BinaryIO, *, lenient: bool) -> Image.Image:
    """`file` opened by Pillow (see `open_image`), tolerating damage Pillow can skip when
    `lenient` (switched on only while the header is read)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            ImageFile.LOAD_TRUNCATED_IMAGES = lenient
            try:
                return Image.open(file)
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = False
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ParseFailure(
            "image_too_large", "The image has too many pixels to be read safely."
        ) from None
    except MemoryError:
        raise
    except Exception:
        # UnidentifiedImageError, OSError, SyntaxError, struct.error...: a damaged header.
        raise ParseFailure("corrupt_image", "The image is damaged or not a valid image.") from None


def _weak(result: Recognised) -> bool:
    """Whether a reading found no words or only uncertain ones."""
    return result.confidence is None or result.confidence < LOW_CONFIDENCE


def _second_looks(
    gray: Image.Image, turned: Image.Image | None, first: Recognised
) -> Iterator[Image.Image]:
    """Other versions of a page whose first reading was weak, most likely first. A small page
    (a screenshot crop, a thumbnail) with speckle removed (a 3x3 median: a fax or a dusty
    scanner glass hides the letters from Tesseract's layout analysis), at twice its size
    (Tesseract misreads letters under about 20 pixels), and in each other orientation (too
    few letters for orientation detection). A large page that was read `turned` as
    orientation detection suggested (`page_upright`) is read as it came, in case the
    detection was wrong; then, as it reads best, with speckle removed. Nothing for a
    confident reading; the caller stops once a reading is confident or the page's time is
    up."""
    if not _weak(first):
        return
    if gray.width * gray.height <= SMALL_IMAGE_PIXELS:
        yield _despeckled(gray)
        larger = within_tesseract(gray, 2.0)
        yield larger
        for angle in (180, 90, 270):
            yield larger.rotate(angle, expand=True)
        return
    if turned is not None:
        yield gray
    yield _despeckled(turned if turned is not None else gray)


def page_upright(gray: Image.Image, timeout: float) -> Image.Image | None:
    """A large page (over `SMALL_IMAGE_PIXELS`) turned as orientation detection suggests,
    before it is read at all; None when it is upright, too small for detection, or the
    detection fails. A page scanned sideways was not always read weakly: turned 270
    degrees, an A4 page of 20 lines read with a mean confidence of 94, half its lines
    without their numbers and none whole; turned 90 or 180 degrees, its reading took 8 to
    26 s (past the page timeout on a busy machine) for a weak result. Detection itself took
    0.4-0.8 s and named the right turn for pages of 3, 5 and 20 lines in every direction,
    and never turned an upright one; a wrong turn costs a second reading, not the text
    (`_second_looks`)."""
    if gray.width * gray.height <= SMALL_IMAGE_PIXELS:
        return None
    return upright(gray, min(OSD_TIMEOUT_SECONDS, timeout / 4))


def _despeckled(gray: Image.Image) -> Image.Image:
    return gray.filter(ImageFilter.MedianFilter(3))


class OcrPages:
    """Collects what OCR did over the pages of one file and turns it into warnings."""

    def __init__(self) -> None:
        self.read: list[int] = []
        self.low: list[int] = []
        self.failed: list[int] = []
        self.timed_out = False
        """Whether a page in `failed` ran out of time (else Tesseract stopped with an error)."""
        self.empty: list[int] = []
        self.seconds = 0.0

    def page(self, number: int, image: Image.Image, limits: ParseLimits) -> str:
        """The OCR text of page `number` ("" when none or when the page failed). A blank page
        is not sent to Tesseract; a large page is turned first as orientation detection
        suggests (`page_upright`); a page read with low confidence (or not at all) gets
        second looks (`_second_looks`) within the same page timeout, and the most confident
        reading is kept."""
        gray = within_tesseract(for_ocr(image))
        if blank(gray):
            self.empty.append(number)
            return ""
        started = time.monotonic()
        timeout = limits.ocr_page_timeout_seconds
        deadline = started + timeout
        try:
            turned = page_upright(gray, timeout)
            if turned is not None:
                timeout = deadline - time.monotonic()
            result = recognise(turned if turned is not None else gray, timeout)
            for candidate in _second_looks(gray, turned, result):
                left = deadline - time.monotonic()
                if left < MIN_SECOND_LOOK_SECONDS:
                    break
                try:
                    again = recognise(candidate, left)
                except OcrPageFailed:
                    break  # out of time for this page: the first reading stands
                if (again.confidence or 0.0) > (result.confidence or 0.0):
                    result = again
                if not _weak(result):
                    break
        except OcrPageFailed as failure:
            self.failed.append(number)
            self.timed_out = self.timed_out or failure.timed_out
            return ""
        finally:
            self.seconds += time.monotonic() - started
        if not result.text.strip():
            self.empty.append(number)
            return ""
        self.read.append(number)
        if _weak(result):
            self.low.append(number)
        return result.text

    def over_budget(self, limits: ParseLimits) -> bool:
        return self.seconds >= limits.ocr_budget_seconds

    def warnings(self) -> Iterator[IngestWarning]:
        if self.read:
            yield IngestWarning(
                "ocr_used",
                f"The text of page {page_list(self.read)} was recognised from an image (OCR) "
                "and may contain recognition errors.",
            )
        if self.low:
            yield IngestWarning(
                "ocr_low_confidence",
                f"Text recognition was uncertain on page {page_list(self.low)}; "
                "some words may be wrong or missing.",
            )
        if self.failed:
            yield IngestWarning(
                "pages_skipped",
                f"Text recognition could not finish page {page_list(self.failed)}; "
                f"{'it is' if len(self.failed) == 1 else 'they are'} not searchable.",
            )


def parse_image(path: str, limits: ParseLimits) -> Iterator[Section | IngestWarning]:
    """OCR of every page of a TIFF, or the one picture of a PNG, JPEG, WebP, GIF, BMP or AVIF
    (`pages`; an animation's first frame holding text, `_FrameReader.later_frames`), as
    `page N` sections, at most `limits.max_ocr_pages` pages and `limits.ocr_budget_seconds`
    of OCR. An image in which OCR finds no text yields only a `no_text_found` warning: the
    file is `ready`, not failed. An image cut short (an upload or a copy that stopped) is
    read as far as it arrived, with a `truncated` warning, when that part holds text."""
    ocr = OcrPages()
    with open(path, "rb") as file, open_image(file, limits) as image:
        frames = _FrameReader(ocr, limits, path)
        try:
            yield from frames.read(image)
        except ParseFailure as failure:
            if failure.code == "corrupt_image":
                # libavif parses a cut AVIF's boxes and fails only when it decodes the frame.
                file.seek(0)
                _raise_if_cut_short(file.read(BOX_HEADER_BYTES), file)
            raise
    if ocr.failed and not ocr.read and not ocr.empty:
        # A Tesseract error is not a timeout: said as one, it sent people to retry later.
        raise ParseFailure(
            "ocr_failed",
            "Text recognition (OCR) could not finish on this image in time."
            if ocr.timed_out
            else "Text recognition (OCR) stopped with an error on this image.",
        )
    yield from ocr.warnings()
    if ocr.empty and not ocr.read and not ocr.failed:
        yield IngestWarning("no_text_found", "No text was found in the image.")
    if frames.cut_short:
        yield IngestWarning(
            "truncated",
            f"The file ends early, inside page {page_list(frames.cut_short)}; only the part "
            "of the picture that arrived was read.",
        )
    if frames.done < frames.count:
        if frames.counted_all:
            total, rest = f"{frames.count}", f"pages {frames.done + 1}-{frames.count}"
        else:
            total, rest = f"more than {frames.count:,}", f"page {frames.done + 1} and later"
        yield IngestWarning(
            "truncated",
            f"Only the first {frames.done} of {total} pages were read; {rest} are not searchable.",
        )


MAX_COUNTED_PAGES: Final = 10_000
"""TIFF pages counted at most (about 0.3 s of directory reading); a warning says "more than"
beyond it. Pillow's `n_frames` reads every page's directory: a 20 MB TIFF of 200,000 empty
pages took longer than the whole parse timeout before the first page was read."""


def pages(image: Image.Image) -> tuple[int, bool]:
    """How many pages `image` holds, and whether that is all of them: a TIFF's frames,
    counted up to `MAX_COUNTED_PAGES` (or up to a page whose directory is damaged, where
    reading will stop too), and one for any other kind. The further frames of a JPEG, PNG,
    WebP or GIF are not pages: a phone's JPEG (MPO) carries a preview or a depth map of the
    same picture after it, read as a "page 2" repeating page 1, and the frames of an
    animated PNG, WebP or GIF are moments of one picture (decision 0139: a screen recording
    saved as a GIF can hold thousands)."""
    if image.format != "TIFF":
        return 1, True
    count = 1
    try:
        while count <= MAX_COUNTED_PAGES:
            image.seek(count)
            count += 1
        return MAX_COUNTED_PAGES, False
    except EOFError:
        return count, True
    except MemoryError:
        raise
    except Exception:
        return count, True  # a damaged directory: the pages before it are read
    finally:
        image.seek(0)


MAX_LATER_FRAMES: Final = 48
"""Frames after the first of an animated GIF, WebP, AVIF or PNG that are decoded, at most,
when the first frame holds no text (a slide that fades in, a title drawn after a blank
opening): two seconds at 24 frames a second, five at the 10 a screen-capture GIF records.
Frames past it are never parsed (decision 0139: a screen recording can hold a million)."""
LATER_FRAME_PIXELS: Final = 4
"""Pixels decoded over those later frames, at most, in multiples of `max_image_pixels`: 48
frames of a 1 MP slide, 4 of a 40 MP one."""
MIN_FRAME_CONTRAST: Final = 4.0
"""Standard deviation of a later frame's grey levels below which it is not read: a frame
whose only change is a cursor or a few pixels (0.4 for one pixel of a 1280 x 360 slide) holds
no text, while two words of 20 px type on a 1920 x 1080 screen give about 11."""
LATER_FRAMES_READ: Final = 2
"""Later frames read by OCR at most: the most contrasted ones (a blank or faded frame has
little contrast; a drawn title or slide the most), so a fade-in costs two readings, not 48."""
_ANIMATIONS: Final = frozenset(("GIF", "WEBP", "AVIF", "PNG"))
"""Pillow formats whose further frames are moments of one picture (decision 0139)."""


class _FrameReader:
    """Reads the frames (pages) of one image: how many it has, how many were read, and which
    were cut short by the end of the file."""

    def __init__(self, ocr: OcrPages, limits: ParseLimits, path: str) -> None:
        self.ocr = ocr
        self.limits = limits
        self.path = path
        self.count = 0
        self.counted_all = True
        self.done = 0
        self.cut_short: list[int] = []

    def read(self, image: Image.Image) -> Generator[Section | IngestWarning, None, None]:
        """Yields the sections of `image`'s frames."""
        ocr, limits = self.ocr, self.limits
        try:
            self.count, self.counted_all = pages(image)
            for number in range(1, min(self.count, limits.max_ocr_pages) + 1):
                if ocr.over_budget(limits):
                    break
                # Seek only to a page that is read: the frame after the last one read is
                # never parsed (a GIF's next frame is decoded over the one before).
                if number > 1:
                    image.seek(number - 1)
                # A later TIFF page can be far larger than the first, which Pillow checked.
                check_pixels(image.size, limits)
                text = ocr.page(number, self._load(number, image), limits)
                self.done = number
                if text:
                    yield Section(f"page {number}", text)
        except ParseFailure:
            raise
        except MemoryError:
            raise
        except Exception:
            # Pillow's decoders raise many types (OSError, SyntaxError, struct.error, ...) on
            # corrupt pixel data: what was read so far stays, if anything.
            if not ocr.read and not ocr.empty:
                raise ParseFailure(
                    "corrupt_image", "The image is damaged or not a valid image."
                ) from None
            yield IngestWarning(
                "pages_skipped",
                f"The image is damaged after page {self.done}; the rest is not searchable.",
            )
        if self.cut_short and not ocr.read:
            # What arrived holds no text: most likely a header and little else.
            raise ParseFailure(
                "corrupt_image",
                "The image file ends early (its upload or copy stopped part way), and too "
                "little of the picture arrived to be read.",
            )
        if ocr.empty == [1] and self.count == 1 and image.format in _ANIMATIONS:
            yield from self.later_frames(image)

    def later_frames(self, image: Image.Image) -> Iterator[Section]:
        """The text of an animation whose first frame held none, as its `page 1`: the frames
        after it are decoded up to `MAX_LATER_FRAMES` (and `LATER_FRAME_PIXELS`), and the
        `LATER_FRAMES_READ` most contrasted ones that are not blank are read, most contrasted
        first, until one holds text. A later frame that is damaged, cut short or too large
        ends the search; the file stays `ready` with `no_text_found`."""
        limits = self.limits
        candidates = _contrasted_frames(image, limits)
        later = OcrPages()
        for gray in candidates:
            if self.ocr.over_budget(limits) or later.seconds + self.ocr.seconds >= (
                limits.ocr_budget_seconds
            ):
                break
            text = later.page(1, gray, limits)
            if text:
                self.ocr.empty.remove(1)
                self.ocr.read.append(1)
                self.ocr.low.extend(later.low)
                self.ocr.seconds += later.seconds
                yield Section("page 1", text)
                return
        self.ocr.seconds += later.seconds

    def _load(self, number: int, frame: Image.Image) -> Image.Image:
        """`frame` with its pixels decoded. A frame whose data ends early is decoded as far as
        it goes, noted in `cut_short`, and reduced to the rows that arrived (`_arrived`).
        Other damage raises."""
        try:
            frame.load()
            return frame
        except OSError as exc:
            if "truncated" not in str(exc):
                raise
        self.cut_short.append(number)
        try:
            # Fresh opens: Pillow's PNG reader cannot decode an interlaced image a second
            # time on the same object (each load adds to its decoder's arguments).
            first, second = (self._decoded_onto(number, fill) for fill in (0, 255))
            return _arrived(first, _rows_written(first, second))
        except MemoryError:
            raise
        except Exception:  # noqa: S110
            pass
        # Not decoded twice: decoded as far as it goes once, and cropped above the rows that
        # never arrived (Pillow leaves them black, and a black block hides the text above
        # them from Tesseract's page layout).
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        try:
            frame.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = False
        box = frame.convert("L").getbbox()
        return frame if box is None else frame.crop((0, 0, frame.width, box[3]))

    def _decoded_onto(self, number: int, fill: int) -> Image.Image:
        """Frame `number` of the file, cut short, decoded as far as it goes onto a canvas of
        `fill` (`_decode_truncated`), from an image opened again."""
        with open(self.path, "rb") as again:
            image = _header(again, lenient=False)
            image.seek(number - 1)
            if not isinstance(image, ImageFile.ImageFile):
                raise TypeError(image)  # every format Pillow opens from a file is one
            _decode_truncated(image, fill)
            return image


def _contrasted_frames(image: Image.Image, limits: ParseLimits) -> list[Image.Image]:
    """The `LATER_FRAMES_READ` most contrasted frames after the first of animation `image`
    (most contrasted first, as Tesseract should see them), those under `MIN_FRAME_CONTRAST`
    left out, looked for
    among at most `MAX_LATER_FRAMES` frames and `LATER_FRAME_PIXELS` times
    `max_image_pixels` pixels; only frames before a damaged, cut or too large one."""
    budget = LATER_FRAME_PIXELS * limits.max_image_pixels
    candidates: list[tuple[float, int, Image.Image]] = []
    for index in range(1, MAX_LATER_FRAMES + 1):
        try:
            image.seek(index)
            budget -= image.width * image.height
            if budget < 0 or image.width * image.height > limits.max_image_pixels:
                break
            image.load()
        except EOFError:
            break  # the last frame
        except MemoryError:
            raise
        except Exception:
            # Pillow's decoders raise many types; the frames before a damaged one count.
            break
        gray = for_ocr(image)
        contrast = ImageStat.Stat(gray).stddev[0]
        if contrast < MIN_FRAME_CONTRAST:
            continue  # blank, or a cursor that moved
        candidates.append((contrast, index, gray))
        candidates.sort(key=lambda candidate: (-candidate[0], candidate[1]))
        del candidates[LATER_FRAMES_READ:]
    return [gray for _, _, gray in candidates]


def _decode_truncated(frame: ImageFile.ImageFile, fill: int) -> None:
    """Decodes `frame`, whose data ends early, as far as it goes onto a canvas of `fill`.
    Pillow leaves the pixels that never arrived as the canvas was (zeros); decoded onto two
    canvases, they are the pixels that differ (`_rows_written`). Pillow's switch for
    truncated data is per process; each parse has its own sandbox process, and it is switched
    off again at once."""
    prepare = frame.load_prepare

    def onto_fill() -> None:
        prepare()  # creates the canvas (a GIF's with its transparent colour)
        frame.im.paste(fill, (0, 0, *frame.im.size))

    frame.load_prepare = onto_fill  # type: ignore[method-assign]
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        frame.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        del frame.load_prepare


_ROW_BAND: Final = 256
"""Rows compared at a time by `_rows_written`: two 40 MP images' bytes at once would double
the memory a page needs."""


def _rows_written(first: Image.Image, second: Image.Image) -> list[bool]:
    """Whether each row of a frame cut short was decoded in full: the same bytes in `first`
    and `second`, the frame decoded onto two different canvases (`_decode_truncated`)."""
    written: list[bool] = []
    for top in range(0, first.height, _ROW_BAND):
        box = (0, top, first.width, min(top + _ROW_BAND, first.height))
        one, two = first.crop(box).tobytes(), second.crop(box).tobytes()
        stride = len(one) // (box[3] - top)
        written.extend(
            one[at : at + stride] == two[at : at + stride] for at in range(0, len(one), stride)
        )
    return written


def _arrived(frame: Image.Image, written: list[bool]) -> Image.Image:
    """The part of a frame cut short that is really there, rows `written` in full: the
    longest run of rows in which no two neighbours are both missing, each missing row filled
    with the one above it, as browsers show an interlaced image while it loads. A file cut
    short arrives from the top (or, a BMP, from the bottom); an interlaced GIF or PNG has
    every second row or more once three of its four passes (six of PNG's seven) arrived, and
    then reads as well as whole at 40 px letters. With only every fourth row or fewer
    (Pillow leaves the rest black), Tesseract read "nricina" for "pricing": those rows are
    not read. A part that stops inside a line of text (or, arrived from the bottom, starts
    inside one) loses that line's cut half (`_whole_lines`). A blank 1 x 1 image when no two
    neighbouring rows arrived."""
    best = (0, 0)
    y = 0
    while y < len(written):
        if not written[y]:
            y += 1
            continue
        end = y + 1
        while end < len(written) and (written[end] or written[end - 1]):
            end += 1
        if end - y > best[1] - best[0]:
            best = (y, end)
        y = end
    top, bottom = best
    if bottom - top < 2:
        return Image.new("L", (1, 1), 255)
    part = frame.crop((0, top, frame.width, bottom))
    for y in range(1, part.height):
        if not written[top + y]:
            part.paste(part.crop((0, y - 1, part.width, y)), (0, y))
    return _whole_lines(part, cut_above=top > 0, cut_below=bottom < len(written))


PLAIN_ROW_RANGE: Final = 24
"""Grey levels a row between lines of text may span (a plain background, with a lossy
format's noise): the place to end a part of an image that was cut short."""


def _whole_lines(part: Image.Image, *, cut_above: bool, cut_below: bool) -> Image.Image:
    """`part` of a frame cut short without the cut half line of text at its lower edge (and
    its upper one, `cut_above`): up to the last plain row (`PLAIN_ROW_RANGE`) before the
    edge. The top half of "pricing" read as "nricing", of "quarterly" as "ouarterlv". Kept
    whole when no row is plain (a photo)."""
    gray = part.convert("L")

    def plain(y: int) -> bool:
        low, high = cast("tuple[int, int]", gray.crop((0, y, gray.width, y + 1)).getextrema())
        return high - low <= PLAIN_ROW_RANGE

    top, bottom = 0, part.height
    if cut_below:
        bottom = next((y + 1 for y in range(part.height - 1, -1, -1) if plain(y)), bottom)
    if cut_above:
        top = next((y for y in range(bottom) if plain(y)), 0)
    return part if (top, bottom) == (0, part.height) else part.crop((0, top, part.width, bottom))
