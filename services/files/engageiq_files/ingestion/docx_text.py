"""Word documents (.docx, .docm, templates; transitional and Strict OOXML) read from their XML,
so that every piece of text is found, not only top-level paragraphs and tables:

- content controls (`w:sdt`), smart tags, custom XML, hyperlinks: their content is read;
- tracked changes: insertions (`w:ins`, `w:moveTo`) are read, deletions (`w:del`,
  `w:delText`, `w:moveFrom`) are not - the text reads as the document now stands;
- fields: the result is read, the instruction (`w:instrText`) is not;
- text boxes and shapes: `mc:AlternateContent` is read through its `mc:Choice` only (the
  `mc:Fallback` repeats the same text for old readers);
- nested tables: every cell's paragraphs, in order;
- headers, footers, footnotes, endnotes and comments, found through the main part's
  relationships, each its own section (identical headers of several sections once).

Paragraphs styled as headings (style id or name "Heading N" or "Title") start sections.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import Final

from lxml import etree

from engageiq_files.ingestion.ooxml import (
    attribute,
    check_package,
    corrupt,
    local,
    main_part,
    read_xml,
    relationships,
)
from engageiq_files.ingestion.sections import ParseFailure, ParseLimits, Section

_SKIPPED: Final = frozenset(
    {"del", "delText", "moveFrom", "instrText", "Fallback", "rPrChange", "pPrChange", "sdtPr"}
)
_BREAKS: Final = {"tab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-", "softHyphen": ""}
_HEADING_ID: Final = re.compile(r"^(heading\s*\d|title)$", re.I)
# Relationship types of the parts read besides the main one, and where a citation puts them.
_SIDE_PARTS: Final = (
    ("/header", "header"),
    ("/footer", "footer"),
    ("/footnotes", "footnotes"),
    ("/endnotes", "endnotes"),
    ("/comments", "comments"),
)


class _Paragraphs:
    """Collects (style id, text) paragraphs from a part, in document order."""

    def __init__(self) -> None:
        self.paragraphs: list[tuple[str, str]] = []
        self._style = ""
        self._text: list[str] = []

    def visit(self, element: etree._Element) -> None:
        name = local(element)
        if name in _SKIPPED:
            return
        if name == "t":
            self._text.append(element.text or "")
            return
        if name in _BREAKS:
            self._text.append(_BREAKS[name])
            return
        if name in {"p", "tc"}:
            # A paragraph (also one inside a text box within another paragraph) or a table
            # cell ends the text before it: cells never run together.
            self._end()
            if name == "p":
                self._style = _style_of(element)
        for child in element:
            self.visit(child)
        if name in {"p", "tc"}:
            self._end()

    def finish(self) -> None:
        """Ends the paragraph being collected (call once after the last element)."""
        self._end()

    def _end(self) -> None:
        text = "".join(self._text)
        if text.strip():
            self.paragraphs.append((self._style, text))
        self._text, self._style = [], ""


def _style_of(paragraph: etree._Element) -> str:
    for child in paragraph:
        if local(child) == "pPr":
            for prop in child:
                if local(prop) == "pStyle":
                    return attribute(prop, "val") or ""
    return ""


def _heading_styles(archive: zipfile.ZipFile, main: str) -> set[str]:
    """Style ids whose id or name says heading or title (names are stable, ids are localised
    in some Word versions, e.g. "berschrift1")."""
    ids: set[str] = set()
    for rel_type, name in relationships(archive, main):
        if rel_type.endswith("/styles") and name in archive.namelist():
            for style in read_xml(archive, name):
                style_id = attribute(style, "styleId") or ""
                names = [attribute(n, "val") or "" for n in style if local(n) == "name"]
                if any(_HEADING_ID.match(v) for v in [style_id, *names]):
                    ids.add(style_id)
    return ids


def _paragraphs(archive: zipfile.ZipFile, name: str) -> list[tuple[str, str]]:
    collector = _Paragraphs()
    collector.visit(read_xml(archive, name))
    collector.finish()
    return collector.paragraphs


def parse_docx(path: str, limits: ParseLimits) -> Iterator[Section]:
    check_package(path, "docx", limits)
    try:
        with zipfile.ZipFile(path) as archive:
            main = main_part(archive, "docx")
            headings = _heading_styles(archive, main)
            heading, parts = "Introduction", list[str]()
            for style, text in _paragraphs(archive, main):
                if (style in headings or _HEADING_ID.match(style)) and text.strip():
                    yield Section(heading, "\n".join(parts))
                    heading, parts = text.strip(), [text.strip()]
                else:
                    parts.append(text)
            yield Section(heading, "\n".join(parts))
            seen: set[tuple[str, str]] = set()
            for rel_type, name in relationships(archive, main):
                for suffix, location in _SIDE_PARTS:
                    if rel_type.endswith(suffix) and name in archive.namelist():
                        text = "\n".join(t for _, t in _paragraphs(archive, name))
                        if text.strip() and (location, text) not in seen:
                            seen.add((location, text))
                            yield Section(location, text)
    except ParseFailure:
        raise
    except Exception:
        # zipfile, zlib and lxml raise many types on damaged parts; none is shown to users.
        raise corrupt("docx") from None
