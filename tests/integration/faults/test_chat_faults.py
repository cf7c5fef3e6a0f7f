"""Chat under faults: the model provider failing (overloaded, 5xx, rate limited, a reset or a
malformed event mid-stream) and DynamoDB throttling or failing around a turn. The user's
message is kept once they were told it was (`meta`), a partial answer is saved with its
marker, the next turn works, and the stored data stays consistent."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq.local.aws import LocalResources
from engageiq_tenancy.errors import RETRY_AFTER_SECONDS
from tests.support.chat import ChatHarness, chat
from tests.support.fault_proxy import DROP, LOST_ANSWER, THROTTLED, UNAVAILABLE, Fault, FaultProxy
from tests.support.invariants import assert_tenant_consistent
from tests.support.messages_server import MessagesServer, Refuse, Reply
from tests.unit.files.support import wait_for

QUESTION = "What integrations do we support?"


def history(client: TestClient[Any], headers: dict[str, str], conversation: str) -> list[Any]:
    response = client.get(
        "/api/chat-history", headers=headers, params={"conversationId": conversation}
    )
    assert response.status_code == 200, response.text
    return [
        (m["role"], m["status"], m["content"], m.get("finishReason"))
        for m in response.json()["messages"]
    ]


@pytest.mark.parametrize(
    ("refusal", "code"),
    [
        (Refuse(529, "overloaded_error"), "model_overloaded"),
        (Refuse(500, "api_error"), "model_error"),
        (Refuse(429, "rate_limit_error"), "model_rate_limited"),
    ],
)
def test_a_provider_that_keeps_refusing_ends_in_an_error_event_and_keeps_the_message(
    chat_harness: ChatHarness,
    messages_api: MessagesServer,
    local_resources: LocalResources,
    refusal: Refuse,
    code: str,
) -> None:
    messages_api.enqueue(*[refusal] * 4)  # the first request and the SDK's 3 retries
    with TestClient(chat_harness.app()) as client:
        headers = chat_harness.headers()
        events = chat(client, headers, QUESTION)
        assert [e.event for e in events] == ["meta", "error"]
        assert events[-1].data["code"] == code
        assert len(messages_api.requests) == 4
        conversation = events[0].data["conversationId"]
        assert history(client, headers, conversation) == [
            ("user", "complete", QUESTION, None),
            ("assistant", "failed", "", "error"),
        ]
        # The next turn works, in the same conversation.
        again = chat(client, headers, "And the pricing?", conversation_id=conversation)
        assert again[-1].event == "done"
    assert_tenant_consistent(local_resources, "acme")


def test_a_burst_of_provider_refusals_is_retried_by_the_sdk(
    chat_harness: ChatHarness, messages_api: MessagesServer, local_resources: LocalResources
) -> None:
    messages_api.enqueue(Refuse(529, "overloaded_error"), Refuse(500, "api_error"), Reply())
    with TestClient(chat_harness.app()) as client:
        events = chat(client, chat_harness.headers(), QUESTION)
    assert [e.event for e in events][-1] == "done"
    assert len(messages_api.requests) == 3
    assert_tenant_consistent(local_resources, "acme")


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (Reply(tokens=("Half", " an", " answer"), reset_after=1), "model_unavailable"),
        (Reply(tokens=("Half", " an", " answer"), malformed_after=1), "model_error"),
        (Reply(tokens=("Half", " an", " answer"), error_after=1), "model_overloaded"),
    ],
    ids=["connection-reset", "malformed-event", "error-event"],
)
def test_a_stream_broken_mid_answer_saves_the_part_with_its_marker(
    chat_harness: ChatHarness,
    messages_api: MessagesServer,
    local_resources: LocalResources,
    reply: Reply,
    code: str,
) -> None:
    messages_api.enqueue(reply)
    with TestClient(chat_harness.app()) as client:
        headers = chat_harness.headers()
        events = chat(client, headers, QUESTION)
        assert [e.event for e in events] == ["meta", "delta", "error"]
        assert events[-1].data["code"] == code
        assert "Half" not in events[-1].data["message"]
        conversation = events[0].data["conversationId"]
        assert history(client, headers, conversation) == [
            ("user", "complete", QUESTION, None),
            ("assistant", "incomplete", "Half", "error"),
        ]
        assert chat(client, headers, "continue", conversation_id=conversation)[-1].event == "done"
    assert_tenant_consistent(local_resources, "acme")


def signed_in(client: TestClient[Litestar], headers: dict[str, str]) -> None:
    """The session's first request, its sign-in in the audit log (decision 0119), made before
    a fault is injected: the faults below are meant for the turn's own writes."""
    assert client.get("/api/me", headers=headers).status_code == 200


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["code"] == "service_unavailable"


