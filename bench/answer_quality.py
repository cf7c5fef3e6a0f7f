"""Benchmark: answer quality on a sales corpus - is the right document retrieved, does the
prompt sent to the model hold the fact, does the offline answer hold it - for our retrieval
and a plain bm25s-over-paragraphs baseline, in the same run.

    .venv/bin/python bench/answer_quality.py [--show-misses]

The corpus (bench/answer_quality_corpus/) is a fictional company's sales library generated as
Markdown, HTML, CSV, text, Word, PDF, PowerPoint and Excel files; each question names the file
that answers it and a fact string the answer must contain (a fifth are paraphrased). Every
file goes through the production parsers and chunker; then, per retrieval system:

- recall@1, recall@3 and MRR (over the top 5) of the first passage from the right file;
- prompt: the share of Messages API requests, sent by the real Anthropic provider to the local
  Messages stub (tests/support/messages_server.py), whose body holds the fact;
- offline: the share of offline-responder answers that hold the fact, for the responder now
  (sentence and row extracts) and the one before (each passage's first sentence);
- cited: passages cited per offline answer (before: every retrieved passage), and the share
  of offline answers that cite the question's file.

Systems: `baseline` is bm25s over the parsed files' paragraphs (blank-line separated, a PDF
page or a sheet's rows without blank lines stay whole) with bm25s's own tokenizer and English
stop words; `before` is our index as it was (chunk text only, every query word, no collapsing);
`ours` is the index now. Goals (issue 14): ours recall@3 >= 0.98 and above the baseline;
offline answers hold the fact >= 90%."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bm25s

from bench.answer_quality_corpus.documents import CorpusFile, corpus
from bench.answer_quality_corpus.questions import QUESTIONS, Question
from engageiq_chat.context.prompt import Persona, PromptBuilder
from engageiq_chat.context.retrieval import Passage
from engageiq_chat.providers.anthropic_provider import AnthropicProvider
from engageiq_chat.providers.base import ModelRequest
from engageiq_chat.providers.extracts import ExtractPicker
from engageiq_chat.providers.offline import offline_answer
from engageiq_chat.routing.intents import IntentRouter
from engageiq_chat.turns.turn import PASSAGES_PER_TURN
from engageiq_files.config import FilesSettings
from engageiq_files.ingestion.chunking import chunk_sections
from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sections import ParseLimits, Section
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from tests.support.messages_server import MessagesServer

SETTINGS = FilesSettings()
LIMITS = ParseLimits(
    max_pages=SETTINGS.max_pages,
    max_text_chars=SETTINGS.max_text_chars,
    max_docx_uncompressed_bytes=SETTINGS.max_docx_uncompressed_bytes,
)
TOP_K = PASSAGES_PER_TURN  # what a chat turn retrieves
_SENTENCE = re.compile(r"(.+?[.!?])(?:\s|$)", re.DOTALL)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

Search = Callable[[str], list[Passage]]


def squeeze(text: str) -> str:
    """Case- and whitespace-insensitive form for fact matching (PDF text wraps lines)."""
    return " ".join(text.split()).casefold()


def holds(text: str, fact: str) -> bool:
    return squeeze(fact) in squeeze(text)


def answers(text: str, question: Question) -> bool:
    """`text` holds the question's fact, as any file of the corpus writes it."""
    return any(holds(text, fact) for fact in question.facts)


