# ruff: noqa: RUF001, RUF002, RUF003  (the look-alike letters are what this module tells apart)
"""Whether one reading of a file's bytes is spelled as some language is written: the
evidence `encodings` weighs when a short text's code page cannot be told from statistics.

A wrong single-byte code page swaps letters for others of the same script, so each reading
looks like text on its own ("Győr" in Windows-1250 read as Windows-1252 is "Gyõr"). What
gives it away is which letters appear together and where: no language writes "õ" beside "é"
and "ő"-like positions ("Gyõr": Portuguese writes "õ" only before "e", Estonian has no "é"),
"ì" inside a word (Italian accents only a final vowel), "ø" beside "á" (Danish has no "á"),
"þ" after a vowel (Icelandic) or "ð" starting a word. `spelled` says whether the letters
beyond ASCII of a whole text fit the alphabet and the placement rules of one language in
`ALPHABETS` (a mixed-language export may fail; the caller only moves to another code page
whose reading does fit). Alphabets are the languages' own (standard orthographies, as in each
language's Wikipedia article on its alphabet); placement rules are those a real text does
not break in a handful of words.

Other scripts: a Cyrillic word of four letters or more without a vowel, or starting with a
soft or hard sign, is not Russian, Ukrainian or Bulgarian (Greek in Windows-1253 read as
Windows-1251: "Рбрбдьрпхлпт"); Greek writes "ς" only at the end of a word and "σ" never
there; a CJK reading is spelled when most of its characters are from its character set's
common level (GB2312 for GB18030, JIS level 1 and kana for Shift_JIS, Big5 level 1,
KS X 1001 Hangul for cp949): any two high bytes make an ideograph in each of them, but
another CJK encoding's bytes fall on its rare characters (Japanese in cp949 is all rare
Hangul such as "궟뭾빒").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

from charset_normalizer.constant import FREQUENCIES

_LATIN_VOWELS: Final = "aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ"
_V: Final = _LATIN_VOWELS
_L: Final = r"[^\W\d_²³¹¼½¾]"
"""A letter (Python's `\\w` also takes the numerals "½" and "²")."""
_NORDIC_BETWEEN_VOWELS: Final = rf"(?<=[{_V}])æ|(?<=[{_V}])ø(?=[{_V.replace('y', '')}])"
ALPHABETS: Final[dict[str, tuple[str, tuple[str, ...], str]]] = {
    # language: (letters beyond ASCII, lower case; patterns no word of it with one of them
    # matches; letters one of which a text in it has, if any)
    "English": ("", (), ""),
    "German": ("äöüßé", (), ""),
    "French": (
        "àâçéèêëîïôùûüÿœ",
        (
            rf"(?<![{_V}])[ëïü]",
            rf"(?<!o)ù|ù{_L}|à{_L}",
            r"è(?![^\W\d_²³¹¼½¾aeiouy])",
            "sz|cs|zs|gy",
            r"\bç",
        ),
        "",
    ),
    "Spanish": ("áéíóúñü", (r"ñ\b",), ""),
    "Catalan": ("àçéèíïòóúü", (rf"(?<![{_V}])[ïü]", rf"è(?=[{_V}])", "[kwy]", r"\bç"), ""),
    "Portuguese": (
        "áàâãçéêíóôõúü",
        (r"õ(?!e)", rf"ã(?={_L})(?![oes])", "[kwy]", r"\bç", rf"à(?={_L})(?![sq])"),
        "",
    ),
    "Italian": ("àèéìíòóùú", (rf"[àèéìíòóùú](?={_L})", "[jkwxy]"), ""),
    "Dutch": ("éèëïöüáóíú", (rf"(?<![{_V}])[ëïö]", r"è(?![^\W\d_²³¹¼½¾aeiouy])"), ""),
    "Nordic": ("æøåäöéü", (_NORDIC_BETWEEN_VOWELS,), ""),
    "Finnish": ("äöåšž", ("[cqwxz]",), "äöå"),
    "Icelandic": (
        "áðéíóúýþæö",
        (r"\bð", rf"(?<=[{_V}])[þæ]", "[cqwz]|aa", rf"{_L}{{3,}}ý\b"),
        "áéíóúæöð",
    ),
    "Estonian": ("õäöüšž", ("[cqwxyz]", r"õ\b"), "õäöü"),
    "Faroese": (
        "áíóúýðæø",
        (
            r"\bð",
            "[cqwxz]",
            _NORDIC_BETWEEN_VOWELS,
            rf"{_L}{{3,}}ý\b",
        ),
        "áíóúðæø",
    ),
    "Irish": ("áéíóú", (), ""),
    "Hungarian": ("áéíóöőúüű", (), ""),
    "Czech": ("áčďéěíňóřšťúůýž", (), ""),
    "Slovak": ("áäčďéíĺľňóôŕšťúýž", (), ""),
    "Polish": (
        "ąćęłńóśźż",
        (r"(?<=[bcfghjklmnpqrstvxzł])[ćńśź]|[ćńśź](?=[aeiouyąęó])",),
        "",
    ),
    "Croatian-Slovenian": ("čćđšž", (), "čćšž"),
    "Romanian": ("ăâîșțşţ", (), "ăâî"),
    "Turkish": (
        "çğıöşüâîû",
        (
            r"\bğ",
            "[qwx]",
            "(?<![kgl])û",
            r"(?<![aeıioöuüâîû])ğ",
            r"\b[çğş][b-df-hj-np-tv-zçğş]",
            "ai|au|ei|ie|ui|ae|eu|oi|ou",
            "ğ[b-df-hj-np-tv-zçş]{2}",
        ),
        "",
    ),
    "Lithuanian": ("ąčęėįšųūž", (), ""),
    "Latvian": ("āčēģīķļņšūž", (), ""),
}
"""Each language's letters beyond ASCII, what its words that have one never show, and the
letters one of which a text in it has. The rules are each language's standard orthography:
- French and Dutch write a diaeresis only after a vowel ("Noël"; Lithuanian "ė" read as "ë"
  follows consonants), "ù" only in "où", "è" only before a consonant ("Lefèvre"; Czech "Kč"
  read as "Kè"), "à" only at a word's end, and no Hungarian "sz", "cs", "gy" ("Szûcs");
- Italian accents only a word's final vowel ("città", "Niccolò"; Czech "Dìkujeme");
- Portuguese writes "õ" only before "e" ("ações"), "ã" before "o", "e", "s" or at the end,
  "à" only in "às" and "àquele"; French, Catalan and Portuguese "ç" starts no word (Mac
  Roman "Á" read as Windows-1252: "çlvaro"); Spanish "ñ" ends none (Polish "Poznań" does);
- Icelandic and Faroese "ð" starts no word, "þ" follows no vowel ("Hafþór"; Turkish "Ayşe"
  read as "Ayþe"), "æ" follows no vowel, nor "ø" stands between vowels (Croatian "Jurić"
  read as "Juriæ", Czech "Dvořák" as "Dvoøák"; a compound's "øy", island, does:
  "Heidiøy"), and no long word ends in "ý" (Turkish "planı" read as "planý");
- Polish writes "ć", "ń", "ś", "ź" never before a vowel ("zi", "ni" instead) nor after most
  consonants (Mac Roman "Müller" read as Windows-1250 "Mźller");
- Turkish "û" follows only "k", "g" or "l" ("mahkûm"; Hungarian "Szűcs"), "ğ" only a vowel
  and precedes at most one consonant, "ç", "ğ", "ş" start no cluster ("Şy" for Lithuanian
  "Žy"), and no vowels pair as Lithuanian "ai", "au", "ie" do ("Biržai" read as "Birşai");
- Estonian "õ" ends no word (Hungarian "Gödöllő" does); native Estonian, Finnish,
  Icelandic, Italian and Portuguese words have none of "c", "q", "w", "x", "y", "z" as
  listed ("Gyõr" is not Estonian);
- a text with Icelandic or Faroese letters has one beyond "ý" and "þ" (Turkish "Şen" read as
  "Þen" has none), a Croatian one one beyond "đ" (Lithuanian "Šimkus" read as Windows-1250
  "Đimkus"), a Romanian one "ă", "â" or "î", a Finnish one "ä", "ö" or "å", an Estonian one
  "õ", "ä", "ö" or "ü" ("š" alone is a loanword's, or Mac Roman "ö" read as Windows-1252)."""
_FREQUENCY_TABLES: Final = {
    "German": ("German",),
    "French": ("French",),
    "Spanish": ("Spanish",),
    "Portuguese": ("Portuguese",),
    "Italian": ("Italian",),
    "Dutch": ("Dutch",),
    "Nordic": ("Swedish", "Norwegian", "Danish"),
    "Finnish": ("Finnish",),
    "Estonian": ("Estonian",),
    "Hungarian": ("Hungarian",),
    "Czech": ("Czech",),
    "Slovak": ("Slovak",),
    "Polish": ("Polish",),
    "Croatian-Slovenian": ("Croatian", "Slovene"),
    "Romanian": ("Romanian",),
    "Turkish": ("Turkish",),
    "Lithuanian": ("Lithuanian",),
}
_FREQUENT: Final = {
    name: {
        c: max(
            (len(FREQUENCIES[t]) - FREQUENCIES[t].index(c)) / len(FREQUENCIES[t])
            for t in tables
            if c in FREQUENCIES.get(t, ())
        )
        for t0 in tables
        for c in FREQUENCIES.get(t0, ())
        if not c.isascii()
    }
    for name, tables in _FREQUENCY_TABLES.items()
}
"""Each language's letters beyond ASCII among its 26 most frequent (charset-normalizer's
`FREQUENCIES`), weighted from 1 (the most frequent) down to 1/26: Turkish "ı" is its 7th
letter (0.77), Slovak "ý" its 23rd (0.15), Czech "ý" not among Czech's 26 (0)."""
_LONE_LETTERS: Final = frozenset("àáéèóíôåöøőį")
"""Letters beyond ASCII that are words on their own (French "à", Italian "è", Swedish "ö",
Hungarian "ő", Lithuanian "į"); "Û" alone is Mac Roman's "€" read as Windows-1252."""
_APOSTROPHE: Final = re.compile(rf"({_L}+)’(?=({_L}+))")
_CONTRACTED: Final = frozenset(["s", "t", "re", "ll", "ve", "d", "m", "n"])
"""A typographic apostrophe inside a word ends a French or Italian elided word before a
vowel or "h" ("l’offre", "quest’anno", "aujourd’hui", "l’a"), starts an English ending
("don’t", "it’s", "rock’n’roll") or follows an Irish "O" ("O’Neill"). Before another
consonant ("Mart’nez", "Dom’nguez") or one letter after a longer word ("Mar’a", "Env’o") it
is Mac Roman's "í" read as Windows-1252."""
_CLOSING_QUOTE: Final = re.compile(rf"^[^„‚\n]*{_L}“", re.M)
"""German closes a quotation with "“" after a word, having opened it with "„"; a "“" after a
word with no "„" before it on the line is Mac Roman's "ì" ("venerd“" for "venerdì")."""
_CYRILLIC_LONE: Final = frozenset("авиксуояізйж")
"""Cyrillic letters that are words on their own ("в", "и", "с"); "Џ" alone in Latin text is
Mac Roman "è" read as Windows-1251."""
_ABBREVIATION: Final = 4
_LONE_LETTER: Final = re.compile(rf"(?<!{_L})(?![\x00-\x7f]){_L}(?!\.|{_L})")
"""A letter beyond ASCII standing alone, not as an abbreviation ("A.Ş."); only Latin ones
are weighed (Arabic "و", and, stands alone)."""
_COMPILED: Final = {
    name: (frozenset(letters), tuple(re.compile(p) for p in rules), frozenset(needs))
    for name, (letters, rules, needs) in ALPHABETS.items()
}
_WORD: Final = re.compile(rf"{_L}+")
_SIGNS: Final = "£¥§¶¹¼½¾¤¢±×÷¬¦¨¯¸ˆ˜≈∞∫∂∆∑∏√≤≥◊‰"
_STUCK_SIGN: Final = re.compile(
    rf"[{_SIGNS}]{_L}|(?<={_L})[{_SIGNS}°¿¡]|(?<=[^\W\d_²³¹¼½¾m])[²³]|{_L}·(?![lL])|(?<![lL])·{_L}"
)
"""A sign glued to a letter, where a wrong code page leaves one of its letters ("z³" for
Polish "zł", "£ukasz", "Gro§", "Cittˆ" and "Troms¿" for Mac Roman "Groß", "Città" and
"Tromsø"). "m²", "m³",
"25°C" and Catalan "l·l" are written."""
_CYRILLIC_VOWELS: Final = frozenset("аеёиоуыэюяіїєў")
_CYRILLIC_BAD_START: Final = re.compile(r"\b[ьъыЬЪЫ]")
_CYRILLIC_ALPHABETS: Final = (
    frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя"),  # Russian
    frozenset("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"),  # Ukrainian
    frozenset("абвгдеёжзійклмнопрстуўфхцчшыьэюя"),  # Belarusian
    frozenset("абвгдежзийклмнопрстуфхцчшщъьюя"),  # Bulgarian
    frozenset("абвгдђежзијклљмнњопрстћуфхцчџш"),  # Serbian
    frozenset("абвгдѓежзѕијклљмнњопрстќуфхцчџш"),  # Macedonian
    frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі"),  # Kazakh
)
_GREEK_MISPLACED: Final = re.compile(rf"ς(?={_L})|σ(?!{_L})|(?<![αεηιουω])[ϊϋΐΰ]")
_ARABIC_MISSPELLED: Final = re.compile(r"[اأإآ]{2}|\d[\u0621-\u064a\u0671-\u06d3]")
"""Arabic writes no two alefs in a row and puts a space between a number and a word
("دأأإ", "12شھ": GB18030 read as Windows-1256)."""
_RARE_SHARE: Final = 1 / 3
"""A CJK reading with more than this share of rare characters is another encoding's bytes."""


def _mixed_case(word: str) -> bool:
    """Whether `word` has a capital beyond ASCII after its first letter but is not all
    capitals ("MŸller", "BŠrbel": Mac Roman "ü" and "ä" read as Windows-1252)."""
    return not word.isupper() and any(not c.isascii() and c.isupper() for c in word[1:])


def _spelled_words(text: str) -> tuple[str, ...]:
    """The distinct words of `text` with a letter beyond ASCII, sorted, but not
    abbreviations (at most four letters and a full stop: Turkish "Ltd. Şti.", "A.Ş."), which
    no spelling rule binds."""
    return tuple(
        sorted(
            {
                m.group()
                for m in _WORD.finditer(text)
                if not m.group().isascii()
                and not (len(m.group()) <= _ABBREVIATION and text[m.end() : m.end() + 1] == ".")
            }
        )
    )


@functools.lru_cache(maxsize=4096)
def _languages(words: tuple[str, ...]) -> tuple[str, ...]:
    """The languages of `ALPHABETS` whose spelling `words` (lower case, each with a letter
    beyond ASCII) fit. Cached: an export's lines repeat the same few words."""
    letters = {
        c
        for w in words
        for c in w
        if not c.isascii() and unicodedata.name(c, "").startswith("LATIN")
    }
    return tuple(
        name
        for name, (alphabet, rules, needs) in _COMPILED.items()
        if letters <= alphabet
        and not any(rule.search(w) for w in words for rule in rules)
        and (not needs or bool(letters & needs) or not letters)
    )


def _writes(codec: str, language: str) -> bool:
    """Whether `codec` has every letter of `language` (a machine writing it would use it)."""
    letters = ALPHABETS[language][0]
    try:
        (letters + letters.upper().replace("SS", "")).encode(codec)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _marks_misplaced(text: str, lower: str) -> bool:
    """Whether an apostrophe, a closing quote or a lone letter in `text` (and `lower`, its
    lower case) stands where Mac Roman's letters do (`_APOSTROPHE`, `_CLOSING_QUOTE`,
    `_LONE_LETTERS`)."""
    for before, after in _APOSTROPHE.findall(lower):
        if before == "o" or after in _CONTRACTED:
            continue
        if after[0] not in _V + "h" or (len(after) == 1 and len(before) > 2):
            return True
    return bool(_CLOSING_QUOTE.search(text)) or any(
        lone not in _LONE_LETTERS and unicodedata.name(lone, "").startswith("LATIN")
        for lone in _LONE_LETTER.findall(lower)
    )


def _latin_spelled(text: str, codec: str, *, strict: bool) -> bool:
    """Whether `text` is spelled as one language that `codec` writes (Czech read as
    Windows-1252 is not: a Czech machine writes Windows-1250); or, unless `strict`, each of
    its lines is (an export's rows may each be a different country's customer)."""
    lower = unicodedata.normalize("NFC", text.replace("İ", "i").lower())
    if _marks_misplaced(text, lower):
        return False
    words = _spelled_words(lower)
    if not words or any(_writes(codec, name) for name in _languages(words)):
        return True
    return not strict and all(
        any(_writes(codec, name) for name in _languages(in_line))
        for in_line in map(_spelled_words, lower.splitlines())
        if in_line
    )


def _cyrillic_spelled(words: list[str]) -> bool:
    """Whether Cyrillic `words` are spelled as one language (`_CYRILLIC_ALPHABETS`): no lone
    letter that is no word, no lower-case word of four letters without a vowel."""
    if any(len(w) == 1 and w.lower() not in _CYRILLIC_LONE for w in words):
        return False
    letters: set[str] = set()
    for word in words:
        lower = word.lower()
        letters.update(lower)
        if len(lower) >= 4 and not word.isupper() and not _CYRILLIC_VOWELS.intersection(lower):
            return False
    return any(letters <= alphabet for alphabet in _CYRILLIC_ALPHABETS)


def _common_cjk(char: str, codec: str) -> bool:
    """Whether `char` is in the common level of `codec`'s character set."""
    try:
        if codec == "gb18030":
            return len(char.encode("gb2312")) == 2
        if codec in {"cp932", "shift_jis", "euc_jp"}:
            code = int.from_bytes(char.encode("cp932"), "big")
            return 0x8140 <= code <= 0x84BE or 0x889F <= code <= 0x9872
        if codec in {"big5", "big5hkscs", "cp950"}:
            return 0xA140 <= int.from_bytes(char.encode("big5"), "big") <= 0xC67E
        if codec in {"cp949", "euc_kr"}:
            return len(char.encode("euc_kr")) == 2 and "\uac00" <= char <= "\ud7a3"
    except UnicodeEncodeError:
        return False
    # Another codec (UTF-16 guessed without a BOM): common in some CJK character set.
    return any(_common_cjk(char, cjk) for cjk in ("gb18030", "cp932", "big5", "cp949"))


def typical(text: str, codec: str) -> float:
    """How typical of a language `codec` writes that spells `text` its letters beyond ASCII
    are (the sum of their weights in `_FREQUENT`, for the language that gives the most): the
    evidence weighed between two spelled readings ("Akın" has Turkish's 7th letter, "Akýn"
    Slovak's 23rd)."""
    # Turkish "İ" is Turkish's alone: it weighs as its "ı" does ("İzmir" is no ASCII word).
    lower = unicodedata.normalize("NFC", text.replace("İ", "ı").lower())
    words = _spelled_words(lower)
    letters = [c for w in words for c in w if not c.isascii()]
    return max(
        (
            sum(_FREQUENT.get(name, {}).get(c, 0.0) for c in letters)
            for name in _languages(words)
            if _writes(codec, name)
        ),
        default=0.0,
    )


def spelled(text: str, codec: str, *, strict: bool = False) -> bool:
    """Whether `text` (a reading of a file's bytes with `codec`) is spelled as one language
    writes: see the module docstring. A Latin text is spelled when it is as one language, or,
    unless `strict`, when each line is as one of the languages `codec` writes (an export with
    a Norwegian header and a Spanish customer). Scripts without rules here (Hebrew, Thai)
    are always spelled."""
    if _STUCK_SIGN.search("".join(c for c in text if unicodedata.category(c) != "Mn")):
        return False
    cjk = [c for c in text if (ord(c) >= 0x2E80 and c.isalpha()) or "\uff61" <= c <= "\uff9f"]
    if cjk:
        rare = sum(1 for c in cjk if not _common_cjk(c, codec))
        return rare <= _RARE_SHARE * len(cjk)
    words = [w for w in _WORD.findall(text) if not w.isascii()]
    if any(_mixed_case(w) for w in words) or _ARABIC_MISSPELLED.search(text):
        return False
    cyrillic = [w for w in words if "\u0400" <= w[0] <= "\u04ff" or "\u0400" <= w[-1] <= "\u04ff"]
    if cyrillic:
        return _cyrillic_spelled(cyrillic) and not _CYRILLIC_BAD_START.search(text)
    if any("\u0370" <= c <= "\u03ff" for c in text):
        return not _GREEK_MISPLACED.search(text.lower())
    return _latin_spelled(text, codec, strict=strict)
