"""Extracts: the sentences and table rows of retrieved passages that best answer a question.
The offline responder quotes them, so an answer without a model carries the price, the
approver or the date the rep asked for, not a passage's heading.

A passage is cut into units: a table row (Markdown `| a | b |`, a slide table's `a | b`, a
CSV or spreadsheet row's `column: value; ...`), a list item, or a sentence of prose. Lines
are joined into one paragraph only when the next line continues a sentence (starts in lower
case, with a digit or a bracket after a line without final punctuation): PDF text wraps
mid-sentence. A heading line (short, no figure, no sentence end) is no unit: it answers
nothing, and becomes the context of the units under it. A sentence that starts by referring
back ("It costs 18 EUR ...") is quoted together with the one before it.

Each unit is scored by the question's terms it holds (the search tokenizer's terms, so
"pricing" meets "price"), each weighted by its rarity among the units at hand (inverse
document frequency, as BM25 does), over a mild length normalisation. Context counts at half
weight: the passage's document name and section, and the heading above the unit. With an
embedder (decision 0126), each unit is also scored by meaning, its cosine with the question,
so that a sentence that answers in other words than the question's is quoted. A pipe-table
row is read with its header row as "column: value" pairs, like CSV and spreadsheet rows. A
number in the question also matches a range that holds it ("from 21% to 30%", "Seats from:
250; Seats to: 999", "above 30%"), which is how price tiers and approval levels are written.
Deterministic: ties keep passage order, then reading order."""

from __future__ import annotations

import math
import re
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from engageiq_chat.providers.asked import Kind, absent_names, expected_kind, states
from engageiq_search.embedder import Embedder
from engageiq_search.indexed_text import indexed_text
from engageiq_search.query import query_tokens
from engageiq_search.tokens import Tokenizer

MAX_EXTRACTS: Final = 3
RELATIVE_FLOOR: Final = 0.6
"""A further extract is kept only if it scores at least this share of the best one."""
MIN_COVERAGE: Final = 0.1
"""Without an embedder, some unit must hold at least this share of the question's term
weight; below it, nothing in the passages answers the question (said plainly instead of
quoting noise). With one, any shared term is enough: meaning stands in for words, and a
paraphrase shares few (decision 0126)."""
MAX_UNIT_CHARS: Final = 400
HEADING_MAX_CHARS: Final = 80
"""A longer line without a sentence end is text (a slide's bullet, a wrapped line)."""
RANK_DECAY: Final = 0.2
"""Each place down the retrieval ranking costs a unit this share of its score: search has
weighed the whole passage (its document, heading and every term), the unit only itself."""
SEMANTIC_WEIGHT: Final = 2.0
"""How much a unit's closeness in meaning to the question (with an embedder) counts beside
its words, each scaled to 0..1 over the units at hand (decision 0126: dev figures are flat
from 1 to 3)."""
MAX_UNITS_BY_MEANING: Final = 128
"""A turn whose passages hold more units is read by words alone: e5 costs ~30 ms of CPU a
unit here, under the responder's one lock. Five full passages (1,000 characters) of prose hold
~45 units (1.3 s of CPU); of one-line rows ~150; of short numbered lines ~500 (3-4 s of CPU,
7.6 s of wall time on 2 shared cores). The benchmark's turns hold at most 39."""
UNIT_VECTORS_KEPT: Final = 4096
"""Unit vectors a picker keeps: 6 MiB at e5's 384 float32 dimensions, and their texts (up to
`MAX_UNIT_CHARS` each)."""
CONTEXT_WEIGHT: Final = 0.5
"""Terms found only in a unit's context (header row, document name, section, the sentence a
pronoun refers to) count half: they say what the unit is about, not the answer."""

