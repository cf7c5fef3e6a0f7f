"""The font a Word run is drawn in, through the style hierarchy (decision 0140), so that text
in a symbol font reads as its symbols whether the font is set on the run or by a style.

ECMA-376 Part 1 §17.7.2 (style hierarchy) and §17.3.2.26 (`rFonts`): a run's font is the
first of: the run's own `w:rPr/w:rFonts`; its character style (`w:rStyle`) and the styles that
one is based on (`w:basedOn`); the paragraph's style (`w:pStyle`, else the default paragraph
style) and its bases; the document defaults (`w:docDefaults/w:rPrDefault`). At each level a
theme font (`w:asciiTheme="minorHAnsi"`) wins over a named one (`w:ascii`), and is the
theme's major or minor Latin typeface (`a:fontScheme`). The ASCII face is looked for first,
then the high-ANSI one (`w:hAnsi`), the two faces Word draws codes below 256 in. Table styles
and a paragraph mark's own run properties are not followed (a mark's properties format only
the mark).

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


@dataclass
class RunFonts:
    """The styles' and defaults' fonts of one document, and the theme's typefaces."""

    styles: dict[str, _Style] = field(default_factory=dict)
    default_paragraph: str = ""
    defaults: tuple[Face | None, Face | None] = (None, None)
    theme: dict[str, str] = field(default_factory=dict)
    """"major" / "minor" -> the theme's Latin typeface."""
    _inherited: dict[tuple[str, str], tuple[Face | None, Face | None]] = field(default_factory=dict)

    def font(self, run: etree._Element, paragraph_style: str) -> str | None:
        """The typeface run `run` (`w:r`) is drawn in, in a paragraph of style
        `paragraph_style` ("" for none); None when nothing names one. The ASCII face of the
        first level that sets one, else the high-ANSI face likewise."""
        properties = first_child(run, "rPr")
        own_ascii, own_high = _faces(properties)
        if own_ascii is not None:
            return self._typeface(own_ascii)
        style = first_child(properties, "rStyle") if properties is not None else None
        character = (attribute(style, "val") or "") if style is not None else ""
        key = (paragraph_style, character)
        if key not in self._inherited:
            self._inherited[key] = self._resolved(paragraph_style, character)
        inherited_ascii, inherited_high = self._inherited[key]
        if inherited_ascii is not None:
            return self._typeface(inherited_ascii)
        high = own_high or inherited_high
        return self._typeface(high) if high is not None else None

    def _resolved(self, paragraph_style: str, character: str) -> tuple[Face | None, Face | None]:
        """The first (ASCII, high-ANSI) faces set by the styles and defaults of a run of
        character style `character` in a paragraph of style `paragraph_style`."""
        levels = [
            *self._chain(character, "character"),
            *self._chain(paragraph_style or self.default_paragraph, "paragraph"),
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
            fonts.styles[style_id] = _Style(
                kind,
                (attribute(based, "val") or "") if based is not None else "",
                _faces(first_child(element, "rPr")),
            )
            if kind == "paragraph" and attribute(element, "default") in ("1", "true", "on"):
                fonts.default_paragraph = style_id


def _theme_faces(root: etree._Element) -> dict[str, str]:
    faces = {}
    for element in root.iter():
        if local(element) in ("majorFont", "minorFont"):
            latin = first_child(element, "latin")
            typeface = attribute(latin, "typeface") if latin is not None else None
            if typeface:
                faces[local(element)[:5]] = typeface
    return faces
