"""`WordPooling`: wordllama's vectors, tokenised piece by piece with a cache."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from tokenizers import pre_tokenizers

from bench.answer_quality_corpus.questions import QUESTIONS
from engageiq_search import word_pooling
from engageiq_search.embedder import _load_wordllama, _wordllama_embed
from engageiq_search.word_pooling import PROBES, WordPooling

QUESTION_TEXTS = [q.text for q in QUESTIONS]
# Long, irregularly spaced texts: runs of spaces, tabs and new lines inside chunks.
LONG_TEXTS = [
    "  ".join(QUESTION_TEXTS[i : i + 12]) + " \n\t" + " ".join(QUESTION_TEXTS[i + 12 : i + 20])
    for i in range(0, len(QUESTION_TEXTS) - 20, 20)
]


@pytest.fixture(scope="module")
def wordllama_model() -> Any:
    return _load_wordllama(256)


@pytest.fixture
def pooling(wordllama_model: Any) -> WordPooling:
    return WordPooling(wordllama_model.embedding, wordllama_model.tokenizer)


def test_pieces_give_the_whole_texts_tokens(pooling: WordPooling) -> None:
    assert pooling.matches()
    assert pooling.matches(QUESTION_TEXTS + LONG_TEXTS)
    assert pooling.pieces("a  b ") == ["▁a", "▁▁b", "▁"]


def test_the_vectors_are_wordllamas(pooling: WordPooling, wordllama_model: Any) -> None:
    texts = [*QUESTION_TEXTS, *LONG_TEXTS, *PROBES]
    ours = pooling.pool(texts)
    theirs = np.nan_to_num(_wordllama_embed(wordllama_model, texts))
    assert ours.dtype == np.float32
    assert np.allclose(ours, theirs, atol=1e-5)
    assert not ours[-1].any()  # "" has no token


def test_a_full_cache_starts_over_with_the_same_vectors(
    pooling: WordPooling, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = pooling.pool(LONG_TEXTS)
    monkeypatch.setattr(word_pooling, "CACHED_PIECES", 50)
    assert np.array_equal(pooling.pool(LONG_TEXTS), before)
    # In another order the same texts sit in other rows of BLAS's matrix product, whose edge
    # rows may sum in another order: equal to float32 rounding, not bit for bit (CI saw it).
    np.testing.assert_allclose(pooling.pool(LONG_TEXTS[::-1])[::-1], before, rtol=0, atol=1e-6)


def test_a_tokenizer_that_cuts_elsewhere_does_not_match(wordllama_model: Any) -> None:
    tokenizer = wordllama_model.tokenizer
    copy = type(tokenizer).from_str(tokenizer.to_str())
    copy.pre_tokenizer = pre_tokenizers.Split("e", behavior="isolated")
    assert not WordPooling(wordllama_model.embedding, copy).matches()
