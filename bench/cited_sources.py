"""Benchmark: of the sources an answer shows, the share it actually used (decision 0109).

    .venv/bin/python bench/cited_sources.py [--split dev|test|both]

On the answer benchmark's answerable questions (bench/answer_quality.py: its corpus, its
questions, our retrieval, top 5 passages per turn), a passage is *used* when it holds the
question's fact. The model is the local Messages stub (tests/support/messages_server.py)
scripted as a model that cites what it says: its answer states the fact as one claim citing
every retrieved passage that holds it (the sentence holding it, as `search_result_location`
citations), around uncited text. The answer goes through the real Anthropic provider (search
results out, `citations_delta` in) and the chat service's `AnswerSources` (the sources a turn
shows, numbered as the markers in the text). Figures, pooled over questions:

- before: every retrieved passage was shown as a source (the service before 0109);
- after (model): the sources `AnswerSources` builds from the stream's citations;
- after (offline): the offline responder's sources (the passages it quotes);

each as the sources shown, the share of them the answer used (cites or quotes), the share
holding the fact, and the answers whose markers and sources agree (every marker names a
source, every source is marked). The stub cites exactly the passages holding the fact, so
the model's "used" is 100% by construction: what is measured is that the service shows those
and only those, marked as they are cited, after the real provider and source numbering."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.answer_quality import answers, chunk_index, ours
from bench.answer_quality_corpus.documents import corpus
from bench.answer_quality_corpus.gold import parse_corpus
from bench.answer_quality_corpus.questions import QUESTIONS, Question
from engageiq_chat.context.prompt import Persona, PromptBuilder
from engageiq_chat.context.retrieval import Passage
from engageiq_chat.messages.model import Citation
from engageiq_chat.providers.anthropic_provider import AnthropicProvider
from engageiq_chat.providers.base import Cited, ModelRequest, TextDelta
from engageiq_chat.providers.extracts import ExtractPicker
from engageiq_chat.providers.offline import offline_answer
from engageiq_chat.routing.intents import IntentRouter
from engageiq_chat.turns.sources import AnswerSources
from tests.support.messages_server import Cite, MessagesServer, Reply

_MARKER = re.compile(r"\[(\d{1,3})\]")


@dataclass
class Tally:
    shown: int = 0
    used: int = 0
    """Shown sources the answer cites (the model) or quotes (the offline responder)."""
    holding: int = 0
    """Shown sources whose passage holds the question's fact."""
    answers: int = 0
    agreeing: int = 0

    def add(
        self, used: list[bool], holding: list[bool], text: str | None = None, sources: int = 0
    ) -> None:
        self.shown += len(used)
        self.used += sum(used)
        self.holding += sum(holding)
        if text is not None:
            self.answers += 1
            marked = {int(n) for n in _MARKER.findall(text)}
            self.agreeing += marked == set(range(1, sources + 1))

    def line(self, name: str) -> str:
        agree = f"{self.agreeing}/{self.answers}" if self.answers else "-"
        return (
            f"{name:<16} {self.shown:>6} {self.used / self.shown:>12.1%} "
            f"{self.holding / self.shown:>13.1%} {agree:>14}"
        )


def holding_fact(passages: list[Passage], citations: list[Citation], q: Question) -> list[bool]:
    """For each shown source, whether a passage at its place holds the fact (two passages of
    one file and place are one source)."""
    return [
        any(
            answers(p.text, q)
            for p in passages
            if (p.source_id, p.location) == (c.source_id, c.location)
        )
        for c in citations
    ]


async def through_the_model(
    server: MessagesServer, request: ModelRequest, q: Question
) -> tuple[str, AnswerSources]:
    """The stub's cited answer through the real provider, its citations into sources."""
    holding = tuple(i for i, p in enumerate(request.passages) if answers(p.text, q))
    fact = q.fact or ""
    claim: tuple[str | Cite, ...] = (
        (Cite(f"the documents say {fact}.", results=holding, containing=fact),)
        if holding
        else ("the documents do not say.",)
    )
    server.enqueue(Reply(tokens=("In short, ", *claim, " Ask me for more.")))
    provider = AnthropicProvider("bench-key", base_url=server.url, max_retries=0)
    sources = AnswerSources(request.passages)
    text: list[str] = []
    try:
        async for event in provider.stream(request):
            if isinstance(event, TextDelta):
                text.append(event.text)
            elif isinstance(event, Cited):
                text.append(sources.cite(event.citations)[0])
    finally:
        await provider.aclose()
    return "".join(text), sources


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=["dev", "test", "both"], default="both")
    args = parser.parse_args()
    parsed = parse_corpus(corpus())
    search = ours(chunk_index(parsed))
    builder = PromptBuilder(history_token_budget=4000)
    router = IntentRouter()
    picker = ExtractPicker()
    questions = [q for q in QUESTIONS if q.answerable and args.split in {"both", q.split}]
    before, model, offline = Tally(), Tally(), Tally()
    server = MessagesServer().start()
    try:
        for q in questions:
            passages = search(q.text)
            request = builder.build(
                model="claude-bench",
                max_tokens=512,
                intent=router.classify(q.text, None).intent,
                persona=Persona(company="Lumora"),
                history=[],
                message=q.text,
                passages=passages,
            )
            # Before: every retrieved passage shown; the answer cites those holding the fact.
            holding = [answers(p.text, q) for p in passages]
            before.add(holding, holding)
            text, sources = asyncio.run(through_the_model(server, request, q))
            shown = sources.citations
            model.add([True] * len(shown), holding_fact(passages, shown, q), text, len(shown))
            answer = offline_answer(request, picker)
            quoted = AnswerSources(passages)
            for _, quote in answer.quotes:
                quoted.cite([quote])
            shown = quoted.citations
            offline.add([True] * len(shown), holding_fact(passages, shown, q))
    finally:
        server.stop()
    print(
        f"{len(questions)} answerable questions ({args.split}), top 5 passages per turn; "
        "used: the answer cites or quotes the source; the stub cites the passages holding the fact"
    )
    print(f"{'':<16} {'shown':>6} {'used (cited)':>12} {'hold the fact':>13} {'markers agree':>14}")
    print(before.line("before (all)"))
    print(model.line("after (model)"))
    print(offline.line("after (offline)"))


if __name__ == "__main__":
    main()
