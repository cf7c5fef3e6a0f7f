"""Images and scans for the OCR tests: encode a drawn image, and parse bytes as an upload is
parsed (the kind sniffed from the content, the file without an extension)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sections import ParsedDocument, ParseLimits
from engageiq_files.uploads.sniffing import sniff

LIMITS = ParseLimits(max_pages=50, max_text_chars=1_000_000, max_docx_uncompressed_bytes=1)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    """`image` saved as `fmt` (a Pillow format name: "PNG", "JPEG", "TIFF"), with `options`."""
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def parse(tmp_path: Path, content: bytes, limits: ParseLimits = LIMITS) -> ParsedDocument:
    """`content` parsed as the upload path parses it: its kind comes from the content."""
    path = tmp_path / "upload"
    path.write_bytes(content)
    return parse_document(str(path), sniff(content[:65536]).value, limits)
