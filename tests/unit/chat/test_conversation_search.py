"""GET /api/conversations?q=: the caller's own conversations only (never a colleague's or
another tenant's), answers' text, deleted and renamed conversations, paging, bad input, and
two instances keeping one user's index."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_chat.conversation_search import keys as search_keys
from engageiq_chat.conversations.keys import now_iso
from engageiq_chat.ids import new_id
from engageiq_chat.messages.model import MessageStatus, Role, StoredMessage
from engageiq_chat.services import ChatServices
from engageiq_chat.settings import ChatSettings
from engageiq_tenancy.context import Role as TenantRole
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.tenant_gate import StorageUnavailable
from tests.support.chat import ChatHarness, ScriptedProvider, chat, dynamodb, service_settings

OWNER = ("acme", "owner-1")
OTHERS = [("acme", "colleague-2"), ("globex", "owner-1")]


@pytest.fixture
def provider() -> ScriptedProvider:
    return ScriptedProvider(tokens=("Acme keeps its data in Frankfurt", " (the Zanzibar region)."))


@pytest.fixture
def client(harness: ChatHarness, provider: ScriptedProvider) -> Iterator[TestClient[Litestar]]:
    harness.provider = provider
    with TestClient(harness.app()) as test_client:
        yield test_client


def search(
    client: TestClient[Litestar], headers: dict[str, str], q: str, **params: Any
) -> dict[str, Any]:
    response = client.get("/api/conversations", params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def ids(page: dict[str, Any]) -> list[str]:
    return [c["id"] for c in page["conversations"]]


def marked(text: str, highlights: list[dict[str, int]]) -> list[str]:
    units = text.encode("utf-16-le")
    return [units[h["start"] * 2 : h["end"] * 2].decode("utf-16-le") for h in highlights]


def test_a_word_only_in_an_answer_finds_the_callers_conversation_only(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    cid = chat(client, owner, "Where does Acme keep its data?")[0].data["conversationId"]
    for tenant_id, user_id in OTHERS:
        # Their own conversations hold the same words: still never the owner's.
        chat(client, harness.headers(tenant_id, user_id), "Where is the data kept?")
    page = search(client, owner, "zanzibar")
    assert ids(page) == [cid]
    assert page["nextCursor"] is None
    match = page["matches"][0]
    assert match["conversationId"] == cid
    assert match["snippet"]["role"] == "assistant"
    assert marked(match["snippet"]["text"], match["snippet"]["highlights"]) == ["Zanzibar"]
    assert match["titleHighlights"] == []
    for tenant_id, user_id in OTHERS:
        theirs = search(client, harness.headers(tenant_id, user_id), "zanzibar")
        assert ids(theirs) != []
        assert cid not in ids(theirs)
        assert search(client, harness.headers(tenant_id, user_id), "acme keep")["conversations"]
    assert ids(search(client, harness.headers("acme", "nobody-3"), "zanzibar")) == []


def test_new_renamed_and_deleted_conversations_after_the_index_was_built(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    first = chat(client, owner, "Kickoff with Initech")[0].data["conversationId"]
    assert ids(search(client, owner, "initech")) == [first]
    later = chat(client, owner, "Initech follow-up")[0].data["conversationId"]
    chat(client, owner, "And the Réunion in Genève?", conversation_id=first)
    assert set(ids(search(client, owner, "initech"))) == {first, later}
    assert ids(search(client, owner, "GENE\u0300VE")) == [first]
    renamed = client.patch(
        f"/api/conversations/{later}", json={"title": "Zeppelin review"}, headers=owner
    )
    assert renamed.status_code == 200
    page = search(client, owner, "zeppelin")
    assert ids(page) == [later]
    assert marked("Zeppelin review", page["matches"][0]["titleHighlights"]) == ["Zeppelin"]
    assert client.delete(f"/api/conversations/{first}", headers=owner).status_code == 204
    assert ids(search(client, owner, "initech")) == [later]
    assert ids(search(client, owner, "genève")) == []
    # The deleted conversation's text left the stored index too (the search merged it away).
    assert "Genève" not in stored_index_text(harness, OWNER)


def stored_index_text(harness: ChatHarness, who: tuple[str, str]) -> str:
    import zlib

    items = dynamodb(harness.resources).query(
        TableName=harness.resources.tables["conversations"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :seg)",
        ExpressionAttributeValues={
            ":pk": {"S": f"{who[0]}#USER#{who[1]}"},
            ":seg": {"S": f"{search_keys.TAG}#SEG#"},
        },
    )["Items"]
    assert items
    parts: dict[str, list[tuple[int, bytes]]] = {}
    for item in items:
        _, _, segment, part = item["sk"]["S"].split("#")
        parts.setdefault(segment, []).append((int(part), item["data"]["B"]))
    return " ".join(
        zlib.decompress(b"".join(blob for _, blob in sorted(p))).decode("utf-8", "replace")
        for p in parts.values()
    )


def test_cjk_and_paging_with_cursors_bound_to_the_query(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    made = {
        chat(client, owner, f"データ保護 question {n}")[0].data["conversationId"] for n in range(5)
    }
    chat(client, owner, "unrelated")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = search(client, owner, "データ保護", **params)
        assert len(page["conversations"]) <= 2
        assert [m["conversationId"] for m in page["matches"]] == ids(page)
        seen += ids(page)
        cursor = page["nextCursor"]
        if not cursor:
            break
        other = client.get(
            "/api/conversations", params={"q": "question", "cursor": cursor}, headers=owner
        )
        assert (other.status_code, other.json()["code"]) == (400, "invalid_cursor")
        listing = client.get("/api/conversations", params={"cursor": cursor}, headers=owner)
        assert (listing.status_code, listing.json()["code"]) == (400, "invalid_cursor")
        stolen = client.get(
            "/api/conversations",
            params={"q": "データ保護", "cursor": cursor},
            headers=harness.headers("acme", "colleague-2"),
        )
        assert (stolen.status_code, stolen.json()["code"]) == (400, "invalid_cursor")
    assert sorted(seen) == sorted(made)
    list_cursor = client.get("/api/conversations", params={"limit": 1}, headers=owner).json()[
        "nextCursor"
    ]
    refused = client.get(
        "/api/conversations", params={"q": "question", "cursor": list_cursor}, headers=owner
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_cursor")


def test_bad_queries_are_coded_or_empty_never_a_failure(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    chat(client, owner, "Pricing for Acme")
    listing = client.get("/api/conversations", headers=owner).json()
    assert "matches" not in listing
    assert client.get("/api/conversations", params={"q": "  \t "}, headers=owner).json() == listing
    too_long = client.get("/api/conversations", params={"q": "a" * 201}, headers=owner)
    assert (too_long.status_code, too_long.json()["code"]) == (400, "invalid_query")
    assert search(client, owner, "x" * 200)["conversations"] == []
    for punctuation in ("?!", "...", "—", "%_*", "' OR 1=1 --"):
        page = search(client, owner, punctuation)
        assert page["nextCursor"] is None
        assert isinstance(page["conversations"], list)
    assert search(client, owner, "?!")["conversations"] == []


def test_two_instances_keep_one_index_and_lose_no_conversation(
    harness: ChatHarness, provider: ScriptedProvider
) -> None:
    harness.provider = provider
    owner = harness.headers(*OWNER)
    with TestClient(harness.app()) as one, TestClient(harness.app()) as two:
        a = chat(one, owner, "Hooli pricing")[0].data["conversationId"]
        assert ids(search(one, owner, "hooli")) == [a]
        b = chat(two, owner, "Hooli security")[0].data["conversationId"]
        assert set(ids(search(two, owner, "hooli"))) == {a, b}
        c = chat(one, owner, "Hooli onboarding")[0].data["conversationId"]
        # Instance one's cached index is behind two's publish: it loads it, then catches up.
        assert set(ids(search(one, owner, "hooli"))) == {a, b, c}
        assert set(ids(search(two, owner, "hooli"))) == {a, b, c}


def test_a_publish_that_loses_the_race_retries_and_leaves_nothing_behind(
    harness: ChatHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = ChatServices.build(service_settings(harness.resources), ChatSettings())
    two = ChatServices.build(service_settings(harness.resources), ChatSettings())
    tenant = TenantContext("acme", "racer-1", "racer-1", frozenset({TenantRole.MEMBER}))

    async def conversation(services: ChatServices, text: str) -> str:
        message = StoredMessage(
            id=new_id(),
            conversation_id=new_id(),
            role=Role.USER,
            content=text,
            created_at=now_iso(),
            status=MessageStatus.COMPLETE,
            route="general",
        )
        await services.messages.add(tenant, message, new_conversation=True, title=text)
        return message.conversation_id

    async def scenario() -> None:
        made = {await conversation(one, "Walrus pricing"), await conversation(one, "Walrus SSO")}
        store = one.conversation_search._segments
        publish = store.publish
        raced: list[bool] = []

        async def other_instance_first(*args: Any, **kwargs: Any) -> bool:
            if not raced:
                raced.append(True)
                # Instance two catches up the same conversations and publishes first.
                await two.conversation_search.search(tenant, "walrus", 20, None)
            return await publish(*args, **kwargs)

        monkeypatch.setattr(store, "publish", other_instance_first)
        page = await one.conversation_search.search(tenant, "walrus", 20, None)
        assert raced
        assert {c.id for c in page.conversations} == made
        made.add(await conversation(two, "Walrus onboarding"))
        for services in (one, two):
            found = await services.conversation_search.search(tenant, "walrus", 20, None)
            assert {c.id for c in found.conversations} == made
        head = await store.head(tenant)
        assert head.version == 2
        # The loser removed the segment it wrote: only the head's segments are stored.
        stored = dynamodb(harness.resources).query(
            TableName=harness.resources.tables["conversations"],
            KeyConditionExpression="pk = :pk AND begins_with(sk, :seg)",
            ExpressionAttributeValues={
                ":pk": {"S": "acme#USER#racer-1"},
                ":seg": {"S": f"{search_keys.TAG}#SEG#"},
            },
        )["Items"]
        assert {item["sk"]["S"].split("#")[2] for item in stored} == {s.id for s in head.segments}

    asyncio.run(scenario())


def test_a_first_build_sweeps_key_ranges_of_the_users_messages(
    harness: ChatHarness, client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    from engageiq_chat.conversation_search import search as module

    # As for a rep with thousands of conversations: ranges of several conversations each.
    monkeypatch.setattr(module, "SWEEP_THRESHOLD", 1)
    monkeypatch.setattr(module, "READ_CONCURRENCY", 2)
    owner = harness.headers(*OWNER)
    made = {chat(client, owner, f"Okapi call {n}")[0].data["conversationId"] for n in range(5)}
    chat(client, harness.headers("acme", "colleague-2"), "Okapi call of a colleague")
    page = search(client, owner, "okapi zanzibar")
    assert set(ids(page)) == made
    for match in page["matches"]:
        # Each message holds one of the words: the snippet is the first, the question, so
        # the sweep kept every conversation's messages in time order.
        snippet = match["snippet"]
        assert snippet["role"] == "user"
        assert marked(snippet["text"], snippet["highlights"]) == ["Okapi"]


def test_a_deleted_conversations_text_leaves_the_stored_index_without_another_search(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    """A user who deletes a conversation and never searches again: its words must not stay
    in their stored index for good."""
    owner = harness.headers(*OWNER)
    gone = chat(client, owner, "Our Quetzalcoatl deal terms")[0].data["conversationId"]
    kept = chat(client, owner, "Kickoff with Initech")[0].data["conversationId"]
    assert ids(search(client, owner, "quetzalcoatl")) == [gone]
    assert "Quetzalcoatl" in stored_index_text(harness, OWNER)
    assert client.delete(f"/api/conversations/{gone}", headers=owner).status_code == 204
    deadline = time.monotonic() + 10
    while "Quetzalcoatl" in stored_index_text(harness, OWNER) and time.monotonic() < deadline:
        time.sleep(0.05)
    text = stored_index_text(harness, OWNER)
    assert "Quetzalcoatl" not in text
    assert "Initech" in text
    assert ids(search(client, owner, "initech")) == [kept]


def test_an_answer_indexed_half_written_is_found_whole_once_its_generator_died(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    """A search indexes an answer being written; its generator checkpoints more text, then
    dies (its instance killed): nothing rewrites the conversation, yet its last text is
    found by the next search, not only what the index read mid-answer."""
    owner = harness.headers(*OWNER)
    cid = chat(client, owner, "Where does Acme keep its data?")[0].data["conversationId"]
    table = harness.resources.tables["conversations"]
    db = dynamodb(harness.resources)
    answer = next(
        i
        for i in db.scan(TableName=table)["Items"]
        if i.get("role", {}).get("S") == "assistant" and i["conversationId"]["S"] == cid
    )

    def checkpoint(content: str, at_ms: int) -> None:
        db.update_item(
            TableName=table,
            Key={"pk": answer["pk"], "sk": answer["sk"]},
            UpdateExpression="SET #status = :streaming, content = :content, checkpointAt = :at",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":streaming": {"S": "streaming"},
                ":content": {"S": content},
                ":at": {"N": str(at_ms)},
            },
        )

    now_ms = int(time.time() * 1000)
    checkpoint("Acme keeps", now_ms)  # being written: the search reads it half done
    assert ids(search(client, owner, "acme")) == [cid]
    checkpoint("Acme keeps its data in Oaxaca", now_ms - 60_000)  # then it died
    assert ids(search(client, owner, "oaxaca")) == [cid]


def test_a_sweep_that_storage_fails_answers_503_like_any_storage_failure(
    harness: ChatHarness, client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    from engageiq_chat.conversation_search import search as module

    # A rep's first search reads ranges in a task group; one range timing out (as against a
    # busy local moto) must be the coded, retryable 503, not an ExceptionGroup's 500.
    monkeypatch.setattr(module, "SWEEP_THRESHOLD", 1)
    monkeypatch.setattr(module, "READ_CONCURRENCY", 2)
    owner = harness.headers(*OWNER)
    for n in range(3):
        chat(client, owner, f"Quokka call {n}")

    async def timed_out(*args: Any, **kwargs: Any) -> None:
        raise StorageUnavailable()

    monkeypatch.setattr(module.ConversationSearch, "_messages", timed_out)
    response = client.get("/api/conversations", params={"q": "quokka"}, headers=owner)
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "service_unavailable"
    assert "Retry-After" in response.headers


def test_a_first_build_against_the_local_moto_reads_one_range_at_a_time(
    harness: ChatHarness, client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    from engageiq_chat.conversation_search import search as module

    # moto answers one request at a time: eight ranges at once only slowed each other into
    # read timeouts (a rep's first search at 2,000 conversations failed after 52 s).
    monkeypatch.setattr(module, "SWEEP_THRESHOLD", 1)
    owner = harness.headers(*OWNER)
    made = {chat(client, owner, f"Wombat call {n}")[0].data["conversationId"] for n in range(5)}
    reading = module.ConversationSearch._messages
    in_flight: list[int] = [0]
    most: list[int] = [0]

    async def counted(self: Any, *args: Any) -> None:
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        try:
            await asyncio.sleep(0.02)
            await reading(self, *args)
        finally:
            in_flight[0] -= 1

    monkeypatch.setattr(module.ConversationSearch, "_messages", counted)
    local = ChatServices.build(service_settings(harness.resources), ChatSettings())
    tenant = TenantContext("acme", OWNER[1], OWNER[1], frozenset({TenantRole.MEMBER}))
    page = asyncio.run(local.conversation_search.search(tenant, "wombat", 20, None))
    assert {c.id for c in page.conversations} == made
    assert most[0] == 1
