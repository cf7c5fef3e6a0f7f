"""The SQS ingestion queue (decision 0076): what we rely on in moto's SQS, the job format,
backoff, a second delivery of a job, and jobs that keep failing."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import anyio
import pytest
import structlog
import structlog.testing

from engageiq.local.aws import LocalResources, aws_client, dead_letter_key
from engageiq_files.catalog.catalog import FileCatalog
from engageiq_files.catalog.records import FileRecord, FileStatus, new_file_id, now_iso
from engageiq_files.ingestion import consumer as consumer_module
from engageiq_files.ingestion.consumer import (
    RETRY_CAP_SECONDS,
    IngestionConsumer,
    backoff_seconds,
    ingestion_context,
)
from engageiq_files.ingestion.queue import IngestionJob, IngestionQueue, ReceivedJob, decode_job
from engageiq_files.ingestion.sections import ParsedDocument, Section
from engageiq_files.ingestion.worker import AttemptFailed, IngestionWorker
from engageiq_files.runtime import FilesRuntime
from engageiq_files.search.build_process import BUILD_TIMEOUT_SECONDS, IndexBuildFailed
from engageiq_files.uploads.store import chunks_object_key, file_object_key
from engageiq_tenancy.resources import INGESTION, INGESTION_STEP_SECONDS
from tests.unit.files.support import FilesClient, wait_for


def _runtime(files_client: FilesClient) -> FilesRuntime:
    runtime: FilesRuntime = files_client.client.app.state["files_runtime"]
    return runtime


@pytest.fixture
def queues(
    local_resources: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, IngestionQueue, str]:
    """An SQS client with the local credentials, the ingestion queue told its dead-letter
    queue, and the dead-letter queue's URL."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    sqs = aws_client("sqs", local_resources.endpoint_url)
    dead = local_resources.queues[dead_letter_key(INGESTION)]
    return sqs, IngestionQueue(sqs, local_resources.queues["ingestion"], dead), dead


def test_the_visibility_timeout_covers_the_longest_ingestion_step() -> None:
    assert INGESTION_STEP_SECONDS == BUILD_TIMEOUT_SECONDS
    assert INGESTION.visibility_timeout_seconds > BUILD_TIMEOUT_SECONDS


def test_moto_serialises_a_message_group_and_redrives_to_the_dead_letter_queue(
    local_resources: LocalResources,
) -> None:
    # What the design relies on, checked in the SQS the local platform and tests use.
    sqs = aws_client("sqs", local_resources.endpoint_url)
    url = local_resources.queues["ingestion"]
    for n, group in enumerate(["acme", "acme", "globex"]):
        sqs.send_message(
            QueueUrl=url, MessageBody=str(n), MessageGroupId=group, MessageDeduplicationId=str(n)
        )
    sqs.send_message(  # the same deduplication id within 5 minutes: dropped
        QueueUrl=url, MessageBody="again", MessageGroupId="acme", MessageDeduplicationId="0"
    )
    # One receive of one message at a time (as the consumer does): while a group has a
    # message in flight, its next message is not handed out; other groups' are.
    first = [
        m
        for _ in range(3)
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=30).get(
            "Messages", []
        )
    ]
    assert sorted(m["Body"] for m in first) == ["0", "2"]
    for message in first:
        if message["Body"] == "2":
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        else:
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
    bodies = []
    for _ in range(INGESTION.max_receive_count + 1):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=0)
        bodies += [m["Body"] for m in got.get("Messages", [])]
    dead = local_resources.queues[dead_letter_key(INGESTION)]
    moved = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10)["Messages"]
    assert "0" in [m["Body"] for m in moved]  # after max_receive_count receives
    assert "again" not in bodies


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '{"tenantId": "acme"}',
        '{"tenantId": "ACME#x", "fileId": "0123456789abcdef"}',
        '{"tenantId": "acme", "fileId": "../etc"}',
        '{"tenantId": "acme", "fileId": "0123456789abcdef", "extra": 1}',
    ],
)
def test_a_body_this_service_never_writes_is_no_job(body: str) -> None:
    assert decode_job(body) is None


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n, 10) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert backoff_seconds(30, 10) == RETRY_CAP_SECONDS


