"""`engageiq dev --replicas 2` end to end: requests really reach both replicas of each service
(the replica the edge names in `x-engageiq-replica` wrote that request's id in its own log), a
signed-in session works whichever replica answers, and killing a replica keeps the platform
serving while the process watch starts it again."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engageiq.local.platform import free_port
from engageiq.local.replicas import REPLICA_HEADER
from engageiq.local.seed import sign_in
from engageiq.local.state import SNAPSHOT_INTERVAL_SECONDS
from tests.integration.conftest import DevPlatform, start_dev, stop_dev, wait_for_outputs

pytestmark = pytest.mark.integration

REPLICAS = {"chat": ["chat-1", "chat-2"], "files": ["files-1", "files-2"]}


@pytest.fixture(scope="module")
def two_of_each(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevPlatform]:
    state_dir = tmp_path_factory.mktemp("replicas")
    process = start_dev(
        state_dir, "--port", str(free_port()), "--aws-port", str(free_port()), "--replicas", "2"
    )
    try:
        yield DevPlatform(process, state_dir, wait_for_outputs(process, state_dir))
    finally:
        stop_dev(process)


@pytest.fixture(scope="module")
def api(two_of_each: DevPlatform) -> Iterator[httpx.Client]:
    o = two_of_each.outputs
    token = sign_in(
        o["awsEndpointUrl"], o["userPoolClientId"], o["demoUsername"], o["demoPassword"]
    )
    with httpx.Client(
        base_url=f"{two_of_each.web_url}/api",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ) as client:
        yield client


def processes(platform: DevPlatform) -> dict[str, Any]:
    """outputs.json's `localProcesses`, read again (a restart rewrites the pids)."""
    outputs = json.loads((platform.state_dir / "outputs.json").read_text())
    found: dict[str, Any] = outputs["localProcesses"]
    return found


def logged_request_ids(log: Path) -> set[str]:
    ids = set()
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            ids.add(json.loads(line).get("request_id"))
    return ids


LOG_WAIT_SECONDS = 10.0


