"""What a user does while an answer is being written (decision 0114) never loses their own
writes: a rating given before the answer ends is kept by its final save."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from engageiq_chat.settings import ChatSettings
from engageiq_chat.turns import follow
from engageiq_tenancy.context import Role as TenantRole
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.items import from_item
from tests.integration.chat.test_resume import (
    in_thread,
    post_chat,
    slow,
    stored_answer,
    streaming_answer,
)
from tests.support.chat import ChatHarness, dynamodb


@pytest.fixture
def fast_checkpoints(harness: ChatHarness) -> ChatHarness:
    harness.chat_settings = ChatSettings(checkpoint_seconds=0.1)
    return harness


def test_a_rating_given_while_the_answer_is_written_survives_its_final_save(
    fast_checkpoints: ChatHarness,
) -> None:
    harness = fast_checkpoints
    harness.provider = slow()
    headers = harness.headers()
    with TestClient(harness.app()) as client:
        thread, original = in_thread(lambda: post_chat(client, headers, "count for me"))
        cid, mid, _ = streaming_answer(harness)
        rated = client.put(
            f"/api/conversations/{cid}/messages/{mid}/feedback",
            json={"rating": "down", "reason": "too slow"},
            headers=headers,
        )
        thread.join(timeout=30)
        stored = stored_answer(client, headers, cid)
    assert rated.status_code == 200, rated.text
    assert original[0][-1].event == "done"
    assert stored["status"] == "complete"
    assert stored["feedback"]["rating"] == "down"
    assert stored["feedback"]["reason"] == "too slow"


def test_an_answer_searched_while_written_is_found_by_its_last_words_once_finished(
    fast_checkpoints: ChatHarness,
) -> None:
    harness = fast_checkpoints
    harness.provider = slow()
    headers = harness.headers()
    with TestClient(harness.app()) as client:
        thread, _ = in_thread(lambda: post_chat(client, headers, "count for me"))
        cid, _, _ = streaming_answer(harness, min_chars=20)
        during = client.get("/api/conversations", params={"q": "word39"}, headers=headers)
        thread.join(timeout=30)
        after = client.get("/api/conversations", params={"q": "word39"}, headers=headers)
    assert during.status_code == 200, during.text
    assert during.json()["conversations"] == []
    assert [c["id"] for c in after.json()["conversations"]] == [cid]


def test_a_conversation_deleted_while_its_answer_is_written_leaves_nothing(
    fast_checkpoints: ChatHarness,
) -> None:
    harness = fast_checkpoints
    harness.provider = slow()
    headers = harness.headers()
    with TestClient(harness.app()) as client:
        thread, _ = in_thread(lambda: post_chat(client, headers, "count for me"))
        cid, _, _ = streaming_answer(harness)
        deleted = client.delete(f"/api/conversations/{cid}", headers=headers)
        thread.join(timeout=30)
        listed = client.get("/api/conversations", headers=headers)
        searched = client.get("/api/conversations", params={"q": "word1"}, headers=headers)
    assert deleted.status_code == 204, deleted.text
    items = dynamodb(harness.resources).scan(TableName=harness.resources.tables["conversations"])
    left = [i for i in map(from_item, items["Items"]) if cid in str(i.get("sk", ""))]
    assert left == []
    assert listed.json()["conversations"] == []
    assert searched.json()["conversations"] == []


def test_a_user_follows_a_bounded_number_of_answers_at_once_and_gets_slots_back(
    fast_checkpoints: ChatHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the bound a resume is 429 `too_many_readers` with Retry-After (each reader may
    poll storage twice a second); a reader that ends gives its slot back."""
    monkeypatch.setattr(follow, "MAX_READERS_PER_USER", 1)
    harness = fast_checkpoints
    harness.provider = slow()
    headers = harness.headers()
    with TestClient(harness.app()) as client:
        thread, _ = in_thread(lambda: post_chat(client, headers, "count for me"))
        cid, mid, _ = streaming_answer(harness)
        url = f"/api/conversations/{cid}/messages/{mid}/stream"
        readers = [in_thread(lambda: client.get(url, headers=headers)) for _ in range(2)]
        for reader, _ in readers:
            reader.join(timeout=30)
        thread.join(timeout=30)
        again = client.get(url, headers=headers)
    answers = sorted((r[0] for _, r in readers), key=lambda r: r.status_code)
    assert [r.status_code for r in answers] == [200, 429]
    assert answers[1].json()["code"] == "too_many_readers"
    assert answers[1].headers["retry-after"] == "5"
    assert again.status_code == 200, again.text


def test_a_slot_never_given_back_lapses() -> None:
    slots = follow.ReaderSlots(limit=1)
    acme = TenantContext("acme", "user-1", "user-1", frozenset({TenantRole.MEMBER}))
    slots.take(acme, lapse_seconds=0.0)  # its response never started: never given back
    slots.take(acme, lapse_seconds=60.0)
    with pytest.raises(follow.TooManyReaders):
        slots.take(acme, lapse_seconds=60.0)
    other = TenantContext("acme", "user-2", "user-2", frozenset({TenantRole.MEMBER}))
    slots.take(other, lapse_seconds=60.0)
