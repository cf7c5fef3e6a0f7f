"""Governed knowledge in chat (decision 0111): a conversation's scope is checked, stored, used
and cleared; retrieval leaves out what the caller's audiences hide; verified passages reach the
model first with their status; an answer resting only on stale or unverified sources carries
a notice; a source the reader may no longer see is withheld when history is read back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_chat.context.prompt import TRUST_RULE
from engageiq_chat.context.retrieval import Passage
from engageiq_chat.knowledge.scope import ConversationScope
from engageiq_chat.knowledge.sources import SourceWall, shown_sources
from engageiq_chat.knowledge.trust import (
    STALE_SOURCES,
    UNVERIFIED_SOURCES,
    governed_passages,
    notice_for,
    passage_status,
)
from engageiq_chat.messages.model import Citation
from engageiq_chat.providers.anthropic_provider import search_result
from engageiq_chat.providers.base import ModelRequest, PromptMessage
from engageiq_chat.providers.offline import offline_answer
from engageiq_chat.storage import DynamoTables
from engageiq_chat.turns.idempotency import body_hash
from engageiq_search.file_filter import EVERY_FILE, FileFilter
from engageiq_tenancy.context import Role, TenantContext, group_name
from engageiq_tenancy.governance import (
    Audience,
    CollectionRecord,
    FileFacts,
    Freshness,
    KnowledgeView,
)
from tests.support.chat import ChatHarness, ScriptedProvider, cites, parse_sse
from tests.support.governance import (
    delete_file_record,
    govern_file,
    put_collection,
    put_file_record,
    retire_file_record,
)

MEMBER = TenantContext("acme", "user-1", "user-1", frozenset({Role.MEMBER}))
PAST = "2026-01-31"
FUTURE = "2099-12-31"

PRICE = Passage("f-price", "pricing.pdf", "Pro costs 30 EUR per seat.", "page 2")
OLD_PRICE = Passage("f-old", "old-pricing.pdf", "Pro costs 45 EUR per seat.", "page 1")
NOTES = Passage("f-notes", "notes.txt", "Pro includes SSO.")
BOARD = Passage("f-board", "board-deck.pdf", "Pro will cost 60 EUR next year.")
QUESTION = "What does Pro cost per seat?"


# --- the rules, without storage --------------------------------------------------------------


def view_of(**facts: FileFacts) -> KnowledgeView:
    return KnowledgeView(files={f.id: f for f in facts.values()})


def test_verified_passages_come_first_and_each_carries_its_freshness() -> None:
    view = view_of(
        old=FileFacts(id="f-old", verified_at="2026-01-02T10:00:00Z", review_by=PAST),
        price=FileFacts(id="f-price", verified_at="2026-11-03T10:00:00Z", review_by=FUTURE),
    )
    governed = governed_passages(QUESTION, [OLD_PRICE, NOTES, PRICE], view)
    assert [(p.source_id, p.freshness) for p in governed] == [
        ("f-price", Freshness.VERIFIED),
        ("f-notes", Freshness.UNVERIFIED),
        ("f-old", Freshness.STALE),
    ]
    assert (governed[0].verified_at, governed[0].review_by) == ("2026-11-03T10:00:00Z", FUTURE)
    assert (governed[1].verified_at, governed[1].review_by) == (None, None)
    # One freshness throughout: exactly the retrieval order.
    assert governed_passages(QUESTION, [NOTES, PRICE], KnowledgeView()) == [
        NOTES,
        PRICE,
    ]


def test_a_verified_passage_that_does_not_answer_stays_where_retrieval_put_it() -> None:
    view = view_of(notes=FileFacts(id="f-notes", verified_at="2026-11-03T10:00:00Z"))
    # NOTES is verified but says nothing of the price: it must not push the answer down.
    assert [p.source_id for p in governed_passages(QUESTION, [PRICE, NOTES], view)] == [
        "f-price",
        "f-notes",
    ]
    # Among the passages that answer, the verified one moves up into the first one's place.
    view = view_of(price=FileFacts(id="f-price", verified_at="2026-11-03T10:00:00Z"))
    assert [p.source_id for p in governed_passages(QUESTION, [OLD_PRICE, NOTES, PRICE], view)] == [
        "f-price",
        "f-notes",
        "f-old",
    ]


def test_the_model_reads_each_passages_status_in_its_search_result_title() -> None:
    view = view_of(
        old=FileFacts(id="f-old", verified_at="2026-01-02T10:00:00Z", review_by=PAST),
        price=FileFacts(id="f-price", verified_at="2026-11-03T10:00:00Z", review_by=FUTURE),
    )
    titles = [
        search_result(p)["title"]
        for p in governed_passages(QUESTION, [OLD_PRICE, NOTES, PRICE], view)
    ]
    assert titles == [
        "pricing.pdf, page 2 (verified 2026-11-03, review by 2099-12-31)",
        "notes.txt (unverified)",
        "old-pricing.pdf, page 1 (stale since 2026-02-01 (review was due 2026-01-31))",
    ]
    assert passage_status(Freshness.VERIFIED, None, None) == "verified"
    assert "say so" in TRUST_RULE


def test_the_notice_says_when_every_cited_source_is_stale_or_unverified() -> None:
    def cited(*freshness: Freshness | None) -> list[Citation]:
        return [
            Citation(source_id=f"f{i}", title="t", freshness=f) for i, f in enumerate(freshness)
        ]

    assert notice_for([]) is None
    assert notice_for(cited(Freshness.VERIFIED, Freshness.STALE)) is None
    assert notice_for(cited(Freshness.UNVERIFIED, Freshness.STALE)) == STALE_SOURCES
    assert notice_for(cited(Freshness.STALE)) == STALE_SOURCES
    assert notice_for(cited(Freshness.UNVERIFIED, None)) == UNVERIFIED_SOURCES
    assert STALE_SOURCES.code == "stale_sources"
    assert UNVERIFIED_SOURCES.code == "unverified_sources"


def test_a_source_the_reader_may_no_longer_see_or_whose_file_is_gone_is_withheld() -> None:
    view = KnowledgeView(
        collections={"board": CollectionRecord(id="board", name="Board", audience=Audience())},
        files={"f-board": FileFacts(id="f-board", collection_ids=("board",))},
    )
    citations = [
        Citation(source_id="f-price", title="pricing.pdf"),
        Citation(source_id="f-board", title="board-deck.pdf", snippet="60 EUR"),
        Citation(source_id="f-gone", title="deleted.pdf", snippet="55 EUR"),
    ]
    existing = frozenset({"f-price", "f-board"})
    wall = SourceWall(view, MEMBER, existing)
    shown = [msgspec.to_builtins(s) for s in shown_sources(citations, wall)]
    assert shown == [
        {
            "number": 1,
            "sourceId": "f-price",
            "title": "pricing.pdf",
            "location": "",
            "snippet": "",
            "uploadedAt": "",
            "freshness": None,
            "verifiedAt": None,
            "reviewBy": None,
        },
        {"number": 2, "withheld": True},
        # A deleted file answers exactly as a hidden one: nothing tells them apart.
        {"number": 3, "withheld": True},
    ]
    admin = TenantContext("acme", "a", "a", frozenset({Role.MEMBER, Role.TENANT_ADMIN}))
    shown_to_admin = shown_sources(citations, SourceWall(view, admin, existing))
    assert [s.title for s in shown_to_admin] == ["pricing.pdf", "board-deck.pdf", msgspec.UNSET]


def test_the_offline_responder_says_when_it_quotes_stale_content() -> None:
    stale = Passage(
        "f-old", "old-pricing.pdf", OLD_PRICE.text, freshness=Freshness.STALE, review_by=PAST
    )
    request = ModelRequest(
        model="offline",
        system=(),
        messages=(PromptMessage("user", "What does Pro cost per seat?"),),
        max_tokens=100,
        passages=(stale,),
    )
    answer = offline_answer(request)
    assert answer.used == (0,)
    assert '"old-pricing.pdf" is stale: its review date (2026-01-31) has passed' in answer.text
    fresh = ModelRequest(
        model="offline",
        system=(),
        messages=request.messages,
        max_tokens=100,
        passages=(PRICE,),
    )
    assert "stale" not in offline_answer(fresh).text


# --- through the chat app, against moto ----------------------------------------------------


@dataclass
class Recording:
    """Retrieves from a fixed list, as the index filter would, and records each filter."""

    passages: list[Passage]
    filters: list[FileFilter] = field(default_factory=list)

    async def retrieve(
        self, tenant: TenantContext, query: str, limit: int, only: FileFilter = EVERY_FILE
    ) -> list[Passage]:
        self.filters.append(only)
        return [
            p
            for p in self.passages
            if (only.within is None or p.source_id in only.within)
            and p.source_id not in only.hidden
        ][:limit]


@pytest.fixture
def governed(harness: ChatHarness) -> ChatHarness:
    """acme: an open collection `playbooks` holding pricing.pdf, a collection `board` only
    `boss` may see holding board-deck.pdf, and two files in no collection."""
    resources = harness.resources
    for passage in (PRICE, OLD_PRICE, NOTES, BOARD):
        put_file_record(resources, "acme", passage.source_id, passage.title)
    put_file_record(resources, "acme", "f-retiring", "retiring.pdf", expires_at=1)
    put_collection(resources, "acme", "playbooks")
    put_collection(resources, "acme", "board", users=["boss"])
    govern_file(resources, "acme", "f-price", collection_ids=["playbooks"])
    govern_file(resources, "acme", "f-board", collection_ids=["board"])
    harness.retriever = Recording([PRICE, OLD_PRICE, NOTES, BOARD])
    harness.provider = ScriptedProvider(("Pro costs 30 EUR.", cites(0, text="30 EUR")))
    return harness


@pytest.fixture
def client(governed: ChatHarness) -> Iterator[TestClient[Litestar]]:
    with TestClient(governed.app()) as test_client:
        yield test_client


def admin_headers(harness: ChatHarness, user_id: str = "admin-1") -> dict[str, str]:
    groups = [group_name("acme", Role.MEMBER), group_name("acme", Role.TENANT_ADMIN)]
    claims = harness.tokens.claims("acme", sub=user_id, cognito__groups=groups)
    return {"Authorization": f"Bearer {harness.tokens.mint(claims)}"}


def post(
    client: TestClient[Litestar], headers: dict[str, str], body: dict[str, Any]
) -> tuple[int, Any]:
    response = client.post("/api/chat", json=body, headers=headers)
    if response.status_code != 200:
        return response.status_code, response.json()
    return 200, parse_sse(response.text)[0]


def conversations(client: TestClient[Litestar], headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/api/conversations", headers=headers)
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["conversations"]
    return listed


def history(client: TestClient[Litestar], headers: dict[str, str], cid: str) -> dict[str, Any]:
    response = client.get("/api/chat-history", params={"conversationId": cid}, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def test_a_scope_is_stored_used_by_later_turns_and_cleared(
    governed: ChatHarness, client: TestClient[Litestar]
) -> None:
    recording = governed.retriever
    assert isinstance(recording, Recording)
    headers = governed.headers()
    scope = {"collectionIds": ["playbooks", "playbooks"], "fileIds": ["f-notes"]}
    status, events = post(client, headers, {"message": "What does Pro cost?", "scope": scope})
    assert status == 200
    cid = events[0].data["conversationId"]
    stored = {"collectionIds": ["playbooks"], "fileIds": ["f-notes"]}
    assert [c["scope"] for c in conversations(client, headers)] == [stored]
    assert history(client, headers, cid)["scope"] == stored
    # Later turns without `scope` keep to the stored one.
    status, _ = post(client, headers, {"message": "And Enterprise?", "conversationId": cid})
    assert status == 200
    # Both lists empty: cleared, everything the member may see.
    status, _ = post(client, headers, {"message": "Any SSO?", "conversationId": cid, "scope": {}})
    assert status == 200
    assert [c["scope"] for c in conversations(client, headers)] == [None]
    status, _ = post(client, headers, {"message": "Again?", "conversationId": cid})
    hidden = frozenset({"f-board"})
    assert recording.filters == [
        FileFilter(frozenset({"f-price", "f-notes"}), hidden),
        FileFilter(frozenset({"f-price", "f-notes"}), hidden),
        FileFilter(None, hidden),
        FileFilter(None, hidden),
    ]


@pytest.mark.parametrize(
    "scope",
    [
        {"collectionIds": ["nope"]},
        {"collectionIds": ["board"]},  # exists, but not for this member
        {"fileIds": ["missing"]},
        {"fileIds": ["f-board"]},  # in a collection hidden from this member
        {"fileIds": ["not an id!"]},
        {"fileIds": ["f-retiring"]},  # being deleted
        {"collectionIds": ["playbooks"], "fileIds": ["f-board"]},
    ],
)
def test_an_unknown_or_hidden_scope_is_refused_and_nothing_is_stored(
    governed: ChatHarness, client: TestClient[Litestar], scope: dict[str, list[str]]
) -> None:
    headers = governed.headers()
    status, error = post(client, headers, {"message": "What does Pro cost?", "scope": scope})
    assert (status, error["code"]) == (400, "unknown_scope")
    assert conversations(client, headers) == []
    # An existing conversation keeps its scope and gains no message.
    status, events = post(
        client, headers, {"message": "Hi", "scope": {"collectionIds": ["playbooks"]}}
    )
    assert status == 200
    cid = events[0].data["conversationId"]
    status, error = post(client, headers, {"message": "Go", "conversationId": cid, "scope": scope})
    assert (status, error["code"]) == (400, "unknown_scope")
    (conversation,) = conversations(client, headers)
    assert conversation["scope"] == {"collectionIds": ["playbooks"], "fileIds": []}
    assert conversation["messageCount"] == 2


def test_admins_may_scope_to_any_collection_and_see_every_file(
    governed: ChatHarness, client: TestClient[Litestar]
) -> None:
    recording = governed.retriever
    assert isinstance(recording, Recording)
    headers = admin_headers(governed)
    scope = {"collectionIds": ["board"], "fileIds": ["f-board"]}
    status, _ = post(client, headers, {"message": "Next year?", "scope": scope})
    assert status == 200
    status, _ = post(client, governed.headers("acme", "boss"), {"message": "Next year?"})
    assert status == 200
    assert recording.filters == [FileFilter(frozenset({"f-board"})), EVERY_FILE]


def test_sources_carry_their_freshness_and_the_answer_a_notice(governed: ChatHarness) -> None:
    resources = governed.resources
    govern_file(resources, "acme", "f-old", verified_at="2026-01-02T10:00:00Z", review_by=PAST)
    # Only the stale file answers: it is cited, the answer says so.
    governed.retriever = Recording([OLD_PRICE])
    with TestClient(governed.app()) as client:
        headers = governed.headers()
        status, events = post(client, headers, {"message": "What does Pro cost?"})
        assert status == 200
        (citation,) = [e.data for e in events if e.event == "citation"]
        assert (citation["freshness"], citation["verifiedAt"], citation["reviewBy"]) == (
            "stale",
            "2026-01-02T10:00:00Z",
            PAST,
        )
        done = events[-1]
        assert done.event == "done"
        assert done.data["notice"] == {
            "code": "stale_sources",
            "message": STALE_SOURCES.message,
        }
        answer = history(client, headers, events[0].data["conversationId"])["messages"][-1]
        assert answer["notice"] == done.data["notice"]
        assert answer["citations"][0]["freshness"] == "stale"


def test_a_verified_source_means_no_notice(governed: ChatHarness) -> None:
    govern_file(
        governed.resources,
        "acme",
        "f-price",
        collection_ids=["playbooks"],
        verified_at="2026-11-03T10:00:00Z",
        review_by=FUTURE,
    )
    govern_file(
        governed.resources, "acme", "f-old", verified_at="2026-01-02T10:00:00Z", review_by=PAST
    )
    provider = ScriptedProvider(("Pro costs 30 EUR.", cites(0, text="30 EUR")))
    governed.provider = provider
    governed.retriever = Recording([OLD_PRICE, NOTES, PRICE])
    with TestClient(governed.app()) as client:
        status, events = post(client, governed.headers(), {"message": "What does Pro cost?"})
    assert status == 200
    # The verified passage went first: it is passage 0, the one cited.
    assert [p.source_id for p in provider.requests[-1].passages] == ["f-price", "f-notes", "f-old"]
    assert TRUST_RULE in provider.requests[-1].system[0].text
    (citation,) = [e.data for e in events if e.event == "citation"]
    assert (citation["sourceId"], citation["freshness"]) == ("f-price", "verified")
    assert "notice" not in events[-1].data


def test_history_withholds_a_source_whose_file_was_hidden_since(governed: ChatHarness) -> None:
    headers = governed.headers()
    with TestClient(governed.app()) as client:
        status, events = post(client, headers, {"message": "What does Pro cost?"})
        assert status == 200
    cid = events[0].data["conversationId"]
    # pricing.pdf moves into the board's collection; a fresh process reads the new audience.
    govern_file(governed.resources, "acme", "f-price", collection_ids=["playbooks", "board"])
    with TestClient(governed.app()) as client:
        response = client.get("/api/chat-history", params={"conversationId": cid}, headers=headers)
    assert response.status_code == 200
    answer = response.json()["messages"][-1]
    assert answer["citations"] == [{"number": 1, "withheld": True}]
    assert "pricing.pdf" not in response.text
    assert "30 EUR" in answer["content"]  # the answer's own words are the reader's


@pytest.fixture
def storage_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every tenant-scoped DynamoDB call the chat app makes: (operation, arguments)."""
    calls: list[tuple[str, dict[str, Any]]] = []
    original = DynamoTables.call

    async def recording(
        self: DynamoTables, tenant: TenantContext, operation: str, **kwargs: Any
    ) -> dict[str, Any]:
        calls.append((operation, kwargs))
        return await original(self, tenant, operation, **kwargs)

    monkeypatch.setattr(DynamoTables, "call", recording)
    return calls


