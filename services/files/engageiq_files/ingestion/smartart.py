"""The text of a SmartArt graphic (decision 0102, 0130), for slides and the drawings of sheets:
its data model's points (`dgm:pt` text, parents before children), which PowerPoint and Excel
always write; the drawing cache (`dsp:drawing`) is what a reader falls back on when the model
has no text (some converters write the words there alone). The layout, style and colour parts
hold no text of the document (a layout's sample text is the template's)."""

from __future__ import annotations

import zipfile
from typing import Final

from lxml import etree

from engageiq_files.ingestion.ooxml import (
    DAMAGED_PART_ERRORS,
    attribute,
    first_child,
    local,
    number_attribute,
    paragraphs,
    read_xml,
    relationship_id,
)

_LAYOUT_POINTS: Final = frozenset({"pres", "parTrans", "sibTrans"})
"""Data model points without text of their own: presentation points and connector
transitions."""


def smartart_lines(model: etree._Element) -> list[str]:
    """Each point's text of a SmartArt data model, parents before children in their order."""
    texts: dict[str, str] = {}
    order: list[str] = []
    children: dict[str, list[tuple[int, str]]] = {}
    for element in model.iter():
        name = local(element)
        if name == "pt" and (attribute(element, "type") or "node") not in _LAYOUT_POINTS:
            model_id = attribute(element, "modelId") or ""
            body = first_child(element, "t")
            texts[model_id] = "\n".join(paragraphs(body)) if body is not None else ""
            order.append(model_id)
        elif name == "cxn" and (attribute(element, "type") or "parOf") == "parOf":
            source = attribute(element, "srcId") or ""
            position = number_attribute(attribute(element, "srcOrd"), 1 << 30)
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


def drawing_smartart_lines(
    archive: zipfile.ZipFile, rels: dict[str, tuple[str, str]], frame: etree._Element
) -> list[str]:
    """The text of the SmartArt frame `frame` (`dgm:relIds`) of a sheet's drawing whose
    relationships are `rels`: its data model's points, else the drawing cache the model names
    (`dsp:dataModelExt relId`). A missing or damaged part reads as nothing, never an error."""
    model = _part(archive, rels, relationship_id(frame, "dm"), "/diagramData")
    if model is None:
        return []
    lines = smartart_lines(model)
    if lines:
        return lines
    for element in model.iter():
        if local(element) == "dataModelExt":
            cache = _part(archive, rels, attribute(element, "relId") or "", "/diagramDrawing")
            return paragraphs(cache) if cache is not None else []
    return []


def _part(
    archive: zipfile.ZipFile, rels: dict[str, tuple[str, str]], rel_id: str, rel_type: str
) -> etree._Element | None:
    rel, name = rels.get(rel_id, ("", ""))
    if not rel.endswith(rel_type):
        return None
    try:
        return read_xml(archive, name)
    except DAMAGED_PART_ERRORS:
        return None
