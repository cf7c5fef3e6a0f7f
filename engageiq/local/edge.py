"""The local edge: what CloudFront does in the cloud, on one loopback port.

`/api/*` is proxied to the chat or files service by the same `EDGE_ROUTES` the CloudFront
behaviours are generated from, matched as CloudFront matches them (`behaviour_path`: a
percent-encoded '/' is not a separator, so `/api%2fme` is the web app's, decision 0131);
everything else is the built web app (engageiq/local/web.py).
Bodies are streamed both ways, so uploads are never buffered and SSE events arrive as they are sent.
Each service may run as several replicas (`engageiq dev --replicas N`): requests take them in
turn, and one that cannot reach a replica goes to the next when that is safe
(engageiq/local/replicas.py); the answer names its replica in `x-engageiq-replica`.
A path the edge cannot read (engageiq/local/request_paths.py) is answered by the edge itself
(400 `invalid_path`, 414 `path_too_long`), as is one with dot segments (404 `not_found`), and
a request no replica of its service took (503 `service_unavailable` with Retry-After). Every
answer of the edge's own is an entry of the error table (`engageiq_tenancy.error_codes`).
Served with `uvicorn engageiq.local.edge:create_app --factory`."""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final

import anyio
import httpx
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send

from engageiq.local.replicas import REPLICA_HEADER, ReplicaPool, may_try_another, pools_from_json
from engageiq.local.request_paths import (
    UnreadablePath,
    behaviour_path,
    has_dot_segment,
    read_path,
)
from engageiq.local.web import website_from_environment
from engageiq_tenancy.error_codes import ErrorCode, Errors
from engageiq_tenancy.errors import RETRY_AFTER_SECONDS
from engageiq_tenancy.resources import route_for

EDGE_ORIGINS_ENV: Final = "ENGAGEIQ_EDGE_ORIGINS"
"""JSON: each service's replica URLs, `{"chat": ["http://127.0.0.1:41001", ...], ...}`."""
EDGE_WEB_ROOT_ENV: Final = "ENGAGEIQ_EDGE_WEB_ROOT"

SET_BY_THE_EDGE: Final = frozenset({b"date", b"server"})
"""Response headers the edge's own server (uvicorn) writes: the service's copies are dropped,
or a response would carry two of each (CloudFront likewise answers with one of each)."""
HOP_BY_HOP: Final = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)
# CloudFront's origin read timeout (60 s in our behaviours) bounds the gap between packets.
ORIGIN_TIMEOUT: Final = httpx.Timeout(connect=5.0, read=60.0, write=60.0, pool=5.0)

log = logging.getLogger(__name__)


