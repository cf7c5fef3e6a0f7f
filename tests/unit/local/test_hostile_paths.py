"""The local edge (engageiq/local/edge.py and web.py) under uvicorn, as `engageiq dev` runs it,
answers every request path it cannot map to a file or a route with a 4xx, never a 500 (the
review's `GET /health%00`, "embedded null byte"), and keeps serving afterwards:

- a path that does not decode to characters (percent-encoded controls, broken
  percent-encoding, bytes that are not UTF-8): 400, in the services' JSON shape under /api/,
  as plain text elsewhere; never sent on to a service;
- a path longer than CloudFront's 8,192-byte URL limit: 414;
- a static path naming no file (dot segments, backslashes, directories, names too long for the
  file system): the web app's rules, 404 for a file name, index.html for a client route, and
  never a file outside the web root;
- a path whose `/api/` is spelt with an encoded slash (`/api%2fme`): the web app's, as
  CloudFront's behaviours match it (decision 0131), never sent to a service as `/api/me`."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from litestar.enums import ScopeType
from litestar.types import Receive, Scope, Send

from engageiq.local.edge import Edge
from engageiq.local.replicas import pools_from_json
from engageiq.local.web import WebSite
from tests.support.hostile_paths import (
    ENCODED_SEPARATOR_PATHS,
    HOSTILE_SEGMENTS,
    NAMELESS_SEGMENTS,
    UNREADABLE_SEGMENTS,
    get_raw,
)

INDEX = b"<!doctype html><title>EngageIQ</title>"
ERROR_KEYS = {"code", "message", "requestId"}
TOO_LONG = "a" * 9000


class Origin:
    """The services behind the edge: records each raw path it is sent and the service it was
    sent to, answers 404 as the services answer an unknown address."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.services: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == ScopeType.HTTP
        self.paths.append(scope["raw_path"].decode("ascii"))
        host = dict(scope["headers"])[b"host"].decode("ascii")
        self.services.append(host.removesuffix(".test"))
        body = json.dumps({"code": "not_found", "message": "Nothing.", "requestId": "r"})
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body.encode(), "more_body": False})


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outside = tmp_path_factory.mktemp("edge")
    root = outside / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "assets" / "app-1a2b.js").write_text("console.log(1)")
    (root / "legacy.v1").mkdir()  # a directory whose name looks like a file's
    (root / ".stamp").write_text("outside the app: the build's own bookkeeping")
    (outside / "secret.txt").write_text("outside the web root")
    (outside / "secret").write_text("outside the web root")
    return root


@pytest.fixture(scope="module")
def origin() -> Origin:
    return Origin()


