"""Decoding the bytes of text files (txt, md, csv, html) to text, per file.

Order of evidence, strongest first:
1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) - always honoured;
2. for HTML only, the WHATWG prescan of the first 1024 bytes for `<meta charset>` or
   `<meta http-equiv="Content-Type" content="...charset=...">` (HTML Standard, "determining
   the character encoding");
3. UTF-8 when the bytes are UTF-8: strictly, or "mostly" (more valid multi-byte sequences than
   stray bytes, as when one Windows-1252 "é" was pasted into a UTF-8 export). Stray bytes are
   then decoded one by one as Windows-1252, so the rest of the file stays UTF-8;
4. otherwise `charset-normalizer`'s best guess for this file (cp1251, Shift_JIS, GB18030...),
   except when the evidence is thin (decision 0103): when the bytes read as plausible
   Windows-1252 text (every byte defined, no symbol inside a word, mostly ASCII letters) and
   at most `THIN_EVIDENCE` characters would differ from the guess's reading, Windows-1252 is
   used. A short Spanish or German export has two or three accented letters; the detector's
   statistics cannot tell cp1250 or mac_roman from cp1252 on so little, but the file almost
   certainly came from a Western Windows machine. A real Cyrillic or Central European text
   of some length differs in far more characters (or is not plausible Windows-1252 at all:
   Polish "ą" reads as "¹") and keeps the detector's guess.

`decode_as` also returns the encoding used, as a label people know (`windows-1252`,
`utf-8`), which the file shows, so a wrong guess can be seen.
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
WESTERN: Final = "cp1252"
_WESTERN_FAMILY: Final = frozenset({"cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii"})
THIN_EVIDENCE: Final = 8
"""At most this many characters read differently under the detector's guess and under
Windows-1252: too few to outweigh the prior that a file from a Western office is cp1252."""
MAX_NON_ASCII_LETTERS: Final = 0.25
"""Share of letters beyond ASCII in plausible Western text (Cyrillic read as cp1252 is ~100%)."""
_WORD_INSIDE: Final = re.compile(r"(?<=[^\W\d_])[^\x00-\x7f](?=[^\W\d_])")
_CP_LABEL: Final = re.compile(r"^cp(125\d|874)$")
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


def plausible_western(data: bytes) -> str | None:
    """`data` read as Windows-1252 when that reading looks like Western European text: every
    byte defined, no control characters but tab and line ends, no symbol inside a word
    ("Zaż" in cp1250 reads "Za¿"), and few letters beyond ASCII. None otherwise."""
    try:
        text = data.decode(WESTERN)
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 0x20 and c not in "\t\r\n\f" for c in text):
        return None
    if any(not c.isalpha() for c in _WORD_INSIDE.findall(text)):
        return None
    letters = sum(1 for c in text if c.isalpha())
    beyond = sum(1 for c in text if c.isalpha() and ord(c) > 0x7F)
    return text if beyond <= MAX_NON_ASCII_LETTERS * letters else None


def _prefer_western(data: bytes, guess: str) -> bool:
    """Whether the evidence for `guess` (a detector's guess) is too thin against cp1252."""
    if guess in _WESTERN_FAMILY:
        return plausible_western(data) is not None or guess == WESTERN
    western = plausible_western(data)
    if western is None:
        return False
    guessed = data.decode(guess, errors="replace")
    if len(guessed) != len(western):
        return False  # a multi-byte guess (Shift_JIS, GB18030): not a Western look-alike
    differing = sum(1 for a, b in zip(guessed, western, strict=True) if a != b)
    return differing <= THIN_EVIDENCE


def encoding_label(codec: str) -> str:
    """A codec name as people know it: `cp1252` -> `windows-1252`, `utf_8` -> `utf-8`."""
    name = codecs.lookup(codec).name
    match = _CP_LABEL.match(name)
    return f"windows-{match.group(1)}" if match else name


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
    return WESTERN if _prefer_western(data, name) else name


def decode(data: bytes, *, html: bool = False, complete: bool = True) -> str:
    """`data` as text, BOM removed. `complete=False` means `data` is a prefix of the file, so a
    multi-byte character cut at its end is dropped rather than shown as U+FFFD; a file read
    whole keeps every character, including its last."""
    return decode_as(data, html=html, complete=complete)[0]


def decode_as(data: bytes, *, html: bool = False, complete: bool = True) -> tuple[str, str]:
    """(`decode`'s text, the encoding's label, e.g. `windows-1252`)."""
    encoding = detect_encoding(data, html=html)
    decoder = codecs.getincrementaldecoder(encoding)(errors="engageiq_cp1252_per_byte")
    if encoding == "utf-8":
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="engageiq_cp1252_per_byte")
    text: str = decoder.decode(data, final=complete)
    if bom_encoding(data) and text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding_label(encoding)