class RequestBody:
    """The client's request body, read from ASGI `receive` as an origin request sends it.

    It counts the bytes read (`bytes_read`), so the edge knows whether a request that failed
    on one replica can still go to another (`may_try_another`), and is read once even across
    attempts (a second `chunks()` after the end yields nothing). `read` is set once the body
    is read, the point from which the disconnect watch may call `receive` itself."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.bytes_read = 0
        self.complete = False
        self.read = anyio.Event()

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            while not self.complete:
                message = await self._receive()
                if message["type"] == "http.disconnect":
                    self.complete = True
                    return
                self.complete = not message.get("more_body", False)
                chunk = message.get("body", b"")
                if isinstance(chunk, bytes) and chunk:
                    self.bytes_read += len(chunk)
                    yield chunk
        finally:
            self.read.set()


class Edge:
    def __init__(
        self,
        pools: dict[str, ReplicaPool],
        static_app: ASGIApp,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.pools = pools
        self.static_app = static_app
        self._client = client

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=ORIGIN_TIMEOUT, follow_redirects=False)
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            # The behaviour is chosen on the path as CloudFront matches it, never on uvicorn's
            # decoded `path`: that one reads `/api%2fme` as `/api/me`.
            service = route_for(behaviour_path(scope))
            if service is not None:
                if await _readable(scope, send):
                    await self._proxy(scope, service, receive, send)
                return
        await self.static_app(scope, receive, send)

    async def _proxy(self, scope: HTTPScope, service: str, receive: Receive, send: Send) -> None:
        pool = self.pools.get(service)
        if pool is None:
            await _service_unavailable(send, service)
            return
        if sum(1 for k, _ in scope["headers"] if k.lower() == b"authorization") > 1:
            # As the services do: which of several credentials counts is ambiguous.
            await _refuse(send, Errors.DUPLICATE_AUTHORIZATION)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        target = raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        # Values are trimmed as HTTP allows (httpx refuses trailing spaces, e.g. "Bearer ").
        headers = [(k, v.strip()) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        client_host = (scope.get("client") or ("127.0.0.1", 0))[0]
        headers += [(b"x-forwarded-for", client_host.encode()), (b"x-forwarded-proto", b"http")]

        body = RequestBody(receive)
        response: httpx.Response | None = None
        for replica in pool.attempts():
            request = self.client.build_request(
                scope["method"], replica.url + target, headers=headers, content=body.chunks()
            )
            try:
                response = await self.client.send(request, stream=True)
            except httpx.HTTPError as exc:
                if isinstance(exc, httpx.TransportError):
                    pool.failed(replica)
                retry = may_try_another(scope["method"], exc, body.bytes_read)
                log.warning(
                    "replica_failed",
                    extra={
                        "replica": replica.name,
                        "error": type(exc).__name__,
                        "method": scope["method"],
                        "path": scope["path"],
                        "next": "another replica" if retry else "503 to the client",
                    },
                )
                if not retry:
                    break
                continue
            pool.answered(replica)
            break
        if response is None:
            await _service_unavailable(send, service)
            return
        answered_by = (REPLICA_HEADER.encode(), replica.name.encode())

        async def relay(done: anyio.CancelScope) -> None:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": [
                        *(
                            (k, v)
                            for k, v in response.headers.raw
                            if k.lower() not in HOP_BY_HOP and k.lower() not in SET_BY_THE_EDGE
                        ),
                        answered_by,
                    ],
                }
            )
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            done.cancel()

        async def watch_for_disconnect(done: anyio.CancelScope) -> None:
            # uvicorn drops send() after the client left without raising, so the relay alone
            # would read the origin's stream to its end (a model generating for nobody).
            await body.read.wait()
            while (await receive())["type"] != "http.disconnect":
                pass
            done.cancel()

        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(relay, tasks.cancel_scope)
                tasks.start_soon(watch_for_disconnect, tasks.cancel_scope)
        finally:
            # Closing the origin connection is how a browser's disconnect reaches the service.
            await response.aclose()


async def _readable(scope: HTTPScope, send: Send) -> bool:
    """Whether the API path may be sent on; False once the edge has refused it itself."""
    try:
        path = read_path(scope)
    except UnreadablePath as refusal:
        await _refuse(send, refusal.error, refusal.message)
        return False
    if has_dot_segment(path):
        # httpx would resolve them (`/api/files/../me` is sent as `/api/me`): the service
        # would answer an address the client did not ask for, so the edge answers.
        await _refuse(send, Errors.NOT_FOUND)
        return False
    return True


async def _service_unavailable(send: Send, service: str) -> None:
    # The table's one status for the code (503), and the Retry-After every 503
    # `service_unavailable` of the services carries (decision 0091).
    retry_after = (b"retry-after", str(RETRY_AFTER_SECONDS).encode())
    error = Errors.SERVICE_NOT_ANSWERING
    await _refuse(send, error, error.sentence(service=service), headers=[retry_after])


async def _refuse(
    send: Send,
    error: ErrorCode,
    message: str | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """An answer of the edge itself: an entry of the error table (its status and code; its
    sentence unless `message` fills in its detail), in the services' error shape."""
    request_id = uuid.uuid4().hex
    body = json.dumps(
        {"code": error.code, "message": message or error.message, "requestId": request_id}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"x-request-id", request_id.encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def create_app() -> Edge:
    pools = pools_from_json(os.environ[EDGE_ORIGINS_ENV])
    # The built web app, config.json and the Cognito pass-through: engageiq/local/web.py.
    return Edge(pools, website_from_environment(Path(os.environ[EDGE_WEB_ROOT_ENV])))
