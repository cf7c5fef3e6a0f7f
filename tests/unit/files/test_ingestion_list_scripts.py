# ruff: noqa: RUF001  (Hebrew, Arabic, Thai and Devanagari letters look like Latin ones on purpose)
"""Word list numbers in the formats of ECMA-376 Part 1 §17.18.59 that read as decimals before
decision 0143: each format by itself, past its first set, and a generated document using
several."""

from __future__ import annotations

from pathlib import Path

import pytest

from engageiq_files.ingestion.list_formats import MAX_SHOWN, formatted
from tests.unit.files.test_ingestion_kinds import parse, text_of
from tests.unit.files.word_packages import level, numbered, numbering_part, uses, word_package


@pytest.mark.parametrize(
    ("number_format", "expected"),
    [
        ("hex", {0: "0", 1: "1", 10: "A", 15: "F", 16: "10", 255: "FF", 3000: "BB8"}),
        (
            "hebrew1",
            {1: "א", 9: "ט", 10: "י", 11: "יא", 15: "טו", 16: "טז", 17: "יז", 20: "כ"}
            | {99: "צט", 100: "ק", 115: "קטו", 123: "קכג", 400: "ת", 500: "תק", 900: "תתק"}
            | {1000: "א׳", 1234: "א׳רלד"},
        ),
        # Repeated past eight letters: decimal, as the other letter sets.
        ("hebrew2", {1: "א", 2: "ב", 11: "כ", 22: "ת", 23: "אא", 46: "בבב", 177: "177"}),
        ("arabicAlpha", {1: "أ", 2: "ب", 3: "ت", 4: "ث", 28: "ي", 29: "أأ"}),
        ("arabicAbjad", {1: "أ", 2: "ب", 3: "ج", 4: "د", 10: "ي", 28: "غ", 29: "أأ"}),
        ("thaiLetters", {1: "ก", 2: "ข", 3: "ค", 4: "ง", 41: "ฮ", 42: "กก"}),
        ("thaiNumbers", {1: "๑", 10: "๑๐", 123: "๑๒๓"}),
        (
            "thaiCounting",
            {1: "หนึ่ง", 2: "สอง", 10: "สิบ", 11: "สิบเอ็ด", 20: "ยี่สิบ", 21: "ยี่สิบเอ็ด"}
            | {35: "สามสิบห้า", 100: "หนึ่งร้อย", 101: "หนึ่งร้อยเอ็ด", 2000: "สองพัน"}
            | {MAX_SHOWN + 1: str(MAX_SHOWN + 1)},
        ),
        ("bahtText", {1: "หนึ่งบาทถ้วน", 21: "ยี่สิบเอ็ดบาทถ้วน"}),
        ("hindiVowels", {1: "अ", 2: "आ", 3: "इ", 13: "अः", 14: "अअ"}),
        ("hindiConsonants", {1: "क", 2: "ख", 3: "ग", 33: "ह", 34: "कक"}),
        ("hindiNumbers", {1: "१", 10: "१०", 2024: "२०२४"}),
        (
            "hindiCounting",
            {1: "एक", 5: "पाँच", 10: "दस", 11: "ग्यारह", 21: "इक्कीस", 50: "पचास"}
            | {99: "निन्यानबे", 100: "एक सौ", 101: "एक सौ एक", 2000: "दो हज़ार"},
        ),
        (
            "koreanCounting",
            {1: "일", 2: "이", 10: "십", 11: "십일", 20: "이십", 100: "백", 101: "백일"}
            | {1100: "천백", 2345: "이천삼백사십오"},
        ),
        # Native Korean numbers stop at 99.
        (
            "koreanLegal",
            {1: "하나", 2: "둘", 10: "열", 11: "열하나", 20: "스물", 99: "아흔아홉", 100: "100"},
        ),
        ("koreanDigital2", {1: "一", 10: "一〇", 205: "二〇五"}),
        ("taiwaneseDigital", {1: "一", 10: "一○", 205: "二○五"}),
        ("taiwaneseCounting", {11: "十一", 20: "二十", 101: "一百零一"}),
        ("taiwaneseCountingThousand", {11: "十一", 1001: "一千零一"}),
        ("chineseLegalSimplified", {1: "壹", 10: "壹拾", 11: "壹拾壹", 101: "壹佰零壹"}),
        ("ideographLegalTraditional", {2: "貳", 20: "貳拾", 3000: "參仟"}),
        # The cycle has sixty pairs.
        ("ideographZodiacTraditional", {1: "甲子", 2: "乙丑", 11: "甲戌", 60: "癸亥", 61: "61"}),
        (
            "vietnameseCounting",
            {1: "một", 10: "mười", 11: "mười một", 15: "mười lăm", 21: "hai mươi mốt"}
            | {24: "hai mươi tư", 105: "một trăm linh năm", 1000: "một nghìn"},
        ),
        ("dollarText", {1: "One and 00/100", 123: "One hundred twenty-three and 00/100"}),
    ],
)
def test_each_format_reads_as_its_script_writes_numbers(
    number_format: str, expected: dict[int, str]
) -> None:
    assert {number: formatted(number, number_format) for number in expected} == expected


