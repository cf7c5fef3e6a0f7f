"""The local edge: what CloudFront does in the cloud, on one loopback port.

`/api/*` is proxied to the chat or files service by the same `EDGE_ROUTES` the CloudFront
behaviours are generated from; everything else is the built web app (engageiq/local/web.py).
Bodies are streamed both ways, so uploads are never buffered and SSE events arrive as they are sent.
Served with `uvicorn engageiq.local.edge:create_app --factory`."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final

import anyio
import httpx
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send

from engageiq.local.web import website_from_environment
from engageiq_tenancy.resources import route_for

EDGE_ORIGINS_ENV: Final = "ENGAGEIQ_EDGE_ORIGINS"
EDGE_WEB_ROOT_ENV: Final = "ENGAGEIQ_EDGE_WEB_ROOT"

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


class Edge:
    def __init__(self, origins: dict[str, str], static_app: ASGIApp) -> None:
        self.origins = origins
        self.static_app = static_app
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=ORIGIN_TIMEOUT, follow_redirects=False)
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope["path"].startswith("/api/"):
            await self._proxy(scope, receive, send)
        else:
            await self.static_app(scope, receive, send)

    async def _proxy(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        service = route_for(scope["path"])
        origin = self.origins.get(service) if service else None
        if origin is None:
            await _bad_gateway(send, service or "api")
            return
        if sum(1 for k, _ in scope["headers"] if k.lower() == b"authorization") > 1:
            # As the services do: which of several credentials counts is ambiguous.
            await _refuse(
                send,
                400,
                "duplicate_authorization",
                "Send one Authorization header; this request has several.",
            )
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        url = origin + raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        # Values are trimmed as HTTP allows (httpx refuses trailing spaces, e.g. "Bearer ").
        headers = [(k, v.strip()) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        client_host = (scope.get("client") or ("127.0.0.1", 0))[0]
        headers += [(b"x-forwarded-for", client_host.encode()), (b"x-forwarded-proto", b"http")]

        body_read = anyio.Event()

        async def request_body() -> AsyncIterator[bytes]:
            try:
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    body = message.get("body", b"")
                    if isinstance(body, bytes):
                        yield body
                    if not message.get("more_body", False):
                        return
            finally:
                body_read.set()

        request = self.client.build_request(
            scope["method"], url, headers=headers, content=request_body()
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError:
            await _bad_gateway(send, service or "api")
            return

        async def relay(done: anyio.CancelScope) -> None:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": [
                        (k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP
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
            await body_read.wait()
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


async def _bad_gateway(send: Send, service: str) -> None:
    await _refuse(
        send,
        502,
        "service_unavailable",
        f"The {service} service is not answering; try again shortly.",
    )


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    """An answer of the edge itself, in the services' error shape."""
    request_id = uuid.uuid4().hex
    body = json.dumps({"code": code, "message": message, "requestId": request_id}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def create_app() -> Edge:
    origins: dict[str, str] = json.loads(os.environ[EDGE_ORIGINS_ENV])
    # The built web app, config.json and the Cognito pass-through: engageiq/local/web.py.
    return Edge(origins, website_from_environment(Path(os.environ[EDGE_WEB_ROOT_ENV])))
