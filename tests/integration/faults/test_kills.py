"""A service killed with SIGKILL in the middle of work, then started again, as an instance
crash or replacement does: after the restart nothing is orphaned or half-written, nothing a
user was told was stored is lost, and the service answers.

- files, in the middle of a streamed upload (parts already in S3): the upload's record is
  unverified and expiring; once it expires the restarted instance's reaper aborts the
  multipart upload and removes the record;
- chat, in the middle of a streamed answer: the question (confirmed by `meta`) stays, no
  half-written answer is stored, and the conversation goes on.
Killing an instance in the middle of an ingestion is the durable-ingestion suite's."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.platform import service_environment
from engageiq.local.seed import create_tenant, sign_in
from tests.support.chat import parse_sse
from tests.support.invariants import Violation, assert_tenant_consistent, tenant_violations
from tests.support.messages_server import MessagesServer, Reply
from tests.support.service_process import CHAT_APP, FILES_APP, service_process
from tests.unit.files.support import wait_for

pytestmark = pytest.mark.integration

TENANT = "kills"
MIB = 1024 * 1024
INTENT_SECONDS = 3
"""The streamed upload's unverified lifetime in these tests (600 s by default)."""


def signed_in(resources: LocalResources) -> dict[str, str]:
    admin = create_tenant(resources, TENANT, "Kills Ltd", "admin@kills.example")
    token = sign_in(
        resources.endpoint_url, resources.user_pool_client_id, admin.username, admin.password
    )
    return {"Authorization": f"Bearer {token}"}


def stalled_upload(boundary: str, release: threading.Event) -> Iterator[bytes]:
    """A multipart body that sends 12 MiB of a text file, then waits for `release`."""
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n'
    ).encode()
    for _ in range(12):
        yield b"Sales notes, line after line.\n" * (MIB // 30) + b"\n" * (MIB % 30)
    release.wait(30)
    yield b"more" * MIB


def test_files_killed_mid_upload_leaves_nothing_after_restart(
    local_resources: LocalResources, tmp_path: Path
) -> None:
    headers = signed_in(local_resources)
    env = {
        **service_environment(local_resources),
        "ENGAGEIQ_LOG_LEVEL": "WARNING",
        "ENGAGEIQ_UPLOAD_INTENT_SECONDS": str(INTENT_SECONDS),
        "ENGAGEIQ_UPLOAD_PART_SIZE": str(5 * MIB),
    }
    s3 = aws_client("s3", local_resources.endpoint_url)
    bucket = local_resources.buckets["uploads"]
    log = tmp_path / "files.log"

    with service_process(FILES_APP, env, log) as files:
        with httpx.Client(base_url=files.url, timeout=30, headers=headers) as client:
            stored = client.post(
                "/api/upload-file", files={"file": ("kept.md", b"# Kept\nTold it was stored.\n")}
            )
            assert stored.status_code == 201, stored.text
            kept = stored.json()["id"]
            wait_for(lambda: client.get(f"/api/files/{kept}").json()["status"] == "ready")

        release = threading.Event()
        boundary = "killboundary"

        def upload() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server dies under it
                httpx.post(
                    f"{files.url}/api/upload-file",
                    content=stalled_upload(boundary, release),
                    headers={
                        **headers,
                        "content-type": f"multipart/form-data; boundary={boundary}",
                    },
                    timeout=30,
                )

        sender = threading.Thread(target=upload)
        sender.start()

        def parts_stored() -> bool:
            uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=f"tenants/{TENANT}/")
            return any(
                s3.list_parts(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"]).get("Parts")
                for u in uploads.get("Uploads", [])
            )

        wait_for(parts_stored)
        files.kill()
        release.set()
        sender.join(30)

    # Right after the kill: a half-written upload, owned by its unverified record.
    rules = {v.rule for v in tenant_violations(local_resources, TENANT)}
    assert rules == {"open_multipart_upload"}

    time.sleep(INTENT_SECONDS + 1)  # the record expires
    with (
        service_process(FILES_APP, env, log) as files,
        httpx.Client(base_url=files.url, timeout=30, headers=headers) as client,
    ):
        wait_for(lambda: tenant_violations(local_resources, TENANT) == [])  # the reaper ran
        listed = client.get("/api/files").json()["files"]
        assert [(f["id"], f["status"]) for f in listed] == [(kept, "ready")]
        again = client.post("/api/upload-file", files={"file": ("new.md", b"# New\nok\n")})
        assert again.status_code == 201, again.text
        new = again.json()["id"]
        wait_for(lambda: client.get(f"/api/files/{new}").json()["status"] == "ready")
    assert_tenant_consistent(local_resources, TENANT)


def test_chat_killed_mid_stream_keeps_the_question_and_goes_on(
    local_resources: LocalResources, tmp_path: Path
) -> None:
    headers = signed_in(local_resources)
    model = MessagesServer(default=Reply(tokens=("Part",) * 40, interval=0.1)).start()
    env = {
        **service_environment(local_resources),
        "ENGAGEIQ_LOG_LEVEL": "WARNING",
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": model.url,
    }
    log = tmp_path / "chat.log"
    try:
        with (
            service_process(CHAT_APP, env, log) as chat,
            httpx.Client(base_url=chat.url, timeout=30, headers=headers) as client,
            client.stream("POST", "/api/chat", json={"message": "Tell me about pricing"}) as r,
        ):
            assert r.status_code == 200
            received = ""
            for piece in r.iter_text():
                received += piece
                if "event: delta" in received:
                    break
            chat.kill()
        meta = parse_sse(received.split("event: delta")[0])[0][0]
        assert meta.event == "meta"
        conversation = meta.data["conversationId"]
        assert_tenant_consistent(local_resources, TENANT)

        model.default = Reply(tokens=("Done.",))
        with (
            service_process(CHAT_APP, env, log) as chat,
            httpx.Client(base_url=chat.url, timeout=30, headers=headers) as client,
        ):
            history = client.get("/api/chat-history", params={"conversationId": conversation})
            messages = history.json()["messages"]
            # The question the stream confirmed is there; no answer was half-written.
            assert [(m["role"], m["content"]) for m in messages] == [
                ("user", "Tell me about pricing")
            ]
            more = client.post(
                "/api/chat", json={"message": "And in euros?", "conversationId": conversation}
            )
            events, _ = parse_sse(more.text)
            assert events[-1].event == "done"
        assert_tenant_consistent(local_resources, TENANT)
    finally:
        model.stop()


def test_violations_name_their_rule() -> None:
    assert str(Violation("orphaned_object", "tenants/a/files/x")) == (
        "orphaned_object: tenants/a/files/x"
    )
