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
MAX_CHOICES: Final = 1_000
"""Choices of a list field's value read at most."""
# Annotations whose /Contents is not a person's comment: a link's alternate text, a popup
# repeating its parent's note, a form widget (read as a field), a print mark.
_NOT_COMMENTS: Final = frozenset(
    {"/Link", "/Popup", "/Widget", "/PrinterMark", "/TrapNet", "/Watermark", "/Screen"}
)
_OFF: Final = frozenset({"Off", ""})
MAX_DOCUMENT_READS: Final = 500_000
"""Annotations and parent fields read per document at most. Per page bounds alone let a
340 KB file of 500 pages sharing one list of 2,000 widgets, each under a chain of 40
parents, take 83 s; a form-heavy 300-page contract (50 fields a page, 3 levels deep)
reads 45,000."""


class Budget:
    """What is left of a document's `MAX_DOCUMENT_READS`; `spent` once it ran out."""

    def __init__(self, reads: int | None = None) -> None:
        self.left = MAX_DOCUMENT_READS if reads is None else reads
        self.spent = False

    def take(self) -> None:
        """One read; raises `_Spent` when none is left."""
        if self.left <= 0:
            self.spent = True
            raise _Spent
        self.left -= 1


class _Spent(Exception):
    """The document's budget of annotation reads ran out."""


def text_of(page: PageObject, budget: Budget | None = None) -> str:
    """The labelled lines of `page`'s filled-in form fields and comments, in the page's
    annotation order, one per field (a radio group's several widgets give one line); "" when
    there are none or the annotation list is damaged. `budget`: the document's reads left
    (see `MAX_DOCUMENT_READS`); the lines read before it ran out are kept."""
    budget = budget if budget is not None else Budget()
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
            budget.take()
            line = _line(ref.get_object(), budget)
        except _Spent:
            break
        except Exception:
            line = None  # one damaged annotation must not hide the others
        if line and line not in seen:
            seen.add(line)
            lines.append(line)
    return "\n".join(lines)


def _line(annot: Any, budget: Budget) -> str | None:
    if not hasattr(annot, "get"):
        return None
    subtype = annot.get("/Subtype")
    if subtype == "/Widget" or "/FT" in annot:
        return _field_line(annot, budget)
    if subtype in _NOT_COMMENTS:
        return None
    contents = _text(annot.get("/Contents"))
    if not contents:
        return None
    author = _text(annot.get("/T"))
    return f"Comment ({author}): {contents}" if author else f"Comment: {contents}"


def _field_line(widget: Any, budget: Budget) -> str | None:
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
        if parent is not None:
            budget.take()
        node = parent.get_object() if parent is not None else None
        depth += 1
    if not value:
        return None
    name = label or ".".join(reversed([n for n in names if n]))
    return f"Form field {name}: {value}" if name else f"Form field: {value}"


def _value(value: Any, *, nested: bool = False) -> str:
    """A field value as text: a string, a check box's or radio button's chosen state (a
    name: "Yes", or the option's export name; "Off" is no value), or a list's choices
    (ISO 32000-1 12.7.4.4: an array of text strings; an array inside it is not read, nor
    choices beyond `MAX_CHOICES` or `MAX_VALUE_CHARS`). Arrays of arrays of shared objects
    spelled out 2**30 choices from a few hundred bytes."""
    value = value.get_object()
    if isinstance(value, NameObject):
        state = str(value)[1:]
        return "" if state in _OFF else state
    if isinstance(value, ArrayObject):
        if nested:
            return ""
        choices = (_value(item, nested=True) for item in value[:MAX_CHOICES])
        return ", ".join(filter(None, choices))[:MAX_VALUE_CHARS]
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    value = value.get_object()
    if isinstance(value, bytes):
        value = value[: MAX_VALUE_CHARS * 4].decode("latin-1")
    if not isinstance(value, str):
        return ""
    # Cut before splitting: a 100 MB /Contents of one-letter words split into 50 million.
    return " ".join(value[: MAX_VALUE_CHARS * 4].split())[:MAX_VALUE_CHARS]
