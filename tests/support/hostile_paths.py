"""Request paths no client route or file can be, for the edge and the services: percent-encoded
control characters, broken percent-encoding, bytes that are not UTF-8 once decoded, dot
segments (encoded or not), backslashes, names longer than a file system allows.

They are sent as raw request targets (`http.client` percent-encodes nothing), so a server sees
exactly these bytes; an httpx client would normalise some of them away before sending."""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from litestar import Litestar
from litestar.types import ASGIApp, Message, ReceiveMessage

UNREADABLE_SEGMENTS: Final[tuple[str, ...]] = (
    "%00",  # NUL: the review's `/health%00`
    "a%00b",
    "a%0d%0ab",  # CR LF
    "a%09b",  # TAB
    "%1b",  # ESC
    "a%7f",  # DEL
    "a%c2%85",  # NEL, a C1 control character
    "%zz",  # '%' without two hexadecimal digits
    "a%4",
    "a%",
    "a%c0%ae",  # an overlong '.', not UTF-8
    "%c0%ae%c0%ae",
    "a%ff",  # a lone byte
    "a%ed%a0%80",  # a UTF-16 surrogate, not UTF-8
)
"""Segments that do not decode to a path of characters: the edge refuses them (400)."""

NAMELESS_SEGMENTS: Final[tuple[str, ...]] = (
    "..",
    "%2e%2e",
    ".%2e",
    "%2e",
    "a%5cb",  # a backslash
    "..%5c..%5c",
    "a" * 300,  # longer than a file name may be (255 bytes)
)
"""Segments that decode cleanly but name no file and no route."""

HOSTILE_SEGMENTS: Final = UNREADABLE_SEGMENTS + NAMELESS_SEGMENTS

ENCODED_SEPARATOR_PATHS: Final[tuple[str, ...]] = (
    "/api%2fme",
    "/api%2Fme",
    "/api%2ffiles",
    "/api%2Ffiles%2Fabc",
    "/api%2fupload-file",
    "/api%2Fcollections%2Fx",
    "/api%2fchat%2fconversations",
    "/%61pi%2fme",  # the unreserved 'a' is decoded, the reserved '/' is not
    "/api%252fme",  # a double-encoded '/': '%25' is a '%' sign, never decoded twice
    "/%2fapi/me",
)
"""Paths a decoder reads as an API address (`/api/me`, once or twice decoded) but which
CloudFront's `/api/...` path patterns do not match: a percent-encoded '/' is data, not a
separator (RFC 3986 section 2.2; decision 0131). CloudFront gives them the default (web app)
behaviour; so must the edge."""

OVERLONG_SEGMENT: Final = "b" * 100_000
"""Far over any key or URL limit; the edge stops it (414), the services must cope alone."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def get_raw(
    base_url: str, target: str, headers: Mapping[str, str] | None = None, method: str = "GET"
) -> Answer:
    """`target` sent byte for byte as the request line's path (`http.client` checks only that
    it has no raw control characters or spaces)."""
    url = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        connection.request(method, target, headers=dict(headers or {}))
        response = connection.getresponse()
        return Answer(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        connection.close()


async def asgi_raw(
    app: ASGIApp, method: str, raw_path: bytes, headers: Mapping[str, str] | None = None
) -> Answer:
    """One request to `app` in process, its scope built as uvicorn builds it from the request
    line: `raw_path` as sent, `path` percent-decoded with `urllib.parse.unquote` (invalid
    UTF-8 replaced, a '%' without two hex digits kept)."""
    scope: Any = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": urllib.parse.unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"test"),
            *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent: list[Message] = []

    async def receive() -> ReceiveMessage:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start: Any = sent[0]
    return Answer(
        start["status"],
        {k.decode("latin-1"): v.decode("latin-1") for k, v in start.get("headers", [])},
        b"".join(m.get("body", b"") for m in sent[1:] if m["type"] == "http.response.body"),
    )


def hostile_requests(app: Litestar) -> list[tuple[str, bytes]]:
    """(method, raw path) for every route of `app` with each hostile segment in place of each
    path parameter (a route without parameters gets one appended): `/api/files/%00/content`.
    OPTIONS is left out: Litestar answers it (204) for any path of a route without a lookup."""
    requests = []
    for route in app.routes:
        for method in sorted(set(getattr(route, "methods", ())) - {"OPTIONS"}):
            for segment in (*HOSTILE_SEGMENTS, OVERLONG_SEGMENT):
                path = _PARAMETER.sub(segment, route.path)
                if path == route.path:
                    path = f"{route.path.rstrip('/')}/{segment}"
                requests.append((method, path.encode("ascii")))
    return requests


_PARAMETER: Final = re.compile(r"\{[^}]+\}")


def in_error_shape(answer: Answer) -> bool:
    """Whether the body is exactly the services' `{code, message, requestId}`."""
    try:
        body = answer.json()
    except ValueError:
        return False
    return isinstance(body, dict) and set(body) == {"code", "message", "requestId"}


def docs_page(raw_path: bytes) -> bool:
    """A path under a service's OpenAPI pages (`/api/chat/docs/...`): Litestar's OpenAPI
    controller answers an unknown one with its own HTML 404, a page for people."""
    return re.match(rb"/api/[a-z]+/docs(/|$)", raw_path) is not None
