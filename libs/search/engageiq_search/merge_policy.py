"""When a tenant's segments are merged: a tiered policy after Lucene's `TieredMergePolicy`
(decision 0100). Segments fall in tiers by live chunk count (tier t holds 10^t to 10^(t+1)
chunks); a tier holding more than `SEGMENTS_PER_TIER` segments is merged into one, which lands
in the same or the next tier. Each chunk is therefore rewritten about once per tier it climbs,
O(n log n) over a tenant's life, and a tenant of n chunks has at most `SEGMENTS_PER_TIER`
segments per tier: 5 tiers, at most 20 segments, at 50,000 chunks. A segment whose dead
chunks exceed `MAX_DEAD_SHARE` is rewritten too, so deleted files do not weigh on memory and
on document frequencies for long."""

from __future__ import annotations

import math
from typing import Final

from engageiq_search.manifest import SegmentEntry

SEGMENTS_PER_TIER: Final = 4
"""Lucene's default is 10; 4 keeps the worst-case segment count (and so a query's per-segment
work) low for small tenants, at the cost of rewriting small segments more often (cheap)."""
TIER_BASE: Final = 10
MAX_DEAD_SHARE: Final = 0.2


def tier(entry: SegmentEntry) -> int:
    return int(math.log(max(entry.live_chunks, 1), TIER_BASE))


def merge_due(segments: list[SegmentEntry]) -> list[SegmentEntry]:
    """The segments to merge into one next, smallest tier first; [] when none are due."""
    tiers: dict[int, list[SegmentEntry]] = {}
    for entry in segments:
        tiers.setdefault(tier(entry), []).append(entry)
    for level in sorted(tiers):
        if len(tiers[level]) > SEGMENTS_PER_TIER:
            return tiers[level]
    for entry in segments:
        if entry.chunks and entry.chunks - entry.live_chunks > MAX_DEAD_SHARE * entry.chunks:
            return [entry]
    return []
