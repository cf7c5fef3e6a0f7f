"""Benchmark: answer quality on a sales corpus - is the right document retrieved, does the
prompt sent to the model hold the fact, does the offline answer hold it, does it say so when
the documents do not answer - for our retrieval and a plain bm25s-over-paragraphs baseline, in
the same run, on a dev split (tune on it) and a test split (never tune on it; decision 0105).

    .venv/bin/python bench/answer_quality.py [--split dev|test|both] [--before] [--show-misses]

`--show-misses` prints the dev split's misses, the test split's only with `--split test`: the
test split is for reporting, and a miss read is a miss tuned for.

The corpus (bench/answer_quality_corpus/) is a fictional company's sales library, 22 files in
English, German, French, Spanish and Japanese, generated as Markdown, HTML, CSV, text, Word,
PDF, PowerPoint and Excel files. Each question is `lexical`, `paraphrase` (content-word
Jaccard with the sentence holding its fact below 0.2) or `unanswerable`, and names the file
that answers it and a fact string the answer must contain. Every file goes through the
production parsers and chunker; then, per retrieval system and split:

- recall@1, recall@3 and MRR (over the top 5) of the first passage from the right file, over
  the answerable questions; recall@3 over the paraphrases and over the non-English questions;
- prompt: the share of Messages API requests, sent by the real Anthropic provider to the local
  Messages stub (tests/support/messages_server.py), whose body holds the fact;
- offline: the share of offline-responder answers that hold the fact; cites doc: the share
  that cite the question's file; abstains: the share that quote nothing although the
  question is answerable. Every system is answered by the responder the chat service runs
  without an API key: by meaning (e5) and words (`ENGAGEIQ_CHAT_OFFLINE_READER`, decisions
  0126, 0128), or by words alone with `--offline-reader words`;
- does not say: on unanswerable questions, the share of offline answers that say the
  documents do not say (the responder's `NO_MATCH`, or `NO_DOCUMENTS` when nothing was
  retrieved) and quote and cite nothing, instead of quoting something loosely related.
  Abstaining is not free: an answer that always says so holds no fact (no question and
  neither sentence holds one; tests/unit/bench checks it), so it scores 0 on "offline" and 1
  on "abstains".

`hybrid` is our index as the services search it by default: BM25 fused with a dense ranking
of wordllama vectors of each chunk, int8 as a segment stores them, by reciprocal rank fusion
with `engageiq_search.fusion`'s constants for wordllama (decision 0106); `hybrid e5` the same
with `ENGAGEIQ_EMBEDDER=e5`: e5 vectors of each chunk and its two-sentence windows, and e5's
constants (decision 0125). `--tune`
prints the dev split's retrieval figures over a grid of embedders, window sizes, ways of
scoring a chunk, fusion constants and a score-level blend instead (dev only, always;
`--tune-only NAME` runs one embedder of `TUNE_EMBEDDERS`).

`baseline` is bm25s over the parsed files' paragraphs (blank-line separated, a PDF page or a
sheet's rows without blank lines stay whole) with bm25s's own tokenizer and English stop
words, answered by the same offline responder; `ours` is the index now; with `--before`,
`before` is our index without decision 0070 (chunk text only, every query word, no
collapsing). Goals (issue "Benchmark that generalises"), on the test split and each above the
baseline: recall@3 >= 0.98, recall@3 on paraphrases >= 0.95, fact in offline answers >= 90%,
"does not say" >= 80%.

bench/answer_trust.py runs these questions, and a set of conflicting versions, with trust
ordering and without (decision 0111)."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bm25s
import numpy as np

from bench.answer_quality_corpus.documents import corpus
from bench.answer_quality_corpus.gold import holds, parse_corpus
from bench.answer_quality_corpus.questions import QUESTIONS, Question
from engageiq_chat.context.prompt import Persona, PromptBuilder
from engageiq_chat.context.retrieval import Passage
from engageiq_chat.providers.anthropic_provider import AnthropicProvider
from engageiq_chat.providers.base import ModelRequest
from engageiq_chat.providers.extracts import ExtractPicker
from engageiq_chat.providers.offline import (
    NO_DOCUMENTS,
    NO_MATCH,
    OfflineAnswer,
    answer_embedder,
    offline_answer,
)
from engageiq_chat.routing.intents import IntentRouter
from engageiq_chat.turns.turn import PASSAGES_PER_TURN
from engageiq_files.ingestion.chunking import chunk_sections
from engageiq_files.ingestion.sections import Section
from engageiq_search.duplicates import distinct
from engageiq_search.embedder import E5Embedder, Embedder, WordLlamaEmbedder, embedder_for
from engageiq_search.fusion import CANDIDATES, DENSE_WEIGHT, RRF_K, reciprocal_rank_fusion
from engageiq_search.indexed_text import indexed_text
from engageiq_search.segment import Segment
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from engageiq_search.vectors import WindowVectors, dense_scores, windowed_scores
from engageiq_tenancy.setting_catalog import ChatVariables, OfflineReader, SharedVariables
from tests.support.messages_server import MessagesServer

TOP_K = PASSAGES_PER_TURN  # what a chat turn retrieves
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

Search = Callable[[str], list[Passage]]


def answers(text: str, question: Question) -> bool:
    """`text` holds the question's fact, as any file of the corpus writes it."""
    return any(holds(text, fact) for fact in question.facts)


