"""The web app as the local edge serves it: what the web bucket and CloudFront do in the cloud.

- `web/dist` (the Vite build) at `/`; any other path without a file extension answers
  `index.html`, so client routes (`/chat/<id>`, `/files`, `/admin`, `/auth/callback`) load on
  a direct visit and on reload;
- `/config.json`: the keys the Pulumi program writes to the web bucket (`client_config` in
  platform/engageiq_infra/stack.py), plus `cognitoEndpoint`, local only;
- `/_aws/cognito-idp`: the browser's Cognito calls, forwarded to moto, so that the app's
  `connect-src` needs no Cognito origin locally; only the unauthenticated user-pool actions
  a sign-in page makes are forwarded (moto checks no credentials, so admin actions must not
  be reachable from a browser);
- cache lifetimes and the Content-Security-Policy from `engageiq_tenancy.web_policy`;
- a path it cannot read (engageiq/local/request_paths.py: broken '%' escapes, bytes that are
  not UTF-8, control characters, over 8,192 bytes) is a plain-text 400 or 414, and one with
  dot segments or backslashes a 404: no such path reaches the file system unchecked."""

from __future__ import annotations

import json
import mimetypes
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

import httpx
from litestar.enums import ScopeType
from litestar.types import HTTPScope, Receive, Scope, Send

from engageiq.local.request_paths import UnreadablePath, has_dot_segment, read_path
from engageiq_tenancy.resources import OUTPUT_KEYS

if TYPE_CHECKING:
    from engageiq.local.aws import LocalResources
from engageiq_tenancy.web_policy import (
    HASHED_ASSETS_PREFIX,
    IMMUTABLE_CACHE,
    OTHER_SECURITY_HEADERS,
    REVALIDATE_CACHE,
    content_security_policy,
)

COGNITO_PROXY_PATH: Final = "/_aws/cognito-idp"
COGNITO_TARGET_PREFIX: Final = "AWSCognitoIdentityProviderService."
# What a sign-in page calls without AWS credentials (Cognito's public user-pool actions).
COGNITO_PUBLIC_ACTIONS: Final = frozenset(
    {
        "InitiateAuth",
        "RespondToAuthChallenge",
        "ForgotPassword",
        "ConfirmForgotPassword",
        "RevokeToken",
        "GetUser",
        "ChangePassword",
        "GlobalSignOut",
    }
)
COGNITO_FORWARDED_HEADERS: Final = frozenset(
    {
        b"content-type",
        b"x-amz-target",
        b"x-amz-user-agent",
        b"amz-sdk-invocation-id",
        b"amz-sdk-request",
    }
)
MAX_COGNITO_BODY: Final = 64 * 1024

