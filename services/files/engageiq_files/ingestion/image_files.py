"""Opening an uploaded image safely, before OCR reads it (decisions 0104, 0135, 0139, 0142):
the pixel bound checked against what the file declares before any decoder allocates (WebP,
GIF, BMP and AVIF headers), against what Pillow reads for every kind, and a file that ends
early told apart from a damaged one."""

from __future__ import annotations

import os
import struct
import warnings
from collections.abc import Iterator
from typing import BinaryIO, Final

from PIL import AvifImagePlugin, Image, ImageFile

from engageiq_files.ingestion.sections import ParseFailure, ParseLimits


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
        image = open_header(file, lenient=False)
    except ParseFailure as failure:
        if failure.code != "corrupt_image":
            raise
        raise_if_cut_short(head, file)
        # A PNG one of whose ancillary chunks before the pixels (text, colour profile, EXIF)
        # has a wrong checksum: viewers (libpng) drop that chunk and show the picture;
        # Pillow skips it only when told to tolerate damage. Critical chunks stay checked.
        file.seek(0)
        image = open_header(file, lenient=True)
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


def raise_if_cut_short(head: bytes, file: BinaryIO) -> None:
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


def open_header(file: BinaryIO, *, lenient: bool) -> Image.Image:
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
