"""The local edge refuses a request with two Authorization headers itself (400), as the
services do, instead of passing an ambiguous credential on; and it answers with one `date` and
one `server` header, not its own and the service's."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from engageiq.local.aws import LocalResources
from engageiq.local.seed import create_tenant, create_user, sign_in
from tests.integration.conftest import DevPlatform
from tests.integration.test_local_platform import demo_token
from tests.support.chat_process import chat_environment, chat_process

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", ["/api/me", "/api/files", "/api/conversations"])
def test_two_authorization_headers_answer_400_at_the_edge(
    dev_platform: DevPlatform, path: str
) -> None:
    token = demo_token(dev_platform)
    headers = [("Authorization", f"Bearer {token}"), ("Authorization", "Bearer other")]
    response = httpx.get(f"{dev_platform.web_url}{path}", headers=headers, timeout=10)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], set(body)) == (
        "duplicate_authorization",
        {"code", "message", "requestId"},
    )
    # One header is fine.
    single = httpx.get(
        f"{dev_platform.web_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert single.status_code == 200


@pytest.mark.parametrize("path", ["/health", "/api/me", "/api/files"])
def test_a_response_through_the_edge_has_one_date_and_one_server_header(
    dev_platform: DevPlatform, path: str
) -> None:
    token = demo_token(dev_platform)
    response = httpx.get(
        f"{dev_platform.web_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    names = [name.lower() for name, _ in response.headers.raw]
    assert (names.count(b"date"), names.count(b"server")) == (1, 1), names


def test_two_authorization_headers_answer_400_from_the_service_itself(
    local_resources: LocalResources, tmp_path: Path
) -> None:
    create_tenant(local_resources, "demo", "Demo Company", "admin@demo.example")
    user = create_user(local_resources, "demo", "rep@demo.example")
    token = sign_in(
        local_resources.endpoint_url,
        local_resources.user_pool_client_id,
        user.username,
        user.password,
    )
    with chat_process(chat_environment(local_resources), tmp_path / "chat.log") as chat:
        # Sent as two header lines on the wire (a real server keeps them apart).
        headers = [("Authorization", f"Bearer {token}"), ("Authorization", "Bearer other")]
        response = httpx.get(f"{chat.url}/api/me", headers=headers, timeout=10)
        assert (response.status_code, response.json()["code"]) == (400, "duplicate_authorization")
        # Joined into one value, as some proxies do: not a bearer token.
        joined = {"Authorization": f"Bearer {token}, Bearer other"}
        response = httpx.get(f"{chat.url}/api/me", headers=joined, timeout=10)
        assert (response.status_code, response.json()["code"]) == (401, "invalid_token")
