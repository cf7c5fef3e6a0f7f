"""A cell's value as Excel shows it under its number format (ECMA-376 Part 1 §18.8.31): `0.15`
under `0%` is `15%`, `742` under `00000` is `00742`, `12500000` under `#,##0.0,,"M"` is
`12.5M`. People search for what they see, so that is what is indexed.

The common formats are rendered: sections (`pos;neg;zero;text`), percent, fixed and optional
decimals, leading zeros, thousands separators and scaling commas, literals (`"..."`, `\\x`),
currency brackets (`[$€-407]`), colours (ignored), conditional sections (`[>=1000]0,"K";0`;
`[<0]"Loss "0` shows -5 as `Loss 5`, decision 0130), scientific and engineering notation,
fractions (`# ?/?`, `# ?/8`), and dates and times (`yyyy`, `mmm`, `d`, `hh:mm`, `AM/PM`,
fractions of a second `ss.000`, elapsed `[h]`, `[mm]`, `[ss]`), with month and day names in
the format's language (`[$-407]mmm` is `Mär`), Japanese eras (`[$-411]ggge"年"` is `令和8年`)
and Buddhist years (`bbbb`); numbers round halves away from zero from
their 15 significant digits, and times to the precision shown, as Excel does. Anything not
understood falls back to the General rendering (`general`): never an error.
No PyPI library renders Excel number formats in Python (openpyxl only classifies them), so
this is ours (decision 0103)."""

from __future__ import annotations

import contextlib
import functools
import math
import operator
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Final, NamedTuple

from openpyxl.styles.numbers import is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

GENERAL: Final = "General"
_CODES_CACHED: Final = 4096
"""What is read from a format's code alone (sections, tokens, conditions, language) is read
once per code, not once per cell: a sheet has a handful of formats and a million cells. The
cached results are never changed by their callers."""
MAX_CODE_CHARS: Final = 255
"""A longer format code is shown as General: Excel takes at most 255 characters in a code
(its Format Cells dialog refuses more), and a code is partly read per cell (a hostile
file's 100,000-character code took seconds a cell; 255 characters take under a
millisecond)."""
BUILTIN_LOCALE_DATE: Final = "mm-dd-yy"
"""Built-in format 14: Excel shows it in the reader's short-date style, so ISO is kept."""

_BRACKET: Final = re.compile(r"\[([^\]]*)\]")
_DATE_CODES: Final = re.compile(r"[ymdhs]", re.I)
_ELAPSED: Final = re.compile(r"^\[(h+|m+|s+)\]$", re.I)
_LOCALE: Final = re.compile(r"\[\$[^\]-]*-([0-9A-Fa-f]{3,8}|[A-Za-z]{2,3}(?:-[A-Za-z0-9-]+)?)\]")
"""A locale in a format (`[$-407]`, `[$€-407]`, `[$-de-DE]`): its LCID (hex) or language tag."""
_LANGUAGES: Final = {
    **{"de": 0x07, "es": 0x0A, "fr": 0x0C, "it": 0x10, "nl": 0x13, "pt": 0x16},
    **{"da": 0x06, "sv": 0x1D, "nb": 0x14, "nn": 0x14, "no": 0x14},
    "th": 0x1E,
}
"""Language tag -> Windows primary language id (the low 10 bits of an LCID), for the
languages named below."""


class _Names(NamedTuple):
    """Month and weekday names of one language (Monday first), full and abbreviated."""

    months: tuple[str, ...]
    short_months: tuple[str, ...]
    days: tuple[str, ...]
    short_days: tuple[str, ...]


def _split(names: str) -> tuple[str, ...]:
    return tuple(names.split())


