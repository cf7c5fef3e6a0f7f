"""Text of a sheet's legacy VML drawing (`xl/drawings/vmlDrawingN.vml`, the sheet's
`legacyDrawing`) other than its notes: the captions of form controls (a check box "Includes
onboarding", an option button, a button, a label, a group box) and legacy text boxes of
workbooks first saved by Excel 97-2003 (decision 0140).

Each VML shape carries its kind in `x:ClientData ObjectType` ([MS-OI29500] / the VML
reference of Office: `Checkbox`, `Radio`, `Button`, `Label`, `GBox`, `Text`, `Note`...) and
its caption in `v:textbox` (HTML-like `div` and `font` elements, `br` lines). A check box or
option button is read with its state as a person sees it (`x:Checked` 1: "☑ Includes
onboarding", else "☐ ..."; "◉"/"○" for option buttons). Notes (`Note`) are the comments, read
from the comments part (`sheets.comment_text`), and are not read again here.

Excel 2010 and later also write a DrawingML copy of each control in the sheet's drawing, tied
to its VML shape by `a14:compatExt spid`; the drawing reader puts the VML line in that copy's
place (`legacy`), so a control is read once, with its state.

VML is often not well-formed XML (Office's HTML-like `<br>`), so it is read by lxml's
recovering parser, with the project's safe settings (no DTD, entities or network).
"""

from __future__ import annotations

import re
import zipfile
from typing import Final

from lxml import etree

from engageiq_files.ingestion.ooxml import (
    DAMAGED_PART_ERRORS,
    RECOVERING_PARSER,
    attribute,
    local,
    relationships,
)

NOT_READ_HERE: Final = frozenset({"note"})
"""Object types read elsewhere: a note is a cell's comment (the comments part)."""
_STATES: Final = {"checkbox": ("☐", "☑"), "radio": ("○", "◉")}
_BLOCKS: Final = frozenset({"div", "p", "br"})
_UNCLOSED_BREAK: Final = re.compile(rb"<br\b[^<>]*(?<!/)>", re.IGNORECASE)
"""HTML's `<br>` (with or without attributes, `<br clear=all>`), which Office writes in VML
captions: closed before parsing, else the recovering parser nests all that follows inside it
(and reads an unquoted attribute's end as text, "all>")."""
_BARE_AMPERSAND: Final = re.compile(rb"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][\w.-]*;)")
"""An `&` that starts no reference, as HTML allows ("R&D"): escaped before parsing, else
the recovering parser drops it and the word after it ("R&D and Q&A" read "R and Q")."""


def legacy_shapes(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Shape id ("_x0000_s1025") -> its text as shown (a line per caption line), in document
    order, of the VML drawings of sheet part `part`, notes left out. Raises what reading a
    damaged relationships part raises; a damaged VML part gives what the recovering parser
    could read of it."""
    shapes: dict[str, str] = {}
    names = set(archive.namelist())
    for rel_type, name in relationships(archive, part):
        if not rel_type.endswith("/vmlDrawing") or name not in names:
            continue
        try:
            with archive.open(name) as source:
                data = _UNCLOSED_BREAK.sub(b"<br/>", _BARE_AMPERSAND.sub(b"&amp;", source.read()))
            # lxml's stubs say an element; a recovering parser gives None for no XML at all.
            root: etree._Element | None = etree.fromstring(data, RECOVERING_PARSER)
        except DAMAGED_PART_ERRORS:
            continue
        if root is None:
            continue
        for number, shape in enumerate(e for e in root.iter() if local(e) == "shape"):
            text = _shape_text(shape)
            if text:
                shapes[attribute(shape, "id") or f"{name}#{number}"] = text
    return shapes


def _shape_text(shape: etree._Element) -> str:
    """A VML shape's text as shown ("" for notes and shapes without text)."""
    data = next((e for e in shape.iter() if local(e) == "ClientData"), None)
    kind = (attribute(data, "ObjectType") or "").lower() if data is not None else ""
    if kind in NOT_READ_HERE:
        return ""
    lines: list[str] = []
    for element in shape.iter():
        if local(element) == "textbox":
            lines.extend(_caption_lines(element))
        elif local(element) == "textpath" and (attribute(element, "string") or "").strip():
            lines.append(" ".join((attribute(element, "string") or "").split()))
    if not lines:
        return ""
    if kind in _STATES and data is not None:
        checked = next((e for e in data if local(e) == "Checked"), None)
        state = (checked.text or "").strip() if checked is not None else ""
        lines[0] = f"{_STATES[kind][state in ('1', '2')]} {lines[0]}"
    return "\n".join(lines)


def _caption_lines(textbox: etree._Element) -> list[str]:
    """The lines of a `v:textbox`: its text, a line per `div`, `p` or `br`."""
    pieces: list[str] = []
    for event, element in etree.iterwalk(textbox, events=("start", "end")):
        if event == "start":
            if local(element) in _BLOCKS:
                pieces.append("\n")
            pieces.append(element.text or "")
        elif element is not textbox:
            pieces.append(element.tail or "")
    return [" ".join(line.split()) for line in "".join(pieces).split("\n") if line.strip()]
