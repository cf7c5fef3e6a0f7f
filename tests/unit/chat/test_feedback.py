"""Feedback on answers: PUT/DELETE .../messages/{messageId}/feedback, shown in the history.

Only the caller's own assistant messages take feedback; every other id answers 404
`message_not_found` exactly like one that never existed, and changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_chat.ids import new_id
from tests.support.chat import ChatHarness, ScriptedProvider, chat

OWNER = ("acme", "owner-1")
INTRUDERS = [("acme", "colleague-2"), ("globex", "owner-1"), ("globex", "someone-3")]


@pytest.fixture
def client(harness: ChatHarness) -> Iterator[TestClient[Litestar]]:
    harness.provider = ScriptedProvider()
    with TestClient(harness.app()) as test_client:
        yield test_client


def path(conversation_id: str, message_id: str) -> str:
    return f"/api/conversations/{conversation_id}/messages/{message_id}/feedback"


def answer(client: TestClient[Litestar], headers: dict[str, str]) -> tuple[str, str, str]:
    """A fresh conversation: its id, the user message's id and the answer's id."""
    meta = chat(client, headers, "What does the Pro plan cost?")[0].data
    return meta["conversationId"], meta["userMessageId"], meta["assistantMessageId"]


def history(
    client: TestClient[Litestar], headers: dict[str, str], cid: str
) -> dict[str, dict[str, Any]]:
    response = client.get("/api/chat-history", params={"conversationId": cid}, headers=headers)
    assert response.status_code == 200, response.text
    return {m["id"]: m for m in response.json()["messages"]}


def assert_not_found(response: Any) -> None:
    assert (response.status_code, response.json()["code"]) == (404, "message_not_found")
    assert response.json()["message"] == "No such answer in this conversation."


def test_rate_change_and_withdraw_an_answer(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    cid, user_mid, mid = answer(client, owner)

    before = history(client, owner, cid)
    assert before[mid]["feedback"] is None
    assert (before[mid]["provider"], before[mid]["finishReason"]) == ("scripted", "end_turn")
    assert (before[user_mid]["provider"], before[user_mid]["finishReason"]) == (None, None)

    up = client.put(path(cid, mid), json={"rating": "up", "reason": "Spot on"}, headers=owner)
    assert (up.status_code, up.json()) == (
        200,
        {"messageId": mid, "rating": "up", "reason": "Spot on"},
    )
    assert history(client, owner, cid)[mid]["feedback"] == {"rating": "up", "reason": "Spot on"}

    down = client.put(path(cid, mid), json={"rating": "down"}, headers=owner)
    assert down.json() == {"messageId": mid, "rating": "down", "reason": None}
    assert history(client, owner, cid)[mid]["feedback"] == {"rating": "down", "reason": None}

    assert client.delete(path(cid, mid), headers=owner).status_code == 204
    assert history(client, owner, cid)[mid]["feedback"] is None
    # Withdrawing twice is fine: the answer is still there, it just has no feedback.
    assert client.delete(path(cid, mid), headers=owner).status_code == 204


def test_reasons_are_one_line_of_visible_text(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    cid, _, mid = answer(client, owner)
    raw = "Wrong\u202e price\n\tand\x1b[31m\x00 tone\u200b "
    response = client.put(path(cid, mid), json={"rating": "down", "reason": raw}, headers=owner)
    assert response.json()["reason"] == "Wrong price and[31m tone"
    blank = client.put(path(cid, mid), json={"rating": "up", "reason": " \u200b\n "}, headers=owner)
    assert blank.json()["reason"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"rating": "sideways"}, "invalid_rating"),
        ({"rating": "UP"}, "invalid_rating"),
        ({"rating": "up", "reason": "x" * 501}, "reason_too_long"),
        ({"reason": "no rating"}, "invalid_request"),
        ({"rating": "up", "tenantId": "globex"}, "invalid_request"),
        ({"rating": 1}, "invalid_request"),
    ],
)
def test_invalid_input_is_refused_and_changes_nothing(
    harness: ChatHarness, client: TestClient[Litestar], body: dict[str, Any], code: str
) -> None:
    owner = harness.headers(*OWNER)
    cid, _, mid = answer(client, owner)
    client.put(path(cid, mid), json={"rating": "up", "reason": "kept"}, headers=owner)

    response = client.put(path(cid, mid), json=body, headers=owner)

    assert (response.status_code, response.json()["code"]) == (400, code)
    assert response.json()["message"]
    assert history(client, owner, cid)[mid]["feedback"] == {"rating": "up", "reason": "kept"}


def test_exactly_500_characters_of_reason_are_accepted(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    cid, _, mid = answer(client, owner)
    response = client.put(path(cid, mid), json={"rating": "up", "reason": "é" * 500}, headers=owner)
    assert response.status_code == 200
    assert response.json()["reason"] == "é" * 500


def test_user_messages_missing_and_malformed_ids_are_not_found(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    cid, user_mid, mid = answer(client, owner)
    for conversation_id, message_id in [
        (cid, user_mid),  # the user's own message: only answers are rated
        (cid, new_id()),
        (new_id(), mid),  # the right message under another conversation id
        (cid, "bad%23id"),
        ("x" * 65, mid),
    ]:
        assert_not_found(
            client.put(path(conversation_id, message_id), json={"rating": "up"}, headers=owner)
        )
        assert_not_found(client.delete(path(conversation_id, message_id), headers=owner))


def test_other_users_and_tenants_get_404_like_a_missing_id_and_change_nothing(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    cid, _, mid = answer(client, owner)
    client.put(path(cid, mid), json={"rating": "up", "reason": "mine"}, headers=owner)
    for intruder in INTRUDERS:
        headers = harness.headers(*intruder)
        theirs = client.put(path(cid, mid), json={"rating": "down"}, headers=headers)
        missing = client.put(path(new_id(), new_id()), json={"rating": "down"}, headers=headers)
        assert_not_found(theirs)
        assert_not_found(missing)
        assert_not_found(client.delete(path(cid, mid), headers=headers))
    assert history(client, owner, cid)[mid]["feedback"] == {"rating": "up", "reason": "mine"}


def test_a_deleted_conversation_takes_no_feedback(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    owner = harness.headers(*OWNER)
    cid, _, mid = answer(client, owner)
    assert client.delete(f"/api/conversations/{cid}", headers=owner).status_code == 204
    assert_not_found(client.put(path(cid, mid), json={"rating": "up"}, headers=owner))


def test_the_openapi_document_lists_the_error_statuses(client: TestClient[Litestar]) -> None:
    document = client.get("/api/chat/docs/openapi.json").json()
    route = document["paths"]["/api/conversations/{conversation_id}/messages/{message_id}/feedback"]
    assert {"200", "400", "403", "404"} <= set(route["put"]["responses"])
    assert {"204", "403", "404"} <= set(route["delete"]["responses"])
    assert "message_not_found" in route["put"]["responses"]["404"]["description"]


_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
_IDS = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789_-", min_size=1, max_size=70),
    st.text(max_size=20),
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    intruder=st.sampled_from(INTRUDERS),
    conversation_id=st.one_of(st.just("OWN"), _IDS),
    message_id=st.one_of(st.just("OWN"), _IDS),
    rating=st.sampled_from(["up", "down"]),
    withdraw=st.booleans(),
)
def test_feedback_on_arbitrary_ids_never_touches_another_users_answer(
    harness: ChatHarness,
    client: TestClient[Litestar],
    owned: tuple[str, str],
    intruder: tuple[str, str],
    conversation_id: str,
    message_id: str,
    rating: str,
    withdraw: bool,
) -> None:
    cid, mid = owned
    # Percent-encoded, as a browser sends them; the service decodes before checking.
    target = path(
        cid if conversation_id == "OWN" else quote(conversation_id, safe=""),
        mid if message_id == "OWN" else quote(message_id, safe=""),
    )
    headers = harness.headers(*intruder)
    if withdraw:
        response = client.delete(target, headers=headers)
    else:
        response = client.put(target, json={"rating": rating}, headers=headers)
    if all(_URL_SAFE.fullmatch(i) for i in (conversation_id, message_id)):
        assert_not_found(response)
    else:
        # Ids the router cannot even route (dot segments, control characters) are refused
        # before the handler; refused either way.
        assert response.status_code in (400, 404, 405), (target, response.text)
    owner_view = history(client, harness.headers(*OWNER), cid)
    assert owner_view[mid]["feedback"] == {"rating": "up", "reason": "mine"}


@pytest.fixture
def owned(harness: ChatHarness, client: TestClient[Litestar]) -> tuple[str, str]:
    """One rated answer of OWNER: (conversation id, message id)."""
    owner = harness.headers(*OWNER)
    cid, _, mid = answer(client, owner)
    client.put(path(cid, mid), json={"rating": "up", "reason": "mine"}, headers=owner)
    return cid, mid
