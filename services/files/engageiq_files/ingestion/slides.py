"""PowerPoint presentations (.pptx, .pptm, .ppsx, .potx; transitional and Strict OOXML), read
from their XML with the package's safe parser (ooxml.py) so that every piece of text a viewer
sees is found (decision 0102):

- each slide's shape tree in order: text frames, tables (a row per line, cells " | "),
  groups, and `mc:AlternateContent` through its `mc:Choice` only (the fallback repeats it);
- charts (`c:chart`, and `cx:chart` for the Office 2016 kinds), read from the chart part:
  titles, axis titles, data labels, text boxes drawn on the chart, and each series as
  "name: category value; ..." from the cached data;
- SmartArt, read from its data model (`dgm:pt` text, parents before children), not from the
  drawing cache, which PowerPoint may not have written; the cache only when the model has
  no text (some converters write the words there alone) or is missing or damaged (decision
  0130);
- speaker notes (the notes page's body placeholder) and review comments;
  all of which make one section per slide, located "slide N";
- shapes of the slide layouts and masters that the slides show, except placeholders (their
  text is the prompt, "Click to edit Master title style", or is repeated on the slide
  itself), hidden shapes (a switched-off watermark) and slide number fields (they store a
  stand-in, `#` in angle quotes): once per file, as one section located "slide master".

A damaged part (not XML, a broken entry) loses only itself: a chart or SmartArt reads as
nothing; a slide, its notes or comments, a layout or master is named in a
`parts_unreadable` warning.
"""

from __future__ import annotations

import re
import zipfile
from collections import deque
from collections.abc import Iterator
from typing import Final

from lxml import etree

from engageiq_files.ingestion.charts import chart_lines
from engageiq_files.ingestion.ooxml import (
    DAMAGED_PART_ERRORS,
    attribute,
    check_package,
    corrupt,
    local,
    main_part,
    paragraphs,
    parts_unreadable,
    read_xml,
    relationship_id,
    relationships_by_id,
)
from engageiq_files.ingestion.sections import IngestWarning, ParseFailure, ParseLimits, Section
from engageiq_files.ingestion.smartart import smartart_lines

_SHAPES: Final = frozenset({"sp", "grpSp", "graphicFrame", "cxnSp", "pic", "contentPart"})
MASTER_LOCATION: Final = "slide master"
_PART_NUMBER: Final = re.compile(r"(\d+)\.xml$")
_INHERITED_FIELDS: Final = frozenset({"slidenum"})
"""Fields (DrawingML `a:fld`) of a layout's or master's shapes whose stored text is not
shown: a slide number field shows each slide's own number and stores a stand-in, `#` in
single angle quotes (PowerPoint) or `<number>` (LibreOffice), so "Page <field>" on the
master reads "Page". A date field stores the date it last showed, which is kept."""
_NOTES_PAGE_FURNITURE: Final = frozenset({"sldImg", "sldNum", "hdr", "ftr", "dt"})
"""Placeholders of a notes page that are not the notes (the slide image, number, header,
footer and date)."""


def _is_hidden(shape: etree._Element) -> bool:
    """Whether the shape is hidden (`hidden="1"` on its `p:cNvPr`, the selection pane's eye):
    a template's switched-off watermark shows on no slide."""
    for properties in shape:
        if local(properties).startswith("nv"):
            for child in properties:
                if local(child) == "cNvPr" and attribute(child, "hidden") in {"1", "true"}:
                    return True
    return False


def _is_placeholder(shape: etree._Element) -> bool:
    """Whether the shape's non-visual properties (`p:nvSpPr/p:nvPr`) hold a `p:ph`."""
    for properties in shape:
        if local(properties).startswith("nv"):
            for child in properties:
                if local(child) == "nvPr" and any(local(ph) == "ph" for ph in child):
                    return True
    return False


def _exists(archive: zipfile.ZipFile, name: str) -> bool:
    """Whether part `name` is in `archive`, in constant time (`namelist()` builds a list of
    every part, and a hostile slide asks for thousands of missing ones)."""
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


