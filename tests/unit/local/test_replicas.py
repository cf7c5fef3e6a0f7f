"""The local edge over several replicas (`engageiq dev --replicas N`): requests take the
replicas in turn, a replica that refuses connections is skipped, and a request whose body
already went to a failed replica is never sent again (engageiq/local/replicas.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from litestar.types import Receive, Scope, Send

from engageiq.local.edge import Edge
from engageiq.local.replicas import (
    REPLICA_HEADER,
    Replica,
    ReplicaPool,
    may_try_another,
    pools_from_json,
)
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import RETRY_AFTER_SECONDS

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def three() -> list[Replica]:
    return [Replica(f"files-{n}", f"http://127.0.0.1:{9000 + n}") for n in (1, 2, 3)]


def test_requests_take_the_replicas_in_turn() -> None:
    pool = ReplicaPool(three())
    firsts = [pool.attempts()[0].name for _ in range(6)]
    assert firsts == ["files-1", "files-2", "files-3"] * 2
    # Each request may fall back on every other replica, the next in turn first.
    assert [r.name for r in ReplicaPool(three()).attempts()] == ["files-1", "files-2", "files-3"]


def test_a_failed_replica_is_tried_last_until_its_cooldown_ends() -> None:
    clock = Clock()
    replicas = three()
    pool = ReplicaPool(replicas, cooldown=2.0, clock=clock)
    pool.failed(replicas[0])
    orders = [[r.name for r in pool.attempts()] for _ in range(3)]
    assert orders == [
        ["files-2", "files-3", "files-1"],
        ["files-2", "files-3", "files-1"],
        ["files-3", "files-2", "files-1"],
    ]
    clock.now += 2.5  # cooldown over: back in its turn
    assert pool.attempts()[0].name == "files-1"
    pool.failed(replicas[1])
    pool.answered(replicas[1])  # it answered a probe: healthy at once
    assert pool.attempts()[0].name == "files-2"


def test_origins_name_the_replicas_and_one_replica_keeps_the_plain_name() -> None:
    pools = pools_from_json(
        '{"chat": "http://127.0.0.1:1", "files": ["http://127.0.0.1:2", "http://127.0.0.1:3"]}'
    )
    assert [r.name for r in pools["chat"].replicas] == ["chat"]
    assert [(r.name, r.url) for r in pools["files"].replicas] == [
        ("files-1", "http://127.0.0.1:2"),
        ("files-2", "http://127.0.0.1:3"),
    ]


@pytest.mark.parametrize(
    ("method", "error", "body_bytes_sent", "expected"),
    [
        # Nothing reached the replica: any request may go elsewhere.
        ("POST", httpx.ConnectError("refused"), 0, True),
        ("POST", httpx.ConnectTimeout("slow"), 0, True),
        # It reached the replica, which died before answering: only idempotent methods.
        ("GET", httpx.RemoteProtocolError("closed"), 0, True),
        ("DELETE", httpx.ReadError("reset"), 0, True),
        ("POST", httpx.RemoteProtocolError("closed"), 0, False),
        ("PATCH", httpx.ReadError("reset"), 0, False),
        # Part of the client's body is gone with the failed replica: never.
        ("PUT", httpx.ReadError("reset"), 10, False),
        ("POST", httpx.ConnectError("refused"), 10, False),
        # Alive but slow: a second attempt would double the wait.
        ("GET", httpx.ReadTimeout("slow"), 0, False),
    ],
)
def test_which_failed_requests_may_go_to_another_replica(
    method: str, error: httpx.HTTPError, body_bytes_sent: int, expected: bool
) -> None:
    assert may_try_another(method, error, body_bytes_sent) is expected


class Streamed(httpx.AsyncByteStream):
    """An origin's body as the edge gets it from a real connection: streamed, not preloaded."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.body


def answer(status: int, body: bytes = b"") -> httpx.Response:
    return httpx.Response(status, stream=Streamed(body))


