"""Answers outlive their connection (decision 0114): the resume endpoint follows an answer from
where a client was, on the generating instance (from memory) and on another one (from the
checkpoints); two readers see the same answer; a finished answer resumes as stored; Stop
works across instances; an answer whose generator died reads as incomplete and continues;
another user's or tenant's answer is a message that does not exist."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_chat.conversations.keys import now_iso
from engageiq_chat.ids import new_id
from engageiq_chat.messages.model import (
    LEASE_SECONDS,
    Citation,
    MessageStatus,
    Role,
    StoredMessage,
    epoch_ms,
)
from engageiq_chat.services import ChatServices
from engageiq_chat.settings import ChatSettings
from engageiq_chat.turns.turn import ChatTurns
from engageiq_tenancy.context import Role as TenantRole
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.items import from_item
from tests.support.chat import (
    ChatHarness,
    ScriptedProvider,
    SseEvent,
    dynamodb,
    parse_sse,
    service_settings,
)

ACME = TenantContext("acme", "user-1", "user-1", frozenset({TenantRole.MEMBER}))
TOKENS = [f"word{i} " for i in range(40)]


def slow(pause: float = 0.05, tokens: list[str] = TOKENS) -> ScriptedProvider:
    return ScriptedProvider(tokens=tokens, pause=pause)


def resume_url(cid: str, mid: str) -> str:
    return f"/api/conversations/{cid}/messages/{mid}/stream"


def text_of(events: list[SseEvent]) -> str:
    return "".join(e.data["text"] for e in events if e.event == "delta")


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    return thread, out


def streaming_answer(harness: ChatHarness, min_chars: int = 1) -> tuple[str, str, int]:
    """The conversation and id of the answer being written, once a checkpoint holds
    `min_chars` of it, and its length then."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        items = dynamodb(harness.resources).scan(
            TableName=harness.resources.tables["conversations"]
        )["Items"]
        for item in map(from_item, items):
            content = str(item.get("content", ""))
            if (
                item.get("role") == "assistant"
                and item.get("status") == "streaming"
                and len(content) >= min_chars
            ):
                return str(item["conversationId"]), str(item["id"]), len(content)
        time.sleep(0.05)
    raise AssertionError("no answer was being written")


