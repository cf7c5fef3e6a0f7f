"""`AnthropicProvider`: streamed answers from the Messages API through the official SDK.

- Prompt caching: the stable system prefix carries `cache_control`, so its tokens are billed
  once per cache lifetime instead of on every turn.
- Retries: the SDK retries 408/409/429/5xx/529 and connection errors with exponential backoff
  (honouring retry-after) *before* a stream starts. Once text has reached the user a retry
  would repeat it, so a mid-stream failure ends the turn with an `error` event instead.
- The end of every stream is checked: only a `message_stop` finishes an answer. A body that
  simply ends (a dropped connection upstream closed cleanly) is a failure, never a success.
- Timeouts: one per read, so a stalled stream fails instead of holding a slot forever; the
  first-token wait is covered by the same bound while heartbeats keep the client connection.
- Transport: the SDK's aiohttp client (`anthropic[aiohttp]`), on asyncio's own streams.
- Citations: the retrieved passages go with the rep's message as `search_result` blocks with
  citations enabled, one text block per sentence (the smallest unit the model can cite). The
  answer comes back as text blocks, a cited one carrying `citations_delta` events; each cited
  block ends in a `Cited` event naming its passages and their cited text (decision 0109).
- ANTHROPIC_BASE_URL is read by the SDK itself when no base_url is given.
- Events are read as raw Server-Sent Events (the SDK's decoder) and decoded by msgspec into
  the few fields used, not built as the SDK's typed event objects: that construction was the
  largest cost per delta (docs/decisions/0108)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

import anthropic
import httpx2
import msgspec
import structlog

# The transport of the SDK's `aiohttp` extra (`anthropic.DefaultAioHttpClient` builds the same),
# named here so that it can be wrapped; the SDK keeps it under `_vendor`.
from anthropic._vendor.httpx_aiohttp import AiohttpTransport

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.context.tokens import clip_to_tokens
from engageiq_chat.knowledge.trust import passage_status
from engageiq_chat.providers.base import (
    Cited,
    Finished,
    ModelRequest,
    PassageCitation,
    ProviderError,
    ProviderEvent,
    TextDelta,
)

log = structlog.get_logger(__name__)

MAX_PASSAGE_TOKENS: Final = 800
# A passage becomes at most this many citable blocks; the rest of it joins the last one.
MAX_BLOCKS_PER_PASSAGE: Final = 40
# Sentence ends in Latin and CJK text (the ideographic full stop and full-width marks).
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+|\n+")


def citable_blocks(text: str) -> list[str]:
    """`text` cut into sentences and lines, the units a citation can point to; joined back
    they give `text` up to whitespace. Never empty for non-blank text (the API refuses an
    empty text block)."""
    pieces = [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]
    if len(pieces) > MAX_BLOCKS_PER_PASSAGE:
        tail = " ".join(pieces[MAX_BLOCKS_PER_PASSAGE - 1 :])
        pieces = [*pieces[: MAX_BLOCKS_PER_PASSAGE - 1], tail]
    return pieces


def search_result(passage: Passage) -> dict[str, Any]:
    """One retrieved passage as a `search_result` content block the model can cite; its title
    names the file, the place, the version's date and its status (the prompt's `TRUST_RULE`):
    `pricing.pdf, page 2 (uploaded 2026-11-02; verified 2026-11-03, review by 2027-03-01)`."""
    title = passage.title
    if passage.location:
        title += f", {passage.location}"
    status = passage_status(passage.freshness, passage.verified_at, passage.review_by)
    if passage.uploaded_at:
        title += f" (uploaded {passage.uploaded_at[:10]}; {status})"
    else:
        title += f" ({status})"
    blocks = citable_blocks(clip_to_tokens(passage.text, MAX_PASSAGE_TOKENS)) or ["(empty)"]
    return {
        "type": "search_result",
        "source": passage.source_id,
        "title": title,
        "content": [{"type": "text", "text": block} for block in blocks],
        "citations": {"enabled": True},
    }


def _error_type(body: object) -> str:
    """The `error.type` of an API error body (`{"type": "error", "error": {"type": ...}}`)."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("type"), str):
            return str(error["type"])
    return ""


def _status_error(kind: str, status: int) -> ProviderError:
    if kind == "overloaded_error" or status == 529:
        return ProviderError("model_overloaded", "The model is overloaded. Try again shortly.")
    if kind == "rate_limit_error" or status == 429:
        return ProviderError(
            "model_rate_limited", "The model is rate limited right now. Try again shortly."
        )
    return ProviderError("model_error", "The model failed to answer. Try again.")


def provider_error(exc: anthropic.APIError) -> ProviderError:
    """The client-facing code for an SDK failure (the SDK's wording stays in our logs)."""
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderError("model_timeout", "The model did not answer in time. Try again.")
    if isinstance(exc, anthropic.APIConnectionError):
        return ProviderError("model_unavailable", "The model could not be reached. Try again.")
    if isinstance(exc, anthropic.APIStatusError):
        return _status_error(_error_type(exc.body), exc.status_code)
    return ProviderError("model_error", "The model failed to answer. Try again.")


