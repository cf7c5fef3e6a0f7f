"""Reading an uploaded image's pages by OCR (decisions 0104, 0139, 0142): a TIFF's pages, or
the one picture of a PNG, JPEG, WebP, GIF, BMP or AVIF; an animation whose first frame holds
no text read from a bounded number of later frames; a frame cut short read only where its
rows arrived. Opening is `image_files`; the recognition itself is `ocr`."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Final, cast

from PIL import Image, ImageFile, ImageStat

from engageiq_files.ingestion.image_files import (
    BOX_HEADER_BYTES,
    check_pixels,
    open_header,
    open_image,
    raise_if_cut_short,
)
from engageiq_files.ingestion.ocr import OcrPages, for_ocr
from engageiq_files.ingestion.sections import (
    IngestWarning,
    ParseFailure,
    ParseLimits,
    Section,
    page_list,
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
                raise_if_cut_short(file.read(BOX_HEADER_BYTES), file)
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
            image = open_header(again, lenient=False)
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