class Origins(httpx.AsyncBaseTransport):
    """The replicas, as `handler` plays them. Unlike httpx.MockTransport it does not read the
    request body first: a refused connection reads none of it, as on a real socket."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.handler(request)


async def no_static(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("only /api/ is requested here")


def edge_over(handler: Handler, urls: list[str]) -> tuple[Edge, httpx.AsyncClient]:
    origins = {"chat": urls, "files": urls}
    pools = pools_from_json(json.dumps(origins))
    upstream = httpx.AsyncClient(transport=Origins(handler))
    edge = Edge(pools, no_static, client=upstream)
    # httpx types an ASGI app more loosely than Litestar's scope types; it is the same protocol.
    app: Any = edge
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://edge")
    return edge, client


A, B = "http://127.0.0.1:7001", "http://127.0.0.1:7002"


@pytest.mark.anyio
async def test_the_edge_spreads_requests_and_names_the_replica_that_answered() -> None:
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.port} {request.method} {await request.aread()!r}")
        return answer(200, b"{}")

    _, client = edge_over(handler, [A, B])
    async with client:
        names = [
            (await client.get("/api/files")).headers[REPLICA_HEADER],
            (await client.post("/api/upload-file", content=b"abc")).headers[REPLICA_HEADER],
            (await client.get("/api/files")).headers[REPLICA_HEADER],
        ]
    assert names == ["files-1", "files-2", "files-1"]
    assert seen == ["7001 GET b''", "7002 POST b'abc'", "7001 GET b''"]


@pytest.mark.anyio
async def test_a_replica_that_refuses_connections_is_skipped_for_every_method(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.url.port} {request.method}")
        if request.url.port == 7001:
            raise httpx.ConnectError("connection refused", request=request)
        body = await request.aread()
        return answer(201, body)

    _, client = edge_over(handler, [A, B])
    async with client:
        responses = [
            await client.post("/api/chat", content=b'{"message": "hi"}'),
            await client.get("/api/files"),
            await client.post("/api/chat", content=b'{"message": "again"}'),
        ]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert {r.headers[REPLICA_HEADER] for r in responses} == {"chat-2", "files-2"}
    assert responses[0].content == b'{"message": "hi"}'  # the body went whole to the other
    # Refused once, then tried last during its cooldown: no second knock on the dead chat
    # replica (files has its own pool, whose first replica was tried once too).
    assert calls == ["7001 POST", "7002 POST", "7001 GET", "7002 GET", "7002 POST"]
    failed = [r for r in caplog.records if r.getMessage() == "replica_failed"]
    assert [(r.replica, r.error, r.next) for r in failed] == [  # type: ignore[attr-defined]
        ("chat-1", "ConnectError", "another replica"),
        ("files-1", "ConnectError", "another replica"),
    ]


@pytest.mark.anyio
async def test_a_post_whose_body_reached_a_dying_replica_is_not_sent_again() -> None:
    calls: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.url.port} {request.method}")
        await request.aread()  # the body went out, then the replica died
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    _, client = edge_over(handler, [A, B])
    async with client:
        response = await client.post("/api/upload-file", content=b"a document")
    assert_edge_service_unavailable(response, "files")
    assert REPLICA_HEADER not in response.headers
    assert calls == ["7001 POST"]


@pytest.mark.anyio
async def test_an_idempotent_request_without_a_body_is_retried_after_a_dropped_connection() -> None:
    calls: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.url.port} {request.method}")
        if request.url.port == 7001:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return answer(204)

    _, client = edge_over(handler, [A, B])
    async with client:
        response = await client.delete("/api/files/f1")
    assert response.status_code == 204
    assert calls == ["7001 DELETE", "7002 DELETE"]


@pytest.mark.anyio
async def test_when_every_replica_refuses_the_client_gets_the_edge_503() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    _, client = edge_over(handler, [A, B])
    async with client:
        chat = await client.get("/api/conversations")
        files = await client.get("/api/files")
    assert_edge_service_unavailable(chat, "chat")
    assert_edge_service_unavailable(files, "files")


def assert_edge_service_unavailable(response: httpx.Response, service: str) -> None:
    """The edge's own answer is the error table's `service_unavailable`: its one status (503,
    not a 502 of its own), the services' error shape and their Retry-After."""
    body = response.json()
    assert (response.status_code, body["code"]) == (503, "service_unavailable")
    assert Errors.with_code(body["code"]).status == response.status_code
    assert set(body) == {"code", "message", "requestId"}
    assert body["message"] == Errors.SERVICE_NOT_ANSWERING.sentence(service=service)
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert response.headers["x-request-id"] == body["requestId"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_a_service_the_edge_has_no_origin_for_is_503_too() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing is sent on")

    upstream = httpx.AsyncClient(transport=Origins(handler))
    app: Any = Edge(pools_from_json(json.dumps({"files": [A]})), no_static, client=upstream)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e") as c:
        response = await c.get("/api/conversations")
    assert_edge_service_unavailable(response, "chat")
