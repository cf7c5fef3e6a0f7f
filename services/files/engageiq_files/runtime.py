"""`FilesRuntime`: the files service's long-lived parts (boto3 clients, catalog, store, index,
ingestion), created once at start-up and shared by every request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio

from engageiq_files.catalog.catalog import FileCatalog
from engageiq_files.config import FilesSettings
from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.sections import ParseLimits
from engageiq_files.ingestion.sweeper import IngestionSweeper, stale_after_seconds
from engageiq_files.ingestion.worker import IngestionWorker
from engageiq_files.search.builder import TenantIndexBuilder
from engageiq_files.search.index_store import IndexStore
from engageiq_files.search.service import TenantSearch
from engageiq_files.uploads.reaper import OrphanReaper
from engageiq_files.uploads.store import FileStore
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_credentials import TenantClients


@dataclass
class FilesRuntime:
    settings: FilesSettings
    catalog: FileCatalog
    store: FileStore
    indexes: IndexStore
    search: TenantSearch
    builder: TenantIndexBuilder
    worker: IngestionWorker
    sweeper: IngestionSweeper
    reaper: OrphanReaper

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
        search = TenantSearch(indexes)
        builder = TenantIndexBuilder(catalog, store, indexes, search)
        sandbox = ParserSandbox(
            ParseLimits(
                max_pages=settings.max_pages,
                max_text_chars=settings.max_text_chars,
                max_docx_uncompressed_bytes=settings.max_docx_uncompressed_bytes,
            ),
            timeout=settings.parse_timeout_seconds,
            memory_bytes=settings.parse_memory_bytes,
        )
        worker = IngestionWorker(
            catalog, store, indexes, builder, sandbox, max_bytes=settings.max_upload_bytes
        )
        sweeper = IngestionSweeper(
            catalog, worker, stale_after_seconds(settings.parse_timeout_seconds)
        )

        # Only reads records at least this old: no unverified upload expires sooner.
        async def rebuild(tenant: TenantContext) -> None:
            await anyio.to_thread.run_sync(indexes.note_change, tenant)
            await builder.rebuild(tenant)

        reaper = OrphanReaper(catalog, store, rebuild, settings.upload_intent_seconds)
        return cls(settings, catalog, store, indexes, search, builder, worker, sweeper, reaper)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The ingestion tasks, the sweeper and the orphan reaper live as long as the app
        (Litestar lifespan)."""
        async with anyio.create_task_group() as tasks:
            await tasks.start(self.worker.serve, self.settings.ingestion_workers)
            await tasks.start(self.sweeper.serve)
            await tasks.start(self.reaper.serve)
            try:
                yield
            finally:
                tasks.cancel_scope.cancel()
                self.worker.close()
