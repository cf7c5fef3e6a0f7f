"""The query side of search: what a question contributes to BM25 scoring. Questions are mostly
function words ("how much does ... cost", "who can approve ..."). The index keeps Lucene's short
English stop-word list (so "can" or "will" in a document stay searchable as written); a question
also drops NLTK's longer English list and words of asking. In a small tenant corpus a word like
"what" or "does" is rare enough to carry a high IDF, and a chunk that happens to say "what"
would outrank the one that answers. Only the query side filters, so no index needs rebuilding
and a word dropped by mistake only loses a query term; index and query never disagree."""

from __future__ import annotations

import functools
import re
from typing import Final

from bm25s import stopwords

from engageiq_search.normalise import normalise
from engageiq_search.tokens import Tokenizer

_WORD: Final = re.compile(r"\w+", re.UNICODE)

QUESTION_WORDS: Final = frozenset(
    [
        *("much", "many", "long", "often", "tell", "know", "need", "please", "give", "want"),
        *("explain", "us", "would", "could", "should", "anyone", "someone"),
    ]
)
"""English words of asking rather than of content, missing from the NLTK list."""

MEANINGFUL: Final = frozenset(
    [
        *("above", "below", "over", "under", "before", "after", "between", "during", "until"),
        *("no", "not", "nor", "only", "off", "own", "same", "more", "most", "few", "too"),
        *("again", "further", "up", "down", "out", "against", "once", "all", "any", "each"),
    ]
)
"""Words of the NLTK list that change what a sales question asks ("discounts above 30%",
"not included", "10% off", "its own CRM"): kept."""

QUERY_STOPWORDS: Final = (
    frozenset(normalise(word) for word in stopwords.STOPWORDS_EN_PLUS) - MEANINGFUL
) | QUESTION_WORDS
"""Source: NLTK's English stop words as bm25s ships them (`STOPWORDS_EN_PLUS`), less
`MEANINGFUL`, plus `QUESTION_WORDS`. English only: a union with other languages' lists drops
real words ("ai" is a French and Italian stop word), and guessing a short question's language
is unreliable (decision 0053); other languages keep the index's own stop words."""


def query_tokens(tokenizer: Tokenizer, query: str) -> list[str]:
    """The index terms of `query` without its question and function words, inflected ones
    too ("wants", "needed": their stems are compared). A query made only of such words ("who
    are we?") keeps them all: something to score beats nothing."""
    words = _WORD.findall(normalise(query))
    content = [word for word in words if word not in QUERY_STOPWORDS]
    stopped = _stems()
    tokens = [t for t in tokenizer.tokens(" ".join(content)) if t not in stopped]
    return tokens or tokenizer.tokens(query)


@functools.cache
def _stems() -> frozenset[str]:
    """The stems of `QUESTION_WORDS` (the same for every tokenizer: one stemmer)."""
    return frozenset(Tokenizer().tokens(" ".join(QUESTION_WORDS)))
