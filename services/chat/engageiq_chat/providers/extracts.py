"""Extracts: the sentences and table rows of retrieved passages that best answer a question.
The offline responder quotes them, so an answer without a model carries the price, the
approver or the date the rep asked for, not a passage's heading.

A passage is cut into units: a table row (Markdown `| a | b |`, a slide table's `a | b`, a
CSV or spreadsheet row's `column: value; ...`), a list item, or a sentence of prose (lines of
one paragraph are joined first: PDF text wraps mid-sentence). A row is scored with its
table's header row too, so "Growth | 59 EUR" answers "list price of Growth".

Each unit is scored by the question's terms it contains (the search tokenizer's terms, so
"pricing" meets "price" and "ﬁ" meets "fi"), each weighted by its rarity among the units of
the passages at hand (inverse document frequency, as BM25 does), over a mild length
normalisation so a long sentence does not win by mentioning everything. Deterministic: ties
keep passage order, then reading order."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from engageiq_files.search.query import query_tokens
from engageiq_files.search.tokens import Tokenizer

MAX_EXTRACTS: Final = 3
RELATIVE_FLOOR: Final = 0.6
"""A further extract is kept only if it scores at least this share of the best one."""
MIN_COVERAGE: Final = 0.2
"""The best extract must hold at least this share of the question's term weight; below it,
nothing in the passages answers the question (said plainly instead of quoting noise)."""
MAX_UNIT_CHARS: Final = 400
HEADER_WEIGHT: Final = 0.5
"""A table row's header terms count half: they say what the columns are, not the answer."""

_ROW_SEPARATOR: Final = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FIELDS: Final = re.compile(r"^[^:;]{1,60}: [^;]*(; [^:;]{1,60}: [^;]*)+$")
_BULLET: Final = re.compile(r"^\s*(?:[-*•▪◦]|\d{1,2}[.)])\s+")
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])[\"”')\]]?\s+(?=[\"“(\[]?[A-Z0-9])")


@dataclass(frozen=True, slots=True)
class Unit:
    passage: int
    """Index of the passage it comes from."""
    order: int
    """Reading order within the passage."""
    text: str
    context: str = ""
    """A table row's header, scored at `HEADER_WEIGHT` and not quoted."""


@dataclass(frozen=True, slots=True)
class Extract:
    passage: int
    text: str
    score: float


def _is_row(line: str) -> bool:
    return line.count("|") >= 1 or bool(_FIELDS.match(line.strip()))


def units_of(text: str, passage: int = 0) -> list[Unit]:
    """The quotable units of one passage's text, in reading order."""
    units: list[Unit] = []
    prose: list[str] = []
    header = ""

    def add(unit_text: str, context: str = "") -> None:
        unit_text = " ".join(unit_text.split())
        if unit_text:
            units.append(Unit(passage, len(units), unit_text[:MAX_UNIT_CHARS], context))

    def flush_prose() -> None:
        for sentence in _SENTENCE_END.split(" ".join(prose)):
            add(sentence)
        prose.clear()

    previous_row = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            flush_prose()
            previous_row = False
            continue
        if _ROW_SEPARATOR.match(stripped):
            continue  # a Markdown table's |---| line
        if _is_row(stripped):
            flush_prose()
            if "|" in stripped and not previous_row:
                header = stripped  # the first row of a pipe table names its columns
                add(stripped)
            else:
                add(stripped, header if "|" in stripped else "")
            previous_row = True
            continue
        previous_row = False
        if _BULLET.match(stripped):
            flush_prose()
            add(_BULLET.sub("", stripped))
            continue
        prose.append(stripped)
    flush_prose()
    return units


class ExtractPicker:
    """Not thread-safe (one tokenizer with its stem cache); one per responder."""

    def __init__(self) -> None:
        self._tokenizer = Tokenizer()

    def pick(self, question: str, passages: Sequence[str]) -> list[Extract]:
        """The best units of `passages` for `question`, best first: at most `MAX_EXTRACTS`,
        each within `RELATIVE_FLOOR` of the best; [] when none reaches `MIN_COVERAGE`."""
        terms = set(query_tokens(self._tokenizer, question))
        if not terms:
            return []
        units = [u for i, text in enumerate(passages) for u in units_of(text, i)]
        if not units:
            return []
        bags = [
            (Counter(self._tokenizer.tokens(u.text)), set(self._tokenizer.tokens(u.context)))
            for u in units
        ]
        frequency = Counter(t for bag, header in bags for t in set(bag) | header if t in terms)
        weight = {t: math.log(1 + len(units) / (1 + frequency[t])) for t in terms}
        total = sum(weight.values())
        scored: list[tuple[float, float, Unit]] = []
        for unit, (bag, header) in zip(units, bags, strict=True):
            matched = sum(weight[t] for t in terms if t in bag)
            matched += HEADER_WEIGHT * sum(weight[t] for t in terms if t in header and t not in bag)
            if matched <= 0:
                continue
            length = sum(bag.values())
            scored.append((matched / (1 + length / 60) ** 0.3, matched / total, unit))
        if not scored:
            return []
        scored.sort(key=lambda s: (-s[0], s[2].passage, s[2].order))
        best, coverage, _ = scored[0]
        if coverage < MIN_COVERAGE:
            return []
        return [
            Extract(unit.passage, unit.text, round(score, 4))
            for score, _, unit in scored[:MAX_EXTRACTS]
            if score >= RELATIVE_FLOOR * best
        ]
