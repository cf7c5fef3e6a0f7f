"""`Idempotency-Key` on POST /api/chat: a repeated question is answered once. The repeat gets
the first request's ids and answer (replayed from storage, after waiting for it if the first
is still streaming), never a second conversation or model call; another body with the same
key is refused; keys are per user."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from litestar.testing import TestClient

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.settings import ChatSettings
from engageiq_search.file_filter import EVERY_FILE, FileFilter
from engageiq_tenancy.context import TenantContext
from tests.support.chat import ChatHarness, ScriptedProvider, cites, dynamodb, parse_sse
from tests.support.governance import put_file_record

KEY = "0b6f8a3e-1d2c-4e5f-9a7b-123456789abc"


def post(
    client: TestClient[Any], headers: dict[str, str], body: dict[str, Any], key: str = KEY
) -> Any:
    return client.post("/api/chat", json=body, headers={**headers, "Idempotency-Key": key})


def answer_of(text: str) -> tuple[dict[str, Any], str, list[dict[str, Any]], str]:
    events, _ = parse_sse(text)
    meta = events[0].data
    answer = "".join(e.data["text"] for e in events if e.event == "delta")
    citations = [e.data for e in events if e.event == "citation"]
    return meta, answer, citations, events[-1].event


def test_a_repeat_replays_the_first_answer_without_a_second_turn(harness: ChatHarness) -> None:
    provider = ScriptedProvider(tokens=("The Pro plan ", "costs 30 EUR."))
    harness.provider = provider
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        first = post(client, headers, {"message": "Pro plan price?"})
        second = post(client, headers, {"message": "Pro plan price?"})
        assert first.status_code == second.status_code == 200, second.text
        meta, answer, citations, last = answer_of(first.text)
        assert answer_of(second.text) == (meta, answer, citations, last)
        assert (answer, last) == ("The Pro plan costs 30 EUR.", "done")
        assert len(provider.requests) == 1
        listed = client.get("/api/conversations", headers=headers).json()["conversations"]
        assert [c["id"] for c in listed] == [meta["conversationId"]]
        history = client.get(
            "/api/chat-history", params={"conversationId": meta["conversationId"]}, headers=headers
        ).json()["messages"]
        assert len(history) == 2


@dataclass
class TwoPassages:
    async def retrieve(
        self, tenant: TenantContext, query: str, limit: int, only: FileFilter = EVERY_FILE
    ) -> list[Passage]:
        return [
            Passage(
                "price-list-2026",
                "Price list 2026",
                "The Pro plan costs 30 EUR per seat and month.",
                "page 2",
                "2026-11-30T09:00:00Z",
            ),
            Passage("security-faq", "Security FAQ", "SSO is included in every plan.", "SSO"),
        ][:limit]


def every_event(text: str) -> list[tuple[str, Any]]:
    events, _ = parse_sse(text)
    return [(e.event, e.data) for e in events]


def test_a_replayed_answer_has_its_sources_as_streamed(harness: ChatHarness) -> None:
    # Decision 0109's sources (numbered, every field) and 0110's replay agree: a repeat gets
    # the same citation events as the first stream, before the markers naming them.
    provider = ScriptedProvider(
        tokens=(
            "Pro costs 30 EUR.",
            cites(0, text="The Pro plan costs 30 EUR per seat and month."),
            " SSO is included.",
            cites(1, text="SSO is included in every plan."),
        )
    )
    harness.provider, harness.retriever = provider, TwoPassages()
    # The files exist: a replay withholds the sources of files that do not (decision 0111).
    put_file_record(harness.resources, "acme", "price-list-2026", "Price list 2026")
    put_file_record(harness.resources, "acme", "security-faq", "Security FAQ")
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        first = every_event(post(client, headers, {"message": "Pro price, SSO?"}).text)
        second = every_event(post(client, headers, {"message": "Pro price, SSO?"}).text)
    assert len(provider.requests) == 1
    citations = [data for event, data in first if event == "citation"]
    assert citations == [data for event, data in second if event == "citation"]
    assert citations == [
        {
            "number": 1,
            "sourceId": "price-list-2026",
            "title": "Price list 2026",
            "location": "page 2",
            "snippet": "The Pro plan costs 30 EUR per seat and month.",
            "uploadedAt": "2026-11-30T09:00:00Z",
            "freshness": "unverified",
            "verifiedAt": None,
            "reviewBy": None,
        },
        {
            "number": 2,
            "sourceId": "security-faq",
            "title": "Security FAQ",
            "location": "SSO",
            "snippet": "SSO is included in every plan.",
            "uploadedAt": "",
            "freshness": "unverified",
            "verifiedAt": None,
            "reviewBy": None,
        },
    ]
    answer = "Pro costs 30 EUR.[1] SSO is included.[2]"
    assert "".join(data["text"] for event, data in first if event == "delta") == answer
    assert [event for event, _ in second] == ["meta", "citation", "citation", "delta", "done"]
    assert second[0] == first[0]  # the same ids, and the passages the model was given
    assert first[0][1]["passages"] == 2
    assert second[3][1]["text"] == answer
    assert second[-1][1]["uncited"] is False


def test_a_replayed_uncited_answer_says_so(harness: ChatHarness) -> None:
    harness.provider, harness.retriever = ScriptedProvider(), TwoPassages()
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        first = every_event(post(client, headers, {"message": "Is SSO included?"}).text)
        second = every_event(post(client, headers, {"message": "Is SSO included?"}).text)
    assert first[-1] == second[-1]
    assert second[-1][1]["uncited"] is True
    assert [event for event, _ in second if event == "citation"] == []


def test_a_replayed_answer_that_broke_off_ends_as_it_did(harness: ChatHarness) -> None:
    # The model failed after some text (saved as incomplete, reason `error`): the first stream
    # ended with `error`, so the replay does too, not with a `done` that reads as complete.
    harness.provider = ScriptedProvider(tokens=("Half ", "an ", "answer"), fail_after=2)
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        first = every_event(post(client, headers, {"message": "Pro plan price?"}).text)
        second = every_event(post(client, headers, {"message": "Pro plan price?"}).text)
    assert first[-1][0] == "error"
    assert second[-1][0] == "error"
    assert "".join(d["text"] for e, d in second if e == "delta") == "Half an "


def test_a_repeat_after_its_conversation_was_deleted_says_so_at_once(
    harness: ChatHarness,
) -> None:
    # Its answer will never be saved: the repeat must not wait out the first one's time limit
    # (with heartbeats, past a proxy's request bound) to say "not saved yet".
    harness.provider = ScriptedProvider()
    harness.chat_settings = ChatSettings(stream_max_seconds=3.0)
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        meta = answer_of(post(client, headers, {"message": "Forget me"}).text)[0]
        deleted = client.delete(f"/api/conversations/{meta['conversationId']}", headers=headers)
        assert deleted.status_code == 204
        started = time.monotonic()
        repeat = every_event(post(client, headers, {"message": "Forget me"}).text)
    assert time.monotonic() - started < 2
    assert repeat[-1] == ("error", repeat[-1][1])
    assert repeat[-1][1]["code"] == "conversation_not_found"


def test_a_repeat_while_the_first_streams_waits_for_its_answer(harness: ChatHarness) -> None:
    provider = ScriptedProvider(tokens=("Slow ", "but ", "once."), pause=0.3)
    harness.provider = provider
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        results: dict[str, Any] = {}

        def ask(name: str) -> None:
            results[name] = post(client, headers, {"message": "Tell me slowly"})

        first = threading.Thread(target=ask, args=("first",))
        first.start()
        threading.Event().wait(0.4)  # the first turn has started and is streaming
        ask("second")
        first.join()
        assert results["second"].status_code == 200
        assert answer_of(results["second"].text) == answer_of(results["first"].text)
        assert len(provider.requests) == 1


def test_the_same_key_with_another_body_is_refused(harness: ChatHarness) -> None:
    harness.provider = ScriptedProvider()
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        assert post(client, headers, {"message": "First question"}).status_code == 200
        other = post(client, headers, {"message": "Another question"})
        assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")


def test_keys_belong_to_one_user(harness: ChatHarness) -> None:
    provider = ScriptedProvider()
    harness.provider = provider
    with TestClient(harness.app()) as client:
        mine = answer_of(post(client, harness.headers(), {"message": "Hello"}).text)[0]
        colleague = harness.headers(user_id="user-2")
        theirs = answer_of(post(client, colleague, {"message": "Hello"}).text)[0]
        other_tenant = answer_of(post(client, harness.headers("globex"), {"message": "Hello"}).text)
        assert (
            len(
                {
                    mine["conversationId"],
                    theirs["conversationId"],
                    other_tenant[0]["conversationId"],
                }
            )
            == 3
        )
        assert len(provider.requests) == 3


def test_a_malformed_key_is_refused(harness: ChatHarness) -> None:
    with TestClient(harness.app()) as client:
        for key in ("short", "x" * 129, "has space in it", "slash/inside-key"):
            response = post(client, harness.headers(), {"message": "Hi"}, key=key)
            assert (response.status_code, response.json()["code"]) == (
                400,
                "invalid_idempotency_key",
            ), key


def test_a_refused_first_request_frees_its_key(harness: ChatHarness) -> None:
    harness.provider = ScriptedProvider()
    harness.chat_settings = ChatSettings(max_message_chars=10)
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        refused = post(client, headers, {"message": "Hi", "conversationId": "0" * 26})
        assert refused.json()["code"] == "conversation_not_found"
        again = post(client, headers, {"message": "Hi", "conversationId": "0" * 26})
        # Tried again (not replayed, not "in use"): the same refusal.
        assert again.json()["code"] == "conversation_not_found"


def test_an_expired_key_is_a_new_question(harness: ChatHarness) -> None:
    # DynamoDB deletes expired items lazily (moto never does): the claim checks the expiry.
    provider = ScriptedProvider()
    harness.provider = provider
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        first = answer_of(post(client, headers, {"message": "Hello"}).text)[0]
        dynamodb(harness.resources).update_item(
            TableName=harness.resources.tables["conversations"],
            Key={"pk": {"S": "acme#USER#user-1"}, "sk": {"S": f"IDEM#{KEY}"}},
            UpdateExpression="SET expiresAt = :past",
            ExpressionAttributeValues={":past": {"N": "1"}},
        )
        again = answer_of(post(client, headers, {"message": "Hello"}).text)[0]
        assert again["conversationId"] != first["conversationId"]
        assert len(provider.requests) == 2
