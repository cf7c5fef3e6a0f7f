"""Governed knowledge through the whole local platform (decision 0111): a scoped chat cites
only its scope's files; a verified file is cited ahead of a stale one that disagrees; a file
in a collection whose audience leaves a member out is never retrieved or cited for them.

Collections and verification are written straight into the files table
(`tests.support.governance`), as the files service's routes lay them out."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from engageiq.local.seed import create_tenant, create_user, sign_in
from engageiq_tenancy.context import Role
from tests.integration.conftest import DevPlatform
from tests.integration.files.test_files_end_to_end import auth, wait_until_settled
from tests.integration.test_local_platform import resources_of
from tests.support.chat import SseEvent, parse_sse
from tests.support.governance import govern_file, put_collection

pytestmark = pytest.mark.integration

QUESTION = "How much does the Wombat plan cost per seat?"
DOCUMENTS = {
    "current": b"# Pricing\nThe Wombat plan costs 40 dollars per seat per month.\n",
    "old": b"# Pricing\nThe Wombat plan costs 70 dollars per seat per month.\n",
    "board": b"# Pricing\nThe Wombat plan will cost 90 dollars per seat per month.\n",
}


def upload(platform: DevPlatform, token: str, name: str, body: bytes) -> str:
    response = httpx.post(
        f"{platform.web_url}/api/upload-file",
        files={"file": (f"wombat-{name}.md", body, "text/markdown")},
        headers=auth(token),
        timeout=30,
    )
    assert response.status_code == 201, response.text
    file_id: str = response.json()["id"]
    assert wait_until_settled(platform, token, file_id)["status"] == "ready"
    return file_id


def post_chat(platform: DevPlatform, token: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{platform.web_url}/api/chat", json=body, headers=auth(token), timeout=60)


def ask(platform: DevPlatform, token: str, body: dict[str, Any]) -> list[SseEvent]:
    response = post_chat(platform, token, body)
    assert response.status_code == 200, response.text
    return parse_sse(response.text)[0]


def cited(events: list[SseEvent]) -> list[dict[str, Any]]:
    return [e.data for e in events if e.event == "citation"]


def answer_of(events: list[SseEvent]) -> str:
    return "".join(e.data["text"] for e in events if e.event == "delta")


def test_scope_trust_and_audiences_decide_what_a_member_is_answered_from(
    dev_platform: DevPlatform,
) -> None:
    resources = resources_of(dev_platform.outputs)
    slug = f"gov-{secrets.token_hex(3)}"
    admin = create_tenant(resources, slug, "Governed", f"admin-{secrets.token_hex(3)}@gov.example")
    member = create_user(resources, slug, f"rep-{secrets.token_hex(3)}@gov.example", Role.MEMBER)
    endpoint, client_id = resources.endpoint_url, resources.user_pool_client_id
    admin_token = sign_in(endpoint, client_id, admin.username, admin.password)
    member_token = sign_in(endpoint, client_id, member.username, member.password)
    ids = {name: upload(dev_platform, admin_token, name, body) for name, body in DOCUMENTS.items()}
    # Before the tenant's first turn, so no process holds an older view of it.
    govern_file(
        resources,
        slug,
        ids["current"],
        verified_at="2026-11-20T10:00:00.000Z",
        review_by="2099-12-31",
    )
    govern_file(
        resources, slug, ids["old"], verified_at="2025-11-20T10:00:00.000Z", review_by="2026-01-31"
    )
    put_collection(resources, slug, "board", restricted=True)  # admins only
    govern_file(resources, slug, ids["board"], collection_ids=["board"])

    # Everything the member may see: the verified price is the first source; the board's
    # file is never retrieved or cited.
    events = ask(dev_platform, member_token, {"message": QUESTION})
    sources = cited(events)
    assert sources, answer_of(events)
    assert (sources[0]["sourceId"], sources[0]["freshness"]) == (ids["current"], "verified")
    assert sources[0]["reviewBy"] == "2099-12-31"
    assert ids["board"] not in {s["sourceId"] for s in sources}
    assert "90 dollars" not in answer_of(events)
    assert {s["freshness"] for s in sources if s["sourceId"] == ids["old"]} <= {"stale"}
    assert events[-1].event == "done"
    assert "notice" not in events[-1].data

    # A conversation scoped to the stale file: only it is cited, and the answer says so.
    scope = {"fileIds": [ids["old"]]}
    events = ask(dev_platform, member_token, {"message": QUESTION, "scope": scope})
    assert {s["sourceId"] for s in cited(events)} == {ids["old"]}
    assert "70 dollars" in answer_of(events)
    assert "is stale" in answer_of(events)
    assert events[-1].data["notice"]["code"] == "stale_sources"
    conversation_id = events[0].data["conversationId"]
    # The next turn keeps to the stored scope.
    events = ask(
        dev_platform, member_token, {"message": QUESTION, "conversationId": conversation_id}
    )
    assert {s["sourceId"] for s in cited(events)} == {ids["old"]}
    listed = httpx.get(
        f"{dev_platform.web_url}/api/conversations", headers=auth(member_token), timeout=10
    ).json()["conversations"]
    assert [c["scope"] for c in listed if c["id"] == conversation_id] == [
        {"collectionIds": [], "fileIds": [ids["old"]]}
    ]

    # The board's file and collection do not exist for the member.
    for hidden in ({"fileIds": [ids["board"]]}, {"collectionIds": ["board"]}):
        refused = post_chat(dev_platform, member_token, {"message": QUESTION, "scope": hidden})
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == "unknown_scope"

    # The admin may scope to it, and is answered from it.
    events = ask(
        dev_platform, admin_token, {"message": QUESTION, "scope": {"collectionIds": ["board"]}}
    )
    assert {s["sourceId"] for s in cited(events)} == {ids["board"]}