def test_storage_throttling_before_the_turn_is_a_503_and_stores_nothing(
    chat_harness: ChatHarness,
    proxy: FaultProxy,
    messages_api: MessagesServer,
    local_resources: LocalResources,
) -> None:
    with TestClient(chat_harness.app()) as client:
        headers = chat_harness.headers()
        signed_in(client, headers)
        proxy.inject(Fault("dynamodb", THROTTLED["dynamodb"], operation="TransactWriteItems"))
        response = client.post("/api/chat", json={"message": QUESTION}, headers=headers)
        assert_unavailable(response)
        # botocore's 4 attempts, not multiplied by a retry loop of our own (which kept the
        # user waiting some 20 s for this answer).
        assert len(proxy.injected("dynamodb", "TransactWriteItems")) == 4
        assert messages_api.requests == []  # the model is never asked for an unsaved turn
        proxy.clear()
        assert client.get("/api/conversations", headers=headers).json()["conversations"] == []
        assert chat(client, headers, QUESTION)[-1].event == "done"
    assert_tenant_consistent(local_resources, "acme")


def test_a_burst_of_storage_faults_around_a_turn_is_invisible(
    chat_harness: ChatHarness, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    proxy.inject(
        Fault("dynamodb", THROTTLED["dynamodb"], operation="TransactWriteItems", times=3),
        Fault("dynamodb", UNAVAILABLE, operation="GetItem", times=2),
        Fault("dynamodb", DROP, operation="Query", times=2),
        Fault("dynamodb", LOST_ANSWER, operation="UpdateItem", times=1),
    )
    with TestClient(chat_harness.app()) as client:
        events = chat(client, chat_harness.headers(), QUESTION)
    assert events[-1].event == "done"
    assert proxy.injected()
    assert_tenant_consistent(local_resources, "acme")


def test_a_lost_answer_to_the_turn_write_does_not_store_the_message_twice(
    chat_harness: ChatHarness, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    proxy.inject(Fault("dynamodb", LOST_ANSWER, operation="TransactWriteItems", times=2))
    with TestClient(chat_harness.app()) as client:
        headers = chat_harness.headers()
        events = chat(client, headers, QUESTION)
        assert events[-1].event == "done", events[-1]
        conversation = events[0].data["conversationId"]
        assert [m[0] for m in history(client, headers, conversation)] == ["user", "assistant"]
    assert len(proxy.injected("dynamodb", "TransactWriteItems")) == 2
    assert_tenant_consistent(local_resources, "acme")


def test_when_the_answer_cannot_be_saved_the_stream_says_so_and_the_question_stays(
    chat_harness: ChatHarness, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    # A short lease: the answer whose final save failed is seen as cut off within the test.
    chat_harness.chat_settings = dataclasses.replace(
        chat_harness.chat_settings, answer_lease_seconds=1.0
    )
    with TestClient(chat_harness.app()) as client:
        headers = chat_harness.headers()
        signed_in(client, headers)
        # The turn's first transaction (the question) passes; the answer's save fails.
        proxy.inject(
            Fault("dynamodb", UNAVAILABLE, operation="TransactWriteItems", skip=1, times=24)
        )
        events = chat(client, headers, QUESTION)
        proxy.clear()
        assert (events[0].event, events[-1].event) == ("meta", "error")
        assert "done" not in [e.event for e in events]
        assert events[-1].data["code"] == "storage_unavailable"
        conversation = events[0].data["conversationId"]
        # What the user was told was stored (the question, in `meta`) is there; the answer
        # as last checkpointed (decision 0114) reads as cut off once its lease has run out.
        wait_for(lambda: history(client, headers, conversation)[-1][1] != "streaming")
        question, answer = history(client, headers, conversation)
        assert question == ("user", "complete", QUESTION, None)
        assert answer[0] == "assistant"
        assert (answer[1], answer[3]) in {("failed", "interrupted"), ("incomplete", "interrupted")}
        assert chat(client, headers, "again", conversation_id=conversation)[-1].event == "done"
    assert_tenant_consistent(local_resources, "acme")
