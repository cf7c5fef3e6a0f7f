"""`TenantIndexBuilder`: rebuilds a tenant's index after its files change.

A caller notes its change first (`IndexStore.note_change`, which returns the tenant's new
generation) and then asks for an index covering that generation. Requests coalesce, within
this process and across instances: a request returns as soon as the published index was built
at or after its generation, whoever built it. A file becomes `ready` only once an index that
contains it is published, so "ready" always means "searchable".

A build can lose the race to publish (another instance published a newer generation first,
`IndexStore.publish` returns None). The winner's index then covers the loser's files, but the
loser must not rely on the winner to mark them `ready`: the winner may die between publishing
and marking. So every request ends by marking its own files `ready` once the published
generation covers its noted generation (a conditional `processing -> ready`, a no-op when the
winner already did it)."""

from __future__ import annotations

from collections.abc import Collection
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
from engageiq_files.uploads.store import FileStore
from engageiq_search.index_store import IndexPointer, IndexStore
from engageiq_search.service import TenantSearch
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from engageiq_tenancy.context import TenantContext

log = structlog.get_logger(__name__)
_chunks_decoder = msgspec.json.Decoder(list[Chunk])


@dataclass
class _TenantBuilds:
    lock: anyio.Lock = field(default_factory=anyio.Lock)


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

    async def rebuild(
        self, tenant: TenantContext, generation: int, file_ids: Collection[str] = ()
    ) -> None:
        """Return once the tenant's published index was built at `generation` or later (the
        generation `IndexStore.note_change` returned for the caller's change) and each of
        `file_ids` still `processing` is marked `ready`.

        Builds until that holds: a build that loses the race to publish re-reads the pointer
        (the winner's generation covers it) instead of giving up. Raises IndexBuildFailed when
        the build process fails, and boto3's errors."""
        state = self._tenants.setdefault(tenant.tenant_id, _TenantBuilds())
        async with state.lock:
            while True:
                pointer = await anyio.to_thread.run_sync(self._indexes.pointer, tenant)
                if pointer.built_generation >= generation:
                    break  # built by this process or another instance after our change
                previous = self._search.cached(tenant)
                published = await anyio.to_thread.run_sync(
                    self._rebuild_blocking, tenant, previous.index if previous else None
                )
                if published is not None:
                    self._search.remember(tenant, *published)
        if file_ids:
            await anyio.to_thread.run_sync(self._mark_ready, tenant, file_ids)

    def _mark_ready(self, tenant: TenantContext, file_ids: Collection[str]) -> None:
        # Safe without re-reading the index: the published build read the generation after
        # these files' changes were noted, and each file's chunks were stored before that
        # note, so the build's (consistent) listing had them. Conditional: a file deleted or
        # failed meanwhile stays as it is.
        for file_id in file_ids:
            self._catalog.update(
                tenant, file_id, expect_status=FileStatus.PROCESSING, status=FileStatus.READY
            )

    def _rebuild_blocking(
        self, tenant: TenantContext, previous: TenantIndex | None
    ) -> tuple[IndexPointer, TenantIndex] | None:
        generation = self._indexes.pointer(tenant).generation
        files = [
            f
            # Consistent: a file whose change was noted before `generation` was read must be
            # listed with its chunks, or the build would miss it (decision 0076).
            for f in self._catalog.all_files(tenant, consistent=True)
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
