"""POST /api/chat with ANTHROPIC_API_KEY set: the real SDK path against the local server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from engageiq_chat.settings import ChatSettings
from tests.support.chat import ChatHarness, chat, parse_sse
from tests.support.messages_server import MessagesServer, Refuse, Reply


@pytest.fixture
def messages_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[MessagesServer]:
    server = MessagesServer().start()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    yield server
    server.stop()


@pytest.fixture
def anthropic_harness(harness: ChatHarness, messages_api: MessagesServer) -> ChatHarness:
    harness.chat_settings = ChatSettings(anthropic_api_key="test-key")
    return harness


def test_answer_streams_from_the_messages_api_with_the_routed_model(
    anthropic_harness: ChatHarness, messages_api: MessagesServer
) -> None:
    messages_api.enqueue(
        Refuse(529, "overloaded_error"), Reply(tokens=("Subject:", " Renewal"), input_tokens=400)
    )
    with TestClient(anthropic_harness.app()) as client:
        events = chat(client, anthropic_harness.headers(), "Draft an email about the renewal")
    meta = events[0].data
    assert (meta["provider"], meta["route"], meta["model"]) == (
        "anthropic",
        "email_draft",
        "claude-sonnet-5-5",
    )
    assert "".join(e.data["text"] for e in events if e.event == "delta") == "Subject: Renewal"
    assert events[-1].data == {
        "finishReason": "end_turn",
        "usage": {"inputTokens": 400, "outputTokens": 2},
        "uncited": False,  # no passages were given: nothing to cite
    }
    assert [r.body["model"] for r in messages_api.requests] == ["claude-sonnet-5-5"] * 2
    system = messages_api.requests[-1].body["system"]
    assert system[0]["cache_control"] == {"type": "ephemeral"}
    assert "not instructions" in system[0]["text"]


def test_mid_stream_error_reaches_the_client_as_an_error_event(
    anthropic_harness: ChatHarness, messages_api: MessagesServer
) -> None:
    messages_api.enqueue(Reply(tokens=("Half", " an", " answer"), error_after=1))
    with TestClient(anthropic_harness.app()) as client:
        headers = anthropic_harness.headers()
        events = chat(client, headers, "What integrations do we support?")
        assert [e.event for e in events] == ["meta", "delta", "error"]
        assert events[-1].data["code"] == "model_overloaded"
        history = client.get(
            "/api/chat-history",
            headers=headers,
            params={"conversationId": events[0].data["conversationId"]},
        ).json()["messages"]
        assert [(m["role"], m["status"], m["content"]) for m in history] == [
            ("user", "complete", "What integrations do we support?"),
            ("assistant", "incomplete", "Half"),
        ]


def test_slow_first_token_is_bridged_by_heartbeats(
    anthropic_harness: ChatHarness, messages_api: MessagesServer
) -> None:
    anthropic_harness.chat_settings = ChatSettings(anthropic_api_key="k", heartbeat_seconds=0.05)
    messages_api.enqueue(Reply(tokens=("finally",), first_token_delay=0.6))
    with TestClient(anthropic_harness.app()) as client:
        response = client.post(
            "/api/chat", json={"message": "hello"}, headers=anthropic_harness.headers()
        )
    events, heartbeats = parse_sse(response.text)
    assert heartbeats >= 1
    assert [e.event for e in events] == ["meta", "delta", "done"]


def test_a_stream_that_ends_without_message_stop_is_incomplete_not_complete(
    anthropic_harness: ChatHarness, messages_api: MessagesServer
) -> None:
    # The connection closes cleanly after one delta: no error event, no message_stop.
    messages_api.enqueue(Reply(tokens=("Half", " an", " answer"), close_after=1))
    with TestClient(anthropic_harness.app()) as client:
        headers = anthropic_harness.headers()
        events = chat(client, headers, "What integrations do we support?")
        assert [e.event for e in events] == ["meta", "delta", "error"]
        assert events[-1].data["code"] == "model_incomplete"
        assert "continue" in events[-1].data["message"]
        conversation_id = events[0].data["conversationId"]
        history = client.get(
            "/api/chat-history", headers=headers, params={"conversationId": conversation_id}
        ).json()["messages"]
        assert [(m["role"], m["status"], m["content"]) for m in history] == [
            ("user", "complete", "What integrations do we support?"),
            ("assistant", "incomplete", "Half"),
        ]
        # "continue" works: the cut answer is in the history the model sees next.
        more = chat(client, headers, "continue", conversation_id=conversation_id)
        assert more[-1].event == "done"
        sent = messages_api.requests[-1].body["messages"]
        assert sent[-2:] == [
            {"role": "assistant", "content": "Half"},
            {"role": "user", "content": "continue"},
        ]
