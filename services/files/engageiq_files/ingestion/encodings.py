# ruff: noqa: RUF001, RUF002  (the look-alike letters and signs are what this module tells apart)
"""Decoding the bytes of text files (txt, md, csv, html) to text, per file.

Order of evidence, strongest first:
1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) - always honoured;
2. for HTML only, the WHATWG prescan of the first 1024 bytes for `<meta charset>` or
   `<meta http-equiv="Content-Type" content="...charset=...">` (HTML Standard, "determining
   the character encoding");
3. UTF-8 when the bytes are UTF-8: strictly, or "mostly" (more valid multi-byte sequences than
   stray bytes, each stray byte alone among ASCII, as when one Windows-1252 "é" was pasted
   into a UTF-8 export, and the whole reading plausible). Stray bytes are then decoded one by
   one as Windows-1252, so the rest of the file stays UTF-8;
4. ISO-8859-15 when the file has none of cp1252's own bytes and its cp1252 reading shows a
   Latin-9 letter where cp1252 has a sign ("40 ¤" for "40 €");
5. otherwise `charset-normalizer`'s best guess for this file (cp1251, Shift_JIS, GB18030...),
   except when the evidence is thin (decision 0103): when the bytes read as plausible
   Windows-1252 text (`_plausible`: every byte defined, no symbol inside a word, one script
   per word, mostly ASCII letters) and at most `THIN_EVIDENCE` characters would differ from
   the guess's reading, Windows-1252 is used. A short Spanish or German export has two or
   three accented letters; the detector's statistics cannot tell cp1250 or mac_roman from
   cp1252 on so little, but the file almost certainly came from a Western Windows machine;
6. and among candidates the detector scores alike (on a short text it finds no language, and
   cp1125, cp1251 and cp1255 tie for "Привет, мир"), the most common encoding whose reading
   is plausible (`COMMON_ENCODINGS`): a DOS or Mac code page, or a CJK reading of two 8-bit
   letters, is used only when nothing more common reads the bytes as text;
7. and last, spelling (decision 0129, `orthography`): a reading whose letters no language
   writes together or in those places ("Gyõr", "Dìkujeme", "Kè", "Þen", "MŸller", "Cittˆ",
   Greek read as Cyrillic "Рбрбдьрпхлпт", Japanese read as rare Hangul), or spelled only as
   a language its code page does not write (Czech letters in Windows-1252), gives way to
   the first reading in `RESPELLED` spelled as one language that code page writes (a later
   one only when `TYPICAL_MARGIN` times as typical: its letters frequent in the language,
   charset-normalizer's tables). A Western reading (Windows-1252, Latin-9, Mac Roman) that
   is spelled, line by line as one Western language each, always stands: Muñoz stays Muñoz.
   A reading elsewhere gives way to one that margin more typical (Turkish "Akın" read as
   Windows-1250 "Akýn"). ISO-8859-7 is told from Windows-1253 by "¤" where it has "€".

`decode_as` also returns the encoding used, as a label people know (`windows-1252`,
`utf-8`), which the file shows, so a wrong guess can be seen.
"""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
from typing import Final

from charset_normalizer import CharsetMatches, from_bytes
from charset_normalizer.utils import is_multi_byte_encoding

