"""Near-duplicate passages, collapsed at query time: the same paragraph in two files (a copy,
a deck that repeats the price list, boilerplate every document carries) would otherwise fill
the few passages a chat turn gets with one fact. Both stay indexed; the better-ranked one is
returned."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final, TypeVar

NEAR_DUPLICATE_JACCARD: Final = 0.8
"""Word-set overlap from which two passages count as one. Neighbouring chunks of one section
share their ~200-character overlap (about a fifth of their words), far below this."""

Hit = TypeVar("Hit")


def word_set(text: str) -> frozenset[str]:
    """The words of `text`, case-folded, split at whitespace: copies of a passage are nearly
    the same characters, so full normalisation (10x the cost, on every query) adds nothing."""
    return frozenset(text.casefold().split())


def near_duplicates(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return a == b
    small, large = sorted((len(a), len(b)))
    if small < NEAR_DUPLICATE_JACCARD * large:
        return False  # Jaccard is at most small / large
    common = len(a & b)
    return common / (len(a) + len(b) - common) >= NEAR_DUPLICATE_JACCARD


def distinct(hits: Iterable[tuple[Hit, str]], limit: int) -> Iterator[Hit]:
    """Up to `limit` of `hits` ((hit, text), best first), skipping any whose text nearly
    duplicates one already kept."""
    kept: list[frozenset[str]] = []
    for hit, text in hits:
        if len(kept) >= limit:
            return
        words = word_set(text)
        if any(near_duplicates(words, other) for other in kept):
            continue
        kept.append(words)
        yield hit
