"""Benchmark: one tenant's index of 50,000 chunks - build rate and query latency of our
TenantIndex (bm25s) against rank_bm25's BM25Okapi on the same corpus and tokens, same run.

    .venv/bin/python bench/retrieval.py [--chunks 50000] [--queries 300]

Goals (issue 4): p50 <= 5 ms, and at least 20x rank_bm25. The corpus is synthetic but shaped
like text: a Zipf-distributed vocabulary, ~150 words (~1,000 characters) per chunk.

Then the same chunks with vectors, same run, per embedder: wordllama (decision 0106) and e5
with sentence windows (`ENGAGEIQ_EMBEDDER=e5`, a stack's choice since decision 0125): build rate
against the build without vectors (the index's share of ingestion), query p50 and p99 with
the question's embedding included (goal: p50 under 5 ms at 50,000 chunks) and without it, and
index bytes per chunk, serialised and in memory, against the format before segments (bm25s's
precomputed score matrix over the same tokens).

e5 embeds a few chunks a second here, so its 50,000 chunks' vectors are not computed: a sample
of `--e5-sample` chunks of ~1,000 characters of real prose (the answer corpus's words, as
bench/dense_speed.py cuts them) is built with e5 for the build rate, and its chunk and window
vectors are repeated over the 50,000 chunks: the same shapes (windows per chunk included) and
so the same scoring work as a real tenant's, with the question embedded for real."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bm25s
import msgspec
import numpy as np
from rank_bm25 import BM25Okapi

from engageiq_search.embedder import E5Embedder, Embedder, WordLlamaEmbedder
from engageiq_search.segment import Segment, Vectors, scored_text
from engageiq_search.tenant_index import IndexedChunk, IndexPart, TenantIndex
from engageiq_search.tokens import Tokenizer
from engageiq_search.vectors import WindowVectors

VOCABULARY = 30_000
WORDS_PER_CHUNK = 150


def make_corpus(n: int, rng: random.Random) -> tuple[list[str], list[str], list[float]]:
    syllables = ["ka", "lo", "mi", "ner", "tas", "vu", "pri", "cen", "dor", "ex", "ul", "zo"]
    vocab = [
        "".join(rng.choices(syllables, k=rng.randint(2, 4))) + str(i) for i in range(VOCABULARY)
    ]
    weights = [1 / (rank + 1) for rank in range(len(vocab))]  # Zipf's law
    texts = [" ".join(rng.choices(vocab, weights, k=WORDS_PER_CHUNK)) for _ in range(n)]
    return texts, vocab, weights


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--baseline-queries", type=int, default=30)
    parser.add_argument("--e5-sample", type=int, default=60, help="chunks e5 really embeds")
    parser.add_argument("--skip-bm25-baseline", action="store_true")
    args = parser.parse_args()

    rng = random.Random(4)  # noqa: S311 - reproducible benchmark data, not secrets
    texts, vocab, weights = make_corpus(args.chunks, rng)
    chunks = [
        IndexedChunk(f"f{i // 20}", f"file{i // 20}.txt", "page 1", t) for i, t in enumerate(texts)
    ]
    # Queries: 2-5 words drawn like the text, so common and rare terms mix as in questions.
    queries = [
        " ".join(rng.choices(vocab, weights, k=rng.randint(2, 5))) for _ in range(args.queries)
    ]

    started = time.perf_counter()
    index = TenantIndex.build(chunks)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    blob = index.to_bytes()
    loaded = TenantIndex.from_bytes(blob)
    roundtrip_s = time.perf_counter() - started

    for q in queries[:10]:
        loaded.search(q, 10)  # warm-up
    ours: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        loaded.search(q, 10)
        ours.append((time.perf_counter() - t0) * 1000)

    # The query side before issue 14 (every query word, no near-duplicate collapsing), same
    # index and run: what question stop words and collapsing cost per query.
    plain: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        loaded.search(q, 10, plain_query=True, collapse=False)
        plain.append((time.perf_counter() - t0) * 1000)

    if args.skip_bm25_baseline:
        print(
            f"TenantIndex (bm25s): build {args.chunks / build_s:,.0f} chunks/s; query p50 "
            f"{statistics.median(ours):.2f} ms, p99 {percentile(ours, 99):.2f} ms"
        )
        with_vectors(chunks, queries, index, build_s, len(blob), args.e5_sample)
        return
    tokenizer = Tokenizer()
    started = time.perf_counter()
    tokenized = [tokenizer.tokens(t) for t in texts]
    baseline = BM25Okapi(tokenized)
    baseline_build_s = time.perf_counter() - started
    theirs: list[float] = []
    for q in queries[: args.baseline_queries]:
        t0 = time.perf_counter()
        scores = baseline.get_scores(tokenizer.tokens(q))
        sorted(range(len(scores)), key=scores.__getitem__, reverse=True)[:10]
        theirs.append((time.perf_counter() - t0) * 1000)

    # Same top hit on the same query: both rank by BM25 (bm25s uses Lucene's IDF variant).
    agree = sum(
        1
        for q in queries[: args.baseline_queries]
        if loaded.search(q, 1)
        and texts[int(baseline.get_scores(tokenizer.tokens(q)).argmax())]
        == loaded.search(q, 1)[0][0].text
    )

    p50, p99 = statistics.median(ours), percentile(ours, 99)
    b50, b99 = statistics.median(theirs), percentile(theirs, 99)
    print(f"corpus: {args.chunks} chunks, {WORDS_PER_CHUNK} words each; {len(queries)} queries")
    print(
        f"TenantIndex (bm25s): build {build_s:.2f} s = {args.chunks / build_s:,.0f} chunks/s; "
        f"serialised {len(blob) / 1e6:.1f} MB, save+load {roundtrip_s:.2f} s"
    )
    print(f"TenantIndex (bm25s): query p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(
        f"  without query stop words and collapsing: p50 {statistics.median(plain):.2f} ms, "
        f"p99 {percentile(plain, 99):.2f} ms"
    )
    print(
        f"rank_bm25 BM25Okapi: build {baseline_build_s:.2f} s = "
        f"{args.chunks / baseline_build_s:,.0f} chunks/s (tokenising included)"
    )
    print(f"rank_bm25 BM25Okapi: query p50 {b50:.2f} ms, p99 {b99:.2f} ms ({len(theirs)} queries)")
    print(f"speed-up at p50: {b50 / p50:.0f}x; same top hit on {agree}/{len(theirs)} queries")
    print(
        f"goals: p50 <= 5 ms: {'met' if p50 <= 5 else 'NOT met'}; "
        f">= 20x rank_bm25: {'met' if b50 / p50 >= 20 else 'NOT met'}"
    )
    with_vectors(chunks, queries, index, build_s, len(blob), args.e5_sample)


def with_vectors(
    chunks: list[IndexedChunk],
    queries: list[str],
    plain: TenantIndex,
    plain_build_s: float,
    plain_blob: int,
    e5_sample: int,
) -> None:
    n = len(chunks)
    sizes: list[tuple[str, int, int]] = []
    wordllama = WordLlamaEmbedder()
    wordllama.warm()  # as the build processes' forkserver does
    started = time.perf_counter()
    index = TenantIndex.build(chunks, embedder=wordllama)
    build_s = time.perf_counter() - started
    print(f"with vectors ({wordllama.id}), same chunks:")
    print(
        f"  build {build_s:.2f} s = {n / build_s:,.0f} chunks/s: "
        f"{plain_build_s / build_s:.2f}x the rate without vectors"
    )
    queried(index, wordllama, queries)
    sizes.append((wordllama.id, len(index.to_bytes()), index.memory_bytes))

    e5 = E5Embedder()
    e5.warm()
    sample = prose_chunks(e5_sample)
    Segment.build(sample[:2], e5)  # the engine's threads start
    started = time.perf_counter()
    built = Segment.build(sample, e5)
    e5_s = time.perf_counter() - started
    plain_sample_s = timed(lambda: Segment.build(sample))
    assert built.vectors is not None
    assert built.vectors.windows is not None
    windows = built.vectors.windows
    print(
        f"with vectors ({e5.id}): build of {len(sample)} chunks of prose "
        f"({len(windows.owner) / len(sample):.1f} windows a chunk): "
        f"{len(sample) / e5_s:,.1f} chunks/s, {plain_sample_s / e5_s:.4f}x the rate without "
        "vectors (same chunks)"
    )
    index = TenantIndex([IndexPart("", with_repeated_vectors(plain.parts[0].segment, built))])
    queried(index, e5, queries)
    sizes.append((e5.id, len(index.to_bytes()), index.memory_bytes))

    before = format_2_bytes(chunks)
    print("index bytes per chunk (serialised / estimated in memory):")
    print(f"  before segments (format 2): {before / n:,.0f} / n.a.")
    print(f"  segments, no vectors:       {plain_blob / n:,.0f} / {plain.memory_bytes / n:,.0f}")
    for name, blob, memory in sizes:
        print(f"  segments, {name}: {blob / n:,.0f} / {memory / n:,.0f}")


def queried(index: TenantIndex, embedder: Embedder, queries: list[str]) -> None:
    """Query p50 and p99 with the question's embedding, and of the embedding alone."""
    for q in queries[:10]:
        index.search(q, 10, embedder=embedder)
    times = [timed(partial(index.search, q, 10, embedder=embedder)) * 1000 for q in queries]
    embeds = [timed(partial(embedder.embed_query, q)) * 1000 for q in queries]
    p50, p99 = statistics.median(times), percentile(times, 99)
    e50, e99 = statistics.median(embeds), percentile(embeds, 99)
    print(f"  query p50 {p50:.2f} ms, p99 {p99:.2f} ms (embedding the question included)")
    print(f"  of which the question's embedding alone: p50 {e50:.2f} ms, p99 {e99:.2f} ms")
    print(
        f"  goal: p50 under 5 ms at {len(index.chunks):,} chunks: {'met' if p50 < 5 else 'NOT met'}"
    )


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def prose_chunks(count: int) -> list[IndexedChunk]:
    """`count` chunks of ~1,000 characters of the answer corpus's words (sentences intact)."""
    from bench.answer_quality import chunk_index
    from bench.answer_quality_corpus.documents import corpus
    from bench.answer_quality_corpus.gold import parse_corpus
    from bench.dense_speed import cut_chunks

    words = " ".join(c.text for c in chunk_index(parse_corpus(corpus()))).split()
    return list(cut_chunks(words, count, 1000))


