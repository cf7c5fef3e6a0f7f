"""A service killed with SIGKILL in the middle of work, then started again, as an instance
crash or replacement does: after the restart nothing is orphaned or half-written, nothing a
user was told was stored is lost, and the service answers.

- files, in the middle of a streamed upload (parts already in S3): the upload's record is
  unverified and expiring; once it expires the restarted instance's reaper aborts the
  multipart upload and removes the record;
- chat, in the middle of a streamed answer: the question (confirmed by `meta`) stays, the
  answer's last checkpoint reads as `incomplete` (`interrupted`) once its lease runs out, and
  it can be continued (decision 0114); the conversation goes on;
- files, inside a segment merge (decision 0100), at the two steps where a kill leaves
  something behind: after the merged segment is written and before its manifest is
  published, then after the publish and before the sweep. The test-only crash points
  (`engageiq_search.crash_points`) make the process SIGKILL itself at exactly that step.
  Every file stays `ready` with the same search results, and once the killed job is
  delivered again no index object is left that the manifest does not list.
Killing an instance in the middle of an ingestion is the durable-ingestion suite's."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.platform import free_port, service_command, service_environment
from engageiq.local.seed import create_tenant, sign_in
from engageiq_search.crash_points import CRASH_AT_VARIABLE
from engageiq_search.manifest import IndexManifest
from engageiq_search.merge_policy import SEGMENTS_PER_TIER, tier
from engageiq_search.segment import Segment
from engageiq_search.tenant_index import IndexPart, TenantIndex
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


def test_chat_killed_mid_stream_keeps_the_question_and_the_answer_so_far_and_goes_on(
    local_resources: LocalResources, tmp_path: Path
) -> None:
    headers = signed_in(local_resources)
    model = MessagesServer(default=Reply(tokens=("Part ",) * 40, interval=0.1)).start()
    env = {
        **service_environment(local_resources),
        "ENGAGEIQ_LOG_LEVEL": "WARNING",
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": model.url,
        # A short lease, so the dead generator's answer is seen as such within the test.
        "ENGAGEIQ_CHAT_CHECKPOINT_SECONDS": "0.1",
        "ENGAGEIQ_CHAT_ANSWER_LEASE_SECONDS": "2",
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
                if received.count("event: delta") >= 5:
                    break
            time.sleep(0.3)  # a checkpoint holds those deltas
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

            def answer_so_far() -> Any:
                history = client.get("/api/chat-history", params={"conversationId": conversation})
                return history.json()["messages"]

            wait_for(lambda: answer_so_far()[-1]["status"] != "streaming")
            question, answer = answer_so_far()
            # The question the stream confirmed is there, and the answer as last checkpointed.
            assert (question["role"], question["content"]) == ("user", "Tell me about pricing")
            assert (answer["status"], answer["finishReason"]) == ("incomplete", "interrupted")
            assert answer["content"].startswith("Part Part Part Part Part")
            assert answer["content"].count("Part") < 40
            continued = client.post(
                "/api/chat/continue",
                json={"conversationId": conversation, "messageId": answer["id"]},
            )
            assert parse_sse(continued.text)[0][-1].event == "done"
            assert answer_so_far()[-1]["content"] == answer["content"] + "Done."
            more = client.post(
                "/api/chat", json={"message": "And in euros?", "conversationId": conversation}
            )
            events, _ = parse_sse(more.text)
            assert events[-1].event == "done"
        assert_tenant_consistent(local_resources, TENANT)
    finally:
        model.stop()


WORDS = ("aardvark", "bison", "caracal", "dingo", "echidna", "ferret")[: SEGMENTS_PER_TIER + 1]
"""One small file each, uploaded one at a time: each is a segment of the lowest tier, and the
last makes that tier hold one more than `SEGMENTS_PER_TIER`: a merge is due."""
QUERIES = (*WORDS, "renewal discount", "proposal")
MERGE_VISIBILITY_SECONDS = 4
"""How long the killed merge's job stays hidden before it is delivered again."""
DEATH_BOUND_SECONDS = 180.0
"""Stops a hung test; never a measurement."""


def _document(n: int, word: str) -> bytes:
    # Equal lengths, different counts of the shared words: a ranking with no ties.
    return (
        f"# The {word} proposal\nThe {word} account asks for a renewal. "
        + "Renewal discount. " * (n + 1)
        + "Terms follow. " * (len(WORDS) - n)
    ).encode()


@dataclass
class _Index:
    key: str
    manifest: IndexManifest
    objects: set[str]
    """Every object under the tenant's `index/` prefix."""

    @property
    def unlisted(self) -> set[str]:
        return self.objects - {self.key, *(e.key for e in self.manifest.segments)}


def _index(resources: LocalResources) -> _Index:
    """The tenant's index as stored, read straight from moto."""
    dynamodb = aws_client("dynamodb", resources.endpoint_url)
    s3 = aws_client("s3", resources.endpoint_url)
    bucket = resources.buckets["uploads"]
    pointer = dynamodb.get_item(
        TableName=resources.tables["files"],
        Key={"pk": {"S": f"{TENANT}#FILES"}, "sk": {"S": "INDEX"}},
        ConsistentRead=True,
    )["Item"]
    key = pointer["indexKey"]["S"]
    manifest = IndexManifest.from_json(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    objects: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"tenants/{TENANT}/index/"
    ):
        objects |= {o["Key"] for o in page.get("Contents", [])}
    return _Index(key, manifest, objects)


