"""`TenantSearch`: per-tenant indexes cached in process, checked against the pointer on each
query (one GetItem) so a change to that tenant's files is seen at once. The cache is bounded
by bytes (`IndexCache`); loads and queries run in worker threads, at most one load per tenant
at a time (concurrent queries share it): a large index loading for one tenant never blocks
another tenant's queries."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Final

import anyio
import anyio.to_thread
import msgspec

from engageiq_search.cache_budget import default_cache_bytes
from engageiq_search.embedder import Embedder
from engageiq_search.file_filter import EVERY_FILE, FileFilter
from engageiq_search.index_cache import CachedIndex, IndexCache
from engageiq_search.index_store import IndexPointer, IndexStore
from engageiq_search.tenant_index import TenantIndex
from engageiq_tenancy.context import TenantContext

MAX_RESULTS: Final = 50
POINTER_READS: Final = 3
"""Pointer reads per query: a blob replaced between reading the pointer and loading it costs
one more read; three misses in a row mean the tenant is rebuilding faster than we load."""

__all__ = ["CachedIndex", "Passage", "TenantSearch"]


class Passage(msgspec.Struct, rename="camel", frozen=True):
    """One retrieved chunk, with what a citation needs."""

    file_id: str
    file_name: str
    location: str
    text: str
    score: float
    uploaded_at: str = ""
    """Upload date of the file version the passage comes from (ISO 8601): only current
    versions are searchable, and a citation names the date."""


@dataclass(eq=False)
class _Load:
    """One tenant's load in flight; queries for the same version wait for it."""

    version: str
    done: anyio.Event = field(default_factory=anyio.Event)
    index: TenantIndex | None = None
    failed: bool = False


class TenantSearch:
    def __init__(
        self,
        indexes: IndexStore,
        cache_bytes: int | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        """`cache_bytes`: the cache's budget; by default a share of the instance's memory
        (`cache_budget.default_cache_bytes`). `embedder`: embeds questions for the dense
        half of hybrid retrieval (segments carry the same embedder's vectors); None ranks
        by BM25 alone."""
        self._indexes = indexes
        self._embedder = embedder
        self.cache = IndexCache(default_cache_bytes() if cache_bytes is None else cache_bytes)
        self._loads: dict[str, _Load] = {}
        self.hits = 0
        """Queries answered from the cache (with `loads`, what bench/index_cache.py reports)."""
        self.loads = 0
        """Index loads started."""

    def cached(self, tenant: TenantContext) -> CachedIndex | None:
        return self.cache.peek(tenant.tenant_id)

    def remember(self, tenant: TenantContext, pointer: IndexPointer, index: TenantIndex) -> None:
        """Prime the cache with an index this process just published."""
        if pointer.version is not None:
            self.cache.put(tenant.tenant_id, CachedIndex(pointer.version, index))

    def forget(self, tenant: TenantContext) -> None:
        self.cache.discard(tenant.tenant_id)

    async def search(
        self,
        tenant: TenantContext,
        query: str,
        limit: int,
        only: FileFilter = EVERY_FILE,
    ) -> list[Passage]:
        """The best `limit` (at most `MAX_RESULTS`) passages of `tenant`'s current index for
        `query`, best first, of the files `only` lets through (a scope, minus the files the
        caller's audiences hide; decision 0111)."""
        limit = max(0, min(limit, MAX_RESULTS))
        if not query.strip() or limit == 0 or only.matches_nothing:
            return []
        index = await self.current(tenant)
        if index is None:
            return []
        hits = await anyio.to_thread.run_sync(
            functools.partial(
                index.search,
                query,
                limit,
                embedder=self._embedder,
                files=only.within,
                exclude=only.hidden,
            )
        )
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
        for _ in range(POINTER_READS):
            pointer = await anyio.to_thread.run_sync(self._indexes.pointer, tenant)
            if pointer.version is None:
                return None
            cached = self.cache.get(tenant.tenant_id, pointer.version)
            if cached is not None:
                self.hits += 1
                return cached.index
            index = await self._load(tenant, pointer.version)
            if index is not None:
                return index
            # The blob was replaced between reading the pointer and loading it: read again.
        return None

    async def _load(self, tenant: TenantContext, version: str) -> TenantIndex | None:
        tenant_id = tenant.tenant_id
        while (running := self._loads.get(tenant_id)) is not None:
            await running.done.wait()
            if running.version == version and not running.failed:
                return running.index  # even one too large to cache is loaded once, shared
            cached = self.cache.get(tenant_id, version)
            if cached is not None:
                return cached.index
        # Whatever the cache holds for this tenant is stale: its segments still listed are
        # reused by the load, the rest is let go before its successor arrives.
        stale = self.cache.peek(tenant_id)
        self.cache.discard(tenant_id)
        load = self._loads[tenant_id] = _Load(version)
        self.loads += 1
        try:
            load.index = await anyio.to_thread.run_sync(
                self._indexes.load, tenant, version, stale.index if stale else None
            )
        except BaseException:
            load.failed = True  # waiters load for themselves
            raise
        finally:
            del self._loads[tenant_id]
            load.done.set()
        if load.index is not None:
            self.cache.put(tenant_id, CachedIndex(version, load.index))
        return load.index
