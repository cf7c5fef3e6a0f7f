"""The answer-quality benchmark's data invariants (decision 0105): enough questions over enough
documents, a third of them paraphrased with few content words in common with their answer,
every language present, unanswerable questions, every fact in its file, and a fixed split."""

from __future__ import annotations

import hashlib
from collections import Counter
from functools import cache
from typing import Final

import pytest

from bench.answer_quality_corpus.documents import corpus
from bench.answer_quality_corpus.gold import gold_units, holds, overlap, parse_corpus
from bench.answer_quality_corpus.questions import PARAPHRASE_MAX_JACCARD, QUESTIONS, Question
from engageiq_files.ingestion.sections import Section
from engageiq_search.tokens import Tokenizer

LANGUAGES: Final = {"en", "de", "fr", "es", "ja"}
TEST_SPLIT_DIGEST: Final = "6ae6dcf6ae5cafc1729474aeb81140ffbca2236605161571ee581648bac830d3"
"""sha256 of the test split's question texts, sorted, one a line. Changing which questions are
in the test split is a decision (decision 0105), never a side effect: update this with it."""


@cache
def parsed() -> dict[str, list[Section]]:
    return parse_corpus(corpus())


def document_text(name: str) -> str:
    return "\n".join(section.text for section in parsed()[name])


def test_at_least_150_questions_over_at_least_20_documents() -> None:
    files = {f.name for f in corpus()}
    assert len(QUESTIONS) >= 150
    assert len(files) >= 20
    answered = {q.document for q in QUESTIONS if q.document is not None}
    assert answered == files, f"files no question asks about: {sorted(files - answered)}"


def test_a_third_are_paraphrases_sharing_few_content_words() -> None:
    paraphrases = [q for q in QUESTIONS if q.kind == "paraphrase"]
    assert len(paraphrases) * 3 >= len(QUESTIONS)
    tokenizer = Tokenizer()
    too_close = {
        q.text: round(jaccard, 2)
        for q in paraphrases
        if (jaccard := overlap(tokenizer, parsed(), q)) >= PARAPHRASE_MAX_JACCARD
    }
    assert not too_close, f"paraphrases sharing too many words with their answer: {too_close}"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_each_language_has_questions_against_a_document_in_it(language: str) -> None:
    asked = [q for q in QUESTIONS if q.language == language and q.answerable]
    assert len(asked) >= 3
    assert any(q.language == language for q in QUESTIONS if not q.answerable)
    # A document is asked about in its own language only (English for the English ones).
    for document in {q.document for q in asked}:
        assert {q.language for q in QUESTIONS if q.document == document} == {language}


def test_at_least_15_unanswerable_with_no_document_or_fact() -> None:
    unanswerable = [q for q in QUESTIONS if q.kind == "unanswerable"]
    assert len(unanswerable) >= 15
    assert all(q.document is None and q.fact is None for q in unanswerable)


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q.answerable], ids=lambda q: q.text)
def test_every_fact_is_in_a_sentence_or_row_of_its_document(question: Question) -> None:
    assert question.document is not None
    assert question.fact is not None
    assert holds(document_text(question.document), question.fact)
    assert gold_units(parsed(), question), "the fact spans units: the overlap cannot be measured"
    everything = "\n".join(document_text(name) for name in parsed())
    for spelling in question.also:
        assert holds(everything, spelling)


def test_the_split_is_fixed_disjoint_and_stratified() -> None:
    assert {q.split for q in QUESTIONS} == {"dev", "test"}
    texts = Counter(q.text for q in QUESTIONS)
    assert not [text for text, n in texts.items() if n > 1], "a question asked twice"
    strata = Counter((q.kind, q.language, q.split) for q in QUESTIONS)
    for kind, language, _ in strata:
        dev, test = strata[kind, language, "dev"], strata[kind, language, "test"]
        assert abs(dev - test) <= 1, f"{kind}/{language}: {dev} dev, {test} test"
    test_texts = sorted(q.text for q in QUESTIONS if q.split == "test")
    digest = hashlib.sha256("\n".join(test_texts).encode()).hexdigest()
    assert digest == TEST_SPLIT_DIGEST, "the test split changed: see TEST_SPLIT_DIGEST"
