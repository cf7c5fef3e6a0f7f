"""Content sniffing: the type of an upload comes from its first bytes, never from the name or
the Content-Type header. Only the allow-list below is accepted."""

from __future__ import annotations

import codecs
import enum
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Final

from engageiq_files.ingestion.encodings import bom_encoding, utf16_without_bom

SNIFF_BYTES: Final = 64 * 1024
"""How much of the start of a file the sniffer looks at."""


class FileKind(enum.StrEnum):
    TXT = "txt"
    MD = "md"
    HTML = "html"
    CSV = "csv"
    PDF = "pdf"
    DOCX = "docx"
    PPTX = "pptx"
    XLSX = "xlsx"
    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"
    WEBP = "webp"
    GIF = "gif"
    BMP = "bmp"
    AVIF = "avif"


CONTENT_TYPES: Final[dict[FileKind, str]] = {
    FileKind.TXT: "text/plain",
    FileKind.MD: "text/markdown",
    FileKind.HTML: "text/html",
    FileKind.CSV: "text/csv",
    FileKind.PDF: "application/pdf",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
    FileKind.TIFF: "image/tiff",
    FileKind.WEBP: "image/webp",
    FileKind.GIF: "image/gif",
    FileKind.BMP: "image/bmp",
    FileKind.AVIF: "image/avif",
}


@dataclass(frozen=True, slots=True)
class AcceptedKind:
    """How people and file pickers name an accepted kind: `label` ("PowerPoint"), the file
    name `extensions` a picker offers (lower case, with the dot; the first is the usual one)
    and whether its text is read by OCR (images)."""

    label: str
    extensions: tuple[str, ...]
    ocr: bool = False


ACCEPTED: Final[dict[FileKind, AcceptedKind]] = {
    FileKind.PDF: AcceptedKind("PDF", (".pdf",)),
    FileKind.DOCX: AcceptedKind("Word", (".docx", ".docm", ".dotx", ".dotm")),
    FileKind.PPTX: AcceptedKind("PowerPoint", (".pptx", ".pptm", ".ppsx", ".ppsm", ".potx")),
    FileKind.XLSX: AcceptedKind("Excel", (".xlsx", ".xlsm", ".xltx", ".xltm")),
    FileKind.TXT: AcceptedKind("text", (".txt", ".text", ".log")),
    FileKind.MD: AcceptedKind("Markdown", (".md", ".markdown")),
    FileKind.HTML: AcceptedKind("HTML", (".html", ".htm")),
    FileKind.CSV: AcceptedKind("CSV", (".csv", ".tsv")),
    FileKind.PNG: AcceptedKind("PNG", (".png",), ocr=True),
    FileKind.JPEG: AcceptedKind("JPEG", (".jpg", ".jpeg"), ocr=True),
    FileKind.TIFF: AcceptedKind("TIFF", (".tif", ".tiff"), ocr=True),
    FileKind.WEBP: AcceptedKind("WebP", (".webp",), ocr=True),
    FileKind.GIF: AcceptedKind("GIF", (".gif",), ocr=True),
    FileKind.BMP: AcceptedKind("BMP", (".bmp", ".dib"), ocr=True),
    FileKind.AVIF: AcceptedKind("AVIF", (".avif",), ocr=True),
}
"""The one list of what uploads accept, as people and pickers see it: the upload-limits
route serves it to the web app, whose accepted-types text and picker filter come from it,
and the name of text content picks its kind by these extensions (`_text_kind`). The type
itself is always sniffed from the content; any other text is accepted as plain text."""

