"""Benchmark: the same slide screenshot uploaded as PNG, JPEG, WebP (lossy, lossless), GIF, BMP
and AVIF, animated GIFs and WebPs of more and more frames (decision 0139), animations whose
first frame is blank, a BMP whose run-length data pads every row byte by byte, and files cut
short (decision 0142).

    .venv/bin/python bench/ocr_image_kinds.py [--repeat 3]

Each file is parsed as the worker parses it (`parse_document`, the kind sniffed from the
content), in process. Reported per file: its size, the median parse time and the share of
the slide's words read (word recall), so a kind that reads worse or an animation whose cost
grows with its frames shows as such: only the first frame is read, so the time should not
grow with the frame count; an animation whose first frame is blank is searched only up to
`MAX_LATER_FRAMES` frames, so its time should not grow with the frame count either. A case
that fails says so, with its reason, in place of the recall.
"""

from __future__ import annotations

import argparse
import functools
import io
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engageiq_files.config import FilesSettings
from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sections import ParseFailure, ParseLimits
from engageiq_files.uploads.sniffing import sniff

SETTINGS = FilesSettings()
LIMITS = ParseLimits(
    max_pages=SETTINGS.max_pages,
    max_text_chars=SETTINGS.max_text_chars,
    max_docx_uncompressed_bytes=SETTINGS.max_docx_uncompressed_bytes,
)
LINES = (
    "Quarterly pricing review for enterprise accounts",
    "Renewal discount applies to multi year contracts",
    "Closed deals this quarter exceeded the forecast",
)
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def slide(lines: tuple[str, ...] = LINES, *, transparent: bool = False) -> Image.Image:
    """A 1280 x 360 slide capture with `lines` in 36 px type; black on white, or black on a
    transparent background that hides black."""
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont = (
        ImageFont.truetype(str(FONT), 36) if FONT.exists() else ImageFont.load_default(size=36)
    )
    paper = (0, 0, 0, 0) if transparent else (255, 255, 255, 255)
    image = Image.new("RGBA", (1280, 360), paper)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 40 + i * 60), line, fill=(0, 0, 0, 255), font=font)
    return image if transparent else image.convert("RGB")


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def gif_with_frames(extra: int) -> bytes:
    """The slide as a GIF followed by `extra` one-pixel frames (a screen recording)."""
    frame = (
        b"\x21\xf9\x04\x04\x02\x00\x00\x00"  # graphic control: 20 ms
        b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00"  # image descriptor: one pixel
        b"\x02\x02\x44\x01\x00"  # its LZW data
    )
    return encoded(slide().convert("P"), "GIF")[:-1] + frame * extra + b"\x3b"


def webp_with_frames(extra: int) -> bytes:
    """The slide as an animated WebP whose last frame is repeated until it has `extra` more."""
    dot = slide()
    ImageDraw.Draw(dot).rectangle((5, 5, 9, 9), fill=(255, 0, 0))
    made = encoded(slide(), "WEBP", save_all=True, append_images=[dot], lossless=True)
    at, last = 12, b""
    while at < len(made):
        size = struct.unpack_from("<I", made, at + 4)[0]
        end = at + 8 + size + (size & 1)
        if made[at : at + 4] == b"ANMF":
            last = made[at:end]
        at = end
    body = made[12:] + last * (extra - 1)
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def blank_first(fmt: str, extra: int) -> bytes:
    """An animation whose first frame is blank and whose second shows the slide; a GIF then
    has `extra` one-pixel frames more (a screen recording), in which nothing is drawn."""
    blank = Image.new("RGB", (1280, 360), (255, 255, 255))
    if fmt != "GIF":
        return encoded(blank, fmt, save_all=True, append_images=[slide()], duration=100)
    made = encoded(blank.convert("P"), "GIF", save_all=True, append_images=[slide().convert("P")])
    return made[:-1] + gif_with_frames(extra)[len(encoded(slide().convert("P"), "GIF")) - 1 :]


