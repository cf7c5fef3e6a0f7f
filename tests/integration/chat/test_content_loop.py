"""The content loop over the whole local platform, through the edge (decision 0111): a rep's
thumbs-down with a reason reaches the owner of the cited file and not another member, an
admin resolves it once; the content health shows an unanswered question asked twice and a
stale file still being cited."""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx
import pytest

from engageiq.local.aws import aws_client
from engageiq.local.seed import SeededUser, create_tenant, create_user, sign_in
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.governance import VIEW_TTL_SECONDS
from tests.integration.chat.test_chat_with_files import DOCUMENT, QUESTION, ask
from tests.integration.conftest import DevPlatform
from tests.integration.files.test_files_end_to_end import auth, wait_until_settled
from tests.integration.test_local_platform import resources_of
from tests.support.governance import mark_stale

pytestmark = pytest.mark.integration

UNANSWERABLE = "What is the airspeed of an unladen swallow?"


def call(
    platform: DevPlatform, method: str, path: str, token: str, body: object | None = None
) -> httpx.Response:
    return httpx.request(
        method, f"{platform.web_url}{path}", json=body, headers=auth(token), timeout=30
    )


def open_issues(platform: DevPlatform, token: str) -> list[dict[str, Any]]:
    response = call(platform, "GET", "/api/content-issues?status=open", token)
    assert response.status_code == 200, response.text
    issues: list[dict[str, Any]] = response.json()["issues"]
    return issues


def test_a_rated_answer_reaches_its_owner_and_content_health_shows_the_gaps(
    dev_platform: DevPlatform,
) -> None:
    resources = resources_of(dev_platform.outputs)
    slug = f"loop-{secrets.token_hex(3)}"

    def token_of(user: SeededUser) -> str:
        return sign_in(
            resources.endpoint_url, resources.user_pool_client_id, user.username, user.password
        )

    boss = token_of(create_tenant(resources, slug, "Loop Co", f"boss@{slug}.example"))
    owner, rep, peer = (
        token_of(create_user(resources, slug, f"{name}@{slug}.example", Role.MEMBER))
        for name in ("owner", "rep", "peer")
    )
    owner_id = call(dev_platform, "GET", "/api/me", owner).json()["userId"]
    uploaded = httpx.post(
        f"{dev_platform.web_url}/api/upload-file",
        files={"file": ("quokka-pricing.md", DOCUMENT, "text/markdown")},
        headers=auth(owner),
        timeout=30,
    )
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()["id"]
    assert wait_until_settled(dev_platform, owner, file_id)["status"] == "ready"

    events = ask(dev_platform, rep, QUESTION)
    assert [e.data["sourceId"] for e in events if e.event == "citation"] == [file_id]
    meta = events[0].data
    rated = call(
        dev_platform,
        "PUT",
        f"/api/conversations/{meta['conversationId']}/messages/"
        f"{meta['assistantMessageId']}/feedback",
        rep,
        {"rating": "down", "reason": "Quokka went up to 60 dollars"},
    )
    assert rated.status_code == 200, rated.text

    (issue,) = open_issues(dev_platform, owner)
    assert (issue["question"], issue["reason"]) == (QUESTION, "Quokka went up to 60 dollars")
    assert [f["fileId"] for f in issue["files"]] == [file_id]
    assert issue["files"][0]["name"] == "quokka-pricing.md"
    assert issue["ownerIds"] == [owner_id]
    assert open_issues(dev_platform, peer) == []

    path = f"/api/content-issues/{issue['id']}/resolve"
    resolved = call(dev_platform, "POST", path, boss, {"note": "Price list updated"})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    twice = call(dev_platform, "POST", path, boss, {"note": "again"})
    assert (twice.status_code, twice.json()["code"]) == (409, "content_issue_resolved")
    assert open_issues(dev_platform, owner) == []

    # The file expires; once every chat instance's view of the tenant has been refreshed, the
    # next answer cites it while it is stale.
    mark_stale(
        aws_client("dynamodb", resources.endpoint_url),
        resources.tables["files"],
        TenantContext(slug, "operator", "operator", frozenset()),
        file_id,
    )
    time.sleep(VIEW_TTL_SECONDS + 0.5)
    assert [e for e in ask(dev_platform, rep, QUESTION) if e.event == "citation"]
    for wording in (UNANSWERABLE, UNANSWERABLE.upper().replace("?", " ?!")):
        assert not [e for e in ask(dev_platform, peer, wording) if e.event == "citation"]

    health: dict[str, Any] = {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = call(dev_platform, "GET", "/api/tenant/content-health", boss)
        assert response.status_code == 200, response.text
        health = response.json()
        unanswered = [q for q in health["unanswered"] if q["count"] == 2]
        if health["staleCited"] and unanswered:
            break
        time.sleep(0.2)
    assert [(f["fileId"], f["citations"]) for f in health["staleCited"]] == [(file_id, 1)]
    assert [(q["question"].lower().strip(" ?!"), q["count"]) for q in health["unanswered"]] == [
        (UNANSWERABLE.lower().strip("?"), 2)
    ]
    refused = call(dev_platform, "GET", "/api/tenant/content-health", peer)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
