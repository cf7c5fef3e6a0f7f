"""Excel workbooks (.xlsx, .xlsm) with openpyxl in read-only mode (rows are streamed, so a
large sheet is never held whole). Each sheet's rows become sections, each row as
"header: value" pairs after the sheet's header (its first row of two or more cells; one-cell
title rows above it are read once), located like a spreadsheet reference
(`Pricing!A2:F26`). What is indexed is what a person sees in Excel
(decision 0103):

- Strict OOXML workbooks too (Excel's "Strict Open XML Spreadsheet"), through a transitional
  copy, since openpyxl reads only the transitional namespaces;
- workbooks whose styles openpyxl refuses (an empty fill, a font family of 20), through a
  copy whose stylesheet keeps only the number formats;
- every row the sheet's XML holds, whatever its `<dimension>` claims (writers that never
  update it make a read-only reader see one cell);
- values under their number format (`15%`, `00742`, `12.5M`, `1 July 2026`), not the stored
  number (`number_formats.py`);
- a merged range's value on every row it spans, so each row reads whole;
- hidden sheets too, labelled `(hidden)` in their location;
- the comments and notes on cells (`Deals (comments)`, "B2: text" a line);
- the printed headers and footers of each sheet, codes removed (`Deals (header/footer)`,
  "Footer: Confidential | Page of" a line, each once; decision 0130);
- text boxes, shapes, charts and SmartArt of the sheet's drawing (`Pricing (drawing)`), and
  the chart of a chart sheet (`Summary (chart)`), read as on slides (`charts.py`,
  `smartart.py`);
- cells set in a symbol font (Wingdings, Webdings, Symbol) as the symbols they show: `ü` and
  `û` in Wingdings are a check and a cross (`symbol_fonts.py`, decision 0137);
- formulas give their cached values (`data_only`); one Excel never calculated has none (or,
  in a workbook marked for recalculation on opening whose formulas all cache `0`, the
  writer's placeholder, on an array formula's whole range), so its formula text is indexed
  instead (the range's other cells show nothing), as the formula bar shows it
  (`=XLOOKUP(...)`, not the stored `=_xlfn.XLOOKUP(...)`), and the file carries
  `formula_without_value`. An empty text result (`t="str"` and an empty `<v/>`, as Excel
  and LibreOffice save `=IF(A2="","",A2)`) is a value, shown empty; and a formula is found
  in its row and column when the writer left out the rows' and cells' optional `r`.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any, Final

from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

from engageiq_files.ingestion.charts import chart_lines
from engageiq_files.ingestion.legacy_drawing import legacy_shapes
from engageiq_files.ingestion.number_formats import GENERAL, format_text, format_value, general
from engageiq_files.ingestion.ooxml import (
    DAMAGED_PART_ERRORS,
    attribute,
    check_package,
    corrupt,
    first_child,
    local,
    main_part,
    number_attribute,
    paragraphs,
    parts_unreadable,
    read_xml,
    relationship_id,
    relationships,
    relationships_by_id,
)
from engageiq_files.ingestion.sections import IngestWarning, ParseFailure, ParseLimits, Section
from engageiq_files.ingestion.smartart import drawing_smartart_lines
from engageiq_files.ingestion.symbol_fonts import is_symbol_font, symbol_text
from engageiq_files.ingestion.workbook_package import opened_workbook

ROWS_PER_SECTION: Final = 25
MAX_TITLE_ROWS: Final = 5
"""One-cell rows above a sheet's header read as its titles; beyond, the first is the header."""
MAX_FORMULAS_KEPT: Final = 100_000
"""Formulas without a value remembered per sheet (their text is indexed); beyond, counted."""
FORMULAS_NAMED: Final = 5
MAX_COLUMNS: Final = 16_384
"""Excel's last column (XFD)."""
MAX_ARRAY_CELLS: Final = 10_000
"""An array formula's range blanked when it has no value (`_blank_array`); beyond, left."""
HIDDEN_STATES: Final = frozenset({"hidden", "veryHidden"})
_PLAIN_SHEET_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_STORAGE_PREFIX: Final = re.compile(r"\b_xl(?:fn|ws|pm|udf)\.", re.IGNORECASE)
_ESCAPED: Final = re.compile(r"_x([0-9A-Fa-f]{4})_")
"""OOXML's escape of a character XML cannot hold (`_x000D_` for a carriage return, `_x005F_`
for an underscore that starts one), ECMA-376 Part 1 §22.9.2.19; openpyxl leaves them."""


_HEADER_FOOTER_KINDS: Final = frozenset(
    {"oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"}
)
_HEADER_FOOTER_CODE: Final = re.compile(
    r'&(?:"[^"]*"?|K(?:[0-9A-Fa-f]{6}|\d\d[+-]\d{3})|\d{1,3}|.)', re.DOTALL
)
"""A code of a printed header or footer (ECMA-376 Part 1 §18.3.1.39, headerFooter): `&L`,
`&C`, `&R` start the left, centre and right parts; `&&` is an ampersand; the others are
fields and formatting (`&P` page, `&N` pages, `&D` date, `&T` time, `&F` file, `&A` sheet,
`&Z` path, `&G` picture, `&"Arial,Bold"` font, `&14` size, `&KFF0000` colour, `&B` bold...)."""