def _swept(resources: LocalResources) -> bool:
    """Whether the tenant's index holds no object its manifest does not list."""
    try:
        return _index(resources).unlisted == set()
    except ClientError:
        return False  # a publish replaced the manifest between the two reads


def _results(resources: LocalResources, manifest: IndexManifest) -> dict[str, list[Any]]:
    """Each query's hits (file, text, score to 9 places) over the segments `manifest` lists,
    searched as the services search them."""
    s3 = aws_client("s3", resources.endpoint_url)
    bucket = resources.buckets["uploads"]
    index = TenantIndex(
        [
            IndexPart(
                e.key,
                Segment.from_bytes(s3.get_object(Bucket=bucket, Key=e.key)["Body"].read()),
                frozenset(e.dead),
            )
            for e in manifest.segments
        ]
    )
    return {
        q: [(c.file_id, c.text, round(score, 9)) for c, score in index.search(q, 50)]
        for q in QUERIES
    }


def _killed_by_its_crash_point(process: subprocess.Popen[bytes]) -> None:
    """Wait for `process` to die, and check it died of its SIGKILL."""
    try:
        code = process.wait(DEATH_BOUND_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the crash point was never reached") from None
    assert code == -signal.SIGKILL


def test_files_killed_inside_a_merge_lose_nothing_and_leave_no_segment_behind(
    local_resources: LocalResources, tmp_path: Path
) -> None:
    headers = signed_in(local_resources)
    env = {
        **service_environment(local_resources),
        "ENGAGEIQ_LOG_LEVEL": "WARNING",
        "ENGAGEIQ_INGESTION_VISIBILITY_SECONDS": str(MERGE_VISIBILITY_SECONDS),
    }
    log = tmp_path / "files.log"

    # 1. Killed with the merged segment written and its manifest not yet published.
    with (
        service_process(FILES_APP, {**env, CRASH_AT_VARIABLE: "merge_written"}, log) as files,
        httpx.Client(base_url=files.url, timeout=30, headers=headers) as client,
    ):
        ids: list[str] = []
        for n, word in enumerate(WORDS):
            stored = client.post(
                "/api/upload-file", files={"file": (f"{word}.md", _document(n, word))}
            )
            assert stored.status_code == 201, stored.text
            ids.append(stored.json()["id"])
            if n < len(WORDS) - 1:
                wait_for(
                    lambda: client.get(f"/api/files/{ids[-1]}").json()["status"] == "ready",
                    attempts=2400,
                )
        _killed_by_its_crash_point(files.process)

    before = _index(local_resources)
    assert len(before.manifest.segments) == len(WORDS)  # not merged
    assert {tier(e) for e in before.manifest.segments} == {0}
    assert set(before.manifest.live_files()) == set(ids)
    (merged,) = before.unlisted  # the merged segment, never published
    assert merged.rsplit("/", 1)[-1].startswith("seg-")
    assert {v.rule for v in tenant_violations(local_resources, TENANT)} == {"stale_index_blob"}
    expected = _results(local_resources, before.manifest)
    assert all(expected[word] for word in WORDS)

    # 2. The job comes back to a restarted instance, which applies the ready file again
    # (sweeping the segment above) and merges; killed with the merged manifest published and
    # nothing it replaced deleted yet. No request is needed: it need not be answering.
    with log.open("ab") as output:
        restarted = subprocess.Popen(
            service_command(FILES_APP, free_port()),
            env={**env, CRASH_AT_VARIABLE: "merge_published"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        _killed_by_its_crash_point(restarted)

    published = _index(local_resources)
    assert len(published.manifest.segments) == 1  # the merge is published
    assert set(published.manifest.live_files()) == set(ids)
    assert merged not in published.objects  # the first kill's segment was swept
    replaced = {e.key for e in before.manifest.segments}
    assert replaced <= published.unlisted  # the second kill came before the sweep
    assert _results(local_resources, published.manifest) == expected

    # 3. Restarted again: the job comes back once more and its publish sweeps the rest.
    with (
        service_process(FILES_APP, env, log) as files,
        httpx.Client(base_url=files.url, timeout=30, headers=headers) as client,
    ):
        wait_for(lambda: _swept(local_resources), attempts=2400)
        listed = client.get("/api/files").json()["files"]
        assert sorted((f["id"], f["status"]) for f in listed) == sorted(
            (file_id, "ready") for file_id in ids
        )
        for word, file_id in zip(WORDS, ids, strict=True):
            found = client.get("/api/files/search", params={"q": word}).json()["results"]
            assert {hit["fileId"] for hit in found} == {file_id}, word

    after = _index(local_resources)
    assert len(after.manifest.segments) == 1
    assert after.unlisted == set()  # every seg-* object is one the manifest lists
    assert {k for k in after.objects if k.rsplit("/", 1)[-1].startswith("seg-")} == {
        e.key for e in after.manifest.segments
    }
    assert _results(local_resources, after.manifest) == expected
    assert_tenant_consistent(local_resources, TENANT)


def test_violations_name_their_rule() -> None:
    assert str(Violation("orphaned_object", "tenants/a/files/x")) == (
        "orphaned_object: tenants/a/files/x"
    )
