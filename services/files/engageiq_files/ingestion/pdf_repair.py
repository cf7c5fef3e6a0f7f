"""A PDF cut short (an upload or a copy that stopped) made readable again: its
cross-reference table and trailer, written last, are lost with its end, and neither pypdf
nor PDFium opened such a file even when every page but the last had arrived whole (a
three-page scan cut at 99% failed `corrupt_pdf`). `repaired` gives its bytes back with a new
table listing every object that arrived whole, and a trailer naming its catalog."""

from __future__ import annotations

import itertools
import mmap
import re
from typing import Final

EOF_WINDOW: Final = 1024
"""Bytes at the end of a PDF in which a whole file has its `%%EOF` (readers look there)."""
_OBJECT: Final = re.compile(rb"(?<![0-9])(\d{1,10}) (\d{1,5}) obj\b")
"""An indirect object's header (bounded runs: linear on hostile digits, as in sniffing)."""
MAX_OBJECTS: Final = 100_000
"""Objects a cut-short PDF may hold to be repaired. A scan of 1,000 pages holds about 4,000;
a hostile file of a million empty objects took 30 s more to repair and read again than to
refuse, near the parse timeout."""
_CATALOG: Final = re.compile(rb"/Type\s*/Catalog\b")
_END: Final = b"endobj"


def cut_short(path: str) -> bool:
    """Whether the PDF at `path` has no `%%EOF` in its last `EOF_WINDOW` bytes."""
    with open(path, "rb") as file:
        size = file.seek(0, 2)
        file.seek(max(0, size - EOF_WINDOW))
        return b"%%EOF" not in file.read()


def repaired(path: str) -> bytes | None:
    """The PDF at `path` up to its last whole object, followed by a new cross-reference
    table (every object whose `endobj` arrived) and a trailer naming its catalog; None when
    no catalog arrived whole (nothing names its pages) or it holds more than `MAX_OBJECTS`
    objects."""
    with open(path, "rb") as file:
        if not file.seek(0, 2):
            return None  # an empty file: mmap refuses to map nothing
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _repaired(data)


def _repaired(data: mmap.mmap) -> bytes | None:
    """`repaired` over the file's bytes, mapped."""
    offsets: dict[int, tuple[int, int]] = {}
    root: tuple[int, int] | None = None
    whole = data.rfind(_END) + len(_END)
    if whole < len(_END):
        return None
    # Each header is judged once the next is found: the headers are not all kept (a
    # hostile file can hold millions).
    previous: re.Match[bytes] | None = None
    for header in itertools.chain(_OBJECT.finditer(data, 0, whole), [None]):
        if previous is not None:
            end = header.start() if header is not None else whole
            root = _arrived(data, previous, end, offsets) or root
            if len(offsets) > MAX_OBJECTS:
                return None
        previous = header
    if root is None:
        return None
    lines = [data[:whole], b"\n"]
    table = len(lines[0]) + 1
    lines.append(b"xref\n0 1\n0000000000 65535 f \n")
    for number, (offset, generation) in sorted(offsets.items()):
        lines.append(b"%d 1\n%010d %05d n \n" % (number, offset, generation))
    lines.append(
        b"trailer\n<< /Size %d /Root %d %d R >>\nstartxref\n%d\n%%%%EOF\n"
        % (max(offsets) + 1, root[0], root[1], table)
    )
    return b"".join(lines)


def _arrived(
    data: mmap.mmap, header: re.Match[bytes], end: int, offsets: dict[int, tuple[int, int]]
) -> tuple[int, int] | None:
    """Records in `offsets` the object whose `header` starts a span of `data` ending at
    `end`, when its `endobj` arrived; its (number, generation) when it is a catalog."""
    if data.find(_END, header.end(), end) < 0:
        return None  # cut inside this object, or not an object at all
    number, generation = int(header.group(1)), int(header.group(2))
    # A later definition replaces an earlier one (an incremental update).
    offsets[number] = (header.start(), generation)
    return (number, generation) if _CATALOG.search(data, header.end(), end) else None
