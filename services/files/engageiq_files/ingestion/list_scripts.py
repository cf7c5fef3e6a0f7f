# ruff: noqa: RUF001, RUF002, SIM905  (Hebrew letters look like Latin ones; ten Hindi words a line read as a table)
"""List numbers in the scripts `list_formats.py` hands over (decision 0143): Hebrew, Arabic,
Thai, Devanagari (Hindi), Korean, Vietnamese and the Chinese legal and Taiwanese forms of
ECMA-376 Part 1 §17.18.59 ST_NumberFormat, and `hex`.

The specification names each format in one line ("Hebrew numerals", "Thai counting system")
and gives no table, so each is read as its script writes numbers, with the source named where
one was found:

- `hebrew1`: Hebrew numerals, letters adding up (קכג for 123), 15 and 16 as טו and טז,
  hundreds past 400 built on ת (תק for 500), thousands as a letter with a geresh (א׳); the
  values are the CSS Counter Styles' `hebrew` ones. Whether Word adds gershayim before the
  last letter is not known from a source: none is added.
- `hebrew2`: the 22 letters (no final forms), repeated after ת as Word repeats Latin letters.
- `arabicAlpha` (the 28 letters in alphabetical order, أ ب ت ث) and `arabicAbjad` (abjad
  order, أ ب ج د), as LibreOffice's numbering tables; repeated after the last.
- `thaiLetters`: the 41 consonants CSS Counter Styles' `thai-alphabetic` counts with (ก ข ค ง,
  the obsolete ฃ ฅ and ฆ left out), repeated after ฮ. `thaiNumbers`: Thai digits.
  `thaiCounting`: Thai words (สิบเอ็ด for 11, ยี่สิบ for 20); `bahtText` the same words and
  "บาทถ้วน" (baht exactly), as Excel's BAHTTEXT.
- `hindiNumbers`: Devanagari digits. `hindiVowels`: the 13 vowel letters of Hindi (अ आ इ ... अः);
  `hindiConsonants`: its 33 consonants (क ख ग ... ह); both repeated after the last. Which
  letters Word counts through is not known from a source: these are Hindi's own alphabet
  order. `hindiCounting`: Hindi words (इक्कीस for 21, "एक सौ एक" for 101).
- `koreanCounting`: Sino-Korean numerals in hangul (십일 for 11, 일 dropped before a unit);
  `koreanLegal`: native Korean numbers (하나, 둘, 열하나) to 99; `koreanDigital2`: a hanja
  digit a digit (一〇 for 10).
- `chineseLegalSimplified` (壹贰叁, 拾佰仟) and `ideographLegalTraditional` (壹貳參): the
  financial numerals, 壹 kept before each unit and 零 for inner zeros;
  `taiwaneseCounting`/`CountingThousand` as Chinese counting; `taiwaneseDigital` a digit a
  digit with ○ for zero. `ideographZodiacTraditional`: the sixty stem-branch pairs (甲子,
  乙丑, ... 癸亥).
- `vietnameseCounting`: Vietnamese words, northern usage (mười một, hai mươi mốt, mười lăm,
  một trăm linh năm, nghìn).
- `hex`: upper-case hexadecimal (Word's `\\* Hex` field switch writes upper case).
- `dollarText`: English words and "and 00/100", as Word's `\\* DollarText` field switch.

Numbers are 1 to `list_formats.MAX_SHOWN` here; the caller shows others in decimal. `koreanLegal`
past 99 and `ideographZodiacTraditional` past 60 read in decimal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

_HEBREW_ONES: Final = ("", "א", "ב", "ג", "ד", "ה", "ו", "ז", "ח", "ט")
_HEBREW_TENS: Final = ("", "י", "כ", "ל", "מ", "נ", "ס", "ע", "פ", "צ")
_HEBREW_HUNDREDS: Final = ("", "ק", "ר", "ש", "ת")
_GERESH: Final = "\u05f3"
_THAI_DIGITS: Final = ("", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_HINDI_1_TO_99: Final = tuple(
    (
        "एक दो तीन चार पाँच छह सात आठ नौ दस "
        "ग्यारह बारह तेरह चौदह पंद्रह सोलह सत्रह अठारह उन्नीस बीस "
        "इक्कीस बाईस तेईस चौबीस पच्चीस छब्बीस सत्ताईस अट्ठाईस उनतीस तीस "
        "इकतीस बत्तीस तैंतीस चौंतीस पैंतीस छत्तीस सैंतीस अड़तीस उनतालीस चालीस "
        "इकतालीस बयालीस तैंतालीस चौवालीस पैंतालीस छियालीस सैंतालीस अड़तालीस उनचास पचास "
        "इक्यावन बावन तिरपन चौवन पचपन छप्पन सत्तावन अट्ठावन उनसठ साठ "
        "इकसठ बासठ तिरसठ चौंसठ पैंसठ छियासठ सड़सठ अड़सठ उनहत्तर सत्तर "
        "इकहत्तर बहत्तर तिहत्तर चौहत्तर पचहत्तर छिहत्तर सतहत्तर अठहत्तर उन्यासी अस्सी "
        "इक्यासी बयासी तिरासी चौरासी पचासी छियासी सत्तासी अट्ठासी नवासी नब्बे "
        "इक्यानबे बानबे तिरानबे चौरानबे पंचानबे छियानबे सत्तानबे अट्ठानबे निन्यानबे"
    ).split()
)
"""Hindi's 99 number words (each of 1-99 is a word of its own, not built from parts)."""
_KOREAN_NATIVE_ONES: Final = ("", "하나", "둘", "셋", "넷", "다섯", "여섯", "일곱", "여덟", "아홉")
_KOREAN_NATIVE_TENS: Final = (
    "",
    "열",
    "스물",
    "서른",
    "마흔",
    "쉰",
    "예순",
    "일흔",
    "여든",
    "아흔",
)
_VIETNAMESE_DIGITS: Final = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_STEMS: Final = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES: Final = "子丑寅卯辰巳午未申酉戌亥"

