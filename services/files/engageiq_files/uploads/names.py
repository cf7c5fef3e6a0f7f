"""File names as users see them. A name is display text only: object keys use the file id,
so a name can never choose where bytes are stored."""

from __future__ import annotations

import posixpath
import unicodedata
from typing import Final

MAX_NAME_LENGTH: Final = 200
FALLBACK_NAME: Final = "untitled"


# Control, format and line/paragraph separators: they hide text, reverse it (U+202E) or break
# the line it is shown on.
_INVISIBLE: Final = frozenset({"Cc", "Cf", "Zl", "Zp"})


def without_invisible(text: str) -> str:
    """`text` in NFC without control or format characters (also used for chat feedback)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)


def sanitise_name(raw: str | None) -> str:
    """A safe display name: the last path component, without control or format characters
    (which hide text or reverse it), trimmed, at most 200 characters, keeping the extension."""
    name = unicodedata.normalize("NFC", raw or "")
    # Browsers send Windows paths from old forms; either separator ends a path component.
    name = name.replace("\\", "/")
    name = without_invisible(posixpath.basename(name))
    name = name.strip().lstrip(".").strip()
    if name in {"", ".", ".."}:
        return FALLBACK_NAME
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def extension_of(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""
