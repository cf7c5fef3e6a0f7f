"""Benchmark: ingestion end to end (parse + chunk + index build) per embedder, same run
(decision 0125; issue "Retrieval that understands meaning": ingestion at least 0.7x today's).

    .venv/bin/python bench/ingestion_embedders.py [--rounds 1]

The answer corpus's 22 files (bench/answer_quality_corpus: Markdown, HTML, CSV, text, Word,
PDF, PowerPoint and Excel, five languages) go through the production parsers and chunker
(`parse_corpus`, `chunk_index`) and become one segment (`Segment.build`, what the build
process runs) with no vectors, with wordllama's (the default, decision 0106) and with e5's
and its sentence windows' (`ENGAGEIQ_EMBEDDER=e5`). Each is timed from the files' bytes to the
serialised segment; reported as files and chunks a second, and as a ratio to wordllama's and
to no vectors'. Storage, queues and the sandbox process are left out: they cost the same
whichever embedder runs, so the ratios here are a lower bound of the real ones (a larger
constant part would bring every ratio closer to 1)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.answer_quality import chunk_index
from bench.answer_quality_corpus.documents import corpus
from bench.answer_quality_corpus.gold import parse_corpus
from engageiq_search.embedder import E5Embedder, Embedder, WordLlamaEmbedder
from engageiq_search.segment import Segment


def ingest(embedder: Embedder | None) -> tuple[float, float, int, int, int]:
    """Seconds to parse, seconds to build, files, chunks, windows."""
    files = corpus()
    started = time.perf_counter()
    chunks = chunk_index(parse_corpus(files))
    parsed = time.perf_counter()
    segment = Segment.build(chunks, embedder)
    segment.to_bytes()
    built = time.perf_counter()
    windows = segment.vectors.windows if segment.vectors is not None else None
    count = len(windows.owner) if windows is not None else 0
    return parsed - started, built - parsed, len(files), len(chunks), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1, help="runs per embedder (best kept)")
    args = parser.parse_args()
    embedders: dict[str, Embedder | None] = {
        "no vectors": None,
        "wordllama-l2-256": WordLlamaEmbedder(),
        "e5-small-q4-384-w2": E5Embedder(),
    }
    for embedder in embedders.values():
        if embedder is not None:
            embedder.embed(["warm"])  # weights loaded, as in the build processes' forkserver
    results: dict[str, tuple[float, float, int, int, int]] = {}
    for name, embedder in embedders.items():
        runs = [ingest(embedder) for _ in range(args.rounds)]
        results[name] = min(runs, key=lambda r: r[0] + r[1])
    print(
        f"{'embedder':<20} {'parse s':>8} {'build s':>8} {'files/s':>8} {'chunks/s':>9} "
        f"{'windows':>8} {'vs wordllama':>12} {'vs none':>8}"
    )
    total = {name: r[0] + r[1] for name, r in results.items()}
    for name, (parse_s, build_s, files, chunks, windows) in results.items():
        print(
            f"{name:<20} {parse_s:8.2f} {build_s:8.2f} {files / total[name]:8.2f} "
            f"{chunks / total[name]:9.1f} {windows:8d} "
            f"{total['wordllama-l2-256'] / total[name]:11.3f}x "
            f"{total['no vectors'] / total[name]:7.3f}x"
        )


if __name__ == "__main__":
    main()