class _ShapeTree:
    """Text of one part's shape tree (a slide, layout, master or notes page), in order."""

    def __init__(self, archive: zipfile.ZipFile, part: str, *, placeholders: bool) -> None:
        self.archive = archive
        self.placeholders = placeholders
        self.without_fields = frozenset() if placeholders else _INHERITED_FIELDS
        """A slide's own shapes store its field texts; a layout's or master's do not."""
        self.rels = relationships_by_id(archive, part)
        self.texts: list[str] = []
        self.read: set[str] = set()
        """Chart and SmartArt parts already read: a hostile slide may name one from thousands
        of frames."""
        self._caches: list[str] | None = None
        """Ids of the slide's relationships to a SmartArt drawing cache that exists, in the
        relationships' order (`_unclaimed_cache`), found once per slide."""
        self._caches_by_number: dict[str, deque[int]] = {}
        self._next_cache = 0

    def visit(self, element: etree._Element) -> None:
        name = local(element)
        if name == "Fallback":
            return  # mc:AlternateContent: the mc:Choice holds the same content
        if (
            name in _SHAPES
            and not self.placeholders
            and (_is_placeholder(element) or _is_hidden(element))
        ):
            return
        if name == "txBody":
            self.texts.append("\n".join(paragraphs(element, without_fields=self.without_fields)))
            return
        if name == "tbl":
            for row in element:
                if local(row) == "tr":
                    cells = [
                        " ".join(paragraphs(c, without_fields=self.without_fields))
                        for c in row
                        if local(c) == "tc"
                    ]
                    self.texts.append(" | ".join(cells))
            return
        if name == "chart":
            target = self._target(relationship_id(element, "id"), ("/chart", "/chartEx"))
            if target:
                self.texts.extend(chart_lines(self.archive, target))
            return
        if name == "relIds":
            self.texts.extend(self._smartart(element))
            return
        for child in element:
            self.visit(child)

    def _smartart(self, frame: etree._Element) -> list[str]:
        """The text of a SmartArt graphic frame (`dgm:relIds`): its data model's points, else
        its drawing cache (`dsp:drawing`, which some converters alone fill). The cache is the
        one the model names (`dsp:dataModelExt relId`, a relationship of the slide); without
        a model (no data part, or a damaged one) it is a cache of the slide no other frame
        has claimed, the one numbered as the frame's other parts (`data2.xml`,
        `drawing2.xml`) first. The layout, style and colour parts hold no text of the deck
        (a layout's sample text is the template's). Nothing read: no lines, never an error."""
        model = self._target(relationship_id(frame, "dm"), ("/diagramData",))
        root = self._xml(model) if model else None
        lines = smartart_lines(root) if root is not None else []
        drawing = self._named_cache(root) if root is not None else None
        if lines:
            return lines
        drawing = drawing or self._unclaimed_cache(frame)
        cache = self._xml(drawing) if drawing else None
        return paragraphs(cache) if cache is not None else []

    def _named_cache(self, model: etree._Element) -> str | None:
        for element in model.iter():
            if local(element) == "dataModelExt":
                return self._target(attribute(element, "relId") or "", ("/diagramDrawing",))
        return None

    def _unclaimed_cache(self, frame: etree._Element) -> str | None:
        """A drawing cache of the slide no frame claimed yet: one numbered as the frame's
        other parts first, else the first in the relationships' order. The slide's caches
        are listed once and each is passed over once: listing every relationship for every
        frame, and asking the archive's whole name list for each, took 59 s for one slide
        of 400 frames and 2,000 relationships to missing parts."""
        caches = self._cache_list()
        numbers = set()
        for name in ("dm", "lo", "qs", "cs"):
            _, target = self.rels.get(relationship_id(frame, name), ("", ""))
            numbers.update(_PART_NUMBER.findall(target))
        for number in numbers:
            # Claimed caches leave their number's list, so each is passed over once.
            waiting = self._caches_by_number.get(number, deque())
            while waiting and self.rels[caches[waiting[0]]][1] in self.read:
                waiting.popleft()
        firsts = [self._caches_by_number[n][0] for n in numbers if self._caches_by_number.get(n)]
        if firsts:
            claimed = self._target(caches[min(firsts)], ("/diagramDrawing",))
            if claimed:
                return claimed
        while self._next_cache < len(caches):
            claimed = self._target(caches[self._next_cache], ("/diagramDrawing",))
            self._next_cache += 1
            if claimed:
                return claimed
        return None

    def _cache_list(self) -> list[str]:
        if self._caches is None:
            self._caches = []
            for rel_id, (rel_type, target) in self.rels.items():
                if rel_type.endswith("/diagramDrawing") and _exists(self.archive, target):
                    for number in _PART_NUMBER.findall(target):
                        self._caches_by_number.setdefault(number, deque()).append(len(self._caches))
                    self._caches.append(rel_id)
        return self._caches

    def _xml(self, part: str) -> etree._Element | None:
        """A SmartArt part, or None when it is damaged (not XML, a broken entry): the rest of
        the slide is still read."""
        try:
            return read_xml(self.archive, part)
        except DAMAGED_PART_ERRORS:
            return None

    def _target(self, rel_id: str, types: tuple[str, ...]) -> str | None:
        """The part `rel_id` names if it has one of the relationship `types` and is not read
        yet (then it counts as read)."""
        rel_type, name = self.rels.get(rel_id, ("", ""))
        if rel_type.endswith(types) and name not in self.read and _exists(self.archive, name):
            self.read.add(name)
            return name
        return None


