"""`IngestionConsumer`: every files instance takes ingestion jobs from the SQS queue.

`slots` tasks each long-poll for one job at a time and hand it to `IngestionWorker.ingest`:

- done (the file is `ready`, `failed` for a reason in the file, or gone): the message is
  deleted;
- failed otherwise (S3, DynamoDB, the index build process): the worker counts the failure
  on the file (`failedAttempts`) and the message stays, handed out again after an exponential
  backoff (`retry_base_seconds` * 2^(failures-1), set with ChangeMessageVisibility); at
  `MAX_ATTEMPTS` failures the worker marks the file `failed` with a reason and this consumer
  moves the job to the dead-letter queue itself, where the alarm and an operator find it
  (decision 0141). Failures, not receives, are counted because a job handed back unfinished
  (below) is received again without having failed: five deploys during one upload used to
  dead-letter it. SQS's redrive policy (`MAX_RECEIVES`) stays as the backstop for failures
  that could not be counted;
- while a job runs, its visibility timeout is renewed every third of it; an instance that
  dies holding a job stops renewing and never deletes it: SQS hands it to another instance
  within `visibility_seconds`, and that instance takes the file over (a second delivery of a
  job that did finish is harmless: every step of `ingest` is conditional).

The tenant of a job comes from the message, which only this service's role can write (the
queue policy and IAM allow no one else); it is used exactly as a verified token's tenant
would be: every read and write of the job is scoped by it (decision 0076)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final

import anyio
import anyio.abc
import anyio.to_thread
import structlog

from engageiq_files.ingestion.queue import MAX_RECEIVES, IngestionQueue, ReceivedJob
from engageiq_files.ingestion.worker import AttemptFailed, IngestionWorker
from engageiq_tenancy.context import TenantContext

log = structlog.get_logger(__name__)

INGESTION_USER: Final = "ingestion"
RETRY_CAP_SECONDS: Final = 900
"""Longest backoff between two attempts of one job (it blocks the tenant's later jobs)."""
RECEIVE_ERROR_PAUSE_SECONDS: Final = 2.0


def ingestion_context(tenant_id: str) -> TenantContext:
    """The identity a job runs as in its tenant: no roles, only the tenant's own data (in the
    cloud its calls are signed by the tenant role for that tenant)."""
    return TenantContext(tenant_id, INGESTION_USER, INGESTION_USER, frozenset())


def backoff_seconds(failures: int, base_seconds: float) -> int:
    """Seconds before the next attempt after `failures` failed ones: base, 2 x base,
    4 x base... capped at RETRY_CAP_SECONDS; whole seconds, as SQS takes them."""
    return int(min(RETRY_CAP_SECONDS, max(1.0, base_seconds * 2 ** (failures - 1))))


def _attempt_failure(exc: BaseException) -> AttemptFailed | None:
    """The worker's `AttemptFailed` in `exc`, which may arrive wrapped in the exception group
    of the task group that ran the job beside its visibility renewal."""
    if isinstance(exc, AttemptFailed):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _attempt_failure(inner)
            if found is not None:
                return found
    return None


class IngestionConsumer:
    def __init__(
        self,
        queue: IngestionQueue,
        worker: IngestionWorker,
        *,
        slots: int,
        visibility_seconds: int,
        wait_seconds: int,
        retry_base_seconds: float,
        max_receives: int = MAX_RECEIVES,
    ) -> None:
        self._queue = queue
        self._worker = worker
        self._slots = slots
        self._visibility = visibility_seconds
        self._wait = wait_seconds
        self._retry_base = retry_base_seconds
        self._max_receives = max_receives
        self._stopping = threading.Event()

    async def serve(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Run `slots` consumers until cancelled (the app's lifespan)."""
        try:
            async with anyio.create_task_group() as tasks:
                for _ in range(self._slots):
                    tasks.start_soon(self._consume)
                task_status.started()
        finally:
            self._stopping.set()

    def _receive(self) -> list[ReceivedJob]:
        received = self._queue.receive(self._visibility, self._wait)
        if self._stopping.is_set():
            # The poll outlived its consumer (shutdown): give the jobs back at once rather
            # than leave them hidden for the visibility timeout.
            for message in received:
                self._queue.retry_later(message, 0)
            return []
        return received

    async def _consume(self) -> None:
        while True:
            try:
                # Abandoned on shutdown (a long poll cannot be interrupted); `_receive` then
                # hands back whatever that poll still receives.
                received = await anyio.to_thread.run_sync(self._receive, abandon_on_cancel=True)
            except Exception:
                log.exception("ingestion_receive_failed")
                await anyio.sleep(RECEIVE_ERROR_PAUSE_SECONDS)
                continue
            for message in received:
                await self.handle(message)

    async def handle(self, message: ReceivedJob) -> None:
        """Run one received job and settle its message (delete, retry later, or move it to the
        dead-letter queue). Never raises: one job's failure must not stop a consumer."""
        job = message.job
        if job is None:
            # Nothing this service wrote; retrying would not make it readable.
            log.error("ingestion_message_unreadable")
            await self._settle(self._queue.delete, message)
            return
        bound = log.bind(
            tenant_id=job.tenant_id, file_id=job.file_id, receive_count=message.receive_count
        )
        last_receive = message.receive_count >= self._max_receives
        bound.info("ingestion_job_started")
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._keep_hidden, message)
                await self._worker.ingest(
                    ingestion_context(job.tenant_id), job.file_id, last_receive=last_receive
                )
                tasks.cancel_scope.cancel()
        except anyio.get_cancelled_exc_class():
            # Shutdown (a deploy) in the middle of the job: hand it back at once, so another
            # instance takes it over now rather than after the visibility timeout.
            with anyio.CancelScope(shield=True):
                await self._settle(lambda m: self._queue.retry_later(m, 0), message)
            raise
        except Exception as exc:
            # Settled even if a shutdown arrives meanwhile (shielded): an unsettled message
            # would hold the tenant's whole message group for the visibility timeout.
            with anyio.CancelScope(shield=True):
                await self._after_failure(message, exc, last_receive, bound)
            return
        # Shielded for the same reason: a stop (Ctrl-C, a deploy) right after the job finished
        # used to cancel this delete, leaving a done job in flight that blocked the tenant's
        # later uploads for 720 s after the restart (found by the new-user review).
        with anyio.CancelScope(shield=True):
            await self._settle(self._queue.delete, message)
        bound.info("ingestion_job_done")

    async def _after_failure(
        self,
        message: ReceivedJob,
        exc: Exception,
        last_receive: bool,
        bound: structlog.stdlib.BoundLogger,
    ) -> None:
        """Settle a failed job: dead-letter it once its file gave up, else retry it after the
        backoff of its counted failures (of its receives, if they could not be counted)."""
        failed = _attempt_failure(exc)
        if failed is not None and failed.gave_up:
            bound.error(
                "ingestion_to_dead_letter_queue",
                failed_attempts=failed.failed_attempts,
                exc_info=exc,
            )
            try:
                await anyio.to_thread.run_sync(self._queue.dead_letter, message)
            except Exception:
                # The job stays here and comes back at once; its file is already `failed`, so
                # that delivery only deletes it (`ingestion_skipped`): the file's reason and
                # this log line are what remain for the operator.
                log.exception("ingestion_dead_letter_failed")
                await self._settle(lambda m: self._queue.retry_later(m, 0), message)
            return
        if last_receive:
            # Failed on the last receive SQS allows, before the worker could count it (the
            # claim's own write failed, say): visible again at once, so the next receive moves
            # it to the dead-letter queue (the backstop) instead of blocking the tenant's later
            # jobs meanwhile. A file left `processing` is the sweeper's (decision 0075).
            bound.error("ingestion_to_dead_letter_queue", exc_info=exc)
            await self._settle(lambda m: self._queue.retry_later(m, 0), message)
            return
        counted = failed.failed_attempts if failed is not None else None
        delay = backoff_seconds(
            message.receive_count if counted is None else counted, self._retry_base
        )
        # `failed_attempts` beside `receive_count`: the receives include hand-backs, so only
        # the count says how near the job is to the dead-letter queue (None: not counted).
        bound.error(
            "ingestion_retry_later", delay_seconds=delay, failed_attempts=counted, exc_info=exc
        )
        await self._settle(lambda m: self._queue.retry_later(m, delay), message)

    async def _keep_hidden(self, message: ReceivedJob) -> None:
        """While this instance works on the job, renew its visibility timeout every third of
        it, so a slow job (a large tenant's index build on a busy machine) is never handed to
        a second consumer while the first still runs. A dead instance stops renewing, and its
        job comes back within one visibility timeout."""
        while True:
            await anyio.sleep(self._visibility / 3)
            try:
                await anyio.to_thread.run_sync(
                    self._queue.retry_later, message, self._visibility, abandon_on_cancel=True
                )
            except Exception:
                log.warning("ingestion_visibility_not_renewed", exc_info=True)

    async def _settle(self, action: Callable[[ReceivedJob], None], message: ReceivedJob) -> None:
        try:
            await anyio.to_thread.run_sync(action, message)
        except Exception:
            # The message comes back after its visibility timeout; the job is idempotent.
            log.exception("ingestion_message_not_settled")
