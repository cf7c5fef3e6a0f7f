"""A play's template and its variables (decision 0115).

A variable is written `{name}`: a letter first, then letters, digits, `_` or single spaces
between words, at most `MAX_VARIABLE_CHARS` ("{account}", "{next step}", "{Branche}").
`{{` and `}}` stand for a brace itself. Anything else between braces, a `{` that is never
closed and a `}` that closes nothing is an unknown variable: 400 `unknown_play_variable`,
naming what was found. The web app fills a template by the same rules
(`web/src/features/chat/playTemplate.ts`)."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError

MAX_TEMPLATE_CHARS: Final = 4_000
"""A quarter of the longest chat message, so a filled play leaves room for its values."""
MAX_VARIABLES: Final = 20
MAX_VARIABLE_CHARS: Final = 40
# Shown in an error: enough of what was found to recognise it.
_FOUND_CHARS: Final = 50

# C0 and C1 controls and DEL, except tab and line feed: invisible in the composer and the admin
# list, and nothing a person writes into a prompt (a NUL pasted from another tool, ESC codes).
_CONTROLS: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TOKEN: Final = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
VARIABLE_NAME: Final = re.compile(r"[^\W\d_]\w*(?: \w+)*")
"""A letter first; then letters, digits and `_`, with single spaces only between words (each
group starts with its space, so matching never backtracks)."""


class UnknownVariable(ApiError):
    def __init__(self, found: str) -> None:
        if len(found) > _FOUND_CHARS:
            found = found[: _FOUND_CHARS - 1] + "…"
        super().__init__(Errors.UNKNOWN_PLAY_VARIABLE, found=found, limit=MAX_VARIABLE_CHARS)


class InvalidTemplate(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.INVALID_PLAY_TEMPLATE, limit=MAX_TEMPLATE_CHARS)


class TooManyVariables(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.TOO_MANY_PLAY_VARIABLES, limit=MAX_VARIABLES)


def is_variable_name(name: str) -> bool:
    return len(name) <= MAX_VARIABLE_CHARS and VARIABLE_NAME.fullmatch(name) is not None


def clean_template(raw: str) -> str:
    """`raw` as stored: NFC, line ends as `\\n`, control characters other than tab and line
    feed dropped, no white space at either end. Raises `InvalidTemplate` when that is empty or
    longer than `MAX_TEMPLATE_CHARS`."""
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text).strip()
    if not text or len(text) > MAX_TEMPLATE_CHARS:
        raise InvalidTemplate()
    return text


def template_variables(template: str) -> list[str]:
    """The variables of `template`, each once, in the order they first appear. Raises
    `UnknownVariable` at the first `{…}` or lone brace that is not one, `TooManyVariables`
    beyond `MAX_VARIABLES`."""
    found: dict[str, None] = {}
    for token in _TOKEN.finditer(template):
        text = token.group(0)
        if text in ("{{", "}}"):
            continue
        name = token.group(1)
        if name is None:
            # A lone brace: show it with what follows (or precedes) so it can be found.
            start = token.start() if text == "{" else max(0, token.start() - 20)
            raise UnknownVariable(template[start : token.end() + (20 if text == "{" else 0)])
        if not is_variable_name(name):
            raise UnknownVariable(text)
        found[name] = None
    if len(found) > MAX_VARIABLES:
        raise TooManyVariables()
    return list(found)


def fill(template: str, values: dict[str, str]) -> str:
    """`template` with each variable replaced by its value and `{{`/`}}` by one brace (what
    the web app sends; here for tests and the docs' examples). KeyError for a missing value."""

    def replace(token: re.Match[str]) -> str:
        text = token.group(0)
        if text in ("{{", "}}"):
            return text[0]
        return values[token.group(1)]

    return _TOKEN.sub(replace, template)