def stored_answer(client: TestClient[Litestar], headers: dict[str, str], cid: str) -> Any:
    response = client.get("/api/chat-history", params={"conversationId": cid}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["messages"][-1]


def post_chat(client: TestClient[Litestar], headers: dict[str, str], message: str) -> Any:
    response = client.post("/api/chat", json={"message": message}, headers=headers)
    assert response.status_code == 200, response.text
    return parse_sse(response.text)[0]


def get_resume(
    client: TestClient[Litestar], headers: dict[str, str], cid: str, mid: str, **extra: str
) -> list[SseEvent]:
    response = client.get(resume_url(cid, mid), headers={**headers, **extra})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse_sse(response.text)[0]


@pytest.fixture
def fast_checkpoints(harness: ChatHarness) -> ChatHarness:
    harness.chat_settings = ChatSettings(checkpoint_seconds=0.1)
    return harness


def test_two_readers_and_the_first_stream_see_the_same_answer_as_stored(
    fast_checkpoints: ChatHarness,
) -> None:
    harness = fast_checkpoints
    harness.provider = slow()
    headers = harness.headers()
    with TestClient(harness.app()) as client:
        first, original = in_thread(lambda: post_chat(client, headers, "count for me"))
        cid, mid, seen = streaming_answer(harness, min_chars=20)
        readers = [in_thread(lambda: get_resume(client, headers, cid, mid)) for _ in range(2)]
        # From memory, from a point inside a delta (not where an event ended).
        inside = seen + 3
        later = in_thread(
            lambda: get_resume(client, headers, cid, mid, **{"Last-Event-ID": str(inside)})
        )
        first.join()
        for thread, _ in [*readers, later]:
            thread.join()
        stored = stored_answer(client, headers, cid)
    streams = [original[0], readers[0][1][0], readers[1][1][0]]
    assert stored["content"].strip() == "".join(TOKENS).strip()
    for events in streams:
        assert text_of(events) == stored["content"]
        assert events[-1].event == "done"
        assert events[-1].data["finishReason"] == "end_turn"
        # Every event but heartbeats says where the text stands: the last is its length.
        assert events[-1].id == str(len(stored["content"]))
    assert text_of(later[1][0]) == stored["content"][inside:]
    for events in streams[1:]:
        assert events[0].data["assistantMessageId"] == mid
        # Followed live: the text arrived in more than one piece.
        assert sum(e.event == "delta" for e in events) > 1


def test_a_reader_on_another_instance_follows_the_checkpoints_from_its_last_event(
    fast_checkpoints: ChatHarness,
) -> None:
    harness = fast_checkpoints
    harness.provider = slow()
    headers = harness.headers()
    with TestClient(harness.app()) as generating, TestClient(harness.app()) as other:
        first, _ = in_thread(lambda: post_chat(generating, headers, "count for me"))
        cid, mid, seen = streaming_answer(harness, min_chars=20)
        events = get_resume(other, headers, cid, mid, **{"Last-Event-ID": str(seen)})
        first.join()
        stored = stored_answer(other, headers, cid)
    assert events[0].event == "meta"
    assert events[0].data["conversationId"] == cid
    assert text_of(events) == stored["content"][seen:]
    assert events[-1].event == "done"
    assert events[-1].id == str(len(stored["content"]))


def test_a_finished_answer_resumes_as_stored(harness: ChatHarness) -> None:
    harness.provider = ScriptedProvider()
    headers = harness.headers()
    with TestClient(harness.app()) as client:
        original = post_chat(client, headers, "hello")
        cid, mid = original[0].data["conversationId"], original[0].data["assistantMessageId"]
        whole = get_resume(client, headers, cid, mid)
        rest = get_resume(client, headers, cid, mid, **{"Last-Event-ID": "4"})
        by_query = client.get(resume_url(cid, mid), params={"after": 4}, headers=headers)
        stored = stored_answer(client, headers, cid)
    assert [e.event for e in whole] == ["meta", "delta", "done"]
    assert whole[0].data == original[0].data
    assert text_of(whole) == stored["content"] == text_of(original)
    assert whole[-1].data == original[-1].data
    assert text_of(rest) == stored["content"][4:]
    assert parse_sse(by_query.text)[0] == rest


def test_another_users_or_tenants_answer_is_one_that_does_not_exist(harness: ChatHarness) -> None:
    harness.provider = ScriptedProvider()
    with TestClient(harness.app()) as client:
        original = post_chat(client, harness.headers(), "hello")
        cid, mid = original[0].data["conversationId"], original[0].data["assistantMessageId"]
        answers = []
        for headers, (c, m) in [
            (harness.headers("acme", "user-2"), (cid, mid)),
            (harness.headers("globex", "user-1"), (cid, mid)),
            (harness.headers(), (cid, new_id())),
            (harness.headers(), (cid, "not an id")),
        ]:
            resumed = client.get(resume_url(c, m), headers=headers)
            stopped = client.post(
                "/api/chat/stop", json={"conversationId": c, "messageId": m}, headers=headers
            )
            answers += [resumed, stopped]
        bad_id = client.get(
            resume_url(cid, mid), headers={**harness.headers(), "Last-Event-ID": "x1"}
        )
    for response in answers:
        assert response.status_code == 404
        body = response.json()
        assert (body["code"], body["message"]) == (
            "message_not_found",
            "No such answer in this conversation.",
        )
    assert (bad_id.status_code, bad_id.json()["code"]) == (400, "invalid_request")


@pytest.mark.parametrize("where", ["same_instance", "other_instance"])
def test_stop_stops_the_model_and_continue_picks_the_answer_up(
    fast_checkpoints: ChatHarness, where: str
) -> None:
    harness = fast_checkpoints
    provider = slow(pause=0.05, tokens=[f"tick{i} " for i in range(200)])  # 10 s of answer
    harness.provider = provider
    headers = harness.headers()
    with TestClient(harness.app()) as generating, TestClient(harness.app()) as other:
        stopper = generating if where == "same_instance" else other
        first, original = in_thread(lambda: post_chat(generating, headers, "count"))
        cid, mid, _ = streaming_answer(harness, min_chars=20)
        started = time.monotonic()
        response = stopper.post(
            "/api/chat/stop", json={"conversationId": cid, "messageId": mid}, headers=headers
        )
        assert response.status_code == 204, response.text
        first.join()
        took = time.monotonic() - started
        stopped = stored_answer(generating, headers, cid)
        # Nothing left to stop: still 204.
        again = stopper.post(
            "/api/chat/stop", json={"conversationId": cid, "messageId": mid}, headers=headers
        )
        continued = generating.post(
            "/api/chat/continue", json={"conversationId": cid, "messageId": mid}, headers=headers
        )
        whole = stored_answer(generating, headers, cid)
    assert provider.cancelled
    assert took < 3, "the model was not stopped soon"
    assert original[0][-1].event == "done"
    assert original[0][-1].data["finishReason"] == "stopped"
    assert (stopped["status"], stopped["finishReason"]) == ("incomplete", "stopped")
    assert text_of(original[0]) == stopped["content"]
    assert again.status_code == 204
    assert continued.status_code == 200
    assert parse_sse(continued.text)[0][-1].event == "done"
    assert whole["content"].startswith(stopped["content"])
    assert len(whole["content"]) > len(stopped["content"])


def question_and_streaming_answer(
    cid: str, asked: str, answered: str, **answer_fields: Any
) -> tuple[StoredMessage, StoredMessage]:
    """A question and its answer as a turn stores them while the answer is `streaming`;
    `answer_fields` (checkpoint, stream id, provider) are the answer's."""
    question = StoredMessage(
        id=new_id(),
        conversation_id=cid,
        role=Role.USER,
        content=asked,
        created_at=now_iso(),
        status=MessageStatus.COMPLETE,
        route="general",
    )
    answer = StoredMessage(
        id=new_id(),
        conversation_id=cid,
        role=Role.ASSISTANT,
        content=answered,
        created_at=question.created_at,
        status=MessageStatus.STREAMING,
        route="general",
        **answer_fields,
    )
    return question, answer


def dead_generator_answer(harness: ChatHarness, *, seconds_ago: float) -> tuple[str, str]:
    """A question and its answer left `streaming` by a generator whose last checkpoint was
    `seconds_ago` (as an instance killed mid-answer leaves it)."""
    services = ChatServices.build(service_settings(harness.resources), ChatSettings())
    cid = new_id()
    question, answer = question_and_streaming_answer(
        cid,
        "tell me a story",
        "Once upon a time",
        provider="offline",
        checkpoint_at=epoch_ms(time.time() - seconds_ago),
        stream_id=new_id(),
    )
    asyncio.run(
        services.messages.add(ACME, question, new_conversation=True, title="t", answer=answer)
    )
    return cid, answer.id


def test_an_answer_whose_generator_died_reads_incomplete_and_continues(
    harness: ChatHarness,
) -> None:
    harness.provider = ScriptedProvider(tokens=(" there", " was a rep."))
    headers = harness.headers()
    cid, mid = dead_generator_answer(harness, seconds_ago=LEASE_SECONDS + 1)
    with TestClient(harness.app()) as client:
        seen = stored_answer(client, headers, cid)
        resumed = get_resume(client, headers, cid, mid)
        continued = client.post(
            "/api/chat/continue", json={"conversationId": cid, "messageId": mid}, headers=headers
        )
        whole = stored_answer(client, headers, cid)
    assert (seen["status"], seen["finishReason"]) == ("incomplete", "interrupted")
    assert text_of(resumed) == "Once upon a time"
    assert resumed[-1].event == "done"
    assert resumed[-1].data["finishReason"] == "interrupted"
    assert continued.status_code == 200, continued.text
    assert (whole["status"], whole["content"]) == ("complete", "Once upon a time there was a rep.")


def test_an_answer_being_written_cannot_be_continued(harness: ChatHarness) -> None:
    harness.provider = ScriptedProvider()
    headers = harness.headers()
    cid, mid = dead_generator_answer(harness, seconds_ago=1)
    with TestClient(harness.app()) as client:
        seen = stored_answer(client, headers, cid)
        continued = client.post(
            "/api/chat/continue", json={"conversationId": cid, "messageId": mid}, headers=headers
        )
    assert seen["status"] == "streaming"
    assert (continued.status_code, continued.json()["code"]) == (409, "nothing_to_continue")


def test_checkpoints_are_bounded_by_the_interval(harness: ChatHarness) -> None:
    """The extra writes of a turn: one checkpoint per `checkpoint_seconds` while the text
    grows (decision 0114 measures them)."""
    provider = slow(pause=0.05)  # 40 tokens: 2 s
    services = ChatServices.build(
        service_settings(harness.resources), ChatSettings(checkpoint_seconds=0.5), provider=provider
    )

    async def run() -> tuple[int, float]:
        turn = await ChatTurns(services).start(ACME, "count", None)
        started = time.monotonic()
        async for _ in turn.events():
            pass
        return turn.checkpoints, time.monotonic() - started

    checkpoints, seconds = asyncio.run(run())
    assert 1 <= checkpoints <= seconds / 0.5 + 1


def test_a_checkpoint_without_sources_keeps_the_stored_ones(harness: ChatHarness) -> None:
    """Checkpoints write the sources only after they changed (decision 0124): one without
    them renews the text and the lease and leaves the sources and passage count as stored."""
    services = ChatServices.build(service_settings(harness.resources), ChatSettings())
    owner, cid = new_id(), new_id()
    source = Citation(source_id=new_id(), title="pricing.pdf", snippet="Seats cost 10.")
    question, answer = question_and_streaming_answer(
        cid, "price?", "", checkpoint_at=epoch_ms(time.time()), stream_id=owner
    )
    at = epoch_ms(time.time())

    async def run() -> tuple[StoredMessage | None, StoredMessage | None]:
        messages = services.messages
        await messages.add(ACME, question, new_conversation=True, title="t", answer=answer)
        await messages.checkpoint(
            ACME,
            cid,
            answer.id,
            owner=owner,
            content="Seats",
            at=at,
            citations=[source],
            passages=3,
        )
        first = await messages.get(ACME, cid, answer.id)
        await messages.checkpoint(
            ACME, cid, answer.id, owner=owner, content="Seats cost 10 [1]", at=at + 1
        )
        return first, await messages.get(ACME, cid, answer.id)

    first, second = asyncio.run(run())
    assert first is not None
    assert second is not None
    assert (first.content, first.citations, first.passages) == ("Seats", [source], 3)
    assert (second.content, second.citations, second.passages) == ("Seats cost 10 [1]", [source], 3)
    assert (first.checkpoint_at, second.checkpoint_at) == (at, at + 1)
    assert second.status == MessageStatus.STREAMING


def test_at_shutdown_the_answers_being_written_are_saved_to_be_continued(
    harness: ChatHarness,
) -> None:
    provider = slow(pause=0.05, tokens=[f"tick{i} " for i in range(200)])
    services = ChatServices.build(
        service_settings(harness.resources), ChatSettings(), provider=provider
    )

    async def run() -> str:
        turn = await ChatTurns(services).start(ACME, "count", None)
        stream = turn.events()
        async for chunk in stream:
            if b"tick3 " in chunk:
                break
        await stream.aclose()  # the client is gone; the answer goes on
        assert len(services.live) == 1
        await services.live.settle(0.2)
        assert len(services.live) == 0
        return turn.user_message.conversation_id

    cid = asyncio.run(run())
    answer = asyncio.run(services.messages.recent(ACME, cid, 2))[-1]
    assert provider.cancelled
    assert (answer.status, answer.finish_reason) == (MessageStatus.INCOMPLETE, "interrupted")
    assert answer.content.startswith("tick0 tick1 tick2 tick3")
