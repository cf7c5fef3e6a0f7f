"""Decoding the bytes of text files (txt, md, csv, html) to text, per file.

Order of evidence, strongest first:
1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) - always honoured;
2. for HTML only, the WHATWG prescan of the first 1024 bytes for `<meta charset>` or
   `<meta http-equiv="Content-Type" content="...charset=...">` (HTML Standard, "determining
   the character encoding");
3. UTF-8 when the bytes are UTF-8: strictly, or "mostly" (more valid multi-byte sequences than
   stray bytes, as when one Windows-1252 "é" was pasted into a UTF-8 export). Stray bytes are
   then decoded one by one as Windows-1252, so the rest of the file stays UTF-8;
4. otherwise `charset-normalizer`'s best guess for this file (cp1251, Shift_JIS, GB18030...).
"""

from __future__ import annotations

import codecs
import re
from typing import Final

from charset_normalizer import from_bytes

_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_PRESCAN_BYTES: Final = 1024
_META: Final = re.compile(rb"<meta\b[^>]*>", re.I)
_CHARSET_ATTR: Final = re.compile(rb"""charset\s*=\s*["']?\s*([a-z0-9_:.+-]+)""", re.I)
_HTTP_EQUIV: Final = re.compile(rb"""http-equiv\s*=\s*["']?\s*content-type""", re.I)
# WHATWG Encoding Standard labels that Python names differently or decodes differently.
_WHATWG_LABELS: Final = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-user-defined": "cp1252",
}
_UTF8_SEQUENCE: Final = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _cp1252_per_byte(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a byte that is not UTF-8 is read as Windows-1252 (undefined
    positions map to U+FFFD), and decoding goes on as UTF-8 after it."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("engageiq_cp1252_per_byte", _cp1252_per_byte)


def bom_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark at the start of `data` announces, if any."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a BOM: mostly-Latin text leaves a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def html_declared_encoding(data: bytes) -> str | None:
    """The encoding a `<meta>` in the first 1024 bytes declares (WHATWG prescan), as a Python
    codec name, or None. A declared UTF-16 means UTF-8 (the bytes were ASCII-compatible
    enough to read the declaration), as the standard says."""
    for tag in _META.findall(data[:_PRESCAN_BYTES]):
        charset = _CHARSET_ATTR.search(tag)
        if charset is None:
            continue
        # <meta charset=...> directly, or http-equiv="Content-Type" content="...; charset=..."
        if b"content" in tag.lower() and not _HTTP_EQUIV.search(tag):
            continue
        label = charset.group(1).decode("ascii").lower()
        label = _WHATWG_LABELS.get(label, label)
        try:
            name = codecs.lookup(label).name
        except LookupError:
            continue
        return "utf-8" if name.startswith("utf-16") else name
    return None


def _mostly_utf8(data: bytes) -> bool:
    try:
        # Incremental: a character cut at the end of a prefix is still UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
        return True
    except UnicodeDecodeError:
        pass
    valid = len(_UTF8_SEQUENCE.findall(data))
    non_ascii = sum(1 for b in data if b >= 0x80)
    stray = non_ascii - sum(len(m) for m in _UTF8_SEQUENCE.findall(data))
    return valid > 0 and valid >= stray


def detect_encoding(data: bytes, *, html: bool = False) -> str:
    """The codec to decode `data` with (see the module docstring for the order of evidence).
    Never fails: bytes no detector recognises are read as UTF-8 with per-byte fallback."""
    found = bom_encoding(data) or utf16_without_bom(data)
    if found:
        return found
    if html:
        declared = html_declared_encoding(data)
        if declared:
            return declared
    if _mostly_utf8(data):
        return "utf-8"
    best = from_bytes(data[: 1024 * 1024]).best()
    if best is None:
        return "cp1252"
    name = codecs.lookup(best.encoding).name
    if name.startswith(("utf-16", "utf-32")):
        # Without a BOM or the NUL pattern above, a UTF-16 guess is a misreading of a few
        # 8-bit bytes (charset-normalizer guesses widely on short samples).
        return "cp1252"
    return name


def decode(data: bytes, *, html: bool = False, complete: bool = True) -> str:
    """`data` as text, BOM removed. `complete=False` means `data` is a prefix of the file, so a
    multi-byte character cut at its end is dropped rather than shown as U+FFFD; a file read
    whole keeps every character, including its last."""
    encoding = detect_encoding(data, html=html)
    decoder = codecs.getincrementaldecoder(encoding)(errors="engageiq_cp1252_per_byte")
    if encoding == "utf-8":
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="engageiq_cp1252_per_byte")
    text: str = decoder.decode(data, final=complete)
    if bom_encoding(data) and text.startswith("\ufeff"):
        text = text[1:]
    return text