def header_footer_line(kind: str, code: str) -> str:
    """ "Header: left | centre | right" (or "Footer: ...") of a header or footer element
    (`oddFooter`...) whose text is `code`: its parts' text with the codes removed, `&&` an
    ampersand. Empty when no text is left."""
    parts: list[list[str]] = [[]]
    position = 0
    for match in _HEADER_FOOTER_CODE.finditer(code):
        parts[-1].append(code[position : match.start()])
        position = match.end()
        found = match.group(0)
        if found == "&&":
            parts[-1].append("&")
        elif found.upper() in ("&L", "&C", "&R"):
            parts.append([])
        else:
            parts[-1].append(" ")  # a field (page number, date) leaves a gap, not a join
    parts[-1].append(code[position:])
    texts = [" ".join("".join(part).split()) for part in parts]
    shown = " | ".join(text for text in texts if text)
    if not shown:
        return ""
    return f"{'Footer' if kind.endswith('Footer') else 'Header'}: {shown}"


def _add_header_footer(lines: list[str], kind: str, code: str) -> None:
    """`lines` with the line of header or footer `kind` whose text is `code` added, unless it
    is empty or there already. A sheet has one `headerFooter` of at most six parts
    (`_HEADER_FOOTER_KINDS`); a hostile one repeating it 100,000 times adds nothing more:
    each new line was compared with all before it, and every line kept."""
    if len(lines) < len(_HEADER_FOOTER_KINDS):
        line = header_footer_line(kind, code)
        if line and line not in lines:
            lines.append(line)


@dataclass
class SheetLayout:
    """What the cell stream cannot tell in time, read from the sheet's XML first: merged
    ranges (written after the cells) and formulas with no cached value (openpyxl's `data_only`
    reads them as empty cells)."""

    merges: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    """first row -> (column, last row) of each merged range spanning more than one row."""
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    """(row, column) -> "=FORMULA" of each formula without a value."""
    formula_count: int = 0
    first_formulas: list[str] = field(default_factory=list)
    """The cell references of the first few, for the warning."""
    never_calculated: bool = False
    """The workbook is recalculated on opening (`fullCalcOnLoad`)."""
    zeros: list[tuple[str, str, str]] = field(default_factory=list)
    """(cell, "=FORMULA", its array's range or "") of formulas caching `0` in such a
    workbook: without a value when no formula of the sheet caches anything else (XlsxWriter's
    placeholders, on every cell of an array formula's range too)."""
    zero_count: int = 0
    array_cells: int = 0
    """Cells of array formula ranges blanked so far (`_blank_array`)."""
    calculated: bool = False
    """Some formula of the sheet caches a value other than `0`: the zeros are real."""
    headers_footers: list[str] = field(default_factory=list)
    """"Header: text" and "Footer: text" lines of the sheet's printed page, each once."""
    symbol_texts: dict[tuple[int, int], str] = field(default_factory=dict)
    """(row, column) -> the text shown of each rich-text cell some runs of which are in a
    symbol font, their own or the cell style's (`rich_shown`), which openpyxl's read-only
    cells flatten."""


