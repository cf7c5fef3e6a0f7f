"""OCR with Debian's Tesseract (through pytesseract), for the pages of uploaded images (PNG,
JPEG, TIFF, WebP, GIF, BMP, AVIF: decisions 0104, 0139, 0142; opened by `image_files`, their
pages and frames chosen by `images`) and PDF pages without a text layer (decision 0104).
Runs inside the parser sandbox: Tesseract is a child of the sandboxed process and inherits
its address-space bound; each page has its own timeout, and every image is checked against a
pixel bound before it is decoded (`image_files.check_pixels`).

Warnings: `ocr_used` (the text came from OCR and may hold recognition errors),
`ocr_low_confidence` (pages whose mean word confidence is low), `no_text_found` (OCR read
nothing), `pages_skipped` (a page OCR could not finish) and `truncated` (the OCR page cap or
time budget)"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import pytesseract
from PIL import Image, ImageFilter, ImageOps, ImageStat

from engageiq_files.ingestion.sections import (
    IngestWarning,
    ParseFailure,
    ParseLimits,
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