def test_every_value_of_the_specification_is_read_as_a_format_not_as_decimal() -> None:
    # ST_NumberFormat's values (ECMA-376 Part 1 §17.18.59) but decimal's: none shows both 7
    # and 11 as decimal does (hex shows 7 as "7", decimalZero 11 as "11").
    values = (  # noqa: SIM905  (the specification's list, as it reads)
        "upperRoman lowerRoman upperLetter lowerLetter "
        "ordinal cardinalText ordinalText hex "
        "chicago ideographDigital japaneseCounting aiueo "
        "iroha decimalFullWidth japaneseLegal japaneseDigitalTenThousand "
        "decimalEnclosedCircle decimalFullWidth2 aiueoFullWidth irohaFullWidth "
        "decimalZero ganada chosung decimalEnclosedFullstop "
        "decimalEnclosedParen ideographTraditional ideographZodiac ideographZodiacTraditional "
        "taiwaneseCounting ideographLegalTraditional taiwaneseCountingThousand taiwaneseDigital "
        "chineseCounting chineseLegalSimplified chineseCountingThousand koreanDigital "
        "koreanCounting koreanLegal koreanDigital2 vietnameseCounting "
        "russianLower russianUpper numberInDash hebrew1 "
        "hebrew2 arabicAlpha arabicAbjad hindiVowels "
        "hindiConsonants hindiNumbers hindiCounting thaiLetters "
        "thaiNumbers thaiCounting bahtText dollarText"
    ).split()
    assert [v for v in values if (formatted(7, v), formatted(11, v)) == ("7", "11")] == []
    # decimal and decimalHalfWidth are decimal; none and bullet show nothing.
    assert [formatted(11, v) for v in ("decimal", "decimalHalfWidth", "none", "bullet")] == [
        "11",
        "11",
        "",
        "",
    ]


def test_a_document_numbered_in_several_scripts_reads_as_word_shows_it(tmp_path: Path) -> None:
    # A Hebrew contract with Thai, Hindi, Arabic and Korean schedules: one list per format,
    # the Hebrew one two levels deep (א.1), each counted on from its start.
    definitions = numbering_part(
        {
            1: level(0, "%1.", "hebrew1", start=14) + level(1, "%1.%2", "decimal"),
            2: level(0, "(%1)", "thaiCounting", start=10),
            3: level(0, "%1)", "hindiConsonants"),
            4: level(0, "%1-", "arabicAbjad"),
            5: level(0, "%1.", "koreanCounting", start=9),
            6: level(0, "0x%1", "hex", start=9),
        },
        {n: uses(n) for n in range(1, 7)},
    )
    body = (
        numbered("Scope", 1)
        + numbered("Services", 1, 1)
        + numbered("Fees", 1)
        + numbered("Term", 1)
        + numbered("Thai schedule", 2)
        + numbered("Thai annex", 2)
        + numbered("Hindi schedule", 3)
        + numbered("Hindi annex", 3)
        + numbered("Arabic schedule", 4)
        + numbered("Arabic annex", 4)
        + numbered("Arabic appendix", 4)
        + numbered("Korean schedule", 5)
        + numbered("Korean annex", 5)
        + numbered("Register", 6)
        + numbered("Flags", 6)
    )
    content = word_package(body, numbering=definitions)
    lines = [line for line in text_of(parse(tmp_path, content, "docx")).splitlines() if line]
    assert lines == [
        "יד. Scope",
        "יד.1 Services",
        "טו. Fees",
        "טז. Term",
        "(สิบ) Thai schedule",
        "(สิบเอ็ด) Thai annex",
        "क) Hindi schedule",
        "ख) Hindi annex",
        "أ- Arabic schedule",
        "ب- Arabic annex",
        "ج- Arabic appendix",
        "구. Korean schedule",
        "십. Korean annex",
        "0x9 Register",
        "0xA Flags",
    ]