def cell_text(value: Any) -> str:
    """A value as Excel's General format shows it: `TRUE`, `0.3` (not 0.30000000000000004),
    dates in ISO form (`2027-03-14`, the time only when there is one)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return general(value)
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def unescaped(text: str) -> str:
    """`text` with OOXML's `_xHHHH_` escapes replaced by their characters, left to right, so
    `_x005F_x000D_` is the literal `_x000D_`."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def shown_text(value: Any, number_format: str = GENERAL) -> str:
    """A cell's value as Excel shows it under `number_format` (strings through the format's
    text section, `"Account: "@`, escapes resolved)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return format_text(unescaped(value), number_format)
    shown = format_value(value, number_format)
    return cell_text(value) if shown is None else shown.strip()


def quoted(sheet: str) -> str:
    """A sheet name as a reference writes it: quoted when not plain (`'Price list'`)."""
    return sheet if _PLAIN_SHEET_NAME.match(sheet) else "'" + sheet.replace("'", "''") + "'"


def reference(
    sheet: str, first_row: int, last_row: int, last_column: int, first_column: int = 1
) -> str:
    """An A1-style range (columns counted from 1), the sheet name quoted as Excel does when it
    is not plain: `Pricing!B4:F30`, `'Price list'!A2:C9`."""
    name = quoted(sheet)
    start = get_column_letter(first_column)
    end = get_column_letter(max(last_column, first_column))
    return f"{name}!{start}{first_row}:{end}{last_row}"


def _row_text(header: list[str], row: list[str]) -> str:
    fields = []
    for i, value in enumerate(row):
        if not value.strip():
            continue
        name = header[i].strip() if i < len(header) else ""
        fields.append(f"{name}: {value}" if name else value)
    return "; ".join(fields)


def _filled(cells: list[str]) -> int:
    return sum(1 for cell in cells if cell.strip())


def _header(
    rows: Iterator[tuple[int, list[str]]],
) -> tuple[
    list[tuple[int, list[str]]], tuple[int, list[str]] | None, Iterator[tuple[int, list[str]]]
]:
    """(title rows, header row, the rows after it) of a sheet's non-empty rows. The header is
    the first row of two or more cells; the one-cell rows above it (at most
    `MAX_TITLE_ROWS`: a report's title, "Prepared by ...") are titles, read once, not labels
    of every row. A sheet whose first rows all have one cell keeps its first row as the
    header (a one-column list)."""
    titles: list[tuple[int, list[str]]] = []
    for number, row in rows:
        if _filled(row) >= 2:
            return titles, (number, row), rows
        titles.append((number, row))
        if len(titles) > MAX_TITLE_ROWS:
            break
    if not titles:
        return [], None, rows
    return [], titles[0], itertools.chain(titles[1:], rows)


def _sheet_sections(title: str, rows: Iterator[list[str]], label: str = "") -> Iterator[Section]:
    """Sections of a sheet's rows (texts as shown); `label` (" (hidden)") ends each location."""
    numbered = ((n, row) for n, row in enumerate(rows, start=1) if _trimmed(row))
    titles, found, data = _header(numbered)
    if found is None:
        return
    header_row, header = found
    lines = [" | ".join(cell for cell in row if cell.strip()) for _, row in titles]
    first = titles[0][0] if titles else 0
    last = width = 0
    lead = min(next(i for i, v in enumerate(row) if v.strip()) for _, row in [*titles, found]) + 1
    for number, row in data:
        if not lines:
            first = number
        lines.append(_row_text(header, row))
        last, width = number, max(width, len(row), len(header))
        if len(lines) == ROWS_PER_SECTION:
            yield Section(reference(title, first, last, width, lead) + label, "\n".join(lines))
            lines, width = [], 0
    if lines and last:
        yield Section(reference(title, first, last, width, lead) + label, "\n".join(lines))
    elif not last:
        # A sheet with one row (under its titles, if any): the row itself is the content.
        lines.append(" | ".join(header))
        first = first or header_row
        yield Section(
            reference(title, first, header_row, len(header), lead) + label, "\n".join(lines)
        )


def _trimmed(row: list[str]) -> bool:
    """Drops the row's empty trailing cells; whether any cell is left."""
    while row and not row[-1].strip():
        row.pop()
    return bool(row)


def sheet_layout(
    archive: zipfile.ZipFile,
    part: str,
    *,
    never_calculated: bool = False,
    symbol_strings: dict[int, RichRuns] | None = None,
    cell_fonts: dict[int, str] | None = None,
) -> SheetLayout:
    """Merged ranges and formulas without a value of the sheet part `part`, streamed (each row
    is dropped once read, so a large sheet is never held whole). `never_calculated`: the
    workbook asks to be recalculated on opening (`fullCalcOnLoad`, what XlsxWriter and
    openpyxl write); if then every formula of the sheet caches `0`, those are the writer's
    placeholders (XlsxWriter's default) and count as no value. `symbol_strings`: the shared
    rich strings that may show symbols (`symbol_strings`), noted where a cell uses one, as
    inline rich strings are; `cell_fonts`: the cell styles in a symbol font
    (`symbol_styles`), whose runs without a font of their own are in it."""
    layout = SheetLayout(never_calculated=never_calculated)
    shared: dict[str, Translator] = {}
    position = CellPosition()
    # A sheet damaged part-way (cut short, a broken entry) keeps what was read before the
    # damage, as openpyxl's rows do (`_until_malformed`).
    with contextlib.suppress(*DAMAGED_PART_ERRORS), archive.open(part) as source:
        for _, element in _streamed(source):
            name = local(element)
            if name == "c":
                coordinate = position.of(element)
                _note_formula(element, coordinate, layout, shared)
                if symbol_strings or element.get("t") == "inlineStr":
                    # Rich text with symbol-font runs: only in such workbooks, or inline.
                    _note_symbols(element, coordinate, layout, symbol_strings, cell_fonts)
            elif name == "row":
                position.enter(element)  # a row without cells still counts
                _dropped(element)
            elif name in _HEADER_FOOTER_KINDS:
                _add_header_footer(layout.headers_footers, name, element.text or "")
            elif name == "mergeCell":
                _note_merge(layout, attribute(element, "ref") or "")
    if layout.zero_count and not layout.calculated:
        # Every formula of the sheet caches 0: the writer's placeholders, not values.
        for coordinate, text, array in layout.zeros:
            _without_value(layout, coordinate, text, array)
        layout.formula_count += layout.zero_count - len(layout.zeros)
    return layout


RichRuns = tuple[tuple[str, str | None], ...]
"""A rich string's runs: (text, the font its `rPr/rFont` names, None when it names none)."""


def _small_number(text: str) -> int | None:
    """A style or string index attribute read, None when it is not a number of at most nine
    digits (a hostile index of thousands of digits is beyond `int`'s limit)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _note_symbols(
    cell: etree._Element,
    coordinate: str,
    layout: SheetLayout,
    symbol_strings: dict[int, RichRuns] | None,
    cell_fonts: dict[int, str] | None = None,
) -> None:
    """Notes the text shown of `cell` (at `coordinate`) when it is rich text some runs of
    which are in a symbol font, their own (`rFont`) or, for runs that set none, the cell
    style's (`cell_fonts`: `symbol_styles`): a shared string of `symbol_strings`, or an
    inline string's runs."""
    kind = attribute(cell, "t")
    if kind == "s" and symbol_strings:
        value = first_child(cell, "v")
        index = (value.text or "").strip() if value is not None else ""
        position = _small_number(index)
        runs = symbol_strings.get(position) if position is not None else None
    elif kind == "inlineStr":
        string = first_child(cell, "is")
        runs = rich_runs(string) if string is not None else None
    else:
        return
    if runs is None:
        return
    style = _small_number(attribute(cell, "s") or "0")
    cell_font = (cell_fonts or {}).get(style) if style is not None else None
    shown = rich_shown(runs, cell_font)
    if shown is not None and coordinate and len(layout.symbol_texts) < MAX_FORMULAS_KEPT:
        layout.symbol_texts[coordinate_to_tuple(coordinate)] = shown


def rich_runs(string: etree._Element) -> RichRuns | None:
    """The runs of rich string `string` (a shared `si` or an inline `is`); None for a plain
    string (no `r`), which reads in the cell's font as a whole. Text directly in the string
    (`t`) is a run without a font of its own. Phonetic guides (`rPh`) are not text."""
    runs: list[tuple[str, str | None]] = []
    rich = False
    for child in string:
        name = local(child)
        if name == "t":
            runs.append((child.text or "", None))
        elif name == "r":
            rich = True
            properties = first_child(child, "rPr")
            face = first_child(properties, "rFont") if properties is not None else None
            font = attribute(face, "val") if face is not None else None
            runs.append(("".join(t.text or "" for t in child if local(t) == "t"), font))
    return tuple(runs) if rich else None


def rich_shown(runs: RichRuns, cell_font: str | None = None) -> str | None:
    """The text shown of rich string `runs` in a cell whose style's font is `cell_font` (a
    symbol font or None): each run in its own font, or the cell's when it names none (as
    Excel draws it), a run in a symbol font read as its symbols (`symbol_fonts.py`). None
    when no run is in a symbol font and the cell's is not one (openpyxl's flattened text is
    then what is shown)."""
    fonts = [font or cell_font for _, font in runs]
    if cell_font is None and not any(is_symbol_font(font) for font in fonts):
        return None
    return "".join(
        symbol_text(text, font) if is_symbol_font(font) else text
        for (text, _), font in zip(runs, fonts, strict=True)
    )


_SYMBOL_RUN_FONT: Final = re.compile(
    rb"rFont\s+val\s*=\s*[\"'](?:wingdings[^\"']*|webdings|symbol)\s*[\"']", re.IGNORECASE
)


def symbol_strings(
    archive: zipfile.ZipFile, cell_fonts: dict[int, str] | None = None
) -> dict[int, RichRuns]:
    """Shared string index -> runs (`rich_runs`), for the rich shared strings that may show
    symbols: some run names a symbol font, or the workbook has cell styles in a symbol font
    (`cell_fonts`), in which a run naming no font takes its cell's and one naming an
    ordinary font stays text. The part is first
    scanned as bytes for a symbol run font when no cell style has one, so a workbook without
    either is not parsed a second time (openpyxl reads it too); then streamed. At most
    `MAX_FORMULAS_KEPT` strings are kept (as many as a sheet notes cells), so a part of
    millions of rich strings in a workbook with a Wingdings style is not held as runs. A
    damaged part gives what was read before the damage."""
    workbook = main_part(archive, "xlsx")
    rels = relationships(archive, workbook)
    name = next((n for t, n in rels if t.endswith("/sharedStrings")), None)
    if name is None or name not in archive.namelist():
        return {}
    if not cell_fonts and not _mentions_symbol_font(archive, name):
        return {}
    found: dict[int, RichRuns] = {}
    index = 0
    with contextlib.suppress(*DAMAGED_PART_ERRORS), archive.open(name) as source:
        for _, element in _streamed(source):
            if local(element) != "si":
                continue
            runs = rich_runs(element)
            symbolic = runs is not None and (
                bool(cell_fonts) or any(is_symbol_font(f) for _, f in runs)
            )
            if runs is not None and symbolic and len(found) < MAX_FORMULAS_KEPT:
                found[index] = runs
            index += 1
            _dropped(element)
    return found


def _mentions_symbol_font(archive: zipfile.ZipFile, part: str) -> bool:
    """Whether part `part` names a symbol font as a run's font, read a megabyte at a time (a
    chunk keeps the end of the one before, so a name across two is found)."""
    tail = b""
    with contextlib.suppress(*DAMAGED_PART_ERRORS), archive.open(part) as source:
        while chunk := source.read(1 << 20):
            if _SYMBOL_RUN_FONT.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _note_merge(layout: SheetLayout, reference: str) -> None:
    """Notes merged range `reference` when it spans rows; a malformed one is ignored."""
    try:
        low_col, low_row, _, high_row = range_boundaries(reference)
    except (ValueError, TypeError):
        return
    if low_col and low_row and high_row and high_row > low_row:
        layout.merges.setdefault(low_row, []).append((low_col, high_row))


@dataclass
class CellPosition:
    """Where the cells of a sheet's XML are, counted as openpyxl counts them: a row without
    `r` follows the row before, a cell without `r` the cell before in its row (ECMA-376
    Part 1 makes both optional; some streaming writers leave them out), so a formula without
    a value is found in the row openpyxl gives."""

    row: int = 0
    column: int = 0
    current: etree._Element | None = None
    """The row element being read: cells end before their row, so a cell's row is entered
    through its parent."""

    def enter(self, row: etree._Element) -> None:
        if row is self.current:
            return
        self.current = row
        self.row = _position_number(attribute(row, "r")) or self.row + 1
        self.column = 0

    def of(self, cell: etree._Element) -> str:
        """The cell's reference ("B7"): its own `r`, else counted; "" beyond the sheet's
        last column (a hostile row of 20,000 cells)."""
        parent = cell.getparent()
        if parent is not None:
            self.enter(parent)
        own = attribute(cell, "r")
        if own:
            with contextlib.suppress(ValueError):
                self.column = coordinate_to_tuple(own)[1]
                return own
        self.column += 1
        if self.column > MAX_COLUMNS or self.row < 1:
            return ""
        return f"{get_column_letter(self.column)}{self.row}"


def _position_number(text: str | None) -> int:
    """A row's `r` ("7", or "7.0" from some writers, as openpyxl reads it); 0 if none."""
    try:
        number = float(text or 0)
    except ValueError:
        return 0
    return int(number) if number.is_integer() and number > 0 else 0


def _note_formula(
    cell: etree._Element, coordinate: str, layout: SheetLayout, shared: dict[str, Translator]
) -> None:
    """Notes the formula of `cell` (at `coordinate`, "" if unknown) when it has no value."""
    formula = next((child for child in cell if local(child) == "f"), None)
    if formula is None:
        return
    text = "=" + (formula.text or "")
    index = attribute(formula, "si")
    array = (attribute(formula, "ref") or "") if attribute(formula, "t") == "array" else ""
    if attribute(formula, "t") == "shared" and index is not None and coordinate:
        # A shared formula's text is on its first cell only; the others translate it.
        if formula.text:
            shared[index] = Translator(text, origin=coordinate)
        elif index in shared:
            text = shared[index].translate_formula(coordinate)
    value = next((child for child in cell if local(child) in ("v", "is")), None)
    cached = "".join(value.itertext()) if value is not None else ""
    if not cached and value is not None and attribute(cell, "t") == "str":
        # An empty text result (`=IF(A2="","",A2)`), as Excel and LibreOffice save it:
        # `t="str"` and an empty `<v/>`. A formula never calculated has no typed value.
        return
    if not cached:
        _without_value(layout, coordinate, text, array)
    elif layout.never_calculated and cached == "0" and attribute(cell, "t") in {None, "n"}:
        layout.zero_count += 1
        if len(layout.zeros) < MAX_FORMULAS_KEPT:
            layout.zeros.append((coordinate, text, array))
    else:
        layout.calculated = True


def formula_shown(text: str) -> str:
    """A formula as Excel's formula bar shows it: without the prefixes the file format adds to
    functions newer than Excel 2007 (`_xlfn.XLOOKUP`, `_xlfn._xlws.FILTER`), to LAMBDA and
    LET parameters (`_xlpm.x`) and to functions Excel does not know (`_xludf.`), which
    [MS-XLSX]'s formula grammar stores and Excel never shows; string literals ("...",
    quotes doubled inside) are left as written."""
    if "_xl" not in text:
        return text
    parts = text.split('"')
    # Even pieces are outside string literals; a doubled quote yields an empty odd piece.
    return '"'.join(
        _STORAGE_PREFIX.sub("", part) if i % 2 == 0 else part for i, part in enumerate(parts)
    )


def _without_value(layout: SheetLayout, coordinate: str, text: str, array: str = "") -> None:
    """Notes a formula without a value at `coordinate`; `array`: the range of the array
    formula it starts (`C3:C5`), whose other cells then show nothing either, not the
    writer's placeholder `0` each holds."""
    layout.formula_count += 1
    if not coordinate:
        return
    if len(layout.formulas) < MAX_FORMULAS_KEPT:
        layout.formulas[coordinate_to_tuple(coordinate)] = formula_shown(text)
    if len(layout.first_formulas) < FORMULAS_NAMED:
        layout.first_formulas.append(coordinate)
    if array:
        _blank_array(layout, array, coordinate_to_tuple(coordinate))


def _blank_array(layout: SheetLayout, array: str, first: tuple[int, int]) -> None:
    """The cells of array formula range `array` other than its `first` as showing nothing,
    for a range of at most `MAX_ARRAY_CELLS` (a hostile `A1:XFD1048576` is left alone), and
    at most `MAX_FORMULAS_KEPT` cells over the sheet's arrays."""
    try:
        low_col, low_row, high_col, high_row = range_boundaries(array)
    except (ValueError, TypeError):
        return
    if low_col is None or low_row is None or high_col is None or high_row is None:
        return  # a whole row or column ("C:C"): not a range a formula fills
    size = (high_row - low_row + 1) * (high_col - low_col + 1)
    if size > MAX_ARRAY_CELLS or layout.array_cells + size > MAX_FORMULAS_KEPT:
        return
    # Counted per range, not per new cell: a hostile sheet's thousands of arrays over one
    # range would each walk it again.
    layout.array_cells += size
    for row in range(low_row, high_row + 1):
        for column in range(low_col, high_col + 1):
            if (row, column) != first and len(layout.formulas) < MAX_FORMULAS_KEPT:
                layout.formulas.setdefault((row, column), "")


_ISO_DATE: Final = "yyyy-mm-dd"
EXCEL_BUILTIN_FORMATS: Final = {
    22: "m/d/yyyy h:mm",
    47: "mm:ss.0",
    **dict.fromkeys((27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58), _ISO_DATE),
    32: "h:mm",
    33: "h:mm:ss",
    **dict.fromkeys((34, 35, 55, 56), f"{_ISO_DATE} h:mm"),
}
"""Built-in formats Excel shows otherwise than ECMA-376 lists them (and openpyxl names them,
`m/d/yy h:mm`, `mmss.0`): [MS-OI29500] §2.1.712 (Part 1 §18.8.30, numFmt), "Excel defines
built-in format ID ... 22: "m/d/yyyy h:mm"; ... 47: "mm:ss.0"" (en-US). Format 14 is the
reader's short date and stays ISO (`number_formats.BUILTIN_LOCALE_DATE`). The East Asian
built-ins (27-36, 50-58: dates in era, `yyyy"年"m"月"d"日"`, times in `h"時"mm"分"`), which
openpyxl reads as General (a date became its serial, `46095`), read as ISO dates and times:
their codes differ by the reader's language (34 is a month in Japanese, a time in Chinese), so
they show both parts."""


def builtin_styles(archive: zipfile.ZipFile) -> dict[int, str]:
    """Cell style index -> the code Excel shows, for the cell styles (`cellXfs`) naming a
    built-in format of `EXCEL_BUILTIN_FORMATS` the workbook does not define itself. Read
    from the styles part, since openpyxl maps a workbook's own `m/d/yy h:mm` (id 164) to
    built-in 22 and the two can no longer be told apart from the cell."""
    workbook = main_part(archive, "xlsx")
    name = next((n for t, n in relationships(archive, workbook) if t.endswith("/styles")), None)
    if name is None or name not in archive.namelist():
        return {}
    defined: set[str] = set()
    formats: list[str] = []
    try:
        root = read_xml(archive, name)
    except DAMAGED_PART_ERRORS:
        return {}  # named by `opened_workbook`: openpyxl refused it too
    for element in root.iter():
        if local(element) == "numFmt":
            defined.add(attribute(element, "numFmtId") or "")
        elif local(element) == "xf":
            parent = element.getparent()
            if parent is not None and local(parent) == "cellXfs":
                formats.append(attribute(element, "numFmtId") or "0")
    return {
        index: EXCEL_BUILTIN_FORMATS[int(format_id)]
        for index, format_id in enumerate(formats)
        if format_id.isdigit()
        and int(format_id) in EXCEL_BUILTIN_FORMATS
        and format_id not in defined
    }


def symbol_styles(archive: zipfile.ZipFile) -> dict[int, str]:
    """Cell style index -> its font, for the cell styles (`cellXfs`) whose font is a symbol
    font (Wingdings, Webdings, Symbol: `symbol_fonts.py`): a battlecard's check and cross
    are `ü` and `û` in Wingdings. Read from the styles part, so that cells are looked up
    only when a workbook has such a style."""
    workbook = main_part(archive, "xlsx")
    name = next((n for t, n in relationships(archive, workbook) if t.endswith("/styles")), None)
    if name is None or name not in archive.namelist():
        return {}
    fonts: list[str] = []
    found: dict[int, str] = {}
    index = 0
    try:
        root = read_xml(archive, name)
    except DAMAGED_PART_ERRORS:
        return {}  # named by `opened_workbook`: openpyxl refused it too
    for element in root.iter():
        parent = element.getparent()
        group = local(parent) if parent is not None else ""
        if local(element) == "font" and group == "fonts":
            face = first_child(element, "name")
            fonts.append(attribute(face, "val") or "" if face is not None else "")
        elif local(element) == "xf" and group == "cellXfs":
            font_id = number_attribute(attribute(element, "fontId"), 0)
            if 0 <= font_id < len(fonts) and is_symbol_font(fonts[font_id]):
                found[index] = fonts[font_id]
            index += 1
    return found


def _number_format(cell: Any, builtin: dict[int, str]) -> str:
    """A cell's number format, General when its style names none that exists: openpyxl
    raises for a style index beyond the stylesheet or a format id it does not define, which
    would otherwise fail the whole workbook for one cell. A built-in format is the code Excel
    shows it by (`builtin`, from `builtin_styles`)."""
    try:
        shown = builtin.get(getattr(cell, "_style_id", -1)) if builtin else None
        return shown or str(getattr(cell, "number_format", GENERAL) or GENERAL)
    except (IndexError, KeyError, TypeError, ValueError):
        return GENERAL


def _row_texts(
    rows: Iterator[tuple[Any, ...]],
    layout: SheetLayout,
    builtin: dict[int, str],
    symbols: dict[int, str] | None = None,
) -> Iterator[list[str]]:
    """Each row's cell texts as shown, with formula texts for formulas without a value and a
    merged range's value carried down the rows it spans."""
    carried: dict[int, tuple[int, str]] = {}  # column -> (last row, text)
    for number, cells in enumerate(rows, start=1):
        row = []
        for column, cell in enumerate(cells, start=1):
            value = getattr(cell, "value", None)
            if (number, column) in layout.formulas:  # only formulas without a true value
                row.append(layout.formulas[number, column])
                continue
            if (number, column) in layout.symbol_texts:  # rich text with symbol-font runs
                text = layout.symbol_texts[number, column]
                row.append(shown_text(text, _number_format(cell, builtin)))
                continue
            shown = shown_text(value, _number_format(cell, builtin))
            font = symbols.get(getattr(cell, "_style_id", -1)) if symbols else None
            row.append(symbol_text(shown, font) if font and isinstance(value, str) else shown)
        for column, last_row in layout.merges.get(number, ()):
            if column <= len(row) and row[column - 1].strip():
                carried[column] = (last_row, row[column - 1])
        for column, (last_row, text) in list(carried.items()):
            if number > last_row:
                del carried[column]
                continue
            if len(row) < column:
                row.extend([""] * (column - len(row)))
            if not row[column - 1].strip():
                row[column - 1] = text
        yield row


def drawing_text(archive: zipfile.ZipFile, part: str) -> str:
    """The text of what is drawn on the sheet or chart sheet part `part` (its drawing parts),
    in drawing order: text boxes, shapes and grouped shapes (`txBody`, one paragraph a line),
    charts (`c:chart`, `cx:chart`: titles, axis titles, series, as on slides) and SmartArt
    (`dgm:relIds`: its data model, parents first). A shape's `mc:Fallback` copy is not read
    twice. Then the form controls' captions and legacy text boxes of its VML drawing
    (`legacy_drawing.py`), each in the place of its DrawingML copy when it has one."""
    lines: list[str] = []
    names = set(archive.namelist())
    legacy = legacy_shapes(archive, part)
    for rel_type, name in relationships(archive, part):
        if rel_type.endswith("/drawing") and name in names:
            charts = relationships_by_id(archive, name)
            _drawn(archive, names, read_xml(archive, name), charts, lines, legacy)
    lines.extend(legacy.values())
    return "\n".join(lines)


def _drawn(
    archive: zipfile.ZipFile,
    names: set[str],
    root: etree._Element,
    charts: dict[str, tuple[str, str]],
    lines: list[str],
    legacy: dict[str, str],
) -> None:
    """Adds to `lines` the text drawn in drawing `root`; a shape that is the DrawingML copy
    of a VML shape of `legacy` (`a14:compatExt spid`, a form control) is read as that shape,
    taken out of `legacy`."""
    # An explicit stack: a hostile drawing may nest groups deeply; and each chart or SmartArt
    # part is read once, however many frames name it.
    stack = [root]
    read: set[str] = set()
    while stack:
        element = stack.pop()
        name = local(element)
        if name == "Fallback":
            continue
        if name == "sp" and legacy:
            twin = next((e for e in element.iter() if local(e) == "compatExt"), None)
            spid = (attribute(twin, "spid") or "") if twin is not None else ""
            if spid in legacy:
                lines.append(legacy.pop(spid))
                continue
        if name == "txBody":
            lines.extend(text.strip() for text in paragraphs(element))
            continue
        if name == "chart":
            rel_type, target = charts.get(relationship_id(element, "id"), ("", ""))
            named = rel_type.endswith(("/chart", "/chartEx")) and target in names
            if named and target not in read:
                read.add(target)
                lines.extend(chart_lines(archive, target))
            continue
        if name == "relIds":
            # SmartArt, read once however many frames name its data model.
            _, model = charts.get(relationship_id(element, "dm"), ("", ""))
            if model in names and model not in read:
                read.add(model)
                lines.extend(t.strip() for t in drawing_smartart_lines(archive, charts, element))
            continue
        stack.extend(reversed(element))


def comment_text(archive: zipfile.ZipFile, part: str) -> str:
    """The comments on the cells of the sheet part `part`, "B2: text" a line: threaded
    comments (Excel 365, replies after their comment) and notes (the legacy comments part).
    Excel writes a legacy copy of each threaded comment, prefixed "[Threaded comment] Your
    version of Excel...": a note on a cell that has a thread is that copy and is not read."""
    threads: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    names = set(archive.namelist())
    for rel_type, name in relationships(archive, part):
        if name not in names:
            continue
        if rel_type.endswith("/threadedComment"):
            threads.extend(_comments(archive, name, "threadedComment"))
        elif rel_type.endswith("/comments"):
            notes.extend(_comments(archive, name, "comment"))
    threaded = {ref for ref, _ in threads}
    lines = [*threads, *((ref, text) for ref, text in notes if ref not in threaded)]
    return "\n".join(f"{ref}: {unescaped(text).strip()}" for ref, text in lines if text.strip())


def _comments(archive: zipfile.ZipFile, part: str, tag: str) -> Iterator[tuple[str, str]]:
    """(cell, text) of each `tag` element of the comments part `part` (a note's runs, a
    threaded comment's `text`), streamed: each comment is dropped once read, since a comments
    part may be as large as the package allows. Phonetic guides (`rPh`) are not text."""
    with archive.open(part) as source:
        for _, element in _streamed(source):
            if local(element) != tag:
                continue
            body = first_child(element, "text") if tag == "threadedComment" else None
            text = "".join(
                body.itertext()
                if body is not None
                else (
                    t.text or ""
                    for t in element.iter()
                    if local(t) == "t" and not any(local(a) == "rPh" for a in t.iterancestors())
                )
            )
            yield attribute(element, "ref") or "", text
            _dropped(element)


def _streamed(source: IO[bytes]) -> Iterator[tuple[str, etree._Element]]:
    """The project's safe XML reading (no DTD, no entities, no network), element by element."""
    return etree.iterparse(
        source,
        events=("end",),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
    )


def _dropped(element: etree._Element) -> None:
    """Frees a streamed element once read, with the siblings read before it (the parser keeps
    every element it built under their parent until then)."""
    element.clear()
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


def chart_sheet_parts(archive: zipfile.ZipFile) -> dict[str, tuple[str, bool]]:
    """Sheet name -> (part, hidden) of each chart sheet (a sheet that is one chart, no cells),
    from the workbook part's sheet list (openpyxl reads no chart sheet's state)."""
    workbook = main_part(archive, "xlsx")
    rels = relationships_by_id(archive, workbook)
    parts = {}
    for sheet in read_xml(archive, workbook).iter():
        if local(sheet) != "sheet":
            continue
        rel_type, name = rels.get(relationship_id(sheet, "id"), ("", ""))
        if rel_type.endswith("/chartsheet"):
            hidden = attribute(sheet, "state") in HIDDEN_STATES
            parts[attribute(sheet, "name") or ""] = (name, hidden)
    return parts


def _formula_warning(count: int, cells: list[str]) -> IngestWarning:
    named = ", ".join(cells)
    return IngestWarning(
        "formula_without_value",
        f"{count} formula{'s' if count != 1 else ''} had no value saved (the workbook was "
        f"not recalculated in Excel before it was saved); the formula text was indexed "
        f"instead: {named}.",
    )


def _chart_sheet_sections(
    archive: zipfile.ZipFile,
    title: str,
    chart_sheets: dict[str, tuple[str, bool]],
    damaged: list[str],
) -> Iterator[Section]:
    """A chart sheet: no cells, one chart (its title, axes, series), and its printed header
    and footer. A damaged chart sheet, drawing or chart loses only itself, named in
    `damaged`."""
    part, hidden = chart_sheets.get(title, ("", False))
    if part not in archive.namelist():
        return
    label = " (hidden)" if hidden else ""
    try:
        root = read_xml(archive, part)
        drawn = drawing_text(archive, part)
        if not drawn and _damaged_chart(archive, part):
            damaged.append(f"the chart on chart sheet {title}")
    except DAMAGED_PART_ERRORS:
        damaged.append(f"the chart sheet {title}")
        return
    if drawn:
        yield Section(f"{title} (chart){label}", drawn)
    # A chart sheet prints with its own header and footer too (a small part, read whole).
    lines: list[str] = []
    for element in root.iter():
        if local(element) in _HEADER_FOOTER_KINDS:
            _add_header_footer(lines, local(element), element.text or "")
    if lines:
        yield Section(f"{title} (header/footer){label}", "\n".join(lines))


def _damaged_chart(archive: zipfile.ZipFile, part: str) -> bool:
    """Whether a chart drawn on sheet `part` is damaged (its part is not XML, its entry
    broken), which `chart_lines` reads as no text."""
    names = set(archive.namelist())
    for rel_type, drawing in relationships(archive, part):
        if not rel_type.endswith("/drawing") or drawing not in names:
            continue
        for chart_type, chart in relationships(archive, drawing):
            if chart_type.endswith(("/chart", "/chartEx")) and chart in names:
                try:
                    read_xml(archive, chart)
                except DAMAGED_PART_ERRORS:
                    return True
    return False


def _until_malformed(
    rows: Iterator[tuple[Any, ...]], stopped: list[int]
) -> Iterator[tuple[Any, ...]]:
    """`rows` until openpyxl fails on a malformed cell (a shared string index beyond the
    table, a number that is not one), which ends its row stream: the rows before are kept,
    and `stopped` gets the last row read, for a warning, instead of the whole workbook
    failing. Memory errors still fail the parse."""
    number = 0
    try:
        for number, row in enumerate(rows, start=1):  # noqa: B007  (read after the loop)
            yield row
    except MemoryError:
        raise
    except Exception:
        stopped.append(number)


def _worksheet_sections(
    archive: zipfile.ZipFile,
    sheet: Any,
    part: str,
    layout: SheetLayout,
    builtin: dict[int, str] | None = None,
    damaged: list[str] | None = None,
    symbols: dict[int, str] | None = None,
) -> Iterator[Section | IngestWarning]:
    """A worksheet's rows, then what is drawn on it, the comments on its cells and its
    printed headers and footers; a `sheet_partly_read` warning when a malformed cell stopped
    its rows. `builtin`: the cell styles Excel shows by its own built-in codes; `symbols`: the
    cell styles set in a symbol font (`symbol_styles`). A damaged
    drawing or comments part is left out and named in `damaged`."""
    damaged = [] if damaged is None else damaged
    label = " (hidden)" if sheet.sheet_state in HIDDEN_STATES else ""
    # The stored <dimension> may lie ("A1" for a full sheet): read every row.
    sheet.reset_dimensions()
    stopped: list[int] = []
    rows = _until_malformed(sheet.iter_rows(min_row=1), stopped)
    yield from _sheet_sections(sheet.title, _row_texts(rows, layout, builtin or {}, symbols), label)
    if stopped:
        yield IngestWarning(
            "sheet_partly_read",
            f"Sheet {sheet.title} could be read only to row {stopped[0]}: a cell after it is "
            "malformed (the workbook was damaged or written wrongly); the rest of the sheet "
            "is not searchable.",
        )
    if part:
        try:
            drawn = drawing_text(archive, part)
        except DAMAGED_PART_ERRORS:
            drawn = ""
            damaged.append(f"the drawing on sheet {sheet.title}")
        if drawn:
            yield Section(f"{sheet.title} (drawing){label}", drawn)
        try:
            comments = comment_text(archive, part)
        except DAMAGED_PART_ERRORS:
            comments = ""
            damaged.append(f"the comments on sheet {sheet.title}")
        if comments:
            yield Section(f"{sheet.title} (comments){label}", comments)
    if layout.headers_footers:
        # Printed on every page, read once: "Confidential - prices valid until 30 June".
        text = "\n".join(layout.headers_footers)
        yield Section(f"{sheet.title} (header/footer){label}", text)


def parse_xlsx(path: str, limits: ParseLimits) -> Iterator[Section | IngestWarning]:
    check_package(path, "xlsx", limits)
    with ExitStack() as resources:
        archive, workbook, damaged = opened_workbook(path, resources)
        try:
            # Worksheets and chart sheets, in the workbook's order. Not looked up by name:
            # two sheets of one name (Excel refuses it, other writers do not) read the
            # first sheet twice and lost the second's text. openpyxl's own list is private;
            # its public `worksheets` leaves chart sheets out, `sheetnames` goes by name.
            sheets = list(workbook._sheets)
            chart_sheets = chart_sheet_parts(archive)
            builtin = builtin_styles(archive)
            symbols = symbol_styles(archive)
            rich_symbols = symbol_strings(archive, symbols)
            calculation = getattr(workbook, "calculation", None)
            never_calculated = bool(getattr(calculation, "fullCalcOnLoad", False))
            formula_count = 0
            formula_cells: list[str] = []
            for sheet in sheets[: limits.max_pages]:
                if not hasattr(sheet, "iter_rows"):
                    yield from _chart_sheet_sections(archive, sheet.title, chart_sheets, damaged)
                    continue
                part = str(getattr(sheet, "_worksheet_path", ""))
                layout = (
                    sheet_layout(
                        archive,
                        part,
                        never_calculated=never_calculated,
                        symbol_strings=rich_symbols,
                        cell_fonts=symbols,
                    )
                    if part
                    else SheetLayout()
                )
                yield from _worksheet_sections(
                    archive, sheet, part, layout, builtin, damaged, symbols
                )
                formula_count += layout.formula_count
                formula_cells += [f"{quoted(sheet.title)}!{c}" for c in layout.first_formulas]
            if formula_count:
                yield _formula_warning(formula_count, formula_cells[:FORMULAS_NAMED])
            if damaged:
                yield parts_unreadable(damaged)
            if len(sheets) > limits.max_pages:
                yield IngestWarning(
                    "truncated",
                    f"Only the first {limits.max_pages} of {len(sheets)} sheets were indexed.",
                )
        except ParseFailure:
            raise
        except Exception:
            raise corrupt("xlsx") from None
        finally:
            workbook.close()