class _Usage(msgspec.Struct):
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None


class _Message(msgspec.Struct):
    usage: _Usage = msgspec.field(default_factory=_Usage)


class _MessageStart(msgspec.Struct):
    message: _Message


class RawCitation(msgspec.Struct):
    type: str
    search_result_index: int = -1
    cited_text: str = ""


class _BlockDelta(msgspec.Struct):
    type: str
    text: str = ""
    citation: RawCitation | None = None
    """Set in a `citations_delta`."""


class _ContentBlockDelta(msgspec.Struct):
    delta: _BlockDelta


class _StopDelta(msgspec.Struct):
    stop_reason: str | None = None


class _MessageDelta(msgspec.Struct):
    delta: _StopDelta = msgspec.field(default_factory=_StopDelta)
    usage: _Usage = msgspec.field(default_factory=_Usage)


# Only the fields the relay uses; any other field of an event is skipped while decoding.
_message_start = msgspec.json.Decoder(_MessageStart)
_content_block_delta = msgspec.json.Decoder(_ContentBlockDelta)
_message_delta = msgspec.json.Decoder(_MessageDelta)
_error_body = msgspec.json.Decoder()


@dataclass(slots=True)
class _Progress:
    """What a stream has said so far: usage, the stop reason, whether it finished."""

    input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str = "unknown"
    """Never a success by default: the stop reason is what message_delta says, if it comes."""
    stopped: bool = False
    """Only a `message_stop` finishes an answer."""

    def read(self, name: str | None, data: str) -> None:
        """Applies one message-level event (`name`, its JSON `data`). Raises
        msgspec.DecodeError on an event whose data is not what the API documents."""
        if name == "message_start":
            usage = _message_start.decode(data).message.usage
            self.input_tokens = (
                (usage.input_tokens or 0)
                + (usage.cache_creation_input_tokens or 0)
                + (usage.cache_read_input_tokens or 0)
            )
            self.output_tokens = usage.output_tokens or 0
        elif name == "message_delta":
            delta = _message_delta.decode(data)
            if delta.usage.output_tokens is not None:
                self.output_tokens = delta.usage.output_tokens
            self.stop_reason = delta.delta.stop_reason or self.stop_reason
        elif name == "message_stop":
            self.stopped = True


def citation_of(citation: RawCitation | None, passages: int) -> PassageCitation | None:
    """The passage a `citations_delta` names, or None for a kind we did not ask for (only
    search results are sent) or an index outside the request's passages."""
    if citation is None or citation.type != "search_result_location":
        return None
    index = citation.search_result_index
    if not 0 <= index < passages:
        return None
    return PassageCitation(index, citation.cited_text)


_BLOCK_BOUNDARIES: Final = frozenset({"content_block_start", "content_block_stop"})


class Claims:
    """Reads one answer's content-block events into our events: its text as `TextDelta`s, and
    after each cited block (a claim) a `Cited` naming the passages. A block's trailing
    whitespace waits until it ends, so a claim's marker follows its last word."""

    def __init__(self, passages: int) -> None:
        self._passages = passages
        self._cited: list[PassageCitation] = []
        self._held = ""

    def delta(self, delta: _BlockDelta) -> list[ProviderEvent]:
        """A `content_block_delta`'s delta."""
        if delta.type == "citations_delta":
            cited = citation_of(delta.citation, self._passages)
            if cited is not None:
                self._cited.append(cited)
        elif delta.type == "text_delta":
            text = self._held + delta.text
            words = text.rstrip()
            self._held = text[len(words) :]
            return [TextDelta(words)] if words else []
        return []

    def boundary(self, stop: bool) -> list[ProviderEvent]:
        """A `content_block_start` (`stop` False) or `content_block_stop`."""
        out: list[ProviderEvent] = []
        if stop:
            if self._cited:
                out.append(Cited(tuple(self._cited)))
            if self._held:
                out.append(TextDelta(self._held))
        self._cited, self._held = [], ""
        return out


