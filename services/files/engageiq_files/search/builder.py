"""`TenantIndexBuilder`: rebuilds a tenant's index after its files change.

Requests for the same tenant coalesce: while one build runs, later requests wait for it and
at most one more build follows, covering all of them. A file becomes `ready` only once an
index that contains it is published, so "ready" always means "searchable"."""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio
import anyio.to_thread
import msgspec
import structlog

from engageiq_files.catalog.catalog import FileCatalog
from engageiq_files.catalog.records import FileRecord, FileStatus
from engageiq_files.catalog.versions import superseded_in_build
from engageiq_files.ingestion.chunking import Chunk
from engageiq_files.search.build_process import IndexBuildProcess
from engageiq_files.search.index_store import IndexPointer, IndexStore
from engageiq_files.search.service import TenantSearch
from engageiq_files.search.tenant_index import IndexedChunk, TenantIndex
from engageiq_files.uploads.store import FileStore
from engageiq_tenancy.context import TenantContext

log = structlog.get_logger(__name__)
_chunks_decoder = msgspec.json.Decoder(list[Chunk])


@dataclass
class _TenantBuilds:
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    requested: int = 0
    built: int = 0


class TenantIndexBuilder:
    def __init__(
        self,
        catalog: FileCatalog,
        store: FileStore,
        indexes: IndexStore,
        search: TenantSearch,
        build_process: IndexBuildProcess | None = None,
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._indexes = indexes
        self._search = search
        self._build_process = build_process or IndexBuildProcess()
        self._tenants: dict[str, _TenantBuilds] = {}

    async def rebuild(self, tenant: TenantContext) -> None:
        """Returns once an index reflecting every change noted before the call is published."""
        state = self._tenants.setdefault(tenant.tenant_id, _TenantBuilds())
        state.requested += 1
        wanted = state.requested
        async with state.lock:
            if state.built >= wanted:
                return  # a build that started after our request already covered it
            covering = state.requested
            previous = self._search.cached(tenant)
            published = await anyio.to_thread.run_sync(
                self._rebuild_blocking, tenant, previous.index if previous else None
            )
            state.built = covering
        if published is not None:
            pointer, index = published
            self._search.remember(tenant, pointer, index)

    def _rebuild_blocking(
        self, tenant: TenantContext, previous: TenantIndex | None
    ) -> tuple[IndexPointer, TenantIndex] | None:
        generation = self._indexes.pointer(tenant).generation
        files = [
            f
            for f in self._catalog.all_files(tenant)
            if f.chunks_key and f.status in (FileStatus.PROCESSING, FileStatus.READY)
        ]
        # Only current versions are searchable (decision 0052).
        superseded = superseded_in_build(files)
        searchable = [f for f in files if f.superseded_by is None and f.id not in superseded]
        chunks = self._gather_chunks(tenant, searchable, previous)
        blob = self._build_process.build(chunks)
        pointer = self._indexes.publish(tenant, blob, generation)
        if pointer is None:
            log.info("index_build_superseded", generation=generation)
            return None
        for f in files:
            if f.status is FileStatus.PROCESSING:
                self._catalog.update(
                    tenant, f.id, expect_status=FileStatus.PROCESSING, status=FileStatus.READY
                )
        for old, current in superseded.items():
            self._catalog.update(tenant, old, supersededBy=current)
        log.info("index_published", generation=generation, chunks=len(chunks))
        return pointer, TenantIndex.from_bytes(blob)

    def _gather_chunks(
        self, tenant: TenantContext, files: list[FileRecord], previous: TenantIndex | None
    ) -> list[IndexedChunk]:
        # A file's chunks never change after they are stored (a new upload is a new id), so
        # the previous index's copy is reused and only new files are read from S3.
        reusable: dict[str, list[IndexedChunk]] = {}
        for chunk in previous.chunks if previous else []:
            reusable.setdefault(chunk.file_id, []).append(chunk)
        gathered: list[IndexedChunk] = []
        for f in files:
            if f.id in reusable:
                gathered += reusable[f.id]
                continue
            assert f.chunks_key is not None
            blob = self._store.get_bytes(tenant, f.chunks_key)
            if blob is None:
                continue  # deleted meanwhile: no index entry may point to missing data
            gathered += [
                IndexedChunk(f.id, f.name, c.location, c.text, f.created_at)
                for c in _chunks_decoder.decode(blob)
            ]
        return gathered