from engageiq_files.ingestion.orthography import spelled, typical

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
LATIN_9: Final = "iso8859-15"
GREEK_ISO: Final = "iso8859-7"
_WESTERN_FAMILY: Final = frozenset({"cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii"})
THIN_EVIDENCE: Final = 8
"""At most this many characters read differently under the detector's guess and under
Windows-1252: too few to outweigh the prior that a file from a Western office is cp1252."""
MAX_NON_ASCII_LETTERS: Final = 0.25
"""Share of Latin letters beyond ASCII in plausible Latin text (Cyrillic read as cp1252 is
~100%)..."""
NON_ASCII_LETTERS_SLACK: Final = 2
"""...beyond this many: a file of one word ("Größe", "ÉTÉ") is Western text too."""
COMMON_ENCODINGS: Final = (
    "cp1252",
    "cp1255",
    "cp1251",
    "cp1250",
    "cp1253",
    "cp1257",
    "cp1256",
    "gb18030",
    "cp932",
    "big5",
    "cp949",
    "euc_jp",
    "koi8-r",
    "mac-roman",
)
"""When the detector's statistics cannot tell code pages apart (a short text: every candidate
scores the same), the first of these whose reading is plausible is used. The single-byte
Windows code pages come first, Hebrew before Cyrillic (Hebrew has a test of its own, final
letters end words, while every Hebrew letter is also a Cyrillic one): a CJK reading of a few
8-bit letters is nearly always valid (any two high bytes make an ideograph), while an 8-bit
reading of CJK text is not plausible."""
TYPICAL_MARGIN: Final = 2.0
"""A spelled reading outside the Western code pages gives way only to one this many times as
typical (`orthography.typical`): Turkish "Akın" (0.77) over Slovak-looking "Akýn" (0.15),
but not Lithuanian-looking "Šuršica Kovačevię" (0.38) over Croatian "Đurđica Kovačević"
(0.31)."""
RESPELLED: Final = (
    "cp1252",
    "cp1250",
    "cp1254",
    "cp1257",
    "mac-roman",
    "cp1253",
    "cp1251",
    "cp1256",
    "gb18030",
    "cp932",
    "big5",
    "cp949",
    "cp850",
)
"""The encodings a misspelled reading is replaced with, most common first; the first whose
reading is plausible and spelled is used. Last, DOS Western (cp850), which command-line
tools and old ERPs on Western Windows write."""
_DETECTOR_CHAOS: Final = 0.35
"""charset-normalizer's bound on a candidate's chaos (its default is 0.2): a French text dense
with „“‚‘…™ scores 0.22 as cp1252 (0.16 as cp1257) and cp1252 was not even offered."""
_TIE_CHAOS: Final = 0.15
_TIE_CHAOS_MULTI_BYTE: Final = 0.05
_TIE_COHERENCE: Final = 0.01
"""Two detector scores (chaos, coherence: 0-1) this close are a tie: a French paragraph in
cp1252 scores chaos 0.025 as cp1252 and 0 as cp1257 (Baltic), both read as "Estonian"; a
Russian CSV 0.11 as cp1251 and 0 as mac_cyrillic. Multi-byte candidates tie more narrowly:
any CJK encoding reads another's bytes as valid ideographs, so their plausibility cannot
tell them apart, and the detector's order stands. They are never added to its candidates
either (a CJK text's own encoding is always among them)."""
_WORD: Final = re.compile(r"[^\W\d_]+")
_WORD_INSIDE: Final = re.compile(r"(?<=[^\W\d_])[^\x00-\x7f](?=[^\W\d_])")
_INSIDE_A_WORD: Final = frozenset("\u2019\u00b7")
"""Non-letters that do sit inside words: the typographic apostrophe (French "l’offre", Dutch
"’s avonds") and the Catalan middle dot ("col·legi")."""
_NOT_TEXT: Final = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd\u2500-\u259f\ue000-\uf8ff]")
"""Control characters, U+FFFD, DOS box drawing and private use: no text file holds these,
but the wrong code page reads them (cp866 or cp1125 for a Windows Cyrillic file)."""
_SIGNS: Final = "±¶¼½¾²³¹×÷¬¦¨¯¸¤¢§"
_SIGN_BY_LETTER: Final = re.compile(
    rf"[{_SIGNS}](?=[^\W\d_\x00-\x7f])|(?<=[^\W\d_\x00-\x7f])[{_SIGNS}]"
)
"""A sign that people write beside digits or spaces ("±5", "½", "§ 3"), touching a letter
beyond ASCII: Korean in cp949 read as cp1255 gives "±טֳ¶¼צ". (Not "°": Russian writes
"25°С" with a Cyrillic С.)"""
_SCRIPTS: Final = frozenset(
    {"LATIN", "CYRILLIC", "GREEK", "HEBREW", "ARABIC", "THAI", "HANGUL", "HALFWIDTH"}
)
_CJK_SCRIPTS: Final = frozenset({"CJK", "HIRAGANA", "KATAKANA"})
_HEBREW_FINAL: Final = re.compile(r"[\u05da\u05dd\u05df\u05e3\u05e5](?=[\u05d0-\u05ea])")
_HEBREW_NOT_FINAL: Final = re.compile(r"(?<=[\u05d0-\u05ea])[\u05db\u05de\u05e0\u05e4\u05e6]\b")
_HEBREW_POINTS: Final = re.compile(
    r"(?<![\u05b0-\u05c7\u05d0-\u05ea])[\u05b0-\u05c7]|[\u05b0-\u05c7]{4}"
)
"""Hebrew writes five letters in a final form at the end of a word and only there; Cyrillic or
Greek read as cp1255 puts them anywhere, and reads capitals as vowel points that stand
alone or pile up (a real letter carries at most three)."""
_LATIN_9_ONLY: Final = re.compile(r"¤|[¼½¾](?=[^\W\d_])|(?<=[^\W\d_])[¼½¾¦¨¸]")
"""Where a Windows-1252 reading shows an ISO-8859-15 file: "40 ¤" (or a CSV field "¤") is
"40 €" (nobody writes the generic currency sign), "s½ur" is "sœur", "¦" and "¨" inside a
word are "Š" and "š". (Not "´": people type it as an apostrophe.)"""
_ADJACENT_HIGH: Final = re.compile(rb"[\x80-\xff]{2}")
_EVIDENCE_BYTES: Final = 256 * 1024
"""How much of a file the plausibility of a reading is judged on."""
_SPELLING_BYTES: Final = 16 * 1024
"""How much of a file its spelling is judged on (`_better_spelled`): a few hundred lines
show a language's letters as well as more, and a dozen readings of them are weighed."""
_CP1252_ONLY: Final = re.compile(rb"[\x80-\x9f]")
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
    """Whether `data` is UTF-8: strictly, or with a few stray bytes of an 8-bit encoding (one
    Windows-1252 "é" pasted into a UTF-8 export). Each stray byte must stand alone between
    ASCII text, and the reading must be plausible: GB18030 or Big5 text is full of byte pairs
    that happen to be valid UTF-8 (Hebrew or Cyrillic letters) beside its other bytes, and
    reads as a jumble of scripts."""
    try:
        # Incremental: a character cut at the end of a prefix is still UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
        return True
    except UnicodeDecodeError:
        pass
    rest, valid = _UTF8_SEQUENCE.subn(b"a", data)
    stray = sum(1 for b in rest if b >= 0x80)
    if not 0 < stray <= valid or _ADJACENT_HIGH.search(rest):
        return False
    sample = data[:_EVIDENCE_BYTES]
    decoder = codecs.getincrementaldecoder("utf-8")(errors="engageiq_cp1252_per_byte")
    return _plausible(decoder.decode(sample, final=False))


