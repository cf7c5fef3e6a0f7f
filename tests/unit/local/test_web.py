"""The local edge's web part (engageiq/local/web.py) in process: routes fall back to
index.html, hashed assets are immutable, missing files and escapes are 404, config.json has
the cloud's keys, every response carries the one CSP, and the Cognito pass-through forwards
only the sign-in actions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer

from engageiq.local.platform import free_port
from engageiq.local.web import COGNITO_PROXY_PATH, WebSite
from engageiq_tenancy.web_policy import (
    CLOUD_CONTENT_SECURITY_POLICY,
    IMMUTABLE_CACHE,
    REVALIDATE_CACHE,
    content_security_policy,
)

INDEX = b"<!doctype html><title>EngageIQ</title><script type=module src=/assets/app-1a2b.js>"
CLIENT_CONFIG = {"region": "us-east-1", "userPoolId": "pool", "userPoolClientId": "client"}
AWS = "http://127.0.0.1:4599"

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "assets" / "app-1a2b.js").write_text("console.log(1)")
    (tmp_path / "docs-assets" / "swagger-ui").mkdir(parents=True)
    (tmp_path / "docs-assets" / "swagger-ui" / "swagger-ui.css").write_text("body{}")
    (tmp_path.parent / "secret.txt").write_text("outside the web root")
    (tmp_path / ".stamp").write_text("outside the app: the build's own bookkeeping")
    return tmp_path


def client(root: Path, aws: str = AWS) -> httpx.AsyncClient:
    # httpx types an ASGI app more loosely than Litestar's scope types; it is the same protocol.
    site: Any = WebSite(root, CLIENT_CONFIG, aws)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=site), base_url="http://test")


@pytest.mark.parametrize("route", ["/", "/chat", "/chat/abc", "/files", "/admin", "/auth/callback"])
async def test_client_routes_answer_index_html_uncached(dist: Path, route: str) -> None:
    async with client(dist) as c:
        response = await c.get(route)
    assert response.status_code == 200
    assert response.content == INDEX
    assert response.headers["cache-control"] == REVALIDATE_CACHE
    assert response.headers["content-type"].startswith("text/html")


async def test_hashed_assets_are_immutable_other_files_revalidate(dist: Path) -> None:
    async with client(dist) as c:
        asset = await c.get("/assets/app-1a2b.js")
        swagger = await c.get("/docs-assets/swagger-ui/swagger-ui.css")
    assert asset.headers["cache-control"] == IMMUTABLE_CACHE
    assert "javascript" in asset.headers["content-type"]
    assert swagger.headers["cache-control"] == REVALIDATE_CACHE
    assert swagger.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path",
    ["/assets/app-old.js", "/../secret.txt", "/%2e%2e/secret.txt", "/favicon.ico", "/.stamp"],
)
async def test_missing_files_and_escapes_are_404_not_the_app(dist: Path, path: str) -> None:
    async with client(dist) as c:
        response = await c.get(path)
    assert response.status_code == 404
    assert b"outside" not in response.content


async def test_every_response_carries_the_policy_without_inline_scripts(dist: Path) -> None:
    async with client(dist) as c:
        responses = [await c.get(p) for p in ("/", "/config.json", "/assets/app-1a2b.js", "/x.js")]
    expected = content_security_policy((AWS,))
    for response in responses:
        assert response.headers["content-security-policy"] == expected
        assert response.headers["x-content-type-options"] == "nosniff"
    for policy in (expected, CLOUD_CONTENT_SECURITY_POLICY):
        assert "script-src 'self';" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy


async def test_config_json_has_the_stack_keys_on_the_requested_origin(dist: Path) -> None:
    async with client(dist) as c:
        response = await c.get("/config.json", headers={"Host": "acme.localhost:8000"})
    assert response.headers["cache-control"] == REVALIDATE_CACHE
    config = json.loads(response.content)
    assert config["apiUrl"] == "http://acme.localhost:8000/api"
    assert {k: config[k] for k in CLIENT_CONFIG} == CLIENT_CONFIG
    assert config["hostedUiDomain"] is None
    assert config["cognitoEndpoint"] == COGNITO_PROXY_PATH


async def test_writes_are_refused(dist: Path) -> None:
    async with client(dist) as c:
        assert (await c.post("/chat")).status_code == 405


async def test_without_a_build_the_page_says_how_to_build(tmp_path: Path) -> None:
    async with client(tmp_path / "missing") as c:
        response = await c.get("/chat")
    assert response.status_code == 200
    assert b"scripts/build-web" in response.content


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _target(action: str) -> dict[str, str]:
    return {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
    }


async def test_cognito_pass_through_answers_sign_in_actions(dist: Path, moto_url: str) -> None:
    body = {
        "ClientId": "no-such-client",
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "a@b.example", "PASSWORD": "x"},
    }
    async with client(dist, moto_url) as c:
        response = await c.post(COGNITO_PROXY_PATH, json=body, headers=_target("InitiateAuth"))
    # moto answered (an unknown client is its own error), through the edge.
    assert response.status_code == 400
    assert "ResourceNotFound" in response.text or "NotAuthorized" in response.text


@pytest.mark.parametrize("action", ["AdminCreateUser", "ListUsers", "AdminSetUserPassword"])
async def test_cognito_pass_through_refuses_admin_actions(
    dist: Path, moto_url: str, action: str
) -> None:
    async with client(dist, moto_url) as c:
        response = await c.post(COGNITO_PROXY_PATH, json={}, headers=_target(action))
        other_service = await c.post(
            COGNITO_PROXY_PATH,
            json={},
            headers={"X-Amz-Target": "DynamoDB_20120810.ListTables"},
        )
    assert response.status_code == 403
    assert other_service.status_code == 403
