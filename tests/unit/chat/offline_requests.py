"""The request the chat sends the offline responder, built for its unit tests."""

from __future__ import annotations

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.providers.base import ModelRequest, PromptMessage


def offline_request(question: str, *passages: Passage) -> ModelRequest:
    """One user question with `passages` retrieved for it, as the turn hands them over."""
    return ModelRequest(
        model="offline",
        system=(),
        messages=(PromptMessage("user", question),),
        max_tokens=100,
        passages=passages,
    )
