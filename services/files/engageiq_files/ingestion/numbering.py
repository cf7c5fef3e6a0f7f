"""Word's automatic numbering (decision 0137): the labels Word computes for numbered list items
and headings ("7.3", "(b)", "IV."), which are not in the text runs but are what a person sees
and cites ("clause 7.3").

From the numbering part (`numbering.xml`, ECMA-376 Part 1 §17.9): a paragraph is numbered by
its own `w:numPr` (`w:numId`, `w:ilvl`) or its style's (through `w:basedOn`; `w:numId` 0 turns
numbering off); a `w:num` instance names an abstract definition (`w:abstractNumId`, which may
link to a numbering style's, `w:numStyleLink`) and may restart levels (`w:lvlOverride` with
`w:startOverride`, or a whole `w:lvl`). Each level has a start (`w:start`), a format
(`w:numFmt`, written as `list_formats.py` does: decimal, letters, Roman numerals, words,
enclosed and full-width digits, East Asian counting and kana, a custom zero-padded pattern;
bullet; none), a label template (`w:lvlText`, "%1.%2."),
legal numbering (`w:isLgl`: the levels it cites in decimal) and when it restarts
(`w:lvlRestart`; by default whenever a higher level is used).

Each story of the document (the body, each header and footer, the footnotes, the endnotes, the
comments) counts its lists on its own (`for_story`), as Word does: a list in a footer does not
continue the body's. As Word does, instances of one abstract definition continue one list
(counters are kept by abstract definition) unless an instance restarts a level. Bullets are not
indexed: their label is a picture, not content. Bounded against hostile parts: nine levels (0-8,
as Word), starts and counters shown in decimal beyond `list_formats.MAX_SHOWN` in other formats,
templates cut at `_MAX_TEMPLATE` characters, style chains and numbering style links followed at
most `_MAX_CHAIN` steps (cycles end there); each paragraph costs a constant amount of work.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field, replace
from typing import Final

from lxml import etree

from engageiq_files.ingestion.list_formats import formatted
from engageiq_files.ingestion.ooxml import (
    DAMAGED_PART_ERRORS,
    attribute,
    first_child,
    local,
    read_xml,
    relationships,
)

LEVELS: Final = 9
_MAX_TEMPLATE: Final = 64
_MAX_CHAIN: Final = 16
_CITED_LEVEL: Final = re.compile("%([1-9])")


@dataclass(frozen=True)
class Level:
    """One level of a numbering definition."""

    start: int = 1
    format: str = "decimal"
    template: str = ""
    legal: bool = False
    restart_after: int | None = None
    """`w:lvlRestart`: restarts when a level shallower than this (1-based) is used; None
    for any shallower level, 0 never."""
    style: str = ""
    custom: str = ""
    """A `custom` format's pattern (`w:numFmt w:format`, "001, 002, 003, ...")."""


_UNDEFINED: Final = Level()
"""What a level the definition leaves out reads as."""


@dataclass
class _Instance:
    abstract: str
    levels: dict[int, Level]
    restarts: dict[int, int]
    """Level -> start value this instance restarts it at (`w:startOverride`)."""
    used: bool = False