def _script(char: str) -> str | None:
    """The writing system of a letter beyond ASCII (`LATIN`, `CYRILLIC`, `CJK`...), or None
    for letters that belong to none in particular (µ, ª, modifier letters)."""
    first = unicodedata.name(char, "").partition(" ")[0]
    if first in _CJK_SCRIPTS:
        return "CJK"
    return first if first in _SCRIPTS else None


def _not_hebrew(text: str) -> bool:
    """Whether the Hebrew in `text` breaks Hebrew's spelling (see `_HEBREW_FINAL`)."""
    return any(p.search(text) for p in (_HEBREW_FINAL, _HEBREW_NOT_FINAL, _HEBREW_POINTS))


_HALFWIDTH_IN_LATIN: Final = re.compile(r"[A-Za-z][\uff61-\uff9f][A-Za-z]")
"""A half-width katakana letter or mark between two ASCII letters: no Japanese text writes
one inside a Latin word, but a DOS Western file (cp850, cp437) read as Shift_JIS shows its
"ñ" and "ó" so ("se､or", "firm｢"): bytes 0xA1-0xDF are half-width katakana there."""


def _cjk_mark(char: str) -> bool:
    """Whether `char` is CJK punctuation or a full-width form ("，", "：", "・"): text written
    without spaces puts them between letters."""
    return "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uff65" or char == "\u30fb"


def _plausible(text: str, *, dense: bool = False) -> bool:
    """Whether `text`, one reading of a file's bytes, looks like text people write: no
    control characters, box drawing or U+FFFD; no sign such as "±" or "¶" touching a letter
    beyond ASCII; no symbol inside a word ("Zaż" in cp1250
    read as cp1252 is "Za¿"); each word in one script ("Muñoz" in cp1252 read as cp1251 is
    "Muсoz"); Hebrew final letters only at a word's end; no capital after a small letter
    beyond ASCII (KOI8-R read as cp1251: "фБТЙЖ"); no half-width katakana inside a Latin
    word (DOS cp850 read as Shift_JIS: "se､or"); and few Latin letters beyond ASCII
    (Cyrillic read as cp1252 is all "Ïðèâåò"), unless `dense` (a reading spelled as one
    language: Czech "měsíčně, Kříž" has as many)."""
    if _NOT_TEXT.search(text) or _SIGN_BY_LETTER.search(text) or _not_hebrew(text):
        return False
    if _HALFWIDTH_IN_LATIN.search(text):
        return False
    inside = _WORD_INSIDE.findall(text)
    if any(c not in _INSIDE_A_WORD and not c.isalpha() and not _cjk_mark(c) for c in inside):
        return False
    latin = beyond = 0
    for word in _WORD.findall(text):
        if word.isascii():
            latin += len(word)
            continue
        scripts = {_script(c) if ord(c) > 0x7F else "LATIN" for c in word} - {None}
        if len(scripts) > 1:
            return False
        if any(
            a.islower() and b.isupper() and not (a + b).isascii()
            for a, b in itertools.pairwise(word)
        ):
            return False
        if scripts == {"LATIN"}:
            latin += len(word)
            beyond += sum(1 for c in word if ord(c) > 0x7F)
    return dense or beyond <= MAX_NON_ASCII_LETTERS * latin + NON_ASCII_LETTERS_SLACK


