"""Retrieved passages: the offline answer quotes the ones that answer the question, each of
those (and only those) becomes a citation event and is stored on the answer, and they reach
the model as search results it can cite, apart from the instructions."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar.testing import TestClient

from engageiq_chat.context.retrieval import Passage
from engageiq_search.file_filter import EVERY_FILE, FileFilter
from engageiq_tenancy.context import TenantContext
from tests.support.chat import ChatHarness, ScriptedProvider, chat
from tests.support.governance import put_file_record

PASSAGES = [
    Passage(
        "price-list-2026",
        "Price list 2026",
        "The Pro plan costs 30 EUR per seat and month. Volume discounts start at 50 seats.",
    ),
    Passage(
        "security-faq",
        "Security FAQ",
        "Data is encrypted at rest with AES-256. SSO is included in every plan.",
    ),
]


@dataclass
class FakeRetriever:
    asked: list[tuple[str, str]] = field(default_factory=list)

    async def retrieve(
        self, tenant: TenantContext, query: str, limit: int, only: FileFilter = EVERY_FILE
    ) -> list[Passage]:
        self.asked.append((tenant.tenant_id, query))
        return PASSAGES[:limit]


def test_offline_answer_is_grounded_and_cites_only_what_it_quotes(harness: ChatHarness) -> None:
    retriever = FakeRetriever()
    harness.retriever = retriever
    for passage in PASSAGES:  # history withholds the sources of files that do not exist
        put_file_record(harness.resources, "acme", passage.source_id, passage.title)
    with TestClient(harness.app()) as client:
        headers = harness.headers("acme")
        events = chat(client, headers, "How much is the Pro plan?")
        answer = "".join(e.data["text"] for e in events if e.event == "delta")
        assert "The Pro plan costs 30 EUR per seat and month.[1]" in answer
        # The security passage was retrieved but says nothing about the price: not quoted,
        # not cited.
        assert "[2]" not in answer
        citations = [e.data for e in events if e.event == "citation"]
        assert [c["sourceId"] for c in citations] == ["price-list-2026"]
        assert citations[0]["title"] == "Price list 2026"
        assert [e.event for e in events][-1] == "done"
        stored = client.get(
            "/api/chat-history",
            headers=headers,
            params={"conversationId": events[0].data["conversationId"]},
        ).json()["messages"][-1]
        assert [c["sourceId"] for c in stored["citations"]] == ["price-list-2026"]
    assert retriever.asked == [("acme", "How much is the Pro plan?")]


def test_offline_answer_says_when_no_passage_answers(harness: ChatHarness) -> None:
    harness.retriever = FakeRetriever()
    with TestClient(harness.app()) as client:
        events = chat(client, harness.headers("acme"), "Which football team won yesterday?")
    answer = "".join(e.data["text"] for e in events if e.event == "delta")
    assert "Your uploaded documents do not say" in answer
    assert [e for e in events if e.event == "citation"] == []
    assert [e.event for e in events][-1] == "done"


def test_passages_reach_the_model_apart_from_the_instructions(harness: ChatHarness) -> None:
    provider = ScriptedProvider()
    harness.provider, harness.retriever = provider, FakeRetriever()
    with TestClient(harness.app()) as client:
        chat(client, harness.headers(), "Is SSO included?")
    (request,) = provider.requests
    (stable,) = request.system
    assert "Price list 2026" not in stable.text
    assert "Price list 2026" not in request.messages[-1].content
    assert [p.source_id for p in request.passages] == ["price-list-2026", "security-faq"]


def test_a_model_that_cites_nothing_has_no_sources(harness: ChatHarness) -> None:
    # Retrieved is not used: without citations from the model, nothing is cited (the answer
    # says it is uncited instead).
    harness.provider, harness.retriever = ScriptedProvider(), FakeRetriever()
    with TestClient(harness.app()) as client:
        events = chat(client, harness.headers(), "Is SSO included?")
    assert [e for e in events if e.event == "citation"] == []
    assert events[-1].data["uncited"] is True
