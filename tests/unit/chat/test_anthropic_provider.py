"""The anthropic provider through the real SDK against the local Messages API server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from engageiq_chat.providers.anthropic_provider import AnthropicProvider
from engageiq_chat.providers.base import (
    Finished,
    ModelRequest,
    PromptMessage,
    ProviderError,
    ProviderEvent,
    SystemBlock,
    TextDelta,
)
from tests.support.messages_server import MessagesServer, Refuse, Reply

REQUEST = ModelRequest(
    model="claude-haiku-5-5",
    system=(SystemBlock("stable rules", cache=True), SystemBlock("per-turn notes", cache=False)),
    messages=(PromptMessage("user", "What is in the Pro plan?"),),
    max_tokens=256,
)


@pytest.fixture
def server() -> Iterator[MessagesServer]:
    running = MessagesServer().start()
    yield running
    running.stop()


def collect(
    provider: AnthropicProvider, request: ModelRequest = REQUEST
) -> tuple[list[ProviderEvent], ProviderError | None]:
    async def run() -> tuple[list[ProviderEvent], ProviderError | None]:
        seen: list[ProviderEvent] = []
        try:
            async for event in provider.stream(request):
                seen.append(event)
        except ProviderError as exc:
            return seen, exc
        finally:
            await provider.aclose()
        return seen, None

    return asyncio.run(run())


def text_of(events: list[ProviderEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def test_streams_text_and_usage_and_caches_the_stable_prefix(server: MessagesServer) -> None:
    server.enqueue(Reply(tokens=("Seats", ", SSO", " and SLAs."), input_tokens=321))
    events, error = collect(AnthropicProvider("test-key", base_url=server.url))
    assert error is None
    assert text_of(events) == "Seats, SSO and SLAs."
    assert events[-1] == Finished("end_turn", 321, 3)
    (received,) = server.requests
    assert received.body["stream"] is True
    assert received.body["model"] == "claude-haiku-5-5"
    assert received.body["max_tokens"] == 256
    assert received.body["system"] == [
        {"type": "text", "text": "stable rules", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "per-turn notes"},
    ]
    assert received.body["messages"] == [{"role": "user", "content": "What is in the Pro plan?"}]
    headers = {name.lower(): value for name, value in received.headers.items()}  # any case
    assert "test-key" in headers.get("x-api-key", "") + headers.get("authorization", "")


@pytest.mark.parametrize(
    ("refusal", "name"),
    [
        (Refuse(529, "overloaded_error"), "overloaded"),
        (Refuse(429, "rate_limit_error"), "rate limited"),
        (Refuse(500, "api_error"), "internal error"),
    ],
)
def test_refusals_before_the_stream_are_retried(
    server: MessagesServer, refusal: Refuse, name: str
) -> None:
    server.enqueue(refusal, refusal, Reply(tokens=("ok",)))
    events, error = collect(AnthropicProvider("k", base_url=server.url, max_retries=3))
    assert error is None, name
    assert text_of(events) == "ok"
    assert len(server.requests) == 3


def test_retries_give_up_with_a_clear_code(server: MessagesServer) -> None:
    server.enqueue(*[Refuse(529, "overloaded_error")] * 3)
    events, error = collect(AnthropicProvider("k", base_url=server.url, max_retries=2))
    assert events == []
    assert error is not None
    assert error.code == "model_overloaded"
    assert len(server.requests) == 3


def test_mid_stream_error_event_raises_after_the_partial_text(server: MessagesServer) -> None:
    server.enqueue(Reply(tokens=("a", "b", "c"), error_after=2, input_tokens=50))
    events, error = collect(AnthropicProvider("k", base_url=server.url, max_retries=3))
    assert text_of(events) == "ab"
    assert error is not None
    assert error.code == "model_overloaded"
    assert error.input_tokens == 50
    # Text already reached the user: no retry that would repeat it.
    assert len(server.requests) == 1


def test_a_malformed_event_fails_the_answer_after_the_partial_text(
    server: MessagesServer,
) -> None:
    server.enqueue(Reply(tokens=("a", "b", "c"), malformed_after=1, input_tokens=40))
    events, error = collect(AnthropicProvider("k", base_url=server.url, max_retries=3))
    assert text_of(events) == "a"
    assert error is not None
    assert error.code == "model_error"
    assert error.input_tokens == 40
    assert len(server.requests) == 1


def test_a_body_that_ends_without_message_stop_is_incomplete(server: MessagesServer) -> None:
    server.enqueue(Reply(tokens=("a", "b", "c"), close_after=2, input_tokens=30))
    events, error = collect(AnthropicProvider("k", base_url=server.url))
    assert text_of(events) == "ab"
    assert error is not None
    assert error.code == "model_incomplete"
    assert error.input_tokens == 30
    assert not any(isinstance(e, Finished) for e in events)


def test_slow_first_token_within_the_timeout_is_waited_for(server: MessagesServer) -> None:
    server.enqueue(Reply(tokens=("late",), first_token_delay=0.5))
    events, error = collect(AnthropicProvider("k", base_url=server.url, timeout_seconds=10))
    assert error is None
    assert text_of(events) == "late"


def test_first_token_slower_than_the_timeout_fails_as_timeout(server: MessagesServer) -> None:
    server.enqueue(Reply(tokens=("too late",), first_token_delay=2.0))
    events, error = collect(
        AnthropicProvider("k", base_url=server.url, timeout_seconds=0.2, max_retries=0)
    )
    assert text_of(events) == ""
    assert error is not None
    assert error.code == "model_timeout"


def test_anthropic_base_url_from_the_environment_is_honoured(
    server: MessagesServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    _, error = collect(AnthropicProvider("k"))
    assert error is None
    assert len(server.requests) == 1


# aiohttp warns that a body over 1 MB in one piece may hold the event loop; this one must be
# larger than the sockets' buffers to stall.
@pytest.mark.filterwarnings("ignore:Sending a large body directly:ResourceWarning")
def test_a_model_that_never_reads_the_request_times_out() -> None:
    """A server that accepts the connection and never reads: the request's body (a long
    conversation with its passages, larger than the sockets' buffers) cannot be written.
    aiohttp bounds reads, not writes, so the turn hung for good; httpx failed it as a write
    timeout (decision 0127)."""

    listener = socket.create_server(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    try:
        port = listener.getsockname()[1]
        big = ModelRequest(
            model=REQUEST.model,
            system=REQUEST.system,
            messages=(PromptMessage("user", "Pro plan? " + "x" * 8_000_000),),
            max_tokens=256,
        )
        provider = AnthropicProvider(
            "test-key", base_url=f"http://127.0.0.1:{port}", timeout_seconds=1.0, max_retries=0
        )
        listener.settimeout(10)

        def accept() -> None:
            connection, _ = listener.accept()
            accepted.append(connection)  # held open, never read

        threading.Thread(target=accept, daemon=True).start()

        async def run() -> ProviderError | None:
            try:
                async for _ in provider.stream(big):
                    pass
            except ProviderError as exc:
                return exc
            finally:
                # The stalled connection is closed gracefully, so it waits for its unsent
                # bytes until the server goes: the server goes before this loop ends.
                for connection in accepted:
                    connection.close()
                await asyncio.sleep(0.2)
                await provider.aclose()
            return None

        started = time.monotonic()
        error = asyncio.run(run())
        assert error is not None
        assert error.code == "model_timeout"
        assert time.monotonic() - started < 10
    finally:
        for connection in accepted:
            connection.close()
        listener.close()
