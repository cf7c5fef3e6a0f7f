"""What every Office Open XML package (docx, docm, pptx, xlsx) goes through before a parser
reads it, and the safe XML reading they share.

- The central directory is checked before any decompression: the declared sizes are what a
  decompressor would produce, so a zip bomb is refused by arithmetic (`{kind}_too_large`).
- The main part is found through the package relationships (`_rels/.rels`,
  ECMA-376 Part 2 §9.3), not a fixed name, so Strict OOXML, macro-enabled and
  template variants are read like the transitional default; when those are damaged, through
  the content types, else by its conventional name (decision 0143).
- XML parts are parsed by lxml without DTDs, entities or network access; a part that declares
  a DTD is refused (Office never writes one: it is only there to expand entities).
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from typing import Final

from lxml import etree

from engageiq_files.ingestion.sections import IngestWarning, ParseFailure, ParseLimits
from engageiq_files.ingestion.symbol_fonts import PRIVATE_SYMBOLS, is_symbol_font, symbol_text

MAX_PARTS: Final = 10_000
_PARSER: Final = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, remove_comments=True
)
RECOVERING_PARSER: Final = etree.XMLParser(
    recover=True,
    resolve_entities=False,
    load_dtd=False,
    no_network=True,
    huge_tree=False,
    remove_comments=True,
)
"""The same safe settings, reading on past what is not well-formed: a damaged part's readable
rest (shared strings cut short) and Office's HTML-like VML (decision 0140). `fromstring` with
it gives None when nothing at all is XML."""
_MAIN_FOLDER: Final = {"docx": "word/", "pptx": "ppt/", "xlsx": "xl/"}
_MAIN_NAMES: Final = {
    "docx": "word/document.xml",
    "pptx": "ppt/presentation.xml",
    "xlsx": "xl/workbook.xml",
}
"""Each kind's main part as every Office version names it, when nothing else names it."""
_CONTENT_TYPES_PART: Final = "[Content_Types].xml"
_NOT_A: Final = {
    "docx": "not_a_word_document",
    "pptx": "not_a_presentation",
    "xlsx": "not_a_workbook",
}
_NAMES: Final = {
    "docx": "Word document",
    "pptx": "PowerPoint presentation",
    "xlsx": "Excel workbook",
}
DAMAGED_PART_ERRORS: Final = (
    etree.LxmlError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
)
"""What reading a damaged part raises (not XML, a broken entry, a missing part)."""
DAMAGED_NAMED: Final = 5
OFFICE_DOCUMENT_REL: Final = "/officeDocument"
"""Relationship types end with this in both the transitional and the Strict namespaces."""


def local(element: etree._Element) -> str:
    """An element's name without its namespace: transitional and Strict OOXML differ only in
    namespace URIs, so matching by local name reads both."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def attribute(element: etree._Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace."""
    for key, value in element.attrib.items():
        if str(key).rpartition("}")[2] == name:
            return str(value)
    return None


def corrupt(kind: str) -> ParseFailure:
    return ParseFailure(f"corrupt_{kind}", f"The file is not a readable {_NAMES[kind]}.")


