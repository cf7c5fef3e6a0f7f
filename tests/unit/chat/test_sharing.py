"""Shared links (decision 0113): a snapshot any signed-in user of the tenant reads, with the
sources they may not see withheld; revoked at once; "continue as my own" copies it; every
link that does not resolve for the caller answers alike."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.sharing.keys import token_hash
from engageiq_search.file_filter import EVERY_FILE, FileFilter
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.requests import logged_path
from tests.support.chat import ChatHarness, ScriptedProvider, cites, dynamodb, parse_sse
from tests.support.governance import govern_file, put_collection, put_file_record

PRICE = Passage("f-price", "pricing.pdf", "Pro costs 30 EUR per seat.", "page 2")
BOARD = Passage("f-board", "board-deck.pdf", "Pro will cost 60 EUR next year.", "slide 4")
BOARD_QUOTE = "sixty euros from January"
OWNER = "boss"
VIEWER = "user-1"


@dataclass
class Governed:
    """Retrieves from a fixed list, as the index filter would."""

    passages: list[Passage]

    async def retrieve(
        self, tenant: TenantContext, query: str, limit: int, only: FileFilter = EVERY_FILE
    ) -> list[Passage]:
        return [
            p
            for p in self.passages
            if (only.within is None or p.source_id in only.within)
            and p.source_id not in only.hidden
        ][:limit]


@pytest.fixture
def client(harness: ChatHarness) -> Iterator[TestClient[Litestar]]:
    """acme: pricing.pdf in the open collection `playbooks`, board-deck.pdf in `board`, which
    only `boss` may see. Answers cite both (for boss) as sources 1 and 2."""
    resources = harness.resources
    for passage in (PRICE, BOARD):
        put_file_record(resources, "acme", passage.source_id, passage.title)
    put_collection(resources, "acme", "playbooks")
    put_collection(resources, "acme", "board", users=[OWNER])
    govern_file(resources, "acme", "f-price", collection_ids=["playbooks"])
    govern_file(resources, "acme", "f-board", collection_ids=["board"])
    harness.retriever = Governed([PRICE, BOARD])
    harness.provider = ScriptedProvider(
        ("Pro costs 30 EUR", cites(0, text="30 EUR"), " and more later", cites(1, text=BOARD_QUOTE))
    )
    with TestClient(harness.app()) as test_client:
        yield test_client


def ask(
    client: TestClient[Litestar], headers: dict[str, str], conversation_id: str | None = None
) -> str:
    body: dict[str, Any] = {"message": "What does Pro cost?"}
    if conversation_id:
        body["conversationId"] = conversation_id
    response = client.post("/api/chat", json=body, headers=headers)
    assert response.status_code == 200, response.text
    events = parse_sse(response.text)[0]
    assert events[-1].event == "done", events
    cid: str = events[0].data["conversationId"]
    return cid


def share(client: TestClient[Litestar], headers: dict[str, str], cid: str) -> dict[str, Any]:
    response = client.post(f"/api/conversations/{cid}/share", headers=headers)
    assert response.status_code == 201, response.text
    link: dict[str, Any] = response.json()
    return link


def without_request_id(response: Any) -> tuple[int, dict[str, Any]]:
    body = {k: v for k, v in response.json().items() if k != "requestId"}
    return response.status_code, body


def test_a_viewer_reads_the_snapshot_with_hidden_sources_withheld_and_continues_it(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner, viewer = harness.headers(user_id=OWNER), harness.headers(user_id=VIEWER)
    cid = ask(client, owner)
    link = share(client, owner, cid)
    assert link["url"] == f"/shared/{link['token']}"
    assert link["share"]["conversationId"] == cid

    # The owner sees both sources; the viewer only pricing.pdf, the board's file withheld.
    mine = client.get(f"/api/shared/{link['token']}", headers=owner).json()
    assert [c["title"] for c in mine["messages"][1]["citations"]] == [
        "pricing.pdf",
        "board-deck.pdf",
    ]
    response = client.get(f"/api/shared/{link['token']}", headers=viewer)
    assert response.status_code == 200, response.text
    shared = response.json()
    assert [m["role"] for m in shared["messages"]] == ["user", "assistant"]
    answer = shared["messages"][1]
    assert "30 EUR" in answer["content"]
    assert answer["citations"][0]["title"] == "pricing.pdf"
    assert answer["citations"][0]["location"] == "page 2"
    assert answer["citations"][1] == {"number": 2, "withheld": True}
    for secret in ("board-deck", "f-board", BOARD_QUOTE, "slide 4"):
        assert secret not in response.text

    # A snapshot: what the owner adds later is not shared.
    ask(client, owner, cid)
    later = client.get(f"/api/shared/{link['token']}", headers=viewer).json()
    assert len(later["messages"]) == 2
    assert later["messageCount"] == 2

    # Continue as my own: a conversation of the viewer's, the hidden source still withheld
    # and not stored with them at all; they chat on in it.
    response = client.post(f"/api/shared/{link['token']}/copy", headers=viewer)
    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["id"] != cid
    assert copy["messageCount"] == 2
    listed = client.get("/api/conversations", headers=viewer).json()["conversations"]
    assert [c["id"] for c in listed] == [copy["id"]]
    history = client.get(
        "/api/chat-history", params={"conversationId": copy["id"]}, headers=viewer
    ).json()
    assert history["messages"][1]["citations"][1] == {"number": 2, "withheld": True}
    assert history["messages"][1]["citations"][0]["title"] == "pricing.pdf"
    assert history["messages"][1]["feedback"] is None
    items = dynamodb(harness.resources).query(
        TableName=harness.resources.tables["conversations"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"acme#USER#{VIEWER}"}},
    )["Items"]
    assert items
    assert not any("f-board" in str(i) or BOARD_QUOTE in str(i) for i in items)
    ask(client, viewer, copy["id"])
    after = client.get(
        "/api/chat-history", params={"conversationId": copy["id"]}, headers=viewer
    ).json()
    assert len(after["messages"]) == 4
    # The owner's conversation is untouched by the copy and the viewer's turn.
    owned = client.get("/api/chat-history", params={"conversationId": cid}, headers=owner).json()
    assert len(owned["messages"]) == 4


def test_the_owner_lists_and_revokes_at_once_and_only_the_hash_is_stored(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner, viewer = harness.headers(user_id=OWNER), harness.headers(user_id=VIEWER)
    cid = ask(client, owner)
    first, second = share(client, owner, cid), share(client, owner, cid)
    listed = client.get("/api/shares", headers=owner).json()["shares"]
    assert [s["id"] for s in listed] == [second["share"]["id"], first["share"]["id"]]
    assert client.get("/api/shares", headers=viewer).json()["shares"] == []

    table = dynamodb(harness.resources).scan(TableName=harness.resources.tables["conversations"])
    stored = str(table["Items"])
    assert first["token"] not in stored
    assert token_hash(first["token"]) in stored
    # Nor is it logged: the access line names the route, not the link.
    logged = logged_path(f"/api/shared/{first['token']}/copy")
    assert logged == "/api/shared/<token>/copy"
    assert logged_path(f"/api/conversations/{cid}/share") == f"/api/conversations/{cid}/share"

    # Another user cannot revoke it; its owner revokes one link, then the rest.
    assert client.delete(f"/api/shares/{first['share']['id']}", headers=viewer).status_code == 404
    assert client.delete(f"/api/shares/{first['share']['id']}", headers=owner).status_code == 204
    assert client.get(f"/api/shared/{first['token']}", headers=viewer).status_code == 404
    assert client.get(f"/api/shared/{second['token']}", headers=viewer).status_code == 200
    assert client.delete(f"/api/conversations/{cid}/share", headers=owner).status_code == 204
    assert client.get(f"/api/shared/{second['token']}", headers=viewer).status_code == 404
    assert client.get("/api/shares", headers=owner).json()["shares"] == []


def test_every_link_that_does_not_resolve_answers_alike(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner, viewer = harness.headers(user_id=OWNER), harness.headers(user_id=VIEWER)
    other_tenant = harness.headers("globex", user_id=OWNER)
    cid = ask(client, owner)
    live = share(client, owner, cid)["token"]
    revoked_link = share(client, owner, cid)
    revoked = revoked_link["token"]
    gone_cid = ask(client, owner)
    of_deleted = share(client, owner, gone_cid)["token"]
    revoking = client.delete(f"/api/shares/{revoked_link['share']['id']}", headers=owner)
    assert revoking.status_code == 204
    assert client.delete(f"/api/conversations/{gone_cid}", headers=owner).status_code == 204

    never = "A" * 43
    answers = {
        "never": client.get(f"/api/shared/{never}", headers=viewer),
        "malformed": client.get("/api/shared/not-a-token", headers=viewer),
        "revoked": client.get(f"/api/shared/{revoked}", headers=viewer),
        "deleted conversation": client.get(f"/api/shared/{of_deleted}", headers=viewer),
        "other tenant": client.get(f"/api/shared/{live}", headers=other_tenant),
        "copy, other tenant": client.post(f"/api/shared/{live}/copy", headers=other_tenant),
        "copy, revoked": client.post(f"/api/shared/{revoked}/copy", headers=viewer),
    }
    expected = without_request_id(answers["never"])
    assert expected[0] == 404
    assert expected[1]["code"] == "share_not_found"
    assert {name: without_request_id(r) for name, r in answers.items()} == dict.fromkeys(
        answers, expected
    )
    assert client.get(f"/api/shared/{live}", headers=viewer).status_code == 200
    # Deleting the conversation removed its link from the owner's list too.
    assert {
        s["conversationId"] for s in client.get("/api/shares", headers=owner).json()["shares"]
    } == {cid}

    # Signed out, a live link and a made-up one get the same refusal.
    signed_out = [client.get(f"/api/shared/{t}") for t in (live, never)]
    assert [without_request_id(r) for r in signed_out] == [without_request_id(signed_out[1])] * 2
    assert signed_out[0].status_code == 401

    # Another user's conversation cannot be shared or unshared: it answers as a missing one.
    missing = without_request_id(
        client.post(f"/api/conversations/{'z' * 26}/share", headers=viewer)
    )
    assert missing[0] == 404
    assert missing[1]["code"] == "conversation_not_found"
    assert (
        without_request_id(client.post(f"/api/conversations/{cid}/share", headers=viewer))
        == missing
    )
    assert (
        without_request_id(client.delete(f"/api/conversations/{cid}/share", headers=viewer))
        == missing
    )
    assert (
        without_request_id(client.post(f"/api/conversations/{cid}/share", headers=other_tenant))
        == missing
    )


def test_a_long_shared_conversation_is_read_a_page_at_a_time(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner, viewer = harness.headers(user_id=OWNER), harness.headers(user_id=VIEWER)
    cid = ask(client, owner)
    for _ in range(2):
        ask(client, owner, cid)
    token = share(client, owner, cid)["token"]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"/api/shared/{token}", params=params, headers=viewer).json()
        seen += [m["id"] for m in page["messages"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert len(seen) == 6 == len(set(seen))
    assert seen == sorted(seen)  # time-ordered ids: oldest first
    # A cursor is the viewer's: another user's use of it is refused.
    first = client.get(f"/api/shared/{token}", params={"limit": 2}, headers=viewer).json()
    other = client.get(
        f"/api/shared/{token}", params={"limit": 2, "cursor": first["nextCursor"]}, headers=owner
    )
    assert other.status_code == 400
    assert other.json()["code"] == "invalid_cursor"


def test_a_copy_of_an_answer_still_being_written_is_the_viewers_cut_off_answer(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    """Shared while its answer streams: the copy holds the text so far as an `incomplete`
    answer of the viewer's (to continue), never one `streaming` under the owner's generation."""
    owner, viewer = harness.headers(user_id=OWNER), harness.headers(user_id=VIEWER)
    cid = ask(client, owner)
    table = harness.resources.tables["conversations"]
    db = dynamodb(harness.resources)
    answer = next(
        i
        for i in db.scan(TableName=table)["Items"]
        if i.get("role", {}).get("S") == "assistant" and f"#USER#{OWNER}" in i["pk"]["S"]
    )
    db.update_item(
        TableName=table,
        Key={"pk": answer["pk"], "sk": answer["sk"]},
        UpdateExpression="SET #status = :streaming, streamId = :owner, checkpointAt = :now",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":streaming": {"S": "streaming"},
            ":owner": {"S": "generation-1"},
            ":now": {"N": str(int(time.time() * 1000))},
        },
    )
    token = share(client, owner, cid)["token"]
    copied = client.post(f"/api/shared/{token}/copy", headers=viewer)
    assert copied.status_code == 201, copied.text
    history = client.get(
        "/api/chat-history", params={"conversationId": copied.json()["id"]}, headers=viewer
    ).json()["messages"]
    assert [m["status"] for m in history] == ["complete", "incomplete"]
    copies = [
        i
        for i in db.scan(TableName=table)["Items"]
        if f"#USER#{VIEWER}" in i["pk"]["S"] and i["sk"]["S"].startswith("MSG#")
    ]
    assert len(copies) == 2
    assert all("streamId" not in i and "checkpointAt" not in i for i in copies)
