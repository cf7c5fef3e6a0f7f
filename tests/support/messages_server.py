"""A local stand-in for Anthropic's Messages API: `POST /v1/messages` with `stream: true`,
answered in the documented SSE format (`event:` line + JSON `data:` line per event).

Scriptable per request, in order: `Reply` streams tokens (optionally slowly, breaking off
with a mid-stream `error` event, or closing the connection cleanly without `message_stop`),
`Refuse` answers an HTTP error (429, 529, 500...) the way the API does. When the script runs
out, `default` answers. Every request is recorded.

A token may be a `Cite`: a claim supported by search results of the request, streamed as the
API streams a cited claim - its own text content block, whose `content_block_start` has
`citations: []`, then one `citations_delta` per cited result (a `search_result_location`
with the request's source, title and the cited block's text), then its text."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Cite:
    """A claim of the answer, cited from the request's search results."""

    text: str
    results: tuple[int, ...] = (0,)
    """`search_result_index` of each citation: the request's search_result blocks, in order.
    An index the request does not have is left out, as the API never cites what it was not
    given. Empty with `containing`: every result holding that text."""
    block: int = 0
    """The cited text block of each search result (`start_block_index`)."""
    containing: str = ""
    """When set, the cited block is instead each result's first block holding this text
    (case- and space-insensitively), as a model cites the sentence that says it."""


@dataclass(frozen=True)
class Reply:
    tokens: Sequence[str | Cite] = ("Hello", " from", " the", " local", " model.")
    interval: float = 0.0
    """Seconds between tokens."""
    first_token_delay: float = 0.0
    """Seconds between the response headers and the first token."""
    error_after: int | None = None
    """Send an `error` event (and stop) after this many tokens."""
    error_type: str = "overloaded_error"
    close_after: int | None = None
    """End the body in good order (its last chunk sent: no error, no `message_stop`) after
    this many tokens."""
    reset_after: int | None = None
    """Reset the connection (TCP RST, mid-stream) after this many tokens."""
    malformed_after: int | None = None
    """Send an event whose data is not JSON after this many tokens, then stop."""
    input_tokens: int = 21
    stop_reason: str = "end_turn"
    stamp: bool = False
    """Benchmarks: each token's text is `<t=...>`, time.monotonic() when it was written."""


@dataclass(frozen=True)
class Refuse:
    status: int = 429
    error_type: str = "rate_limit_error"
    retry_after_ms: int = 1
    """Sent as `retry-after-ms`, which the SDK honours: tests do not wait for real backoff."""


Step = Reply | Refuse