@dataclass
class Numbering:
    """The numbering state of one part: definitions, paragraph styles' numbering, and the
    counters of each list so far."""

    instances: dict[str, _Instance] = field(default_factory=dict)
    styles: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    """Paragraph style id -> (numId, ilvl) it numbers with, resolved through `w:basedOn`."""
    style_levels: dict[tuple[str, str], int] = field(default_factory=dict)
    """(abstract id, style id) -> level linked to the style (`w:lvl/w:pStyle`)."""
    counters: dict[str, list[int | None]] = field(default_factory=dict)
    """Abstract id -> each level's last number (None: not used since it last restarted)."""
    pending: dict[str, dict[int, int]] = field(default_factory=dict)
    """Abstract id -> level -> the number it restarts at next (`w:startOverride`)."""

    def for_story(self) -> Numbering:
        """The same definitions with counters of their own, for another story of the
        document (a header, the footnotes): Word numbers each story's lists separately."""
        return Numbering(
            instances={key: replace(value, used=False) for key, value in self.instances.items()},
            styles=self.styles,
            style_levels=self.style_levels,
        )

    def label(self, paragraph_properties: etree._Element | None, style: str) -> str:
        """The label Word shows before the paragraph ("7.3", "(b)"), "" when it has none or a
        bullet; counts the paragraph in its list."""
        if not self.instances:
            return ""  # no numbering part: nothing to count
        num_id, level = self._numbered(paragraph_properties, style)
        if num_id is None or num_id == "0":
            return ""
        instance = self.instances.get(num_id)
        if instance is None:
            return ""
        if level is None:
            level = self.style_levels.get((instance.abstract, style), 0)
        if not 0 <= level < LEVELS:
            return ""
        counters = self._count(instance, level)
        definition = instance.levels.get(level, _UNDEFINED)
        if definition.format == "bullet":
            return ""
        return _label(definition, instance.levels, counters).strip()

    def _count(self, instance: _Instance, level: int) -> list[int | None]:
        """Counts a paragraph at `level` of `instance`'s list: that level's counter goes on
        (or starts), deeper levels restart as their `w:lvlRestart` says. Returns the list's
        counters."""
        counters = self.counters.setdefault(instance.abstract, [None] * LEVELS)
        pending = self.pending.setdefault(instance.abstract, {})
        if not instance.used:
            # An instance that restarts levels does so where it is first used.
            instance.used = True
            for restarted, start in sorted(instance.restarts.items()):
                for cleared in range(restarted, LEVELS):
                    counters[cleared] = None
                pending[restarted] = start
        current = counters[level]
        if current is None:
            counters[level] = pending.pop(level, instance.levels.get(level, _UNDEFINED).start)
        else:
            counters[level] = current + 1
        for deeper in range(level + 1, LEVELS):
            if counters[deeper] is None:
                continue
            restart = instance.levels.get(deeper, _UNDEFINED).restart_after
            if restart is None or level < restart:
                counters[deeper] = None
        return counters

    def _numbered(
        self, properties: etree._Element | None, style: str
    ) -> tuple[str | None, int | None]:
        num_id, level = self.styles.get(style, (None, None))
        own = first_child(properties, "numPr") if properties is not None else None
        for child in own if own is not None else ():
            name = local(child)
            if name == "numId":
                num_id = attribute(child, "val")
            elif name == "ilvl":
                level = _integer(attribute(child, "val"), 0)
        return num_id, level