def _shape_texts(
    archive: zipfile.ZipFile, part: str, root: etree._Element, *, placeholders: bool
) -> list[str]:
    tree = _ShapeTree(archive, part, placeholders=placeholders)
    for child in root:
        if local(child) == "cSld":
            tree.visit(child)
    return [t for t in tree.texts if t.strip()]


def _notes(archive: zipfile.ZipFile, part: str) -> str:
    """The text of a notes page: its notes placeholder (`body`, or one without a type, which
    is an object placeholder, as some generators write it) and any text box added to the
    page; not the slide image, number, header, footer or date."""
    texts = []
    for shape in read_xml(archive, part).iter():
        if local(shape) != "sp":
            continue
        ph = next((e for e in shape.iter() if local(e) == "ph"), None)
        if ph is None or attribute(ph, "type") not in _NOTES_PAGE_FURNITURE:
            texts.extend(paragraphs(shape))
    return "\n".join(texts)


def _comments(archive: zipfile.ZipFile, slide: str) -> list[str]:
    """The review comments on a slide, replies after their comment: the legacy comments part
    (`p:cm`, plain `p:text`) and the modern one (PowerPoint 365: `p188:cm` and its replies,
    DrawingML text)."""
    found = []
    for rel_type, name in relationships_by_id(archive, slide).values():
        if not rel_type.endswith("/comments") or name not in archive.namelist():
            continue
        for element in read_xml(archive, name).iter():
            if local(element) == "text":
                found.append((element.text or "").strip())
            elif local(element) == "txBody":
                found.append("\n".join(paragraphs(element)).strip())
    return [text for text in found if text]


def _shows_master_shapes(root: etree._Element) -> bool:
    """`showMasterSp="0"` on a slide ("Hide background graphics") hides its layout's and
    master's shapes; on a layout, its master's."""
    return attribute(root, "showMasterSp") not in {"0", "false"}


def _related(archive: zipfile.ZipFile, part: str, suffix: str) -> str | None:
    for rel_type, name in relationships_by_id(archive, part).values():
        if rel_type.endswith(suffix) and name in archive.namelist():
            return name
    return None


