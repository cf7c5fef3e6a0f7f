"""Two ways an uploaded picture went unread (decision 0142): an animation whose first frame
holds no text (a slide that fades in, a title drawn after a blank opening) was `ready` with
`no_text_found`; an interlaced GIF or PNG cut short (an upload or a copy that stopped) was
read with every other row or fewer, as other letters ("nricina" for "pricing"). Each file is
made here with Pillow (an interlaced PNG, which Pillow does not write, by hand) and parsed as
the upload path parses it."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import GifImagePlugin, Image, ImageDraw

from engageiq_files.ingestion import images
from engageiq_files.ingestion.sections import ParsedDocument, ParseFailure
from tests.unit.files.scans import encoded, parse
from tests.unit.files.test_ocr_webp_gif import LINES, WHITE, codes, slide, text_of, tiny_frames

FOUR_LINES = (*LINES, "Closed deals this quarter", "Signed by the customer")
WORDS = frozenset(" ".join(FOUR_LINES).lower().split())
BLANK = Image.new("RGB", (1200, 300), WHITE)


def faded(level: int) -> Image.Image:
    """The slide with its ink at grey `level` (255: not drawn yet, 0: black)."""
    return slide(ink=(level, level, level))


def animation(fmt: str, frames: list[Image.Image]) -> bytes:
    options: dict[str, object] = {"lossless": True} if fmt == "WEBP" else {}
    if fmt == "GIF":
        frames = [frame.convert("P") for frame in frames]
    return encoded(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, **options)


FADE_IN = [BLANK, *(faded(level) for level in (245, 230, 200, 160, 110, 60, 0)), slide()]
TITLE_LATER = [BLANK, BLANK.copy(), slide()]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "AVIF", "PNG"])
@pytest.mark.parametrize("frames", [FADE_IN, TITLE_LATER], ids=["fade-in", "title-drawn-later"])
def test_an_animation_whose_first_frame_is_blank_is_read_from_a_later_frame(
    tmp_path: Path, fmt: str, frames: list[Image.Image]
) -> None:
    parsed = parse(tmp_path, animation(fmt, frames))
    assert [s.location for s in parsed.sections] == ["page 1"]
    text = text_of(parsed)
    assert "pricing review" in text
    assert "renewal discount" in text
    assert codes(parsed) == ["ocr_used"]


@pytest.fixture
def gif_frames_parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The GIF frames Pillow parses (`_seek`), each decoded over the one before."""
    seen: list[int] = []
    gif_seek = GifImagePlugin.GifImageFile._seek

    def recorded_seek(self: GifImagePlugin.GifImageFile, frame: int, *args: object) -> None:
        seen.append(frame)
        gif_seek(self, frame, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "_seek", recorded_seek)
    return seen


def blank_gif_then(frames: int, *, text_at: int | None = None) -> bytes:
    """A GIF of a blank slide followed by `frames` one-pixel frames (a screen recording in
    which nothing is drawn), with the slide's text as frame `text_at` if given."""
    made = encoded(BLANK.convert("P"), "GIF", save_all=True, append_images=[BLANK.convert("P")])
    body = made[:-1]
    if text_at is None:
        return body + tiny_frames(frames) + b"\x3b"
    titled = encoded(slide().convert("P"), "GIF")
    descriptor = titled.index(b"\x2c", 13 + 768)  # after the header and global palette
    titled_frame = b"\x21\xf9\x04\x04\x0a\x00\x00\x00" + titled[descriptor:-1]
    before, after = text_at - 2, frames - (text_at - 1)
    return body + tiny_frames(before) + titled_frame + tiny_frames(after) + b"\x3b"


def test_later_frames_are_looked_at_only_up_to_the_bound(
    tmp_path: Path, gif_frames_parsed: list[int]
) -> None:
    """A screen recording of 100,000 frames in which nothing is drawn: at most
    `MAX_LATER_FRAMES` frames after the first are parsed (decision 0139's bound: frames past
    it never are), and the file is `ready` with `no_text_found`."""
    parsed = parse(tmp_path, blank_gif_then(100_000))
    assert parsed.sections == []
    assert codes(parsed) == ["no_text_found"]
    assert max(gif_frames_parsed) == images.MAX_LATER_FRAMES
    assert len(gif_frames_parsed) <= images.MAX_LATER_FRAMES + 1


