"""`UploadReaper`: removes uploads that were started and never verified - a streamed upload
whose instance was killed or whose clean-up failed (`UploadIntent`), a direct upload never
completed - with everything they stored: open multipart uploads, the object, the record.

At start-up and then every `REAP_INTERVAL_SECONDS`, one Query page of the sparse
`by_ingestion` index's `upload` partition (oldest first) lists unverified uploads; those whose
`expiresAt` has passed are reaped in this order: multipart uploads aborted, object deleted,
record deleted only if still unverified. An expired record can no longer be completed
(`FileCatalog.update(expect_live=True)`), and a reaper killed half-way leaves the record, so
the next sweep finishes the job. Decision 0092."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

import anyio
import anyio.abc
import anyio.to_thread
import structlog

from engageiq_files.catalog.catalog import FileCatalog, OpenUpload
from engageiq_files.ingestion.sweeper import sweeper_context
from engageiq_files.uploads.store import FileStore

log = structlog.get_logger(__name__)

REAP_INTERVAL_SECONDS: Final = 60.0
REAP_BATCH: Final = 100


def _iso(epoch_seconds: float) -> str:
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class UploadReaper:
    def __init__(
        self,
        catalog: FileCatalog,
        store: FileStore,
        shortest_lifetime: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`shortest_lifetime`: the shortest time an unverified upload lives (seconds);
        records written more recently are not even read."""
        self._catalog = catalog
        self._store = store
        self._shortest_lifetime = shortest_lifetime
        self._clock = clock

    def reap(self, upload: OpenUpload) -> bool:
        """Remove one expired upload and what it stored; False if it was completed or
        removed meanwhile. Blocking (boto3)."""
        tenant = sweeper_context(upload.tenant_id)
        self._store.abort_uploads(tenant, upload.object_key)
        record = self._catalog.get(tenant, upload.file_id, include_expired=True)
        if record is None or not record.awaiting_upload:
            return False
        self._store.delete(tenant, upload.object_key)
        return self._catalog.delete_open_upload(tenant, upload.file_id)

    def reap_expired(self) -> int:
        """One sweep; how many uploads were removed. Blocking (boto3)."""
        now = self._clock()
        before = _iso(now - self._shortest_lifetime)
        removed = 0
        for upload in self._catalog.open_uploads(before, REAP_BATCH):
            if upload.expires_at > now:
                continue
            if self.reap(upload):
                removed += 1
                log.info(
                    "abandoned_upload_removed",
                    tenant_id=upload.tenant_id,
                    file_id=upload.file_id,
                    expired_at=upload.expires_at,
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
                await anyio.to_thread.run_sync(self.reap_expired)
            except Exception:
                # Storage unreachable for a moment: the next sweep tries again.
                log.exception("upload_reap_failed")
            await anyio.sleep(interval)