def test_a_source_whose_file_is_gone_is_withheld_like_a_hidden_one(
    governed: ChatHarness, storage_calls: list[tuple[str, dict[str, Any]]]
) -> None:
    # pricing.pdf, old-pricing.pdf and notes.txt answer; all three are cited.
    governed.provider = ScriptedProvider(("Pro costs 30 EUR, once 45, with SSO.", cites(0, 1, 2)))
    headers = {**governed.headers(), "Idempotency-Key": "question-0002"}
    body = {"message": "What does Pro cost?"}
    with TestClient(governed.app()) as client:
        first = client.post("/api/chat", json=body, headers=headers)
        status, admins = post(client, admin_headers(governed), body)
        assert status == 200
    events = parse_sse(first.text)[0]
    cited = [e.data["sourceId"] for e in events if e.event == "citation"]
    assert cited == ["f-price", "f-old", "f-notes"]
    cid = events[0].data["conversationId"]
    # pricing.pdf is hidden from the reader since; notes.txt was deleted; old-pricing.pdf is
    # being deleted (the catalog's first step of a delete).
    govern_file(governed.resources, "acme", "f-price", collection_ids=["board"])
    delete_file_record(governed.resources, "acme", "f-notes")
    retire_file_record(governed.resources, "acme", "f-old")
    every_source_withheld = [{"number": n, "withheld": True} for n in (1, 2, 3)]
    with TestClient(governed.app()) as client:
        storage_calls.clear()
        page = history(client, governed.headers(), cid)
        # The page's cited files are read in one BatchGetItem: key, expiry and `retiring`.
        files_reads = [
            (operation, kwargs)
            for operation, kwargs in storage_calls
            if governed.resources.tables["files"] in str(kwargs)
        ]
        assert [operation for operation, _ in files_reads] == ["batch_get_item"]
        (request,) = files_reads[0][1]["RequestItems"].values()
        assert len(request["Keys"]) == 3
        names = request.get("ExpressionAttributeNames", {})
        projected = [names.get(p, p) for p in request["ProjectionExpression"].split(", ")]
        assert projected == ["pk", "sk", "expiresAt", "retiring"]
        assert page["messages"][-1]["citations"] == every_source_withheld
        for name in ("pricing.pdf", "old-pricing.pdf", "notes.txt"):
            assert name not in str(page)
        # An admin may see pricing.pdf; the two files that are gone are withheld from them too.
        admin_cid = admins[0].data["conversationId"]
        shown = history(client, admin_headers(governed), admin_cid)["messages"][-1]["citations"]
        assert [s.get("title") for s in shown] == ["pricing.pdf", None, None]
        assert shown[1:] == every_source_withheld[1:]
        # A replay answers alike.
        again = client.post("/api/chat", json=body, headers=headers)
    replayed = [e.data for e in parse_sse(again.text)[0] if e.event == "citation"]
    assert [(c["number"], c.get("withheld"), c["sourceId"]) for c in replayed] == [
        (1, True, ""),
        (2, True, ""),
        (3, True, ""),
    ]