# Images are OCRed (decision 0104); each is recognised by its signature.
_IMAGE_SIGNATURES: Final = (
    (b"\x89PNG\r\n\x1a\n", FileKind.PNG),
    (b"\xff\xd8\xff", FileKind.JPEG),
    (b"II*\x00", FileKind.TIFF),
    (b"MM\x00*", FileKind.TIFF),
    # BigTIFF (64-bit offsets: large-format and archive scanners), which Pillow reads; it
    # was refused as "not ... an image (PNG, JPEG, TIFF)".
    (b"II+\x00", FileKind.TIFF),
    (b"MM\x00+", FileKind.TIFF),
    # Screenshots and slide captures saved from browsers and older capture tools (decision
    # 0139). GIF names its version; Pillow reads both.
    (b"GIF87a", FileKind.GIF),
    (b"GIF89a", FileKind.GIF),
)
_RIFF: Final = b"RIFF"
_WEBP: Final = b"WEBP"
"""A WebP file is a RIFF container (`RIFF`, its 32-bit length, then the form type `WEBP`:
RFC 9649, 2.4); other RIFF forms (WAVE, AVI) stay refused as binary content."""
_HEIF_BRANDS: Final = frozenset(
    (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1")
)
"""Major brands of an HEIF file's `ftyp` box (ISO/IEC 23008-12): the iPhone camera's HEIC
photos. Not read (decision 0139); recognised only to say what to do instead. `mif1` and
`msf1` are HEIF's generic brands, which AVIF files carry too: an AVIF names `avif` or `avis`
among its brands (`_AVIF_BRANDS`), and is read (decision 0142)."""
_AVIF_BRANDS: Final = frozenset((b"avif", b"avis"))
"""Brands of an AVIF file (AV1 Image File Format 1.1, 9.2: `avif` a still image, `avis` an
image sequence), as the major brand or among the compatible brands of its `ftyp` box."""
_FTYP_BRANDS_AT_MOST: Final = 64
"""Compatible brands looked at in an `ftyp` box (AVIF writers list 4-8)."""
_BMP_HEADER_SIZES: Final = frozenset((12, 40, 52, 56, 64, 108, 124))
"""Sizes of the DIB header after a BMP's `BM` file header (at byte 14): OS/2 1.x and
BITMAPCOREHEADER (12), BITMAPINFOHEADER and its v2-v5 successors (40, 52, 56, 108, 124),
OS/2 2.x (64); the ones Pillow reads. Text that starts with "BM" ("BMW fleet pricing") has
letters there, never these small numbers."""
_IMAGE_LABELS: Final = ", ".join(a.label for a in ACCEPTED.values() if a.ocr)

# A comment ends at its first `-->` (atomic groups): a lazy `.*?` could also end at a later
# one, and a run of n comments gave the matcher 2**n ways to fail (30 of `<!---->` held the
# service's event loop for minutes).
_HTML_START = re.compile(
    r"(?>\s*)(?>(?><!--(?:(?!-->).)*-->)(?>\s*))*<(!doctype\s+html|html|head|body)[\s>]",
    re.I | re.S,
)
# C0 controls other than tab, LF, FF and CR never appear in the text formats we accept.
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Decoded UTF-16/32 text has no C1 controls either: binary data read as UTF-16 produces them.
_WIDE_BINARY = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_LOCAL_HEADER: Final = b"PK\x03\x04"
_LOCAL_HEADER_FORMAT: Final = struct.Struct("<4sHHHHHIIIHH")
# Main-part content types ([Content_Types].xml) of each package kind, macro-enabled and
# template variants included (ECMA-376 Part 1 and MS-OFFCRYPTO's [MS-OE376] list).
_PACKAGE_TYPES: Final = (
    (
        FileKind.DOCX,
        (
            b"wordprocessingml.document.main",
            b"wordprocessingml.template.main",
            b"ms-word.document.macroenabled.main",
            b"ms-word.template.macroenabledtemplate.main",
        ),
    ),
    (
        FileKind.PPTX,
        (
            b"presentationml.presentation.main",
            b"presentationml.slideshow.main",
            b"presentationml.template.main",
            b"ms-powerpoint.presentation.macroenabled.main",
            b"ms-powerpoint.slideshow.macroenabled.main",
        ),
    ),
    (
        FileKind.XLSX,
        (
            b"spreadsheetml.sheet.main",
            b"spreadsheetml.template.main",
            b"ms-excel.sheet.macroenabled.main",
            b"ms-excel.template.macroenabled.main",
        ),
    ),
)
_PACKAGE_FOLDERS: Final = (
    (b"word/", FileKind.DOCX),
    (b"ppt/", FileKind.PPTX),
    (b"xl/", FileKind.XLSX),
)


class UnsupportedFileType(ValueError):
    """The content is not one of the allowed kinds."""


def sniff(head: bytes, name: str = "") -> FileKind:
    """The kind of a file from its first bytes (`head`, up to SNIFF_BYTES). The name's
    extension only chooses among text kinds, which are parsed as safely as each other."""
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head.startswith(_LOCAL_HEADER):
        kind = package_kind(head[:SNIFF_BYTES])
        if kind is None:
            raise UnsupportedFileType("a zip archive that is not a Word, PowerPoint or Excel file")
        return kind
    image_kind = _image_kind(head)
    if image_kind is not None:
        return image_kind
    # A late header only after the signatures: a zip whose first entry is a PDF stored
    # uncompressed, or an image whose metadata quotes one, is not a PDF.
    if _late_pdf_header(head):
        return FileKind.PDF
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        # An AVIF was taken above, by its brands; any other HEIF is an HEIC photo.
        raise UnsupportedFileType(
            "an HEIC photo, the iPhone camera's format, which is not read; "
            "share or export it as JPEG"
        )
    text = _as_text(head[:SNIFF_BYTES])
    if text is None:
        raise UnsupportedFileType(
            f"binary content that is not PDF, DOCX, PPTX, XLSX or an image ({_IMAGE_LABELS})"
        )
    if _HTML_START.match(text.removeprefix("\ufeff")):
        return FileKind.HTML
    return _text_kind(name)


def _image_kind(head: bytes) -> FileKind | None:
    """The image kind whose signature `head` starts with (a WebP: a RIFF file of form
    `WEBP`; a BMP: `BM` and a known DIB header size; an AVIF: an ISO-BMFF `ftyp` box naming
    an AVIF brand), or None."""
    for signature, image_kind in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return image_kind
    if head.startswith(_RIFF) and head[8:12] == _WEBP:
        return FileKind.WEBP
    if head.startswith(b"BM") and len(head) >= 26:
        (dib_size,) = struct.unpack_from("<I", head, 14)
        if dib_size in _BMP_HEADER_SIZES:
            return FileKind.BMP
    if _AVIF_BRANDS & ftyp_brands(head):
        return FileKind.AVIF
    return None


def ftyp_brands(head: bytes) -> frozenset[bytes]:
    """The brands an ISO base media file (ISO/IEC 14496-12, 4.3: HEIF, AVIF, MP4) names in
    the `ftyp` box it starts with: the major brand and the compatible ones (at most
    `_FTYP_BRANDS_AT_MOST`, within `head`); empty when `head` starts with no `ftyp` box."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return frozenset()
    (size,) = struct.unpack_from(">I", head, 0)
    end = min(size, len(head), 16 + 4 * _FTYP_BRANDS_AT_MOST)
    compatible = (head[at : at + 4] for at in range(16, end - 3, 4))
    return frozenset((head[8:12], *compatible))


PDF_HEADER_WINDOW: Final = 1024
"""Bytes before `%PDF-` that readers accept: the PDF specification (ISO 32000, annex H)
lets Acrobat find the header within the first 1024 bytes, and mail gateways and some
archive exports put a header of their own in front of it."""
_PDF_HEADER: Final = re.compile(rb"%PDF-\d\.\d")
_PDF_OBJECT: Final = re.compile(rb"(?<!\d)\d{1,10} \d{1,5} obj\b")
"""An indirect object's header: an object number (at most 10 digits) and a generation (at
most 65535, ISO 32000 7.3.10). Bounded runs, starting where a run of digits starts: `\\d+`
tried every start of a long run of digits, work growing with its square (64 KB of digits
after a header held the service's event loop for 25 s)."""


def _late_pdf_header(head: bytes) -> bool:
    """Whether `head` is a PDF with bytes before its header: `%PDF-1.x` within
    `PDF_HEADER_WINDOW` bytes and an indirect object (`12 0 obj`) after it. A text that
    merely quotes a PDF header has no object after it."""
    found = _PDF_HEADER.search(head, 0, PDF_HEADER_WINDOW + 8)
    return found is not None and _PDF_OBJECT.search(head, found.end()) is not None


def _text_kind(name: str) -> FileKind:
    """The kind of text content by its name's extension; plain text for any other name."""
    ext = "." + name.rpartition(".")[2].lower() if "." in name else ""
    for kind in (FileKind.MD, FileKind.CSV, FileKind.HTML):
        if ext in ACCEPTED[kind].extensions:
            return kind
    return FileKind.TXT


def _local_entries(head: bytes) -> list[tuple[str, int, bytes]]:
    """(name, compression method, the data that follows within `head`) of each zip local
    file header in `head`. Every header is found by its signature, so an entry whose sizes
    are deferred to a data descriptor does not hide the ones after it."""
    entries = []
    at = head.find(_LOCAL_HEADER)
    while at != -1 and at + _LOCAL_HEADER_FORMAT.size <= len(head):
        fields = _LOCAL_HEADER_FORMAT.unpack_from(head, at)
        method, compressed, name_len, extra_len = fields[3], fields[7], fields[9], fields[10]
        start = at + _LOCAL_HEADER_FORMAT.size
        name = head[start : start + name_len]
        data_at = start + name_len + extra_len
        end = data_at + compressed if compressed else len(head)
        entries.append((name.decode("utf-8", "replace"), method, head[data_at:end]))
        at = head.find(_LOCAL_HEADER, start)
    return entries


def package_kind(head: bytes) -> FileKind | None:
    """An OOXML package's kind from the start of its zip: the main part's content type in
    `[Content_Types].xml` (always the first part Office writes), else the folder of any part
    name seen (word/, ppt/, xl/). A package whose parts come in another order is still
    recognised as long as either clue is within the sniffing window."""
    folders: list[FileKind] = []
    for name, method, data in _local_entries(head):
        if name == "[Content_Types].xml":
            types = _inflate(data, method).lower()
            for kind, main_types in _PACKAGE_TYPES:
                if any(t in types for t in main_types):
                    return kind
        for prefix, kind in _PACKAGE_FOLDERS:
            if name.encode().startswith(prefix):
                folders.append(kind)
    return folders[0] if folders else None


def _inflate(data: bytes, method: int) -> bytes:
    if method == 0:
        return data
    if method != 8:
        return b""
    try:
        # Raw deflate, bounded; a part cut by the window still yields its beginning.
        return zlib.decompressobj(-15).decompress(data, SNIFF_BYTES)
    except zlib.error:
        return b""


def _as_text(sample: bytes) -> str | None:
    """`sample` as text if it is text: UTF-8, UTF-16/32 (with a BOM, or UTF-16 without one),
    or an 8-bit encoding such as Windows-1252; None for binary content."""
    wide = bom_encoding(sample) or utf16_without_bom(sample)
    if wide:
        try:
            text: str = codecs.getincrementaldecoder(wide)().decode(sample, final=False)
        except UnicodeDecodeError:
            return None
        return None if _WIDE_BINARY.search(text.removeprefix("\ufeff")) else text
    if _BINARY_CONTROLS.search(sample.decode("latin-1")):
        return None
    try:
        # An incremental decoder tolerates a multi-byte character cut at the window's end.
        return codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        # Windows-1252 and other 8-bit text (CSV exports from Excel, old notes) is text too;
        # binary formats were already refused by their control bytes above. The parser
        # detects the real encoding.
        return sample.decode("latin-1")
