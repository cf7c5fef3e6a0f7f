"""What a user does while an answer is being written (decision 0114) never loses their own
writes: a rating given before the answer ends is kept by its final save."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from engageiq_chat.settings import ChatSettings
from tests.integration.chat.test_resume import (
    in_thread,
    post_chat,
    slow,
    stored_answer,
    streaming_answer,
)
from tests.support.chat import ChatHarness


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
