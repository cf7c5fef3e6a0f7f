"""A list number as Word writes it in a numbering format (`w:numFmt`, ECMA-376 Part 1
§17.18.59 ST_NumberFormat; decisions 0137, 0140, 0143).

Western: decimal, decimalZero, lower/upperLetter (the letter repeated after z: "aa"),
lower/upperRoman, ordinal ("3rd"), cardinalText and ordinalText ("Three", "Third", English, as
Word writes them in an English document), numberInDash ("- 3 -"), chicago (*, †, ‡, §, then
doubled), decimalEnclosedCircle ("③"), decimalEnclosedFullstop ("⒊"), decimalEnclosedParen
("⑶"), russianLower/Upper ("в"). East Asian: decimalFullWidth (full-width digits),
ideographDigital and japaneseDigitalTenThousand (a character a digit: "一〇" for 10),
japaneseCounting and chineseCounting ("十一", "二十"; Chinese writes 零 for an inner zero and 一
before a leading hundred), japaneseLegal ("壱", "拾"), ideographTraditional (the ten heavenly
stems), ideographZodiac (the twelve branches), aiueo and iroha (half-width katakana in gojūon or
iroha order, "FullWidth" forms full-width, repeated after the last as letters are), ganada and
chosung (Korean), koreanDigital, koreanCounting (일, 십일; 일 dropped before a unit as Japanese
drops 一), chineseLegalSimplified and ideographLegalTraditional (壹拾壹),
taiwaneseCounting(Thousand) as Chinese counting. Other scripts (Hebrew, Arabic, Thai, Hindi,
Vietnamese, native Korean, hex, dollarText, the sexagenary cycle) are in `list_scripts.py`.
decimalHalfWidth is decimal. Every ST_NumberFormat value is read. `custom` with a zero-padded
pattern (Word 2010's `w:format="001, 002, 003, ..."`) pads to its width.

A number a format cannot show (0 or less where the format starts at 1, past the end of a
finite set such as ①-⑳, or past `MAX_SHOWN`) is shown in decimal, as Word does past a set's
end; formats not listed read as decimal. `none` and `bullet` show nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from engageiq_files.ingestion.list_scripts import (
    DIGIT_SETS,
    HINDI_VOWELS,
    LETTER_SETS,
    WORDS,
)

MAX_SHOWN: Final = 3999
"""Largest number shown in letters, words or Roman numerals (Roman numerals end at 3,999);
larger ones read in decimal, so a hostile start of 10^9 never builds a billion-character
label."""
MAX_REPEATS: Final = 8
"""Repetitions of a character shown by sets that repeat (kana, chicago's *†‡§, Korean, Russian
letters); beyond, decimal."""
_ROMAN: Final = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)
_ONES: Final = (
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
)
_TENS: Final = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty")
_TENS_NINETY: Final = (*_TENS, "ninety")
_ORDINAL_WORDS: Final = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_IDEOGRAPH_DIGITS: Final = "〇一二三四五六七八九"
_LEGAL_DIGITS: Final = "〇壱弐参四伍六七八九"
_KOREAN_DIGITS: Final = "영일이삼사오육칠팔구"
_AIUEO: Final = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
)
_IROHA: Final = (
    "イロハニホヘトチリヌルヲワカヨタレソツネナラムウヰノオクヤマケフコエテアサキユメミシヱヒモセス"
)
_HALF_WIDTH: Final = {
    unicodedata.normalize("NFKC", chr(code)): chr(code) for code in range(0xFF66, 0xFF9E)
} | {"ヰ": "ｲ", "ヱ": "ｴ"}
"""Full-width katakana -> its half-width form (ヰ and ヱ have none: Word uses ｲ and ｴ)."""
_SETS: Final[dict[str, str]] = {
    "aiueo": "".join(_HALF_WIDTH.get(c, c) for c in _AIUEO),
    "aiueoFullWidth": _AIUEO,
    "iroha": "".join(_HALF_WIDTH.get(c, c) for c in _IROHA),
    "irohaFullWidth": _IROHA,
    "ganada": "가나다라마바사아자차카타파하",
    "chosung": "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎ",
    "russianLower": "абвгдежзиклмнопрстуфхцчшщэюя",
    "russianUpper": "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ",
}
"""Formats that count through a set of characters, repeating it (47 is "ｱｱ") after its end."""
_FINITE: Final[dict[str, str]] = {
    "decimalEnclosedCircle": "".join(chr(0x2460 + n) for n in range(20)),
    "decimalEnclosedCircleChinese": "".join(chr(0x2460 + n) for n in range(10)),
    "decimalEnclosedFullstop": "".join(chr(0x2488 + n) for n in range(20)),
    "decimalEnclosedParen": "".join(chr(0x2474 + n) for n in range(20)),
    "ideographEnclosedCircle": "".join(chr(0x3280 + n) for n in range(10)),
    "ideographTraditional": "甲乙丙丁戊己庚辛壬癸",
    "ideographZodiac": "子丑寅卯辰巳午未申酉戌亥",
}
"""Formats of a finite set, 1 its first character; numbers past its end read in decimal."""
_DIGIT_BY_DIGIT: Final = {
    "ideographDigital": _IDEOGRAPH_DIGITS,
    "japaneseDigitalTenThousand": _IDEOGRAPH_DIGITS,
    "koreanDigital": _KOREAN_DIGITS,
    "decimalFullWidth": "".join(chr(0xFF10 + n) for n in range(10)),
    "decimalFullWidth2": "".join(chr(0xFF10 + n) for n in range(10)),
    **DIGIT_SETS,
}
_CHICAGO: Final = "*†‡§"
_REPEATING: Final[dict[str, str | tuple[str, ...]]] = {
    **_SETS,
    **LETTER_SETS,
    "hindiVowels": HINDI_VOWELS,
    "chicago": _CHICAGO,
}


@dataclass(frozen=True)
class _Counting:
    """An East Asian counting system: its digits (0 first), its units for thousands,
    hundreds and tens, when a leading one is left out ("drop": before every unit;
    "before ten": before a leading ten only; "keep": never) and whether inner zeros are
    written, and how (Chinese 一百零一; "" for not)."""

    digits: str
    units: tuple[str, str, str]
    one: str
    zero: str


_CHINESE: Final = _Counting(_IDEOGRAPH_DIGITS, ("千", "百", "十"), "before ten", zero="零")
_COUNTING: Final = {
    "japaneseCounting": _Counting(_IDEOGRAPH_DIGITS, ("千", "百", "十"), "drop", zero=""),
    "japaneseLegal": _Counting(_LEGAL_DIGITS, ("千", "百", "拾"), "drop", zero=""),
    "chineseCounting": _CHINESE,
    "chineseCountingThousand": _CHINESE,
    "taiwaneseCounting": _CHINESE,
    "taiwaneseCountingThousand": _CHINESE,
    "chineseLegalSimplified": _Counting(
        "零壹贰叁肆伍陆柒捌玖", ("仟", "佰", "拾"), "keep", zero="零"
    ),
    "ideographLegalTraditional": _Counting(
        "零壹貳參肆伍陸柒捌玖", ("仟", "佰", "拾"), "keep", zero="零"
    ),
    "koreanCounting": _Counting(_KOREAN_DIGITS, ("천", "백", "십"), "drop", zero=""),
}
"""Formats in East Asian counting, by their system."""
_PADDED: Final = re.compile(r"\s*(0+)1\s*(?:,|$)")


def formatted(number: int, number_format: str, custom: str = "") -> str:  # noqa: PLR0911
    """`number` as Word writes it in `number_format` (see the module's docstring); `custom`
    is the `w:format` pattern of a `custom` format."""
    if number_format in {"none", "bullet"}:
        return ""
    if number_format == "decimalZero":
        return f"{number:02d}" if 0 <= number < 10 else str(number)
    if number_format == "custom":
        padded = _PADDED.match(custom)
        width = len(padded.group(1)) + 1 if padded else 0
        return str(number).zfill(width) if number >= 0 and width <= 16 else str(number)
    if number_format == "numberInDash":
        return f"- {number} -"
    if number_format == "ordinal":
        suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10)
        return f"{number}{suffix or 'th'}"
    if not 0 < number <= MAX_SHOWN:
        if number == 0 and number_format in _DIGIT_BY_DIGIT:
            return _DIGIT_BY_DIGIT[number_format][0]
        return str(number)
    return _shown(number, number_format)


def _shown(number: int, number_format: str) -> str:  # noqa: PLR0911  (one per family)
    """`number` (1 to `MAX_SHOWN`) in `number_format`."""
    if number_format in {"lowerLetter", "upperLetter"}:
        letter = chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return letter.upper() if number_format == "upperLetter" else letter
    if number_format in {"lowerRoman", "upperRoman"}:
        roman = _roman(number)
        return roman.upper() if number_format == "upperRoman" else roman
    if number_format in _REPEATING:
        return _repeated(_REPEATING[number_format], number)
    if number_format in WORDS:
        return WORDS[number_format](number)
    if number_format in _FINITE:
        characters = _FINITE[number_format]
        return characters[number - 1] if number <= len(characters) else str(number)
    if number_format in _DIGIT_BY_DIGIT:
        digits = _DIGIT_BY_DIGIT[number_format]
        return "".join(digits[int(d)] for d in str(number))
    if number_format in _COUNTING:
        return _counting(number, _COUNTING[number_format])
    if number_format == "cardinalText":
        return _capitalised(_words(number))
    if number_format == "ordinalText":
        return _capitalised(_ordinal_words(number))
    if number_format == "dollarText":
        return f"{_capitalised(_words(number))} and 00/100"
    return str(number)


def _repeated(characters: str | tuple[str, ...], number: int) -> str:
    """`number` in a set that repeats after its last character (the 47th kana is "ｱｱ");
    decimal past `MAX_REPEATS` repetitions, so a hostile start never builds a long label."""
    times = (number - 1) // len(characters) + 1
    return (
        characters[(number - 1) % len(characters)] * times if times <= MAX_REPEATS else str(number)
    )


def _roman(number: int) -> str:
    pieces = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        pieces.append(letters * count)
    return "".join(pieces)


def _counting(number: int, system: _Counting) -> str:
    """`number` (1-9,999) in East Asian counting: thousands, hundreds and tens each a digit and
    its unit (千 百 十). Japanese and Korean drop a leading one before each unit (百一 for 101,
    백일); Chinese keeps it before 百 and 千, drops it before a leading 十 (十一), and writes 零
    once for inner zeros (一百零一); the legal (financial) forms keep it before every unit
    (壹拾壹)."""
    pieces: list[str] = []
    units = zip((1000, 100, 10, 1), (*system.units, ""), strict=True)
    zero_pending = False
    for value, unit in units:
        digit, number = divmod(number, value)
        if digit == 0:
            zero_pending = bool(pieces)
            continue
        if zero_pending:
            pieces.append(system.zero)
        zero_pending = False
        if system.one == "drop":
            leading_one = digit == 1 and bool(unit)
        elif system.one == "before ten":
            leading_one = digit == 1 and unit == system.units[2] and not pieces
        else:
            leading_one = False
        pieces.append(("" if leading_one else system.digits[digit]) + unit)
    return "".join(pieces)


def _words(number: int) -> str:
    """`number` (1-9,999) in English words: "one hundred twenty-three"."""
    pieces = []
    thousands, rest = divmod(number, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        pieces.append(f"{_ONES[thousands]} thousand")
    if hundreds:
        pieces.append(f"{_ONES[hundreds]} hundred")
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        pieces.append(_TENS_NINETY[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest:
        pieces.append(_ONES[rest])
    return " ".join(pieces)


def _ordinal_words(number: int) -> str:
    """`number` in English ordinal words: "twenty-first", "one hundredth"."""
    words = _words(number)
    head, separator, last = max(
        words.rpartition(" "), words.rpartition("-"), key=lambda p: len(p[0])
    )
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + separator + last


def _capitalised(words: str) -> str:
    return words[:1].upper() + words[1:]
