"""`Tokenizer`: the one tokenisation used to build an index and to query it (words, lower
case, English stop words out, Snowball-stemmed so "pricing" finds "price")."""

from __future__ import annotations

import re
from typing import Final

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_WORD: Final = re.compile(r"\w+", re.UNICODE)
_STOPWORDS: Final = frozenset(STOPWORDS_EN)


class Tokenizer:
    def __init__(self) -> None:
        # PyStemmer keeps an internal cache; one stemmer per tokenizer (not thread-shared).
        self._stemmer = Stemmer.Stemmer("english")

    def tokens(self, text: str) -> list[str]:
        words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) < 40]
        stems: list[str] = self._stemmer.stemWords(words)
        return stems