def _slide_parts(archive: zipfile.ZipFile, presentation: str) -> list[str]:
    """Slide part names in the presentation's order (`p:sldIdLst`)."""
    rels = relationships_by_id(archive, presentation)
    slides = []
    for element in read_xml(archive, presentation).iter():
        if local(element) == "sldId":
            rel_type, name = rels.get(relationship_id(element, "id"), ("", ""))
            if rel_type.endswith("/slide") and name in archive.namelist():
                slides.append(name)
    return slides


def _slide_extras(
    archive: zipfile.ZipFile, slide: str, number: int, damaged: list[str]
) -> list[str]:
    """The speaker notes and review comments of slide `slide` (numbered `number`), each left
    out, and named in `damaged`, when its part is damaged."""
    texts: list[str] = []
    try:
        notes = _related(archive, slide, "/notesSlide")
        notes_text = _notes(archive, notes) if notes else ""
    except DAMAGED_PART_ERRORS:
        damaged.append(f"the notes of slide {number}")
        notes_text = ""
    if notes_text.strip():
        texts.append(f"Speaker notes: {notes_text}")
    try:
        texts.extend(f"Comment: {comment}" for comment in _comments(archive, slide))
    except DAMAGED_PART_ERRORS:
        damaged.append(f"the comments on slide {number}")
    return texts


def _inherited(archive: zipfile.ZipFile, slide: str, root: etree._Element) -> list[str]:
    """The layout and master whose shapes slide `slide` (its XML `root`) shows."""
    parts: list[str] = []
    layout = _related(archive, slide, "/slideLayout")
    if layout and _shows_master_shapes(root):
        parts.append(layout)
        master = _related(archive, layout, "/slideMaster")
        if master and _shows_master_shapes(read_xml(archive, layout)):
            parts.append(master)
    return parts


def parse_pptx(path: str, limits: ParseLimits) -> Iterator[Section | IngestWarning]:
    """Each slide's section, then the layouts' and masters' ("slide master"). A damaged part
    (a slide, its notes, comments, layout or master) is left out with a `parts_unreadable`
    warning; the file fails (`corrupt_pptx`) only when no slide can be read."""
    check_package(path, "pptx", limits)
    damaged: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            slides = _slide_parts(archive, main_part(archive, "pptx"))
            inherited: list[str] = []  # layouts and masters some slide shows, in first use
            read = 0
            for number, slide in enumerate(slides[: limits.max_pages], start=1):
                try:
                    root = read_xml(archive, slide)
                    texts = _shape_texts(archive, slide, root, placeholders=True)
                except DAMAGED_PART_ERRORS:
                    damaged.append(f"slide {number}")
                    continue
                texts.extend(_slide_extras(archive, slide, number, damaged))
                read += 1
                yield Section(f"slide {number}", "\n".join(texts))
                try:
                    inherited.extend(_inherited(archive, slide, root))
                except DAMAGED_PART_ERRORS:
                    damaged.append("a slide layout or master")
            if slides and not read:
                raise corrupt("pptx")  # no slide could be read
            # Once per file, not per slide: a banner on forty slides would otherwise be forty
            # identical passages crowding out the slides' own text (decision 0102).
            master_texts: dict[str, None] = {}
            for part in dict.fromkeys(inherited):
                try:
                    root = read_xml(archive, part)
                    texts = _shape_texts(archive, part, root, placeholders=False)
                except DAMAGED_PART_ERRORS:
                    damaged.append("a slide layout or master")
                    continue
                master_texts.update(dict.fromkeys(texts))
            yield Section(MASTER_LOCATION, "\n".join(master_texts))
    except ParseFailure:
        raise
    except Exception:
        # zipfile, zlib and lxml raise many types on damaged parts; none is shown to users.
        raise corrupt("pptx") from None
    if damaged:
        yield parts_unreadable(list(dict.fromkeys(damaged)))
    if len(slides) > limits.max_pages:
        yield IngestWarning(
            "truncated",
            f"Only the first {limits.max_pages} of {len(slides)} slides were indexed.",
        )
