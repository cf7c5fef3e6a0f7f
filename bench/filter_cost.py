"""Benchmark: what audience filtering costs a query (decision 0111) at 50,000 chunks.

    .venv/bin/python bench/filter_cost.py [--chunks 50000] [--queries 200]

One tenant's chunks (bench/index_growth.py's synthetic prose, 10 chunks a file) laid out as
the most segments the merge policy allows (`index_growth.worst_case_sizes`), searched with
`TenantIndex.search` as the chat does (hybrid: BM25 fused with wordllama vectors, the question's
embedding included) and by BM25 alone, k=5. Per mode, p50 and p99 over the same questions:

- no filter (the baseline, same run);
- `exclude=` the files of restricted collections the caller is outside: 10% and 50% of the
  tenant's files, a fresh frozenset per query as `KnowledgeView.hidden_files` returns one;
- `files=` a conversation's scope: one collection of 5% of the files;
- the 50% case with the masks computed as before this benchmark (`legacy_masks`).

The filtered/unfiltered ratio is printed per case. Then the mask computation alone (the
per-segment "may this chunk be returned" arrays) per query: the code before decision 0111's
measurement (`set(...)` of the ids per segment, a Python loop over every file id) against
the index's own path, so its share of a filtered query is visible."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Collection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import numpy.typing as npt

from bench.index_growth import VOCABULARY, passage, worst_case_sizes
from engageiq_search.embedder import Embedder, WordLlamaEmbedder
from engageiq_search.segment import IndexedChunk, Segment
from engageiq_search.tenant_index import MASK_CACHE_ENTRIES, IndexPart, TenantIndex

CHUNKS_PER_FILE = 10
K = 5


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def layout(chunks: int, embedder: Embedder) -> TenantIndex:
    rng = random.Random(5)  # noqa: S311 (a benchmark's corpus, not a secret)
    all_chunks = [
        IndexedChunk(
            f"f{n // CHUNKS_PER_FILE}",
            f"f{n // CHUNKS_PER_FILE}.md",
            f"section {n % CHUNKS_PER_FILE}",
            passage(rng),
            "",
        )
        for n in range(chunks)
    ]
    parts = []
    start = 0
    for n, size in enumerate(worst_case_sizes(chunks)):
        segment = Segment.build(all_chunks[start : start + size], embedder)
        parts.append(IndexPart(str(n), segment))
        start += size
    return TenantIndex(parts)


def legacy_masks(
    index: TenantIndex, files: Collection[str] | None, exclude: Collection[str]
) -> list[npt.NDArray[np.bool_]]:
    """The masks as `TenantIndex._allowed` computed them before this benchmark: per segment,
    a set of the ids and a Python loop over every file id of the segment."""

    def mask(segment: Segment, ids: set[str]) -> npt.NDArray[np.bool_]:
        ordinals = np.array([i for i, f in enumerate(segment.file_ids) if f in ids], dtype=np.int32)
        return np.isin(segment.chunk_file, ordinals)

    masks = []
    for part in index.parts:
        allowed = part.live
        if files is not None:
            allowed = allowed & mask(part.segment, set(files))
        if exclude:
            allowed = allowed & ~mask(part.segment, set(exclude))
        masks.append(allowed)
    return masks


class BeforeIndex(TenantIndex):
    """The index with the masks computed as before (`legacy_masks`), for the same run."""

    def allowed_masks(
        self, files: Collection[str] | None, exclude: Collection[str]
    ) -> tuple[npt.NDArray[np.bool_], ...]:
        return tuple(legacy_masks(self, files, exclude))


def timed(run: Callable[[str], object], questions: list[str]) -> list[float]:
    times = []
    for question in questions:
        started = time.perf_counter()
        run(question)
        times.append((time.perf_counter() - started) * 1000)
    return times


def mask_times(
    index: TenantIndex, scoped: Collection[str] | None, hidden: frozenset[str], questions: list[str]
) -> str:
    """The masks' cost before and now (computed, and found in the index's cache), p50."""
    old = timed(lambda _: legacy_masks(index, scoped, frozenset(hidden)), questions)
    # A new TenantIndex over the same parts has no cached masks: the computation itself.
    cold = timed(lambda _: TenantIndex(index.parts).allowed_masks(scoped, hidden), questions)
    new = timed(lambda _: index.allowed_masks(scoped, frozenset(hidden)), questions)
    same = all(
        np.array_equal(a, b)
        for a, b in zip(
            legacy_masks(index, scoped, hidden), index.allowed_masks(scoped, hidden), strict=True
        )
    )
    return (
        f"before: p50 {statistics.median(old):.3f} ms; now {statistics.median(cold):.3f} ms "
        f"computed, {statistics.median(new):.3f} ms cached; same masks: {same}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    started = time.monotonic()
    embedder = WordLlamaEmbedder()
    embedder.warm()
    index = layout(args.chunks, embedder)
    files = sorted({c.file_id for p in index.parts for c in p.segment.chunks})
    rng = random.Random(9)  # noqa: S311
    shuffled = rng.sample(files, len(files))
    hidden_10 = shuffled[: len(files) // 10]
    hidden_50 = shuffled[: len(files) // 2]
    scope = shuffled[-len(files) // 20 :]
    # The 1,000 commonest words: most questions match thousands of chunks (the work a mask
    # could add to is ranking them), as a sales question's words do.
    questions = [" ".join(rng.sample(VOCABULARY[:1000], 4)) for _ in range(args.queries)]
    # More distinct hidden sets than the index keeps masks for: every query computes its own.
    varied = [rng.sample(files, len(files) // 2) for _ in range(MASK_CACHE_ENTRIES + 1)]
    cases: dict[str, tuple[Collection[str] | None, list[list[str]]]] = {
        "no filter": (None, [[]]),
        "exclude 10% of files": (None, [hidden_10]),
        "exclude 50% of files": (None, [hidden_50]),
        "exclude 50%, uncached": (None, varied),
        "files= a 5% scope": (scope, [[]]),
        "exclude 50%, old masks": (None, [hidden_50]),
    }
    before = BeforeIndex(index.parts)
    print(
        f"{args.chunks:,} chunks, {len(files):,} files in {len(index.parts)} segments "
        f"(the merge policy's worst case); {len(questions)} 4-word questions, k={K}; "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    modes: dict[str, Embedder | None] = {"hybrid (wordllama)": embedder, "BM25 alone": None}
    for mode, used in modes.items():
        for question in questions[:20]:  # warm
            index.search(question, K, embedder=used)
        # Interleaved case by case per question, so load changes hit every case alike.
        times: dict[str, list[float]] = {case: [] for case in cases}
        for n, question in enumerate(questions):
            for case, (scoped, hidden) in cases.items():
                # A new set per query, as `KnowledgeView.hidden_files` returns one.
                fresh = frozenset(hidden[n % len(hidden)])
                begun = time.perf_counter()
                searched = before if case.endswith("old masks") else index
                searched.search(question, K, embedder=used, files=scoped, exclude=fresh)
                times[case].append((time.perf_counter() - begun) * 1000)
        base = percentiles(times["no filter"])
        print(f"{mode}:")
        for case, values in times.items():
            p50, p99 = percentiles(values)
            print(
                f"  {case:<24} p50 {p50:6.2f} ms ({p50 / base[0]:.2f}x)  "
                f"p99 {p99:6.2f} ms ({p99 / base[1]:.2f}x)"
            )
    print("mask computation alone, per query (all segments):")
    for case, (scoped, hidden_sets) in cases.items():
        if (scoped is None and not hidden_sets[0]) or len(hidden_sets) > 1 or "old" in case:
            continue
        print(f"  {case:<24} {mask_times(index, scoped, frozenset(hidden_sets[0]), questions)}")
    print(
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
        f"({time.monotonic() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
