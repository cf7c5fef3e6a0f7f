"""The text of a chart part (decision 0102), for the charts of slides, slide layouts and the
drawings of sheets: `c:chartSpace` (the classic kinds) and `cx:chartSpace` (the Office 2016
kinds: waterfall, funnel, treemap...). Titles, axis titles, data labels with their own text,
text boxes drawn on the chart (`c:userShapes`), and each series as "name: category value; ..."
from the cached data, numbers as the chart shows them; labels taken from cells ("Value From
Cells"). Formulas (`Sheet1!$B$1`) and the placeholders of data label fields ("[CELLRANGE]")
are not text."""

from __future__ import annotations

import zipfile
from copy import deepcopy
from typing import Final

from lxml import etree

from engageiq_files.ingestion.number_formats import GENERAL, format_number
from engageiq_files.ingestion.ooxml import (
    DAMAGED_PART_ERRORS,
    attribute,
    first_child,
    local,
    number_attribute,
    paragraphs,
    read_xml,
    relationships_by_id,
)

_NUMBERS: Final = frozenset({"numCache", "numLit", "numDim"})
"""Cached data whose points are numbers, shown under their format code (a category axis of
dates caches serials: `46023` is what Excel stores, `Jan-26` what the chart shows)."""


_CHART_FIELDS: Final = frozenset(
    {
        "VALUE",
        "YVALUE",
        "XVALUE",
        "CELLRANGE",
        "CELLREF",
        "SERIESNAME",
        "CATEGORYNAME",
        "PERCENTAGE",
        "BUBBLESIZE",
        "TXLINK",
    }
)
"""Data label fields whose `a:t` is a placeholder, not the text the chart shows."""


def _points(
    cache: etree._Element | None, *, date1904: bool = False, shown_as: str | None = None
) -> tuple[dict[int, str], list[str]]:
    """(index -> label, labels of outer levels) of a chart's cached data: `c:strCache`,
    `c:numCache`, `c:multiLvlStrCache` (first level indexed, outer levels listed), or a
    `cx:strDim`/`cx:numDim`. Numbers read as the chart shows them: under `shown_as` (the data
    labels' own format), else the format code of the point, else of the level (`cx:lvl`),
    else of the cache (`c:formatCode`)."""
    if cache is None:
        return {}, []
    numeric = local(cache) in _NUMBERS or any(local(e) in _NUMBERS for e in cache.iter())
    code = next((e.text or "" for e in cache.iter() if local(e) == "formatCode"), GENERAL)
    levels = [e for e in cache.iter() if local(e) == "lvl"] or [cache]
    indexed: dict[int, str] = {}
    outer: list[str] = []
    for depth, level in enumerate(levels):
        level_code = attribute(level, "formatCode") or code
        for point in level.iter():
            if local(point) != "pt":
                continue
            text = "".join(v.text or "" for v in point if local(v) == "v") or point.text or ""
            if not text.strip():
                continue
            if numeric:
                own = shown_as or attribute(point, "formatCode") or level_code
                text = _shown(text, own, date1904)
            if depth == 0:
                indexed[number_attribute(attribute(point, "idx"), len(indexed))] = text.strip()
            else:
                outer.append(text.strip())
    return indexed, outer


def _label_paragraphs(rich: etree._Element) -> list[str]:
    """The paragraphs of a chart's rich text without its data fields (`a:fld` of type
    `VALUE`, `CELLRANGE`, `SERIESNAME`...): their text is a placeholder ("[CELLRANGE]"), the
    value itself is in the series data or its label range."""
    if not any(
        local(e) == "fld" and (attribute(e, "type") or "").upper() in _CHART_FIELDS
        for e in rich.iter()
    ):
        return paragraphs(rich)
    copy = deepcopy(rich)  # a label's few runs; the parsed part is left as it is
    for field in [e for e in copy.iter() if local(e) == "fld"]:
        if (attribute(field, "type") or "").upper() in _CHART_FIELDS:
            parent = field.getparent()
            if parent is not None:
                parent.remove(field)
    return paragraphs(copy)


def _label_format(series: etree._Element) -> str | None:
    """The number format a series' data labels show its values in, when they show them
    (`c:showVal`) under a format of their own (`c:numFmt sourceLinked="0"`): a win rate
    cached as 0.15 with labels formatted `0%` reads 15% on the slide."""
    labels = first_child(series, "dLbls")
    if labels is None:
        return None
    shown = first_child(labels, "showVal")
    own = first_child(labels, "numFmt")
    if shown is None or attribute(shown, "val") not in {"1", "true"} or own is None:
        return None
    if attribute(own, "sourceLinked") in {"1", "true"}:
        return None
    return attribute(own, "formatCode")


def _shown(text: str, code: str, date1904: bool) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return format_number(value, code, date1904=date1904)


def _pairs(categories: dict[int, str], values: dict[int, str]) -> str:
    keys = sorted(set(categories) | set(values))
    return "; ".join(
        " ".join(t for t in (categories.get(k, ""), values.get(k, "")) if t) for k in keys
    )


