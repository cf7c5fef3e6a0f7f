"""`FilesRuntime`: the files service's long-lived parts (boto3 clients, catalog, store, index,
the ingestion queue and its consumer, the governance reader and collections), created once at
start-up and shared by every request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
import anyio.to_thread
import structlog

from engageiq_files.catalog.catalog import FileCatalog
from engageiq_files.collections.store import CollectionStore
from engageiq_files.config import FilesSettings
from engageiq_files.ingestion.consumer import IngestionConsumer
from engageiq_files.ingestion.queue import IngestionQueue, resolve_url
from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.sweeper import IngestionSweeper, stale_after_seconds
from engageiq_files.ingestion.worker import IngestionWorker
from engageiq_files.search.build_process import IndexBuildProcess
from engageiq_files.search.builder import TenantIndexBuilder
from engageiq_files.tenant_members import TenantMembers
from engageiq_files.uploads.reaper import OrphanReaper
from engageiq_files.uploads.store import FileStore
from engageiq_search.index_store import IndexStore
from engageiq_search.service import TenantSearch
from engageiq_tenancy.aws import client
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.governance import KnowledgeReader
from engageiq_tenancy.resources import INGESTION
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_credentials import TenantClients

log = structlog.get_logger(__name__)
DRAIN_BOUND_SECONDS = 120.0


@dataclass
class FilesRuntime:
    settings: FilesSettings
    catalog: FileCatalog
    store: FileStore
    indexes: IndexStore
    search: TenantSearch
    builder: TenantIndexBuilder
    worker: IngestionWorker
    queue: IngestionQueue
    consumer: IngestionConsumer
    sweeper: IngestionSweeper
    reaper: OrphanReaper
    knowledge: KnowledgeReader
    """The tenant's collections and governed files (decision 0111), cached per tenant for
    `VIEW_TTL_SECONDS`: what the audience wall (`catalog.access`) and freshness read;
    forgotten after this process changes them."""
    collections: CollectionStore
    members: TenantMembers
    """Who is a user of a tenant (audiences, file owners)."""

    @classmethod
    def create(
        cls,
        service: ServiceSettings,
        settings: FilesSettings,
    ) -> FilesRuntime:
        clients = TenantClients.from_settings(service, "files")
        table = service.table("files")
        catalog = FileCatalog(clients, table)
        store = FileStore(clients, service.bucket("uploads"))
        indexes = IndexStore(clients, table, store)
        # `/api/files/search` is a keyword search box: BM25 alone, so a word no file holds
        # finds nothing rather than its nearest neighbours. The segments still carry vectors
        # (the build processes embed them) for the chat's hybrid retrieval.
        search = TenantSearch(indexes, settings.index_cache_bytes)
        builder = TenantIndexBuilder(
            catalog, store, indexes, search, IndexBuildProcess(embedder=settings.embedder)
        )
        sandbox = ParserSandbox(
            settings.parse_limits(),
            timeout=settings.parse_timeout_seconds,
            memory_bytes=settings.parse_memory_bytes,
        )
        worker = IngestionWorker(
            catalog, store, builder, sandbox, max_bytes=settings.max_upload_bytes
        )
        # The queue is the service's own, never a tenant's: its own client, not TenantClients.
        sqs = client("sqs", service)
        queue = IngestionQueue(
            sqs,
            resolve_url(sqs, settings.ingestion_queue_url, INGESTION.physical_name(service.env)),
            resolve_url(
                sqs,
                settings.ingestion_dead_letter_url,
                INGESTION.dead_letter_physical_name(service.env),
            ),
        )
        consumer = IngestionConsumer(
            queue,
            worker,
            slots=settings.ingestion_workers,
            visibility_seconds=settings.ingestion_visibility_seconds,
            wait_seconds=settings.ingestion_wait_seconds,
            retry_base_seconds=settings.ingestion_retry_base_seconds,
        )
        sweeper = IngestionSweeper(
            catalog, queue, stale_after_seconds(settings.parse_timeout_seconds)
        )

        async def rebuild(tenant: TenantContext) -> None:
            generation = await anyio.to_thread.run_sync(indexes.note_change, tenant)
            await builder.rebuild(tenant, generation)

        reaper = OrphanReaper(catalog, store, rebuild, settings.upload_intent_seconds)
        return cls(
            settings,
            catalog,
            store,
            indexes,
            search,
            builder,
            worker,
            queue,
            consumer,
            sweeper,
            reaper,
            knowledge=KnowledgeReader(clients, table),
            collections=CollectionStore(clients, table),
            members=TenantMembers.from_settings(service),
        )

    async def enqueue(self, tenant: TenantContext, file_id: str) -> None:
        """Queue the ingestion of a file whose record is `pending` (after an upload or a
        `complete`). A send that fails is logged, not raised: the upload itself is stored,
        and the sweeper sends the job once the file has waited `stale_after` (decision 0075)."""
        try:
            await anyio.to_thread.run_sync(self.queue.send, tenant, file_id, file_id)
        except Exception:
            log.exception("ingestion_enqueue_failed", tenant_id=tenant.tenant_id, file_id=file_id)

    async def drained(self, poll_seconds: float = 0.05) -> None:
        """Wait until the ingestion queue holds no job, waiting or in progress (tests);
        TimeoutError after DRAIN_BOUND_SECONDS (a hung test, not a measurement)."""
        with anyio.fail_after(DRAIN_BOUND_SECONDS):
            while True:
                if await anyio.to_thread.run_sync(self.queue.idle):
                    return
                await anyio.sleep(poll_seconds)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The queue consumers, the sweeper and the orphan reaper live as long as the app
        (Litestar lifespan)."""
        async with anyio.create_task_group() as tasks:
            await tasks.start(self.consumer.serve)
            await tasks.start(self.sweeper.serve)
            await tasks.start(self.reaper.serve)
            try:
                yield
            finally:
                tasks.cancel_scope.cancel()
