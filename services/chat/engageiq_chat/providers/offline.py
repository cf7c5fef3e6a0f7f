"""`OfflineResponder`: a deterministic stand-in for the model, used when no API key is set.

It answers from the route and, once the files service retrieves passages, from those passages
(quoting their first sentence and naming the source), so local development, demos and tests
exercise the whole path - streaming, storage, citations, budgets - without a network."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from engageiq_chat.context.tokens import estimate_tokens
from engageiq_chat.providers.base import Finished, ModelRequest, ProviderEvent, TextDelta

_OPENINGS = {
    "product_question": "Here is what I can tell you about the product",
    "email_draft": "Here is a draft you can adapt",
    "objection_handling": "Here is a way to handle that objection",
    "call_prep": "Here is a short plan for the call",
    "general": "Here is my take",
}
_SENTENCE = re.compile(r"(.+?[.!?])(?:\s|$)", re.DOTALL)


def _first_sentence(text: str) -> str:
    match = _SENTENCE.match(text.strip())
    sentence = match.group(1) if match else text.strip()
    return sentence[:300]


def offline_answer(request: ModelRequest) -> str:
    question = request.messages[-1].content.strip() if request.messages else ""
    opening = _OPENINGS.get(request.intent, _OPENINGS["general"])
    quoted = " ".join(question.split())[:120]
    lines = [f"{opening} (offline responder, no model connected).", f'You asked: "{quoted}"']
    if request.passages:
        lines.append("From your documents:")
        lines += [f"- {_first_sentence(p.text)} [{p.source_id}]" for p in request.passages]
    else:
        lines.append(
            "No documents of yours matched this question yet; upload some to ground the answers."
        )
    return "\n".join(lines)


class OfflineResponder:
    name = "offline"

    def __init__(self, chunk_words: int = 3) -> None:
        self._chunk_words = chunk_words

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        answer = offline_answer(request)
        words = re.findall(r"\S+\s*", answer)
        for i in range(0, len(words), self._chunk_words):
            yield TextDelta("".join(words[i : i + self._chunk_words]))
            # Let other streams run between chunks, like a network read would.
            await asyncio.sleep(0)
        prompt = "".join(b.text for b in request.system) + "".join(
            m.content for m in request.messages
        )
        yield Finished("end_turn", estimate_tokens(prompt), estimate_tokens(answer))