_ROW_SEPARATOR: Final = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_FIELDS: Final = re.compile(r"^[^:;]{1,60}: [^;]*(; [^:;]{1,60}: [^;]*)+$")
_BULLET: Final = re.compile(r"^(?:[-*•▪◦]|\d{1,2}[.)])\s+")
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])[\"”')\]]?\s+(?=[\"“(\[]?[A-Z0-9])")
_HEADING_END: Final = re.compile(r"[.!?:;\u3002\uff01\uff1f]$")
_ASKS: Final = re.compile(r"[?\uff1f][\"”»')\]]*$")
_CONTINUES: Final = re.compile(r"^[a-z0-9(\[\"“]")
_ENDS: Final = re.compile(r"[.!?:;]$")
_REFERS_BACK: Final = re.compile(
    r"^(?:it|its|this|these|that|those|they|their|there|such|the cap|the same|both)\b", re.I
)
_NUMBER: Final = re.compile(r"\d[\d,]*(?:\.\d+)?")
_RANGE: Final = re.compile(
    r"(\d[\d,]*(?:\.\d+)?)\s*%?\s*(?:to|-|\u2013|and)\s*(\d[\d,]*(?:\.\d+)?)"
    r"|from:?\s*(\d[\d,]*)\b[^;\n]*;[^;\n]*\bto:?\s*(\d[\d,]*)",
    re.I,
)
_BOUND: Final = re.compile(
    r"\b(above|over|more than|beyond|from|up to|under|below|less than)\s+(\d[\d,]*(?:\.\d+)?)",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Unit:
    passage: int
    """Index of the passage it comes from."""
    order: int
    """Reading order within the passage."""
    text: str
    context: str = ""
    """What the unit is about but does not say: scored at `CONTEXT_WEIGHT`, never quoted."""
    heading: str = ""
    """The heading line above it (also in `context`): a unit under a heading that names what
    the question asks about answers by it, at `CONTEXT_WEIGHT` ("# Pricing objection" over
    the sentence that handles it); a document's name alone never makes a unit an answer."""


@dataclass(frozen=True, slots=True)
class Extract:
    passage: int
    text: str
    score: float


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def ranges_of(text: str) -> list[tuple[float, float]]:
    """Numeric intervals a unit states: "21% to 30%", "from: 250; ... to: 999" (a tier row),
    "above 30%" (30 excluded), "up to 10%" (10 included)."""
    found: list[tuple[float, float]] = []
    taken: list[tuple[int, int]] = []
    for match in _RANGE.finditer(text):
        low, high = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
        if _number(low) < _number(high):
            found.append((_number(low), _number(high)))
            taken.append(match.span())
    for match in _BOUND.finditer(text):
        if any(start <= match.start(2) < end for start, end in taken):
            continue  # the "from 21%" of "from 21% to 30%" is not open-ended
        word, value = match.group(1).lower(), _number(match.group(2))
        if word in {"above", "over", "more than", "beyond"}:
            found.append((math.nextafter(value, math.inf), math.inf))
        elif word == "from":
            found.append((value, math.inf))
        else:
            found.append((-math.inf, value))
    return found


def _is_heading(line: str) -> bool:
    """A line that titles what follows: short, no number, no sentence end ("Incidents and
    privacy", "«Ya usamos Salesforce»", "Étude de cas : Groupe Valmont"). A figure is never a
    heading, whatever its punctuation."""
    return (
        len(line) <= HEADING_MAX_CHARS
        and not _HEADING_END.search(line)
        and not any(c.isdigit() for c in line)
    )


def _is_row(line: str) -> bool:
    return "|" in line or bool(_FIELDS.match(line))


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _as_fields(header: list[str], cells: list[str]) -> str:
    """A pipe-table row as "column: value" pairs, the way CSV and spreadsheet rows are
    indexed, so the row says what each value is ("Win rate 2025: 64%")."""
    if len(header) != len(cells):
        return " | ".join(cells)
    return "; ".join(
        f"{name}: {value}" if name else value
        for name, value in zip(header, cells, strict=True)
        if value
    )


def _table_row(line: str, header: list[str], in_table: bool) -> tuple[list[str], str]:
    """(the column names for the rows after it, the row's unit text) of one table row; the
    text is empty for a pipe table's first row, which only names the columns."""
    if "|" in line and not in_table:
        return _cells(line), ""  # a pipe table's first row names its columns
    if "|" in line:
        return header, _as_fields(header, _cells(line))
    return header, line


def _quoted_sentences(paragraph: str) -> Iterator[str]:
    """The sentences of one paragraph, in order, as they are quoted: a sentence the next one
    refers back to ("This ...") is quoted together with it."""
    sentences = _SENTENCE_END.split(paragraph)
    for i, sentence in enumerate(sentences):
        following = sentences[i + 1] if i + 1 < len(sentences) else ""
        if following and _REFERS_BACK.match(following):
            yield f"{sentence} {following}"  # quoted whole: the next one needs this one
        elif i and _REFERS_BACK.match(sentence):
            continue  # already quoted with the sentence it refers to
        else:
            yield sentence


def units_of(text: str, passage: int = 0, about: str = "") -> list[Unit]:
    """The quotable units of one passage's text, in reading order; `about` (the document's
    name and section) is every unit's context.

    A short line without a sentence end titles the units after it (`_is_heading`). In a
    passage of nothing but such lines, each line is a unit: a slide's or a screenshot's
    lines ("Onboarding workshop lasts three hours"), read by OCR or from a deck, carry no full
    stops, and as headings of nothing they were never quoted. Where the passage has sentences
    too, its short lines stay headings: a title over a section heading ("Security FAQ" over
    "Encryption") or the next section's title at a chunk's end answers nothing."""
    units, headings = _sentences_and_headings(text, passage, about)
    if units:
        return units
    return [
        Unit(passage, order, " ".join(line.split())[:MAX_UNIT_CHARS], about)
        for order, line in enumerate(headings)
    ]


def _sentences_and_headings(text: str, passage: int, about: str) -> tuple[list[Unit], list[str]]:
    """`units_of`'s reading: the units under their headings, and the heading lines."""
    units: list[Unit] = []
    paragraph: list[str] = []
    header: list[str] = []
    heading = ""
    headings: list[str] = []

    def add(unit_text: str) -> None:
        unit_text = " ".join(unit_text.split())
        if unit_text:
            joined = f"{about}\n{heading}" if heading else about
            units.append(Unit(passage, len(units), unit_text[:MAX_UNIT_CHARS], joined, heading))

    def end_paragraph() -> None:
        nonlocal heading
        if len(paragraph) == 1 and _is_heading(paragraph[0]):
            heading = paragraph[0]  # what the units after it are about; it answers nothing
            headings.append(heading)
        else:
            for sentence in _quoted_sentences(" ".join(paragraph)):
                add(sentence)
        paragraph.clear()

    in_table = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _ROW_SEPARATOR.match(line):
            if not line:
                end_paragraph()
                in_table = False
            continue
        if _is_row(line):
            end_paragraph()
            header, row = _table_row(line, header, in_table)
            add(row)
            in_table = True
            continue
        in_table = False
        if _BULLET.match(line):
            end_paragraph()
            add(_BULLET.sub("", line))
            continue
        if paragraph and (_ENDS.search(paragraph[-1]) or not _CONTINUES.match(line)):
            end_paragraph()  # a new sentence on a new line, or a heading line
        paragraph.append(line)
    end_paragraph()
    return units, headings


class ExtractPicker:
    """Not thread-safe (one tokenizer with its stem cache); one per responder.

    With an `embedder`, each unit is also scored by meaning: its cosine with the question,
    scaled within the units at hand (the best unit 1, the least like the question 0, so an
    embedder whose cosines crowd into 0.8-0.9 weighs as much as one that spreads them), at
    `SEMANTIC_WEIGHT` beside the lexical score scaled the same way. A unit then answers by
    meaning alone when it shares no word with the question (a paraphrase)."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._tokenizer = Tokenizer()
        self._embedder = embedder
        self._vectors: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()

    def pick(
        self, question: str, passages: Sequence[str], about: Sequence[str] = ()
    ) -> list[Extract]:
        """The best units of `passages` for `question`, best first: at most `MAX_EXTRACTS`,
        each within `RELATIVE_FLOOR` of the best; [] when none reaches `MIN_COVERAGE` (with
        an embedder: when none shares a term with the question), when the question names
        something no passage mentions, or when none within the floor states the duration or
        rate asked for. `about[i]` names passage i's document and section (scored as
        context). With an embedder this embeds the question and each unit not yet seen:
        blocking, milliseconds a sentence with a contextual model; passages of more than
        `MAX_UNITS_BY_MEANING` units are read by words alone."""
        terms = set(query_tokens(self._tokenizer, question))
        if not terms:
            return []
        units = [
            unit
            for i, text in enumerate(passages)
            for unit in units_of(text, i, about[i] if i < len(about) else "")
        ]
        if not units:
            return []
        tokens = self._tokenizer.tokens
        bags = [(set(tokens(u.text)), set(tokens(u.context)), len(tokens(u.text))) for u in units]
        said = {t for bag, context, _ in bags for t in bag | context}
        if absent_names(self._tokenizer, question, said, passages, about):
            return []  # the question names something no passage mentions
        lexical = self._lexical(question, terms, units, bags)
        embedder = self._embedder if len(units) <= MAX_UNITS_BY_MEANING else None
        # Without an embedder, a unit must hold a tenth of the question's term weight; with
        # one, meaning stands in for words (a paraphrase shares few), so one shared term does.
        coverage = max(share for _, share in lexical)
        if coverage <= 0 or (embedder is None and coverage < MIN_COVERAGE):
            return []
        scores = self._combined(question, units, [score for score, _ in lexical], embedder)
        scored = sorted(
            zip(scores, units, strict=True), key=lambda s: (-s[0], s[1].passage, s[1].order)
        )
        return _chosen(scored, expected_kind(question))

    def _unit_vectors(self, embedder: Embedder, texts: list[str]) -> npt.NDArray[np.float32]:
        """The embedder's vectors of `texts`, (len(texts), dimension); each text embedded once
        per picker while it stays among the `UNIT_VECTORS_KEPT` last used (the same passages
        come back turn after turn, and a contextual model takes milliseconds per sentence)."""
        kept = self._vectors
        missing = list(dict.fromkeys(t for t in texts if t not in kept))
        if missing:
            kept.update(zip(missing, embedder.embed(missing), strict=True))
        for text in texts:
            kept.move_to_end(text)
        # Read before trimming: a turn may hold more units than are kept.
        vectors = np.stack([kept[t] for t in texts])
        while len(kept) > UNIT_VECTORS_KEPT:
            kept.popitem(last=False)
        return vectors

    def _lexical(
        self,
        question: str,
        terms: set[str],
        units: list[Unit],
        bags: list[tuple[set[str], set[str], int]],
    ) -> list[tuple[float, float]]:
        """(score, coverage) of each unit by the question's words: the IDF-weighted terms it
        holds over a mild length normalisation, and their share of the question's weight; (0,
        0) for a unit that holds only context or a number in a range."""
        numbers = {
            token: _number(match)
            for match in _NUMBER.findall(question)
            for token in self._tokenizer.tokens(match)[:1]
            if token in terms
        }
        frequency = Counter(t for bag, context, _ in bags for t in bag | context if t in terms)
        weight = {t: math.log(1 + len(units) / (1 + frequency[t])) for t in terms}
        # fsum: exact whatever the order sets iterate in, so ties break the same in every process.
        total = math.fsum(weight.values())
        scored: list[tuple[float, float]] = []
        for unit, (bag, context, length) in zip(units, bags, strict=True):
            held = {t for t in terms if t in bag}
            titled = set(self._tokenizer.tokens(unit.heading)) & terms if unit.heading else set()
            if not (held | titled) - numbers.keys():
                # The document's name or a header row, or a number in a range, alone never
                # answers; a heading that names the question's subject does (`Unit.heading`).
                scored.append((0.0, 0.0))
                continue
            if numbers:
                spans = ranges_of(unit.text)
                held |= {
                    t for t, value in numbers.items() if any(lo <= value <= hi for lo, hi in spans)
                }
            matched = math.fsum(weight[t] for t in held)
            matched += CONTEXT_WEIGHT * math.fsum(weight[t] for t in (terms & context) - held)
            prior = _prior(unit)
            scored.append((prior * matched / (1 + length / 60) ** 0.3, matched / total))
        return scored

    def _combined(
        self, question: str, units: list[Unit], lexical: list[float], embedder: Embedder | None
    ) -> list[float]:
        """Each unit's score: lexical alone without an embedder, else the lexical score and
        the cosine with the question, each scaled to 0..1 over the units, the cosine at
        `SEMANTIC_WEIGHT` and discounted by retrieval rank as the lexical score is."""
        best = max(lexical)
        scaled = [score / best for score in lexical]
        if embedder is None or len(units) < 2:
            return scaled
        cosines = self._unit_vectors(embedder, [u.text for u in units]) @ embedder.embed_query(
            question
        )
        low, high = float(cosines.min()), float(cosines.max())
        if high - low < 1e-6:
            return scaled
        # A question in the documents (a checklist's, an FAQ's) asks rather than answers, and a
        # question is close in meaning to any question: only its words count.
        return [
            lex
            + (0 if _ASKS.search(unit.text) else SEMANTIC_WEIGHT)
            * _prior(unit)
            * (float(cos) - low)
            / (high - low)
            for lex, cos, unit in zip(scaled, cosines, units, strict=True)
        ]


def _prior(unit: Unit) -> float:
    """Each place down the retrieval ranking costs `RANK_DECAY` (passages come best first)."""
    return 1 / (1 + RANK_DECAY * unit.passage)


def _chosen(scored: list[tuple[float, Unit]], kind: Kind | None) -> list[Extract]:
    """The extracts among `scored` (best first): at most `MAX_EXTRACTS` within
    `RELATIVE_FLOOR` of the best, never one that misses the duration or rate asked for."""
    best = scored[0][0]
    picked: list[Extract] = []
    for score, unit in scored:
        if len(picked) == MAX_EXTRACTS or score <= 0 or score < RELATIVE_FLOOR * best:
            break
        # Close in topic but not the duration or rate asked for; or the same words twice
        # (overlapping chunks, a sentence pair).
        unsaid = kind is not None and not states(unit.text, kind)
        if unsaid or any(unit.text in p.text or p.text in unit.text for p in picked):
            continue
        picked.append(Extract(unit.passage, unit.text, round(score, 4)))
    return picked


def passage_about(file_name: str, location: str) -> str:
    """A passage's document name and section as words (what search also scores)."""
    return indexed_text(file_name, location, "")
