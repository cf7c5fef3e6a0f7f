"""Conversation titles are cleaned by the one sanitiser, whether set by PATCH or taken from the
first message; the length rule counts what is left (engageiq_tenancy.display_text)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from tests.support.chat import ChatHarness, chat


@pytest.mark.parametrize(
    ("title", "stored"),
    [
        ("Q3 \u202eplan", "Q3 plan"),
        ("zero\u200bwidth", "zerowidth"),
        ("esc\x1b[2Jnul\x00", "esc[2Jnul"),
        ("  Renewal \n\t Acme  ", "Renewal Acme"),
    ],
)
def test_a_patched_title_is_cleaned(harness: ChatHarness, title: str, stored: str) -> None:
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        cid = chat(client, headers, "hello")[0].data["conversationId"]
        renamed = client.patch(f"/api/conversations/{cid}", json={"title": title}, headers=headers)
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["title"] == stored
        listed = client.get("/api/conversations", headers=headers).json()["conversations"]
        assert listed[0]["title"] == stored


@pytest.mark.parametrize("title", ["\u200b", "\u202e\u2066", "\x00\x1b", "\u3164", " "])
def test_a_title_with_nothing_visible_is_invalid(harness: ChatHarness, title: str) -> None:
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        cid = chat(client, headers, "hello")[0].data["conversationId"]
        refused = client.patch(f"/api/conversations/{cid}", json={"title": title}, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (400, "invalid_title")


def test_the_first_message_title_is_cleaned_and_cut_at_a_character(harness: ChatHarness) -> None:
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        message = "\u202eBonjour " + "🇫🇷" * 60
        chat(client, headers, message)
        title = client.get("/api/conversations", headers=headers).json()["conversations"][0][
            "title"
        ]
        assert "\u202e" not in title
        assert title.startswith("Bonjour 🇫🇷")
        assert title.endswith("🇫🇷…")  # flags kept whole: never half a flag before the marker
        assert len(title) <= 80
