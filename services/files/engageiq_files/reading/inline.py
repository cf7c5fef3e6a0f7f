"""Which files a browser may show in place, and the headers every served file carries.

Only types a browser renders without running anything of the file's own are inline: PDF
(shown by the browser's viewer, whose scripts are PDFium's, not the page's) and the raster
images every browser shows (PNG, JPEG, WebP, GIF, BMP, AVIF: pixels and at most an
animation, no script, no links, no external loads; decisions 0139, 0142). TIFF, which only
Safari shows, is downloaded. HTML, SVG, text and office files are always attachments: served
inline from the app's origin, an uploaded HTML or SVG file would run its scripts as the app
(stored XSS)."""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

INLINE_TYPES: Final = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/webp",
        "image/gif",
        "image/bmp",
        "image/avif",
    }
)
"""Content types served `inline`; every other type is an `attachment`."""

SANDBOX_POLICY: Final = (
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
)
"""Content-Security-Policy of a served file. `sandbox` gives the document an opaque origin
and no scripts, so even a file a browser would render actively cannot act as the app; the web
app shows files from a blob it makes, which this header does not govern."""


def is_inline_safe(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in INLINE_TYPES


def content_disposition(file_name: str, disposition: str = "attachment") -> str:
    """`attachment` (or `inline`) with the file name for every browser: an ASCII fallback
    and the RFC 6266 UTF-8 form."""
    ascii_name = file_name.encode("ascii", "replace").decode().replace('"', "'")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"


def served_file_headers(file_name: str, content_type: str, *, inline: bool) -> dict[str, str]:
    """The response headers of a served file. `inline` is honoured only for an inline-safe
    type; the declared type is the one sniffed at upload, and `nosniff` keeps browsers to it."""
    shown_inline = inline and is_inline_safe(content_type)
    return {
        "Content-Disposition": content_disposition(
            file_name, "inline" if shown_inline else "attachment"
        ),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SANDBOX_POLICY,
        # Access can be withdrawn (deleted, another user): nothing keeps a copy.
        "Cache-Control": "private, no-store",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
