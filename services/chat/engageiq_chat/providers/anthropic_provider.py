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
- ANTHROPIC_BASE_URL is read by the SDK itself when no base_url is given.
- Events are read as raw Server-Sent Events (the SDK's decoder) and decoded by msgspec into
  the few fields used, not built as the SDK's typed event objects: that construction was the
  largest cost per delta (docs/decisions/0108)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anthropic
import httpx2
import msgspec
import structlog

from engageiq_chat.providers.base import (
    Finished,
    ModelRequest,
    ProviderError,
    ProviderEvent,
    TextDelta,
)

log = structlog.get_logger(__name__)


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


class _BlockDelta(msgspec.Struct):
    type: str
    text: str = ""


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

    def read(self, name: str | None, data: str) -> str | None:
        """Applies one event (`name`, its JSON `data`); returns the text of a text delta.
        Raises msgspec.DecodeError on an event whose data is not what the API documents."""
        if name == "content_block_delta":
            block = _content_block_delta.decode(data).delta
            return block.text if block.type == "text_delta" else None
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
        return None


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
        return {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "system": system,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        }

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        progress = _Progress()
        try:
            stream = await self._client.messages.create(**self._arguments(request), stream=True)
            async with stream:
                async for sse in anthropic.AsyncStream.raw_events(stream.response):
                    if sse.event == "error":
                        raise self._stream_error(request, sse.data, progress)
                    text = progress.read(sse.event, sse.data)
                    if text is not None:
                        yield TextDelta(text)
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