def logged_in_time(log: Path, request_ids: set[str]) -> set[str]:
    """The request ids `log` holds once it holds all of `request_ids`, or after
    `LOG_WAIT_SECONDS`: a request's log line is written when its response has been sent, so
    the client can read the answer before the line is in the file (CI once read a replica's
    log between the two)."""
    deadline = time.monotonic() + LOG_WAIT_SECONDS
    while not request_ids <= (logged := logged_request_ids(log)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return logged


def chat_turn(api: httpx.Client, message: str, conversation_id: str | None = None) -> str:
    body: dict[str, str] = {"message": message}
    if conversation_id:
        body["conversationId"] = conversation_id
    with api.stream("POST", "/chat", json=body) as response:
        assert response.status_code == 200, response.read()
        text = response.read().decode()
    assert "event: done" in text, text
    meta = text.split("event: meta\ndata: ", 1)[1].split("\n", 1)[0]
    conversation: str = json.loads(meta)["conversationId"]
    return conversation


def test_outputs_and_logs_name_every_replica(two_of_each: DevPlatform) -> None:
    listed = processes(two_of_each)
    for service, names in REPLICAS.items():
        for name in names:
            assert listed[name]["service"] == service
            assert listed[name]["pid"] > 0
            assert listed[name]["url"].startswith("http://127.0.0.1:")
            assert Path(listed[name]["log"]) == two_of_each.state_dir / "logs" / f"{name}.log"
    urls = [listed[n]["url"] for names in REPLICAS.values() for n in names]
    assert len(set(urls)) == 4  # each on its own port


def test_requests_reach_both_replicas_of_each_service(
    two_of_each: DevPlatform, api: httpx.Client
) -> None:
    answered: dict[str, list[str]] = {}
    for path in ["/me", "/files", "/me", "/files", "/conversations", "/files/search?q=plan"]:
        response = api.get(path)
        assert response.status_code == 200, response.text
        answered.setdefault(response.headers[REPLICA_HEADER], []).append(
            response.headers["x-request-id"]
        )
    assert set(answered) == {*REPLICAS["chat"], *REPLICAS["files"]}
    # The header does not just claim it: each replica logged the requests it was named for.
    logs = two_of_each.state_dir / "logs"
    for name, request_ids in answered.items():
        assert set(request_ids) <= logged_in_time(logs / f"{name}.log", set(request_ids)), name
        others = {n for names in REPLICAS.values() for n in names} - {name}
        for other in others:
            assert not set(request_ids) & logged_request_ids(logs / f"{other}.log")


def test_a_session_works_whichever_replica_answers(api: httpx.Client) -> None:
    conversation = chat_turn(api, "What does the Pro plan cost?")
    chat_turn(api, "And per year?", conversation)  # the other chat replica, in turn
    for _ in range(2):  # both chat replicas read the same history
        history = api.get("/chat-history", params={"conversationId": conversation})
        assert history.status_code == 200, history.text
        assert len(history.json()["messages"]) == 4

    upload = api.post(
        "/upload-file", files={"file": ("pricing.md", b"# Pricing\nPro costs 30 EUR.\n")}
    )
    assert upload.status_code == 201, upload.text
    file_id = upload.json()["id"]
    seen_by = set()
    for _ in range(2):  # both files replicas list it
        listing = api.get("/files")
        assert listing.status_code == 200
        assert file_id in {f["id"] for f in listing.json()["files"]}
        seen_by.add(listing.headers[REPLICA_HEADER])
    assert seen_by == set(REPLICAS["files"])
    # Four replicas of two services saw this session: its sign-in is in the log once
    # (decision 0119; the demo user is the tenant's admin, who reads the log).
    signed_in = api.get("/tenant/audit", params={"action": "session.signed_in"})
    assert signed_in.status_code == 200, signed_in.text
    assert len(signed_in.json()["entries"]) == 1


def test_an_answer_resumes_alike_on_either_replica(api: httpx.Client) -> None:
    """Decision 0114: the resume endpoint reads the answer's item, so either chat replica
    streams the same answer, identical to the stored one."""
    conversation = chat_turn(api, "What does the Enterprise plan include?")
    answer = api.get("/chat-history", params={"conversationId": conversation}).json()["messages"][
        -1
    ]
    path = f"/conversations/{conversation}/messages/{answer['id']}/stream"
    streams: dict[str, str] = {}
    for _ in range(2):  # round robin: one request each
        response = api.get(path)
        assert response.status_code == 200, response.text
        streams[response.headers[REPLICA_HEADER]] = response.text
    assert set(streams) == set(REPLICAS["chat"])
    first, second = streams.values()
    assert first == second
    events = [b for b in first.split("\n\n") if b.startswith("id: ")]
    delta = next(b for b in events if "event: delta" in b)
    assert json.loads(delta.split("data: ", 1)[1])["text"] == answer["content"]
    assert "event: done" in events[-1]


def test_killing_a_replica_keeps_the_platform_serving(
    two_of_each: DevPlatform, api: httpx.Client
) -> None:
    victim = processes(two_of_each)["files-1"]["pid"]
    os.kill(victim, signal.SIGKILL)
    # Right after the kill, before the watch restarts it: every request still answered.
    answered = set()
    for n in range(6):
        listing = api.get("/files")
        assert listing.status_code == 200, listing.text
        answered.add(listing.headers[REPLICA_HEADER])
        upload = api.post("/upload-file", files={"file": (f"note{n}.txt", b"Renewals in May.")})
        assert upload.status_code == 201, upload.text
        answered.add(upload.headers[REPLICA_HEADER])
    assert "files-2" in answered

    # The process watch starts it again (a new pid in outputs.json), and it is back in turn.
    deadline = time.monotonic() + 40
    while processes(two_of_each)["files-1"]["pid"] == victim:
        assert time.monotonic() < deadline, "files-1 was not restarted"
        time.sleep(0.5)
    answered_after: set[str] = set()
    while answered_after != set(REPLICAS["files"]):
        assert time.monotonic() < deadline, f"files-1 not back in rotation: {answered_after}"
        response = api.get("/files")
        assert response.status_code == 200, response.text
        answered_after.add(response.headers[REPLICA_HEADER])
        time.sleep(0.2)
    log = (two_of_each.state_dir / "logs" / "files-1.log").read_text()
    assert log.count("Application startup complete") == 2


def test_with_replicas_a_killed_platform_takes_every_replica_along_and_keeps_its_state(
    tmp_path: Path,
) -> None:
    state_dir = tmp_path / "state"
    ports = ("--port", str(free_port()), "--aws-port", str(free_port()))
    process = start_dev(state_dir, *ports, "--replicas", "2")
    try:
        platform = DevPlatform(process, state_dir, wait_for_outputs(process, state_dir))
        o = platform.outputs
        token = sign_in(
            o["awsEndpointUrl"], o["userPoolClientId"], o["demoUsername"], o["demoPassword"]
        )
        with httpx.Client(
            base_url=f"{platform.web_url}/api", headers={"Authorization": f"Bearer {token}"}
        ) as api:
            conversation = chat_turn(api, "Who handles renewals?")
            upload = api.post("/upload-file", files={"file": ("kept.md", b"# Kept\nRenewals.\n")})
            assert upload.status_code == 201, upload.text
        replica_pids = [p["pid"] for p in processes(platform).values() if p.get("service")]
        assert len(replica_pids) == 4
        time.sleep(SNAPSHOT_INTERVAL_SECONDS * 2 + 1)
        process.kill()  # kill -9 of `engageiq dev`
        process.wait()
    finally:
        stop_dev(process)

    # No orphan replica keeps serving (or holding a port) after its platform died.
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in replica_pids):
        assert time.monotonic() < deadline, "replicas outlived their platform"
        time.sleep(0.2)

    (state_dir / "outputs.json").unlink(missing_ok=True)  # left behind by the SIGKILL
    again = start_dev(state_dir, *ports, "--replicas", "2")
    try:
        restored = DevPlatform(again, state_dir, wait_for_outputs(again, state_dir))
        o = restored.outputs
        token = sign_in(
            o["awsEndpointUrl"], o["userPoolClientId"], o["demoUsername"], o["demoPassword"]
        )
        with httpx.Client(
            base_url=f"{restored.web_url}/api", headers={"Authorization": f"Bearer {token}"}
        ) as api:
            for _ in range(2):  # each replica of each service sees the restored state
                listed = api.get("/conversations").json()["conversations"]
                assert conversation in {c["id"] for c in listed}
                assert "kept.md" in {f["name"] for f in api.get("/files").json()["files"]}
    finally:
        assert stop_dev(again) == 0  # Ctrl-C stops every replica cleanly


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting to be reaped (its state field is Z)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