def test_an_unreadable_message_is_dropped_and_the_consumer_goes_on(
    files_client: FilesClient, local_resources: LocalResources
) -> None:
    sqs = aws_client("sqs", local_resources.endpoint_url)
    sqs.send_message(
        QueueUrl=local_resources.queues["ingestion"],
        MessageBody="garbage",
        MessageGroupId="acme",
        MessageDeduplicationId="garbage",
    )
    files_client.settle()
    file_id = files_client.upload("acme", "a.txt", b"wombat pricing").json()["id"]
    files_client.settle()
    assert files_client.file("acme", file_id)["status"] == "ready"


def test_a_second_delivery_of_a_job_finished_meanwhile_leaves_the_file_and_its_chunks(
    files_client: FilesClient, s3: Any, local_resources: LocalResources
) -> None:
    # Two deliveries of one job run at once (a slow first consumer, a visibility timeout
    # that ran out): the second must neither fail the file nor delete the chunks its index
    # needs when the first finishes first.
    file_id = files_client.upload("acme", "a.txt", b"numbat pricing").json()["id"]
    files_client.settle()
    runtime = _runtime(files_client)
    tenant = ingestion_context("acme")
    assert runtime.catalog.update(tenant, file_id, status=FileStatus.PENDING)
    real_parse = runtime.worker._sandbox.parse

    def parse_while_the_other_delivery_finishes(path: str, kind: str) -> Any:
        parsed = real_parse(path, kind)
        runtime.catalog.update(tenant, file_id, status=FileStatus.READY)
        return parsed

    runtime.worker._sandbox.parse = parse_while_the_other_delivery_finishes  # type: ignore[method-assign]
    try:
        anyio.run(lambda: runtime.worker.ingest(tenant, file_id, last_receive=True))
    finally:
        runtime.worker._sandbox.parse = real_parse  # type: ignore[method-assign]
    assert files_client.file("acme", file_id)["status"] == "ready"
    key = chunks_object_key(tenant, file_id)
    s3.head_object(Bucket=local_resources.buckets["uploads"], Key=key)  # still there


def test_a_job_failing_every_attempt_fails_its_file_and_lands_in_the_dead_letter_queue(
    files_client: FilesClient, local_resources: LocalResources
) -> None:
    sqs = aws_client("sqs", local_resources.endpoint_url)
    url = local_resources.queues["ingestion"]
    dead = local_resources.queues[dead_letter_key(INGESTION)]
    runtime = _runtime(files_client)
    # Two attempts instead of five. The queue's redrive backstop stays at ten receives, so
    # the job can only reach the dead-letter queue if the consumer moves it there itself.
    redrive = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"][
            "RedrivePolicy"
        ]
    )
    assert int(redrive["maxReceiveCount"]) == INGESTION.max_receive_count > 2
    runtime.worker._max_attempts = 2

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("S3 is unreachable")

    real_download = runtime.worker._store.download_to
    runtime.worker._store.download_to = unavailable  # type: ignore[method-assign]
    moved: list[dict[str, Any]] = []

    def dead_lettered() -> bool:
        found = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        moved.extend(found.get("Messages", []))
        return bool(moved)

    try:
        file_id = files_client.upload("acme", "a.txt", b"quoll pricing").json()["id"]
        # S3 stays unreachable until the job has reached the dead-letter queue: the queue's
        # counts (what `settle` polls) can read empty between a retry's hand-back and its
        # next receive on moto, and a download restored then let the second attempt succeed.
        wait_for(dead_lettered)
        files_client.settle()
    finally:
        runtime.worker._store.download_to = real_download  # type: ignore[method-assign]
    failed = files_client.file("acme", file_id)
    assert failed["status"] == "failed"
    assert failed["reasonCode"] == "ingestion_error"
    assert "several attempts" in failed["reason"]
    assert [json.loads(m["Body"]) for m in moved] == [{"tenantId": "acme", "fileId": file_id}]
    record = runtime.catalog.get(ingestion_context("acme"), file_id)
    assert record is not None
    assert record.failed_attempts == 2
    # Moved, not copied: nothing is left in the ingestion queue to block the tenant.
    assert IngestionQueue(sqs, url).idle()