def _reading(data: bytes, codec: str) -> str | None:
    """`data` (a prefix of the file) decoded with `codec`, or None where it is not valid."""
    try:
        return codecs.getincrementaldecoder(codec)().decode(data, final=False)
    except (UnicodeDecodeError, LookupError):
        return None


def plausible_western(data: bytes) -> str | None:
    """`data` read as Windows-1252 when that reading is plausible text (`_plausible`: every
    byte defined, no symbol inside a word, few letters beyond ASCII...). None otherwise."""
    text = _reading(data, WESTERN)
    return text if text is not None and _plausible(text) else None


def _latin_9(data: bytes) -> bool:
    """Whether `data` is ISO-8859-15 rather than Windows-1252: it has none of cp1252's own
    bytes (0x80-0x9F), and the cp1252 reading shows a Latin-9 letter where cp1252 has a sign
    ("40 ¤" for "40 €", "s½ur" for "sœur")."""
    if _CP1252_ONLY.search(data):
        return False
    latin_1 = data.decode("latin-1")
    if not _LATIN_9_ONLY.search(latin_1):
        return False
    return _plausible(data.decode(LATIN_9))


def _greek_iso(data: bytes) -> bool:
    """Whether Greek `data` is ISO-8859-7 rather than Windows-1253: it has none of cp1253's own
    bytes (0x80-0x9F) and shows "¤" where ISO-8859-7 has "€" (0xA4), as `_latin_9`."""
    if _CP1252_ONLY.search(data):
        return False
    text = _reading(data, GREEK_ISO)
    return b"\xa4" in data and text is not None and _plausible(text)


def _prefer_western(data: bytes, guess: str) -> bool:
    """Whether the evidence for `guess` (a detector's guess) is too thin against cp1252,
    whose reading of `data` is plausible."""
    return guess in _WESTERN_FAMILY or _thin(data, guess, WESTERN)


def _thin(data: bytes, guess: str, common: str) -> bool:
    """Whether `data` read as `guess` differs from its reading as `common` (a plausible
    reading) in at most `THIN_EVIDENCE` characters: too few to prefer a rare code page
    (mac_turkish, cp850) to a common one that reads almost the same (Mac Roman)."""
    guessed = _reading(data, guess)
    reading = _reading(data, common)
    if guessed is None or reading is None or len(guessed) != len(reading):
        return False  # a multi-byte guess: weighed against the others in `_likeliest`
    differing = sum(1 for a, b in zip(guessed, reading, strict=True) if a != b)
    return differing <= THIN_EVIDENCE


def _common_near(data: bytes, guess: str) -> str | None:
    """The first common single-byte encoding (after cp1252, whose reading is not plausible)
    whose reading of `data` is plausible and thinly different from `guess`'s, if any."""
    for common in COMMON_ENCODINGS[1:]:
        if is_multi_byte_encoding(common) or common == guess:
            continue
        text = _reading(data, common)
        if text is not None and _plausible(text) and _thin(data, guess, common):
            return common
    return None


