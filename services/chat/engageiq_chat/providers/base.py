"""What every provider takes and yields."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from engageiq_chat.context.retrieval import Passage


@dataclass(frozen=True, slots=True)
class SystemBlock:
    text: str
    cache: bool
    """True for the stable prefix: Anthropic caches it across requests."""


@dataclass(frozen=True, slots=True)
class PromptMessage:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class ModelRequest:
    model: str
    system: tuple[SystemBlock, ...]
    messages: tuple[PromptMessage, ...]
    max_tokens: int
    passages: tuple[Passage, ...] = ()
    intent: str = "general"
    """The route; the offline responder shapes its answer by it."""


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class PassageCitation:
    passage: int
    """Index into the request's passages."""
    cited_text: str
    """The words of the passage that support the claim (the Messages API's `cited_text`)."""


@dataclass(frozen=True, slots=True)
class Cited:
    """The text streamed since the previous `Cited` (a claim) is supported by these passages:
    the answer's citation marker belongs right here, after that text. Providers hold back the
    claim's trailing whitespace until after this event, so the marker follows its last word."""

    citations: tuple[PassageCitation, ...]


@dataclass(frozen=True, slots=True)
class Finished:
    stop_reason: str
    input_tokens: int
    output_tokens: int


ProviderEvent = TextDelta | Cited | Finished


class ProviderError(Exception):
    """The model failed; `code` is what the client's `error` event carries."""

    def __init__(
        self, code: str, message: str, *, input_tokens: int = 0, output_tokens: int = 0
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens


class ChatProvider(Protocol):
    name: str

    def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        """Deltas and citations, then exactly one Finished; raises ProviderError on failure.
        Only passages named by a `Cited` event are sources of the answer."""
        ...