_ENGLISH: Final = _Names(
    _split("January February March April May June July August September October November December"),
    _split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"),
    _split("Monday Tuesday Wednesday Thursday Friday Saturday Sunday"),
    _split("Mon Tue Wed Thu Fri Sat Sun"),
)
_NAMES: Final[dict[int, _Names]] = {
    0x07: _Names(
        _split(
            "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"
        ),
        _split("Jan Feb Mär Apr Mai Jun Jul Aug Sep Okt Nov Dez"),
        _split("Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag"),
        _split("Mo Di Mi Do Fr Sa So"),
    ),
    0x0A: _Names(
        _split(
            "enero febrero marzo abril mayo junio"
            " julio agosto septiembre octubre noviembre diciembre"
        ),
        _split("ene feb mar abr may jun jul ago sep oct nov dic"),
        _split("lunes martes miércoles jueves viernes sábado domingo"),
        _split("lun mar mié jue vie sáb dom"),
    ),
    0x0C: _Names(
        _split(
            "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
        ),
        _split("janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc."),
        _split("lundi mardi mercredi jeudi vendredi samedi dimanche"),
        _split("lun. mar. mer. jeu. ven. sam. dim."),
    ),
    0x10: _Names(
        _split(
            "gennaio febbraio marzo aprile maggio giugno"
            " luglio agosto settembre ottobre novembre dicembre"
        ),
        _split("gen feb mar apr mag giu lug ago set ott nov dic"),
        _split("lunedì martedì mercoledì giovedì venerdì sabato domenica"),
        _split("lun mar mer gio ven sab dom"),
    ),
    0x13: _Names(
        _split(
            "januari februari maart april mei juni"
            " juli augustus september oktober november december"
        ),
        _split("jan feb mrt apr mei jun jul aug sep okt nov dec"),
        _split("maandag dinsdag woensdag donderdag vrijdag zaterdag zondag"),
        _split("ma di wo do vr za zo"),
    ),
    0x16: _Names(
        _split(
            "janeiro fevereiro março abril maio junho"
            " julho agosto setembro outubro novembro dezembro"
        ),
        _split("jan fev mar abr mai jun jul ago set out nov dez"),
        _split("segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo"),
        _split("seg ter qua qui sex sáb dom"),
    ),
    0x06: _Names(
        _split(
            "januar februar marts april maj juni juli august september oktober november december"
        ),
        _split("jan feb mar apr maj jun jul aug sep okt nov dec"),
        _split("mandag tirsdag onsdag torsdag fredag lørdag søndag"),
        _split("man tir ons tor fre lør søn"),
    ),
    0x1D: _Names(
        _split(
            "januari februari mars april maj juni juli augusti september oktober november december"
        ),
        _split("jan feb mar apr maj jun jul aug sep okt nov dec"),
        _split("måndag tisdag onsdag torsdag fredag lördag söndag"),
        _split("mån tis ons tor fre lör sön"),
    ),
    0x14: _Names(
        _split(
            "januar februar mars april mai juni juli august september oktober november desember"
        ),
        _split("jan feb mar apr mai jun jul aug sep okt nov des"),
        _split("mandag tirsdag onsdag torsdag fredag lørdag søndag"),
        _split("man tir ons tor fre lør søn"),
    ),
    0x1E: _Names(
        _split(
            "มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม พฤศจิกายน ธันวาคม"
        ),
        _split("ม.ค. ก.พ. มี.ค. เม.ย. พ.ค. มิ.ย. ก.ค. ส.ค. ก.ย. ต.ค. พ.ย. ธ.ค."),
        _split("จันทร์ อังคาร พุธ พฤหัสบดี ศุกร์ เสาร์ อาทิตย์"),
        _split("จ. อ. พ. พฤ. ศ. ส. อา."),
    ),
}
"""Month and day names of the languages a format may name by locale (`[$-407]mmm` shows
`Mär`, `[$-40C]ddd` shows `sam.`, `[$-413]mmm` shows `mrt`, `[$-41E]mmm` shows `มี.ค.`), as
Excel for Windows shows them from the system's locale data (the full and abbreviated names
of `GetLocaleInfoEx`, LOCALE_SMONTHNAME1.., LOCALE_SABBREVMONTHNAME1.., LOCALE_SDAYNAME1..,
LOCALE_SABBREVDAYNAME1..); English otherwise."""


@functools.lru_cache(maxsize=_CODES_CACHED)
def _names(section: str) -> _Names:
    """The month and day names in the language of the section's locale, English by default."""
    match = _LOCALE.search(section)
    language = 0x09
    if match is not None:
        tag = match.group(1)
        if tag.isalpha() or "-" in tag:
            language = _LANGUAGES.get(tag.split("-", 1)[0].lower(), 0x09)
        else:
            language = int(tag, 16) & 0x3FF
    return _NAMES.get(language, _ENGLISH)


class _Era(NamedTuple):
    start: date
    name: str
    letter: str


_JAPANESE_ERAS: Final = (
    _Era(date(2019, 5, 1), "令和", "R"),
    _Era(date(1989, 1, 8), "平成", "H"),
    _Era(date(1926, 12, 25), "昭和", "S"),
    _Era(date(1912, 7, 30), "大正", "T"),
    _Era(date(1868, 9, 8), "明治", "M"),
)
"""The Japanese eras from the latest, with the days they began (Excel's, as SpreadJS and
Aspose.Cells document its `[$-411]ggge"年"m"月"d"日"`: 2019-05-01 is 令和1年5月1日)."""
_JAPANESE: Final = 0x11
_GANNEN: Final = "x-gannen"
"""A locale's extension (`[$-ja-JP-x-gannen]`) showing an era's first year as 元, not 1."""


