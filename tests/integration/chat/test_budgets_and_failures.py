"""Usage counters and budgets, the 400 KB item bound, clients leaving, storage failures."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient

from engageiq_chat.conversations.keys import now_iso
from engageiq_chat.ids import new_id
from engageiq_chat.messages.model import MAX_CONTENT_BYTES, MessageStatus, Role, StoredMessage
from engageiq_chat.providers.anthropic_provider import AnthropicProvider
from engageiq_chat.services import ChatServices
from engageiq_chat.settings import ChatSettings
from engageiq_chat.storage import DynamoTables
from engageiq_chat.turns.turn import ChatTurns
from engageiq_chat.usage.meter import UsageMeter
from engageiq_tenancy import aws
from engageiq_tenancy.context import Role as TenantRole
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.tenant_credentials import TenantClients
from engageiq_tenancy.tenants import TenantStatus
from tests.support.chat import (
    ChatHarness,
    ScriptedProvider,
    chat,
    dynamodb,
    service_settings,
    set_tenant,
)
from tests.support.messages_server import MessagesServer, Reply

ACME = TenantContext("acme", "user-1", "user-1", frozenset({TenantRole.MEMBER}))


def usage_item(harness: ChatHarness, tenant_id: str) -> dict[str, int]:
    month = datetime.now(UTC).strftime("%Y-%m")
    item = (
        dynamodb(harness.resources)
        .get_item(
            TableName=harness.resources.tables["usage"],
            Key={"pk": {"S": f"{tenant_id}#USAGE"}, "sk": {"S": month}},
        )
        .get("Item", {})
    )
    return {k: int(v["N"]) for k, v in item.items() if "N" in v}


def test_usage_is_counted_per_tenant_and_the_budget_refuses_with_retry_after(
    harness: ChatHarness,
) -> None:
    set_tenant(harness.resources, "acme", budget=25)
    harness.provider = ScriptedProvider()  # reports 10 input + 3 output tokens per turn
    with TestClient(harness.app()) as client:
        headers = harness.headers("acme")
        chat(client, headers, "one")
        assert usage_item(harness, "acme") == {"requests": 1, "inputTokens": 10, "outputTokens": 3}
        chat(client, headers, "two")  # 26 tokens used now: over the budget of 25
        provider_calls = len(harness.provider.requests)
        refused = client.post("/api/chat", json={"message": "three"}, headers=headers)
        assert refused.status_code == 429
        assert refused.json()["code"] == "budget_exceeded"
        assert 0 < int(refused.headers["retry-after"]) <= 31 * 86400
        assert len(harness.provider.requests) == provider_calls  # no model call
        # Another tenant is not affected.
        chat(client, harness.headers("globex"), "hello")
    assert usage_item(harness, "acme")["requests"] == 2
    assert usage_item(harness, "globex")["requests"] == 1


def test_suspended_tenant_is_refused_before_anything_happens(harness: ChatHarness) -> None:
    set_tenant(harness.resources, "acme", status=TenantStatus.SUSPENDED)
    harness.provider = ScriptedProvider()
    with TestClient(harness.app()) as client:
        response = client.post("/api/chat", json={"message": "hi"}, headers=harness.headers())
        assert (response.status_code, response.json()["code"]) == (403, "tenant_suspended")
    assert harness.provider.requests == []


def test_an_answer_over_the_item_limit_is_stored_cut_with_a_marker(harness: ChatHarness) -> None:
    # 600 KB of answer: more than DynamoDB's 400 KB item limit.
    harness.provider = ScriptedProvider(tokens=["é" * 1000] * 300)
    harness.chat_settings = ChatSettings(history_token_budget=2000)
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        events = chat(client, headers, "write a lot")
        assert events[-1].event == "done"
        cid = events[0].data["conversationId"]
        stored = client.get(
            "/api/chat-history", params={"conversationId": cid}, headers=headers
        ).json()["messages"][-1]
        assert stored["status"] == "complete"
        assert stored["content"].endswith("exceeded the storage limit]")
        assert len(stored["content"].encode()) <= MAX_CONTENT_BYTES
        # The conversation goes on: the huge turn is clipped in the next prompt.
        assert chat(client, headers, "thanks", conversation_id=cid)[-1].event == "done"
        prompt = harness.provider.requests[-1].messages
        assert sum(len(m.content) for m in prompt) < 2000 * 4 + 100


def disconnect_after_three_deltas(services: ChatServices, how: str) -> str:
    async def run() -> str:
        turn = await ChatTurns(services).start(ACME, "count for me", None)
        stream = turn.events()
        deltas = 0
        async for chunk in stream:
            deltas += chunk.count(b"event: delta")
            if deltas >= 3:
                break
        if how == "cancelled_while_waiting":
            # Litestar cancels the response task; the generator is inside `await` then.
            reader = asyncio.create_task(anext(stream))
            await asyncio.sleep(0)
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
        else:
            # Cancelled during `send`: the generator sits at a `yield` until it is closed.
            await stream.aclose()
        assert turn.worker is not None
        await asyncio.gather(turn.worker, return_exceptions=True)
        if isinstance(services.provider, AnthropicProvider):
            # Its aiohttp session belongs to this event loop: closed here, as the service
            # closes it at shutdown, not left to the garbage collector in a later test.
            await services.provider.aclose()
        return turn.user_message.conversation_id

    return asyncio.run(run())


def assert_whole_answer_saved(services: ChatServices, cid: str, ticks: int) -> None:
    messages = asyncio.run(services.messages.recent(ACME, cid, 10))
    assert [m.role for m in messages] == [Role.USER, Role.ASSISTANT]
    answer = messages[-1]
    assert (answer.status, answer.finish_reason) == (MessageStatus.COMPLETE, "end_turn")
    assert answer.content.count("tick") == ticks


@pytest.mark.parametrize("how", ["cancelled_while_waiting", "closed_after_a_yield"])
def test_a_client_leaving_does_not_stop_the_answer_and_its_tokens_are_counted(
    harness: ChatHarness, how: str
) -> None:
    # Decision 0114: the answer is generated to its end and saved; the client comes back
    # through the resume endpoint. Its tokens are counted like any other answer's.
    provider = ScriptedProvider(tokens=["tick "] * 100, pause=0.01)
    services = ChatServices.build(
        service_settings(harness.resources), ChatSettings(), provider=provider
    )
    cid = disconnect_after_three_deltas(services, how)
    assert not provider.cancelled
    assert_whole_answer_saved(services, cid, 100)
    assert usage_item(harness, "acme")["outputTokens"] == 100


def test_a_client_leaving_does_not_close_the_anthropic_stream(harness: ChatHarness) -> None:
    server = MessagesServer(default=Reply(tokens=["tick "] * 60, interval=0.02)).start()
    try:
        services = ChatServices.build(
            service_settings(harness.resources),
            ChatSettings(),
            provider=AnthropicProvider("k", base_url=server.url),
        )
        cid = disconnect_after_three_deltas(services, "cancelled_while_waiting")
        assert_whole_answer_saved(services, cid, 60)
        assert len(server.requests) == 1
    finally:
        server.stop()


def test_storage_failure_is_a_clear_503_and_leaves_nothing_behind(harness: ChatHarness) -> None:
    settings = service_settings(harness.resources)
    broken = dataclasses.replace(
        settings, tables={**settings.tables, "conversations": "no-such-table"}
    )
    provider = ScriptedProvider()
    harness.settings_override, harness.provider = broken, provider
    with TestClient(harness.app()) as client:
        response = client.post("/api/chat", json={"message": "hello"}, headers=harness.headers())
        assert response.status_code == 503
        body = response.json()
        assert body["code"] == "service_unavailable"
        assert response.headers["retry-after"]
        listing = client.get("/api/conversations", headers=harness.headers())
        assert listing.status_code == 503
    assert provider.requests == []  # the model was never called
    assert usage_item(harness, "acme") == {}


def test_a_message_item_near_the_limit_round_trips(harness: ChatHarness) -> None:
    services = ChatServices.build(service_settings(harness.resources), ChatSettings())
    cid = new_id()
    content = "z" * (MAX_CONTENT_BYTES + 50_000)

    async def store_and_read() -> list[StoredMessage]:
        await services.messages.add(
            ACME,
            StoredMessage(
                id=new_id(),
                conversation_id=cid,
                role=Role.USER,
                content=content,
                created_at=now_iso(),
                status=MessageStatus.COMPLETE,
                route="general",
            ),
            new_conversation=True,
            title="big",
        )
        return await services.messages.recent(ACME, cid, 5)

    (stored,) = asyncio.run(store_and_read())
    assert stored.truncated
    assert len(stored.content.encode()) <= MAX_CONTENT_BYTES


def test_usage_cache_learns_other_instances_spend_from_its_own_writes(harness: ChatHarness) -> None:
    settings = service_settings(harness.resources)
    tables = DynamoTables(
        TenantClients.from_settings(settings, "chat"),
        aws.client("dynamodb", settings),
        settings.table("conversations"),
        settings.table("usage"),
        settings.table("tenants"),
    )
    # An hour: the test must not depend on how fast it runs.
    first, second = UsageMeter(tables, cache_seconds=3600), UsageMeter(tables)

    async def scenario() -> tuple[int, int, int]:
        seen_before = (await first.current(ACME)).tokens  # cached for a few seconds now
        await second.record(ACME, 100, 50)  # another instance spends
        still_cached = (await first.current(ACME)).tokens
        await first.record(ACME, 1, 1)  # its own write returns everyone's totals
        return seen_before, still_cached, (await first.current(ACME)).tokens

    assert asyncio.run(scenario()) == (0, 0, 152)