class AnswerStartsInTime(httpx2.AsyncBaseTransport):
    """A transport whose every attempt has its response's headers within the request's own
    write and read timeouts added together (60 + 60 s by default), or fails with
    `httpx2.WriteTimeout`, which the SDK retries and then reports as a timeout.

    aiohttp bounds each read of the answer but not the writing of the request: a model
    endpoint that accepted the connection and stopped reading a large request (a long
    conversation with its passages) held the turn for ever (decision 0127). Once the headers
    are in, the stream's reads keep their own per-read bound."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        timeouts = request.extensions.get("timeout", {})
        bound = sum(timeouts.get(name) or 0.0 for name in ("write", "read"))
        if not bound:
            return await self._inner.handle_async_request(request)
        try:
            async with asyncio.timeout(bound):
                return await self._inner.handle_async_request(request)
        except TimeoutError:
            raise httpx2.WriteTimeout(
                f"no answer within {bound:g} s of sending the request", request=request
            ) from None

    async def aclose(self) -> None:
        await self._inner.aclose()


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        timeout_seconds: float = 60.0,
        max_retries: int = 3,
    ) -> None:
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            timeout=anthropic.Timeout(timeout_seconds, connect=min(5.0, timeout_seconds)),
            max_retries=max_retries,
            # The SDK's aiohttp transport reads the stream on asyncio itself; the default
            # (httpx on anyio) opened a cancel scope for every read, 14% of the time spent per
            # delta under 100 streams (decision 0127). It maps aiohttp's errors to httpx2's,
            # so a stalled or dropped stream is still an httpx2.HTTPError below.
            http_client=anthropic.DefaultAioHttpClient(
                # The SDK's own pool limits, which DefaultAioHttpClient gives the transport it
                # builds (aiohttp's would cap this instance at 100 concurrent answers).
                transport=AnswerStartsInTime(
                    AiohttpTransport(limits=anthropic.DEFAULT_CONNECTION_LIMITS)
                )
            ),
        )

    async def aclose(self) -> None:
        await self._client.close()

    def _arguments(self, request: ModelRequest) -> dict[str, Any]:
        system: list[dict[str, Any]] = []
        for block in request.system:
            entry: dict[str, Any] = {"type": "text", "text": block.text}
            if block.cache:
                entry["cache_control"] = {"type": "ephemeral"}
            system.append(entry)
        messages: list[dict[str, Any]] = [
            {"role": m.role, "content": m.content} for m in request.messages
        ]
        if request.passages and messages:
            # The passages go with the last user message: search_result_index then counts
            # them in the request's order, so it is the index into request.passages.
            last = messages[-1]
            last["content"] = [
                *(search_result(p) for p in request.passages),
                {"type": "text", "text": last["content"]},
            ]
        return {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "system": system,
            "messages": messages,
        }

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        progress = _Progress()
        claims = Claims(len(request.passages))
        try:
            stream = await self._client.messages.create(**self._arguments(request), stream=True)
            async with stream:
                async for sse in anthropic.AsyncStream.raw_events(stream.response):
                    if sse.event == "content_block_delta":
                        for out in claims.delta(_content_block_delta.decode(sse.data).delta):
                            yield out
                    elif sse.event in _BLOCK_BOUNDARIES:
                        for out in claims.boundary(sse.event == "content_block_stop"):
                            yield out
                    elif sse.event == "error":
                        raise self._stream_error(request, sse.data, progress)
                    else:
                        progress.read(sse.event, sse.data)
        except msgspec.DecodeError as exc:
            log.warning("model_event_malformed", model=request.model, detail=str(exc)[:300])
            raise ProviderError(
                "model_error",
                "The model failed to answer. Try again.",
                input_tokens=progress.input_tokens,
                output_tokens=progress.output_tokens,
            ) from exc
        except anthropic.APIError as exc:
            log.warning(
                "model_error", model=request.model, error=type(exc).__name__, detail=str(exc)[:300]
            )
            error = provider_error(exc)
            error.input_tokens, error.output_tokens = progress.input_tokens, progress.output_tokens
            raise error from exc
        except httpx2.HTTPError as exc:
            # Once the stream is open, the SDK lets transport errors through unwrapped: a read
            # timeout between chunks (a stalled model) or a dropped connection.
            log.warning("model_transport_error", model=request.model, error=type(exc).__name__)
            timed_out = isinstance(exc, httpx2.TimeoutException)
            raise ProviderError(
                "model_timeout" if timed_out else "model_unavailable",
                "The model did not answer in time. Try again."
                if timed_out
                else "The connection to the model broke. Try again.",
                input_tokens=progress.input_tokens,
                output_tokens=progress.output_tokens,
            ) from exc
        if not progress.stopped:
            log.warning("model_stream_ended_early", model=request.model)
            raise ProviderError(
                "model_incomplete",
                'The answer was cut off before the model finished. Send "continue" for the rest.',
                input_tokens=progress.input_tokens,
                output_tokens=progress.output_tokens,
            )
        yield Finished(progress.stop_reason, progress.input_tokens, progress.output_tokens)

    @staticmethod
    def _stream_error(request: ModelRequest, data: str, progress: _Progress) -> ProviderError:
        """An `error` event mid-stream (after a 200): mapped as the same error before the
        stream would be (an overloaded model is `model_overloaded`), never retried, since
        text may already have reached the user."""
        try:
            body = _error_body.decode(data)
        except msgspec.DecodeError:
            body = None
        kind = _error_type(body)
        log.warning("model_error", model=request.model, error=kind or "error", detail=data[:300])
        error = _status_error(kind, 200)
        error.input_tokens, error.output_tokens = progress.input_tokens, progress.output_tokens
        return error
