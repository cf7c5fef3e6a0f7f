"""`IngestionWorker`: ingests files in the background of the files service.

Jobs go on an in-process queue served by a few tasks; each parse runs in the parser sandbox.
This is the simplest design that is honest here: a restart loses queued jobs (those files stay
`pending` and can be completed again). In the cloud the same `ingest` would be driven by an S3
event -> SQS queue -> worker (see docs/decisions/0035-ingestion-in-the-service.md)."""

from __future__ import annotations

import math
import tempfile
from functools import partial

import anyio
import anyio.abc
import anyio.to_thread
import msgspec
import structlog
from anyio.streams.memory import MemoryObjectReceiveStream

from engageiq_files.catalog.catalog import FileCatalog
from engageiq_files.catalog.records import FileStatus
from engageiq_files.ingestion.chunking import chunk_sections
from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.sections import ParseFailure
from engageiq_files.search.build_process import IndexBuildFailed
from engageiq_files.search.builder import TenantIndexBuilder
from engageiq_files.search.index_store import IndexStore
from engageiq_files.uploads.store import FileStore, chunks_object_key
from engageiq_tenancy.context import TenantContext

log = structlog.get_logger(__name__)


class IngestionWorker:
    def __init__(
        self,
        catalog: FileCatalog,
        store: FileStore,
        indexes: IndexStore,
        builder: TenantIndexBuilder,
        sandbox: ParserSandbox,
        max_bytes: int,
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._indexes = indexes
        self._builder = builder
        self._sandbox = sandbox
        self._max_bytes = max_bytes
        # Unbounded: a job is two short strings, and refusing one after the file is stored
        # would leave it pending for good.
        self._send, self._receive = anyio.create_memory_object_stream[tuple[TenantContext, str]](
            math.inf
        )
        self._pending = 0
        self._idle = anyio.Event()
        self._idle.set()

    def submit(self, tenant: TenantContext, file_id: str) -> None:
        self._pending += 1
        self._idle = anyio.Event() if self._idle.is_set() else self._idle
        self._send.send_nowait((tenant, file_id))

    async def drained(self) -> None:
        """Wait until every submitted job has finished (tests, graceful shutdown)."""
        await self._idle.wait()

    async def serve(self, workers: int, task_status: anyio.abc.TaskStatus[None]) -> None:
        async with anyio.create_task_group() as tasks:
            for _ in range(workers):
                tasks.start_soon(self._serve_one, self._receive.clone())
            task_status.started()

    def close(self) -> None:
        self._send.close()
        self._receive.close()

    async def _serve_one(self, jobs: MemoryObjectReceiveStream[tuple[TenantContext, str]]) -> None:
        with jobs:
            async for tenant, file_id in jobs:
                await self._serve_job(tenant, file_id)

    async def _serve_job(self, tenant: TenantContext, file_id: str) -> None:
        try:
            await self.ingest(tenant, file_id)
        except Exception:
            # One file's failure must never stop the worker (the file is marked failed).
            log.exception("ingestion_crashed", tenant_id=tenant.tenant_id, file_id=file_id)
        finally:
            self._pending -= 1
            if self._pending == 0:
                self._idle.set()

    async def ingest(self, tenant: TenantContext, file_id: str) -> None:
        bound = log.bind(tenant_id=tenant.tenant_id, file_id=file_id)
        moved = await anyio.to_thread.run_sync(
            lambda: self._catalog.update(
                tenant, file_id, expect_status=FileStatus.PENDING, status=FileStatus.PROCESSING
            )
        )
        if not moved:
            bound.info("ingestion_skipped")  # deleted, or already taken by another worker
            return
        try:
            chunk_count = await anyio.to_thread.run_sync(self._parse_and_store, tenant, file_id)
        except ParseFailure as failure:
            bound.info("ingestion_failed", reason_code=failure.code)
            await anyio.to_thread.run_sync(
                partial(
                    self._catalog.update,
                    tenant,
                    file_id,
                    status=FileStatus.FAILED,
                    reasonCode=failure.code,
                    reason=failure.message,
                )
            )
            return
        except Exception:
            await anyio.to_thread.run_sync(
                lambda: self._catalog.update(
                    tenant,
                    file_id,
                    status=FileStatus.FAILED,
                    reasonCode="ingestion_error",
                    reason="The file could not be processed; try uploading it again.",
                )
            )
            raise
        bound.info("ingestion_chunked", chunks=chunk_count)
        generation = await anyio.to_thread.run_sync(self._indexes.note_change, tenant)
        try:
            await self._builder.rebuild(tenant, generation, [file_id])
        except IndexBuildFailed:
            # The previous index stays published; this file is failed rather than left
            # "processing", and its chunks go so no later build picks them up half-way.
            bound.exception("index_build_failed")
            await anyio.to_thread.run_sync(
                partial(
                    self._catalog.update,
                    tenant,
                    file_id,
                    expect_status=FileStatus.PROCESSING,
                    status=FileStatus.FAILED,
                    reasonCode="index_unavailable",
                    reason="The search index could not be updated; try uploading again.",
                )
            )
            await anyio.to_thread.run_sync(
                self._store.delete, tenant, chunks_object_key(tenant, file_id)
            )

    def _parse_and_store(self, tenant: TenantContext, file_id: str) -> int:
        record = self._catalog.get(tenant, file_id)
        if record is None:
            raise ParseFailure("deleted", "The file was deleted during processing.")
        with tempfile.NamedTemporaryFile(prefix="engageiq-ingest-") as local:
            self._store.download_to(
                tenant, record.object_key, local, self._max_bytes, record.object_version
            )
            local.flush()
            parsed = self._sandbox.parse(local.name, record.kind)
        chunks = chunk_sections(parsed.sections)
        if not chunks:
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
        )
        if not stored:
            self._store.delete(tenant, key)  # deleted meanwhile: leave nothing behind
            raise ParseFailure("deleted", "The file was deleted during processing.")
        return len(chunks)
