"""OCR with Debian's Tesseract (through pytesseract), for uploaded images (PNG, JPEG, TIFF)
and PDF pages without a text layer (decision 0104). Runs inside the parser sandbox: Tesseract
is a child of the sandboxed process and inherits its address-space bound; each page has its
own timeout, and every image is checked against a pixel bound before it is decoded.

Warnings: `ocr_used` (the text came from OCR and may hold recognition errors),
`ocr_low_confidence` (pages whose mean word confidence is low), `no_text_found` (OCR read
nothing), `pages_skipped` (a page OCR could not finish) and `truncated` (the OCR page cap or
time budget)."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Final

import pytesseract
from PIL import Image, ImageSequence

from engageiq_files.ingestion.sections import (
    IngestWarning,
    ParseFailure,
    ParseLimits,
    Section,
    page_list,
)

LANGUAGES: Final = "eng+deu+fra+spa"
"""Tesseract's language data used for every page: English, German, French, Spanish."""
LOW_CONFIDENCE: Final = 60.0
"""Mean word confidence (0-100) below which a page gets `ocr_low_confidence`."""


@dataclass(frozen=True, slots=True)
class Recognised:
    text: str
    confidence: float | None
    """Mean confidence (0-100) of the words read; None when no word was read."""


class OcrPageFailed(Exception):
    """One page could not be OCRed (timeout, Tesseract error); the other pages go on."""


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
    except (RuntimeError, pytesseract.TesseractError) as exc:
        # pytesseract raises RuntimeError on its timeout; neither text reaches people.
        raise OcrPageFailed from exc
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


def open_image(path: str, limits: ParseLimits) -> Image.Image:
    """The image at `path`, opened (header read, pixels not yet decoded). Raises ParseFailure
    `image_too_large` (decompression bombs) or `corrupt_image`."""
    # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; both are refused. The
    # setting is per process, and each parse has its own sandbox process.
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ParseFailure(
            "image_too_large", "The image has too many pixels to be read safely."
        ) from None
    except MemoryError:
        raise
    except Exception:
        # UnidentifiedImageError, OSError, SyntaxError, struct.error...: a damaged header.
        raise ParseFailure("corrupt_image", "The image is damaged or not a valid image.") from None
    check_pixels(image.size, limits)
    return image


class OcrPages:
    """Collects what OCR did over the pages of one file and turns it into warnings."""

    def __init__(self) -> None:
        self.read: list[int] = []
        self.low: list[int] = []
        self.failed: list[int] = []
        self.empty: list[int] = []
        self.seconds = 0.0

    def page(self, number: int, image: Image.Image, limits: ParseLimits) -> str:
        """The OCR text of page `number` ("" when none or when the page failed)."""
        started = time.monotonic()
        try:
            result = recognise(image, limits.ocr_page_timeout_seconds)
        except OcrPageFailed:
            self.failed.append(number)
            return ""
        finally:
            self.seconds += time.monotonic() - started
        if not result.text.strip():
            self.empty.append(number)
            return ""
        self.read.append(number)
        if result.confidence is not None and result.confidence < LOW_CONFIDENCE:
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
    """OCR of every frame (page) of a PNG, JPEG or TIFF, as `page N` sections, at most
    `limits.max_ocr_pages` pages and `limits.ocr_budget_seconds` of OCR. An image in which
    OCR finds no text yields only a `no_text_found` warning: the file is `ready`, not failed."""
    ocr = OcrPages()
    with open_image(path, limits) as image:
        count, done = yield from _read_frames(image, ocr, limits)
    if ocr.failed and not ocr.read and not ocr.empty:
        raise ParseFailure(
            "ocr_failed", "Text recognition (OCR) could not finish on this image in time."
        )
    yield from ocr.warnings()
    if ocr.empty and not ocr.read and not ocr.failed:
        yield IngestWarning("no_text_found", "No text was found in the image.")
    if done < count:
        yield IngestWarning(
            "truncated",
            f"Only the first {done} of {count} pages were read; "
            f"pages {done + 1}-{count} are not searchable.",
        )


def _read_frames(
    image: Image.Image, ocr: OcrPages, limits: ParseLimits
) -> Generator[Section | IngestWarning, None, tuple[int, int]]:
    """Yields the sections of `image`'s frames; returns (frames in the file, frames read)."""
    count = done = 0
    try:
        count = getattr(image, "n_frames", 1)
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if number > limits.max_ocr_pages or ocr.over_budget(limits):
                break
            # A later TIFF page can be far larger than the first, which Pillow checked.
            check_pixels(frame.size, limits)
            frame.load()
            text = ocr.page(number, frame, limits)
            done = number
            if text:
                yield Section(f"page {number}", text)
    except ParseFailure:
        raise
    except MemoryError:
        raise
    except Exception:
        # Pillow's decoders raise many types (OSError, SyntaxError, struct.error, ...) on
        # Truncated or corrupt pixel data: what was read so far stays, if anything.
        if not ocr.read and not ocr.empty:
            raise ParseFailure(
                "corrupt_image", "The image is damaged or not a valid image."
            ) from None
        yield IngestWarning(
            "pages_skipped",
            f"The image is damaged after page {done}; the rest is not searchable.",
        )
    return count, done