@functools.lru_cache(maxsize=_CODES_CACHED)
def _calendar(section: str) -> str:
    """ "japanese" when the section shows Japanese eras: its locale is Japanese (`[$-411]`,
    `[$-ja-JP]`) or it names an era (`g`, which no other calendar has, as a Japanese system
    writes `ggge"年"` without a locale); "japanese-gannen" when the locale names the
    first-year extension; "" otherwise, where `e` stays a letter (`d \\de mmmm` in
    Portuguese shows "14 de março")."""
    match = _LOCALE.search(section)
    tag = match.group(1) if match is not None else ""
    if tag.isalpha() or "-" in tag:
        japanese = tag.split("-", 1)[0].lower() == "ja"
    else:
        japanese = bool(tag) and int(tag, 16) & 0x3FF == _JAPANESE
    if not japanese and not any(k == "code" and t in "gG" for k, t in _tokens(section)):
        return ""
    return "japanese-gannen" if _GANNEN in tag.lower() else "japanese"


def _era_part(code: str, moment: datetime, calendar: str, after_era: bool) -> str | None:
    """The text of an era or Buddhist-year code, None for any other code. In a Japanese
    `calendar`, `g`, `gg`, `ggg`: the era's letter, first character and name (`R`, `令`,
    `令和`); `e`, `ee`: the year in the era (`8`, `08`; 元 for the first with the gannen
    extension), and so `y`, `yy` after an era name. `bb`, `bbbb`: the Buddhist year
    (Gregorian + 543; `B1`, `B2`, calendars, stay as they are)."""
    first, width = code[0].lower(), len(code)
    if first == "b" and width >= 2:
        year = moment.year + 543
        return f"{year % 100:02d}" if width == 2 else str(year)
    if not calendar or first not in "gey" or (first == "y" and not after_era):
        return None
    era = next((e for e in _JAPANESE_ERAS if moment.date() >= e.start), None)
    if era is None:  # before Meiji: the Gregorian year
        return "" if first == "g" else str(moment.year)
    if first == "g":
        return era.letter if width == 1 else era.name[0] if width == 2 else era.name
    year = moment.year - era.start.year + 1
    if year == 1 and calendar.endswith("gannen"):
        return "元"
    return str(year) if width == 1 else f"{year:02d}"


_DIGIT_PLACEHOLDERS: Final = "0#?"
_MARKERS: Final = ("AM/PM", "A/P")

