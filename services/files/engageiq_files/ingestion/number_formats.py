"""A cell's value as Excel shows it under its number format (ECMA-376 Part 1 §18.8.31): `0.15`
under `0%` is `15%`, `742` under `00000` is `00742`, `12500000` under `#,##0.0,,"M"` is
`12.5M`. People search for what they see, so that is what is indexed.

The common formats are rendered: sections (`pos;neg;zero;text`), percent, fixed and optional
decimals, leading zeros, thousands separators and scaling commas, literals (`"..."`, `\\x`),
currency brackets (`[$€-407]`), colours (ignored), conditional sections (`[>=1000]0,"K";0`),
scientific and engineering notation, fractions (`# ?/?`, `# ?/8`), and dates and times
(`yyyy`, `mmm`, `d`, `hh:mm`, `AM/PM`, elapsed `[h]`); numbers round halves away from zero
from their 15 significant digits, as Excel does. Anything not understood falls back to the
General rendering (`general`): never an error.
No PyPI library renders Excel number formats in Python (openpyxl only classifies them), so
this is ours (decision 0103)."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Final

from openpyxl.styles.numbers import is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

GENERAL: Final = "General"
BUILTIN_LOCALE_DATE: Final = "mm-dd-yy"
"""Built-in format 14: Excel shows it in the reader's short-date style, so ISO is kept."""

_BRACKET: Final = re.compile(r"\[([^\]]*)\]")
_DATE_CODES: Final = re.compile(r"[ymdhs]", re.I)
_ELAPSED: Final = re.compile(r"^\[(h+|m+|s+)\]$", re.I)
_MONTHS: Final = (
    *("January", "February", "March", "April", "May", "June", "July"),
    *("August", "September", "October", "November", "December"),
)
_DAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_LOCALE: Final = re.compile(r"\[\$[^\]-]*-([0-9A-Fa-f]{3,8}|[A-Za-z]{2,3}(?:-[A-Za-z0-9-]+)?)\]")
"""A locale in a format (`[$-407]`, `[$€-407]`, `[$-de-DE]`): its LCID (hex) or language tag."""
_LANGUAGES: Final = {"de": 0x07, "es": 0x0A, "fr": 0x0C, "it": 0x10, "nl": 0x13, "pt": 0x16}
"""Language tag -> Windows primary language id, for the Western languages named below."""
_NAMES: Final[dict[int, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]] = {
    0x07: (
        ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli"),
        ("August", "September", "Oktober", "November", "Dezember"),
        ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    ),
    0x0A: (
        ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio"),
        ("agosto", "septiembre", "octubre", "noviembre", "diciembre"),
        ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    ),
    0x0C: (
        ("janvier", "février", "mars", "avril", "mai", "juin", "juillet"),
        ("août", "septembre", "octobre", "novembre", "décembre"),
        ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    ),
    0x10: (
        ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio"),
        ("agosto", "settembre", "ottobre", "novembre", "dicembre"),
        ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    ),
    0x13: (
        ("januari", "februari", "maart", "april", "mei", "juni", "juli"),
        ("augustus", "september", "oktober", "november", "december"),
        ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    ),
    0x16: (
        ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho"),
        ("agosto", "setembro", "outubro", "novembro", "dezembro"),
        ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira"),
    ),
}
"""Month and day names of the Western languages a format may name by locale (`[$-407]`
shows `März`, not `March`); English otherwise. Portuguese weekdays end with the weekend."""
_WEEKEND_PT: Final = ("sábado", "domingo")