def check_package(path: str, kind: str, limits: ParseLimits) -> None:
    """Refuses zip bombs, non-OOXML archives and DTDs before any parser reads the package.
    Raises ParseFailure `{kind}_too_large`, `corrupt_{kind}` or `not_a_word_document` /
    `not_a_presentation` / `not_a_workbook`."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_PARTS:
                raise ParseFailure(f"{kind}_too_large", f"The {_NAMES[kind]} has too many parts.")
            expanded = sum(entry.file_size for entry in entries)
            if expanded > limits.max_docx_uncompressed_bytes:
                raise ParseFailure(
                    f"{kind}_too_large",
                    f"The {_NAMES[kind]} expands to {expanded} bytes, more than the "
                    f"{limits.max_docx_uncompressed_bytes} allowed.",
                )
            main = main_part(archive, kind)
            if not main.startswith(_MAIN_FOLDER[kind]):
                raise ParseFailure(_NOT_A[kind], f"The archive is not a {_NAMES[kind]}.")
            for entry in entries:
                if entry.filename.endswith((".xml", ".rels")):
                    if (start := _start(archive, entry)) is None:
                        continue  # a broken entry, which no reader can read through
                    if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                        raise ParseFailure(
                            f"corrupt_{kind}",
                            f"The {_NAMES[kind]} declares a DTD, which is refused.",
                        )
    except ParseFailure:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, ValueError, EOFError):
        raise corrupt(kind) from None
    except Exception:
        # zipfile and zlib raise a few other types on damaged archives (NotImplementedError
        # for unknown compression, RuntimeError for encryption): never shown to users.
        raise corrupt(kind) from None


def _start(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes | None:
    """The first 2 KB of `entry`; None when its entry is broken (a bad checksum, a damaged
    stream): every reader of it then fails too and the parsers leave that part out."""
    try:
        with archive.open(entry) as part:
            return part.read(2048)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        return None


def read_xml(archive: zipfile.ZipFile, name: str) -> etree._Element:
    with archive.open(name) as part:
        return etree.fromstring(part.read(), _PARSER)


def relationships(archive: zipfile.ZipFile, source: str) -> list[tuple[str, str]]:
    """(type, part name) of the internal relationships of part `source` ("" for the package),
    targets resolved against the source's folder."""
    folder, _, base = source.rpartition("/")
    rels_name = f"{folder + '/' if folder else ''}_rels/{base}.rels"
    if rels_name not in archive.namelist():
        return []
    found = []
    for rel in read_xml(archive, rels_name):
        if attribute(rel, "TargetMode") == "External":
            continue
        target = attribute(rel, "Target") or ""
        rel_type = attribute(rel, "Type") or ""
        name = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        found.append((rel_type, name))
    return found


