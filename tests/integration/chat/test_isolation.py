"""Ownership: another tenant's or user's conversation answers 404 on every route, exactly like
an id that does not exist; paging returns every message once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_chat.conversations.keys import now_iso
from engageiq_chat.ids import new_id
from engageiq_chat.messages.model import MessageStatus, Role, StoredMessage
from engageiq_chat.services import ChatServices
from engageiq_chat.settings import ChatSettings
from engageiq_tenancy.context import Role as TenantRole
from engageiq_tenancy.context import TenantContext
from tests.support.chat import ChatHarness, chat, service_settings

OWNER = ("acme", "owner-1")
INTRUDERS = [("acme", "colleague-2"), ("globex", "owner-1"), ("globex", "someone-3")]


@pytest.fixture
def client(harness: ChatHarness) -> Iterator[TestClient[Litestar]]:
    with TestClient(harness.app()) as test_client:
        yield test_client


def routes(cid: str) -> list[tuple[str, str, dict[str, object] | None]]:
    return [
        ("GET", f"/api/chat-history?conversationId={cid}", None),
        ("POST", "/api/chat", {"message": "hello", "conversationId": cid}),
        ("PATCH", f"/api/conversations/{cid}", {"title": "stolen"}),
        ("DELETE", f"/api/conversations/{cid}", None),
    ]


def test_other_tenants_and_users_get_404_like_a_missing_id(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    cid = chat(client, owner, "Our pricing for the enterprise plan?")[0].data["conversationId"]
    missing = new_id()
    for tenant_id, user_id in INTRUDERS:
        intruder = harness.headers(tenant_id, user_id)
        for (method, path, body), (_, missing_path, missing_body) in zip(
            routes(cid), routes(missing), strict=True
        ):
            theirs = client.request(method, path, json=body, headers=intruder)
            nothing = client.request(method, missing_path, json=missing_body, headers=intruder)
            assert (theirs.status_code, theirs.json()["code"]) == (404, "conversation_not_found")
            assert (nothing.status_code, nothing.json()["code"]) == (404, "conversation_not_found")
            assert theirs.json()["message"] == nothing.json()["message"]
        assert client.get("/api/conversations", headers=intruder).json()["conversations"] == []
    # The owner still has everything, untouched.
    mine = client.get("/api/conversations", headers=owner).json()["conversations"]
    assert [(c["id"], c["messageCount"]) for c in mine] == [(cid, 2)]
    assert mine[0]["title"] == "Our pricing for the enterprise plan?"


def test_a_cursor_cannot_reach_outside_the_callers_partition(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    cid = chat(client, owner, "first")[0].data["conversationId"]
    chat(client, owner, "second", conversation_id=cid)
    page = client.get(
        "/api/chat-history", params={"conversationId": cid, "limit": 1}, headers=owner
    ).json()
    cursor = page["nextCursor"]
    assert cursor
    # The owner's cursor with the owner's id, used by someone else: still 404.
    for tenant_id, user_id in INTRUDERS:
        response = client.get(
            "/api/chat-history",
            params={"conversationId": cid, "cursor": cursor},
            headers=harness.headers(tenant_id, user_id),
        )
        assert response.status_code == 404
    # The intruder's own conversation with the owner's cursor: refused, not paged across.
    intruder = harness.headers(*INTRUDERS[1])
    theirs = chat(client, intruder, "mine")[0].data["conversationId"]
    response = client.get(
        "/api/chat-history", params={"conversationId": theirs, "cursor": cursor}, headers=intruder
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor")
    for forged in ("not-base64!!", "eyJzayI6IkNPTlYjeCJ9", "e30", "x" * 600):
        response = client.get(
            "/api/chat-history", params={"conversationId": cid, "cursor": forged}, headers=owner
        )
        assert response.status_code == 400


def test_a_conversation_list_cursor_of_another_user_or_tenant_is_invalid(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    for n in range(2):
        chat(client, owner, f"topic {n}")
    cursor = client.get("/api/conversations", params={"limit": 1}, headers=owner).json()[
        "nextCursor"
    ]
    assert cursor
    assert client.get("/api/conversations", params={"cursor": cursor}, headers=owner).is_success
    for tenant_id, user_id in INTRUDERS:
        intruder = harness.headers(tenant_id, user_id)
        chat(client, intruder, "my own topic")  # so there is something they could page
        response = client.get("/api/conversations", params={"cursor": cursor}, headers=intruder)
        assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor")


def test_conversations_list_most_recent_first_and_pages_cleanly(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    ids = [chat(client, owner, f"topic {n}")[0].data["conversationId"] for n in range(5)]
    chat(client, owner, "back to the first", conversation_id=ids[0])
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/conversations", params=params, headers=owner).json()
        seen += [c["id"] for c in page["conversations"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == [ids[0], ids[4], ids[3], ids[2], ids[1]]


def test_rename_and_delete_remove_the_conversation_and_its_messages(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    cid = chat(client, owner, "hello")[0].data["conversationId"]
    renamed = client.patch(
        f"/api/conversations/{cid}", json={"title": "  Renewal  plan "}, headers=owner
    )
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Renewal plan"
    refused = client.patch(
        f"/api/conversations/{cid}", json={"title": "x", "tenantId": "b"}, headers=owner
    )
    assert refused.status_code == 400
    assert client.delete(f"/api/conversations/{cid}", headers=owner).status_code == 204
    assert (
        client.get("/api/chat-history", params={"conversationId": cid}, headers=owner).status_code
        == 404
    )
    assert client.get("/api/conversations", headers=owner).json()["conversations"] == []
    assert client.delete(f"/api/conversations/{cid}", headers=owner).status_code == 404
    items = harness.resources
    from tests.support.chat import dynamodb

    left = dynamodb(items).query(
        TableName=items.tables["conversations"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "acme#USER#owner-1"}},
    )["Items"]
    assert left == []


def _tenant(tenant_id: str, user_id: str) -> TenantContext:
    return TenantContext(tenant_id, user_id, user_id, frozenset({TenantRole.MEMBER}))


def _fill(services: ChatServices, tenant: TenantContext, count: int) -> tuple[str, list[str]]:
    """A conversation of `count` messages written straight through the store (fast)."""
    cid = new_id()

    async def write() -> list[str]:
        ids = []
        for n in range(count):
            message = StoredMessage(
                id=new_id(),
                conversation_id=cid,
                role=Role.USER if n % 2 == 0 else Role.ASSISTANT,
                content=f"message {n}",
                created_at=now_iso(),
                status=MessageStatus.COMPLETE,
                route="general",
            )
            await services.messages.add(tenant, message, new_conversation=n == 0, title="t")
            ids.append(message.id)
        return ids

    return cid, asyncio.run(write())


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    counts=st.tuples(st.integers(1, 23), st.integers(1, 23)),
    page_size=st.integers(1, 9),
    data=st.data(),
)
def test_paging_returns_every_message_exactly_once_and_only_to_its_owner(
    harness: ChatHarness, counts: tuple[int, int], page_size: int, data: st.DataObject
) -> None:
    services = ChatServices.build(service_settings(harness.resources), ChatSettings())
    run = new_id()[-8:]
    users = [("acme", f"a-{run}"), (data.draw(st.sampled_from(["acme", "globex"])), f"b-{run}")]
    filled = [_fill(services, _tenant(*user), n) for user, n in zip(users, counts, strict=True)]
    with TestClient(harness.app()) as client:
        for (user, (cid, ids)), (other, (other_cid, _)) in zip(
            zip(users, filled, strict=True),
            reversed(list(zip(users, filled, strict=True))),
            strict=True,
        ):
            headers = harness.headers(*user)
            pages: list[list[str]] = []
            cursor = None
            for _ in range(len(ids) + 2):
                params: dict[str, str | int] = {"conversationId": cid, "limit": page_size}
                if cursor:
                    params["cursor"] = cursor
                body = client.get("/api/chat-history", params=params, headers=headers).json()
                page = [m["id"] for m in body["messages"]]
                assert page == sorted(page)  # oldest first within a page
                pages.append(page)
                cursor = body["nextCursor"]
                if cursor is None:
                    break
                # The other user's conversation with this cursor: never their data.
                leak = client.get(
                    "/api/chat-history",
                    headers=harness.headers(*other),
                    params={"conversationId": cid, "cursor": cursor},
                )
                assert leak.status_code == 404
            assert cursor is None
            # Pages run newest first: reversed, they are the whole conversation in order.
            assert [i for page in reversed(pages) for i in page] == ids
            assert other_cid != cid
