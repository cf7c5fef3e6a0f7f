"""`IndexCache`: the tenant indexes one process keeps loaded, least recently used first out,
bounded by their estimated bytes (`TenantIndex.memory_bytes`) rather than by a count of
tenants: one 50,000-chunk tenant weighs as much as thousands of small ones (decision 0084).

Not thread-safe: only the event loop touches it (loads run in worker threads and hand their
result back to the loop)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import structlog

from engageiq_search.tenant_index import TenantIndex

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CachedIndex:
    version: str
    """The blob key the index was loaded from (`IndexPointer.version`)."""
    index: TenantIndex


class IndexCache:
    def __init__(self, budget_bytes: int) -> None:
        """`budget_bytes`: the most the cached indexes may weigh together (0 caches
        nothing)."""
        if budget_bytes < 0:
            raise ValueError("the index cache budget cannot be negative")
        self.budget_bytes = budget_bytes
        self._entries: OrderedDict[str, CachedIndex] = OrderedDict()
        self._bytes = 0

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def peek(self, tenant_id: str) -> CachedIndex | None:
        """The tenant's entry, whatever its version, without touching recency."""
        return self._entries.get(tenant_id)

    def get(self, tenant_id: str, version: str) -> CachedIndex | None:
        """The tenant's entry if it is still `version`; a hit makes it most recent."""
        entry = self._entries.get(tenant_id)
        if entry is None or entry.version != version:
            return None
        self._entries.move_to_end(tenant_id)
        return entry

    def put(self, tenant_id: str, entry: CachedIndex) -> bool:
        """Keep `entry` as the tenant's, evicting least recently used tenants until it fits.

        An index larger than the whole budget is not kept (False) and evicts nothing: it is
        served from the load that read it, and caching it would flush every other tenant for
        one that does not fit anyway."""
        self.discard(tenant_id)
        size = entry.index.memory_bytes
        if size > self.budget_bytes:
            log.warning(
                "index_too_large_to_cache",
                tenant_id=tenant_id,
                index_bytes=size,
                budget_bytes=self.budget_bytes,
            )
            return False
        while self._bytes + size > self.budget_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.index.memory_bytes
        self._entries[tenant_id] = entry
        self._bytes += size
        return True

    def discard(self, tenant_id: str) -> None:
        entry = self._entries.pop(tenant_id, None)
        if entry is not None:
            self._bytes -= entry.index.memory_bytes
