"""`IngestionSweeper`: takes back files whose ingestion was stranded.

Jobs live in the SQS ingestion queue (decision 0076), so a dead instance's job comes back by
itself. What the queue cannot see is a file whose job was never sent or is gone: the send
failed after the upload was stored, a job reached the dead-letter queue without its file being
marked (the instance died on the last attempt), or the file was stranded before the queue
existed. At start-up and then every `SWEEP_INTERVAL_SECONDS`, the sweeper asks the sparse
`by_ingestion` index for files that have not progressed for `stale_after` seconds, moves each
back to `pending` with a conditional write (only if its status and `updatedAt` are still what
was read: of two sweepers, one wins) and sends a new job for it. Decision 0075.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

import anyio
import anyio.abc
import anyio.to_thread
import structlog

from engageiq_files.catalog.catalog import FileCatalog, IngestionEntry
from engageiq_files.catalog.records import FileStatus
from engageiq_files.ingestion.queue import IngestionQueue
from engageiq_files.search.build_process import BUILD_TIMEOUT_SECONDS
from engageiq_tenancy.context import TenantContext

log = structlog.get_logger(__name__)

STALE_MARGIN_SECONDS: Final = 120.0
"""Added to the longest sandboxed step, for the download, the chunk upload and clock skew
between instances."""
SWEEP_INTERVAL_SECONDS: Final = 60.0
SWEEP_BATCH: Final = 100
"""Files taken per sweep at most (one index page): a backlog is worked off over sweeps."""
SWEEPER_USER: Final = "ingestion-sweeper"


def stale_after_seconds(parse_timeout_seconds: float) -> float:
    """How long a file may sit in `pending` or `processing` without progress before it is
    taken back, in seconds: the longest step a live worker takes between two writes of the
    file, plus `STALE_MARGIN_SECONDS`.

    A worker writes the file when it starts (`processing`), after the parse and the chunk
    upload (bounded by the parser sandbox's `parse_timeout_seconds`) and after the index build
    (bounded by the build sandbox's `BUILD_TIMEOUT_SECONDS`). So a file another live instance
    is still working on is never older than this, and is never taken from it. With the
    defaults (60 s parse, 600 s build): 720 s."""
    return max(parse_timeout_seconds, BUILD_TIMEOUT_SECONDS) + STALE_MARGIN_SECONDS


def _iso(epoch_seconds: float) -> str:
    # The same shape as `records.now_iso`, so string order is time order.
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sweeper_context(tenant_id: str) -> TenantContext:
    """The identity the sweeper acts as in a tenant: no roles, only the tenant's own data
    (in the cloud its writes are signed by the tenant role for that tenant)."""
    return TenantContext(tenant_id, SWEEPER_USER, SWEEPER_USER, frozenset())


class IngestionSweeper:
    def __init__(
        self,
        catalog: FileCatalog,
        queue: IngestionQueue,
        stale_after: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._catalog = catalog
        self._queue = queue
        self._stale_after = stale_after
        self._clock = clock

    def find_stale(self) -> list[IngestionEntry]:
        """Files (up to `SWEEP_BATCH`, oldest first) with no progress for `stale_after`
        seconds, as read from the index. Blocking (boto3)."""
        before = _iso(self._clock() - self._stale_after)
        return self._catalog.stale_ingestions(before, SWEEP_BATCH)

    def claim(self, entry: IngestionEntry) -> TenantContext | None:
        """Move `entry`'s file back to `pending` if it is still exactly as read (status and
        `updatedAt`); the tenant to ingest it for, or None when another sweeper, a worker or a
        delete got there first. Blocking (boto3)."""
        tenant = sweeper_context(entry.tenant_id)
        claimed = self._catalog.update(
            tenant,
            entry.file_id,
            expect_status=entry.status,
            expect_updated_at=entry.updated_at,
            status=FileStatus.PENDING,
        )
        return tenant if claimed else None

    def claim_stale(self) -> list[tuple[TenantContext, str, str]]:
        """Move every stale file (up to `SWEEP_BATCH`) back to `pending`; the files this call
        won, as (tenant, file id, the `updatedAt` it was claimed at). Blocking (boto3)."""
        claimed: list[tuple[TenantContext, str, str]] = []
        for entry in self.find_stale():
            tenant = self.claim(entry)
            if tenant is not None:
                log.info(
                    "ingestion_reclaimed",
                    tenant_id=entry.tenant_id,
                    file_id=entry.file_id,
                    was=entry.status.value,
                    since=entry.updated_at,
                )
                claimed.append((tenant, entry.file_id, entry.updated_at))
        return claimed

    def requeue(self, claimed: list[tuple[TenantContext, str, str]]) -> None:
        """Send a job for each claimed file. The deduplication id names the claim, so SQS
        does not take it for the upload's own job. A send that fails leaves the file
        `pending` with a new `updatedAt`: the sweep after `stale_after` tries again."""
        for tenant, file_id, seen in claimed:
            self._queue.send(tenant, file_id, f"{file_id}-swept-{seen}")

    async def sweep(self) -> int:
        """One sweep: claim the stale files and queue them for ingestion; how many."""
        claimed = await anyio.to_thread.run_sync(self.claim_stale)
        await anyio.to_thread.run_sync(self.requeue, claimed)
        return len(claimed)

    async def serve(
        self,
        interval: float = SWEEP_INTERVAL_SECONDS,
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Sweep at once (start-up), then every `interval` seconds, until cancelled."""
        task_status.started()
        while True:
            try:
                await self.sweep()
            except Exception:
                # DynamoDB unreachable for a moment: the next sweep tries again.
                log.exception("ingestion_sweep_failed")
            await anyio.sleep(interval)
