"""File names as users see them. A name is display text only: object keys use the file id,
so a name can never choose where bytes are stored."""

from __future__ import annotations

import posixpath
from typing import Final

from engageiq_tenancy.display_text import clean_display_text, cut_at_grapheme

MAX_NAME_LENGTH: Final = 200
FALLBACK_NAME: Final = "untitled"


def sanitise_name(raw: str | None) -> str:
    """A safe display name: the last path component, cleaned like every name people see
    (engageiq_tenancy.display_text: NFC, no controls, bidi or invisible characters, one line),
    without leading dots, at most 200 characters cut at a character boundary, keeping the
    extension."""
    # Browsers send Windows paths from old forms; either separator ends a path component.
    name = posixpath.basename((raw or "").replace("\\", "/"))
    name = clean_display_text(name).lstrip(".").strip()
    if name in {"", ".", ".."}:
        return FALLBACK_NAME
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = cut_at_grapheme(stem, MAX_NAME_LENGTH - len(ext) - 1) + "." + ext
        else:
            name = cut_at_grapheme(name, MAX_NAME_LENGTH)
    return name


def extension_of(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""
