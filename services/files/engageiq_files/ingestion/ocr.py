"""OCR with Debian's Tesseract (through pytesseract), for uploaded images (PNG, JPEG, TIFF,
WebP, GIF: decisions 0104, 0139) and PDF pages without a text layer (decision 0104). Runs
inside the parser sandbox: Tesseract is a child of the sandboxed process and inherits its
address-space bound; each page has its own timeout, and every image is checked against a
pixel bound before it is decoded.

Warnings: `ocr_used` (the text came from OCR and may hold recognition errors),
`ocr_low_confidence` (pages whose mean word confidence is low), `no_text_found` (OCR read
nothing), `pages_skipped` (a page OCR could not finish) and `truncated` (the OCR page cap or
time budget)."""

from __future__ import annotations

import os
import struct
import time
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final

import pytesseract
from PIL import Image, ImageFile, ImageFilter, ImageOps, ImageStat

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
    image = ImageOps.exif_transpose(image)
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
"""Bytes of a file's start that `declared_size` reads: a WebP's first chunk header and the
size fields it carries (RFC 9649, 2.5-2.7)."""


def declared_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) that a WebP or GIF file declares in its first `HEADER_BYTES` bytes,
    before any decoder sees it; None for other kinds or a header too short to say. A WebP's
    canvas (`VP8X`: 24-bit width and height less one), or its single frame's size (`VP8L`:
    14-bit fields after the 0x2f signature; `VP8 `: 14-bit fields after the key frame's
    start code), RFC 9649; a GIF's logical screen (GIF89a, section 18). libwebp's decoder,
    which Pillow creates when it opens the file, allocates twice the canvas at 4 bytes a
    pixel: a 7,000 x 7,000 canvas (49 MP, within Pillow's own error bound of twice
    `max_image_pixels`) failed as a damaged image in Pillow, not as too large."""
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP" and len(head) >= HEADER_BYTES:
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
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack_from("<HH", head, 6)
        return width, height
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
    head = file.read(HEADER_BYTES)
    file.seek(0)
    if (size := declared_size(head)) is not None:
        check_pixels(size, limits)
    try:
        image = _header(file, lenient=False)
    except ParseFailure as failure:
        if failure.code != "corrupt_image":
            raise
        if _riff_cut_short(head, file):
            # libwebp's demuxer, through which Pillow reads every WebP, refuses a file
            # whose chunks end early: nothing of a cut WebP can be decoded.
            raise ParseFailure(
                "corrupt_image",
                "The image file ends early (its upload or copy stopped part way), and "
                "nothing of a WebP image can be read until it is whole.",
            ) from None
        # A PNG one of whose ancillary chunks before the pixels (text, colour profile, EXIF)
        # has a wrong checksum: viewers (libpng) drop that chunk and show the picture;
        # Pillow skips it only when told to tolerate damage. Critical chunks stay checked.
        file.seek(0)
        image = _header(file, lenient=True)
    check_pixels(image.size, limits)
    return image


def _riff_cut_short(head: bytes, file: BinaryIO) -> bool:
    """Whether `file`, whose first bytes are `head`, is a RIFF file (WebP) shorter than its
    header's length field says (RFC 9649, 2.4: the file's size less 8)."""
    if not head.startswith(b"RIFF") or len(head) < 8:
        return False
    (length,) = struct.unpack_from("<I", head, 4)
    return file.seek(0, os.SEEK_END) < int(length) + 8


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
    """OCR of every page of a TIFF, or the one picture of a PNG, JPEG, WebP or GIF (`pages`),
    as `page N` sections, at most
    `limits.max_ocr_pages` pages and `limits.ocr_budget_seconds` of OCR. An image in which
    OCR finds no text yields only a `no_text_found` warning: the file is `ready`, not failed.
    An image cut short (an upload or a copy that stopped) is read as far as it arrived, with
    a `truncated` warning, when that part holds text."""
    ocr = OcrPages()
    with open(path, "rb") as file, open_image(file, limits) as image:
        frames = _FrameReader(ocr, limits)
        yield from frames.read(image)
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


class _FrameReader:
    """Reads the frames (pages) of one image: how many it has, how many were read, and which
    were cut short by the end of the file."""

    def __init__(self, ocr: OcrPages, limits: ParseLimits) -> None:
        self.ocr = ocr
        self.limits = limits
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
            raise ParseFailure("corrupt_image", "The image is damaged or not a valid image.")

    def _load(self, number: int, frame: Image.Image) -> Image.Image:
        """`frame` with its pixels decoded. A frame whose data ends early is decoded as far as
        it goes, noted in `cut_short`, and cropped above the rows that never arrived (Pillow
        leaves them black, and a black block hides the text above it from Tesseract's page
        layout). Other damage raises."""
        try:
            frame.load()
            return frame
        except OSError as exc:
            if "truncated" not in str(exc):
                raise
            # Pillow's switch is per process; each parse has its own sandbox process, and it
            # is switched off again at once.
            ImageFile.LOAD_TRUNCATED_IMAGES = True
            try:
                frame.load()
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = False
            self.cut_short.append(number)
            arrived = frame.convert("L").getbbox()
            if arrived is None:
                return frame
            return frame.crop((0, 0, frame.width, arrived[3]))
