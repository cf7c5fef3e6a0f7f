"""PowerPoint presentations (.pptx, .pptm, .ppsx, .potx; transitional and Strict OOXML), read
from their XML with the package's safe parser (ooxml.py) so that every piece of text a viewer
sees is found (decision 0102):

- each slide's shape tree in order: text frames, tables (a row per line, cells " | "),
  groups, and `mc:AlternateContent` through its `mc:Choice` only (the fallback repeats it);
- charts (`c:chart`, and `cx:chart` for the Office 2016 kinds), read from the chart part:
  titles, axis titles, data labels, text boxes drawn on the chart, and each series as
  "name: category value; ..." from the cached data;
- SmartArt, read from its data model (`dgm:pt` text, parents before children), not from the
  drawing cache, which PowerPoint may not have written;
- speaker notes (the notes page's body placeholder);
  all of which make one section per slide, located "slide N";
- shapes of the slide layouts and masters that the slides show, except placeholders (their
  text is the prompt, "Click to edit Master title style", or is repeated on the slide
  itself): once per file, as one section located "slide master".
"""

from __future__ import annotations

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
    relationships_by_id,
)
from engageiq_files.ingestion.sections import IngestWarning, ParseFailure, ParseLimits, Section

_SHAPES: Final = frozenset({"sp", "grpSp", "graphicFrame", "cxnSp", "pic", "contentPart"})
# Data model points without text of their own: presentation points and connector transitions.
_LAYOUT_POINTS: Final = frozenset({"pres", "parTrans", "sibTrans"})
MASTER_LOCATION: Final = "slide master"


def _paragraphs(element: etree._Element) -> list[str]:
    """The text of each DrawingML paragraph (`a:p`) under `element`, line breaks kept."""
    found = []
    for paragraph in element.iter():
        if local(paragraph) != "p":
            continue
        pieces = []
        for node in paragraph.iter():
            name = local(node)
            if name == "t":
                pieces.append(node.text or "")
            elif name == "br":
                pieces.append("\n")
        text = "".join(pieces)
        if text.strip():
            found.append(text)
    return found


def _relationship_id(element: etree._Element, name: str) -> str:
    """A relationship reference (`r:id`, `r:dm`): a namespaced attribute, unlike `p:sldId`'s
    own unqualified `id`, so the two are told apart."""
    for key, value in element.attrib.items():
        if str(key).startswith("{") and str(key).rpartition("}")[2] == name:
            return str(value)
    return ""


def _is_placeholder(shape: etree._Element) -> bool:
    """Whether the shape's non-visual properties (`p:nvSpPr/p:nvPr`) hold a `p:ph`."""
    for properties in shape:
        if local(properties).startswith("nv"):
            for child in properties:
                if local(child) == "nvPr" and any(local(ph) == "ph" for ph in child):
                    return True
    return False


def _points(cache: etree._Element | None) -> tuple[dict[int, str], list[str]]:
    """(index -> label, labels of outer levels) of a chart's cached data: `c:strCache`,
    `c:numCache`, `c:multiLvlStrCache` (first level indexed, outer levels listed), or a
    `cx:strDim`/`cx:numDim`."""
    if cache is None:
        return {}, []
    levels = [e for e in cache.iter() if local(e) == "lvl"] or [cache]
    indexed: dict[int, str] = {}
    outer: list[str] = []
    for depth, level in enumerate(levels):
        for point in level.iter():
            if local(point) != "pt":
                continue
            text = "".join(v.text or "" for v in point if local(v) == "v") or point.text or ""
            if not text.strip():
                continue
            if depth == 0:
                indexed[_number(attribute(point, "idx"), len(indexed))] = text.strip()
            else:
                outer.append(text.strip())
    return indexed, outer


def _number(value: str | None, default: int) -> int:
    """An index or order attribute; an odd value orders last instead of failing the file."""
    try:
        return int(value or default)
    except ValueError:
        return default


def _pairs(categories: dict[int, str], values: dict[int, str]) -> str:
    keys = sorted(set(categories) | set(values))
    return "; ".join(
        " ".join(t for t in (categories.get(k, ""), values.get(k, "")) if t) for k in keys
    )


def _child(element: etree._Element, *names: str) -> etree._Element | None:
    for child in element:
        if local(child) in names:
            return child
    return None


