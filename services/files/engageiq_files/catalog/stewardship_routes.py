"""PATCH /api/files/{id} (collections, owner), POST and DELETE /api/files/{id}/verify
(decision 0111). A file the caller may not see answers 404 like a missing id."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import msgspec
from litestar import Request, delete, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import UNSET, UnsetType

from engageiq_files.catalog.access import file_view, require_steward
from engageiq_files.catalog.ownership import still_steward
from engageiq_files.catalog.records import FileRecord
from engageiq_files.catalog.routes import FileIdPath
from engageiq_files.catalog.stewardship import (
    change_governance,
    owner_outside,
    resolve_collection_ids,
    review_date,
    unverified,
    verified,
    visible_file,
)
from engageiq_files.catalog.views import FileView
from engageiq_files.runtime import FilesRuntime
from engageiq_tenancy.audit import AuditAction, AuditTarget
from engageiq_tenancy.audit.write_ahead import recorded
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.service import BEARER


class FilePatch(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """`PATCH /api/files/{id}`: fields left out keep their value."""

    collection_ids: list[str] | UnsetType = UNSET
    """Replaces the file's collections (owner or admin); each must be one you can see."""
    owner: str | UnsetType = UNSET
    """A user of your organisation who answers for the file from now on (admins only)."""


def require_owner_admitted(
    files: FilesRuntime,
    tenant: TenantContext,
    record: FileRecord,
    collection_ids: list[str] | None,
    owner: str | None,
) -> None:
    """400 `invalid_owner` unless the file's owner after this change (`owner`, else the
    current one) is admitted by every restricted collection the file will be in
    (`collection_ids`, else its current ones): an owner the audience leaves out could
    neither see nor verify it (`owner_outside`). Blocking."""
    if collection_ids is None and owner is None:
        return
    target_ids = record.collection_ids if collection_ids is None else collection_ids
    owner_id = owner if owner is not None else record.owner_id
    refusing = owner_outside(files, tenant, target_ids, owner_id)
    if refusing is not None:
        refusal = Errors.OWNER_OUTSIDE_AUDIENCE if owner is not None else Errors.MOVE_EXCLUDES_OWNER
        raise ApiError(refusal, name=record.name, collection=refusing)


