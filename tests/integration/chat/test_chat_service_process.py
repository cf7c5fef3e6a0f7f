"""The chat service as `engageiq dev` runs it: a uvicorn process, moto's Cognito tokens.

History lives in DynamoDB, not in the process: it survives a restart of the service while
the local AWS endpoint keeps running."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from engageiq.local.aws import LocalResources
from engageiq.local.seed import create_tenant, create_user, sign_in
from tests.support.chat import parse_sse
from tests.support.chat_process import chat_environment, chat_process

pytestmark = pytest.mark.integration


def test_history_survives_a_restart_and_streams_end_cleanly(
    local_resources: LocalResources, tmp_path: Path
) -> None:
    create_tenant(local_resources, "demo", "Demo Company", "admin@demo.example")
    user = create_user(local_resources, "demo", "rep@demo.example")
    token = sign_in(
        local_resources.endpoint_url,
        local_resources.user_pool_client_id,
        user.username,
        user.password,
    )
    headers = {"Authorization": f"Bearer {token}"}
    env = chat_environment(local_resources, ENGAGEIQ_CHAT_HEARTBEAT_SECONDS="5")
    log = tmp_path / "chat.log"

    with chat_process(env, log) as chat, httpx.Client(base_url=chat.url, timeout=30) as client:
        response = client.post(
            "/api/chat", headers=headers, json={"message": "Draft an email to Dana about pricing"}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"].startswith("no-cache")
        events, _ = parse_sse(response.text)
        assert (events[0].event, events[-1].event) == ("meta", "done")
        meta = events[0].data
        assert meta["provider"] == "offline"

    # A new process: nothing in memory.
    with chat_process(env, log) as chat, httpx.Client(base_url=chat.url, timeout=30) as client:
        history = client.get(
            "/api/chat-history", headers=headers, params={"conversationId": meta["conversationId"]}
        )
        assert history.status_code == 200
        ids = [m["id"] for m in history.json()["messages"]]
        assert ids == [meta["userMessageId"], meta["assistantMessageId"]]
        listing = client.get("/api/conversations", headers=headers).json()
        assert [c["id"] for c in listing["conversations"]] == [meta["conversationId"]]