def _label(level: Level, levels: dict[int, Level], counters: list[int | None]) -> str:
    """`level`'s template with each "%N" replaced by level N's counter in its format (in
    decimal under legal numbering); a level not used yet shows its start."""

    def cited(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        definition = levels.get(index, _UNDEFINED)
        value = counters[index]
        number = definition.start if value is None else value
        shown = "decimal" if level.legal and definition.format != "none" else definition.format
        return formatted(number, shown, definition.custom)

    return _CITED_LEVEL.sub(cited, level.template[:_MAX_TEMPLATE])


_DECIMAL_NUMBER: Final = re.compile(r"\s*[+-]?[0-9]{1,18}\s*")
"""A number attribute (`w:start`, `w:ilvl`) read: at most 18 digits, longer ones read as the
default. A start of 4,300 nines made its next number too long for `str` (Python's digit
limit) and failed the whole document as corrupt; 18 digits leave counters far from it."""


def _integer(value: str | None, default: int) -> int:
    return int(value) if value is not None and _DECIMAL_NUMBER.fullmatch(value) else default


def _level(element: etree._Element) -> tuple[int, Level]:
    values: dict[str, str] = {}
    legal = False
    custom = ""
    for child in _level_properties(element):
        name = local(child)
        if name == "isLgl":
            legal = attribute(child, "val") not in {"0", "false", "off"}
        else:
            values[name] = attribute(child, "val") or ""
            if name == "numFmt":
                custom = (attribute(child, "format") or "")[:_MAX_TEMPLATE]
    restart = values.get("lvlRestart")
    return _integer(attribute(element, "ilvl"), 0), Level(
        start=max(0, _integer(values.get("start"), 1)),
        format=values.get("numFmt", "decimal") or "decimal",
        template=values.get("lvlText", ""),
        legal=legal,
        restart_after=None if restart is None else _integer(restart, 0),
        style=values.get("pStyle", ""),
        custom=custom,
    )


def _level_properties(element: etree._Element) -> list[etree._Element]:
    """The children of a `w:lvl`, those inside `mc:AlternateContent` through its first
    `mc:Choice` (Word 2010 writes a custom format, `w:numFmt w:val="custom"`, there, with a
    decimal `mc:Fallback` for older readers)."""
    found: list[etree._Element] = []
    for child in element:
        if local(child) == "AlternateContent":
            choice = first_child(child, "Choice")
            found.extend(choice if choice is not None else ())
        else:
            found.append(child)
    return found


def _levels(element: etree._Element) -> dict[int, Level]:
    return dict(_level(child) for child in element if local(child) == "lvl")


def read_numbering(archive: zipfile.ZipFile, main: str) -> Numbering:
    """The numbering definitions and paragraph styles' numbering of the document whose main
    part is `main`; empty when it has no numbering part, or a damaged one (the text is still
    read, without labels)."""
    numbering = Numbering()
    parts = {rel.rpartition("/")[2]: name for rel, name in relationships(archive, main)}
    try:
        styles = read_xml(archive, parts["styles"]) if "styles" in parts else None
        definitions = read_xml(archive, parts["numbering"]) if "numbering" in parts else None
    except DAMAGED_PART_ERRORS:
        return numbering
    if styles is not None:
        numbering.styles = _style_numbering(styles)
    if definitions is not None:
        _read_definitions(definitions, numbering)
    return numbering


def _num_properties(properties: etree._Element | None) -> tuple[str | None, int | None]:
    """(`w:numId`, `w:ilvl`) of a `w:pPr`, None for each it does not set."""
    numbered = first_child(properties, "numPr") if properties is not None else None
    if numbered is None:
        return None, None
    id_element = first_child(numbered, "numId")
    level_element = first_child(numbered, "ilvl")
    num_id = attribute(id_element, "val") if id_element is not None else None
    level = _integer(attribute(level_element, "val"), 0) if level_element is not None else None
    return num_id, level


def _style_numbering(styles: etree._Element) -> dict[str, tuple[str | None, int | None]]:
    """Paragraph style id -> the (numId, ilvl) it numbers with, its own or inherited through
    `w:basedOn` (at most `_MAX_CHAIN` steps, so a cycle ends)."""
    own: dict[str, tuple[str | None, int | None, str]] = {}
    for style in styles:
        if local(style) != "style":
            continue
        based = first_child(style, "basedOn")
        parent = (attribute(based, "val") or "") if based is not None else ""
        own[attribute(style, "styleId") or ""] = (
            *_num_properties(first_child(style, "pPr")),
            parent,
        )
    resolved = {}
    for style_id, (num_id, level, parent) in own.items():
        steps = 0
        while num_id is None and parent in own and steps < _MAX_CHAIN:
            num_id, inherited_level, parent = own[parent]
            level = level if level is not None else inherited_level
            steps += 1
        resolved[style_id] = (num_id, level)
    return resolved


def _instance_overrides(num: etree._Element) -> tuple[dict[int, Level], dict[int, int]]:
    """(levels replaced, level -> restart value) of a `w:num`'s `w:lvlOverride`s."""
    levels: dict[int, Level] = {}
    restarts: dict[int, int] = {}
    for override in num:
        index = _integer(attribute(override, "ilvl"), -1)
        if local(override) != "lvlOverride" or not 0 <= index < LEVELS:
            continue
        start = first_child(override, "startOverride")
        if start is not None:
            restarts[index] = max(0, _integer(attribute(start, "val"), 1))
        replaced = first_child(override, "lvl")
        if replaced is not None:
            levels[index] = _level(replaced)[1]
    return levels, restarts


def _read_definitions(definitions: etree._Element, numbering: Numbering) -> None:
    abstracts: dict[str, tuple[dict[int, Level], str]] = {}
    num_abstract: dict[str, str] = {}
    instances: list[tuple[str, str, dict[int, Level], dict[int, int]]] = []
    for element in definitions:
        name = local(element)
        if name == "abstractNum":
            link = first_child(element, "numStyleLink")
            abstracts[attribute(element, "abstractNumId") or ""] = (
                _levels(element),
                (attribute(link, "val") or "") if link is not None else "",
            )
        elif name == "num":
            reference = first_child(element, "abstractNumId")
            abstract = (attribute(reference, "val") or "") if reference is not None else ""
            num_id = attribute(element, "numId") or ""
            num_abstract[num_id] = abstract
            instances.append((num_id, abstract, *_instance_overrides(element)))
    for num_id, abstract, levels, restarts in instances:
        # A definition that only links to a numbering style takes that style's list.
        resolved, steps = abstract, 0
        while abstracts.get(resolved, ({}, ""))[1] and steps < _MAX_CHAIN:
            linked_num = numbering.styles.get(abstracts[resolved][1], (None, None))[0]
            if linked_num is None or linked_num not in num_abstract:
                break
            resolved, steps = num_abstract[linked_num], steps + 1
        merged = {**abstracts.get(resolved, ({}, ""))[0], **levels}
        numbering.instances[num_id] = _Instance(resolved, merged, restarts)
        for index, definition in merged.items():
            if definition.style:
                numbering.style_levels[(resolved, definition.style)] = index