def test_continuing_an_answer_keeps_to_the_scope_and_the_audiences(governed: ChatHarness) -> None:
    recording = governed.retriever
    assert isinstance(recording, Recording)
    governed.provider = ScriptedProvider(("Pro costs", " 30 EUR"), stop_reason="max_tokens")
    headers = governed.headers()
    with TestClient(governed.app()) as client:
        scope = {"collectionIds": ["playbooks"]}
        status, events = post(client, headers, {"message": "What does Pro cost?", "scope": scope})
        assert status == 200
        response = client.post(
            "/api/chat/continue",
            json={
                "conversationId": events[0].data["conversationId"],
                "messageId": events[0].data["assistantMessageId"],
            },
            headers=headers,
        )
        assert response.status_code == 200, response.text
    scoped = FileFilter(frozenset({"f-price"}), frozenset({"f-board"}))
    assert recording.filters == [scoped, scoped]


def test_a_repeated_question_must_repeat_its_scope() -> None:
    plain = body_hash("Pro?", None)
    assert body_hash("Pro?", None, None) == plain  # as before scopes existed
    scoped = body_hash("Pro?", None, ConversationScope(file_ids=("a", "a")))
    assert scoped != plain
    assert scoped == body_hash("Pro?", None, ConversationScope(file_ids=("a",)))


