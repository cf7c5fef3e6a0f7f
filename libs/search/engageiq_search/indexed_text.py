"""What the index scores for a chunk: its document's name and its section heading before its
text. A chunk cut from the middle of a section ("Approval levels", third chunk) no longer
loses the words that say what it is about, and a PDF page or a spreadsheet range is found by
its file's name ("security-faq.pdf" answers "security"). Only scoring sees this text; the
passage a citation quotes is the chunk's own text."""

from __future__ import annotations

import re
from typing import Final

# Locations that only number a position ("page 3", "rows 2-26", "slide 4"): no words to add.
_POSITIONAL: Final = re.compile(
    r"^(?:pages?|rows?|lines|slide|front matter|header|footer|footnotes|endnotes|comments)"
    r"\b[\s\d-]*$",
    re.I,
)
_CELL_RANGE: Final = re.compile(r"!\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?$")
_NAME_SEPARATORS: Final = re.compile(r"[_\-.]+")
_EXTENSION: Final = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def document_words(file_name: str) -> str:
    """A file name as words: "price-list_2026.xlsx" -> "price list 2026"."""
    return _NAME_SEPARATORS.sub(" ", _EXTENSION.sub("", file_name)).strip()


def location_words(location: str) -> str:
    """The words of a section's location: a heading as is, a sheet range's sheet name
    ("'Volume tiers'!A2:D7" -> "Volume tiers"), nothing for a bare position."""
    location = _CELL_RANGE.sub("", location).strip("'")
    return "" if _POSITIONAL.match(location) else location


def indexed_text(file_name: str, location: str, text: str) -> str:
    """The document's name, the section's heading (unless the chunk already starts with it),
    then the chunk's text."""
    heading = location_words(location)
    if heading and text.lstrip().startswith(heading):
        heading = ""  # the section's first chunk already says it once
    return "\n".join(part for part in (document_words(file_name), heading, text) if part)
