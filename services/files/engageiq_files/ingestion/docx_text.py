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
  character or paragraph style, its table's style (and the conditional formats its cell's
  place turns on: first row, first column, bands), the document defaults or the theme
  (`word_fonts.py`), read as the symbols they show (a check mark, not "ü"; `symbol_fonts.py`);
- check boxes: content controls (`w14:checkbox`) and legacy form fields (FORMCHECKBOX) as ☑
  or ☐ by their state, as Word shows them, not the glyph stored for them (decision 0143);
- charts (`c:chart`, `cx:chart`) and SmartArt (`dgm:relIds`) in drawings, inline or anchored,
  in the body, tables, text boxes, headers and footers: read where they stand with the
  readers slides and sheets share (`charts.py`, `smartart.py`; decision 0137).

Paragraphs styled as headings (style id or name "Heading N" or "Title") start sections.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
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
from engageiq_files.ingestion.word_fonts import (
    RunFonts,
    TableCell,
    band_settings,
    cell_conditions,
    read_run_fonts,
    table_look,
)

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
        self._tables: list[_TablePlace] = []
        self._cell: TableCell | None = None

    def visit(self, element: etree._Element) -> None:
        name = local(element)
        if name in _SKIPPED or self._leaf(element, name):
            return
        if name == "r":
            # The run's font decides how its text reads (a symbol font); a text box inside
            # the run has runs of its own.
            outer, self._font = self._font, self._fonts.font(element, self._style, self._cell)
            for child in element:
                self.visit(child)
            self._font = outer
            return
        if name in {"tbl", "tr", "tc"}:
            self._in_table(element, name)
            return
        if name == "p":
            # A paragraph (also one inside a text box within another paragraph) ends the
            # text before it.
            self._end()
            properties = first_child(element, "pPr")
            self._style = _style_of(properties)
            self._label = self._numbering.label(properties, self._style)
        for child in element:
            self.visit(child)
        if name == "p":
            self._end()

    def _leaf(self, element: etree._Element, name: str) -> bool:
        """Reads `element` when it is text, a symbol, a break, a drawn chart or SmartArt, a
        check box or a field character: True when it was (its children are not visited)."""
        if name == "t":
            self._text.append(symbol_text(element.text or "", self._font))
        elif name == "sym":
            symbol = symbol_character(attribute(element, "font"), attribute(element, "char"))
            self._text.append(symbol)
        elif name in _BREAKS:
            self._text.append(_BREAKS[name])
        elif name in {"chart", "relIds"}:
            self._drawn(element)
        elif name == "fldChar":
            self._text.append(_form_checkbox(element))
        else:
            return name == "sdt" and self._checkbox(element)
        return True

    def _in_table(self, element: etree._Element, name: str) -> None:
        """Visits a table, row or cell knowing where it stands, for the table style's
        conditional formats (`word_fonts.TableCell`)."""
        outer_cell = self._cell
        if name == "tbl":
            self._tables.append(_TablePlace.of(element, self._fonts))
        elif name == "tr" and self._tables:
            self._tables[-1].enter(element)
        elif name == "tc":
            self._end()  # a cell ends the text before it: cells never run together
            self._cell = self._tables[-1].cell(element) if self._tables else None
        for child in element:
            self.visit(child)
        if name == "tbl":
            self._tables.pop()
        elif name == "tc":
            self._end()
        self._cell = outer_cell

    def _checkbox(self, control: etree._Element) -> bool:
        """Reads a check box content control (`w14:checkbox` in `w:sdtPr`) as Word shows it,
        ☑ or ☐ by `w14:checked`, rather than the glyph stored for it (often a private-use
        character of a symbol font); True when `control` is one. A control whose content
        holds paragraphs is read as its content."""
        properties = first_child(control, "sdtPr")
        box = first_child(properties, "checkbox") if properties is not None else None
        content = first_child(control, "sdtContent")
        if box is None or (content is not None and any(True for _ in content.iter(_P))):
            return False
        checked = first_child(box, "checked")
        on = checked is not None and (attribute(checked, "val") or "1") in _ON
        self._text.append(_CHECKED if on else _UNCHECKED)
        return True

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


_W: Final = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_P: Final = (f"{{{_W}}}p", "{http://purl.oclc.org/ooxml/wordprocessingml/main}p")
"""A paragraph, transitional or Strict."""
_ON: Final = frozenset({"1", "true", "on"})
_CHECKED: Final = "☑"
_UNCHECKED: Final = "☐"
_WRAPPERS: Final = frozenset({"sdt", "sdtContent", "customXml", "smartTag"})
"""Elements that may wrap a table's rows or a row's cells (content controls, custom XML)."""


def _form_checkbox(field: etree._Element) -> str:
    """☑ or ☐ for the start of a legacy check box form field (`w:fldChar` whose `w:ffData`
    holds `w:checkBox`: FORMCHECKBOX, which Word draws and stores no text for): its
    `w:checked`, else its `w:default`. "" for any other field character."""
    data = first_child(field, "ffData")
    box = first_child(data, "checkBox") if data is not None else None
    if box is None:
        return ""
    checked = first_child(box, "checked")
    default = first_child(box, "default")
    if checked is not None:
        on = (attribute(checked, "val") or "1") in _ON
    else:
        on = default is not None and (attribute(default, "val") or "0") in _ON
    return _CHECKED if on else _UNCHECKED


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    """`element`'s children named `name`, also those inside wrappers (`_WRAPPERS`), at most
    four levels deep."""
    found: list[etree._Element] = []
    stack = [(element, 0)]
    while stack:
        parent, depth = stack.pop()
        for child in parent:
            if local(child) == name:
                found.append(child)
            elif local(child) in _WRAPPERS and depth < 4:
                stack.append((child, depth + 1))
    return found


@dataclass
class _TablePlace:
    """A table being read: its style, its `w:tblLook`, its rows, and the row being read."""

    style: str
    look: frozenset[str]
    rows: dict[etree._Element, int]
    bands: tuple[int, int] = (1, 1)
    """Rows and columns a band spans (`RunFonts.band_sizes`)."""
    row: int = -1
    cells: dict[etree._Element, int] = field(default_factory=dict)
    column: int = -1

    @classmethod
    def of(cls, table: etree._Element, fonts: RunFonts) -> _TablePlace:
        properties = first_child(table, "tblPr")
        style = first_child(properties, "tblStyle") if properties is not None else None
        style_id = (attribute(style, "val") or "") if style is not None else ""
        return cls(
            style_id,
            table_look(properties),
            {row: index for index, row in enumerate(_children(table, "tr"))},
            bands=fonts.band_sizes(style_id, band_settings(properties)),
        )

    def enter(self, row: etree._Element) -> None:
        self.row = self.rows.get(row, self.row + 1)
        self.cells = {cell: index for index, cell in enumerate(_children(row, "tc"))}
        self.column = -1

    def cell(self, cell: etree._Element) -> TableCell | None:
        """Where cell `cell` of the row being read stands (None: the table has no style); a
        cell or row wrapped deeper than `_children` looks counts as the next one."""
        if not self.style:
            self.column = self.cells.get(cell, self.column + 1)
            return None
        self.column = self.cells.get(cell, self.column + 1)
        column = self.column
        conditions = cell_conditions(
            self.look, self.row, len(self.rows), column, len(self.cells), self.bands
        )
        return TableCell(self.style, conditions)


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