class _ChartText:
    """Lines of text of a chart part (`c:chartSpace` or `cx:chartSpace`), in document order."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cx_data: dict[str, str] = {}
        """`cx:data` id -> its points, "category value; ...": a `cx:chartSpace` holds its
        data before the chart, whose series name it by `cx:dataId`."""
        self.date1904 = False
        """`c:date1904`, written before the chart: its serials count from 1904."""
        self.category_format: str | None = None
        """The number format of a date or category axis of its own (`sourceLinked="0"`):
        the format its numeric categories are shown in."""

    def finish(self) -> list[str]:
        """The lines, then any `cx:` data no series named."""
        return [*self.lines, *(line for line in self.cx_data.values() if line)]

    def visit(self, element: etree._Element) -> None:
        name = local(element)
        if name in {"f", "txPr", "extLst", "Fallback"}:
            return  # formulas (sheet references), text styles, extensions, fallback copies
        if name == "date1904":
            self.date1904 = attribute(element, "val") in {"1", "true"}
            return
        if name == "title":
            text_part = first_child(element, "tx")
            rich = first_child(text_part if text_part is not None else element, "rich")
            texts = _label_paragraphs(rich) if rich is not None else self._values(element)
            self.lines.extend(texts)
            return
        if name in {"ser", "series"}:
            self._series(element)
            return
        if name == "data" and any(local(c) in {"strDim", "numDim"} for c in element):
            self._cx_data(element)
            return
        if name == "rich":
            self.lines.extend(_label_paragraphs(element))
            return
        for child in element:
            self.visit(child)

    @staticmethod
    def _values(element: etree._Element) -> list[str]:
        """Cached strings (`c:v`) not inside formulas: a title or series name from a cell."""
        return [v.text for v in element.iter() if local(v) == "v" and v.text and v.text.strip()]

    def _series(self, series: etree._Element) -> None:
        name_part = first_child(series, "tx")
        name = " ".join(self._values(name_part)) if name_part is not None else ""
        category_part = first_child(series, "cat", "xVal")
        value_part = first_child(series, "val", "yVal")
        categories, outer = _points(
            category_part, date1904=self.date1904, shown_as=self.category_format
        )
        values, _ = _points(value_part, date1904=self.date1904, shown_as=_label_format(series))
        data = _pairs(categories, values)
        data_id = first_child(series, "dataId")
        if data_id is not None:
            data = self.cx_data.pop(attribute(data_id, "val") or "", "")
        line = ": ".join(t for t in (name, data) if t)
        if outer:
            line += f" ({', '.join(dict.fromkeys(outer))})"
        if line.strip():
            self.lines.append(line)
        # "Value From Cells" labels (Office 2013+): cached in the series' extension list.
        for element in series.iter():
            if local(element) == "dlblRangeCache":
                labels, _ = _points(element)
                if labels:
                    self.lines.append("; ".join(labels[k] for k in sorted(labels)))
        for child in series:
            if local(child) not in {"tx", "cat", "xVal", "val", "yVal", "dataId"}:
                self.visit(child)  # data labels with their own text

    def _cx_data(self, data: etree._Element) -> None:
        categories: dict[int, str] = {}
        values: dict[int, str] = {}
        outer: list[str] = []
        for dimension in data:
            indexed, more = _points(dimension, date1904=self.date1904)
            if local(dimension) == "strDim" and not categories:
                categories, outer = indexed, more
            elif local(dimension) == "numDim" and not values:
                values = indexed
        line = _pairs(categories, values)
        if outer:
            line += f" ({', '.join(dict.fromkeys(outer))})"
        self.cx_data[attribute(data, "id") or str(len(self.cx_data))] = line


def _axis_format(root: etree._Element) -> str | None:
    """The format of the chart's date or category axis, when it has one of its own."""
    for axis in root.iter():
        if local(axis) in {"dateAx", "catAx"}:
            own = first_child(axis, "numFmt")
            if own is not None and attribute(own, "sourceLinked") not in {"1", "true"}:
                return attribute(own, "formatCode")
    return None


def _xml(archive: zipfile.ZipFile, part: str) -> etree._Element | None:
    """A chart's part, or None when it is damaged (not XML, a broken entry)."""
    try:
        return read_xml(archive, part)
    except DAMAGED_PART_ERRORS:
        return None


def chart_lines(archive: zipfile.ZipFile, part: str) -> list[str]:
    """The lines of text of the chart part `part` (see the module's docstring); none when the
    part is damaged, so the rest of the slide or sheet is still read (as SmartArt's, 0130)."""
    reader = _ChartText()
    root = _xml(archive, part)
    if root is None:
        return []
    # Axes are written after the series, but their format decides how categories read.
    reader.category_format = _axis_format(root)
    reader.visit(root)
    lines = reader.finish()
    try:
        rels = relationships_by_id(archive, part)
    except DAMAGED_PART_ERRORS:
        rels = {}
    for rel_type, name in rels.values():
        # Text boxes drawn over the chart (`c:userShapes`) live in their own drawing part.
        shapes = _xml(archive, name) if rel_type.endswith("/chartUserShapes") else None
        if shapes is not None:
            lines.extend(paragraphs(shapes))
    return lines