def says_not_found(answer: OfflineAnswer) -> bool:
    """`answer` says the documents do not say, and quotes and cites nothing: no passage used
    and no quoted line ("- ... [source]")."""
    said = NO_MATCH in answer.text or NO_DOCUMENTS in answer.text
    quoted = any(line.startswith("- ") for line in answer.text.splitlines())
    return said and not quoted and not answer.used


def check_facts(parsed: dict[str, list[Section]]) -> None:
    """Every fact must be in its file's parsed text (and every other spelling of it in some
    file), or the question measures nothing."""
    everything = "\n".join(s.text for sections in parsed.values() for s in sections)
    missing = [
        (q.document, fact)
        for q in QUESTIONS
        if q.document is not None
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


def default_embedder() -> Embedder:
    """What the services embed with when `ENGAGEIQ_EMBEDDER` is not set (wordllama; decisions
    0106, 0125)."""
    embedder = embedder_for(SharedVariables.EMBEDDER.default)
    assert embedder is not None
    return embedder


def ours_hybrid(chunks: list[IndexedChunk], embedder: Embedder | None = None) -> Search:
    """Our index as the services build and search it (`ENGAGEIQ_EMBEDDER`, by default wordllama;
    e5 with sentence windows when chosen): segment vectors, BM25 and dense rankings fused in
    `TenantIndex.search`."""
    embedder = embedder or default_embedder()
    index = TenantIndex.build(chunks, embedder=embedder)
    return lambda q: [as_passage(c) for c, _ in index.search(q, TOP_K, embedder=embedder)]


def before(chunks: list[IndexedChunk]) -> Search:
    """Our index without decision 0070 (chunk text only, every query word, no collapsing)."""
    index = TenantIndex.build(chunks, text_of=lambda c: c.text)
    return lambda q: [
        as_passage(c) for c, _ in index.search(q, TOP_K, plain_query=True, collapse=False)
    ]


def scored_text(chunk: IndexedChunk) -> str:
    """What BM25 scores for a chunk (`indexed_text`): file name, heading, text."""
    return indexed_text(chunk.file_name, chunk.location, chunk.text)


@dataclass(frozen=True)
class Fusion:
    """The constants of reciprocal rank fusion (`engageiq_search.fusion`)."""

    k: int = RRF_K
    weight: float = DENSE_WEIGHT
    candidates: int = CANDIDATES


DenseMode = str
"""How a chunk's dense score is made: "chunk" (its own vector's cosine), "windows" (its best
sentence window's), "windows+chunk" (both added: what `TenantIndex` does, decision 0125);
"pairs" and "pairs+chunk" the same over every other stored window and each chunk's last:
decision 0125 measured with it, while segments stored overlapping windows, that windows
which do not overlap lose nothing, and segments store those since."""


class Hybrid:
    """Our index's BM25 ranking and a dense ranking over the same chunks, fused by reciprocal
    rank fusion, near-duplicates collapsed after fusion as our index collapses them. The
    vectors are a segment's, built as the services build them (`Segment.build`)."""

    def __init__(
        self,
        chunks: list[IndexedChunk],
        embedder: Embedder,
        dense_text: Callable[[IndexedChunk], str] = scored_text,
        index: TenantIndex | None = None,
    ) -> None:
        self.chunks = chunks
        self.embedder = embedder
        self.index = index or TenantIndex.build(chunks)
        self.ordinal = {id(c): i for i, c in enumerate(self.index.chunks)}
        vectors = Segment.build(chunks, embedder, dense_text).vectors
        assert vectors is not None
        self.vectors = vectors
        self._queries: dict[str, Any] = {}

    def bm25(self, query: str, n: int) -> list[int]:
        return [self.ordinal[id(c)] for c, _ in self.index.search(query, n)]

    def dense_all(self, query: str, mode: DenseMode = "windows+chunk") -> Any:
        """Every chunk's dense score for `query` (float32, one per chunk)."""
        vector = self._queries.get(query)
        if vector is None:
            vector = self._queries[query] = self.embedder.embed_query(query)
        scores = dense_scores(vector, self.vectors.codes, self.vectors.scales)
        windows = self.vectors.windows
        if mode != "chunk" and windows is not None:
            if mode.startswith("pairs"):
                windows = every_other(windows)
            rows = np.arange(len(scores), dtype=np.int64)
            combined = windowed_scores(vector, scores, windows, rows)
            scores = combined if mode.endswith("+chunk") else combined - scores
        return scores

    def bm25_all(self, query: str) -> Any:
        """Every chunk's BM25 score for `query` divided by the best's (0 where no term)."""
        scores = np.zeros(len(self.chunks), np.float32)
        for chunk, score in self.index.search(query, len(self.chunks), collapse=False):
            scores[self.ordinal[id(chunk)]] = score
        top = scores.max(initial=0.0)
        return scores / top if top > 0 else scores

    def dense(self, query: str, n: int, mode: DenseMode = "windows+chunk") -> list[int]:
        scores = self.dense_all(query, mode)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        return [int(i) for i in top[np.argsort(-scores[top], kind="stable")]]

    def searcher(self, fusion: Fusion = Fusion(), *, dense_only: bool = False) -> Search:
        """The passages for a question: `TOP_K` distinct chunks of the fused ranking (of the
        dense ranking alone with `dense_only`)."""

        def search(q: str) -> list[Passage]:
            dense = self.dense(q, fusion.candidates)
            fused = (
                dense
                if dense_only
                else reciprocal_rank_fusion(
                    [self.bm25(q, fusion.candidates), dense],
                    k=fusion.k,
                    weights=(1.0, fusion.weight),
                    limit=TOP_K * 3,
                )
            )
            hits = ((self.chunks[i], self.chunks[i].text) for i in fused)
            return [as_passage(c) for c in distinct(hits, TOP_K)]

        return search


def every_other(windows: WindowVectors) -> WindowVectors:
    """Each chunk's windows 0, 2, 4, ... and its last: overlapping pairs of sentences thinned
    to pairs that do not overlap (every sentence still in one)."""
    place = np.arange(len(windows.owner)) - windows.starts[windows.owner]
    last = np.r_[windows.owner[1:] != windows.owner[:-1], True] if len(windows.owner) else place
    keep = (place % 2 == 0) | last.astype(bool)
    return WindowVectors(
        windows.codes[keep], windows.scales[keep], windows.owner[keep], windows.chunks
    )


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


@dataclass(frozen=True)
class Outcome:
    """One question through one retrieval system, the prompt and the offline responder."""

    question: Question
    rank: int | None
    """1-based rank of the question's file among the files of the retrieved passages."""
    prompt_holds: bool
    answer: OfflineAnswer
    cited: frozenset[str]
    """The files the offline answer cites."""

    @property
    def fact_in_answer(self) -> bool:
        return answers(self.answer.text, self.question)

    @property
    def says_not_found(self) -> bool:
        """The offline answer says the documents do not say (`NO_MATCH`, or `NO_DOCUMENTS`)
        and quotes and cites nothing."""
        return says_not_found(self.answer)


@dataclass(frozen=True)
class Figures:
    system: str
    split: str
    questions: int
    recall1: float
    recall3: float
    recall3_lexical: float
    recall3_paraphrased: float
    recall3_other_languages: float
    mrr: float
    prompt: float
    offline: float
    cites_document: float
    abstains_answerable: float
    does_not_say: float


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
        bodies.append(system + " " + " ".join(_text(m["content"]) for m in body["messages"]))
    return bodies


def _text(content: str | list[dict[str, Any]]) -> str:
    """A message's text: plain, or its text blocks and search results' (decision 0109)."""
    if isinstance(content, str):
        return content
    return " ".join(
        _text(block["content"]) if block["type"] == "search_result" else block.get("text", "")
        for block in content
    )


def model_request(
    builder: PromptBuilder, router: IntentRouter, question: str, passages: list[Passage]
) -> ModelRequest:
    """The request a chat turn sends for `question` with `passages` (no history)."""
    return builder.build(
        model="claude-bench",
        max_tokens=512,
        intent=router.classify(question, None).intent,
        persona=Persona(company="Lumora"),
        history=[],
        message=question,
        passages=passages,
    )


@cache
def answer_picker(reader: OfflineReader) -> ExtractPicker:
    """The offline responder's picker as the chat service builds it for `reader`
    (`answer_embedder`: by meaning too, or by words; decision 0128), shared by every run
    (it keeps the vectors of the sentences it has scored)."""
    return ExtractPicker(answer_embedder(reader))


def run(search: Search, reader: OfflineReader | None = None) -> list[Outcome]:
    """Every question through `search`, the prompt builder and provider, and the offline
    responder reading as `reader` says (default: the chat service's default)."""
    builder = PromptBuilder(history_token_budget=4000)
    router = IntentRouter()
    picker = answer_picker(reader or ChatVariables.OFFLINE_READER.default)
    ranks: list[int | None] = []
    requests: list[ModelRequest] = []
    for q in QUESTIONS:
        passages = search(q.text)
        files = list(dict.fromkeys(p.source_id for p in passages))
        ranks.append(files.index(q.document) + 1 if q.document in files else None)
        requests.append(model_request(builder, router, q.text, passages))
    bodies = asyncio.run(prompt_bodies(requests))
    outcomes = []
    for q, request, rank, body in zip(QUESTIONS, requests, ranks, bodies, strict=True):
        answer = offline_answer(request, picker)
        cited = frozenset(request.passages[i].source_id for i in answer.used)
        outcomes.append(Outcome(q, rank, answers(body, q), answer, cited))
    return outcomes


def _share(hits: list[bool]) -> float:
    return sum(hits) / len(hits) if hits else float("nan")


def figures(system: str, split: str, outcomes: list[Outcome]) -> Figures:
    """The figures of one system on one split; recall, prompt and offline count answerable
    questions only, "does not say" the unanswerable ones."""
    chosen = [o for o in outcomes if split in {"both", o.question.split}]
    found = [o for o in chosen if o.question.answerable]
    missing = [o for o in chosen if not o.question.answerable]

    def top3(group: list[Outcome]) -> float:
        return _share([o.rank is not None and o.rank <= 3 for o in group])

    return Figures(
        system=system,
        split=split,
        questions=len(chosen),
        recall1=_share([o.rank == 1 for o in found]),
        recall3=top3(found),
        recall3_lexical=top3([o for o in found if o.question.kind == "lexical"]),
        recall3_paraphrased=top3([o for o in found if o.question.paraphrased]),
        recall3_other_languages=top3([o for o in found if o.question.language != "en"]),
        mrr=sum(1 / o.rank for o in found if o.rank is not None) / len(found),
        prompt=_share([o.prompt_holds for o in found]),
        offline=_share([o.fact_in_answer for o in found]),
        cites_document=_share([o.question.document in o.cited for o in found]),
        abstains_answerable=_share([o.says_not_found for o in found]),
        does_not_say=_share([o.says_not_found for o in missing]),
    )


def show_misses(system: str, outcomes: list[Outcome], split: str) -> None:
    """Print the questions of `split` a system got wrong, with its offline answer."""
    for o in outcomes:
        q = o.question
        if split not in {"both", q.split}:
            continue
        if q.answerable:
            wrong = o.rank is None or o.rank > 3 or not o.fact_in_answer
        else:
            wrong = not o.says_not_found
        if wrong:
            print(f"[{system} {q.split} {q.kind} {q.language}] rank={o.rank} fact={q.fact!r}")
            print(f"   q={q.text!r}")
            print("   " + o.answer.text.replace("\n", "\n   "))


GOALS: Final = (
    ("recall@3", "recall3", 0.98),
    ("recall@3 paraphrased", "recall3_paraphrased", 0.95),
    ("fact in offline answer", "offline", 0.90),
    ('"does not say" recognised', "does_not_say", 0.80),
)
"""Issue "Benchmark that generalises": each on the test split, and above the baseline."""


def print_table(rows: list[Figures]) -> None:
    print(
        f"{'split':<5} {'system':<9} {'n':>4} {'R@1':>5} {'R@3':>5} {'R@3 lex':>7} {'R@3 para':>8} "
        f"{'R@3 de/fr/es/ja':>15} {'MRR':>5} {'prompt':>6} {'offline':>7} {'cites doc':>9} "
        f"{'abstains':>8} {'does not say':>12}"
    )
    for f in rows:
        print(
            f"{f.split:<5} {f.system:<9} {f.questions:>4} {f.recall1:5.2f} {f.recall3:5.2f} "
            f"{f.recall3_lexical:7.2f} {f.recall3_paraphrased:8.2f} "
            f"{f.recall3_other_languages:15.2f} {f.mrr:5.2f} "
            f"{f.prompt:6.2f} {f.offline:7.2f} {f.cites_document:9.2f} "
            f"{f.abstains_answerable:8.2f} {f.does_not_say:12.2f}"
        )


def print_goals(base: Figures, mine: Figures) -> None:
    print(
        f"goals for {mine.system} on the {mine.split} split "
        "(each at least the bar and above the baseline):"
    )
    for label, field, bar in GOALS:
        ours_value, base_value = getattr(mine, field), getattr(base, field)
        met = ours_value >= bar and ours_value > base_value
        print(
            f"  {label} >= {bar:.2f}: {'met' if met else 'NOT met'} "
            f"({mine.system} {ours_value:.2f}, baseline {base_value:.2f})"
        )


TUNE_K: Final = (10, 30, 60, 120)
TUNE_WEIGHTS: Final = (0.5, 1.0, 2.0, 3.0, 5.0)
TUNE_CANDIDATES: Final = (10, 20, 50)
TUNE_SHARES: Final = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
"""BM25's share in the score-level fusion `--tune` also measures (decision 0125)."""
TUNE_EMBEDDERS: Final[dict[str, Callable[[], Embedder]]] = {
    "wordllama 256": WordLlamaEmbedder,
    "wordllama 256 windows of 2": lambda: WordLlamaEmbedder(window_sentences=2),
    "e5 windows of 1": lambda: E5Embedder(window_sentences=1),
    "e5 windows of 2": lambda: E5Embedder(window_sentences=2),
    "e5 windows of 3": lambda: E5Embedder(window_sentences=3),
}
"""What `--tune` compares (decision 0106 chose wordllama's size and text; 0125 the model and
windows). Each embedder's chunk-only ranking is measured too ("dense: chunk")."""


def file_rank(passages: list[Passage], question: Question) -> int | None:
    files = list(dict.fromkeys(p.source_id for p in passages))
    return files.index(question.document) + 1 if question.document in files else None


def print_retrieval(label: str, ranks: list[int | None], questions: list[Question]) -> float:
    """One line of `--tune`: recall@3 overall, lexical, paraphrased, other languages, MRR;
    returns recall@3."""

    def top3(kept: Callable[[Question], bool]) -> float:
        return _share(
            [r is not None and r <= 3 for r, q in zip(ranks, questions, strict=True) if kept(q)]
        )

    recall3 = top3(lambda q: True)
    mrr = sum(1 / r for r in ranks if r is not None) / len(ranks)
    print(
        f"{label:<44} {recall3:5.3f} {top3(lambda q: q.kind == 'lexical'):7.3f} "
        f"{top3(lambda q: q.paraphrased):8.3f} {top3(lambda q: q.language != 'en'):7.3f} "
        f"{mrr:5.3f}"
    )
    return recall3


def paraphrased_recall3(ranks: list[int | None], questions: list[Question]) -> float:
    """Recall@3 over the paraphrased questions among `questions` (ranks in the same order)."""
    return _share(
        [r is not None and r <= 3 for r, q in zip(ranks, questions, strict=True) if q.paraphrased]
    )


def fused_rank(hybrid: Hybrid, ranking: list[int], question: Question) -> int | None:
    """The question's file's rank among the first `TOP_K` distinct chunks of `ranking`."""
    hits = ((hybrid.chunks[i], hybrid.chunks[i].text) for i in ranking)
    return file_rank([as_passage(c) for c in distinct(hits, TOP_K)], question)


def tune(chunks: list[IndexedChunk], only: str | None = None) -> None:
    """Retrieval figures on the dev split's answerable questions for each embedder of
    `TUNE_EMBEDDERS` (or the one named `only`), each way of scoring a chunk densely
    (`DenseMode`) and each fusion constant: what decisions 0106 and 0125 chose them from.
    Never the test split."""
    dev = [q for q in QUESTIONS if q.split == "dev" and q.answerable]
    index = TenantIndex.build(chunks)
    most = max(TUNE_CANDIDATES)
    print(
        f"{'dev, answerable: ' + str(len(dev)):<44} {'R@3':>5} {'R@3 lex':>7} "
        f"{'R@3 para':>8} {'R@3 xx':>7} {'MRR':>5}"
    )
    print_retrieval("bm25 (ours)", [file_rank(ours(chunks)(q.text), q) for q in dev], dev)
    best: list[tuple[float, float, str]] = []
    averages: list[tuple[float, float, str]] = []
    for name, make in TUNE_EMBEDDERS.items():
        if only is not None and name != only:
            continue
        embedder = make()
        hybrid = Hybrid(chunks, embedder, scored_text, index)
        bm25 = [hybrid.bm25(q.text, most) for q in dev]
        modes = (
            ["chunk", "windows", "windows+chunk", "pairs", "pairs+chunk"]
            if embedder.window_sentences == 2
            else ["chunk", "windows", "windows+chunk"]
            if embedder.window_sentences
            else ["chunk"]
        )
        for mode in modes:
            label = f"{name}, {mode}"
            dense = [hybrid.dense(q.text, most, mode) for q in dev]
            print_retrieval(
                f"{label}: dense only",
                [fused_rank(hybrid, d, q) for d, q in zip(dense, dev, strict=True)],
                dev,
            )
            grid: list[tuple[float, float]] = []
            for k in TUNE_K:
                for weight in TUNE_WEIGHTS:
                    for candidates in TUNE_CANDIDATES:
                        ranks = [
                            fused_rank(
                                hybrid,
                                reciprocal_rank_fusion(
                                    [b[:candidates], d[:candidates]],
                                    k=k,
                                    weights=(1.0, weight),
                                    limit=TOP_K * 3,
                                ),
                                q,
                            )
                            for b, d, q in zip(bm25, dense, dev, strict=True)
                        ]
                        setting = f"{label}: k={k} w={weight} c={candidates}"
                        recall = print_retrieval(setting, ranks, dev)
                        paraphrased = paraphrased_recall3(ranks, dev)
                        grid.append((recall, paraphrased))
                        best.append((recall, paraphrased, setting))
            averages.append(
                (
                    sum(r for r, _ in grid) / len(grid),
                    sum(p for _, p in grid) / len(grid),
                    label,
                )
            )
            # Score-level fusion: the dense score plus a share of BM25's, scaled per question
            # by its best chunk's (so a question's lexical evidence counts at most `share`).
            lexical = [hybrid.bm25_all(q.text) for q in dev]
            semantic = [hybrid.dense_all(q.text, mode) for q in dev]
            for share in TUNE_SHARES:
                ranks = [
                    fused_rank(
                        hybrid, [int(i) for i in np.argsort(-(d + share * b), kind="stable")], q
                    )
                    for b, d, q in zip(lexical, semantic, dev, strict=True)
                ]
                setting = f"{label}: dense + {share} x bm25/max"
                recall = print_retrieval(setting, ranks, dev)
                paraphrased = paraphrased_recall3(ranks, dev)
                best.append((recall, paraphrased, setting))
    print(
        "best recall@3 on dev (recall@3, paraphrased):",
        *sorted(best, reverse=True)[:15],
        sep="\n  ",
    )
    print("hybrid averaged over the grid (recall@3, paraphrased):", *averages, sep="\n  ")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--split",
        choices=["dev", "test", "both"],
        default="both",
        help="dev: tune on it; test: report it, never tune on it (decision 0105)",
    )
    parser.add_argument(
        "--before", action="store_true", help="also measure our index without decision 0070"
    )
    parser.add_argument(
        "--show-misses",
        action="store_true",
        help="print the dev split's misses (the test split's only with --split test)",
    )
    parser.add_argument(
        "--tune",
        action="store_true",
        help="print the dev split's retrieval figures over the hybrid's constants and stop",
    )
    parser.add_argument(
        "--offline-reader",
        choices=["meaning", "words"],
        default=None,
        help="how the offline responder reads, for every system (default: the service's)",
    )
    parser.add_argument(
        "--tune-only", default=None, help="with --tune: one embedder of TUNE_EMBEDDERS by name"
    )
    args = parser.parse_args()

    files = corpus()
    parsed = parse_corpus(files)
    check_facts(parsed)
    chunks = chunk_index(parsed)
    kinds = sorted({f.kind for f in files})
    count = Counter((q.split, q.kind) for q in QUESTIONS)
    languages = sorted({q.language for q in QUESTIONS})
    print(
        f"corpus: {len(files)} files ({', '.join(kinds)}), {len(chunks)} chunks; "
        f"{len(QUESTIONS)} questions in {', '.join(languages)}; top {TOP_K} passages per turn"
    )
    for split in ("dev", "test"):
        print(
            f"  {split}: {count[split, 'lexical']} lexical, {count[split, 'paraphrase']} "
            f"paraphrased, {count[split, 'unanswerable']} unanswerable"
        )
    if args.tune:
        tune(chunks, args.tune_only)
        return
    reader = args.offline_reader
    systems = {
        "baseline": run(baseline(parsed), reader),
        "ours": run(ours(chunks), reader),
        "hybrid": run(ours_hybrid(chunks), reader),
        "hybrid e5": run(ours_hybrid(chunks, E5Embedder()), reader),
    }
    if args.before:
        earlier = run(before(chunks), reader)
        systems = {"baseline": systems["baseline"], "before": earlier, **systems}
    splits = ["dev", "test"] if args.split == "both" else [args.split]
    rows = [figures(name, split, systems[name]) for split in splits for name in systems]
    print_table(rows)
    for split in splits:
        by_system = {f.system: f for f in rows if f.split == split}
        print_goals(by_system["baseline"], by_system["ours"])
        print_goals(by_system["baseline"], by_system["hybrid"])
        print_goals(by_system["baseline"], by_system["hybrid e5"])
    if args.show_misses:
        for name, outcomes in systems.items():
            # Misses are what tuning looks at: the test split's only when asked by name.
            show_misses(name, outcomes, "test" if args.split == "test" else "dev")


if __name__ == "__main__":
    main()
