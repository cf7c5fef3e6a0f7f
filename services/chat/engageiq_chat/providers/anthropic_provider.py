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
- ANTHROPIC_BASE_URL is read by the SDK itself when no base_url is given."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2
import structlog

from engageiq_chat.providers.base import (
    Finished,
    ModelRequest,
    ProviderError,
    ProviderEvent,
    TextDelta,
)

log = structlog.get_logger(__name__)


def _error_type(exc: anthropic.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("type"), str):
            return str(error["type"])
    return ""


def provider_error(exc: anthropic.APIError) -> ProviderError:
    """The client-facing code for an SDK failure (the SDK's wording stays in our logs)."""
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderError("model_timeout", "The model did not answer in time. Try again.")
    if isinstance(exc, anthropic.APIConnectionError):
        return ProviderError("model_unavailable", "The model could not be reached. Try again.")
    if isinstance(exc, anthropic.APIStatusError):
        kind = _error_type(exc)
        if kind == "overloaded_error" or exc.status_code == 529:
            return ProviderError("model_overloaded", "The model is overloaded. Try again shortly.")
        if kind == "rate_limit_error" or exc.status_code == 429:
            return ProviderError(
                "model_rate_limited", "The model is rate limited right now. Try again shortly."
            )
    return ProviderError("model_error", "The model failed to answer. Try again.")


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
        input_tokens = output_tokens = 0
        # Never a success by default: the stop reason is what message_delta says, if it comes.
        stop_reason = "unknown"
        stopped = False
        try:
            stream = await self._client.messages.create(**self._arguments(request), stream=True)
            async with stream:
                async for event in stream:
                    if event.type == "message_start":
                        usage = event.message.usage
                        input_tokens = (
                            usage.input_tokens
                            + (usage.cache_creation_input_tokens or 0)
                            + (usage.cache_read_input_tokens or 0)
                        )
                        output_tokens = usage.output_tokens
                    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                        yield TextDelta(event.delta.text)
                    elif event.type == "message_delta":
                        output_tokens = event.usage.output_tokens
                        stop_reason = event.delta.stop_reason or stop_reason
                    elif event.type == "message_stop":
                        stopped = True
        except anthropic.APIError as exc:
            log.warning(
                "model_error", model=request.model, error=type(exc).__name__, detail=str(exc)[:300]
            )
            error = provider_error(exc)
            error.input_tokens, error.output_tokens = input_tokens, output_tokens
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
                input_tokens=input_tokens,
                output_tokens=output_tokens,
            ) from exc
        if not stopped:
            log.warning("model_stream_ended_early", model=request.model)
            raise ProviderError(
                "model_incomplete",
                'The answer was cut off before the model finished. Send "continue" for the rest.',
                input_tokens=input_tokens,
                output_tokens=output_tokens,
            )
        yield Finished(stop_reason, input_tokens, output_tokens)
