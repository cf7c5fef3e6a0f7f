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
  relationships, each its own section (identical headers of several sections once);
- automatic numbering: the label Word computes for a numbered paragraph ("7.3", "(b)") before
  its text, so "clause 7.3" is found (`numbering.py`); bullets are not content;
- symbol fonts: `w:sym` and runs set in Wingdings, Webdings or Symbol, on the run or by its
  character or paragraph style, the document defaults or the theme (`word_fonts.py`), read
  as the symbols they show (a check mark, not "ü"; `symbol_fonts.py`);
- charts (`c:chart`, `cx:chart`) and SmartArt (`dgm:relIds`) in drawings, inline or anchored,
  in the body, tables, text boxes, headers and footers: read where they stand with the
  readers slides and sheets share (`charts.py`, `smartart.py`; decision 0137).

Paragraphs styled as headings (style id or name "Heading N" or "Title") start sections.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import Final

from lxml import etree

from engageiq_files.ingestion.charts import chart_lines
from engageiq_files.ingestion.numbering import Numbering, read_numbering
from engageiq_files.ingestion.ooxml import (
    DAMAGED_PART_ERRORS,
    attribute,
    check_package,
    corrupt,
    first_child,
    local,
    main_part,
    read_xml,
    relationship_id,
    relationships,
    relationships_by_id,
)
from engageiq_files.ingestion.sections import ParseFailure, ParseLimits, Section
from engageiq_files.ingestion.smartart import drawing_smartart_lines
from engageiq_files.ingestion.symbol_fonts import symbol_character, symbol_text
from engageiq_files.ingestion.word_fonts import RunFonts, read_run_fonts

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
    """Collects (style id, text) paragraphs from a part, in document order: each numbered
    paragraph's label before its text, symbol-font characters as their symbols, and the text
    of charts and SmartArt where they are drawn."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        part: str,
        numbering: Numbering,
        fonts: RunFonts | None = None,
    ) -> None:
        self.paragraphs: list[tuple[str, str]] = []
        self._archive = archive
        self._part = part
        self._numbering = numbering
        self._fonts = fonts or RunFonts()
        self._rels: dict[str, tuple[str, str]] | None = None
        self._read: set[str] = set()
        """Chart and SmartArt parts already read: a hostile part may name one from thousands
        of frames."""
        self._style = ""
        self._label = ""
        self._font: str | None = None
        self._text: list[str] = []

    def visit(self, element: etree._Element) -> None:
        name = local(element)
        if name in _SKIPPED:
            return
        if name == "t":
            self._text.append(symbol_text(element.text or "", self._font))
            return
        if name == "r":
            # The run's font decides how its text reads (a symbol font); a text box inside
            # the run has runs of its own.
            outer, self._font = self._font, self._fonts.font(element, self._style)
            for child in element:
                self.visit(child)
            self._font = outer
            return
        if name == "sym":
            symbol = symbol_character(attribute(element, "font"), attribute(element, "char"))
            self._text.append(symbol)
            return
        if name in _BREAKS:
            self._text.append(_BREAKS[name])
            return
        if name in {"chart", "relIds"}:
            self._drawn(element)
            return
        if name in {"p", "tc"}:
            # A paragraph (also one inside a text box within another paragraph) or a table
            # cell ends the text before it: cells never run together.
            self._end()
            if name == "p":
                properties = first_child(element, "pPr")
                self._style = _style_of(properties)
                self._label = self._numbering.label(properties, self._style)
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
            if self._label:
                text = f"{self._label} {text.lstrip()}"
            self.paragraphs.append((self._style, text))
        self._text, self._style, self._label = [], "", ""

    def _drawn(self, frame: etree._Element) -> None:
        """A chart (`c:chart`, `cx:chart`) or SmartArt (`dgm:relIds`) drawn in the paragraph:
        its lines, read by the readers slides and sheets share, where it stands."""
        if self._rels is None:
            try:
                self._rels = relationships_by_id(self._archive, self._part)
            except DAMAGED_PART_ERRORS:
                self._rels = {}
        key = relationship_id(frame, "id" if local(frame) == "chart" else "dm")
        rel_type, target = self._rels.get(key, ("", ""))
        if not key or target in self._read:
            return
        self._read.add(target)
        if local(frame) == "chart":
            lines = (
                chart_lines(self._archive, target)
                if rel_type.endswith(("/chart", "/chartEx")) and _exists(self._archive, target)
                else []
            )
        else:
            lines = drawing_smartart_lines(self._archive, self._rels, frame)
        if lines:
            self._text.append("\n" + "\n".join(lines) + "\n")


def _exists(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def _style_of(properties: etree._Element | None) -> str:
    """The style id a paragraph's properties (`w:pPr`) name, "" for none."""
    style = first_child(properties, "pStyle") if properties is not None else None
    return (attribute(style, "val") or "") if style is not None else ""


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


def _paragraphs(
    archive: zipfile.ZipFile, name: str, numbering: Numbering, fonts: RunFonts
) -> list[tuple[str, str]]:
    collector = _Paragraphs(archive, name, numbering, fonts)
    collector.visit(read_xml(archive, name))
    collector.finish()
    return collector.paragraphs


def parse_docx(path: str, limits: ParseLimits) -> Iterator[Section]:
    check_package(path, "docx", limits)
    try:
        with zipfile.ZipFile(path) as archive:
            main = main_part(archive, "docx")
            headings = _heading_styles(archive, main)
            numbering = read_numbering(archive, main)
            fonts = read_run_fonts(archive, main)
            heading, parts = "Introduction", list[str]()
            for style, text in _paragraphs(archive, main, numbering, fonts):
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
                        text = "\n".join(
                            t for _, t in _paragraphs(archive, name, numbering.for_story(), fonts)
                        )
                        if text.strip() and (location, text) not in seen:
                            seen.add((location, text))
                            yield Section(location, text)
    except ParseFailure:
        raise
    except Exception:
        # zipfile, zlib and lxml raise many types on damaged parts; none is shown to users.
        raise corrupt("docx") from None
