"""Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009): each ranking gives an
item `weight / (k + rank)`; items are ordered by the sum."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Final, TypeVar

RRF_K: Final = 60
Item = TypeVar("Item", bound=Hashable)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Item]],
    *,
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
    limit: int,
) -> list[tuple[Item, float]]:
    """The `limit` best items of `rankings` (each best first) with their fused scores, best
    first."""
    fused: dict[Item, float] = {}
    for n, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[n]
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    best = sorted(fused, key=lambda item: -fused[item])[:limit]
    return [(item, fused[item]) for item in best]
