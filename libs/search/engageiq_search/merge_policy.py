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


def merge_due(segments: list[SegmentEntry], embedder_id: str | None = None) -> list[SegmentEntry]:
    """The segments to merge into one next, smallest tier first; [] when none are due.

    `embedder_id` (the configured embedder's, "" for none): a segment embedded otherwise is
    left out, since merging it would embed all its live chunks again in one build process
    (e5: 0.6-3 chunks a second, so a tier of stale segments would outrun the process's time
    limit on every change and never merge); `reembed_due` moves it a bounded share per
    change instead. None: every segment counts (no embedder involved)."""
    if embedder_id is not None:
        segments = [e for e in segments if e.embedder == embedder_id]
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


REEMBED_CHUNKS: Final = 200
"""Live chunks re-embedded at most by one change (decision 0125): e5 embeds 0.6-3 chunks of
1,000 characters a second with their windows on this busy 2-core machine, so 1-6 minutes of a
build process, within its 600 s limit; a tenant's older segments are re-embedded over its
next changes."""


def reembed_due(
    segments: list[SegmentEntry], embedder_id: str
) -> tuple[SegmentEntry, list[str]] | None:
    """The segment to embed again next and which of its live files to move into a new
    segment now, or None when every segment carries `embedder_id`'s vectors ("" for none).
    The smallest such segment first; its files in order up to `REEMBED_CHUNKS` live chunks (at
    least one file). A segment embedded by another embedder, or with other windows, is
    searched by BM25 alone until then: this is how a change of `ENGAGEIQ_EMBEDDER` reaches
    existing tenants, with no command to run."""
    stale = [e for e in segments if e.embedder != embedder_id and e.live_chunks]
    if not stale:
        return None
    entry = min(stale, key=lambda e: (e.live_chunks, e.key))
    dead = set(entry.dead)
    moved: list[str] = []
    total = 0
    for file_id, count in entry.files.items():
        if file_id in dead:
            continue
        if moved and total + count > REEMBED_CHUNKS:
            break
        moved.append(file_id)
        total += count
    return entry, moved
