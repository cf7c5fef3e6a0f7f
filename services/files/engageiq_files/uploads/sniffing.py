"""Content sniffing: the type of an upload comes from its first bytes, never from the name or
the Content-Type header. Only the allow-list below is accepted."""

from __future__ import annotations

import codecs
import enum
import re
from typing import Final

SNIFF_BYTES: Final = 64 * 1024
"""How much of the start of a file the sniffer looks at."""


class FileKind(enum.StrEnum):
    TXT = "txt"
    MD = "md"
    HTML = "html"
    CSV = "csv"
    PDF = "pdf"
    DOCX = "docx"


CONTENT_TYPES: Final[dict[FileKind, str]] = {
    FileKind.TXT: "text/plain",
    FileKind.MD: "text/markdown",
    FileKind.HTML: "text/html",
    FileKind.CSV: "text/csv",
    FileKind.PDF: "application/pdf",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

_HTML_START = re.compile(rb"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)[\s>]", re.I | re.S)
# C0 controls other than tab, LF, FF and CR never appear in the text formats we accept.
_BINARY_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class UnsupportedFileType(ValueError):
    """The content is not one of the allowed kinds."""


def sniff(head: bytes, name: str = "") -> FileKind:
    """The kind of a file from its first bytes (`head`, up to SNIFF_BYTES). The name's
    extension only chooses among text kinds, which are parsed as safely as each other."""
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head.startswith(b"PK\x03\x04"):
        # OOXML stores part names uncompressed in each local header, and Word writes the
        # word/ parts near the start; xlsx/pptx/jar/plain zips have none and are refused.
        if b"word/" in head[:SNIFF_BYTES]:
            return FileKind.DOCX
        raise UnsupportedFileType("a zip archive that is not a Word document")
    if not _is_text(head):
        raise UnsupportedFileType("binary content that is not PDF or DOCX")
    if _HTML_START.match(head.removeprefix(codecs.BOM_UTF8)):
        return FileKind.HTML
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext in {"md", "markdown"}:
        return FileKind.MD
    if ext == "csv":
        return FileKind.CSV
    if ext in {"html", "htm"}:
        return FileKind.HTML
    return FileKind.TXT


def _is_text(head: bytes) -> bool:
    sample = head[:SNIFF_BYTES]
    if _BINARY_CONTROLS.search(sample):
        return False
    try:
        # An incremental decoder tolerates a multi-byte character cut at the window's end.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        # Windows-1252 text (CSV exports from Excel, old notes) is text too; binary formats
        # were already refused by their control bytes above.
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True