LETTER_SETS: Final[dict[str, str]] = {
    "hebrew2": "אבגדהוזחטיכלמנסעפצקרשת",
    "arabicAlpha": "أبتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "arabicAbjad": "أبجدهوزحطيكلمنسعفصقرشتثخذضظغ",
    "thaiLetters": "กขคงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ",
    "hindiConsonants": "कखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह",
}
"""Formats that count through single letters, repeating the letter after the last ("אא")."""
HINDI_VOWELS: Final = ("अ", "आ", "इ", "ई", "उ", "ऊ", "ऋ", "ए", "ऐ", "ओ", "औ", "अं", "अः")
"""`hindiVowels`: its last two are a letter and a sign, so the set is a tuple, not a string."""
DIGIT_SETS: Final[dict[str, str]] = {
    "thaiNumbers": "๐๑๒๓๔๕๖๗๘๙",
    "hindiNumbers": "०१२३४५६७८९",
    "koreanDigital2": "〇一二三四五六七八九",
    "taiwaneseDigital": "○一二三四五六七八九",
}
"""Formats written a digit a digit in another script's digits (0 their first)."""


def hebrew_numeral(number: int) -> str:
    """`number` (1-9,999) in Hebrew numerals: "קכג" for 123, "טו" for 15, "א׳" for 1,000."""
    thousands, rest = divmod(number, 1000)
    hundreds, rest = divmod(rest, 100)
    tens, ones = divmod(rest, 10)
    pieces = [_HEBREW_ONES[thousands] + _GERESH] if thousands else []
    pieces.append("ת" * (hundreds // 4) + _HEBREW_HUNDREDS[hundreds % 4])
    if (tens, ones) in {(1, 5), (1, 6)}:
        # 15 and 16 are written 9+6 and 9+7: the letters 10+5 and 10+6 spell a divine name.
        pieces.append("ט" + _HEBREW_ONES[ones + 1])
    else:
        pieces.append(_HEBREW_TENS[tens] + _HEBREW_ONES[ones])
    return "".join(pieces)


def thai_words(number: int) -> str:
    """`number` (1-9,999) in Thai words: "สิบเอ็ด" (11), "ยี่สิบ" (20), "หนึ่งร้อยเอ็ด" (101)."""
    thousands, rest = divmod(number, 1000)
    hundreds, rest = divmod(rest, 100)
    tens, ones = divmod(rest, 10)
    pieces = []
    if thousands:
        pieces.append(_THAI_DIGITS[thousands] + "พัน")
    if hundreds:
        pieces.append(_THAI_DIGITS[hundreds] + "ร้อย")
    if tens:
        pieces.append({1: "", 2: "ยี่"}.get(tens, _THAI_DIGITS[tens]) + "สิบ")
    if ones:
        # A final one after a higher digit is "เอ็ด" (สิบเอ็ด, ร้อยเอ็ด), alone "หนึ่ง".
        pieces.append("เอ็ด" if ones == 1 and number > 10 else _THAI_DIGITS[ones])
    return "".join(pieces)


def hindi_words(number: int) -> str:
    """`number` (1-9,999) in Hindi words: "इक्कीस" (21), "एक सौ एक" (101), "दो हज़ार" (2,000)."""
    thousands, rest = divmod(number, 1000)
    hundreds, rest = divmod(rest, 100)
    pieces = []
    if thousands:
        pieces.append(f"{_HINDI_1_TO_99[thousands - 1]} हज़ार")
    if hundreds:
        pieces.append(f"{_HINDI_1_TO_99[hundreds - 1]} सौ")
    if rest:
        pieces.append(_HINDI_1_TO_99[rest - 1])
    return " ".join(pieces)


def korean_native(number: int) -> str:
    """`number` (1-99) in native Korean numbers: "하나", "열하나" (11), "스물" (20); decimal
    past 99 (native numbers stop there; larger ones are Sino-Korean)."""
    if number > 99:
        return str(number)
    tens, ones = divmod(number, 10)
    return _KOREAN_NATIVE_TENS[tens] + _KOREAN_NATIVE_ONES[ones]


def vietnamese_words(number: int) -> str:
    """`number` (1-9,999) in Vietnamese words, northern usage: "mười một" (11), "mười lăm"
    (15), "hai mươi mốt" (21), "một trăm linh năm" (105), "một nghìn" (1,000)."""
    thousands, rest = divmod(number, 1000)
    pieces = [f"{_VIETNAMESE_DIGITS[thousands]} nghìn"] if thousands else []
    if rest:
        hundreds, below = divmod(rest, 100)
        if hundreds or thousands:
            pieces.append(f"{_VIETNAMESE_DIGITS[hundreds]} trăm")
        pieces.extend(_vietnamese_below_hundred(below, after_hundreds=bool(pieces)))
    return " ".join(pieces)


def _vietnamese_below_hundred(number: int, *, after_hundreds: bool) -> list[str]:
    tens, ones = divmod(number, 10)
    if number == 0:
        return []
    if tens == 0:
        return ["linh", _VIETNAMESE_DIGITS[ones]] if after_hundreds else [_VIETNAMESE_DIGITS[ones]]
    pieces = ["mười"] if tens == 1 else [_VIETNAMESE_DIGITS[tens], "mươi"]
    if ones == 5:
        pieces.append("lăm")
    elif ones == 1 and tens > 1:
        pieces.append("mốt")
    elif ones == 4 and tens > 1:
        pieces.append("tư")
    elif ones:
        pieces.append(_VIETNAMESE_DIGITS[ones])
    return pieces


def stem_branch(number: int) -> str:
    """`number` (1-60) as a pair of the sexagenary cycle: "甲子" (1), "乙丑" (2), "癸亥" (60);
    decimal past 60."""
    if number > 60:
        return str(number)
    return _STEMS[(number - 1) % 10] + _BRANCHES[(number - 1) % 12]


def hexadecimal(number: int) -> str:
    return f"{number:X}"


WORDS: Final[dict[str, Callable[[int], str]]] = {
    "hebrew1": hebrew_numeral,
    "thaiCounting": thai_words,
    "bahtText": lambda number: thai_words(number) + "บาทถ้วน",
    "hindiCounting": hindi_words,
    "koreanLegal": korean_native,
    "vietnameseCounting": vietnamese_words,
    "ideographZodiacTraditional": stem_branch,
    "hex": hexadecimal,
}
"""Formats computed by a function of the number (1 to `MAX_SHOWN`)."""
