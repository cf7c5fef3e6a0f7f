"""What a PDF page holds outside its content stream (decision 0132): the values filled into
its form fields (an order form, a quote: AcroForm widgets) and the comments people left on
it (sticky notes, text boxes, highlights with a note). pypdf's text extraction reads only
the content stream, so neither was searchable.

Each becomes one labelled line after the page's text, so a reader (and a citation) tells
them from the page's printed words: `Form field Customer: Globex` and
`Comment (Dana): Discount approved`."""

from __future__ import annotations

from typing import Any, Final

from pypdf import PageObject
from pypdf.generic import ArrayObject, NameObject

MAX_ANNOTATIONS: Final = 2_000
"""Annotations read per page at most: a hostile page can list millions."""
MAX_FIELD_DEPTH: Final = 32
"""Parent fields followed at most for a field's name and inherited value (a loop ends)."""
MAX_VALUE_CHARS: Final = 10_000
"""Characters kept of one field value or comment."""
# Annotations whose /Contents is not a person's comment: a link's alternate text, a popup
# repeating its parent's note, a form widget (read as a field), a print mark.
_NOT_COMMENTS: Final = frozenset(
    {"/Link", "/Popup", "/Widget", "/PrinterMark", "/TrapNet", "/Watermark", "/Screen"}
)
_OFF: Final = frozenset({"Off", ""})


def text_of(page: PageObject) -> str:
    """The labelled lines of `page`'s filled-in form fields and comments, in the page's
    annotation order, one per field (a radio group's several widgets give one line); "" when
    there are none or the annotation list is damaged."""
    try:
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else None
    except Exception:
        return ""  # a broken reference: the page's own text still counts
    if not isinstance(annots, ArrayObject):
        return ""
    lines: list[str] = []
    seen: set[str] = set()
    for ref in annots[:MAX_ANNOTATIONS]:
        try:
            line = _line(ref.get_object())
        except Exception:
            line = None  # one damaged annotation must not hide the others
        if line and line not in seen:
            seen.add(line)
            lines.append(line)
    return "\n".join(lines)


def _line(annot: Any) -> str | None:
    if not hasattr(annot, "get"):
        return None
    subtype = annot.get("/Subtype")
    if subtype == "/Widget" or "/FT" in annot:
        return _field_line(annot)
    if subtype in _NOT_COMMENTS:
        return None
    contents = _text(annot.get("/Contents"))
    if not contents:
        return None
    author = _text(annot.get("/T"))
    return f"Comment ({author}): {contents}" if author else f"Comment: {contents}"


def _field_line(widget: Any) -> str | None:
    """`Form field <name>: <value>` for a widget whose field (itself or a parent) has a
    value; the name is the field's label for people (/TU) or its full dotted name."""
    names: list[str] = []
    label = value = None
    node, depth = widget, 0
    while node is not None and depth < MAX_FIELD_DEPTH:
        if "/T" in node:
            names.append(_text(node["/T"]))
        if label is None and "/TU" in node:
            label = _text(node["/TU"])
        if value is None and "/V" in node:
            value = _value(node["/V"])
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
        depth += 1
    if not value:
        return None
    name = label or ".".join(reversed([n for n in names if n]))
    return f"Form field {name}: {value}" if name else f"Form field: {value}"


def _value(value: Any) -> str:
    """A field value as text: a string, a check box's or radio button's chosen state (a
    name: "Yes", or the option's export name; "Off" is no value), or a list's choices."""
    value = value.get_object()
    if isinstance(value, NameObject):
        state = str(value)[1:]
        return "" if state in _OFF else state
    if isinstance(value, ArrayObject):
        return ", ".join(filter(None, (_value(item) for item in value)))
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    value = value.get_object()
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:MAX_VALUE_CHARS]