@pytest.fixture(scope="module")
def edge_url(dist: Path, origin: Origin) -> Iterator[str]:
    pools = pools_from_json('{"chat": "http://chat.test", "files": "http://files.test"}')
    # httpx types an ASGI app more loosely than Litestar's scope types; it is the same protocol.
    services: Any = origin
    upstream = httpx.AsyncClient(transport=httpx.ASGITransport(app=services))
    edge = Edge(pools, WebSite(dist, {}, "http://127.0.0.1:1"), client=upstream)
    server = uvicorn.Server(uvicorn.Config(edge, host="127.0.0.1", port=0, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def still_serving(edge_url: str) -> None:
    home = get_raw(edge_url, "/")
    assert (home.status, home.body) == (200, INDEX)
    asset = get_raw(edge_url, "/assets/app-1a2b.js")
    assert (asset.status, asset.body) == (200, b"console.log(1)")


@pytest.mark.parametrize(
    "target",
    [
        "/health%00",  # the review's finding
        "/x%00.js",
        *(f"/{segment}" for segment in UNREADABLE_SEGMENTS),
        *(f"/assets/{segment}.js" for segment in UNREADABLE_SEGMENTS),
        *(f"/chat/{segment}/x" for segment in UNREADABLE_SEGMENTS),
    ],
)
def test_a_static_path_that_does_not_decode_is_400_text(edge_url: str, target: str) -> None:
    answer = get_raw(edge_url, target)
    assert answer.status == 400, (target, answer)
    assert answer.headers["content-type"].startswith("text/plain")
    assert b"address" in answer.body  # a sentence, not a traceback
    assert "content-security-policy" in answer.headers  # the web app's headers, as on any page
    still_serving(edge_url)


@pytest.mark.parametrize(
    "target",
    [
        *(f"/api/files/{segment}" for segment in UNREADABLE_SEGMENTS),
        *(f"/api/{segment}" for segment in UNREADABLE_SEGMENTS),
        "/api/chat%00",
    ],
)
def test_an_api_path_that_does_not_decode_is_400_json_and_reaches_no_service(
    edge_url: str, origin: Origin, target: str
) -> None:
    sent_before = len(origin.paths)
    answer = get_raw(edge_url, target)
    assert answer.status == 400, (target, answer)
    body = answer.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == "invalid_path"
    assert body["message"].endswith(".")
    assert answer.headers["x-request-id"] == body["requestId"]
    assert len(origin.paths) == sent_before
    still_serving(edge_url)


@pytest.mark.parametrize(
    ("target", "kind"), [(f"/{TOO_LONG}", "text"), (f"/api/{TOO_LONG}", "json")]
)
def test_a_path_longer_than_cloudfront_allows_is_414(edge_url: str, target: str, kind: str) -> None:
    answer = get_raw(edge_url, target)
    assert answer.status == 414
    if kind == "json":
        assert answer.json()["code"] == "path_too_long"
    else:
        assert answer.headers["content-type"].startswith("text/plain")
    still_serving(edge_url)


@pytest.mark.parametrize(
    "target",
    [
        *(f"/{segment}/secret.txt" for segment in NAMELESS_SEGMENTS),
        *(f"/assets/{segment}/../secret.txt" for segment in NAMELESS_SEGMENTS),
        # Dot segments name no client route either: a browser resolves them before sending.
        "/%2e%2e/secret",
        "/assets/%2e%2e/%2e%2e/secret",
        "/..%2f..%2fsecret",
        "/.%2e/.%2e/secret",
        "/chat%5c..%5c..%5csecret",
        "/assets%5capp-1a2b.js",
        "/.stamp",
        "/legacy.v1",  # a directory, not a file
        f"/{'a' * 300}.js",
    ],
)
def test_a_static_path_naming_no_file_is_404(edge_url: str, target: str) -> None:
    answer = get_raw(edge_url, target)
    assert answer.status == 404, (target, answer)
    assert b"outside" not in answer.body
    still_serving(edge_url)


@pytest.mark.parametrize(
    "target",
    ["/assets", "/assets/", "/legacy.v1/", f"/{'a' * 300}", f"/chat/{'a/' * 2500}", "/chat/a%20b"],
)
def test_other_extensionless_paths_load_the_app_as_client_routes(
    edge_url: str, target: str
) -> None:
    # As CloudFront's spa_routes function does: no extension in the last segment, index.html.
    answer = get_raw(edge_url, target)
    assert (answer.status, answer.body) == (200, INDEX), target


@pytest.mark.parametrize("segment", NAMELESS_SEGMENTS)
def test_an_api_path_naming_nothing_is_404_json(
    edge_url: str, origin: Origin, segment: str
) -> None:
    sent_before = len(origin.paths)
    target = f"/api/files/{segment}/x"
    answer = get_raw(edge_url, target)
    assert answer.status == 404
    assert answer.json()["code"] == "not_found"
    if urllib.parse.unquote(segment) in (".", ".."):
        # The edge's own answer: sent on, `/api/files/../x` would reach the service as
        # `/api/x` (httpx resolves dot segments), an address the client did not ask for.
        assert len(origin.paths) == sent_before
    else:
        # The service's answer; the services' own tests send these paths directly.
        assert origin.paths[-1] == target


@pytest.mark.parametrize("segment", HOSTILE_SEGMENTS)
def test_the_config_and_sign_in_paths_are_not_reached_by_a_hostile_suffix(
    edge_url: str, segment: str
) -> None:
    for target in (f"/config.json{segment}", f"/_aws/cognito-idp{segment}"):
        answer = get_raw(edge_url, target)
        assert 400 <= answer.status < 500 or answer.body == INDEX, (target, answer)


@pytest.mark.parametrize("target", ENCODED_SEPARATOR_PATHS)
def test_an_encoded_slash_after_api_is_the_web_apps_path_as_on_cloudfront(
    edge_url: str, origin: Origin, target: str
) -> None:
    # CloudFront matches `/api/*` on the path with `%2F` still encoded: the default behaviour,
    # whose spa_routes function answers index.html for a last segment without an extension.
    sent_before = len(origin.paths)
    answer = get_raw(edge_url, target)
    assert (answer.status, answer.body) == (200, INDEX), target
    assert "content-security-policy" in answer.headers  # the web app's answer, not an API's
    # The web app's behaviour takes only GET and HEAD: a write is refused, not sent on.
    assert get_raw(edge_url, target, method="POST").status == 405
    assert len(origin.paths) == sent_before
    still_serving(edge_url)


@pytest.mark.parametrize(
    ("target", "service"),
    [
        ("/%61pi/me", "chat"),  # an encoded unreserved character is the character itself
        ("/api/%66iles", "files"),
        ("/api/files%2Fabc", "files"),  # an encoded slash past the pattern's prefix
        ("/api/upload-file%2fx", "files"),
        ("/api/chat%2Fx", "chat"),
    ],
)
def test_a_path_cloudfront_matches_to_the_api_reaches_its_service_as_sent(
    edge_url: str, origin: Origin, target: str, service: str
) -> None:
    answer = get_raw(edge_url, target)
    assert answer.json()["code"] == "not_found"  # the origin's own answer
    # As CloudFront: the behaviour chosen on the normalised path, the raw path sent on.
    assert (origin.services[-1], origin.paths[-1]) == (service, target)