def _likeliest(data: bytes, matches: CharsetMatches, guess: str | None) -> str:
    """The encoding among the detector's best-scoring candidates (and, when it found no
    language to tell them apart, the common single-byte encodings) that comes first in
    `COMMON_ENCODINGS` and reads `data` plausibly. Common CJK encodings share one place in
    that order, the lower chaos first (any of them reads another's bytes as ideographs:
    Korean "고객" scores 0 as cp949 and 0.04 as gb18030), and rare ones (johab,
    big5hkscs) come last. When none of those reads plausibly, the first common single-byte
    encoding that does (the detector can drop cp1252 and offer mac_latin2, whose reading
    "PerÚ" is not text); then any candidate of the detector's that does; else its guess."""
    best = matches.best()
    chaos: dict[str, float] = {}
    for m in matches:
        chaos.setdefault(codecs.lookup(m.encoding).name, m.chaos)
    candidates = [
        codecs.lookup(m.encoding).name
        for m in matches
        if best is not None
        and m.chaos
        <= best.chaos
        + (_TIE_CHAOS_MULTI_BYTE if is_multi_byte_encoding(m.encoding) else _TIE_CHAOS)
        and m.coherence >= best.coherence - _TIE_COHERENCE
    ]
    common = [c for c in COMMON_ENCODINGS if not is_multi_byte_encoding(c)]
    if best is None or best.coherence < _TIE_COHERENCE:
        candidates += common
    rank = {name: i for i, name in enumerate(COMMON_ENCODINGS)}
    cjk = rank["gb18030"]

    def order(codec: str) -> tuple[int, float, int]:
        place = rank.get(codec, len(rank))
        if not is_multi_byte_encoding(codec):
            return (place, 0.0, place)
        return (cjk if codec in rank else len(rank), chaos.get(codec, 0.0), place)

    ordered = sorted(dict.fromkeys(candidates), key=order)
    for codec in [*ordered, *common, *chaos]:
        text = _reading(data, codec)
        if text is not None and _plausible(text):
            return codec
    return guess or WESTERN


def encoding_label(codec: str) -> str:
    """A codec name as people know it: `cp1252` -> `windows-1252`, `utf_8` -> `utf-8`."""
    name = codecs.lookup(codec).name
    match = _CP_LABEL.match(name)
    return f"windows-{match.group(1)}" if match else name


def detect_encoding(data: bytes, *, html: bool = False) -> str:
    """The codec to decode `data` with (see the module docstring for the order of evidence).
    Never fails: bytes no detector recognises are read as Windows-1252, or as UTF-8 with
    per-byte fallback."""
    found = bom_encoding(data) or utf16_without_bom(data)
    if found:
        return found
    if html:
        declared = html_declared_encoding(data)
        if declared:
            return declared
    if _mostly_utf8(data):
        return "utf-8"
    sample = data[:_EVIDENCE_BYTES]
    if _latin_9(sample):
        return _better_spelled(sample, LATIN_9)
    matches = from_bytes(data[: 1024 * 1024], threshold=_DETECTOR_CHAOS)
    best = matches.best()
    guess = None if best is None else codecs.lookup(best.encoding).name
    if guess is not None and guess.startswith(("utf-16", "utf-32")):
        # Without a BOM or the NUL pattern above, a UTF-16 guess is a misreading of a few
        # 8-bit bytes (charset-normalizer guesses widely on short samples).
        guess = None
    western = plausible_western(sample) is not None
    if western and _prefer_western(sample, guess or WESTERN):
        return _better_spelled(sample, WESTERN)
    # A plausible cp1252 reading is weighed in `_likeliest`, before any other common one.
    near = _common_near(sample, guess) if guess is not None and not western else None
    chosen = _better_spelled(sample, near or _likeliest(sample, matches, guess))
    return GREEK_ISO if chosen == "cp1253" and _greek_iso(sample) else chosen


def _better_spelled(data: bytes, chosen: str) -> str:
    """`chosen`, unless its reading of `data` is spelled as no language it writes
    (`orthography.spelled`: "Gyõr", "Dìkujeme", "MŸller") and a common encoding's plausible
    reading is, as one language: then the first such in `RESPELLED`, or a later one
    `TYPICAL_MARGIN` times as typical (`orthography.typical`). A spelled reading in a code
    page other than the Western ones (Windows-1252, Latin-9, Mac Roman) gives way, too, to a
    reading that margin more typical (Turkish "Akın" over Windows-1250 "Akýn")."""
    data = data[:_SPELLING_BYTES]
    text = _reading(data, chosen)
    if text is None:
        return chosen
    best, bar = chosen, -1.0
    if spelled(text, chosen):
        if chosen in _WESTERN_FAMILY or chosen == "mac_roman":
            return chosen
        # Another code page's spelled reading is weighed against this one's: Turkish read as
        # Windows-1250 is Slovak-looking ("Akýn"), but "ý" is a rare Slovak letter.
        bar = TYPICAL_MARGIN * typical(text, chosen)
    for codec in RESPELLED:
        other = _reading(data, codec) if codec != chosen else None
        if (
            other is not None
            and spelled(other, codec, strict=True)
            and _plausible(other, dense=True)
            and (score := typical(other, codec)) > bar
        ):
            # A later (less common) code page must be more typical by the margin again.
            best, bar = codec, TYPICAL_MARGIN * score
    return best


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
