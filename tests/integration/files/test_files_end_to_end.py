"""Files on the local platform, through the edge as the web app calls them: the demo user
uploads a document, sees it become ready and finds it by search; another tenant does not."""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx
import pytest

from engageiq.local.seed import create_tenant, sign_in
from tests.integration.conftest import DevPlatform
from tests.integration.test_local_platform import demo_token, resources_of

pytestmark = pytest.mark.integration

DOCUMENT = b"""# Pricing
The Capybara plan costs 40 dollars per seat per month, billed yearly.

# Support
Capybara customers get a named success manager.
"""


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_until_settled(platform: DevPlatform, token: str, file_id: str) -> dict[str, Any]:
    # Polls like the web app does; the attempt bound only stops a hung test.
    for _ in range(600):
        response = httpx.get(
            f"{platform.web_url}/api/files/{file_id}", headers=auth(token), timeout=10
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] in {"ready", "failed"}:
            return body
        time.sleep(0.1)
    raise AssertionError("the file never left pending/processing")


def search(platform: DevPlatform, token: str, query: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{platform.web_url}/api/files/search",
        params={"q": query},
        headers=auth(token),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def test_upload_becomes_ready_and_searchable_only_for_its_tenant(
    dev_platform: DevPlatform,
) -> None:
    token = demo_token(dev_platform)
    response = httpx.post(
        f"{dev_platform.web_url}/api/upload-file",
        files={"file": ("capybara-pricing.md", DOCUMENT, "text/markdown")},
        headers=auth(token),
        timeout=30,
    )
    assert response.status_code == 201, response.text
    file_id = response.json()["id"]
    assert wait_until_settled(dev_platform, token, file_id)["status"] == "ready"

    hits = search(dev_platform, token, "How much does the Capybara plan cost?")
    assert hits[0]["fileId"] == file_id
    assert hits[0]["fileName"] == "capybara-pricing.md"
    assert hits[0]["location"] == "Pricing"

    resources = resources_of(dev_platform.outputs)
    other = create_tenant(
        resources,
        f"rival-{secrets.token_hex(3)}",
        "Rival",
        f"admin-{secrets.token_hex(3)}@rival.example",
    )
    rival_token = sign_in(
        resources.endpoint_url, resources.user_pool_client_id, other.username, other.password
    )
    assert search(dev_platform, rival_token, "How much does the Capybara plan cost?") == []
    foreign = httpx.get(
        f"{dev_platform.web_url}/api/files/{file_id}", headers=auth(rival_token), timeout=10
    )
    assert foreign.status_code == 404
    listed = httpx.get(f"{dev_platform.web_url}/api/files", headers=auth(rival_token), timeout=10)
    assert listed.json()["files"] == []

    deleted = httpx.delete(
        f"{dev_platform.web_url}/api/files/{file_id}", headers=auth(token), timeout=30
    )
    assert deleted.status_code == 204
    assert search(dev_platform, token, "Capybara") == []


def test_bad_input_through_the_edge_gets_its_error_code(dev_platform: DevPlatform) -> None:
    token = demo_token(dev_platform)
    response = httpx.post(
        f"{dev_platform.web_url}/api/upload-file",
        files={"file": ("x.png", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, "image/png")},
        headers=auth(token),
        timeout=30,
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
