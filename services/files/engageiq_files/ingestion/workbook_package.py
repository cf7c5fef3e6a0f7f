"""Opening an Excel package with openpyxl when openpyxl cannot read it as it is (decisions
0103, 0136, 0140).

openpyxl is used for one thing: streaming each worksheet's cells with their number formats.
But on opening it parses far more, and one damaged part of any of these fails the whole
workbook: chart sheets and their drawings and charts, the workbook part's defined names,
views, pivot cache and external link lists, external link parts, the document properties
(`docProps/core.xml`, `custom.xml`), the theme, the stylesheet (any value it does not accept),
the shared strings, each worksheet's relationships, and the start of each worksheet (its
`dimension`). What we index of those parts our own readers read from the package as it is,
each losing only itself when damaged (chart sheets, drawings, comments).

So a workbook openpyxl refuses is opened again through a copy holding only what openpyxl needs
for the cells: a workbook part of the sheet list (names, states, relationships) and the two
settings values depend on (`date1904`, `fullCalcOnLoad`); a content types part naming it and
the shared strings; chart sheets as empty ones; sheets' relationships as empty lists; the
stylesheet's number formats (`plain_styles`); no document properties and no theme. A worksheet
whose start openpyxl cannot read is an empty sheet there, and shared strings that are not
well-formed XML are what a recovering parser reads of them (the lost ones empty, so every
other cell keeps its place). Those two, and a stylesheet that is not XML at all, lose text or
formats and are named in `parts_unreadable`; parts nothing of which is indexed (properties,
theme, defined names, external links) lose nothing and are not named.

Strict OOXML workbooks go through a transitional copy first (`rewritten_copy`).
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import tempfile
import zipfile
from contextlib import ExitStack
from typing import IO, Any, Final
from xml.sax.saxutils import escape, quoteattr

import openpyxl
from lxml import etree
from openpyxl.worksheet._reader import WorkSheetParser

from engageiq_files.ingestion.number_formats import GENERAL
from engageiq_files.ingestion.ooxml import (
    DAMAGED_PART_ERRORS,
    RECOVERING_PARSER,
    attribute,
    corrupt,
    declared_parts,
    local,
    main_part,
    read_xml,
    related_main_part,
    relationship_id,
    relationships,
    relationships_by_id,
)
from engageiq_files.ingestion.sections import ParseFailure

_MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES: Final = "http://schemas.openxmlformats.org/package/2006/content-types"
_WORKBOOK_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_STRINGS_TYPE: Final = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
_STRICT_NAMESPACE: Final = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
_TRANSITIONAL_NAMESPACE: Final = _MAIN.encode()
_STRICT_URI: Final = re.compile(rb"http://purl\.oclc\.org/ooxml/(\w+)/")
_TRANSITIONAL_URI: Final = rb"http://schemas.openxmlformats.org/\1/2006/"
"""Strict OOXML's namespaces and relationship types: `.../ooxml/<area>/<name>` is the
transitional `http://schemas.openxmlformats.org/<area>/2006/<name>` (ECMA-376 Part 1, §A)."""
_UNREAD_BY_US: Final = ("docProps/core.xml", "docProps/custom.xml")
"""Parts openpyxl parses on opening that nothing is indexed from."""
_SHEET_STATES: Final = frozenset({"visible", "hidden", "veryHidden"})
_FORMAT_ID: Final = re.compile("[0-9]{1,9}")
_INDEX: Final = re.compile(r"\s*[0-9]{1,9}\s*")
_TRUE: Final = frozenset({"1", "true", "on"})
MAX_RECOVERED_STRINGS: Final = 1_048_576
"""Shared strings kept in place when their part is damaged (as far as the highest one a cell
names, at most this): a cell naming string 10^9 must not build a billion empty strings."""


def is_strict(archive: zipfile.ZipFile) -> bool:
    """Whether the workbook is Strict OOXML (ISO namespaces), which openpyxl cannot read: its
    workbook part says so, or, when that is damaged, its first worksheet."""
    start = _start(archive, main_part(archive, "xlsx"))
    if _STRICT_NAMESPACE not in start and _TRANSITIONAL_NAMESPACE not in start:
        sheets = _worksheet_parts(archive)
        start = _start(archive, sheets[0]) if sheets else b""
    return _STRICT_NAMESPACE in start


def _start(archive: zipfile.ZipFile, part: str) -> bytes:
    """The first 4 KB of `part`, empty when it cannot be read."""
    with contextlib.suppress(*DAMAGED_PART_ERRORS), archive.open(part) as source:
        return source.read(4096)
    return b""


def opened_workbook(path: str, resources: ExitStack) -> tuple[zipfile.ZipFile, Any, list[str]]:
    """(package, openpyxl read-only workbook, damaged parts) of the workbook at `path`.
    The package is what our own readers read (a transitional copy of a Strict workbook); the
    workbook may be opened from a copy without the parts openpyxl refused (see the module's
    docstring), and `damaged` then names what that lost ("the sheet Pricing", "the cell
    formats", "the text of some cells", "the sheet names"). A damaged package relationships
    part, workbook part or workbook relationships part is repaired first
    (`repaired_skeleton`). Raises ParseFailure `corrupt_xlsx` when the package cannot be read
    or has no worksheet."""
    # A file object, not the path: openpyxl refuses paths without an Excel extension, and the
    # worker's temporary file has none (the kind was sniffed from the content).
    stream: IO[bytes] = resources.enter_context(open(path, "rb"))  # noqa: SIM115  (closed by resources)
    archive = resources.enter_context(zipfile.ZipFile(stream))
    try:
        if is_strict(archive):
            stream = resources.enter_context(rewritten_copy(archive, {}, transitional=True))
            archive = resources.enter_context(zipfile.ZipFile(stream))
        skeleton, lost = repaired_skeleton(archive)
        if skeleton:
            # Every reader, ours and openpyxl, reads the repaired package from here on.
            stream = resources.enter_context(rewritten_copy(archive, skeleton, transitional=False))
            archive = resources.enter_context(zipfile.ZipFile(stream))
        try:
            missing = lost + missing_sheets(archive)
        except DAMAGED_PART_ERRORS:
            missing = []  # then openpyxl fails too, and `salvaged_parts` says why
        try:
            return archive, _loaded(stream), missing
        except MemoryError:
            raise
        except Exception:  # noqa: S110  (whatever openpyxl raised: read what it needs)
            pass
        replaced, damaged = salvaged_parts(archive)
        copy = resources.enter_context(rewritten_copy(archive, replaced, transitional=False))
        return archive, _loaded(copy), missing + damaged
    except MemoryError:
        raise
    except Exception:
        raise corrupt("xlsx") from None


_WORKSHEET_TYPE: Final = "spreadsheetml.worksheet+xml"
_CHARTSHEET_TYPE: Final = "spreadsheetml.chartsheet+xml"
_STYLES_TYPE: Final = "spreadsheetml.styles+xml"
_CONVENTIONAL_WORKSHEET: Final = re.compile(r"xl/worksheets/[^/]+\.xml")
_CONVENTIONAL_CHARTSHEET: Final = re.compile(r"xl/chartsheets/[^/]+\.xml")
_DIGITS: Final = re.compile(r"([0-9]+)")


def _natural(name: str) -> tuple[tuple[int, str], ...]:
    """A part name's sort key with its numbers as numbers: sheet2 before sheet10."""
    return tuple(
        (int(piece), "") if piece.isdigit() and len(piece) < 10 else (-1, piece)
        for piece in _DIGITS.split(name)
    )


def _found_parts(
    archive: zipfile.ZipFile, content_type: str, conventional: re.Pattern[str]
) -> list[str]:
    """The parts the content types declare of `content_type`, and those named as Excel names
    such parts (`conventional`), present, once each, in their names' natural order."""
    names = set(archive.namelist())
    found = {n for n in declared_parts(archive, content_type, "xl/") if n in names}
    found |= {n for n in names if conventional.fullmatch(n)}
    return sorted(found, key=_natural)


def _worksheet_parts(archive: zipfile.ZipFile) -> list[str]:
    return _found_parts(archive, _WORKSHEET_TYPE, _CONVENTIONAL_WORKSHEET)


def repaired_skeleton(archive: zipfile.ZipFile) -> tuple[dict[str, bytes | None], list[str]]:
    """({part: its repaired content, None to leave it out}, what is lost) when the parts that
    list the sheets are damaged (decision 0143): the package relationships (`_rels/.rels`),
    the workbook part or its relationships; ({}, []) when they can be read.

    Without them openpyxl has no sheet to read. The worksheets (and chart sheets) are then
    found through the workbook relationships when those can be read, else through the content
    types and the names Excel gives them (`xl/worksheets/sheet1.xml`), and read in their
    names' natural order. Their names are what can be read of the workbook part (through a
    recovering parser: a part cut short keeps its sheet list), matched to the relationships
    by id, or without them by position when as many names as sheets were read and none is a
    chart sheet (every writer numbers the parts in the workbook's order); else "Sheet 1",
    "Sheet 2"...: then "the sheet names" are lost. The styles and shared
    strings are found likewise. A broken entry is left out of the repair (its sheet is then
    named by `missing_sheets`). A damaged package relationships part alone loses nothing."""
    names = set(archive.namelist())
    try:
        workbook, package_damaged = related_main_part(archive), False
    except (*DAMAGED_PART_ERRORS, ParseFailure):
        try:
            workbook, package_damaged = main_part(archive, "xlsx"), True
        except ParseFailure:
            workbook, package_damaged = _WORKBOOK, True
    try:
        root: etree._Element | None = read_xml(archive, workbook)
    except DAMAGED_PART_ERRORS:
        root = None
    try:
        rels: dict[str, tuple[str, str]] | None = relationships_by_id(archive, workbook)
        if not rels or _rels_name(workbook) not in names:
            rels = None  # no relationships at all: no sheet can be found through them
    except DAMAGED_PART_ERRORS:
        rels = None
    if root is not None and rels is not None:
        if not package_damaged:
            return {}, []
        return {"_rels/.rels": _package_rels(workbook)}, []
    broken = _broken_entries(archive)
    if root is None:
        # A workbook part cut short or otherwise not XML: what a recovering parser reads of
        # it (the sheet list comes early, before defined names and calculation settings).
        root = _recovered_workbook(archive, workbook)
    listed = [
        (attribute(e, "name") or "", relationship_id(e, "id"))
        for e in (root.iter() if root is not None else ())
        if local(e) == "sheet"
    ]
    if rels is not None:
        sheets = _related_sheets(rels, listed, names)
        styles = next((n for t, n in rels.values() if t.endswith("/styles")), None)
        shared = next((n for t, n in rels.values() if t.endswith("/sharedStrings")), None)
    else:
        worksheets = _worksheet_parts(archive)
        charts = _found_parts(archive, _CHARTSHEET_TYPE, _CONVENTIONAL_CHARTSHEET)
        found = [*((n, "worksheet") for n in worksheets), *((n, "chartsheet") for n in charts)]
        # Matched by position only when nothing can shift it: as many names as sheets, and
        # no chart sheet whose place among them is unknown.
        by_position = len(listed) == len(found) and not charts
        sheets = [
            (part, kind, listed[index][0] if by_position else "")
            for index, (part, kind) in enumerate(found)
        ]
        styles = _first_found(archive, _STYLES_TYPE, "xl/styles.xml")
        shared = _first_found(archive, "sharedStrings+xml", "xl/sharedStrings.xml")
    if not sheets:
        raise corrupt("xlsx")
    lost = [] if all(title for _, _, title in sheets) else ["the sheet names"]
    titles = [title or f"Sheet {number}" for number, (_, _, title) in enumerate(sheets, start=1)]
    replaced: dict[str, bytes | None] = {name: None for name in broken}
    replaced[workbook] = _listed_workbook(root, titles)
    replaced[_rels_name(workbook)] = _workbook_rels(
        [(part, kind) for part, kind, _ in sheets], styles, shared
    )
    replaced["_rels/.rels"] = _package_rels(workbook)
    replaced["[Content_Types].xml"] = _content_types(workbook, shared if shared in names else None)
    return replaced, lost


_WORKBOOK: Final = "xl/workbook.xml"


def _recovered_workbook(archive: zipfile.ZipFile, workbook: str) -> etree._Element | None:
    """What a recovering parser reads of the damaged workbook part, None when nothing."""
    try:
        with archive.open(workbook) as source:
            return etree.fromstring(source.read(), RECOVERING_PARSER)
    except DAMAGED_PART_ERRORS:
        return None


def _related_sheets(
    rels: dict[str, tuple[str, str]], listed: list[tuple[str, str]], names: set[str]
) -> list[tuple[str, str, str]]:
    """(part, "worksheet" or "chartsheet", name or "") of the sheets the workbook
    relationships name: first those the (recovered) sheet list names, in its order and with
    its names, then the rest, worksheets then chart sheets, in their parts' natural order."""
    kinds = {
        part: kind
        for rel_type, part in rels.values()
        for kind in ("worksheet", "chartsheet")
        if rel_type.endswith(f"/{kind}") and part in names
    }
    sheets: list[tuple[str, str, str]] = []
    for title, rel_id in listed:
        part = rels.get(rel_id, ("", ""))[1]
        if part in kinds:
            sheets.append((part, kinds.pop(part), title))
    rest = sorted(kinds.items(), key=lambda item: (item[1] != "worksheet", _natural(item[0])))
    return sheets + [(part, kind, "") for part, kind in rest]


def _first_found(archive: zipfile.ZipFile, content_type: str, conventional: str) -> str | None:
    names = set(archive.namelist())
    declared = [n for n in declared_parts(archive, content_type, "xl/") if n in names]
    return declared[0] if declared else (conventional if conventional in names else None)


def _package_rels(workbook: str) -> bytes:
    return (
        f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{_RELS}/officeDocument" Target={quoteattr("/" + workbook)}/></Relationships>'
    ).encode()


def _workbook_rels(sheets: list[tuple[str, str]], styles: str | None, shared: str | None) -> bytes:
    """Workbook relationships of `sheets` ((part, "worksheet" or "chartsheet"), as rId1...),
    the styles and the shared strings, by absolute names."""
    related = [(part, kind) for part, kind in sheets]
    related += [(styles, "styles")] if styles else []
    related += [(shared, "sharedStrings")] if shared else []
    return (
        f'<Relationships xmlns="{_PACKAGE_RELS}">'
        + "".join(
            f'<Relationship Id="rId{number}" Type="{_RELS}/{kind}" Target={quoteattr("/" + part)}/>'
            for number, (part, kind) in enumerate(related, start=1)
        )
        + "</Relationships>"
    ).encode()


def _listed_workbook(root: etree._Element | None, titles: list[str]) -> bytes:
    """A workbook part listing `titles` as sheets rId1... (`_workbook_rels`'s order), with the
    settings of the damaged part `root` when it can be read."""
    sheets = [
        etree.Element(f"{{{_MAIN}}}sheet", {"name": title, f"{{{_RELS}}}id": f"rId{number}"})
        for number, title in enumerate(titles, start=1)
    ]
    return _plain_workbook(
        root if root is not None else etree.Element(f"{{{_MAIN}}}workbook"), sheets
    )


def missing_sheets(archive: zipfile.ZipFile) -> list[str]:
    """What is lost of the sheets the workbook lists whose part is not in the package (a
    target outside it, `../../etc/passwd`, or a part left out): "the sheet Notes", "the chart
    sheet Summary". openpyxl leaves them out without a word, as if the workbook had no such
    sheet. Raises what reading the workbook part or its relationships raises."""
    workbook = main_part(archive, "xlsx")
    rels = relationships_by_id(archive, workbook)
    names = set(archive.namelist())
    missing = []
    for sheet in (e for e in read_xml(archive, workbook).iter() if local(e) == "sheet"):
        rel_type, part = rels.get(relationship_id(sheet, "id"), ("", ""))
        if part not in names:
            chart = "chart " if rel_type.endswith("/chartsheet") else ""
            missing.append(f"the {chart}sheet {attribute(sheet, 'name') or ''}")
    return missing


def _loaded(stream: IO[bytes]) -> Any:
    # External links are other workbooks' cached cells, never indexed: not parsed at all.
    stream.seek(0)
    return openpyxl.load_workbook(stream, read_only=True, data_only=True, keep_links=False)


def salvaged_parts(archive: zipfile.ZipFile) -> tuple[dict[str, bytes | None], list[str]]:
    """({part: its content in the copy openpyxl opens, None to leave it out}, what is lost)
    for a workbook openpyxl refused (the module's docstring). Raises what reading the workbook
    part or its relationships raises: without them there is no sheet to read."""
    workbook = main_part(archive, "xlsx")
    root = read_xml(archive, workbook)
    rels = relationships_by_id(archive, workbook)
    names = set(archive.namelist())
    replaced: dict[str, bytes | None] = {}
    damaged: list[str] = []
    sheets = [e for e in root.iter() if local(e) == "sheet"]
    worksheets: list[str] = []
    replaced[workbook] = _plain_workbook(root, sheets)
    shared = next(
        (n for t, n in rels.values() if t.endswith("/sharedStrings") and n in names), None
    )
    replaced["[Content_Types].xml"] = _content_types(workbook, shared)
    broken = _broken_entries(archive)
    for sheet in sheets:
        rel_type, part = rels.get(relationship_id(sheet, "id"), ("", ""))
        if part not in names:
            continue  # named by `missing_sheets`
        replaced[_rels_name(part)] = _EMPTY_RELATIONSHIPS
        if rel_type.endswith("/chartsheet"):
            replaced[part] = f'<chartsheet xmlns="{_MAIN}"/>'.encode()
        elif part in broken or not _start_readable(archive, part):
            replaced[part] = f'<worksheet xmlns="{_MAIN}"><sheetData/></worksheet>'.encode()
            damaged.append(f"the sheet {attribute(sheet, 'name') or ''}")
        else:
            worksheets.append(part)
    try:
        if _styles_part(archive) in broken:
            raise zipfile.BadZipFile("the styles part's entry is broken")
        replaced.update(plain_styles(archive))
    except DAMAGED_PART_ERRORS:
        styles = _styles_part(archive)
        if styles:
            replaced[styles] = None
            damaged.append("the cell formats")
    if shared is not None and (shared in broken or not _well_formed(archive, shared)):
        replaced[shared] = _recovered_strings(archive, shared, _strings_used(archive, worksheets))
        damaged.append("the text of some cells")
    for name in names:
        if name in _UNREAD_BY_US or name.startswith("xl/theme/"):
            replaced[name] = None
    for name in broken - replaced.keys():
        # Not to be copied; our own readers of it (drawings, comments, charts) name it.
        replaced[name] = None
    return replaced, damaged


def _broken_entries(archive: zipfile.ZipFile) -> set[str]:
    """The package's entries that cannot be read through (a bad checksum, a damaged deflate
    stream): a copy of them cannot be written. Every entry is read, a megabyte at a time."""
    broken = set()
    for item in archive.infolist():
        try:
            with archive.open(item) as source:
                while source.read(1 << 20):
                    pass
        except DAMAGED_PART_ERRORS:
            broken.add(item.filename)
    return broken


_EMPTY_RELATIONSHIPS: Final = f'<Relationships xmlns="{_PACKAGE_RELS}"/>'.encode()


def _rels_name(part: str) -> str:
    folder, _, base = part.rpartition("/")
    return posixpath.join(folder, "_rels", f"{base}.rels")


def _plain_workbook(root: etree._Element, sheets: list[etree._Element]) -> bytes:
    """A workbook part of `sheets` (name, state, relationship) and the settings cells depend
    on: `date1904` (dates' epoch) and `fullCalcOnLoad` (formulas' cached zeros, `sheets.py`);
    attribute values openpyxl would refuse are left out."""
    settings = {local(e): e for e in root.iter() if local(e) in ("workbookPr", "calcPr")}
    date1904 = attribute(settings["workbookPr"], "date1904") if "workbookPr" in settings else None
    full = attribute(settings["calcPr"], "fullCalcOnLoad") if "calcPr" in settings else None
    listed = []
    for number, sheet in enumerate(sheets, start=1):
        state = attribute(sheet, "state")
        listed.append(
            f"<sheet name={quoteattr(attribute(sheet, 'name') or f'Sheet{number}')} "
            f'sheetId="{number}" r:id={quoteattr(relationship_id(sheet, "id"))}'
            + (f' state="{state}"' if state in _SHEET_STATES else "")
            + "/>"
        )
    return (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
        + ('<workbookPr date1904="1"/>' if (date1904 or "").lower() in _TRUE else "")
        + f"<sheets>{''.join(listed)}</sheets>"
        + ('<calcPr fullCalcOnLoad="1"/>' if (full or "").lower() in _TRUE else "")
        + "</workbook>"
    ).encode()


def _content_types(workbook: str, shared: str | None) -> bytes:
    """The content types openpyxl looks parts up by: the workbook's and the shared strings'
    (sheets and styles it finds by relationship and by name)."""
    overrides = [(workbook, _WORKBOOK_TYPE)] + ([(shared, _STRINGS_TYPE)] if shared else [])
    return (
        f'<Types xmlns="{_CONTENT_TYPES}"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/>'
        + "".join(
            f"<Override PartName={quoteattr('/' + n)} ContentType={quoteattr(t)}/>"
            for n, t in overrides
        )
        + "</Types>"
    ).encode()


def _start_readable(archive: zipfile.ZipFile, part: str) -> bool:
    """Whether openpyxl can read the start of worksheet `part` (up to its `dimension` or its
    cells), which it does on opening; a sheet damaged later reads up to the damage."""
    try:
        with archive.open(part) as source:
            WorkSheetParser(source, []).parse_dimensions()
    except MemoryError:
        raise
    except Exception:
        return False
    return True


def _well_formed(archive: zipfile.ZipFile, part: str) -> bool:
    try:
        with archive.open(part) as source:
            for _, element in etree.iterparse(
                source, events=("end",), resolve_entities=False, no_network=True
            ):
                element.clear()
    except DAMAGED_PART_ERRORS:
        return False
    return True


def _strings_used(archive: zipfile.ZipFile, worksheets: list[str]) -> int:
    """How many shared strings the cells of `worksheets` need (the highest index a cell
    names, plus one; at most `MAX_RECOVERED_STRINGS`), streamed; a sheet damaged part-way
    counts up to the damage."""
    used = 0
    for part in worksheets:
        with contextlib.suppress(*DAMAGED_PART_ERRORS), archive.open(part) as source:
            for _, cell in etree.iterparse(
                source, events=("end",), resolve_entities=False, no_network=True, tag="{*}c"
            ):
                if cell.get("t") == "s":
                    value = cell.findtext("{*}v") or ""
                    if _INDEX.fullmatch(value):
                        used = max(used, min(int(value) + 1, MAX_RECOVERED_STRINGS))
                cell.clear()
    return used


def _recovered_strings(archive: zipfile.ZipFile, part: str, used: int) -> bytes:
    """A shared strings part of what a recovering parser reads of the damaged `part`: each
    string's text (its runs', not its phonetic guides'), in place; strings lost to the damage
    are empty, as many as the `used` the cells name, so every cell keeps its own string and
    none stops its sheet. Not the count the part claims (`uniqueCount`): strings no cell
    names are never shown, and a 400-byte part claiming 10^9 took 14 s of padding and
    parsing a million empty strings."""
    try:
        with archive.open(part) as source:
            root = etree.fromstring(source.read(), RECOVERING_PARSER)
    except DAMAGED_PART_ERRORS:
        root = None
    items: list[str] = []
    if root is not None:
        for item in root.iter():
            if local(item) != "si" or len(items) >= MAX_RECOVERED_STRINGS:
                continue
            text = "".join(
                t.text or ""
                for t in item.iter()
                if local(t) == "t" and not any(local(a) == "rPh" for a in t.iterancestors())
            )
            items.append(text)
    items.extend([""] * (min(used, MAX_RECOVERED_STRINGS) - len(items)))
    body = "".join(f'<si><t xml:space="preserve">{escape(text)}</t></si>' for text in items)
    return f'<sst xmlns="{_MAIN}">{body}</sst>'.encode()


def _format_id(value: str | None) -> str:
    """A number format id openpyxl accepts: its digits, else General's 0."""
    return value if value and _FORMAT_ID.fullmatch(value) else "0"


def _styles_part(archive: zipfile.ZipFile) -> str | None:
    workbook = main_part(archive, "xlsx")
    return next((n for t, n in relationships(archive, workbook) if t.endswith("/styles")), None)


def rewritten_copy(
    archive: zipfile.ZipFile, replaced: dict[str, bytes | None], *, transitional: bool
) -> IO[bytes]:
    """A copy of the package (a temporary file, the caller closes it) with the `replaced`
    parts' contents swapped (None: left out, a name not in the package: added), and with
    `transitional`, every XML part's Strict namespaces
    (`http://purl.oclc.org/ooxml/spreadsheetml/main`) renamed to the transitional ones they
    stand for (`http://schemas.openxmlformats.org/spreadsheetml/2006/main`), streamed."""
    copy = tempfile.TemporaryFile()  # noqa: SIM115  (the caller closes it)
    try:
        with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as target:
            written = set()
            for item in archive.infolist():
                written.add(item.filename)
                if item.filename in replaced:
                    content = replaced[item.filename]
                    if content is not None:
                        target.writestr(item.filename, content)
                    continue
                renamed = transitional and item.filename.endswith((".xml", ".rels"))
                with archive.open(item) as source, target.open(item.filename, "w") as sink:
                    _copied(source, sink, renamed=renamed)
            for name, content in replaced.items():
                if name not in written and content is not None:
                    target.writestr(name, content)
    except BaseException:
        copy.close()
        raise
    copy.seek(0)
    return copy


def _copied(source: IO[bytes], sink: IO[bytes], *, renamed: bool) -> None:
    """`source` into `sink` a megabyte at a time, Strict namespaces renamed when `renamed`. A
    namespace is an attribute's quoted value, so a chunk is cut after its last quote (far
    enough from its end) and no name is split."""
    pending = b""
    while chunk := source.read(1 << 20):
        if not renamed:
            sink.write(chunk)
            continue
        pending += chunk
        cut = pending.rfind(b'"', 0, max(len(pending) - 256, 0)) + 1
        sink.write(_STRICT_URI.sub(_TRANSITIONAL_URI, pending[:cut]))
        pending = pending[cut:]
    sink.write(_STRICT_URI.sub(_TRANSITIONAL_URI, pending))


def plain_styles(archive: zipfile.ZipFile) -> dict[str, bytes | None]:
    """{styles part: a minimal stylesheet} keeping only what is read of the workbook's styles,
    its number formats (`numFmt`, each cell style's `numFmtId`): openpyxl refuses a whole
    workbook for a font family of 20 or an empty fill, which other writers produce and Excel
    shows. Empty when the workbook has no styles part; raises what reading a styles part that
    is not XML raises."""
    name = _styles_part(archive)
    if name is None or name not in archive.namelist():
        return {}
    original = read_xml(archive, name)
    sheet = etree.Element(f"{{{_MAIN}}}styleSheet", nsmap={None: _MAIN})
    formats = etree.SubElement(sheet, f"{{{_MAIN}}}numFmts")
    cell_formats: list[str] = []
    for element in original.iter():
        if local(element) == "numFmt":
            etree.SubElement(
                formats,
                f"{{{_MAIN}}}numFmt",
                numFmtId=_format_id(attribute(element, "numFmtId")),
                formatCode=attribute(element, "formatCode") or GENERAL,
            )
        elif local(element) == "xf":
            parent = element.getparent()
            if parent is not None and local(parent) == "cellXfs":
                cell_formats.append(_format_id(attribute(element, "numFmtId")))
    for group, child in (("fonts", "font"), ("borders", "border"), ("cellStyleXfs", "xf")):
        etree.SubElement(etree.SubElement(sheet, f"{{{_MAIN}}}{group}"), f"{{{_MAIN}}}{child}")
    fills = etree.SubElement(sheet, f"{{{_MAIN}}}fills")
    etree.SubElement(etree.SubElement(fills, f"{{{_MAIN}}}fill"), f"{{{_MAIN}}}patternFill")
    cell_xfs = etree.SubElement(sheet, f"{{{_MAIN}}}cellXfs")
    for format_id in cell_formats or ["0"]:
        etree.SubElement(cell_xfs, f"{{{_MAIN}}}xf", numFmtId=format_id, applyNumberFormat="1")
    normal = etree.SubElement(
        etree.SubElement(sheet, f"{{{_MAIN}}}cellStyles"), f"{{{_MAIN}}}cellStyle"
    )
    normal.attrib.update({"name": "Normal", "xfId": "0", "builtinId": "0"})
    return {name: etree.tostring(sheet, xml_declaration=True, encoding="UTF-8")}
