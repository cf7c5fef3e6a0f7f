"""Benchmark: what the dense half of hybrid retrieval costs (decision 0106), per embedder.

    .venv/bin/python bench/dense_speed.py [--chunks 2000] [--chars 1000] [--rows 50000]

- query embedding: p50 and p95 milliseconds to embed one question of bench/answer_quality's
  (after the model is loaded; the load itself is reported once);
- chunk embedding: chunks per second over `--chunks` chunks of about `--chars` characters
  (the chunker's size) cut from the answer corpus's words, against building today's BM25
  index of the same chunks and against wordllama's own `embed`, in the same run (ingestion
  must keep 0.7x of today's throughput);
- bytes per chunk in a segment: int8 codes plus the float32 scale;
- dense scoring: p50 and p95 milliseconds of `dense_scores` over `--rows` random unit vectors,
  and of reciprocal rank fusion of two `CANDIDATES`-long rankings."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.answer_quality import chunk_index, scored_text
from bench.answer_quality_corpus.documents import corpus
from bench.answer_quality_corpus.gold import parse_corpus
from bench.answer_quality_corpus.questions import QUESTIONS
from engageiq_files.ingestion.chunking import CHUNK_CHARS
from engageiq_search.embedder import (
    WORDLLAMA_DIMENSIONS,
    WordLlamaEmbedder,
    _load_wordllama,
    _wordllama_embed,
)
from engageiq_search.fusion import CANDIDATES, reciprocal_rank_fusion
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from engageiq_search.vectors import dense_scores, quantize

REPEATS = 200


def percentiles(run: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """p50 and p95 of `run`'s wall time, in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def embed_next(embedder: WordLlamaEmbedder, questions: Iterator[str]) -> object:
    return embedder.embed([next(questions)])


def cut_chunks(words: list[str], count: int, chars: int) -> Iterator[IndexedChunk]:
    """`count` chunks of about `chars` characters, the corpus's words in order, wrapping."""
    at = 0
    for number in range(count):
        taken: list[str] = []
        while sum(map(len, taken)) + len(taken) < chars:
            taken.append(words[at % len(words)])
            at += 1
        yield IndexedChunk("bench", "bench.txt", f"page {number + 1}", " ".join(taken))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=2000, help="chunks embedded for chunks/s")
    parser.add_argument("--chars", type=int, default=CHUNK_CHARS, help="characters per chunk")
    parser.add_argument("--rows", type=int, default=50_000, help="vectors scored per query")
    args = parser.parse_args()

    words = " ".join(c.text for c in chunk_index(parse_corpus(corpus()))).split()
    chunks = list(cut_chunks(words, args.chunks, args.chars))
    repeated = chunks
    texts = [scored_text(c) for c in chunks]
    questions = [q.text for q in QUESTIONS]
    print(
        f"{len(chunks)} chunks (mean {sum(map(len, texts)) / len(texts):.0f} characters), "
        f"{len(questions)} questions"
    )

    start = time.perf_counter()
    TenantIndex.build(repeated)
    bm25_rate = len(repeated) / (time.perf_counter() - start)
    print(f"BM25 index build (today's ingestion step): {bm25_rate:,.0f} chunks/s")

    rng = np.random.default_rng(106)
    for dimension in WORDLLAMA_DIMENSIONS:
        embedder = WordLlamaEmbedder(dimension)
        start = time.perf_counter()
        embedder.embed(["load"])
        load_seconds = time.perf_counter() - start
        start = time.perf_counter()
        embedder.embed(texts)
        rate = len(texts) / (time.perf_counter() - start)
        cycle = iter(questions * (REPEATS // len(questions) + 1))
        p50, p95 = percentiles(partial(embed_next, embedder, cycle))
        vectors = rng.standard_normal((args.rows, dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        codes, scales = quantize(vectors)
        query = vectors[0]
        s50, s95 = percentiles(partial(dense_scores, query, codes, scales))
        if dimension == max(WORDLLAMA_DIMENSIONS):
            start = time.perf_counter()
            _wordllama_embed(_load_wordllama(dimension), texts)
            theirs = len(texts) / (time.perf_counter() - start)
            print(f"wordllama's own embed at {dimension}: {theirs:,.0f} chunks/s")
        print(
            f"{embedder.id}: first load {load_seconds:.2f} s; query p50 {p50:.3f} ms "
            f"(p95 {p95:.3f}); {rate:,.0f} chunks/s ({rate / bm25_rate:.2f}x the BM25 build); "
            f"{dimension + 4} bytes per chunk; dense_scores at {args.rows:,} p50 {s50:.2f} ms "
            f"(p95 {s95:.2f})"
        )
    first = list(rng.permutation(args.rows)[:CANDIDATES])
    second = list(rng.permutation(args.rows)[:CANDIDATES])
    f50, _ = percentiles(lambda: reciprocal_rank_fusion([first, second], limit=15))
    print(f"reciprocal_rank_fusion of two {CANDIDATES}-long rankings: p50 {f50:.3f} ms")


if __name__ == "__main__":
    main()
