"""The query side of search: what a question contributes to BM25 scoring.

Questions are mostly function words ("how much does ... cost", "who can approve ..."). The
index keeps Lucene's short English stop-word list (so "can" or "will" in a document stay
searchable as written); a question, in any of the languages bm25s ships stop-word lists for,
drops the longer lists as well. In a small tenant corpus a word like "what" or "does" is rare
enough to carry a high IDF, and a chunk that happens to say "what" would outrank the one that
answers. Only the query side filters, so no index needs rebuilding and a wrong guess about a
word's language can only drop a query term, never make index and query disagree."""

from __future__ import annotations

import re
from typing import Final

from bm25s import stopwords

from engageiq_files.search.normalise import normalise
from engageiq_files.search.tokens import Tokenizer

_WORD: Final = re.compile(r"\w+", re.UNICODE)

QUESTION_WORDS: Final = frozenset(
    [
        *("much", "many", "long", "often", "tell", "know", "need", "please", "give", "want"),
        *("explain", "us", "would", "could", "should", "anyone", "someone"),
    ]
)
"""English words of asking rather than of content, missing from the NLTK-style list."""

QUERY_STOPWORDS: Final = frozenset(
    normalise(word)
    for words in (
        stopwords.STOPWORDS_EN_PLUS,
        stopwords.STOPWORDS_GERMAN,
        stopwords.STOPWORDS_FRENCH,
        stopwords.STOPWORDS_SPANISH,
        stopwords.STOPWORDS_ITALIAN,
        stopwords.STOPWORDS_PORTUGUESE,
        stopwords.STOPWORDS_DUTCH,
        QUESTION_WORDS,
    )
    for word in words
)
"""Source: bm25s's stop-word lists (NLTK's for en, de, fr, es, it, pt, nl) plus
`QUESTION_WORDS`; compared after `normalise`, as the words they filter are."""


def query_tokens(tokenizer: Tokenizer, query: str) -> list[str]:
    """The index terms of `query` without its question and function words. A query made only
    of such words ("who are we?") keeps them all: something to score beats nothing."""
    words = _WORD.findall(normalise(query))
    content = [word for word in words if word not in QUERY_STOPWORDS]
    return tokenizer.tokens(" ".join(content)) if content else tokenizer.tokens(query)