NOT_BUILT_PAGE: Final = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>EngageIQ</title></head><body><main><h1>The web app is not built</h1>
<p>Run <code>scripts/build-web</code> (scripts/dev does it), then reload. The API is at
<a href="/api/chat/docs">/api/chat/docs</a>.</p></main></body></html>"""


class WebSite:
    """ASGI app for everything outside `/api/*`."""

    def __init__(self, root: Path, client_config: Mapping[str, str], aws_endpoint_url: str) -> None:
        self.root = root.resolve()
        self.client_config = dict(client_config)
        self.aws_endpoint_url = aws_endpoint_url.rstrip("/")
        self.headers: list[tuple[bytes, bytes]] = [
            (
                b"content-security-policy",
                content_security_policy((self.aws_endpoint_url,)).encode(),
            ),
            *((k.lower().encode(), v.encode()) for k, v in OTHER_SECURITY_HEADERS.items()),
        ]
        self._client: httpx.AsyncClient | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            return
        try:
            path = read_path(scope)
        except UnreadablePath as refusal:
            status, sentence = refusal.error.status, refusal.message.encode()
            await self._send(send, status, sentence, "text/plain", REVALIDATE_CACHE, scope)
            return
        if path.rstrip("/") == COGNITO_PROXY_PATH:
            await self._cognito(scope, receive, send)
        elif scope["method"] not in ("GET", "HEAD"):
            await self._send(send, 405, b"Method not allowed", "text/plain", REVALIDATE_CACHE)
        elif path == "/config.json":
            await self._send(
                send, 200, self._config(scope), "application/json", REVALIDATE_CACHE, scope
            )
        else:
            await self._static(scope, path, send)

    def _config(self, scope: HTTPScope) -> bytes:
        # The API on the origin the page was opened at (127.0.0.1, localhost or
        # <tenant>.localhost), so every call stays same-origin.
        host = dict(scope["headers"]).get(b"host", b"127.0.0.1").decode("latin-1")
        config = {
            OUTPUT_KEYS.api_url: f"http://{host}/api",
            **self.client_config,
            "hostedUiDomain": None,
            "cognitoEndpoint": COGNITO_PROXY_PATH,
        }
        return json.dumps(config).encode()

    async def _static(self, scope: HTTPScope, path: str, send: Send) -> None:
        index = self.root / "index.html"
        if not index.is_file():
            await self._send(send, 200, NOT_BUILT_PAGE, "text/html", REVALIDATE_CACHE, scope)
            return
        found = self._file(path) if path != "/" else (index, index.read_bytes())
        if found is not None:
            file, content = found
            cache = IMMUTABLE_CACHE if path.startswith(HASHED_ASSETS_PREFIX) else REVALIDATE_CACHE
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            await self._send(send, 200, content, kind, cache, scope)
        elif "." in path.rsplit("/", 1)[-1] or has_dot_segment(path) or "\\" in path:
            # A missing file (an old hashed asset, say) is a 404, never the app's HTML; nor is
            # a path with dot segments or backslashes, which no browser sends for a page.
            await self._send(send, 404, b"Not found", "text/plain", REVALIDATE_CACHE, scope)
        else:
            await self._send(send, 200, index.read_bytes(), "text/html", REVALIDATE_CACHE, scope)

    def _file(self, path: str) -> tuple[Path, bytes] | None:
        """The web root's regular file at `path` (read strictly, engageiq/local/request_paths.py)
        and its content; None for anything else: a hidden name or a dot segment, a backslash
        (a file name character on Linux, never a separator in a URL), a directory, a name the
        file system refuses (too long, a NUL), or a symbolic link out of the web root."""
        segments = path.split("/")[1:]
        if any(segment.startswith(".") or "\\" in segment for segment in segments):
            return None
        try:
            file = self.root.joinpath(*segments).resolve(strict=True)
            if not file.is_relative_to(self.root) or not file.is_file():
                return None
            return file, file.read_bytes()
        except (OSError, ValueError):
            return None

    async def _send(
        self,
        send: Send,
        status: int,
        body: bytes,
        content_type: str,
        cache: str,
        scope: HTTPScope | None = None,
    ) -> None:
        if content_type.startswith("text/") or content_type == "application/json":
            content_type += "; charset=utf-8"
        headers: list[tuple[bytes, bytes]] = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", cache.encode()),
            *self.headers,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        head = scope is not None and scope["method"] == "HEAD"
        await send(
            {"type": "http.response.body", "body": b"" if head else body, "more_body": False}
        )

    async def _cognito(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        headers = {k.lower(): v for k, v in scope["headers"]}
        target = headers.get(b"x-amz-target", b"").decode("latin-1")
        action = target.removeprefix(COGNITO_TARGET_PREFIX)
        if (
            scope["method"] != "POST"
            or not target.startswith(COGNITO_TARGET_PREFIX)
            or action not in COGNITO_PUBLIC_ACTIONS
        ):
            await self._send(
                send, 403, b'{"message": "Not allowed"}', "application/json", REVALIDATE_CACHE
            )
            return
        body = b""
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            body += chunk if isinstance(chunk, bytes) else b""
            if len(body) > MAX_COGNITO_BODY:
                await self._send(
                    send, 413, b'{"message": "Too large"}', "application/json", REVALIDATE_CACHE
                )
                return
            if not message.get("more_body", False):
                break
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0)
        forwarded = {
            k.decode(): v.decode("latin-1")
            for k, v in headers.items()
            if k in COGNITO_FORWARDED_HEADERS
        }
        try:
            answer = await self._client.post(
                self.aws_endpoint_url + "/", content=body, headers=forwarded
            )
        except httpx.HTTPError:
            await self._send(
                send, 502, b'{"message": "The sign-in service is not answering."}',
                "application/json", REVALIDATE_CACHE,
            )  # fmt: skip
            return
        kind = answer.headers.get("content-type", "application/x-amz-json-1.1")
        response_headers: list[tuple[bytes, bytes]] = [
            (b"content-type", kind.encode()),
            (b"content-length", str(len(answer.content)).encode()),
            (b"cache-control", b"no-store"),
            *self.headers,
        ]
        # The SDK reads the error type from this header when the body does not carry it.
        if "x-amzn-errortype" in answer.headers:
            response_headers.append(
                (b"x-amzn-errortype", answer.headers["x-amzn-errortype"].encode())
            )
        await send(
            {
                "type": "http.response.start",
                "status": answer.status_code,
                "headers": response_headers,
            }
        )
        await send({"type": "http.response.body", "body": answer.content, "more_body": False})


WEB_CLIENT_CONFIG_ENV: Final = "ENGAGEIQ_EDGE_CLIENT_CONFIG"
WEB_AWS_ENDPOINT_ENV: Final = "ENGAGEIQ_EDGE_AWS_ENDPOINT"


def website_from_environment(root: Path) -> WebSite:
    """The site as `engageiq dev` configures the edge process (environment variables)."""
    return WebSite(
        root,
        json.loads(os.environ.get(WEB_CLIENT_CONFIG_ENV, "{}")),
        os.environ.get(WEB_AWS_ENDPOINT_ENV, "http://127.0.0.1:4566"),
    )


def web_client_config(resources: LocalResources) -> dict[str, str]:
    """config.json's keys that do not depend on the request (the same as the cloud's)."""
    k = OUTPUT_KEYS
    return {
        k.region: resources.region,
        k.user_pool_id: resources.user_pool_id,
        k.user_pool_client_id: resources.user_pool_client_id,
    }
