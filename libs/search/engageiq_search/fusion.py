"""Reciprocal rank fusion (Cormack, Clarke and Buettcher, 2009): one ranking from several
rankers' rankings of the same chunks, by rank alone, so BM25's unbounded scores and cosine
similarities need no common scale.

    fused = reciprocal_rank_fusion(
        [bm25_ranking[:CANDIDATES], dense_ranking[:CANDIDATES]],
        weights=(1.0, DENSE_WEIGHT),
        limit=k,
    )

The constants were tuned on the dev split of bench/answer_quality.py only, per embedder
(`fusion_for`): wordllama's in decision 0106, e5's in decision 0125."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

RRF_K: Final = 60
"""Added to each 1-based rank: larger values flatten the difference between a ranker's first
and its tenth. The paper's value; on dev, recall@3 averaged over the other constants was
0.856..0.867 for any k from 10 to 120 (one question is 0.012)."""
DENSE_WEIGHT: Final = 1.0
"""The dense ranking's weight against BM25's 1.0: best on dev (recall@3 averaged over the
other constants 0.871; 0.842 at 0.5, 0.861 at 2.0)."""
CANDIDATES: Final = 20
"""How many of each ranker's best chunks are fused: 4x a chat turn's passages, so that the
fused list still fills a turn after near-duplicates collapse. On dev (84 chunks) 10 to 100
differ by at most one question, so this is not a measured optimum at 50,000 chunks."""


@dataclass(frozen=True, slots=True)
class FusionConstants:
    """How one embedder's dense ranking is fused with BM25's."""

    k: int
    dense_weight: float
    candidates: int


WORD_VECTORS: Final = FusionConstants(RRF_K, DENSE_WEIGHT, CANDIDATES)
"""wordllama's static vectors and any other embedder (decision 0106): an equal vote."""
E5: Final = FusionConstants(k=10, dense_weight=5.0, candidates=50)
"""e5 with sentence windows (decision 0125): on dev its dense ranking alone beats every fusion
that gives BM25 an equal say (recall@3 0.976 against 0.905 at 0106's constants), and any
share of BM25 in a score-level blend costs paraphrases; weighted 5 to 1 at k=10, BM25 only
breaks near-ties (its first place is worth ~2 dense places), which equals the dense ranking's
recall@3 and MRR on dev (0.976, 0.903) and keeps exact terms (codes, names) in reach."""


def fusion_for(embedder_id: str) -> FusionConstants:
    """The constants tuned for the embedder with this id (`Embedder.id`)."""
    return E5 if embedder_id.startswith("e5-") else WORD_VECTORS


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]],
    *,
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
    limit: int,
) -> list[int]:
    """The at most `limit` items (chunk ordinals) with the highest fused score
    `sum(weight / (k + rank))` over the rankings that hold them (rank 1-based; an item a
    ranking repeats counts at its first place), best first. Ties go to the item with the
    better best rank, then to the earlier ranking. Every item returned is in some ranking, and
    an item first in every ranking is first.

    `weights` (default all 1.0) has one non-negative weight per ranking. Raises ValueError for
    a `k` or `limit` below 0, or weights that do not match the rankings."""
    if limit < 0:
        raise ValueError(f"limit ({limit}) must be at least 0")
    scores, first_seen = _fused(rankings, k, weights)
    ordered = sorted(scores, key=lambda item: (-scores[item], *first_seen[item]))
    return ordered[:limit]


def fused_scores(
    rankings: Sequence[Sequence[int]], *, k: int = RRF_K, weights: Sequence[float] | None = None
) -> dict[int, float]:
    """Each item's fused score `sum(weight / (k + rank))` (what `reciprocal_rank_fusion`
    orders by; the score a search result reports). Raises ValueError as it does."""
    return _fused(rankings, k, weights)[0]


def _fused(
    rankings: Sequence[Sequence[int]], k: int, weights: Sequence[float] | None
) -> tuple[dict[int, float], dict[int, tuple[int, int]]]:
    if k < 0:
        raise ValueError(f"k ({k}) must be at least 0")
    weights = [1.0] * len(rankings) if weights is None else list(weights)
    if len(weights) != len(rankings) or any(w < 0 for w in weights):
        raise ValueError("weights must give one non-negative weight per ranking")
    scores: dict[int, float] = {}
    first_seen: dict[int, tuple[int, int]] = {}
    for which, (ranking, weight) in enumerate(zip(rankings, weights, strict=True)):
        seen: set[int] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            best = first_seen.get(item)
            if best is None or rank < best[0]:
                first_seen[item] = (rank, which)
    return scores, first_seen