def test_a_title_within_the_bound_is_read_and_one_past_it_is_not(
    tmp_path: Path, gif_frames_parsed: list[int]
) -> None:
    within = parse(tmp_path, blank_gif_then(1000, text_at=images.MAX_LATER_FRAMES))
    assert "pricing review" in text_of(within)
    assert max(gif_frames_parsed) == images.MAX_LATER_FRAMES
    past = parse(tmp_path, blank_gif_then(1000, text_at=images.MAX_LATER_FRAMES + 2))
    assert codes(past) == ["no_text_found"]


def test_a_first_frame_with_text_leaves_later_frames_unparsed(
    tmp_path: Path, gif_frames_parsed: list[int]
) -> None:
    content = animation("GIF", [slide(), slide(("Animation frame two",))])
    assert "animation" not in text_of(parse(tmp_path, content))
    assert gif_frames_parsed == [0]


def test_a_damaged_later_frame_ends_the_search_and_the_file_stays_ready(tmp_path: Path) -> None:
    content = blank_gif_then(3, text_at=3)
    damaged = content[: content.rindex(b"\x2c") + 3]  # the last frame's descriptor, cut
    parsed = parse(tmp_path, damaged)
    assert codes(parsed) in (["no_text_found"], ["ocr_used"])


ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
"""PNG's interlacing passes: first column, first row, column step, row step (ISO/IEC 15948,
8.2)."""


def adam7_png(image: Image.Image) -> bytes:
    """`image` as a grey 8-bit PNG interlaced with Adam7 (which Pillow reads, not writes)."""
    gray = image.convert("L")
    width, height = gray.size
    pixels = gray.tobytes()
    raw = bytearray()
    for x0, y0, dx, dy in ADAM7:
        for y in range(y0, height, dy):
            row = pixels[y * width : (y + 1) * width][x0::dx]
            if row:
                raw += b"\x00" + row  # filter type 0

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 1)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


def four_lines() -> Image.Image:
    image = slide(FOUR_LINES, box=(1200, 600))
    ImageDraw.Draw(image).rectangle((0, 580, 1199, 599), fill=(40, 40, 40))  # a footer band
    return image


INTERLACED: dict[str, Callable[[], bytes]] = {
    "gif-interlaced": lambda: encoded(four_lines().convert("P"), "GIF", interlace=True),
    "png-adam7": lambda: adam7_png(four_lines()),
    "gif-not-interlaced": lambda: encoded(four_lines().convert("P"), "GIF", interlace=False),
    "png": lambda: encoded(four_lines(), "PNG"),
}
SHARES = [i / 20 for i in range(1, 20)]


def parsed_or_failure(tmp_path: Path, content: bytes) -> ParsedDocument | ParseFailure:
    try:
        return parse(tmp_path, content)
    except ParseFailure as failure:
        return failure


@pytest.mark.parametrize("share", SHARES)
@pytest.mark.parametrize("make", INTERLACED.values(), ids=INTERLACED.keys())
def test_an_image_cut_short_is_read_as_it_really_is_or_fails_saying_it_ends_early(
    tmp_path: Path, make: Callable[[], bytes], share: float
) -> None:
    """Cut anywhere, an image yields only words that are on it (a line cut through its
    letters, or one drawn from every fourth row, is not read), with `truncated`; or, when
    nothing readable arrived, fails `corrupt_image` saying that it ends early (a GIF cut
    inside its palette, 5% of these, cannot be opened: damaged)."""
    whole = make()
    parsed = parsed_or_failure(tmp_path, whole[: int(len(whole) * share)])
    if isinstance(parsed, ParseFailure):
        assert parsed.code == "corrupt_image"
        assert share < 0.1 or "ends early" in parsed.message
        return
    read = text_of(parsed).split()
    assert read
    assert [word for word in read if word not in WORDS] == []
    assert codes(parsed)[-1] == "truncated"


@pytest.mark.parametrize("make", INTERLACED.values(), ids=INTERLACED.keys())
def test_an_image_two_thirds_arrived_is_read_whole(
    tmp_path: Path, make: Callable[[], bytes]
) -> None:
    """Two thirds of these files hold three of an interlaced GIF's four passes (every second
    row) or six of a PNG's seven: read as browsers show them, every missing row repeating the
    one above, the four lines are read whole. Before, the GIF's read "nricina" and the PNG
    failed: Pillow cannot decode an interlaced PNG twice on one image."""
    whole = make()
    parsed = parse(tmp_path, whole[: len(whole) * 2 // 3])
    text = text_of(parsed)
    assert "pricing review" in text
    assert "renewal discount" in text
    assert codes(parsed) == ["ocr_used", "truncated"]