def relationships_by_id(archive: zipfile.ZipFile, source: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, part name) of part `source`'s internal relationships, for
    parts that refer to others by id (`r:id`, `r:dm`), such as slides, charts and SmartArt."""
    folder, _, base = source.rpartition("/")
    rels_name = f"{folder + '/' if folder else ''}_rels/{base}.rels"
    if rels_name not in archive.namelist():
        return {}
    found = {}
    for rel in read_xml(archive, rels_name):
        if attribute(rel, "TargetMode") == "External":
            continue
        target = attribute(rel, "Target") or ""
        name = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        found[attribute(rel, "Id") or ""] = (attribute(rel, "Type") or "", name)
    return found


def main_part(archive: zipfile.ZipFile, kind: str) -> str:
    """The package's main part (`xl/workbook.xml`, `word/document.xml`...): the one the
    package relationships name (`_rels/.rels`). When those are damaged or name none present
    (decision 0143), the part the content types declare as a main part in the kind's folder
    (`declared_parts`), else the kind's conventional name. Raises ParseFailure
    `not_a_workbook` (`not_a_word_document`, `not_a_presentation`) when there is none."""
    try:
        return related_main_part(archive)
    except (*DAMAGED_PART_ERRORS, ParseFailure):
        pass
    folder = _MAIN_FOLDER[kind]
    for name in (*declared_parts(archive, "main+xml", folder), _MAIN_NAMES[kind]):
        if name in archive.namelist():
            return name
    raise ParseFailure(_NOT_A[kind], f"The archive is not a {_NAMES[kind]}.")


def related_main_part(archive: zipfile.ZipFile) -> str:
    """The main part the package relationships name. Raises what reading a damaged `_rels/.rels`
    raises, and ParseFailure when it names no main part present."""
    for rel_type, name in relationships(archive, ""):
        if rel_type.endswith(OFFICE_DOCUMENT_REL) and name in archive.namelist():
            return name
    raise ParseFailure("no_main_part", "The package relationships name no main part.")


def declared_parts(archive: zipfile.ZipFile, type_suffix: str, folder: str) -> list[str]:
    """The parts under `folder` ("xl/") whose content type (`[Content_Types].xml` overrides)
    ends with `type_suffix` ("worksheet+xml"), in the part's order; empty when the content
    types are missing or damaged."""
    try:
        types = read_xml(archive, _CONTENT_TYPES_PART)
    except DAMAGED_PART_ERRORS:
        return []
    found = []
    for override in types:
        name = (attribute(override, "PartName") or "").lstrip("/")
        content_type = (attribute(override, "ContentType") or "").lower()
        kind_matches = content_type.endswith(type_suffix.lower())
        if local(override) == "Override" and name.startswith(folder) and kind_matches:
            found.append(name)
    return found


def paragraphs(
    element: etree._Element, *, without_fields: frozenset[str] = frozenset()
) -> list[str]:
    """The text of each DrawingML paragraph (`a:p`) under `element`, line breaks kept, runs
    in a symbol font read as the symbols they show (`run_text`).
    `without_fields`: field types (`a:fld type`, lower case, such as "slidenum") whose stored
    text is not what is shown, left out."""
    found = []
    for paragraph in element.iter():
        if local(paragraph) != "p":
            continue
        pieces = []
        for node in paragraph.iter():
            name = local(node)
            if name == "t":
                if without_fields and _field_type(node) in without_fields:
                    continue
                pieces.append(run_text(node))
            elif name == "br":
                pieces.append("\n")
        text = "".join(pieces)
        if text.strip():
            found.append(text)
    return found


def run_text(text: etree._Element) -> str:
    """The text of a DrawingML run's `a:t` as shown: in a symbol font (`a:rPr/a:latin`
    Wingdings, Webdings, Symbol) each character as its symbol; the characters of the
    private-use page symbol fonts use (U+F000-U+F0FF, what PowerPoint's Insert Symbol writes)
    as symbols of the run's `a:sym` font. A paragraph's bullet (`a:buChar`) is not a run and
    not content."""
    value = text.text or ""
    run = text.getparent()
    properties = first_child(run, "rPr") if run is not None else None
    if properties is None:
        return symbol_text(value, None) if _has_private_symbols(value) else value
    latin = first_child(properties, "latin")
    font = attribute(latin, "typeface") if latin is not None else None
    if is_symbol_font(font):
        return symbol_text(value, font)
    if not _has_private_symbols(value):
        return value
    symbol = first_child(properties, "sym")
    symbol_font = attribute(symbol, "typeface") if symbol is not None else None
    return "".join(symbol_text(c, symbol_font) if 0xF000 <= ord(c) <= 0xF0FF else c for c in value)


def _has_private_symbols(value: str) -> bool:
    return PRIVATE_SYMBOLS.search(value) is not None


def _field_type(text: etree._Element) -> str:
    """The type of the field (`a:fld`) whose text `text` is, lower case; "" for a run's."""
    parent = text.getparent()
    if parent is None or local(parent) != "fld":
        return ""
    return (attribute(parent, "type") or "").lower()


def relationship_id(element: etree._Element, name: str) -> str:
    """A relationship reference (`r:id`, `r:dm`): a namespaced attribute, unlike `p:sldId`'s
    own unqualified `id`, so the two are told apart."""
    for key, value in element.attrib.items():
        if str(key).startswith("{") and str(key).rpartition("}")[2] == name:
            return str(value)
    return ""


def first_child(element: etree._Element, *names: str) -> etree._Element | None:
    """The first child of `element` with one of the local `names`, or None."""
    for child in element:
        if local(child) in names:
            return child
    return None


def number_attribute(value: str | None, default: int) -> int:
    """An index or order attribute; an odd value orders last instead of failing the file."""
    try:
        return int(value or default)
    except ValueError:
        return default


def parts_unreadable(damaged: list[str]) -> IngestWarning:
    """The warning for parts of a file that are damaged and were not read, the rest being
    indexed (`damaged`: "the notes of slide 3", "the drawing on sheet Pricing"), the first
    `DAMAGED_NAMED` named."""
    named = ", ".join(damaged[:DAMAGED_NAMED]) + (", ..." if len(damaged) > DAMAGED_NAMED else "")
    return IngestWarning(
        "parts_unreadable",
        f"Some parts of the file are damaged and could not be read ({named}); the rest is "
        "searchable.",
    )
