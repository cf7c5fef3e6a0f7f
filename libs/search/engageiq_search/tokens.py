"""`Tokenizer`: the one tokenisation used to build an index and to query it.

Text is normalised first (`normalise`: NFKC + case folding). Words are Unicode `\\w` runs.
Runs of Chinese, Japanese and Korean characters, which are not separated by spaces, become
overlapping character bigrams (a lone character stays a unigram), as Lucene's CJKAnalyzer does:
no dictionary is needed and any query substring of two or more characters matches. Other words
lose English stop words and are Snowball-stemmed ("pricing" finds "price"); the same stemmer
runs on both sides, so other languages still match themselves. No word is dropped for its
length."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from engageiq_search.normalise import normalise

_WORD: Final = re.compile(r"\w+", re.UNICODE)
_STOPWORDS: Final = frozenset(STOPWORDS_EN)
# Han (with extension A and compatibility ideographs), Hiragana, Katakana (and the half-width
# forms NFKC leaves), Hangul syllables and jamo: the scripts written without spaces between
# words (Korean is spaced, but Lucene bigrams it too, which finds words inside compounds).
_CJK_RANGES: Final = (
    "\u1100-\u11ff"  # Hangul jamo
    "\u3040-\u309f"  # Hiragana
    "\u30a0-\u30ff"  # Katakana
    "\u3130-\u318f"  # Hangul compatibility jamo
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0002fa1f"  # CJK extensions B-F and supplement
)
_CJK_SPLIT: Final = re.compile(f"([{_CJK_RANGES}]+)")


def cjk_bigrams(run: str) -> list[str]:
    """Overlapping bigrams of a run of CJK characters; a single character is kept alone."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


class Tokenizer:
    def __init__(self) -> None:
        # PyStemmer keeps an internal cache; one stemmer per tokenizer (not thread-shared).
        self._stemmer = Stemmer.Stemmer("english")

    def tokens(self, text: str) -> list[str]:
        """Index terms of `text` (a term may repeat; order is not significant to BM25)."""
        words = _WORD.findall(normalise(text))
        if text.isascii() or not _CJK_SPLIT.search(text):
            # The common case, in C: no per-word Python work beyond the stop-word filter.
            stems: list[str] = self._stemmer.stemWords([w for w in words if w not in _STOPWORDS])
            return stems
        plain: list[str] = []
        out: list[str] = []
        for word in words:
            for i, piece in enumerate(_CJK_SPLIT.split(word)):
                if not piece:
                    continue
                if i % 2:  # odd pieces are the CJK runs the split captured
                    out += cjk_bigrams(piece)
                elif piece not in _STOPWORDS:
                    plain.append(piece)
        return out + list(self._stemmer.stemWords(plain))

    def spans(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Each index term of `text` with the span of `text` (code point offsets, end
        exclusive) it comes from: a word's stem spans the word, a CJK bigram its two characters.
        What a highlighter marks, so that it marks exactly what `tokens` would match."""
        seen: dict[str, list[str]] = {}  # words repeat: each is tokenised once
        for match in _WORD.finditer(text):
            word, start = match.group(), match.start()
            if not _CJK_SPLIT.search(word):
                terms = seen.get(word)
                if terms is None:
                    terms = seen[word] = self.tokens(word)
                for term in terms:
                    yield start, match.end(), term
                continue
            for i, piece in enumerate(_CJK_SPLIT.split(word)):
                if i % 2:
                    for offset, gram in enumerate(cjk_bigrams(piece)):
                        yield start + offset, start + offset + len(gram), normalise(gram)
                elif piece:
                    for term in self.tokens(piece):
                        yield start, start + len(piece), term
                start += len(piece)
