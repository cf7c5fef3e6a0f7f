"""The audience wall (decision 0111): the one place that decides which of the tenant's files a
caller may see, for every read of the files service.

The first wall is the tenant: every lookup is keyed by the caller's verified tenant. This is the
second, inside it: a file in a restricted collection whose audience does not admit the caller
answers every `/api/files/{id}...` route exactly as an id that never existed (404
`file_not_found`), is absent from listings (versions listed under a document included) and is
never found by search. The rule itself is `engageiq_tenancy.governance.KnowledgeView`; this
module only applies it to the catalog's records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import anyio.to_thread

from engageiq_files.catalog.records import FileRecord
from engageiq_files.catalog.versions import versions_of
from engageiq_files.runtime import FilesRuntime
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.governance import KnowledgeView
from engageiq_tenancy.keys import InvalidObjectId, object_id


@dataclass(frozen=True, slots=True)
class AudienceWall:
    """What one caller may see of their tenant's files, at one moment (`KnowledgeView` is
    kept `VIEW_TTL_SECONDS` per tenant, so a change is honoured within the 10 s bound)."""

    caller: TenantContext
    view: KnowledgeView

    def admits(self, record: FileRecord) -> bool:
        """The audience rule for a record already read: its own `collectionIds` (read
        consistently with the record), each restricted one admitting the caller."""
        return self.view.may_see_collections(self.caller, record.collection_ids)

    def lists(self, record: FileRecord) -> bool:
        """Whether `GET /api/files` shows the record on its own: a current version the caller
        may see (older versions are listed under their current one)."""
        return record.superseded_by is None and self.admits(record)

    def visible(self, records: Iterable[FileRecord]) -> list[FileRecord]:
        return [r for r in records if self.admits(r)]

    def hidden_files(self) -> frozenset[str]:
        """Ids of the tenant's files the caller may not see (for the index's `exclude=`)."""
        return self.view.hidden_files(self.caller)


async def audience_wall(files: FilesRuntime, tenant: TenantContext) -> AudienceWall:
    """The caller's wall, from the service's cached `KnowledgeReader` (two Queries when the
    tenant's view is older than its TTL, else none)."""
    view = await anyio.to_thread.run_sync(files.knowledge.view, tenant)
    return AudienceWall(tenant, view)


async def find_file(files: FilesRuntime, tenant: TenantContext, file_id: str) -> FileRecord:
    """The caller's file, or 404 `file_not_found` alike for a malformed id, an id of another
    tenant, a missing or expired file, and a file the caller's audiences hide.

    Every route that takes a file id (details, download, content, passages, restore, delete,
    complete, `replaces=`) finds it here. A file in no collection is visible to its whole
    tenant: the tenant's view is read only for a file that belongs to one."""
    try:
        object_id(file_id)
    except InvalidObjectId:
        raise ApiError(Errors.FILE_NOT_FOUND) from None
    record = await anyio.to_thread.run_sync(files.catalog.get, tenant, file_id)
    if record is None:
        raise ApiError(Errors.FILE_NOT_FOUND)
    if record.collection_ids and not (await audience_wall(files, tenant)).admits(record):
        raise ApiError(Errors.FILE_NOT_FOUND)
    return record


async def visible_versions(
    files: FilesRuntime, tenant: TenantContext, document: str
) -> list[FileRecord]:
    """The versions of `document` the caller may see, newest first."""
    wall = await audience_wall(files, tenant)
    versions = await anyio.to_thread.run_sync(versions_of, files.catalog, tenant, document)
    return wall.visible(versions)


async def search_scope(
    files: FilesRuntime,
    wall: AudienceWall,
    collection_ids: Iterable[str],
    file_ids: Iterable[str],
) -> frozenset[str] | None:
    """The file ids a search scoped to `collection_ids` and `file_ids` may return (the files
    of those collections, and those files, less the hidden ones); None when neither is given
    (the whole tenant, less the hidden files, which the caller passes as `exclude`).

    Raises 400 `unknown_scope` alike for an id that names nothing, another tenant's, and one
    the caller may not see: a scope never tells which ids exist."""
    wanted_collections = set(collection_ids)
    wanted_files = set(file_ids)
    if not wanted_collections and not wanted_files:
        return None
    for collection_id in wanted_collections:
        collection = wall.view.collections.get(collection_id)
        if collection is None or not collection.admits(wall.caller):
            raise ApiError(Errors.UNKNOWN_SCOPE)
    for file_id in wanted_files:
        try:
            object_id(file_id)
        except InvalidObjectId:
            raise ApiError(Errors.UNKNOWN_SCOPE) from None
        record = await anyio.to_thread.run_sync(files.catalog.get, wall.caller, file_id)
        if record is None or not wall.admits(record):
            raise ApiError(Errors.UNKNOWN_SCOPE)
    return (wall.view.files_in(wanted_collections) | wanted_files) - wall.hidden_files()