def _names(section: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(months, weekdays) in the language of the section's locale, English by default."""
    match = _LOCALE.search(section)
    language = 0x09
    if match is not None:
        tag = match.group(1)
        if tag.isalpha() or "-" in tag:
            language = _LANGUAGES.get(tag.split("-", 1)[0].lower(), 0x09)
        else:
            language = int(tag, 16) & 0x3FF
    if language not in _NAMES:
        return _MONTHS, _DAYS
    first, second, days = _NAMES[language]
    return (*first, *second), (days + _WEEKEND_PT if language == 0x16 else days)


_DIGIT_PLACEHOLDERS: Final = "0#?"
_CONDITION: Final = re.compile(r"\[(<=|>=|<>|<|>|=)\s*(-?\d+(?:\.\d+)?)\]")
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


def _tokens(section: str) -> list[tuple[str, str]]:
    """("lit", text) and ("code", char) tokens: quotes, escapes, `_x` spaces, `*x` fills and
    brackets resolved (a currency bracket `[$€-407]` becomes its symbol; colours, conditions
    and locales vanish)."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        char = section[i]
        if section[i : i + 5].upper() == "AM/PM":
            tokens.append(("code", "AM/PM"))
            i += 5
        elif section[i : i + 3].upper() == "A/P":
            tokens.append(("code", "A/P"))
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
    return any(kind == "code" and _DATE_CODES.match(text) for kind, text in tokens)


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
        integer = f"{int(integer):,}"
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
    for i, (kind, text) in enumerate(tokens):
        if kind == "lit":
            out.append(text)
        elif i in whole or i == point:
            if not placed:
                out.append(integer)
                placed = True
            if i == point and decimals:
                out.append("." + decimals)
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
        elif i == point and decimals:
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


def _is_minutes(codes: Tokens, i: int) -> bool:
    """`m`/`mm` mean minutes right after an hour or right before seconds, months otherwise."""
    before = [t.lower() for k, t in codes[:i] if k == "code" and (t[0].isalpha() or t[0] == "[")]
    after = [t.lower() for k, t in codes[i + 1 :] if k == "code" and t[0].isalpha()]
    return bool(before and before[-1][0] in "h[") or bool(after and after[0][0] == "s")


def _date_part(
    code: str,
    moment: datetime,
    minutes: bool,
    twelve: bool,
    names: tuple[tuple[str, ...], tuple[str, ...]] = (_MONTHS, _DAYS),
) -> str:
    if code[0].lower() in "hs" or code in ("AM/PM", "A/P"):
        return _time_part(code, moment, twelve)
    low, width = code.lower(), len(code)
    first = low[0]
    if first == "y":
        return f"{moment.year % 100:02d}" if width <= 2 else str(moment.year)
    if first == "m" and width <= 2:
        return f"{moment.minute if minutes else moment.month:0{width}d}"
    if first == "m":
        name = names[0][moment.month - 1]
        return {3: name[:3], 5: name[0]}.get(width, name)
    if first == "d":
        name = names[1][moment.weekday()]
        return f"{moment.day:0{width}d}" if width <= 2 else name[:3] if width == 3 else name
    return code


def _time_part(code: str, moment: datetime, twelve: bool) -> str:
    first, width = code[0].lower(), len(code)
    if first == "h":
        hour = (moment.hour % 12 or 12) if twelve else moment.hour
        return f"{hour:0{min(width, 2)}d}"
    if first == "s":
        return f"{moment.second:0{min(width, 2)}d}"
    if code in ("AM/PM", "A/P"):
        marker = "AM" if moment.hour < 12 else "PM"
        return marker if code == "AM/PM" else marker[0]
    return code


def _date_text(
    moment: datetime | timedelta,
    tokens: Tokens,
    names: tuple[tuple[str, ...], tuple[str, ...]] = (_MONTHS, _DAYS),
) -> str:
    codes = _joined(tokens)
    twelve = any(t in ("AM/PM", "A/P") for _, t in codes)
    total = int(moment.total_seconds()) if isinstance(moment, timedelta) else 0
    when = datetime(1900, 1, 1) + moment if isinstance(moment, timedelta) else moment
    elapsed = {"[h": total // 3600, "[m": total // 60, "[s": total}
    out: list[str] = []
    for i, (kind, text) in enumerate(codes):
        if kind == "lit":
            out.append(text)
        elif text[:2].lower() in elapsed:
            out.append(f"{elapsed[text[:2].lower()]:0{len(text) - 2}d}")
        else:
            out.append(_date_part(text, when, _is_minutes(codes, i), twelve, names))
    return "".join(out).strip()


def _moment(value: datetime | date | time | timedelta, sections: list[str]) -> str | None:
    tokens = _tokens(sections[0])
    if not _is_date_section(tokens):
        return None
    if isinstance(value, time):
        value = datetime.combine(date(1900, 1, 1), value)
    elif not isinstance(value, datetime | timedelta):
        value = datetime.combine(value, time())
    return _date_text(value, tokens, _names(sections[0]))


def _condition(section: str) -> Callable[[float], bool] | None:
    """The test of a conditional section (`[>=1000]#,##0,"K"`), if it has one."""
    match = _CONDITION.search(section.split('"', 1)[0])
    if match is None:
        return None
    compare, limit = _COMPARISONS[match.group(1)], float(match.group(2))
    return lambda value: compare(value, limit)


def _conditional(value: float, sections: list[str]) -> tuple[str, str, float] | None:
    """(section, sign, value) when the first sections carry conditions: the first whose
    condition holds, else the first without one (Excel's "otherwise")."""
    conditions = [_condition(section) for section in sections]
    if not any(conditions[:2]):
        return None
    sign = "-" if value < 0 else ""
    for section, condition in zip(sections, conditions, strict=True):
        if condition is not None and condition(value):
            return section, sign, value
    otherwise = [s for s, c in zip(sections, conditions, strict=True) if c is None]
    return (otherwise[0] if otherwise else sections[-1]), sign, value


def _numeric(value: float, sections: list[str]) -> str | None:
    chosen = _conditional(value, sections)
    if chosen is not None:
        section, sign, value = chosen
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
    if not code or code in (GENERAL, BUILTIN_LOCALE_DATE) or isinstance(value, bool):
        return None
    sections = _sections(code)
    try:
        if isinstance(value, datetime | date | time | timedelta):
            return _moment(value, sections)
        if isinstance(value, int | float):
            return _numeric(float(value), sections)
    except (ValueError, ArithmeticError, IndexError):
        pass  # decimal's InvalidOperation on infinities is an ArithmeticError
    return None


def format_text(text: str, code: str) -> str:
    """A text cell as Excel shows it under number format `code`: through the text section
    (the fourth, or the only one when it holds `@`), `@` standing for the text
    (`"Account: "@` shows `Account: ACME-742`). A format without a text section, or whose
    text section has no `@`, leaves the text as it is (the text stays searchable)."""
    if "@" not in code:
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
