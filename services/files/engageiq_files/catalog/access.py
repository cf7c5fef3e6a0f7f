"""The audience wall (decision 0111): the one place that decides which of the tenant's files a
caller may see, for every read of the files service.

The first wall is the tenant: every lookup is keyed by the caller's verified tenant. This is the
second, inside it: a file in a restricted collection whose audience does not admit the caller
answers every `/api/files/{id}...` route exactly as an id that never existed (404
`file_not_found`), is absent from listings (versions listed under a document included) and is
never found by search. The rule holds per document: an older version is visible only with
its document's current version, and no view names a version the caller may not see. The rule
itself is `engageiq_tenancy.governance.KnowledgeView`; this module only applies it to the
catalog's records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import anyio.to_thread

from engageiq_files.catalog.ownership import require_change_right
from engageiq_files.catalog.records import FileRecord
from engageiq_files.catalog.versions import versions_of
from engageiq_files.catalog.views import FileView
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

    def versions_shown(self, versions: Iterable[FileRecord]) -> list[FileRecord]:
        """The versions of one document (all of them, as `versions_of` reads them) the caller
        may see: those the rule admits, or none when a current version (`supersededBy`
        unset) is one it does not (the per-document rule, `visible_record`)."""
        versions = list(versions)
        if any(v.superseded_by is None and not self.admits(v) for v in versions):
            return []
        return self.visible(versions)

    def hidden_files(self) -> frozenset[str]:
        """Ids of the tenant's files the caller may not see (for the index's `exclude=`)."""
        return self.view.hidden_files(self.caller)


async def audience_wall(files: FilesRuntime, tenant: TenantContext) -> AudienceWall:
    """The caller's wall, from the service's cached `KnowledgeReader` (two Queries when the
    tenant's view is older than its TTL, else none)."""
    view = await anyio.to_thread.run_sync(files.knowledge.view, tenant)
    return AudienceWall(tenant, view)


MAX_VERSION_HOPS = 50
"""How many `supersededBy` links `current_of` follows before it stops: each restore or new
version adds at most one, and a loop (which no write makes) must not hold a request."""


def current_of(files: FilesRuntime, tenant: TenantContext, record: FileRecord) -> FileRecord:
    """The current version of `record`'s document: `record` itself unless it is an older
    version, else the record its `supersededBy` chain ends at (one GetItem per link, usually
    one). A link to a record no longer stored ends the chain at the last one found. Blocking."""
    current, seen = record, {record.id}
    for _ in range(MAX_VERSION_HOPS):
        if current.superseded_by is None or current.superseded_by in seen:
            return current
        newer = files.catalog.get(tenant, current.superseded_by)
        if newer is None:
            return current
        seen.add(newer.id)
        current = newer
    return current


async def require_steward(
    files: FilesRuntime, tenant: TenantContext, record: FileRecord, action: str
) -> FileRecord:
    """Raise 403 `forbidden` unless `tenant` may `action` `record` (`ownership`'s one right),
    and return the record whose owner decided: ownership belongs to the document, so for an
    older version the document's current version's owner decides. Otherwise an admin's
    reassignment of the current version left the old uploader owning the older versions, and
    replacing or restoring one of them took the document back (found by review)."""
    steward = record
    if record.superseded_by is not None:
        steward = await anyio.to_thread.run_sync(current_of, files, tenant, record)
    require_change_right(tenant, steward, action)
    return steward


async def visible_record(
    files: FilesRuntime, tenant: TenantContext, file_id: str, wall: AudienceWall | None = None
) -> FileRecord | None:
    """The record of `file_id` if the caller may see it, else None (malformed, another
    tenant's, missing, expired or hidden alike). The audience rule holds per document: a
    version is visible only when the caller may see it AND its document's current version
    (an older version of a document whose newest content is restricted would otherwise show
    who replaced it, and restoring it would demote the restricted version). The tenant's
    view is read only for a file in a collection or an older version; the current version is
    read only for an older version."""
    try:
        object_id(file_id)
    except InvalidObjectId:
        return None
    record = await anyio.to_thread.run_sync(files.catalog.get, tenant, file_id)
    if record is None:
        return None
    if not record.collection_ids and record.superseded_by is None:
        return record
    if wall is None:
        wall = await audience_wall(files, tenant)
    if not wall.admits(record):
        return None
    if record.superseded_by is not None:
        current = await anyio.to_thread.run_sync(current_of, files, tenant, record)
        if not wall.admits(current):
            return None
    return record


async def find_file(files: FilesRuntime, tenant: TenantContext, file_id: str) -> FileRecord:
    """The caller's file, or 404 `file_not_found` alike for a malformed id, an id of another
    tenant, a missing or expired file, a file the caller's audiences hide, and an older
    version of a document whose current version they hide (`visible_record`).

    Every route that takes a file id (details, download, content, passages, restore, delete,
    complete, `replaces=`, PATCH and verify) finds it here. A file in no collection that is
    its document's current version is visible to its whole tenant: the tenant's view is read
    only for a file that belongs to a collection or is an older version."""
    record = await visible_record(files, tenant, file_id)
    if record is None:
        raise ApiError(Errors.FILE_NOT_FOUND)
    return record


async def visible_versions(
    files: FilesRuntime, tenant: TenantContext, document: str
) -> list[FileRecord]:
    """The versions of `document` the caller may see, newest first: none when they may not
    see its current version (a document has one current version, or two for a moment while
    a replacement is ingested; one the caller may not see hides the document)."""
    wall = await audience_wall(files, tenant)
    versions = await anyio.to_thread.run_sync(versions_of, files.catalog, tenant, document)
    return wall.versions_shown(versions)


async def file_view(
    files: FilesRuntime,
    tenant: TenantContext,
    record: FileRecord,
    download_url: str | None = None,
) -> FileView:
    """`record` (found with `find_file`) as the caller is shown it: its collections they may
    see, the versions of its document they may see (read only for a versioned file), what
    they may do to it (`can`, by its document's owner) and its uploader's email."""
    versions = None
    if record.versioned:
        versions = await visible_versions(files, tenant, record.document)
    knowledge = await anyio.to_thread.run_sync(files.knowledge.view, tenant)
    steward = record
    if record.superseded_by is not None:
        steward = await anyio.to_thread.run_sync(current_of, files, tenant, record)
    emails = await anyio.to_thread.run_sync(files.members.emails, tenant, [record.uploaded_by])
    return FileView.of(
        record,
        download_url=download_url,
        versions=versions,
        knowledge=knowledge,
        caller=tenant,
        steward=steward,
        uploader_email=emails.get(record.uploaded_by),
    )


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
        if await visible_record(files, wall.caller, file_id, wall) is None:
            raise ApiError(Errors.UNKNOWN_SCOPE)
    return (wall.view.files_in(wanted_collections) | wanted_files) - wall.hidden_files()
