"""GET /api/files, GET /api/files/{id}, DELETE /api/files/{id}."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter

from engageiq_files.catalog import listing as listing_rows
from engageiq_files.catalog.access import audience_wall, file_view, require_steward
from engageiq_files.catalog.access import find_file as find_file  # where routes look it up
from engageiq_files.catalog.catalog import InvalidCursor, decode_cursor, encode_cursor
from engageiq_files.catalog.listing import (
    DEFAULT_ORDER,
    MAX_IDS,
    MAX_QUERY_CHARS,
    FileSort,
    SortOrder,
)
from engageiq_files.catalog.records import FILE_ID_PATTERN, FileRecord, FileStatus
from engageiq_files.catalog.stewardship import change_governance
from engageiq_files.catalog.versions import after_delete, make_current
from engageiq_files.catalog.views import BatchProgressView, FilePage, FileView
from engageiq_files.runtime import FilesRuntime
from engageiq_files.uploads.store import chunks_object_key
from engageiq_tenancy import cursors
from engageiq_tenancy.audit import AuditAction, AuditTarget
from engageiq_tenancy.audit.requests import record_audit
from engageiq_tenancy.audit.write_ahead import recorded
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.service import BEARER

FileIdPath = Annotated[
    str,
    # Documented, not enforced: any other value is simply an id that does not exist (404).
    PathParameter(description="A file id.", schema_extra={"pattern": FILE_ID_PATTERN}),
]


@get(
    "/api/files",
    security=[BEARER],
    tags=["files"],
    responses=documented_errors(
        Errors.INVALID_CURSOR,
        Errors.INVALID_FILE_SORT,
        Errors.INVALID_FILE_STATUS,
        Errors.FILE_QUERY_TOO_LONG,
        Errors.TOO_MANY_FILE_IDS,
        Errors.INVALID_REQUEST,
    ),
)
async def list_files(
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
    q: Annotated[
        str | None,
        QueryParameter(
            description="Only files whose name holds every word of this (compared as search "
            f"compares text: case, width and compatibility forms; at most {MAX_QUERY_CHARS} "
            "characters).",
        ),
    ] = None,
    sort: Annotated[
        str,
        QueryParameter(description="`date` (upload time), `name` or `status`."),
    ] = FileSort.DATE.value,
    order: Annotated[
        str | None,
        QueryParameter(
            description="`asc` or `desc`; by default newest first, A to Z, and failed then "
            "in-progress files first."
        ),
    ] = None,
    status: Annotated[
        str | None,
        QueryParameter(description="Only files of this status (`pending`, `processing`, ...)."),
    ] = None,
    file_ids: Annotated[
        list[str] | None,
        QueryParameter(
            name="fileId",
            description=f"Only these files (at most {MAX_IDS}; repeat the parameter), each as "
            "the row that shows its document now: how the web app refreshes the rows it shows.",
        ),
    ] = None,
) -> FilePage:
    """One row per document the caller may see (an older version is listed under its current
    one, a new version in progress on its document's row), newest first unless `sort` and
    `order` say otherwise; pass `nextCursor` back as `cursor`, with the same `q`, `sort`,
    `order` and `status`, for more. `progress` counts the latest uploads processed while any
    are still being processed. Each file says what the caller may do to it (`can`)."""
    listing = _listing_request(q, sort, order, status, file_ids)
    after = _after(tenant, cursor, listing.sort)
    wall = await audience_wall(files, tenant)
    if listing.plain:
        # The plain listing is DynamoDB's own order: one page read, unless the page shows a
        # document with versions or files in progress, which need the whole catalog.
        current, last = await anyio.to_thread.run_sync(
            lambda: files.catalog.page(
                tenant, limit, str(after[0]) if after else None, keep=wall.lists
            )
        )
        if not any(r.versioned or listing_rows.in_ingestion(r) for r in current):
            shown = [listing_rows.ListedRow(r) for r in current]
            last_key: listing_rows.SortKey | None = (last,) if last else None
            return await _file_page(files, tenant, shown, last_key, None, whole=True)
    records = await anyio.to_thread.run_sync(files.catalog.summaries, tenant)
    every_row = listing_rows.rows(records, wall)
    progress = listing_rows.batch_progress(every_row)
    if listing.ids is not None:
        wanted = listing.ids
        found = [
            row
            for row in every_row
            if row.record.id in wanted or any(v.id in wanted for v in row.versions or [])
        ]
        return await _file_page(files, tenant, found, None, progress)
    chosen = every_row
    if listing.query:
        matches = listing_rows.name_matches(listing.query)
        chosen = [row for row in chosen if matches(row.record)]
    if listing.status is not None:
        chosen = [row for row in chosen if row.record.status is listing.status]
    shown, last_key = listing_rows.page(chosen, listing.sort, listing.order, limit, after)
    return await _file_page(files, tenant, shown, last_key, progress)


@dataclass(frozen=True, slots=True)
class _ListingRequest:
    query: str
    sort: FileSort
    order: SortOrder
    status: FileStatus | None
    ids: frozenset[str] | None

    @property
    def plain(self) -> bool:
        """The listing DynamoDB's key order answers: newest first, everything."""
        return (
            not self.query
            and self.sort is FileSort.DATE
            and self.order is SortOrder.DESC
            and self.status is None
            and self.ids is None
        )


def _listing_request(
    q: str | None,
    sort: str,
    order: str | None,
    status: str | None,
    file_ids: list[str] | None,
) -> _ListingRequest:
    """The listing's parameters checked, with coded 400s for values it does not take."""
    query = (q or "").strip()
    if len(query) > MAX_QUERY_CHARS:
        raise ApiError(Errors.FILE_QUERY_TOO_LONG, limit=MAX_QUERY_CHARS)
    sorts = ", ".join(f"sort={s.value}" for s in FileSort)
    allowed = f"{sorts}, order=asc or order=desc"
    try:
        chosen_sort = FileSort(sort)
        chosen_order = SortOrder(order) if order is not None else DEFAULT_ORDER[chosen_sort]
    except ValueError:
        raise ApiError(Errors.INVALID_FILE_SORT, allowed=allowed) from None
    chosen_status = None
    if status is not None:
        try:
            chosen_status = FileStatus(status)
        except ValueError:
            statuses = ", ".join(s.value for s in FileStatus)
            raise ApiError(Errors.INVALID_FILE_STATUS, allowed=statuses) from None
    ids = None
    if file_ids is not None:
        if len(file_ids) > MAX_IDS:
            raise ApiError(Errors.TOO_MANY_FILE_IDS, limit=MAX_IDS)
        ids = frozenset(file_ids)
    return _ListingRequest(query, chosen_sort, chosen_order, chosen_status, ids)


def _after(
    tenant: TenantContext, cursor: str | None, sort: FileSort
) -> listing_rows.SortKey | None:
    """The sort key a cursor continues after; 400 `invalid_cursor` for one not issued to the
    caller for this sort."""
    if not cursor:
        return None
    try:
        if sort is FileSort.DATE:
            return (decode_cursor(tenant, cursor),)
        fields = cursors.decode_cursor(
            tenant,
            cursor,
            {"a": lambda raw: listing_rows.decode_key(sort, raw) is not None},
        )
    except (InvalidCursor, cursors.InvalidCursor):
        raise ApiError(Errors.INVALID_CURSOR) from None
    key = listing_rows.decode_key(sort, fields["a"])
    assert key is not None  # checked above
    return key


def _cursor(tenant: TenantContext, key: listing_rows.SortKey | None) -> str | None:
    if key is None:
        return None
    if len(key) == 1:
        # The date order's key is the id alone: the same cursor as DynamoDB's own paging.
        return encode_cursor(tenant, str(key[0]))
    return cursors.encode_cursor(tenant, {"a": listing_rows.encode_key(key)})


async def _file_page(
    files: FilesRuntime,
    tenant: TenantContext,
    shown: list[listing_rows.ListedRow],
    last: listing_rows.SortKey | None,
    progress: listing_rows.BatchProgress | None,
    *,
    whole: bool = False,
) -> FilePage:
    """The rows as the caller is shown them, each uploader named once. A row found from the
    catalog's summaries (not `whole`) is read whole first (its warnings, reason,
    verification...); one deleted meanwhile is left out."""
    if not whole:
        whole_records = await anyio.to_thread.run_sync(
            files.catalog.get_many, tenant, [row.record.id for row in shown]
        )
        shown = [
            listing_rows.ListedRow(whole_records[row.record.id], row.versions)
            for row in shown
            if row.record.id in whole_records
        ]
    knowledge = await anyio.to_thread.run_sync(files.knowledge.view, tenant)
    emails = await anyio.to_thread.run_sync(
        files.members.emails, tenant, [row.record.uploaded_by for row in shown]
    )
    return FilePage(
        files=[
            FileView.of(
                row.record,
                versions=row.versions,
                knowledge=knowledge,
                caller=tenant,
                uploader_email=emails.get(row.record.uploaded_by),
            )
            for row in shown
        ],
        next_cursor=_cursor(tenant, last),
        progress=BatchProgressView(progress.processed, progress.total) if progress else None,
    )


@get(
    "/api/files/{file_id:str}",
    security=[BEARER],
    tags=["files"],
    responses=documented_errors(Errors.FILE_NOT_FOUND),
)
async def get_file(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    file_id: FileIdPath,
) -> FileView:
    """Metadata and a short-lived download URL (each URL issued is a download in the audit
    log: the service never sees the download itself, which goes straight to storage)."""
    record = await find_file(files, tenant, file_id)
    url = None
    if not record.awaiting_upload:
        expiry = files.settings.download_expiry_seconds
        await record_audit(
            request,
            AuditAction.FILE_DOWNLOADED,
            AuditTarget("file", record.id, record.name),
            detail={"via": "link", "expires_in": expiry},
        )
        url = await anyio.to_thread.run_sync(
            files.store.presigned_download,
            tenant,
            record.object_key,
            record.name,
            files.settings.download_expiry_seconds,
            record.object_version,
        )
    return await file_view(files, tenant, record, download_url=url)


@post(
    "/api/files/{file_id:str}/restore",
    security=[BEARER],
    tags=["files"],
    status_code=200,
    responses=documented_errors(
        Errors.NOT_FILE_STEWARD, Errors.FILE_NOT_FOUND, Errors.NOT_AN_OLDER_VERSION
    ),
)
async def restore_version(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    file_id: FileIdPath,
) -> FileView:
    """Make an older, ready version the current one again: search and chat cite it from now
    on, and the version that was current is listed under it. 409 `not_an_older_version` for
    a current or not ready file; 403 `forbidden` unless the caller owns the document (its
    current version's owner: reassigned, else its uploader) or is a tenant admin."""
    record = await find_file(files, tenant, file_id)
    document = await require_steward(files, tenant, record, "restore")
    if record.superseded_by is None or record.status is not FileStatus.READY:
        raise ApiError(Errors.NOT_AN_OLDER_VERSION)
    target = AuditTarget("file", record.id, record.name)
    async with recorded(request, AuditAction.FILE_RESTORED, target):
        await anyio.to_thread.run_sync(make_current, files.catalog, tenant, record)
        if record.owner_id != document.owner_id:
            # The document keeps its owner: restoring a version its old uploader owns must not
            # hand the document back to them.
            owner = "" if document.owner_id == record.uploaded_by else document.owner_id
            await change_governance(
                files, tenant, record.id, lambda r: msgspec.structs.replace(r, owner=owner)
            )
    generation = await anyio.to_thread.run_sync(files.indexes.note_change, tenant)
    await files.builder.rebuild(tenant, generation)
    return await file_view(files, tenant, await find_file(files, tenant, file_id))


@delete(
    "/api/files/{file_id:str}",
    security=[BEARER],
    tags=["files"],
    status_code=204,
    responses=documented_errors(Errors.NOT_FILE_STEWARD, Errors.FILE_NOT_FOUND),
)
async def delete_file(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    file_id: FileIdPath,
) -> None:
    """Removes the metadata, the file's chunks from the index, the object and its chunks.
    Members delete the files whose document they own (its current version's owner: the
    uploader, unless an admin reassigned it); tenant admins any file of the tenant (403
    else)."""
    record = await find_file(files, tenant, file_id)
    await require_steward(files, tenant, record, "delete")
    async with recorded(
        request, AuditAction.FILE_DELETED, AuditTarget("file", file_id, record.name)
    ):
        await _delete(files, tenant, record)


async def _delete(files: FilesRuntime, tenant: TenantContext, record: FileRecord) -> None:
    file_id = record.id
    # The record is retired first (hidden at once, and listed for the reaper, which finishes
    # a delete cut short by a failure or a kill), then the index is rebuilt without it, and
    # only then go the data and the record: no index entry ever points to a deleted object,
    # and no object outlives its record (decision 0092).
    await anyio.to_thread.run_sync(files.catalog.retire, tenant, file_id)
    promoted = await anyio.to_thread.run_sync(after_delete, files.catalog, tenant, record)
    if promoted:
        # Another version became current: a full reconcile puts it back in the index.
        generation = await anyio.to_thread.run_sync(files.indexes.note_change, tenant)
        await files.builder.rebuild(tenant, generation)
    elif record.chunks_key or record.status is FileStatus.PROCESSING:
        await files.builder.apply(tenant, [file_id])
    # The chunks key follows from the id: removed even if ingestion stored it just now.
    await anyio.to_thread.run_sync(files.store.delete, tenant, chunks_object_key(tenant, file_id))
    await anyio.to_thread.run_sync(files.store.delete, tenant, record.object_key)
    await anyio.to_thread.run_sync(files.catalog.delete, tenant, file_id)
