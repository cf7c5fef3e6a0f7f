"""`TenantSearch`: per-tenant indexes cached in process, checked against the pointer on each
query (one GetItem) so a change to that tenant's files is seen at once. Loads and queries run
in worker threads under a per-tenant lock: a large index loading for one tenant never blocks
another tenant's queries."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

import anyio
import anyio.to_thread
import msgspec

from engageiq_files.search.index_store import IndexPointer, IndexStore
from engageiq_files.search.tenant_index import TenantIndex
from engageiq_tenancy.context import TenantContext

MAX_CACHED_TENANTS: Final = 64
MAX_RESULTS: Final = 50


class Passage(msgspec.Struct, rename="camel", frozen=True):
    """One retrieved chunk, with what a citation needs."""

    file_id: str
    file_name: str
    location: str
    text: str
    score: float
    uploaded_at: str = ""
    """Upload date of the file version the passage comes from (ISO 8601): only current
    versions are searched, and a citation names the date."""


@dataclass(frozen=True, slots=True)
class CachedIndex:
    version: str
    index: TenantIndex


class TenantSearch:
    def __init__(self, indexes: IndexStore, max_tenants: int = MAX_CACHED_TENANTS) -> None:
        self._indexes = indexes
        self._max_tenants = max_tenants
        self._cache: OrderedDict[str, CachedIndex] = OrderedDict()
        self._locks: dict[str, anyio.Lock] = {}

    def cached(self, tenant: TenantContext) -> CachedIndex | None:
        return self._cache.get(tenant.tenant_id)

    def remember(self, tenant: TenantContext, pointer: IndexPointer, index: TenantIndex) -> None:
        """Prime the cache with an index this process just published."""
        if pointer.version is not None:
            self._put(tenant.tenant_id, CachedIndex(pointer.version, index))

    def forget(self, tenant: TenantContext) -> None:
        self._cache.pop(tenant.tenant_id, None)

    async def search(self, tenant: TenantContext, query: str, limit: int) -> list[Passage]:
        limit = max(0, min(limit, MAX_RESULTS))
        if not query.strip() or limit == 0:
            return []
        index = await self.current(tenant)
        if index is None:
            return []
        hits = await anyio.to_thread.run_sync(index.search, query, limit)
        return [
            Passage(
                file_id=chunk.file_id,
                file_name=chunk.file_name,
                location=chunk.location,
                text=chunk.text,
                score=round(score, 4),
                uploaded_at=chunk.uploaded_at,
            )
            for chunk, score in hits
        ]

    async def current(self, tenant: TenantContext) -> TenantIndex | None:
        """The tenant's current index: from the cache if its version is still the pointer's."""
        for _ in range(3):
            pointer = await anyio.to_thread.run_sync(self._indexes.pointer, tenant)
            if pointer.version is None:
                return None
            cached = self._cache.get(tenant.tenant_id)
            if cached is not None and cached.version == pointer.version:
                self._cache.move_to_end(tenant.tenant_id)
                return cached.index
            lock = self._locks.setdefault(tenant.tenant_id, anyio.Lock())
            async with lock:
                cached = self._cache.get(tenant.tenant_id)
                if cached is not None and cached.version == pointer.version:
                    return cached.index
                index = await anyio.to_thread.run_sync(self._indexes.load, tenant, pointer.version)
                if index is not None:
                    self._put(tenant.tenant_id, CachedIndex(pointer.version, index))
                    return index
            # The blob was replaced between reading the pointer and loading it: read again.
        return None

    def _put(self, tenant_id: str, entry: CachedIndex) -> None:
        self._cache[tenant_id] = entry
        self._cache.move_to_end(tenant_id)
        while len(self._cache) > self._max_tenants:
            evicted, _ = self._cache.popitem(last=False)
            self._locks.pop(evicted, None)
