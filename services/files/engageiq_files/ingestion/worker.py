"""`IngestionWorker`: ingests one file - the work behind one job of the ingestion queue.

Jobs arrive from the SQS FIFO queue through `IngestionConsumer` (decision 0076), in any files
instance. `ingest` may run for the same file more than once (a retry, a job taken over after
an instance died, a sweep): every step is safe to repeat. It claims the file (`pending` or
`processing` -> `processing`), parses it in the sandbox, stores its chunks, and returns once
an index containing them is published and the file is `ready`. A parse failure is final (the
file is `failed` with its reason); any other failure is counted on the file (decision 0141)
and raises `AttemptFailed` so that the job is retried, and on the last allowed attempt the
file is first marked `failed` with a reason a person understands."""

from __future__ import annotations

import tempfile
from functools import partial
from typing import Final

import anyio
import anyio.to_thread
import msgspec
import structlog

from engageiq_files.catalog.catalog import IN_INGESTION, FileCatalog
from engageiq_files.catalog.records import FileStatus
from engageiq_files.ingestion.chunking import chunk_sections
from engageiq_files.ingestion.queue import MAX_ATTEMPTS
from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.sections import ParseFailure
from engageiq_files.search.build_process import IndexBuildFailed
from engageiq_files.search.builder import TenantIndexBuilder
from engageiq_files.uploads.store import FileStore, chunks_object_key
from engageiq_tenancy.context import TenantContext

log = structlog.get_logger(__name__)

GAVE_UP_CODE: Final = "ingestion_error"
GAVE_UP_MESSAGE: Final = (
    "The file could not be processed after several attempts; try uploading it again."
)
INDEX_GAVE_UP_CODE: Final = "index_unavailable"
INDEX_GAVE_UP_MESSAGE: Final = "The search index could not be updated; try uploading again."


class AttemptFailed(Exception):
    """An attempt failed for a reason outside the file, and was counted on it.

    `failed_attempts` is the file's count with this one (None when it was not counted: the
    count's own write failed, or the file is `ready` already, `_left_processing`); `gave_up`
    says the file is now `failed` and the job is done with (the consumer dead-letters it).
    The failure itself is the `__cause__`."""

    def __init__(self, failed_attempts: int | None, *, gave_up: bool) -> None:
        super().__init__(f"ingestion attempt failed ({failed_attempts} so far, gave up: {gave_up})")
        self.failed_attempts = failed_attempts
        self.gave_up = gave_up