def parse_corpus(files: list[CorpusFile]) -> dict[str, list[Section]]:
    parsed: dict[str, list[Section]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for f in files:
            path = Path(folder) / f.name
            path.write_bytes(f.content)
            parsed[f.name] = parse_document(str(path), f.kind, LIMITS).sections
    return parsed


def check_facts(parsed: dict[str, list[Section]]) -> None:
    """Every fact must be in its file's parsed text (and every other spelling of it in some
    file), or the question measures nothing."""
    everything = "\n".join(s.text for sections in parsed.values() for s in sections)
    missing = [
        (q.document, fact)
        for q in QUESTIONS
        for fact in q.facts
        if not holds(
            "\n".join(s.text for s in parsed[q.document]) if fact == q.fact else everything, fact
        )
    ]
    if missing:
        for document, fact in missing:
            print(f"fact not in parsed text: {document}: {fact!r}")
        raise SystemExit(2)


def chunk_index(parsed: dict[str, list[Section]]) -> list[IndexedChunk]:
    return [
        IndexedChunk(name, name, c.location, c.text, "2026-01-01T00:00:00Z")
        for name, sections in parsed.items()
        for c in chunk_sections(sections)
    ]


def as_passage(chunk: IndexedChunk) -> Passage:
    return Passage(chunk.file_id, chunk.file_name, chunk.text, chunk.location, chunk.uploaded_at)


def ours(chunks: list[IndexedChunk]) -> Search:
    index = TenantIndex.build(chunks)
    return lambda q: [as_passage(c) for c, _ in index.search(q, TOP_K)]


def before(chunks: list[IndexedChunk]) -> Search:
    index = TenantIndex.build(chunks, text_of=lambda c: c.text)
    return lambda q: [
        as_passage(c) for c, _ in index.search(q, TOP_K, plain_query=True, collapse=False)
    ]


def baseline(parsed: dict[str, list[Section]]) -> Search:
    paragraphs = [
        Passage(name, name, p.strip(), s.location)
        for name, sections in parsed.items()
        for s in sections
        for p in _PARAGRAPH_BREAK.split(s.text)
        if p.strip()
    ]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([p.text for p in paragraphs], stopwords="en", show_progress=False),
        show_progress=False,
    )

    def search(q: str) -> list[Passage]:
        tokens = bm25s.tokenize([q], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        found, scores = retriever.retrieve(
            tokens, k=min(TOP_K, len(paragraphs)), show_progress=False
        )
        return [paragraphs[i] for i, s in zip(found[0], scores[0], strict=True) if s > 0]

    return search


def first_sentence_answer(request: ModelRequest) -> str:
    """The offline responder before issue 14, for comparison: each passage's first sentence."""
    lines = []
    for p in request.passages:
        match = _SENTENCE.match(p.text.strip())
        sentence = (match.group(1) if match else p.text.strip())[:300]
        lines.append(f"- {sentence} [{p.source_id}]")
    return "\n".join(lines)


@dataclass
class Figures:
    name: str
    recall1: float = 0.0
    recall3: float = 0.0
    recall3_paraphrased: float = 0.0
    mrr: float = 0.0
    prompt: float = 0.0
    offline_now: float = 0.0
    offline_before: float = 0.0
    cited_now: float = 0.0
    cited_before: float = 0.0
    cites_document: float = 0.0


async def prompt_bodies(requests: list[ModelRequest]) -> list[str]:
    """The request bodies the Anthropic provider sends, as the Messages stub received them."""
    server = MessagesServer().start()
    provider = AnthropicProvider("bench-key", base_url=server.url, max_retries=0)
    try:
        for request in requests:
            async for _ in provider.stream(request):
                pass
    finally:
        await provider.aclose()
        server.stop()
    bodies = []
    for received in server.requests:
        body = received.body
        system = " ".join(block["text"] for block in body["system"])
        bodies.append(system + " " + " ".join(m["content"] for m in body["messages"]))
    return bodies


def measure(name: str, search: Search, show_misses: bool) -> Figures:
    builder = PromptBuilder(history_token_budget=4000)
    router = IntentRouter()
    picker = ExtractPicker()
    ranks: list[int | None] = []
    requests: list[ModelRequest] = []
    for q in QUESTIONS:
        passages = search(q.text)
        files = list(dict.fromkeys(p.source_id for p in passages))
        ranks.append(files.index(q.document) + 1 if q.document in files else None)
        requests.append(
            builder.build(
                model="claude-bench",
                max_tokens=512,
                intent=router.classify(q.text, None).intent,
                persona=Persona(company="Lumora"),
                history=[],
                message=q.text,
                passages=passages,
            )
        )
    bodies = asyncio.run(prompt_bodies(requests))
    n = len(QUESTIONS)
    figures = Figures(name)
    figures.recall1 = sum(r == 1 for r in ranks) / n
    figures.recall3 = sum(r is not None and r <= 3 for r in ranks) / n
    paraphrased = [r for r, q in zip(ranks, QUESTIONS, strict=True) if q.paraphrased]
    figures.recall3_paraphrased = sum(r is not None and r <= 3 for r in paraphrased) / len(
        paraphrased
    )
    figures.mrr = sum(1 / r for r in ranks if r is not None) / n
    figures.prompt = sum(answers(b, q) for b, q in zip(bodies, QUESTIONS, strict=True)) / n
    now_hits = 0
    before_hits = 0
    for q, request, rank in zip(QUESTIONS, requests, ranks, strict=True):
        answer = offline_answer(request, picker)
        now_hits += answers(answer.text, q)
        before_hits += answers(first_sentence_answer(request), q)
        figures.cited_now += len(answer.used) / n
        cited = {request.passages[i].source_id for i in answer.used}
        figures.cites_document += (q.document in cited) / n
        figures.cited_before += len(request.passages) / n
        if show_misses and (rank is None or rank > 3 or not answers(answer.text, q)):
            print(f"[{name}] rank={rank} fact={q.fact!r} q={q.text!r}")
            print("   " + answer.text.replace("\n", "\n   "))
    figures.offline_now = now_hits / n
    figures.offline_before = before_hits / n
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    files = corpus()
    parsed = parse_corpus(files)
    check_facts(parsed)
    chunks = chunk_index(parsed)
    kinds = sorted({f.kind for f in files})
    paraphrased = sum(q.paraphrased for q in QUESTIONS)
    print(
        f"corpus: {len(files)} files ({', '.join(kinds)}), {len(chunks)} chunks; "
        f"{len(QUESTIONS)} questions, {paraphrased} paraphrased; top {TOP_K} passages per turn"
    )
    rows = [
        measure("baseline", baseline(parsed), args.show_misses),
        measure("before", before(chunks), args.show_misses),
        measure("ours", ours(chunks), args.show_misses),
    ]
    print(
        f"{'system':<9} {'R@1':>5} {'R@3':>5} {'R@3 para':>8} {'MRR':>5} {'prompt':>6} "
        f"{'offline now':>11} {'offline before':>14} {'cited now/before':>16} {'cites doc':>9}"
    )
    for f in rows:
        print(
            f"{f.name:<9} {f.recall1:5.2f} {f.recall3:5.2f} {f.recall3_paraphrased:8.2f} "
            f"{f.mrr:5.2f} {f.prompt:6.2f} {f.offline_now:11.2f} {f.offline_before:14.2f} "
            f"{f.cited_now:12.1f}/{f.cited_before:.1f} {f.cites_document:9.2f}"
        )
    base, mine = rows[0], rows[-1]
    print(
        f"goals: recall@3 >= 0.98 and above the baseline: "
        f"{'met' if mine.recall3 >= 0.98 and mine.recall3 > base.recall3 else 'NOT met'} "
        f"({mine.recall3:.2f} vs {base.recall3:.2f}); offline answers hold the fact >= 90%: "
        f"{'met' if mine.offline_now >= 0.9 else 'NOT met'} ({mine.offline_now:.0%})"
    )


if __name__ == "__main__":
    main()