def test_a_collection_created_since_the_view_was_read_is_found(
    governed: ChatHarness, client: TestClient[Litestar]
) -> None:
    headers = governed.headers()
    status, _ = post(client, headers, {"message": "Hello"})  # the view is read and kept
    assert status == 200
    put_collection(governed.resources, "acme", "launch")
    status, events = post(
        client, headers, {"message": "Hi", "scope": {"collectionIds": ["launch"]}}
    )
    assert status == 200, events


def test_a_replayed_answer_withholds_a_source_hidden_since(governed: ChatHarness) -> None:
    headers = {**governed.headers(), "Idempotency-Key": "question-0001"}
    body = {"message": "What does Pro cost?"}
    with TestClient(governed.app()) as client:
        first = client.post("/api/chat", json=body, headers=headers)
    assert [e.data["sourceId"] for e in parse_sse(first.text)[0] if e.event == "citation"] == [
        "f-price"
    ]
    govern_file(governed.resources, "acme", "f-price", collection_ids=["board"])
    with TestClient(governed.app()) as client:
        again = client.post("/api/chat", json=body, headers=headers)
    assert again.status_code == 200, again.text
    (citation,) = [e.data for e in parse_sse(again.text)[0] if e.event == "citation"]
    assert citation["withheld"] is True
    assert (citation["number"], citation["sourceId"], citation["title"]) == (1, "", "")
    assert "pricing.pdf" not in again.text