# `\d+(?:\.\d*)?`, not `\d+\.?\d*`: the latter split a run of digits every way before failing.
_CONDITION: Final = re.compile(r"\[(<=|>=|<>|<|>|=)\s*(-?(?:\d+(?:\.\d*)?|\.\d+))\]")
_COMPARISONS: Final[dict[str, Callable[[float, float], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "<>": operator.ne,
}
SIGNIFICANT_DIGITS: Final = 15
"""Excel keeps and shows at most 15 significant digits: `0.1 + 0.2` is stored as
0.30000000000000004 and shown as 0.3."""


def _decimal(value: float) -> Decimal:
    """`value` cut to the 15 significant digits Excel shows, exactly (no binary noise)."""
    return Decimal(f"{value:.{SIGNIFICANT_DIGITS}g}")


def _rounded(value: float, places: int) -> str:
    """`value` with `places` decimals, halves away from zero as Excel rounds (`2.5` -> `3`,
    where Python's `round` gives `2`)."""
    return f"{_decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):f}"


def general(value: float) -> str:
    """A number as Excel's General format shows it in a wide column: integers whole, other
    numbers with at most 15 significant digits, in plain notation between 1e-9 and 1e15."""
    value = float(value)  # an int is a float here (`is_integer` is 3.12's on int)
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1e15 or abs(value) < 1e-9:
        mantissa, _, power = f"{value:.5E}".partition("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E{power[0]}{int(power[1:]):02d}"
    text = f"{_decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@functools.lru_cache(maxsize=_CODES_CACHED)
def _sections(code: str) -> list[str]:
    """`code` split at the `;` that are not quoted, escaped or bracketed."""
    sections, current, quoted, bracket, escaped = [], [], False, False, False
    for char in code:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == '"':
            quoted = not quoted
            current.append(char)
        elif not quoted and char == "[":
            bracket = True
            current.append(char)
        elif not quoted and char == "]":
            bracket = False
            current.append(char)
        elif char == ";" and not quoted and not bracket:
            sections.append("".join(current))
            current = []
        else:
            current.append(char)
    sections.append("".join(current))
    return sections


@functools.lru_cache(maxsize=_CODES_CACHED)
def _unclosed(code: str) -> bool:
    """Whether a `[` of `code` outside quotes is never closed (`[Red0`, `[<5 0`): Excel
    refuses such a code; read as it stands, the bracket hid the rest and a number showed as
    nothing."""
    quoted = escaped = False
    opened = False
    for char in code:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char == "[":
            opened = True
        elif not quoted and char == "]":
            opened = False
    return opened


@functools.lru_cache(maxsize=_CODES_CACHED)
def _tokens(section: str) -> list[tuple[str, str]]:
    """("lit", text) and ("code", char) tokens: quotes, escapes, `_x` spaces, `*x` fills and
    brackets resolved (a currency bracket `[$€-407]` becomes its symbol; colours, conditions
    and locales vanish)."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        char = section[i]
        if section[i : i + 5].upper() == "AM/PM":
            tokens.append(("code", section[i : i + 5]))  # its case is the marker's
            i += 5
        elif section[i : i + 3].upper() == "A/P":
            tokens.append(("code", section[i : i + 3]))
            i += 3
        elif char == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            tokens.append(("lit", section[i + 1 : end]))
            i = end + 1
        elif char == "\\" and i + 1 < len(section):
            tokens.append(("lit", section[i + 1]))
            i += 2
        elif char == "_" and i + 1 < len(section):
            tokens.append(("lit", " "))
            i += 2
        elif char == "*" and i + 1 < len(section):
            i += 2
        elif char == "[":
            end = section.find("]", i)
            end = len(section) if end < 0 else end
            inner = section[i + 1 : end]
            if inner.startswith("$"):
                tokens.append(("lit", inner[1:].split("-", 1)[0]))
            elif _ELAPSED.match(f"[{inner}]"):
                tokens.append(("code", f"[{inner.lower()}]"))
            i = end + 1
        else:
            tokens.append(("code", char))
            i += 1
    return tokens


def _is_date_section(tokens: list[tuple[str, str]]) -> bool:
    """Whether a section shows a date or time: a date letter, or elapsed time (`[ss]`)."""
    return any(
        kind == "code" and (_DATE_CODES.match(text) or _ELAPSED.match(text))
        for kind, text in tokens
    )


Tokens = list[tuple[str, str]]


def _scientific(value: float, tokens: Tokens, exponent: int) -> str:
    after = "".join(t for k, t in tokens[exponent + 1 :] if k == "code")
    before = [t for k, t in tokens[:exponent] if k == "code"]
    decimals = before[before.index(".") + 1 :].count("0") if "." in before else 0
    whole = before[: before.index(".")] if "." in before else before
    group = sum(1 for t in whole if t in _DIGIT_PLACEHOLDERS)
    if group > 1 and "#" in whole and value:
        # Engineering notation (`##0.0E+0`): the exponent a multiple of the integer digits.
        power_of_ten = math.floor(math.log10(abs(value)))
        shift = power_of_ten - power_of_ten % group
        mantissa = _rounded(value / 10**shift, decimals)
        sign = "-" if shift < 0 else "+" if after.startswith("+") else ""
        return f"{mantissa}E{sign}{abs(shift):0{max(after.count('0'), 1)}d}"
    mantissa, _, power = f"{value:.{decimals}E}".partition("E")
    sign = power[0] if power[0] == "-" or after.startswith("+") else ""
    return f"{mantissa}E{sign}{abs(int(power)):0{max(after.count('0'), 1)}d}"


def _number(value: float, tokens: Tokens) -> str | None:
    codes = [text for kind, text in tokens if kind == "code"]
    if "/" in codes:
        return _fraction(value, tokens)
    value *= 100 ** codes.count("%")
    exponent = next((i for i, (k, t) in enumerate(tokens) if k == "code" and t in "Ee"), None)
    if exponent is not None:
        return _scientific(abs(value), tokens, exponent)  # the sign is the caller's
    placeholders = [i for i, (k, t) in enumerate(tokens) if k == "code" and t in "0#?.,"]
    digits_at = [i for i in placeholders if tokens[i][1] in _DIGIT_PLACEHOLDERS]
    if not digits_at:
        if any(kind == "code" and text.isalpha() for kind, text in tokens):
            return None  # codes not understood (LibreOffice's `NN`): General, never nothing
        # No digits at all (`"Total"` as a format, `;;;` to hide): the literal text alone.
        return "".join(t for k, t in tokens if k == "lit" or t in "%-+ ()$:/")
    point = next((i for i in placeholders if tokens[i][1] == "."), None)
    whole = [i for i in digits_at if point is None or i < point]
    fraction = [tokens[i][1] for i in digits_at if point is not None and i > point]
    # Commas after the last digit placeholder scale by 1000 each; between digits they group.
    value /= 1000 ** sum(1 for i in placeholders if i > digits_at[-1] and tokens[i][1] == ",")
    grouped = bool(whole) and any(
        tokens[i][1] == "," and whole[0] < i < whole[-1] for i in placeholders
    )
    integer, _, decimals = _rounded(abs(value), len(fraction)).partition(".")
    kept = len("".join(fraction).rstrip("#?"))  # the `0`s of `0.0#` always show
    decimals = decimals[:kept] + decimals[kept:].rstrip("0")
    zeros = sum(1 for i in whole if tokens[i][1] == "0")
    integer = integer.lstrip("0").rjust(zeros, "0")
    if whole and any(
        tokens[i][0] == "lit" or tokens[i][1] not in "0#?," for i in range(whole[0], whole[-1] + 1)
    ):
        return _filled(integer, decimals, tokens, whole, point)
    if grouped and integer:
        # Leading zeros group too: `00,000` shows 12 as `00,012`.
        head = len(integer) % 3 or 3
        integer = ",".join(
            [integer[:head]] + [integer[i : i + 3] for i in range(head, len(integer), 3)]
        )
    return _laid_out(integer, decimals, tokens, whole or digits_at[:1], point)


def _fraction(value: float, tokens: Tokens) -> str | None:
    """`# ?/?` (whole part and the nearest fraction with one-digit denominators), `?/?` (no
    whole part: `5/2`), `# ??/??` (two digits), `# ?/8` (eighths); literals around kept."""
    slash = next(i for i, (k, t) in enumerate(tokens) if k == "code" and t == "/")
    start = slash
    while start > 0 and tokens[start - 1][0] == "code" and tokens[start - 1][1] in "0#?":
        start -= 1
    end = slash + 1
    while end < len(tokens) and tokens[end][0] == "code" and tokens[end][1] in "0#?0123456789":
        end += 1
    denominator = "".join(t for _, t in tokens[slash + 1 : end])
    if start == slash or not denominator:
        return None
    leading = [i for i in range(start) if tokens[i][0] == "code" and tokens[i][1] in "0#?"]
    prefix = "".join(t for i, (_, t) in enumerate(tokens[:start]) if not leading or i < leading[0])
    suffix = "".join(t for _, t in tokens[end:])
    number = abs(value)
    whole = int(number) if leading else 0
    rest = number - whole
    if denominator.isdigit():
        below = max(int(denominator), 1)
        above = int(_rounded(rest * below, 0))
    else:
        nearest = Fraction(rest).limit_denominator(10 ** len(denominator) - 1)
        above, below = nearest.numerator, nearest.denominator
    if leading and above == below:
        whole, above = whole + 1, 0
    parts = [str(whole)] if leading and (whole or not above) else []
    if above or not parts:
        parts.append(f"{above}/{below}")
    return (prefix.strip() + " " + " ".join(parts) + suffix).strip()


def _laid_out(
    integer: str, decimals: str, tokens: Tokens, whole: list[int], point: int | None
) -> str:
    """The number written where its placeholders are, literals and signs around it."""
    out: list[str] = []
    placed = False
    integer_at = set(whole)  # a set: a code of many placeholders is read in linear time
    for i, (kind, text) in enumerate(tokens):
        if kind == "lit":
            out.append(text)
        elif i in integer_at or i == point:
            if not placed:
                out.append(integer)
                placed = True
            if i == point:
                out.append("." + decimals)  # `0.##` shows 1 as `1.`, as Excel does
        elif text not in "0#?,.":
            out.append(text)  # fraction digits come with the point; commas are not shown
    return "".join(out)


def _filled(
    integer: str, decimals: str, tokens: Tokens, whole: list[int], point: int | None
) -> str:
    """Digits placed right to left into the integer placeholders, literals between them kept
    where they are (`000-0000` shows `555-1234`); digits beyond the placeholders go first."""
    digits = list(integer)
    placed: dict[int, str] = {}
    for i in reversed(whole):
        placed[i] = digits.pop() if digits else ""
    placed[whole[0]] = "".join(digits) + placed[whole[0]]
    out: list[str] = []
    for i, (kind, text) in enumerate(tokens):
        if i in placed:
            out.append(placed[i])
        elif kind == "lit" or text not in "0#?,.":
            out.append(text)
        elif i == point:
            out.append("." + decimals)
    return "".join(out)


def _joined(tokens: Tokens) -> Tokens:
    """Runs of the same date letter as one code (`yyyy`, `mmm`, `dd`)."""
    codes: Tokens = []
    for kind, text in tokens:
        if kind == "code" and codes and codes[-1][0] == "code" and text.isalpha():
            previous = codes[-1][1]
            if previous[-1].lower() == text.lower():
                codes[-1] = ("code", previous + text)
                continue
        codes.append((kind, text))
    return codes


def _minutes(codes: Tokens) -> list[bool]:
    """For each code, whether an `m`/`mm` there means minutes: right after an hour (or an
    elapsed code) or right before seconds; months otherwise. One pass each way, so a long
    code is read in linear time."""
    after_hour: list[bool] = []
    last = ""  # the first letter of the last letter or elapsed code before this one
    for kind, text in codes:
        after_hour.append(last in ("h", "["))
        if kind == "code" and (text[0].isalpha() or text[0] == "["):
            last = text[0].lower()
    before_second: list[bool] = []
    following = ""  # the first letter of the next letter code after this one
    for kind, text in reversed(codes):
        before_second.append(following == "s")
        if kind == "code" and text[0].isalpha():
            following = text[0].lower()
    before_second.reverse()
    return [a or b for a, b in zip(after_hour, before_second, strict=True)]


def _date_part(
    code: str,
    moment: datetime,
    minutes: bool,
    twelve: bool,
    names: _Names = _ENGLISH,
) -> str:
    if code[0].lower() in "hs" or code.upper() in _MARKERS:
        return _time_part(code, moment, twelve)
    low, width = code.lower(), len(code)
    first = low[0]
    if first == "y":
        return f"{moment.year % 100:02d}" if width <= 2 else str(moment.year)
    if first == "m" and width <= 2:
        return f"{moment.minute if minutes else moment.month:0{width}d}"
    if first == "m":
        name = names.months[moment.month - 1]
        return {3: names.short_months[moment.month - 1], 5: name[0]}.get(width, name)
    if first == "d":
        day = moment.weekday()
        return _day(moment.day, width) or (names.short_days if width == 3 else names.days)[day]
    return code


def _day(day: int, width: int) -> str:
    """`d` and `dd`: the day of the month; empty for the names (`ddd`, `dddd`)."""
    return f"{day:0{width}d}" if width <= 2 else ""


def _time_part(code: str, moment: datetime, twelve: bool) -> str:
    first, width = code[0].lower(), len(code)
    if first == "h":
        hour = (moment.hour % 12 or 12) if twelve else moment.hour
        return f"{hour:0{min(width, 2)}d}"
    if first == "s":
        return f"{moment.second:0{min(width, 2)}d}"
    if code.upper() in _MARKERS:
        # `AM/PM` and `am/pm` show `PM` (Excel keeps the long marker in capitals, as numfmt's
        # Excel-checked tests have it); `A/P` shows `P` and `a/p` `p` (Microsoft's "Number
        # format codes": "A, or a ... P, or p").
        marker = "AM" if moment.hour < 12 else "PM"
        if code.upper() == "AM/PM":
            return marker
        return marker[0].lower() if code[0].islower() else marker[0]
    return code


def _with_fractions(codes: Tokens) -> Tokens:
    """A point followed by zeros in a date or time section as one code (`.000`): fractions of
    a second (`hh:mm:ss.000`, `mm:ss.0`, `[h]:mm:ss.00`), which Excel shows to three digits."""
    out: Tokens = []
    for kind, text in codes:
        if kind == "code" and text == "0" and out and out[-1][0] == "code":
            previous = out[-1][1]
            if previous.startswith(".") and set(previous[1:]) <= {"0"} and len(previous) < 4:
                out[-1] = ("code", previous + "0")
                continue
        out.append((kind, text))
    return out


_SERIAL_ORIGIN: Final = datetime(1899, 12, 30)
"""Serial 0 of the 1900 date system as openpyxl counts it (Excel's 1900-01-00, a day on)."""
_DURATION_ORIGIN: Final = datetime(1899, 12, 31)
"""Where a duration's calendar parts count from: serial 1.5 (`d h:mm`) is day 1, 12:00."""
_MICROSECOND: Final = timedelta(microseconds=1)
_FIRST_MARCH_1900: Final = datetime(1900, 3, 1)


def _date_text(
    moment: datetime | timedelta,
    tokens: Tokens,
    names: _Names = _ENGLISH,
    *,
    origin: datetime | None = None,
    calendar: str = "",
) -> str:
    """The section's codes filled from `moment`. Excel rounds the value to the precision the
    section shows (whole seconds, or its `.0`-`.000` fractions) before taking any part, so
    0.864 s shows `1` under `s` and `00.86` under `ss.00`; elapsed codes (`[h]`, `[mm]`,
    `[ss]`) count whole units of the time since `origin` (serial 0, or midnight for a time)."""
    codes = _with_fractions(_joined(tokens))
    twelve = any(t.upper() in _MARKERS for _, t in codes)
    places = max((len(t) - 1 for k, t in codes if k == "code" and t.startswith(".")), default=0)
    try:
        when = _DURATION_ORIGIN + moment if isinstance(moment, timedelta) else moment
    except OverflowError:
        # A duration past the calendar's year 9999 (3,000,000 days under `[h]:mm`): only its
        # elapsed codes mean anything, and they count from `span`.
        when = _DURATION_ORIGIN
    if origin is None:
        # Excel counts 1900-02-29, which never was: serials from 1900-03-01 on are a day more.
        origin = _SERIAL_ORIGIN if when >= _FIRST_MARCH_1900 else _DURATION_ORIGIN
    span = moment if isinstance(moment, timedelta) else moment - origin
    micros = span // _MICROSECOND
    unit = 10 ** (6 - places)
    rounded = (abs(micros) + unit // 2) // unit * unit * (1 if micros >= 0 else -1)
    # 9999-12-31 23:59:59.9999 rounds past the calendar: Excel shows that day.
    with contextlib.suppress(OverflowError):
        when += (rounded - micros) * _MICROSECOND
    total = abs(rounded) // 1_000_000
    elapsed = {"[h": total // 3600, "[m": total // 60, "[s": total}
    out: list[str] = ["-"] if rounded < 0 and any(t[:1] == "[" for _, t in codes) else []
    minutes = _minutes(codes)
    after_era = False
    for i, (kind, text) in enumerate(codes):
        era = _era_part(text, when, calendar, after_era) if kind == "code" else None
        if kind == "lit":
            out.append(text)
        elif era is not None:
            out.append(era)
            after_era = after_era or text[0] in "gG"
        elif text[:2].lower() in elapsed:
            out.append(f"{elapsed[text[:2].lower()]:0{len(text) - 2}d}")
        elif text.startswith(".") and len(text) > 1:
            out.append("." + f"{when.microsecond:06d}"[: len(text) - 1])
        else:
            out.append(_date_part(text, when, minutes[i], twelve, names))
    return "".join(out).strip()


def _moment(value: datetime | date | time | timedelta, sections: list[str]) -> str | None:
    """A date, time or duration under the section Excel picks for it: by the sections'
    conditions when they have any (`[<1]h:mm;[h]:mm` shows 1.5 days as `36:00`), a negative
    duration by the second section, otherwise the first."""
    section = sections[0]
    if isinstance(value, timedelta) or any(_condition(s) for s in sections[:3]):
        serial = _serial(value)
        chosen = _conditional(serial, _numeric_sections(";".join(sections)))
        if chosen is not None:
            section = chosen[0]
        elif serial < 0 and len(sections) >= 2 and not _has_text_code(sections[1]):
            section, value = sections[1], -value if isinstance(value, timedelta) else value
    tokens = _tokens(section)
    if not _is_date_section(tokens):
        return None
    origin = None
    if isinstance(value, time):
        # A time of day (a serial below 1): elapsed codes count from its midnight.
        value = datetime.combine(date(1900, 1, 1), value)
        origin = datetime(1900, 1, 1)
    elif not isinstance(value, datetime | timedelta):
        value = datetime.combine(value, time())
    return _date_text(value, tokens, _names(section), origin=origin, calendar=_calendar(section))


def _serial(value: datetime | date | time | timedelta) -> float:
    """The value as Excel's serial number (days; a time of day is the fraction of one)."""
    if isinstance(value, timedelta):
        return value / timedelta(days=1)
    if isinstance(value, time):
        return (datetime.combine(date(1900, 1, 1), value) - datetime(1900, 1, 1)) / timedelta(
            days=1
        )
    moment = value if isinstance(value, datetime) else datetime.combine(value, time())
    origin = _SERIAL_ORIGIN if moment >= _FIRST_MARCH_1900 else _DURATION_ORIGIN
    return (moment - origin) / timedelta(days=1)


@functools.lru_cache(maxsize=_CODES_CACHED)
def _condition(section: str) -> tuple[str, float] | None:
    """The (operator, limit) of a conditional section (`[>=1000]#,##0,"K"`), if it has one."""
    match = _CONDITION.search(section.split('"', 1)[0])
    return None if match is None else (match.group(1), float(match.group(2)))


def _holds(condition: tuple[str, float] | None, value: float) -> bool:
    return condition is None or _COMPARISONS[condition[0]](value, condition[1])


def _signless(condition: tuple[str, float] | None) -> bool:
    """Whether a conditional section shows a negative number without its minus: its condition
    already says the number is negative (`[<0]`, `[<=-5]`, `[=-5]`), so the section's own
    text ("Loss ") stands for the sign."""
    if condition is None:
        return False
    operator, limit = condition
    return (limit < 0 and operator in ("<", "<=", "=")) or (limit == 0 and operator == "<")


def _conditional(value: float, sections: list[str]) -> tuple[str, bool] | None:
    """(section, whether a negative number keeps its minus) when a numeric section carries a
    condition: the first of the first three whose condition holds, one without a condition
    always holding, the first defaulting to `[>0]`. None when none holds (Excel shows
    `####`; the caller shows General). Which sections keep the minus is Excel's observed
    behaviour (the `conditionals` tests of numfmt, checked against Excel 16): a section whose
    condition implies a negative number drops it; in a two-section format, the second
    section without a condition keeps it only after a first condition of `=` or of `>`/`>=`
    a limit at or above zero."""
    conditions = [_condition(section) for section in sections[:3]]
    if not any(conditions):
        return None
    first = conditions[0] or (">", 0.0)
    conditions[0] = first
    for index, (section, condition) in enumerate(zip(sections, conditions, strict=False)):
        if not _holds(condition, value):
            continue
        if index == 1 and condition is None and len(conditions) < 3:
            operator, limit = first
            return section, operator == "=" or (limit >= 0 and operator in (">", ">="))
        return section, not _signless(condition)
    return None


@functools.lru_cache(maxsize=_CODES_CACHED)
def _serial_section(section: str) -> bool:
    """Whether a section shows only date and time parts (no digit placeholders but the
    zeros of fractions of a second), so a number under it is a date serial."""
    tokens = _tokens(section)
    codes = _with_fractions(_joined(tokens))
    return _is_date_section(tokens) and not any(
        kind == "code" and text in ("0", "#", "?", "%", "@") for kind, text in codes
    )


@functools.lru_cache(maxsize=_CODES_CACHED)
def _numeric_sections(code: str) -> list[str]:
    """The sections a number may be shown by: the first three, without a text section
    (`0.00;@` shows -5 as `-5.00`, by its first section)."""
    sections = _sections(code)
    if len(sections) >= 4:
        return sections[:3]
    return [s for s in sections if not _has_text_code(s)] or sections[:1]


@functools.lru_cache(maxsize=_CODES_CACHED)
def _has_text_code(section: str) -> bool:
    return any(kind == "code" and text == "@" for kind, text in _tokens(section))


def _numeric(value: float, sections: list[str]) -> str | None:
    chosen = _conditional(value, sections)
    if chosen is not None:
        section, keeps_minus = chosen
        sign = "-" if value < 0 and keeps_minus else ""
        value = abs(value)
    elif any(_condition(section) for section in sections[:3]):
        return None  # no section's condition holds: Excel shows ####, General here
    elif len(sections) >= 3 and value == 0:
        section, sign = sections[2], ""
    elif len(sections) >= 2 and value < 0:
        section, sign, value = sections[1], "", -value
    else:
        section, sign = sections[0], "-" if value < 0 else ""
    tokens = _tokens(section)
    codes = "".join(t for k, t in tokens if k == "code")
    if codes.strip().lower() == "general" or "@" in codes or _is_date_section(tokens):
        return None  # a date format on a plain number: openpyxl converts those itself
    rendered = _number(value, tokens)
    if rendered is None:
        return None
    return sign + rendered if sign and rendered.strip("0.,% ") else rendered


def format_value(value: object, code: str) -> str | None:
    """`value` (a number, or a date/time openpyxl already converted) as Excel shows it under
    number format `code`; None when the format is General, text, or not understood, for the
    caller's plain rendering."""
    if (
        not code
        or code in (GENERAL, BUILTIN_LOCALE_DATE)
        or isinstance(value, bool)
        or len(code) > MAX_CODE_CHARS
        or _unclosed(code)
        or (isinstance(value, float) and not math.isfinite(value))  # Excel: #NUM!
    ):
        return None
    sections = _sections(code)
    try:
        if isinstance(value, datetime | date | time | timedelta):
            return _moment(value, sections)
        if isinstance(value, int | float):
            if _serial_section(sections[0]):
                # A date or time format openpyxl did not take for one (`[hhh]:mm`, a
                # built-in East Asian date): the number is its serial.
                elapsed = any(_ELAPSED.match(t) for k, t in _tokens(sections[0]) if k == "code")
                moment = from_excel(float(value), WINDOWS_EPOCH, timedelta=elapsed)
                return _moment(moment, sections)
            return _numeric(float(value), _numeric_sections(code))
    except (ValueError, ArithmeticError, IndexError):
        pass  # decimal's InvalidOperation on infinities is an ArithmeticError
    return None


def format_text(text: str, code: str) -> str:
    """A text cell as Excel shows it under number format `code`: through the text section
    (the fourth, or the only one when it holds `@`), `@` standing for the text
    (`"Account: "@` shows `Account: ACME-742`). A format without a text section, or whose
    text section has no `@`, leaves the text as it is (the text stays searchable)."""
    if "@" not in code or len(code) > MAX_CODE_CHARS:
        return text
    sections = _sections(code)
    section = sections[3] if len(sections) >= 4 else sections[0] if len(sections) == 1 else ""
    tokens = _tokens(section)
    if not any(kind == "code" and value == "@" for kind, value in tokens):
        return text
    shown = "".join(text if (kind, value) == ("code", "@") else value for kind, value in tokens)
    return shown.strip()  # the padding of `_(@_)` is alignment, not text


def format_number(value: float, code: str, *, date1904: bool = False) -> str:
    """A number stored outside a cell (a chart's cached category or value) as Excel shows it
    under `code`: a serial under a date format is that date (`46023` under `mmm-yy` is
    `Jan-26`; `date1904`: the workbook's 1904 date system), other numbers as `format_value`
    renders them, General otherwise. Never raises."""
    if len(code) > MAX_CODE_CHARS or _unclosed(code):
        return general(value)  # not a code Excel takes (openpyxl took `[Red` for a date)
    try:
        if code and is_date_format(code):
            epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
            moment = from_excel(value, epoch, timedelta=is_timedelta_format(code))
            shown = format_value(moment, code)
            if shown is None and isinstance(moment, datetime | date | time):
                # Built-in format 14 (the reader's short date): ISO, as in cells.
                return moment.date().isoformat() if isinstance(moment, datetime) else str(moment)
        else:
            shown = format_value(value, code)
    except (ValueError, ArithmeticError, TypeError):
        shown = None
    return general(value) if shown is None else shown.strip()