class IngestionWorker:
    def __init__(
        self,
        catalog: FileCatalog,
        store: FileStore,
        builder: TenantIndexBuilder,
        sandbox: ParserSandbox,
        max_bytes: int,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._builder = builder
        self._sandbox = sandbox
        self._max_bytes = max_bytes
        self._max_attempts = max_attempts

    async def ingest(self, tenant: TenantContext, file_id: str, *, last_receive: bool) -> None:
        """Ingest `file_id` of `tenant`; returns when the file is `ready`, `failed` for a
        reason in the file itself, or no longer there to ingest (deleted, already done; a
        file already `ready` has its index change applied again, see below).

        Raises `AttemptFailed` on any other failure (S3, DynamoDB, the index build process),
        after counting it on the file: the caller retries the job, or dead-letters it when
        `gave_up`. The attempt that reaches `max_attempts` failures gives up, and so does any
        failure with `last_receive` (SQS's redrive backstop moves the job on its next
        receive): the file is first marked `failed` (`ingestion_error` or
        `index_unavailable`), so it never stays `processing`. An attempt that fails once its
        file has left `processing` for good (deleted, `failed`, taken back by the sweeper)
        returns: the job is done with, neither retried nor dead-lettered; one whose file is
        `ready` by then is retried uncounted (`_left_processing`)."""
        bound = log.bind(tenant_id=tenant.tenant_id, file_id=file_id)
        # `processing` too: the job of an instance that died mid-way is taken over here.
        claimed = await anyio.to_thread.run_sync(
            lambda: self._catalog.update(
                tenant,
                file_id,
                expect_status=IN_INGESTION,
                expect_awaiting=False,
                status=FileStatus.PROCESSING,
            )
        )
        if not claimed:
            if await anyio.to_thread.run_sync(self._ready, tenant, file_id):
                # Delivered again once its file is `ready`: the delivery that made it ready
                # may have died after that, in the merge or before the sweep (decision 0100).
                # Applied again, the file publishes as it is, the publish sweeps what that
                # delivery left and the merge it did not finish runs; no next change needed.
                bound.info("ingestion_index_finished_again")
                await self._builder.apply(tenant, [file_id])
                return
            bound.info("ingestion_skipped")  # deleted, failed, or awaiting its upload
            return
        try:
            chunk_count = await anyio.to_thread.run_sync(self._parse_and_store, tenant, file_id)
        except ParseFailure as failure:
            bound.info("ingestion_failed", reason_code=failure.code)
            # Conditional: a second delivery of the job may have finished the file meanwhile.
            await anyio.to_thread.run_sync(
                partial(
                    self._catalog.update,
                    tenant,
                    file_id,
                    expect_status=FileStatus.PROCESSING,
                    status=FileStatus.FAILED,
                    reasonCode=failure.code,
                    reason=failure.message,
                )
            )
            return
        except Exception as exc:
            failed = await self._attempt_failed(
                tenant, file_id, last_receive, GAVE_UP_CODE, GAVE_UP_MESSAGE
            )
            if failed is None:
                bound.info("ingestion_overtaken", failure=repr(exc))
                return
            raise failed from exc
        if chunk_count is None:
            bound.info("ingestion_overtaken")  # deleted, or finished by another delivery
            return
        bound.info("ingestion_chunked", chunks=chunk_count)
        try:
            await self._builder.apply(tenant, [file_id])
        except Exception as exc:
            if isinstance(exc, IndexBuildFailed):
                bound.warning("index_build_failed", error=str(exc))
            # The previous index stays published; a file that gives up is failed rather than
            # left "processing", and its chunks go so no later build picks them up half-way.
            failed = await self._attempt_failed(
                tenant,
                file_id,
                last_receive,
                INDEX_GAVE_UP_CODE,
                INDEX_GAVE_UP_MESSAGE,
                chunks_key=chunks_object_key(tenant, file_id),
            )
            if failed is None:
                bound.info("ingestion_overtaken", failure=repr(exc))
                return
            if failed.gave_up:
                bound.error("index_build_gave_up", error=repr(exc))
            raise failed from exc

    async def _attempt_failed(
        self,
        tenant: TenantContext,
        file_id: str,
        last_receive: bool,
        code: str,
        reason: str,
        *,
        chunks_key: str | None = None,
    ) -> AttemptFailed | None:
        """Record a failed attempt on the file: count it and, on the attempt that reaches
        `max_attempts` (or on `last_receive`), mark the file `failed` with `code` and
        `reason` and delete `chunks_key` if given. Returns what the consumer settles the job
        by, or None when the file is no longer this job's (`_left_processing`): nothing is
        left to retry or to dead-letter.

        A count that cannot be written (DynamoDB is what failed, say) gives up only on
        `last_receive`: the redrive backstop then still bounds the job. A give-up that cannot
        be written leaves the job to be retried (the next failure gives up again).

        Shielded from cancellation (a deploy's shutdown), and a failed delete of the chunks
        is only logged: once the file is `failed`, `AttemptFailed(gave_up=True)` must reach
        the consumer, whose move is the job's only way to the dead-letter queue; handed back
        instead, its next delivery finds the file `failed` and deletes it unseen."""
        with anyio.CancelScope(shield=True):
            failed = await self._record_failed_attempt(
                tenant, file_id, last_receive, code, reason, chunks_key
            )
        return failed

    async def _record_failed_attempt(
        self,
        tenant: TenantContext,
        file_id: str,
        last_receive: bool,
        code: str,
        reason: str,
        chunks_key: str | None,
    ) -> AttemptFailed | None:
        """`_attempt_failed`'s steps, run in its shielded scope: a function of their own
        because a cancel scope may end its block without reaching a `return`, so every
        return of the steps is here and `_attempt_failed` returns what they give."""
        bound = log.bind(tenant_id=tenant.tenant_id, file_id=file_id)
        try:
            count = await anyio.to_thread.run_sync(
                self._catalog.count_failed_attempt, tenant, file_id
            )
        except Exception:
            bound.warning("ingestion_attempt_not_counted", exc_info=True)
            count = None
        else:
            if count is None:
                return await self._left_processing(tenant, file_id, last_receive)
        if not (last_receive or (count is not None and count >= self._max_attempts)):
            return AttemptFailed(count, gave_up=False)
        try:
            marked = await self._give_up(tenant, file_id, code, reason)
        except Exception:
            bound.warning("ingestion_give_up_not_written", exc_info=True)
            return AttemptFailed(count, gave_up=False)
        if not marked:
            return await self._left_processing(tenant, file_id, last_receive)
        if chunks_key is not None:
            try:
                await anyio.to_thread.run_sync(self._store.delete, tenant, chunks_key)
            except Exception:
                # Only `processing` and `ready` files' chunks are built into an index.
                bound.warning("ingestion_chunks_not_deleted", exc_info=True)
        return AttemptFailed(count, gave_up=True)

    async def _left_processing(
        self, tenant: TenantContext, file_id: str, last_receive: bool
    ) -> AttemptFailed | None:
        """Settle a failed attempt whose file left `processing` meanwhile. `ready` (this
        attempt's own publish marked it before failing, or another delivery did): retried,
        uncounted, since a delivery of a `ready` file applies the index change again and
        finishes what this one left (decision 0100) - except on the last receive, after which
        SQS would move the job of a searchable file to the dead-letter queue. Otherwise
        (deleted, being deleted, `failed`, taken back by the sweeper, which sends its own
        job): None, the job is done with."""
        if not last_receive and await anyio.to_thread.run_sync(self._ready, tenant, file_id):
            return AttemptFailed(None, gave_up=False)
        return None

    def _ready(self, tenant: TenantContext, file_id: str) -> bool:
        record = self._catalog.get(tenant, file_id)
        return record is not None and record.status is FileStatus.READY

    async def _give_up(self, tenant: TenantContext, file_id: str, code: str, reason: str) -> bool:
        """Mark the file `failed` with `code`; False if it is no longer `processing`."""
        marked = await anyio.to_thread.run_sync(
            lambda: self._catalog.update(
                tenant,
                file_id,
                expect_status=FileStatus.PROCESSING,
                status=FileStatus.FAILED,
                reasonCode=code,
                reason=reason,
            )
        )
        if marked:
            log.warning("ingestion_gave_up", tenant_id=tenant.tenant_id, file_id=file_id, code=code)
        return marked

    def _parse_and_store(self, tenant: TenantContext, file_id: str) -> int | None:
        """Parse the file and store its chunks; how many, or None when the file is no longer
        this job's (deleted, or no longer `processing` because another delivery of the same
        job finished it). Raises ParseFailure for a file that cannot be ingested."""
        record = self._catalog.get(tenant, file_id)
        if record is None or record.status is not FileStatus.PROCESSING:
            return None
        with tempfile.NamedTemporaryFile(prefix="engageiq-ingest-") as local:
            self._store.download_to(
                tenant, record.object_key, local, self._max_bytes, record.object_version
            )
            local.flush()
            parsed = self._sandbox.parse(local.name, record.kind)
        chunks = chunk_sections(parsed.sections)
        # An image (or scan) in which OCR found nothing is `ready` with its `no_text_found`
        # warning (decision 0104): the upload worked, the picture just holds no words.
        if not chunks and not any(w.code == "no_text_found" for w in parsed.warnings):
            raise ParseFailure("no_text", "No text could be extracted from this file.")
        key = chunks_object_key(tenant, file_id)
        self._store.put_bytes(tenant, key, msgspec.json.encode(chunks), "application/json")
        stored = self._catalog.update(
            tenant,
            file_id,
            expect_status=FileStatus.PROCESSING,
            chunksKey=key,
            chunkCount=len(chunks),
            warnings=[msgspec.to_builtins(w) for w in parsed.warnings],
            encoding=parsed.encoding,
        )
        if not stored:
            if self._catalog.get(tenant, file_id) is None:
                self._store.delete(tenant, key)  # deleted meanwhile: leave nothing behind
            # Otherwise another delivery finished it, and its index needs these very chunks
            # (the same key, the same content): they stay.
            return None
        return len(chunks)
