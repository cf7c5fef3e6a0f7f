"""`OrphanReaper`: finishes what a failure or a killed instance left between a record and its
data - uploads started and never verified (a streamed upload whose instance died or whose
clean-up failed, `UploadIntent`; a direct upload never completed) and deletes cut short
(`FileCatalog.retire`) - so that no stored byte outlives its record.

At start-up and then every `REAP_INTERVAL_SECONDS`, one Query page of the sparse
`by_ingestion` index's `upload` partition (oldest first) lists such records; those whose
`expiresAt` has passed (and were last written at least `shortest_lifetime` ago, so an upload
or delete still under way is left alone) are reaped:
- an unverified upload: its multipart uploads aborted, its object deleted, then its record
  (only if still unverified). An expired record can no longer be completed
  (`FileCatalog.update(expect_live=True)`), so this never races a completion;
- a delete cut short: the tenant's index rebuilt without it first (no index entry may point
  to deleted data), then its chunks, its object and the record.
A reaper killed half-way leaves the record, and the next sweep finishes. Decision 0092."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Final

import anyio
import anyio.abc
import anyio.to_thread
import structlog

from engageiq_files.catalog.catalog import FileCatalog, OpenUpload
from engageiq_files.ingestion.sweeper import sweeper_context
from engageiq_files.uploads.store import FileStore, chunks_object_key
from engageiq_tenancy.context import TenantContext

log = structlog.get_logger(__name__)

REAP_INTERVAL_SECONDS: Final = 60.0
REAP_BATCH: Final = 100

IndexRebuild = Callable[[TenantContext], Awaitable[None]]
"""Notes a change to the tenant's files and returns once an index without it is published."""


def _iso(epoch_seconds: float) -> str:
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class OrphanReaper:
    def __init__(
        self,
        catalog: FileCatalog,
        store: FileStore,
        rebuild: IndexRebuild,
        shortest_lifetime: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`shortest_lifetime`: seconds a record must have been left alone before it is read
        (no upload expires sooner; a delete finishes well within it)."""
        self._catalog = catalog
        self._store = store
        self._rebuild = rebuild
        self._shortest_lifetime = shortest_lifetime
        self.clock = clock

    def expired(self) -> list[OpenUpload]:
        """Up to `REAP_BATCH` records to reap, oldest first. Blocking (boto3)."""
        now = self.clock()
        before = _iso(now - self._shortest_lifetime)
        return [u for u in self._catalog.open_uploads(before, REAP_BATCH) if u.expires_at <= now]

    def reap(self, entry: OpenUpload) -> bool:
        """Remove one record's data, then the record; False if it was completed or removed
        meanwhile. A retiring record's index rebuild must have run first. Blocking (boto3)."""
        tenant = sweeper_context(entry.tenant_id)
        self._store.abort_uploads(tenant, entry.object_key)
        record = self._catalog.get(tenant, entry.file_id, include_expired=True)
        if record is None:
            return False
        if record.retiring:
            self._store.delete(tenant, chunks_object_key(tenant, entry.file_id))
            self._store.delete(tenant, entry.object_key)
            self._catalog.delete(tenant, entry.file_id)
            return True
        if not record.awaiting_upload:
            return False
        self._store.delete(tenant, entry.object_key)
        return self._catalog.delete_open_upload(tenant, entry.file_id)

    async def sweep(self) -> int:
        """One sweep; how many records (and their data) were removed."""
        entries = await anyio.to_thread.run_sync(self.expired)
        for tenant_id in sorted({e.tenant_id for e in entries if e.retiring}):
            await self._rebuild(sweeper_context(tenant_id))
        removed = 0
        for entry in entries:
            if await anyio.to_thread.run_sync(self.reap, entry):
                removed += 1
                log.info(
                    "orphan_reaped",
                    tenant_id=entry.tenant_id,
                    file_id=entry.file_id,
                    kind="delete" if entry.retiring else "upload",
                    expired_at=entry.expires_at,
                )
        return removed

    async def serve(
        self,
        interval: float = REAP_INTERVAL_SECONDS,
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Reap at once (start-up), then every `interval` seconds, until cancelled."""
        task_status.started()
        while True:
            try:
                await self.sweep()
            except Exception:
                # Storage unreachable for a moment: the next sweep tries again.
                log.exception("orphan_reap_failed")
            await anyio.sleep(interval)