class _ChartText:
    """Lines of text of a chart part (`c:chartSpace` or `cx:chartSpace`), in document order."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cx_data: dict[str, str] = {}
        """`cx:data` id -> its points, "category value; ...": a `cx:chartSpace` holds its
        data before the chart, whose series name it by `cx:dataId`."""

    def finish(self) -> list[str]:
        """The lines, then any `cx:` data no series named."""
        return [*self.lines, *(line for line in self.cx_data.values() if line)]

    def visit(self, element: etree._Element) -> None:
        name = local(element)
        if name in {"f", "txPr", "extLst", "Fallback"}:
            return  # formulas (sheet references), text styles, extensions, fallback copies
        if name == "title":
            text_part = _child(element, "tx")
            rich = _child(text_part if text_part is not None else element, "rich")
            texts = _paragraphs(rich) if rich is not None else self._values(element)
            self.lines.extend(texts)
            return
        if name in {"ser", "series"}:
            self._series(element)
            return
        if name == "data" and any(local(c) in {"strDim", "numDim"} for c in element):
            self._cx_data(element)
            return
        if name == "rich":
            self.lines.extend(_paragraphs(element))
            return
        for child in element:
            self.visit(child)

    @staticmethod
    def _values(element: etree._Element) -> list[str]:
        """Cached strings (`c:v`) not inside formulas: a title or series name from a cell."""
        return [v.text for v in element.iter() if local(v) == "v" and v.text and v.text.strip()]

    def _series(self, series: etree._Element) -> None:
        name_part = _child(series, "tx")
        name = " ".join(self._values(name_part)) if name_part is not None else ""
        category_part = _child(series, "cat", "xVal")
        value_part = _child(series, "val", "yVal")
        categories, outer = _points(category_part)
        values, _ = _points(value_part)
        data = _pairs(categories, values)
        data_id = _child(series, "dataId")
        if data_id is not None:
            data = self.cx_data.pop(attribute(data_id, "val") or "", "")
        line = ": ".join(t for t in (name, data) if t)
        if outer:
            line += f" ({', '.join(dict.fromkeys(outer))})"
        if line.strip():
            self.lines.append(line)
        for child in series:
            if local(child) not in {"tx", "cat", "xVal", "val", "yVal", "dataId"}:
                self.visit(child)  # data labels with their own text

    def _cx_data(self, data: etree._Element) -> None:
        categories: dict[int, str] = {}
        values: dict[int, str] = {}
        outer: list[str] = []
        for dimension in data:
            indexed, more = _points(dimension)
            if local(dimension) == "strDim" and not categories:
                categories, outer = indexed, more
            elif local(dimension) == "numDim" and not values:
                values = indexed
        line = _pairs(categories, values)
        if outer:
            line += f" ({', '.join(dict.fromkeys(outer))})"
        self.cx_data[attribute(data, "id") or str(len(self.cx_data))] = line


def _chart_lines(archive: zipfile.ZipFile, part: str) -> list[str]:
    reader = _ChartText()
    reader.visit(read_xml(archive, part))
    lines = reader.finish()
    for rel_type, name in relationships_by_id(archive, part).values():
        # Text boxes drawn over the chart (`c:userShapes`) live in their own drawing part.
        if rel_type.endswith("/chartUserShapes") and name in archive.namelist():
            lines.extend(_paragraphs(read_xml(archive, name)))
    return lines


def _smartart_lines(archive: zipfile.ZipFile, part: str) -> list[str]:
    """Each point's text of a SmartArt data model, parents before children in their order."""
    model = read_xml(archive, part)
    texts: dict[str, str] = {}
    order: list[str] = []
    children: dict[str, list[tuple[int, str]]] = {}
    for element in model.iter():
        name = local(element)
        if name == "pt" and (attribute(element, "type") or "node") not in _LAYOUT_POINTS:
            model_id = attribute(element, "modelId") or ""
            body = _child(element, "t")
            texts[model_id] = "\n".join(_paragraphs(body)) if body is not None else ""
            order.append(model_id)
        elif name == "cxn" and (attribute(element, "type") or "parOf") == "parOf":
            source = attribute(element, "srcId") or ""
            position = _number(attribute(element, "srcOrd"), 1 << 30)
            children.setdefault(source, []).append((position, attribute(element, "destId") or ""))
    lines: list[str] = []
    seen: set[str] = set()
    targets = {child for pairs in children.values() for _, child in pairs}
    roots = [m for m in order if m not in targets]
    for start in [*roots, *order]:
        # Depth first with an explicit stack: a hostile model may be deep or cyclic.
        stack = [start]
        while stack:
            model_id = stack.pop()
            if model_id in seen or model_id not in texts:
                continue
            seen.add(model_id)
            if texts[model_id].strip():
                lines.append(texts[model_id])
            stack.extend(child for _, child in sorted(children.get(model_id, []), reverse=True))
    return lines