def blank_gif_recording(extra: int) -> bytes:
    """A GIF of a blank slide and `extra` one-pixel frames: no frame holds text."""
    blank = Image.new("RGB", (1280, 360), (255, 255, 255)).convert("P")
    frames = gif_with_frames(extra)
    slide_gif = encoded(slide().convert("P"), "GIF")
    return encoded(blank, "GIF")[:-1] + frames[len(slide_gif) - 1 :]


def rle8_row_padding(width: int, height: int) -> bytes:
    """A BMP of `width` x `height` 8-bit pixels whose run-length data ends every row after
    one pixel: Pillow's decoder pads the rest of each row one byte at a time."""
    palette = bytes(range(256)) * 4
    body = b"\x01\x05\x00\x00" * height + b"\x00\x01"
    offset = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHII", 40, width, height, 1, 8, 1, len(body)) + b"\x00" * 16
    head = b"BM" + struct.pack("<IHHI", offset + len(body), 0, 0, offset)
    return head + info + palette + body


def interlaced_gif_cut(share: float) -> bytes:
    whole = encoded(slide().convert("P"), "GIF", interlace=True)
    return whole[: int(len(whole) * share)]


def measure(name: str, make: Callable[[], bytes], repeat: int, folder: Path) -> None:
    content = make()
    path = folder / "upload"
    path.write_bytes(content)
    kind = sniff(content[:65536]).value
    times, text, failed = [], "", ""
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            parsed = parse_document(str(path), kind, LIMITS)
            text = " ".join(s.text for s in parsed.sections).lower()
        except ParseFailure as failure:
            failed = failure.code
        times.append(time.perf_counter() - started)
    words = [w.lower() for line in LINES for w in line.split()]
    recall = sum(w in text for w in words) / len(words)
    outcome = f"failed {failed}" if failed else f"recall {recall:.0%}"
    print(
        f"{name:38} {kind:5} {len(content) / 1024:9.1f} KB "
        f"{statistics.median(times):6.2f} s  {outcome}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases: dict[str, Callable[[], bytes]] = {
        "png": lambda: encoded(slide(), "PNG"),
        "jpeg q85": lambda: encoded(slide(), "JPEG", quality=85),
        "webp lossy q80": lambda: encoded(slide(), "WEBP", quality=80),
        "webp lossy q30": lambda: encoded(slide(), "WEBP", quality=30),
        "webp lossless": lambda: encoded(slide(), "WEBP", lossless=True),
        "webp lossy, transparent": lambda: encoded(slide(transparent=True), "WEBP"),
        "gif": lambda: encoded(slide().convert("P"), "GIF"),
        "gif, transparent": lambda: encoded(slide(transparent=True), "GIF"),
        "bmp 24-bit": lambda: encoded(slide(), "BMP"),
        "bmp 8-bit": lambda: encoded(slide().convert("P"), "BMP"),
        "avif q80": lambda: encoded(slide(), "AVIF", quality=80),
        "avif q30": lambda: encoded(slide(), "AVIF", quality=30),
        "avif, transparent": lambda: encoded(slide(transparent=True), "AVIF"),
        "bmp rle8 row padding 3,840 x 2,160": functools.partial(rle8_row_padding, 3840, 2160),
        "bmp rle8 row padding 40,000 x 1,000": functools.partial(rle8_row_padding, 40_000, 1_000),
    }
    for fmt in ("GIF", "WEBP", "AVIF", "PNG"):
        cases[f"{fmt.lower()}, blank first frame"] = functools.partial(blank_first, fmt, 0)
    for frames in (1_000, 1_000_000):
        cases[f"gif blank + {frames:,} blank frames"] = functools.partial(
            blank_gif_recording, frames
        )
    for share in (0.4, 0.6, 0.8):
        cases[f"gif interlaced, {share:.0%} arrived"] = functools.partial(interlaced_gif_cut, share)
    for frames in (1_000, 100_000, 1_000_000):
        cases[f"gif + {frames:,} frames"] = functools.partial(gif_with_frames, frames)
    for frames in (1_000, 200_000):
        cases[f"webp + {frames:,} frames"] = functools.partial(webp_with_frames, frames)
    with tempfile.TemporaryDirectory() as folder:
        for name, make in cases.items():
            measure(name, make, args.repeat, Path(folder))


if __name__ == "__main__":
    main()
