"""Where each question's answer is in the parsed corpus, and how many content words a question
shares with it: the measure that makes a question a paraphrase (decision 0105).

A question's gold units are the sentences and table rows of its file (as the offline
responder cuts them, `extracts.units_of`, and further at the Japanese full stop, which that cut
does not know) that hold its fact. Content words are the search tokenizer's terms, the
question's asking words dropped as search drops them (`query_tokens`): what retrieval can
match on."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Final

from bench.answer_quality_corpus.documents import CorpusFile
from bench.answer_quality_corpus.questions import Question
from engageiq_chat.providers.extracts import units_of
from engageiq_files.config import FilesSettings
from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sections import Section
from engageiq_search.query import query_tokens
from engageiq_search.tokens import Tokenizer

_SETTINGS: Final = FilesSettings()
LIMITS: Final = _SETTINGS.parse_limits()
_CJK_SENTENCE_END: Final = re.compile(r"(?<=。)")


def squeeze(text: str) -> str:
    """Case- and whitespace-insensitive form for fact matching (PDF text wraps lines)."""
    return " ".join(text.split()).casefold()


def holds(text: str, fact: str) -> bool:
    return squeeze(fact) in squeeze(text)


def parse_corpus(files: list[CorpusFile]) -> dict[str, list[Section]]:
    """Each file's sections as the production parsers read them, by file name."""
    parsed: dict[str, list[Section]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for f in files:
            path = Path(folder) / f.name
            path.write_bytes(f.content)
            parsed[f.name] = parse_document(str(path), f.kind, LIMITS).sections
    return parsed


def gold_units(parsed: dict[str, list[Section]], question: Question) -> list[str]:
    """The sentences and rows of the question's file that hold its fact; [] when the question
    is unanswerable or the fact is in no single unit."""
    if question.document is None or question.fact is None:
        return []
    fact = question.fact
    return [
        sentence
        for section in parsed[question.document]
        for unit in units_of(section.text)
        for sentence in _CJK_SENTENCE_END.split(unit.text)
        if holds(sentence, fact)
    ]


def content_jaccard(tokenizer: Tokenizer, question: str, passage: str) -> float:
    """Jaccard index of the question's content words and the passage's index terms (0-1)."""
    asked = set(query_tokens(tokenizer, question))
    said = set(tokenizer.tokens(passage))
    union = asked | said
    return len(asked & said) / len(union) if union else 0.0


def overlap(tokenizer: Tokenizer, parsed: dict[str, list[Section]], question: Question) -> float:
    """The question's highest content-word Jaccard with any of its gold units (the strictest
    reading when a fact is written twice); 1.0 when it has none, so a paraphrase without a
    gold unit fails its check rather than passing unmeasured."""
    units = gold_units(parsed, question)
    return max((content_jaccard(tokenizer, question.text, u) for u in units), default=1.0)