def test_a_job_interrupted_by_shutdown_is_handed_back_at_once(
    local_resources: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    sqs = aws_client("sqs", local_resources.endpoint_url)
    queue = IngestionQueue(sqs, local_resources.queues["ingestion"])
    started = anyio.Event()
    # The receive count the consumer got: a long poll that another test's consumer abandoned
    # at its shutdown (as a deploy does) may have received and handed back the job first, on
    # the queue of the same name that moto's reset made anew, so the count may start above 1.
    counts: list[int] = []
    receive = queue.receive

    def counted_receive(visibility_seconds: int, wait_seconds: int) -> list[ReceivedJob]:
        received = receive(visibility_seconds, wait_seconds)
        counts.extend(r.receive_count for r in received)
        return received

    monkeypatch.setattr(queue, "receive", counted_receive)

    class SlowWorker:
        async def ingest(self, tenant: Any, file_id: str, *, last_receive: bool) -> None:
            started.set()
            await anyio.sleep(60)

    consumer = IngestionConsumer(
        queue,
        SlowWorker(),  # type: ignore[arg-type]
        slots=1,
        visibility_seconds=60,
        wait_seconds=1,
        retry_base_seconds=1,
    )
    queue.send(ingestion_context("acme"), "0123456789abcdef", "shutdown")

    async def deploy_in_the_middle() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(consumer.serve)
            with anyio.fail_after(30):
                await started.wait()
            tasks.cancel_scope.cancel()

    anyio.run(deploy_in_the_middle)
    # Not hidden for the 60 s visibility timeout: the next instance gets it now.
    # Received again within a second although the consumer took it for 60 s: handed back.
    # (Counted once more than the consumer saw, or twice if a stray poll took it meanwhile.)
    again = receive(visibility_seconds=30, wait_seconds=1)
    assert [r.job for r in again] == [IngestionJob("acme", "0123456789abcdef")]
    assert again[0].receive_count > counts[-1]


class _CountsAtTheBoundary:
    """An SQS client whose first count of a queue straddles the moment a retried job's
    backoff ends (hidden when `ApproximateNumberOfMessages` was counted, visible by the
    time `...NotVisible` was: in neither), as moto counts against the clock."""

    def __init__(self) -> None:
        self.reads = 0

    def get_queue_attributes(self, **_: Any) -> dict[str, Any]:
        self.reads += 1
        waiting = "0" if self.reads == 1 else "1"
        return {
            "Attributes": {
                "ApproximateNumberOfMessages": waiting,
                "ApproximateNumberOfMessagesNotVisible": "0",
                "ApproximateNumberOfMessagesDelayed": "0",
            }
        }


def test_a_job_coming_out_of_its_backoff_while_counted_still_keeps_the_queue_busy() -> None:
    sqs = _CountsAtTheBoundary()
    assert not IngestionQueue(sqs, "https://queue").idle()
    assert sqs.reads == 2


def test_the_redrive_backstop_must_exceed_the_counted_attempts() -> None:
    assert INGESTION.max_receive_count > INGESTION.max_attempts
    with pytest.raises(ValueError, match="backstop"):
        replace(INGESTION, max_receive_count=INGESTION.max_attempts)


def test_failed_attempts_are_counted_on_the_file_only_while_it_is_processing(
    files_client: FilesClient,
) -> None:
    file_id = files_client.upload("acme", "a.txt", b"bilby pricing").json()["id"]
    files_client.settle()
    catalog = _runtime(files_client).catalog
    tenant = ingestion_context("acme")
    assert catalog.count_failed_attempt(tenant, file_id) is None  # `ready`: nothing to count
    assert catalog.update(tenant, file_id, status=FileStatus.PROCESSING)
    assert [catalog.count_failed_attempt(tenant, file_id) for _ in range(3)] == [1, 2, 3]
    assert catalog.count_failed_attempt(ingestion_context("globex"), file_id) is None
    record = catalog.get(tenant, file_id)
    assert record is not None
    assert record.failed_attempts == 3


def test_hand_backs_do_not_count_towards_the_dead_letter_queue(
    queues: tuple[Any, IngestionQueue, str],
) -> None:
    # Before decision 0141 the consumer and SQS counted receives: a job handed back
    # unfinished five times (deploys during a long upload, polls abandoned at shutdown) went
    # to the dead-letter queue without ever failing, and raised the alarm.
    sqs, queue, dead = queues
    queue.send(ingestion_context("acme"), "0123456789abcdee", "handed-back")
    hand_backs = INGESTION.max_attempts + 1
    for _ in range(hand_backs):
        queue.retry_later(_receive_one(queue), 0)  # what a shutdown does with a job it holds
    seen: list[tuple[int, bool]] = []

    class Worker:
        async def ingest(self, tenant: Any, file_id: str, *, last_receive: bool) -> None:
            seen.append((len(seen), last_receive))

    consumer = IngestionConsumer(
        queue,
        Worker(),  # type: ignore[arg-type]
        slots=1,
        visibility_seconds=30,
        wait_seconds=1,
        retry_base_seconds=1,
    )
    received = _receive_one(queue)
    # At least: a poll another test's consumer abandoned at its shutdown may take and hand
    # back the job too (see the shutdown test above).
    assert INGESTION.max_receive_count > received.receive_count >= hand_backs + 1
    anyio.run(consumer.handle, received)
    assert seen == [(0, False)]
    assert queue.idle()  # done and deleted
    assert "Messages" not in sqs.receive_message(QueueUrl=dead, WaitTimeSeconds=0)


def _receive_one(queue: IngestionQueue) -> ReceivedJob:
    """The one job in the queue, waiting while a stray poll holds it for a moment."""
    for _ in range(20):
        received = queue.receive(visibility_seconds=30, wait_seconds=1)
        if received:
            return received[0]
    raise AssertionError("the job never came back")


class _SettlingQueue:
    """A queue that records how the consumer settles a message."""

    def __init__(self, *, dead_letter_fails: bool = False) -> None:
        self.calls: list[tuple[str, int | None]] = []
        self._dead_letter_fails = dead_letter_fails

    def delete(self, received: ReceivedJob) -> None:
        self.calls.append(("delete", None))

    def retry_later(self, received: ReceivedJob, delay_seconds: int) -> None:
        self.calls.append(("retry_later", delay_seconds))

    def dead_letter(self, received: ReceivedJob) -> None:
        self.calls.append(("dead_letter", None))
        if self._dead_letter_fails:
            raise ConnectionError("SQS is unreachable")


class _FailingWorker:
    def __init__(self, failure: Exception) -> None:
        self.failure = failure
        self.last_receives: list[bool] = []

    async def ingest(self, tenant: Any, file_id: str, *, last_receive: bool) -> None:
        self.last_receives.append(last_receive)
        raise self.failure


def _settled(
    failure: Exception, receive_count: int, queue: _SettlingQueue | None = None
) -> list[tuple[str, int | None]]:
    queue = queue or _SettlingQueue()
    consumer = IngestionConsumer(
        queue,  # type: ignore[arg-type]
        _FailingWorker(failure),  # type: ignore[arg-type]
        slots=1,
        visibility_seconds=30,
        wait_seconds=1,
        retry_base_seconds=10,
    )
    job = IngestionJob("acme", "0123456789abcdef")
    anyio.run(consumer.handle, ReceivedJob(job, "receipt", receive_count, "message-1"))
    return queue.calls


def test_the_backoff_follows_counted_failures_not_receives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The consumer's own logger, captured (`capture_logs` misses a logger cached by an
    # earlier test: the service's logging caches loggers on first use).
    logs = structlog.testing.LogCapture()
    captured = structlog.wrap_logger(
        structlog.testing.CapturingLogger(), processors=[logs], wrapper_class=structlog.BoundLogger
    )
    monkeypatch.setattr(consumer_module, "log", captured)
    # Received seven times (hand-backs), failed twice: the third attempt waits 20 s, not 640.
    assert _settled(AttemptFailed(2, gave_up=False), 7) == [("retry_later", 20)]
    # What an operator goes by (docs/operations.md): the count, not only the receives.
    (retry,) = [line for line in logs.entries if line["event"] == "ingestion_retry_later"]
    assert (retry["failed_attempts"], retry["receive_count"]) == (2, 7)
    # Uncounted (the count's write failed too): the receives are all there is to go by.
    assert _settled(AttemptFailed(None, gave_up=False), 3) == [("retry_later", 40)]
    assert _settled(ConnectionError("not the worker's"), 2) == [("retry_later", 20)]


def test_a_job_that_gave_up_is_dead_lettered_by_the_consumer() -> None:
    assert _settled(AttemptFailed(5, gave_up=True), 5) == [("dead_letter", None)]
    # The backstop's last receive, failures uncounted: SQS moves it on its next receive.
    assert _settled(ConnectionError("DynamoDB is down"), INGESTION.max_receive_count) == [
        ("retry_later", 0)
    ]


def test_a_dead_letter_move_that_fails_hands_the_job_back_at_once() -> None:
    # Its file is already `failed`: the next delivery finds nothing to do and deletes it.
    queue = _SettlingQueue(dead_letter_fails=True)
    assert _settled(AttemptFailed(5, gave_up=True), 5, queue) == [
        ("dead_letter", None),
        ("retry_later", 0),
    ]


def test_dead_lettering_copies_the_job_then_deletes_it_once(
    queues: tuple[Any, IngestionQueue, str],
) -> None:
    sqs, queue, dead = queues
    queue.send(ingestion_context("globex"), "0123456789abcded", "to-dead-letter")
    (received,) = queue.receive(visibility_seconds=30, wait_seconds=1)
    queue.dead_letter(received)
    queue.dead_letter(received)  # a retried move: SQS drops the second copy (its dedup id)
    assert queue.idle()
    moved = sqs.receive_message(
        QueueUrl=dead,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=0,
        MessageSystemAttributeNames=["MessageGroupId"],
    )["Messages"]
    assert [json.loads(m["Body"]) for m in moved] == [
        {"tenantId": "globex", "fileId": "0123456789abcded"}
    ]
    assert moved[0]["Attributes"]["MessageGroupId"] == "globex"
    with pytest.raises(ValueError, match="dead-letter URL"):
        IngestionQueue(sqs, queue.url).dead_letter(received)


# Hostile review of decision 0141: once a file is `failed` by a give-up its job must reach the
# dead-letter queue, and a job whose file left `processing` must never.


class _Store:
    """A file store whose download, and optionally whose chunk delete, fails."""

    def __init__(self, *, download_fails: bool, delete_fails: bool = False) -> None:
        self._download_fails = download_fails
        self._delete_fails = delete_fails

    def download_to(self, tenant: Any, key: str, local: Any, *_: Any) -> None:
        if self._download_fails:
            raise ConnectionError("S3 is unreachable")
        local.write(b"numbat pricing")

    def put_bytes(self, *_: Any) -> None:
        pass

    def delete(self, *_: Any) -> None:
        if self._delete_fails:
            raise ConnectionError("S3 is unreachable")


class _Sandbox:
    def parse(self, path: str, kind: str) -> ParsedDocument:
        return ParsedDocument([Section("lines 1-1", "numbat pricing")])


class _Builder:
    async def apply(self, tenant: Any, file_ids: list[str]) -> None:
        raise IndexBuildFailed("the build process was killed")


class _CatalogSpy:
    """The catalog, with a hook run (in the worker thread) after each `update` it passes on."""

    def __init__(self, catalog: FileCatalog, after_update: Any) -> None:
        self._catalog = catalog
        self._after_update = after_update

    def update(self, *args: Any, **fields: Any) -> bool:
        done = self._catalog.update(*args, **fields)
        self._after_update(fields)
        return done

    def __getattr__(self, name: str) -> Any:
        return getattr(self._catalog, name)


def _file_in_ingestion(catalog: FileCatalog, failed_attempts: int = 0) -> str:
    file_id = new_file_id()
    catalog.create(
        ingestion_context("acme"),
        FileRecord(
            id=file_id,
            name="a.txt",
            kind="txt",
            object_key=file_object_key(ingestion_context("acme"), file_id),
            created_at=now_iso(),
            failed_attempts=failed_attempts,
        ),
    )
    return file_id


def _consumer(queue: _SettlingQueue, worker: IngestionWorker) -> IngestionConsumer:
    return IngestionConsumer(
        queue,  # type: ignore[arg-type]
        worker,
        slots=1,
        visibility_seconds=30,
        wait_seconds=1,
        retry_base_seconds=10,
    )


@pytest.mark.parametrize("failing", ["download", "index build"])
def test_a_shutdown_during_the_give_up_still_dead_letters_the_job(
    files_client: FilesClient, failing: str
) -> None:
    # A deploy's cancellation arriving while the give-up's write ran used to hand the job
    # back once the index build gave up (the chunks' delete that follows took the
    # cancellation): the file was `failed` by then, so its next delivery only deleted the
    # job, which never reached the dead-letter queue, and no alarm told an operator.
    catalog = _runtime(files_client).catalog
    file_id = _file_in_ingestion(catalog, failed_attempts=INGESTION.max_attempts - 1)
    stops: list[anyio.CancelScope] = []

    def shutdown_once_failed(fields: dict[str, Any]) -> None:
        if fields.get("status") is FileStatus.FAILED:
            anyio.from_thread.run_sync(stops[0].cancel)

    worker = IngestionWorker(
        _CatalogSpy(catalog, shutdown_once_failed),  # type: ignore[arg-type]
        _Store(download_fails=failing == "download"),  # type: ignore[arg-type]
        _Builder(),  # type: ignore[arg-type]
        _Sandbox(),  # type: ignore[arg-type]
        max_bytes=1 << 20,
    )
    queue = _SettlingQueue()

    async def deploy_during_the_give_up() -> None:
        with anyio.CancelScope() as stop:
            stops.append(stop)
            await _consumer(queue, worker).handle(
                ReceivedJob(IngestionJob("acme", file_id), "receipt", 2, "message-1")
            )

    anyio.run(deploy_during_the_give_up)
    record = catalog.get(ingestion_context("acme"), file_id)
    assert record is not None
    assert record.status is FileStatus.FAILED
    assert queue.calls == [("dead_letter", None)]


def test_a_failed_chunk_cleanup_after_giving_up_still_dead_letters_the_job(
    files_client: FilesClient,
) -> None:
    # The index build gave up, the file is `failed`; deleting its chunks then failed too
    # (S3), and that error used to replace the give-up: the job was retried after the
    # receives' backoff, then deleted unseen as its file was `failed`.
    catalog = _runtime(files_client).catalog
    file_id = _file_in_ingestion(catalog, failed_attempts=INGESTION.max_attempts - 1)
    worker = IngestionWorker(
        catalog,
        _Store(download_fails=False, delete_fails=True),  # type: ignore[arg-type]
        _Builder(),  # type: ignore[arg-type]
        _Sandbox(),  # type: ignore[arg-type]
        max_bytes=1 << 20,
    )
    queue = _SettlingQueue()
    job = ReceivedJob(IngestionJob("acme", file_id), "receipt", 5, "message-1")
    anyio.run(_consumer(queue, worker).handle, job)
    record = catalog.get(ingestion_context("acme"), file_id)
    assert record is not None
    assert (record.status, record.reason_code) == (FileStatus.FAILED, "index_unavailable")
    assert queue.calls == [("dead_letter", None)]


@pytest.mark.parametrize("receive_count", [2, INGESTION.max_receive_count])
@pytest.mark.parametrize("left", ["deleted", "retiring", "ready"])
def test_a_job_whose_file_left_processing_while_it_failed_is_never_dead_lettered(
    files_client: FilesClient, left: str, receive_count: int
) -> None:
    # The file was deleted (or finished by another delivery) while this attempt failed: the
    # failure could not be counted, and on the last receive SQS allows the job used to be
    # taken as given up and moved to the dead-letter queue, raising the alarm for a file
    # nobody needs ingested any more (before it, it waited out a backoff for nothing).
    catalog = _runtime(files_client).catalog
    tenant = ingestion_context("acme")
    file_id = _file_in_ingestion(catalog)

    class _LeavesWhileDownloading(_Store):
        def download_to(self, *args: Any) -> None:
            if left == "deleted":
                catalog.delete(tenant, file_id)
            elif left == "retiring":
                assert catalog.update(tenant, file_id, retiring=True)
            else:
                assert catalog.update(tenant, file_id, status=FileStatus.READY)
            raise ConnectionError("S3 is unreachable")

    worker = IngestionWorker(
        catalog,
        _LeavesWhileDownloading(download_fails=True),  # type: ignore[arg-type]
        _Builder(),  # type: ignore[arg-type]
        _Sandbox(),  # type: ignore[arg-type]
        max_bytes=1 << 20,
    )
    queue = _SettlingQueue()
    job = ReceivedJob(IngestionJob("acme", file_id), "receipt", receive_count, "message-1")
    anyio.run(_consumer(queue, worker).handle, job)
    if left == "ready" and receive_count < INGESTION.max_receive_count:
        # Retried, uncounted: the next delivery applies the index change again and finishes
        # what this one may have left (decision 0100).
        assert queue.calls == [("retry_later", backoff_seconds(receive_count, 10))]
    else:
        assert queue.calls == [("delete", None)]  # done with: no retry, no dead letter


def test_an_index_change_that_failed_after_marking_its_file_ready_is_applied_again(
    files_client: FilesClient,
) -> None:
    # The publish made the file `ready`, then a later step of the same change failed (the
    # old version's `supersededBy`, say): the job is retried, and its next delivery applies
    # the change again to finish it, as for a delivery that died there (decision 0100).
    catalog = _runtime(files_client).catalog
    tenant = ingestion_context("acme")
    file_id = _file_in_ingestion(catalog)

    class _FailsAfterPublishing(_Builder):
        async def apply(self, tenant: Any, file_ids: list[str]) -> None:
            assert catalog.update(tenant, file_id, status=FileStatus.READY)
            raise ConnectionError("DynamoDB is unreachable")

    applied: list[str] = []

    class _Finishes(_Builder):
        async def apply(self, tenant: Any, file_ids: list[str]) -> None:
            applied.extend(file_ids)

    def run(builder: _Builder, receive_count: int) -> list[tuple[str, int | None]]:
        worker = IngestionWorker(
            catalog,
            _Store(download_fails=False),  # type: ignore[arg-type]
            builder,  # type: ignore[arg-type]
            _Sandbox(),  # type: ignore[arg-type]
            max_bytes=1 << 20,
        )
        queue = _SettlingQueue()
        job = ReceivedJob(IngestionJob("acme", file_id), "receipt", receive_count, "message-1")
        anyio.run(_consumer(queue, worker).handle, job)
        return queue.calls

    assert run(_FailsAfterPublishing(), 1) == [("retry_later", backoff_seconds(1, 10))]
    assert run(_Finishes(), 2) == [("delete", None)]
    assert applied == [file_id]
    record = catalog.get(tenant, file_id)
    assert record is not None
    assert (record.status, record.failed_attempts) == (FileStatus.READY, 0)


def test_a_give_up_that_cannot_be_written_is_retried_after_the_failures_backoff(
    files_client: FilesClient,
) -> None:
    # DynamoDB failed the give-up's write: the file is still `processing`, so the job must
    # not be dead-lettered (its next failure gives up again), and its backoff follows its
    # counted failures, not its receives (eight here, three of them hand-backs).
    catalog = _runtime(files_client).catalog
    file_id = _file_in_ingestion(catalog, failed_attempts=INGESTION.max_attempts - 1)

    class _GiveUpFails(_CatalogSpy):
        def update(self, *args: Any, **fields: Any) -> bool:
            if fields.get("status") is FileStatus.FAILED:
                raise ConnectionError("DynamoDB is unreachable")
            return super().update(*args, **fields)

    worker = IngestionWorker(
        _GiveUpFails(catalog, lambda fields: None),  # type: ignore[arg-type]
        _Store(download_fails=True),  # type: ignore[arg-type]
        _Builder(),  # type: ignore[arg-type]
        _Sandbox(),  # type: ignore[arg-type]
        max_bytes=1 << 20,
    )
    queue = _SettlingQueue()
    job = ReceivedJob(IngestionJob("acme", file_id), "receipt", 8, "message-1")
    anyio.run(_consumer(queue, worker).handle, job)
    assert queue.calls == [("retry_later", backoff_seconds(INGESTION.max_attempts, 10))]
    record = catalog.get(ingestion_context("acme"), file_id)
    assert record is not None
    assert (record.status, record.failed_attempts) == (FileStatus.PROCESSING, 5)


@pytest.mark.parametrize("first", ["stale", "current"])
def test_two_deliveries_of_a_job_failing_together_dead_letter_it_once(
    files_client: FilesClient, queues: tuple[Any, IngestionQueue, str], first: str
) -> None:
    # The visibility timeout ran out under a live attempt (a stalled instance), so SQS handed
    # the job out again; both deliveries fail, the first to fail gives up. The job reaches
    # the dead-letter queue once, and the other delivery, finding its file `failed`, takes
    # the job as done with, whichever receipt handle (stale or current) each one holds.
    sqs, queue, dead = queues
    catalog = _runtime(files_client).catalog
    file_id = _file_in_ingestion(catalog, failed_attempts=INGESTION.max_attempts - 1)
    queue.send(ingestion_context("acme"), file_id, "twice")
    stale = _receive_one(queue)
    queue.retry_later(stale, 0)  # its visibility timeout running out, at once
    current = _receive_one(queue)
    assert stale.message_id == current.message_id != ""
    worker = IngestionWorker(
        catalog,
        _Store(download_fails=True),  # type: ignore[arg-type]
        _Builder(),  # type: ignore[arg-type]
        _Sandbox(),  # type: ignore[arg-type]
        max_bytes=1 << 20,
    )
    consumer = IngestionConsumer(
        queue, worker, slots=1, visibility_seconds=30, wait_seconds=1, retry_base_seconds=1
    )
    order = [stale, current] if first == "stale" else [current, stale]
    for delivery in order:
        anyio.run(consumer.handle, delivery)
    record = catalog.get(ingestion_context("acme"), file_id)
    assert record is not None
    assert (record.status, record.failed_attempts) == (FileStatus.FAILED, INGESTION.max_attempts)
    moved = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    assert [json.loads(m["Body"])["fileId"] for m in moved.get("Messages", [])] == [file_id]
    assert queue.idle()
