"""A client that leaves in the middle of an answer, through the local edge: the edge closes the
origin stream, and the chat service goes on generating and storing the answer (decision 0114);
the client comes back through the edge with `Last-Event-ID` and reads the rest, which joins
what it had read into the stored answer."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.edge import EDGE_ORIGINS_ENV, EDGE_WEB_ROOT_ENV
from engageiq.local.platform import free_port, service_command, wait_until_answering
from engageiq.local.seed import create_tenant, create_user, sign_in
from engageiq_tenancy.items import from_item
from tests.support.chat import parse_sse
from tests.support.chat_process import chat_environment, chat_process
from tests.support.messages_server import MessagesServer, Reply

pytestmark = pytest.mark.integration

TOKENS = 60  # 3 s of answer at 0.05 s a token: the client leaves after 3 of them


def assistant_items(resources: LocalResources) -> list[dict[str, object]]:
    dynamodb = aws_client("dynamodb", resources.endpoint_url)
    items = dynamodb.scan(TableName=resources.tables["conversations"])["Items"]
    return [m for m in map(from_item, items) if m.get("role") == "assistant"]


def test_a_client_leaving_through_the_edge_comes_back_and_reads_the_whole_answer(
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
    model = MessagesServer(default=Reply(tokens=["tick "] * TOKENS, interval=0.05)).start()
    env = chat_environment(
        local_resources, ANTHROPIC_API_KEY="test-key", ANTHROPIC_BASE_URL=model.url
    )
    edge_port = free_port()
    (tmp_path / "web").mkdir()
    try:
        with chat_process(env, tmp_path / "chat.log") as chat:
            edge = subprocess.Popen(
                service_command("engageiq.local.edge:create_app", edge_port),
                env={
                    **os.environ,
                    EDGE_ORIGINS_ENV: json.dumps({"chat": chat.url, "files": chat.url}),
                    EDGE_WEB_ROOT_ENV: str(tmp_path / "web"),
                },
            )
            try:
                wait_until_answering(f"http://127.0.0.1:{edge_port}/api/chat/docs", process=edge)
                with (
                    httpx.Client(timeout=30) as client,
                    client.stream(
                        "POST",
                        f"http://127.0.0.1:{edge_port}/api/chat",
                        headers={"Authorization": f"Bearer {token}"},
                        json={"message": "count for me"},
                    ) as response,
                ):
                    assert response.status_code == 200
                    seen = b""
                    for chunk in response.iter_raw():
                        seen += chunk
                        if seen.count(b"event: delta") >= 3:
                            break  # leaving the block closes the connection: the client left
                # Only whole events count: the last one read may be cut.
                read, _ = parse_sse(seen[: seen.rindex(b"\n\n") + 2].decode())
                meta, last = read[0].data, read[-1]
                assert last.id is not None
                resumed = httpx.get(
                    f"http://127.0.0.1:{edge_port}/api/conversations/{meta['conversationId']}"
                    f"/messages/{meta['assistantMessageId']}/stream",
                    headers={"Authorization": f"Bearer {token}", "Last-Event-ID": last.id},
                    timeout=30,
                )
                assert resumed.status_code == 200
                rest, _ = parse_sse(resumed.text)
                answers = assistant_items(local_resources)
            finally:
                edge.terminate()
                edge.wait(timeout=10)
    finally:
        model.stop()
    assert len(answers) == 1
    answer = answers[0]
    assert (answer["status"], answer["finishReason"]) == ("complete", "end_turn")
    assert str(answer["content"]).count("tick") == TOKENS
    text = "".join(e.data["text"] for e in [*read, *rest] if e.event == "delta")
    assert text == answer["content"]
    assert rest[-1].event == "done"