def with_repeated_vectors(segment: Segment, sample: Segment) -> Segment:
    """`segment` with `sample`'s chunk and window vectors repeated over its chunks."""
    assert sample.vectors is not None
    assert sample.vectors.windows is not None
    n, s = len(segment), len(sample)
    take = np.arange(n, dtype=np.int64) % s
    windows = sample.vectors.windows
    picked = np.concatenate([np.arange(windows.starts[i], windows.starts[i + 1]) for i in take])
    owner = np.repeat(np.arange(n, dtype=np.int32), windows.counts(take))
    vectors = Vectors(
        sample.vectors.embedder_id,
        sample.vectors.codes[take],
        sample.vectors.scales[take],
        WindowVectors(windows.codes[picked], windows.scales[picked], owner, n),
    )
    return Segment(
        segment.chunks, segment.chunk_file, segment.vocab, segment.tf, segment.doc_len, vectors
    )


def format_2_bytes(chunks: list[IndexedChunk]) -> int:
    """The size of a format-2 blob of `chunks` (decision 0083: the chunks as JSON lines,
    the vocabulary, bm25s's score matrix as float32 data, int32 indices and indptr)."""
    tokenizer = Tokenizer()
    vocab: dict[str, int] = {}
    ids = [
        [vocab.setdefault(t, len(vocab)) for t in tokenizer.tokens(scored_text(c))] for c in chunks
    ]
    model = bm25s.BM25(method="lucene")
    scores = model.build_index_from_ids(
        unique_token_ids=list(range(len(vocab))), corpus_token_ids=ids, show_progress=False
    )
    matrix = sum(int(scores[name].nbytes) for name in ("data", "indices", "indptr"))
    lines = sum(len(msgspec.json.encode(c)) + 1 for c in chunks)
    return matrix + lines + len(json.dumps(list(vocab)))


if __name__ == "__main__":
    main()