@dataclass(frozen=True)
class ReceivedRequest:
    arrived: float
    """time.monotonic() at arrival (the clock is shared by every process on the machine)."""
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class MessagesServer:
    default: Step = field(default_factory=Reply)
    host: str = "127.0.0.1"
    script: deque[Step] = field(default_factory=deque)
    requests: list[ReceivedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    def enqueue(self, *steps: Step) -> None:
        with self._lock:
            self.script.extend(steps)

    def next_step(self) -> Step:
        with self._lock:
            return self.script.popleft() if self.script else self.default

    def record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def start(self) -> MessagesServer:
        owner = self

        class Handler(_Handler):
            server_owner = owner

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


RESET: bytes = b"<reset>"
"""Marker in an event sequence: reset the connection instead of writing."""


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode()


def _delta(text: str, index: int = 0) -> bytes:
    return _event(
        "content_block_delta", {"index": index, "delta": {"type": "text_delta", "text": text}}
    )


def search_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's search_result blocks, in the order the API numbers them."""
    return [
        block
        for message in body.get("messages", [])
        if isinstance(message.get("content"), list)
        for block in message["content"]
        if isinstance(block, dict) and block.get("type") == "search_result"
    ]


def _squeezed(text: str) -> str:
    return "".join(text.lower().split())


def _citation(results: list[dict[str, Any]], index: int, cite: Cite) -> dict[str, Any] | None:
    if not 0 <= index < len(results):
        return None
    result = results[index]
    content = result.get("content", [])
    start = min(max(cite.block, 0), max(len(content) - 1, 0))
    if cite.containing:
        wanted = _squeezed(cite.containing)
        holding = [i for i, b in enumerate(content) if wanted in _squeezed(b.get("text", ""))]
        start = holding[0] if holding else start
    return {
        "type": "search_result_location",
        "source": result.get("source", ""),
        "title": result.get("title"),
        "cited_text": "".join(b.get("text", "") for b in content[start : start + 1]),
        "search_result_index": index,
        "start_block_index": start,
        "end_block_index": start + 1,
    }


def _cited_claim(cite: Cite, index: int, results: list[dict[str, Any]]) -> bytes:
    """One cited claim: its own text block, citations first, as the API streams it."""
    start = _event(
        "content_block_start",
        {"index": index, "content_block": {"type": "text", "text": "", "citations": []}},
    )
    wanted = _squeezed(cite.containing)
    chosen = cite.results or tuple(
        i
        for i, result in enumerate(results)
        if wanted and any(wanted in _squeezed(b.get("text", "")) for b in result["content"])
    )
    citations = [c for r in chosen if (c := _citation(results, r, cite))]
    deltas = [
        _event(
            "content_block_delta",
            {"index": index, "delta": {"type": "citations_delta", "citation": citation}},
        )
        for citation in citations
    ]
    stop = _event("content_block_stop", {"index": index})
    return start + b"".join(deltas) + _delta(cite.text, index) + stop


def stream_events(
    reply: Reply, model: str, body: dict[str, Any] | None = None
) -> Iterable[tuple[float, Callable[[], bytes]]]:
    """(delay before, bytes to write then) for each event of a streamed Message; `body` is the
    request's, which cited claims quote."""
    for delay, chunk in _events(reply, model, search_results(body or {})):
        if chunk is None:
            yield delay, lambda: _delta(f"<t={time.monotonic():.6f}>")
        else:
            yield delay, partial(bytes, chunk)


def _events(
    reply: Reply, model: str, results: list[dict[str, Any]]
) -> Iterable[tuple[float, bytes | None]]:
    yield (
        0.0,
        _event(
            "message_start",
            {
                "message": {
                    "id": "msg_local",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": reply.input_tokens,
                        "output_tokens": 1,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": 0,
                    },
                }
            },
        ),
    )
    index = 0
    """The last content block started; `open_block` while it takes plain text (the API starts
    the first one at once)."""
    open_block = True
    yield (
        0.0,
        _event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
    )
    yield 0.0, _event("ping", {})
    for n, token in enumerate(reply.tokens):
        if reply.error_after is not None and n == reply.error_after:
            yield (
                0.0,
                _event("error", {"error": {"type": reply.error_type, "message": "Overloaded"}}),
            )
            return
        if reply.close_after is not None and n == reply.close_after:
            # The body ends in good order without a message_stop: what a proxy that gives up
            # sends; not an error the API sends, and not a broken connection.
            return
        if reply.reset_after is not None and n == reply.reset_after:
            yield 0.0, RESET
            return
        if reply.malformed_after is not None and n == reply.malformed_after:
            yield 0.0, b'event: content_block_delta\ndata: {"type": "content_block_delta", "ind\n\n'
            return
        delay = reply.first_token_delay if n == 0 else reply.interval
        if isinstance(token, Cite):
            closing = _event("content_block_stop", {"index": index}) if open_block else b""
            index += 1
            yield delay, closing + _cited_claim(token, index, results)
            open_block = False
            continue
        opening = b""
        if not open_block:
            index += 1
            opening = _event(
                "content_block_start",
                {"index": index, "content_block": {"type": "text", "text": ""}},
            )
            open_block = True
        yield delay, None if reply.stamp else opening + _delta(token, index)
    if open_block:
        yield 0.0, _event("content_block_stop", {"index": index})
    yield (
        0.0,
        _event(
            "message_delta",
            {
                "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": len(reply.tokens)},
            },
        ),
    )
    yield 0.0, _event("message_stop", {})


class _Handler(BaseHTTPRequestHandler):
    server_owner: MessagesServer
    # As the API answers: HTTP/1.1, a stream's body in chunked encoding, so a client tells a
    # body that ended in good order from a connection that broke (a close-delimited body
    # cannot say which, and clients differ on how they read a reset then).
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        arrived = time.monotonic()
        length = int(self.headers.get("content-length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        owner = self.server_owner
        owner.record(ReceivedRequest(arrived, dict(self.headers.items()), body))
        if self.path.split("?")[0] != "/v1/messages":
            self._json(
                404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}}
            )
            return
        step = owner.next_step()
        if isinstance(step, Refuse):
            self._json(
                step.status,
                {
                    "type": "error",
                    "error": {"type": step.error_type, "message": "refused by script"},
                },
                {"retry-after-ms": str(step.retry_after_ms)},
            )
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        try:
            for delay, chunk in stream_events(step, str(body.get("model", "")), body):
                if delay:
                    time.sleep(delay)
                data = chunk()
                if data == RESET:
                    self._reset()
                    return
                if data:  # an empty chunk would end the body
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return  # the client went away (cancelled generation)

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST: the peer sees a reset, not
        # an orderly end of the body.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _json(
        self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def main() -> None:
    """`python -m tests.support.messages_server --port N [--tokens 50 --interval 0.02 --stamp]`:
    serve the same reply to every request until killed (benchmarks run it as a process)."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tokens", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.02)
    parser.add_argument("--stamp", action="store_true")
    args = parser.parse_args()
    server = MessagesServer(
        default=Reply(tokens=["tok "] * args.tokens, interval=args.interval, stamp=args.stamp)
    )

    class Handler(_Handler):
        server_owner = server

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256  # 100 streams connect at once

    Server((server.host, args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