class _ShapeTree:
    """Text of one part's shape tree (a slide, layout, master or notes page), in order."""

    def __init__(self, archive: zipfile.ZipFile, part: str, *, placeholders: bool) -> None:
        self.archive = archive
        self.placeholders = placeholders
        self.rels = relationships_by_id(archive, part)
        self.texts: list[str] = []

    def visit(self, element: etree._Element) -> None:
        name = local(element)
        if name == "Fallback":
            return  # mc:AlternateContent: the mc:Choice holds the same content
        if name in _SHAPES and not self.placeholders and _is_placeholder(element):
            return
        if name == "txBody":
            self.texts.append("\n".join(_paragraphs(element)))
            return
        if name == "tbl":
            for row in element:
                if local(row) == "tr":
                    cells = [" ".join(_paragraphs(c)) for c in row if local(c) == "tc"]
                    self.texts.append(" | ".join(cells))
            return
        if name == "chart":
            target = self._target(_relationship_id(element, "id"), ("/chart", "/chartEx"))
            if target:
                self.texts.extend(_chart_lines(self.archive, target))
            return
        if name == "relIds":
            target = self._target(_relationship_id(element, "dm"), ("/diagramData",))
            if target:
                self.texts.extend(_smartart_lines(self.archive, target))
            return
        for child in element:
            self.visit(child)

    def _target(self, rel_id: str, types: tuple[str, ...]) -> str | None:
        rel_type, name = self.rels.get(rel_id, ("", ""))
        if rel_type.endswith(types) and name in self.archive.namelist():
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
    """The notes page's body placeholder: not the slide image, number, header or date."""
    texts = []
    for shape in read_xml(archive, part).iter():
        if local(shape) != "sp" or not _is_placeholder(shape):
            continue
        ph = next(e for e in shape.iter() if local(e) == "ph")
        if attribute(ph, "type") == "body":
            texts.extend(_paragraphs(shape))
    return "\n".join(texts)


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
            rel_type, name = rels.get(_relationship_id(element, "id"), ("", ""))
            if rel_type.endswith("/slide") and name in archive.namelist():
                slides.append(name)
    return slides


def parse_pptx(path: str, limits: ParseLimits) -> Iterator[Section | IngestWarning]:
    check_package(path, "pptx", limits)
    try:
        with zipfile.ZipFile(path) as archive:
            slides = _slide_parts(archive, main_part(archive, "pptx"))
            inherited: list[str] = []  # layouts and masters some slide shows, in first use
            for number, slide in enumerate(slides[: limits.max_pages], start=1):
                root = read_xml(archive, slide)
                texts = _shape_texts(archive, slide, root, placeholders=True)
                notes = _related(archive, slide, "/notesSlide")
                notes_text = _notes(archive, notes) if notes else ""
                if notes_text.strip():
                    texts.append(f"Speaker notes: {notes_text}")
                yield Section(f"slide {number}", "\n".join(texts))
                layout = _related(archive, slide, "/slideLayout")
                if layout and _shows_master_shapes(root):
                    inherited.append(layout)
                    master = _related(archive, layout, "/slideMaster")
                    if master and _shows_master_shapes(read_xml(archive, layout)):
                        inherited.append(master)
            # Once per file, not per slide: a banner on forty slides would otherwise be forty
            # identical passages crowding out the slides' own text (decision 0102).
            master_texts: dict[str, None] = {}
            for part in dict.fromkeys(inherited):
                texts = _shape_texts(archive, part, read_xml(archive, part), placeholders=False)
                master_texts.update(dict.fromkeys(texts))
            yield Section(MASTER_LOCATION, "\n".join(master_texts))
    except ParseFailure:
        raise
    except Exception:
        # zipfile, zlib and lxml raise many types on damaged parts; none is shown to users.
        raise corrupt("pptx") from None
    if len(slides) > limits.max_pages:
        yield IngestWarning(
            "truncated",
            f"Only the first {limits.max_pages} of {len(slides)} slides were indexed.",
        )
