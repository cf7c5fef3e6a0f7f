"""GET /api/files, GET /api/files/{id}, DELETE /api/files/{id}."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
import msgspec
from litestar import delete, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter

from engageiq_files.catalog.access import audience_wall, file_view, require_steward
from engageiq_files.catalog.access import find_file as find_file  # where routes look it up
from engageiq_files.catalog.catalog import InvalidCursor, decode_cursor, encode_cursor
from engageiq_files.catalog.records import FILE_ID_PATTERN, FileRecord, FileStatus
from engageiq_files.catalog.stewardship import change_governance
from engageiq_files.catalog.versions import after_delete, make_current
from engageiq_files.catalog.views import FilePage, FileView
from engageiq_files.runtime import FilesRuntime
from engageiq_files.uploads.store import chunks_object_key
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
    responses=documented_errors(Errors.INVALID_CURSOR, Errors.INVALID_REQUEST),
)
async def list_files(
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
) -> FilePage:
    """The tenant's files, newest first; pass `nextCursor` back as `cursor` for more."""
    after = None
    if cursor:
        try:
            after = decode_cursor(tenant, cursor)
        except InvalidCursor:
            raise ApiError(Errors.INVALID_CURSOR) from None
    # Older versions are listed under their current version, not on their own, and files the
    # caller's audiences hide not at all: the catalog reads on until the page is full.
    wall = await audience_wall(files, tenant)
    current, last = await anyio.to_thread.run_sync(
        lambda: files.catalog.page(tenant, limit, after, keep=wall.lists)
    )
    documents: dict[str, list[FileRecord]] = {}
    if any(r.versioned for r in current):
        for f in await anyio.to_thread.run_sync(lambda: list(files.catalog.all_files(tenant))):
            if f.versioned:
                documents.setdefault(f.document, []).append(f)
    versions = {d: wall.versions_shown(found) for d, found in documents.items()}
    knowledge = await anyio.to_thread.run_sync(files.knowledge.view, tenant)
    return FilePage(
        files=[
            FileView.of(r, versions=versions.get(r.document), knowledge=knowledge, caller=tenant)
            for r in current
        ],
        next_cursor=encode_cursor(tenant, last) if last else None,
    )


@get(
    "/api/files/{file_id:str}",
    security=[BEARER],
    tags=["files"],
    responses=documented_errors(Errors.FILE_NOT_FOUND),
)
async def get_file(
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    file_id: FileIdPath,
) -> FileView:
    """Metadata and a short-lived download URL."""
    record = await find_file(files, tenant, file_id)
    url = None
    if not record.awaiting_upload:
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
