"""POST /api/chat end to end in process: events, memory in DynamoDB, failures."""

from __future__ import annotations

from litestar.testing import TestClient

from engageiq_chat.settings import ChatSettings
from tests.support.chat import ChatHarness, ScriptedProvider, chat, dynamodb, parse_sse


def test_offline_turn_streams_meta_deltas_done_and_is_remembered(harness: ChatHarness) -> None:
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        events = chat(client, headers, "What does the pricing of the Pro plan include?")
        names = [e.event for e in events]
        assert names[0] == "meta"
        assert names[-1] == "done"
        assert "delta" in names
        meta = events[0].data
        assert meta["provider"] == "offline"
        assert meta["route"] == "product_question"
        assert meta["model"] == "claude-haiku-5-5"
        answer = "".join(e.data["text"] for e in events if e.event == "delta")
        assert "pricing of the Pro plan" in answer
        done = events[-1].data
        assert done["finishReason"] == "end_turn"
        assert done["usage"]["inputTokens"] > 0
        assert done["usage"]["outputTokens"] > 0

        history = client.get(
            "/api/chat-history", params={"conversationId": meta["conversationId"]}, headers=headers
        )
        assert history.status_code == 200
        messages = history.json()["messages"]
        assert [m["id"] for m in messages] == [meta["userMessageId"], meta["assistantMessageId"]]
        assert [m["role"] for m in messages] == ["user", "assistant"]
        assert [m["status"] for m in messages] == ["complete", "complete"]
        assert messages[1]["content"] == answer
        assert all(m["route"] == "product_question" for m in messages)


def test_follow_up_reuses_the_conversation_and_sends_history(harness: ChatHarness) -> None:
    provider = ScriptedProvider()
    harness.provider = provider
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        first = chat(client, headers, "Draft an email to Dana about the renewal")
        cid = first[0].data["conversationId"]
        second = chat(client, headers, "Make it shorter", conversation_id=cid)
        assert second[0].data["conversationId"] == cid
        sent = provider.requests[-1].messages
        assert [m.role for m in sent] == ["user", "assistant", "user"]
        assert sent[0].content == "Draft an email to Dana about the renewal"
        assert sent[1].content == "One two three."
        listing = client.get("/api/conversations", headers=headers).json()
        assert listing["conversations"][0]["id"] == cid
        assert listing["conversations"][0]["messageCount"] == 4


def test_tenant_id_in_the_body_is_refused(harness: ChatHarness) -> None:
    with TestClient(harness.app()) as client:
        response = client.post(
            "/api/chat", json={"message": "hi", "tenantId": "other"}, headers=harness.headers()
        )
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_request"


def test_too_long_and_empty_messages_are_refused_before_anything_is_stored(
    harness: ChatHarness,
) -> None:
    harness.chat_settings = ChatSettings(max_message_chars=100)
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        too_long = client.post("/api/chat", json={"message": "x" * 101}, headers=headers)
        assert too_long.status_code == 413
        assert too_long.json()["code"] == "message_too_long"
        empty = client.post("/api/chat", json={"message": "   "}, headers=headers)
        assert empty.status_code == 400
        assert empty.json()["code"] == "empty_message"
        assert client.get("/api/conversations", headers=headers).json()["conversations"] == []


def test_mid_stream_model_error_keeps_user_message_and_saves_partial_answer(
    harness: ChatHarness,
) -> None:
    harness.provider = ScriptedProvider(tokens=("Partial", " answer", " never"), fail_after=2)
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        events = chat(client, headers, "Tell me about security")
        assert [e.event for e in events] == ["meta", "delta", "delta", "error"]
        assert events[-1].data == {
            "code": "model_overloaded",
            "message": "The model is overloaded.",
        }
        history = client.get(
            "/api/chat-history",
            headers=headers,
            params={"conversationId": events[0].data["conversationId"]},
        ).json()
        user, assistant = history["messages"]
        assert user["status"] == "complete"
        assert assistant["status"] == "incomplete"
        assert assistant["content"] == "Partial answer"


def test_error_before_any_text_marks_the_answer_failed(harness: ChatHarness) -> None:
    harness.provider = ScriptedProvider(fail_after=0)
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        events = chat(client, headers, "hello")
        assert [e.event for e in events] == ["meta", "error"]
        history = client.get(
            "/api/chat-history",
            headers=headers,
            params={"conversationId": events[0].data["conversationId"]},
        ).json()
        assert [m["status"] for m in history["messages"]] == ["complete", "failed"]


def test_stream_ends_with_length_limit_and_continue_resumes(harness: ChatHarness) -> None:
    # The provider needs 4 x 0.2 s; the stream may last 0.3 s: it must stop early and cleanly.
    harness.provider = ScriptedProvider(tokens=("a", "b", "c", "d"), pause=0.2)
    harness.chat_settings = ChatSettings(stream_max_seconds=0.3, heartbeat_seconds=5)
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        events = chat(client, headers, "Prepare my discovery call with Initech")
        assert events[-1].event == "done"
        assert events[-1].data["finishReason"] == "length_limit"
        cid = events[0].data["conversationId"]
        history = client.get(
            "/api/chat-history", headers=headers, params={"conversationId": cid}
        ).json()
        assert history["messages"][-1]["status"] in ("incomplete", "failed")
        # "continue" keeps the previous route (call_prep), not the classifier's "general".
        follow = chat(client, headers, "continue", conversation_id=cid)
        assert follow[0].data["route"] == "call_prep"


def test_heartbeats_flow_while_the_first_token_is_slow(harness: ChatHarness) -> None:
    harness.provider = ScriptedProvider(tokens=("late",), pause=0.5)
    harness.chat_settings = ChatSettings(heartbeat_seconds=0.05)
    with TestClient(harness.app()) as client:
        response = client.post("/api/chat", json={"message": "hi"}, headers=harness.headers())
        events, heartbeats = parse_sse(response.text)
        assert heartbeats >= 1
        assert [e.event for e in events] == ["meta", "delta", "done"]


def test_unknown_conversation_is_404_and_nothing_is_stored(harness: ChatHarness) -> None:
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        for cid in ("doesnotexist", "../etc", "a" * 65):
            response = client.post(
                "/api/chat", json={"message": "hi", "conversationId": cid}, headers=headers
            )
            assert response.status_code == 404
            assert response.json()["code"] == "conversation_not_found"
    items = dynamodb(harness.resources).query(
        TableName=harness.resources.tables["conversations"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "acme#USER#user-1"}},
    )["Items"]
    assert items == []