class Verification(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    review_by: str | None = None
    """`YYYY-MM-DD`: the verification holds until the end of this day (UTC); a past day
    expires it at once."""


async def _shown(files: FilesRuntime, tenant: TenantContext, record: FileRecord) -> FileView:
    return await file_view(files, tenant, record)


@patch(
    "/api/files/{file_id:str}",
    security=[BEARER],
    tags=["files"],
    responses=documented_errors(
        Errors.INVALID_COLLECTION_IDS,
        Errors.INVALID_OWNER,
        Errors.OWNER_OUTSIDE_AUDIENCE,
        Errors.MOVE_EXCLUDES_OWNER,
        Errors.INVALID_REQUEST,
        Errors.NOT_FILE_STEWARD,
        Errors.FILE_NOT_FOUND,
        Errors.COLLECTION_NOT_FOUND.documented(note="`collectionIds`"),
        Errors.USER_DIRECTORY_UNAVAILABLE,
    ),
)
async def update_file(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    file_id: FileIdPath,
    data: JSONBody[FilePatch],
) -> FileView:
    """Put the file into other collections (its owner or an admin) or give it another owner
    (admins). 403 `forbidden` for others in the organisation; 404 for a file you cannot see.
    The owner must stay someone the file's collections admit (400 `invalid_owner`): a new
    owner outside them is refused, and so is a move into a collection that does not admit
    the current owner, unless an admin gives it an owner that collection admits at once."""
    collection_ids: list[str] | None = None
    owner: str | None = None
    record: FileRecord | None = None
    if not isinstance(data.collection_ids, UnsetType) or not isinstance(data.owner, UnsetType):
        # Who may, before any input is looked at (a file hidden from the caller is 404).
        record = await visible_file(files, tenant, file_id)
        if not isinstance(data.owner, UnsetType) and not tenant.has_role(Role.TENANT_ADMIN):
            raise ApiError(Errors.NOT_FILE_STEWARD, name=record.name, action="reassign")
        if not isinstance(data.collection_ids, UnsetType):
            await require_steward(files, tenant, record, "change the collections of")
            collection_ids = await anyio.to_thread.run_sync(
                resolve_collection_ids, files.collections, tenant, data.collection_ids
            )
        if not isinstance(data.owner, UnsetType):
            if not await anyio.to_thread.run_sync(files.members.is_member, tenant, data.owner):
                raise ApiError(Errors.INVALID_OWNER)
            owner = data.owner
        await anyio.to_thread.run_sync(
            require_owner_admitted, files, tenant, record, collection_ids, owner
        )

    def decide(record: FileRecord) -> FileRecord:
        changes: dict[str, object] = {}
        if collection_ids is not None:
            still_steward(tenant, record, "change the collections of")
            changes["collection_ids"] = collection_ids
        if owner is not None:
            # The uploader owning it again is the default: nothing to keep in the index.
            changes["owner"] = "" if owner == record.uploaded_by else owner
        return msgspec.structs.replace(record, **changes)

    if record is None:  # nothing asked: nothing changes, nothing to record
        return await _shown(files, tenant, await change_governance(files, tenant, file_id, decide))
    # Who may see the file (its collections) or who answers for it: the ids, never names.
    detail: dict[str, str] = {}
    if collection_ids is not None:
        detail["collections"] = ",".join(collection_ids)
    if owner is not None:
        detail["owner"] = owner
    target = AuditTarget("file", record.id, record.name)
    async with recorded(request, AuditAction.FILE_CHANGED, target, detail):
        changed = await change_governance(files, tenant, file_id, decide)
    return await _shown(files, tenant, changed)


@post(
    "/api/files/{file_id:str}/verify",
    security=[BEARER],
    tags=["files"],
    status_code=200,
    responses=documented_errors(
        Errors.INVALID_REVIEW_BY,
        Errors.INVALID_REQUEST,
        Errors.NOT_FILE_STEWARD,
        Errors.FILE_NOT_FOUND,
    ),
)
async def verify_file(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    file_id: FileIdPath,
    data: JSONBody[Verification],
) -> FileView:
    """Verify the file until the end of `reviewBy` (its owner or an admin): `verified` until
    then, `stale` after. Verifying again replaces the date."""
    review_by = review_date(data.review_by)
    record = await visible_file(files, tenant, file_id)
    await require_steward(files, tenant, record, "verify")

    def decide(record: FileRecord) -> FileRecord:
        still_steward(tenant, record, "verify")
        return verified(record, tenant, review_by)

    target = AuditTarget("file", record.id, record.name)
    async with recorded(request, AuditAction.FILE_VERIFIED, target, {"review_by": str(review_by)}):
        changed = await change_governance(files, tenant, file_id, decide)
    return await _shown(files, tenant, changed)


@delete(
    "/api/files/{file_id:str}/verify",
    security=[BEARER],
    tags=["files"],
    status_code=200,
    responses=documented_errors(Errors.NOT_FILE_STEWARD, Errors.FILE_NOT_FOUND),
)
async def withdraw_verification(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    file_id: FileIdPath,
) -> FileView:
    """Withdraw the file's verification (its owner or an admin): it is `unverified` again."""
    action = "withdraw the verification of"
    record = await visible_file(files, tenant, file_id)
    await require_steward(files, tenant, record, action)

    def decide(record: FileRecord) -> FileRecord:
        still_steward(tenant, record, action)
        return unverified(record)

    target = AuditTarget("file", record.id, record.name)
    async with recorded(request, AuditAction.FILE_VERIFICATION_WITHDRAWN, target):
        changed = await change_governance(files, tenant, file_id, decide)
    return await _shown(files, tenant, changed)
