"""The font a Word run is drawn in, through the style hierarchy (decision 0140), so that text
in a symbol font reads as its symbols whether the font is set on the run or by a style.

ECMA-376 Part 1 §17.7.2 (style hierarchy) and §17.3.2.26 (`rFonts`): a run's font is the
first of: the run's own `w:rPr/w:rFonts`; its character style (`w:rStyle`) and the styles that
one is based on (`w:basedOn`); the paragraph's style (`w:pStyle`, else the default paragraph
style) and its bases; the document defaults (`w:docDefaults/w:rPrDefault`). At each level a
theme font (`w:asciiTheme="minorHAnsi"`) wins over a named one (`w:ascii`), and is the
theme's major or minor Latin typeface (`a:fontScheme`). The ASCII face is looked for first,
then the high-ANSI one (`w:hAnsi`), the two faces Word draws codes below 256 in. A paragraph
mark's own run properties are not followed (a mark's properties format only the mark).

Table styles (decision 0143; §17.7.6): a run in a table cell also takes the font of the
table's style (`w:tblStyle`) and the styles it is based on, below the paragraph's style when
the paragraph names one, above the default paragraph style when it does not (Word shows a
table style's font in cells of "Normal" paragraphs). The style's conditional formats
(`w:tblStylePr`) that the cell's place turns on (`TableCell.conditions`) come before its
whole-table properties, in the specification's order: corner cells, then first and last
column, first and last row, banded rows, banded columns.

Bounds: `basedOn` chains are followed `MAX_CHAIN` steps (a cycle ends); the answer for each
(paragraph style, character style) pair is computed once. A damaged styles or theme part
means only the runs' own fonts are known, never a failed document.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from typing import Final

from lxml import etree

from engageiq_files.ingestion.ooxml import (
    DAMAGED_PART_ERRORS,
    attribute,
    first_child,
    local,
    read_xml,
    relationships,
)

MAX_CHAIN: Final = 16
"""Styles followed through `w:basedOn` (Word's own chains are a few deep)."""
_FACES: Final = (("asciiTheme", "ascii"), ("hAnsiTheme", "hAnsi"))

Face = tuple[str, str]
"""("theme", "minorHAnsi") or ("font", "Wingdings"): a font as an `rFonts` names it."""


def _faces(properties: etree._Element | None) -> tuple[Face | None, Face | None]:
    """The (ASCII, high-ANSI) faces of run properties `properties` (`w:rPr`), each None when
    not set there (a theme font before a named one)."""
    fonts = first_child(properties, "rFonts") if properties is not None else None
    if fonts is None:
        return None, None
    found: list[Face | None] = []
    for theme, named in _FACES:
        if attribute(fonts, theme):
            found.append(("theme", attribute(fonts, theme) or ""))
        elif attribute(fonts, named):
            found.append(("font", attribute(fonts, named) or ""))
        else:
            found.append(None)
    return found[0], found[1]


@dataclass
class _Style:
    kind: str
    based_on: str
    faces: tuple[Face | None, Face | None]


CONDITIONS_BY_PRIORITY: Final = (
    "nwCell",
    "neCell",
    "swCell",
    "seCell",
    "firstCol",
    "lastCol",
    "firstRow",
    "lastRow",
    "band1Horz",
    "band2Horz",
    "band1Vert",
    "band2Vert",
)
"""Conditional formats of a table style, the one that wins first (ECMA-376 Part 1 §17.7.6
applies them in the reverse order: whole table, banded columns, banded rows, first and last
row, first and last column, corner cells; a later one overrides an earlier)."""


@dataclass(frozen=True)
class TableCell:
    """Where a run stands in a table: the table's style and the conditional formats its
    cell's place turns on, in `CONDITIONS_BY_PRIORITY` order."""

    style: str
    conditions: tuple[str, ...] = ()


_LOOK_BITS: Final = {
    "firstRow": 0x20,
    "lastRow": 0x40,
    "firstColumn": 0x80,
    "lastColumn": 0x100,
    "noHBand": 0x200,
    "noVBand": 0x400,
}
"""`w:tblLook`'s flags: its attributes (Word 2010 on) or the bits of its older `w:val`."""
_ON: Final = frozenset({"1", "true", "on"})


def table_look(properties: etree._Element | None) -> frozenset[str]:
    """The conditional formats table properties `properties` (`w:tblPr`) turn on through
    `w:tblLook` (`firstRow`, `noHBand`...); none when it has none."""
    look = first_child(properties, "tblLook") if properties is not None else None
    if look is None:
        return frozenset()
    value = attribute(look, "val") or "0"
    try:
        bits = int(value[:8], 16)
    except ValueError:
        bits = 0
    found = set()
    for name, bit in _LOOK_BITS.items():
        flag = attribute(look, name)
        if (flag in _ON) if flag is not None else bool(bits & bit):
            found.add(name)
    return frozenset(found)


def cell_conditions(
    look: frozenset[str],
    row: int,
    rows: int,
    column: int,
    columns: int,
    bands: tuple[int, int] = (1, 1),
) -> tuple[str, ...]:
    """The conditional formats a cell at (`row`, `column`), 0-based, of a table of `rows` rows
    and a row of `columns` cells turns on, under `look` (`table_look`), in
    `CONDITIONS_BY_PRIORITY` order. Bands are `bands` (rows, columns) wide (`band_sizes`) and
    start after a first row or column that has its own format."""
    first_row = "firstRow" in look and row == 0
    last_row = "lastRow" in look and row == rows - 1
    first_column = "firstColumn" in look and column == 0
    last_column = "lastColumn" in look and column == columns - 1
    found = {
        "nwCell": first_row and first_column,
        "neCell": first_row and last_column,
        "swCell": last_row and first_column,
        "seCell": last_row and last_column,
        "firstCol": first_column,
        "lastCol": last_column,
        "firstRow": first_row,
        "lastRow": last_row,
    }
    if "noHBand" not in look and not (first_row or last_row):
        band = (row - (1 if "firstRow" in look else 0)) // max(1, bands[0])
        found["band1Horz" if band % 2 == 0 else "band2Horz"] = True
    if "noVBand" not in look and not (first_column or last_column):
        band = (column - (1 if "firstColumn" in look else 0)) // max(1, bands[1])
        found["band1Vert" if band % 2 == 0 else "band2Vert"] = True
    return tuple(name for name in CONDITIONS_BY_PRIORITY if found.get(name))


@dataclass
class _TableStyle:
    based_on: str
    faces: tuple[Face | None, Face | None]
    conditional: dict[str, tuple[Face | None, Face | None]]
    bands: tuple[int | None, int | None] = (None, None)
    """`w:tblStyleRowBandSize` and `w:tblStyleColBandSize`, None where not set."""


@dataclass
class RunFonts:
    """The styles' and defaults' fonts of one document, and the theme's typefaces."""

    styles: dict[str, _Style] = field(default_factory=dict)
    default_paragraph: str = ""
    defaults: tuple[Face | None, Face | None] = (None, None)
    theme: dict[str, str] = field(default_factory=dict)
    """"major" / "minor" -> the theme's Latin typeface."""
    tables: dict[str, _TableStyle] = field(default_factory=dict)
    _inherited: dict[tuple[str, str, TableCell | None], tuple[Face | None, Face | None]] = field(
        default_factory=dict
    )

    def font(
        self, run: etree._Element, paragraph_style: str, table: TableCell | None = None
    ) -> str | None:
        """The typeface run `run` (`w:r`) is drawn in, in a paragraph of style
        `paragraph_style` ("" for none), in table cell `table` (None outside tables); None
        when nothing names one. The ASCII face of the first level that sets one, else the
        high-ANSI face likewise."""
        properties = first_child(run, "rPr")
        own_ascii, own_high = _faces(properties)
        if own_ascii is not None:
            return self._typeface(own_ascii)
        style = first_child(properties, "rStyle") if properties is not None else None
        character = (attribute(style, "val") or "") if style is not None else ""
        if table is not None and table.style not in self.tables:
            table = None  # a table without a (known) style: one cache entry, not one a cell
        key = (paragraph_style, character, table)
        if key not in self._inherited:
            self._inherited[key] = self._resolved(paragraph_style, character, table)
        inherited_ascii, inherited_high = self._inherited[key]
        if inherited_ascii is not None:
            return self._typeface(inherited_ascii)
        high = own_high or inherited_high
        return self._typeface(high) if high is not None else None

    def _resolved(
        self, paragraph_style: str, character: str, table: TableCell | None
    ) -> tuple[Face | None, Face | None]:
        """The first (ASCII, high-ANSI) faces set by the styles and defaults of a run of
        character style `character` in a paragraph of style `paragraph_style` in `table`."""
        table_levels = self._table_chain(table) if table is not None else []
        paragraph = self._chain(paragraph_style or self.default_paragraph, "paragraph")
        levels = [
            *self._chain(character, "character"),
            *(
                paragraph + table_levels
                if paragraph_style and paragraph_style != self.default_paragraph
                else table_levels + paragraph
            ),
            self.defaults,
        ]
        ascii_face = next((a for a, _ in levels if a is not None), None)
        high_face = next((h for _, h in levels if h is not None), None)
        return ascii_face, high_face

    def _chain(self, style_id: str, kind: str) -> list[tuple[Face | None, Face | None]]:
        found = []
        seen: set[str] = set()
        while style_id and style_id not in seen and len(seen) < MAX_CHAIN:
            seen.add(style_id)
            style = self.styles.get(style_id)
            if style is None or style.kind != kind:
                break
            found.append(style.faces)
            style_id = style.based_on
        return found

    def _table_chain(self, table: TableCell) -> list[tuple[Face | None, Face | None]]:
        """The faces of table style `table.style` and its bases: each conditional format
        the cell turns on (through the chain), then the whole table's (through the chain)."""
        chain: list[_TableStyle] = []
        style_id, seen = table.style, set[str]()
        while style_id and style_id not in seen and len(seen) < MAX_CHAIN:
            seen.add(style_id)
            style = self.tables.get(style_id)
            if style is None:
                break
            chain.append(style)
            style_id = style.based_on
        conditional = [
            style.conditional[condition]
            for condition in table.conditions
            for style in chain
            if condition in style.conditional
        ]
        return [*conditional, *(style.faces for style in chain)]

    def band_sizes(
        self, style_id: str, own: tuple[int | None, int | None] = (None, None)
    ) -> tuple[int, int]:
        """The (rows, columns) a band of a table of style `style_id` spans: the table's own
        setting (`own`), else its style's or a base's, else one."""
        found = list(own)
        seen: set[str] = set()
        while style_id and style_id not in seen and len(seen) < MAX_CHAIN:
            seen.add(style_id)
            style = self.tables.get(style_id)
            if style is None:
                break
            found = [f if f is not None else b for f, b in zip(found, style.bands, strict=True)]
            style_id = style.based_on
        return (found[0] or 1, found[1] or 1)

    def _typeface(self, face: Face) -> str | None:
        how, name = face
        if how == "font":
            return name or None
        # minorHAnsi, majorAscii, minorBidi...: the theme's major or minor Latin face.
        return self.theme.get("major" if name.lower().startswith("major") else "minor")


def read_run_fonts(archive: zipfile.ZipFile, main: str) -> RunFonts:
    """The run fonts of the document whose main part is `main` (its styles and theme parts,
    found through its relationships); empty when they are missing or damaged."""
    fonts = RunFonts()
    try:
        rels = relationships(archive, main)
    except DAMAGED_PART_ERRORS:
        return fonts
    names = set(archive.namelist())
    for rel_type, name in rels:
        if name not in names:
            continue
        try:
            if rel_type.endswith("/styles"):
                _read_styles(read_xml(archive, name), fonts)
            elif rel_type.endswith("/theme"):
                fonts.theme = _theme_faces(read_xml(archive, name))
        except DAMAGED_PART_ERRORS:
            continue
    return fonts


def _read_styles(root: etree._Element, fonts: RunFonts) -> None:
    for element in root:
        name = local(element)
        if name == "docDefaults":
            default = first_child(element, "rPrDefault")
            fonts.defaults = _faces(first_child(default, "rPr") if default is not None else None)
        elif name == "style":
            style_id = attribute(element, "styleId") or ""
            kind = attribute(element, "type") or "paragraph"
            based = first_child(element, "basedOn")
            if kind == "table":
                fonts.tables[style_id] = _table_style(element)
                continue
            fonts.styles[style_id] = _Style(
                kind,
                (attribute(based, "val") or "") if based is not None else "",
                _faces(first_child(element, "rPr")),
            )
            if kind == "paragraph" and attribute(element, "default") in ("1", "true", "on"):
                fonts.default_paragraph = style_id


def _table_style(element: etree._Element) -> _TableStyle:
    """A table style's (`w:style w:type="table"`) base, whole-table faces and the faces of
    its conditional formats (`w:tblStylePr w:type="firstRow"`)."""
    based = first_child(element, "basedOn")
    conditional = {}
    for child in element:
        if local(child) == "tblStylePr":
            faces = _faces(first_child(child, "rPr"))
            if faces != (None, None):
                conditional[attribute(child, "type") or ""] = faces
    return _TableStyle(
        (attribute(based, "val") or "") if based is not None else "",
        _faces(first_child(element, "rPr")),
        conditional,
        band_settings(first_child(element, "tblPr")),
    )


def band_settings(properties: etree._Element | None) -> tuple[int | None, int | None]:
    """(`w:tblStyleRowBandSize`, `w:tblStyleColBandSize`) of table properties `properties`,
    each None when not set or not a number of 1-999."""
    found: list[int | None] = []
    for name in ("tblStyleRowBandSize", "tblStyleColBandSize"):
        element = first_child(properties, name) if properties is not None else None
        value = (attribute(element, "val") or "") if element is not None else ""
        found.append(
            int(value) if value.isascii() and value.isdigit() and 0 < len(value) < 4 else None
        )
    return found[0], found[1]


def _theme_faces(root: etree._Element) -> dict[str, str]:
    faces = {}
    for element in root.iter():
        if local(element) in ("majorFont", "minorFont"):
            latin = first_child(element, "latin")
            typeface = attribute(latin, "typeface") if latin is not None else None
            if typeface:
                faces[local(element)[:5]] = typeface
    return faces
