"""`UploadIntent`: the catalog record of a streamed upload, written *before* its bytes.

Writing the record after the object (as before) left an object without a record whenever
the record's write failed and the clean-up failed too, or the process died in between: an
orphan nothing would ever find. Now (decision 0092):
1. `register` (called by `StreamedUpload` just before the S3 multipart upload starts) writes
   the record unverified - `awaitingUpload`, `expiresAt` = now + `upload_intent_seconds`, in
   the `by_ingestion` index's `upload` partition. Reads skip it once expired.
2. `complete` verifies it (`awaitingUpload` false, size, `pending`), only while it is still
   unverified and unexpired; from then on it is an ordinary file.
3. Any failure in between calls `discard`: the object (if completed) and the record are
   removed at once. If that fails too (the storage still down) or the process is killed, the
   record stays and expires, and `OrphanReaper` removes it with its object and any open
   multipart upload. So every stored byte is always reachable from a record."""

from __future__ import annotations

import time
from typing import Any

import anyio
import anyio.to_thread
import msgspec
import structlog

from engageiq_files.catalog.catalog import FileCatalog
from engageiq_files.catalog.records import FileRecord, FileStatus, now_iso
from engageiq_files.uploads.names import sanitise_name
from engageiq_files.uploads.sniffing import CONTENT_TYPES, FileKind
from engageiq_files.uploads.store import FileStore
from engageiq_files.uploads.streaming import ReceivedFile
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError

log = structlog.get_logger(__name__)


class UploadExpired(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.UPLOAD_EXPIRED)


class UploadIntent:
    def __init__(
        self,
        catalog: FileCatalog,
        store: FileStore,
        tenant: TenantContext,
        file_id: str,
        key: str,
        versioning: dict[str, Any],
        lifetime_seconds: int,
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._tenant = tenant
        self._file_id = file_id
        self._key = key
        self._versioning = versioning
        self._lifetime = lifetime_seconds
        self.record: FileRecord | None = None
        """The registered record (None until `register`)."""

    async def register(self, raw_name: str, kind: FileKind) -> None:
        """Write the unverified record; `StreamedUpload` calls it before storing any byte."""
        record = FileRecord(
            id=self._file_id,
            name=sanitise_name(raw_name),
            kind=kind.value,
            content_type=CONTENT_TYPES[kind],
            object_key=self._key,
            created_at=now_iso(),
            uploaded_by=self._tenant.user_id,
            awaiting_upload=True,
            expires_at=int(time.time()) + self._lifetime,
            **self._versioning,
        )
        await anyio.to_thread.run_sync(self._catalog.create, self._tenant, record)
        self.record = record

    async def complete(self, received: ReceivedFile) -> FileRecord:
        """Mark the stored upload verified and `pending`; the record as it now is. Raises
        `UploadExpired` if the reaper's deadline passed first; on any failure the upload is
        discarded."""
        assert self.record is not None, "register() runs before any byte is stored"
        try:
            completed = await anyio.to_thread.run_sync(
                lambda: self._catalog.update(
                    self._tenant,
                    self._file_id,
                    expect_awaiting=True,
                    expect_live=True,
                    remove=("expiresAt",),
                    awaitingUpload=False,
                    size=received.size,
                    status=FileStatus.PENDING,
                )
            )
            if not completed:
                raise UploadExpired()
        except BaseException:
            await self.discard()
            raise
        return msgspec.structs.replace(
            self.record, size=received.size, awaiting_upload=False, expires_at=None
        )

    async def discard(self) -> None:
        """Remove what this upload stored, now; shielded from the request's cancellation.
        The object is deleted even when the upload seemed to fail before completing it (a
        completion can succeed and still report a failure). A failure here is logged and
        left to the reaper (the record expires)."""
        if self.record is None:
            return
        with anyio.CancelScope(shield=True):
            try:
                # Any multipart upload still open first (its own abort may have failed too):
                # the record goes only once nothing of the upload is left, else the reaper
                # needs it to find what is.
                await anyio.to_thread.run_sync(self._store.abort_uploads, self._tenant, self._key)
                await anyio.to_thread.run_sync(self._store.delete, self._tenant, self._key)
                await anyio.to_thread.run_sync(
                    self._catalog.delete_open_upload, self._tenant, self._file_id
                )
            except Exception as exc:
                log.warning(
                    "upload_left_for_reaper",
                    file_id=self._file_id,
                    error=type(exc).__name__,
                    expires_at=self.record.expires_at,
                )
