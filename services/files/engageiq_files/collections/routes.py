"""GET/POST /api/collections, PATCH/DELETE /api/collections/{id} (decision 0111).

Everyone lists the collections whose audience admits them (admins all); only tenant admins
create, change and delete them. Every input is checked before anything is written, and a
refused request changes nothing."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter

from engageiq_files.catalog.records import now_iso
from engageiq_files.collections.rules import check_audience, clean_description, clean_name
from engageiq_files.collections.store import CollectionChanged, CollectionNameTaken
from engageiq_files.collections.views import (
    AudienceBody,
    CollectionList,
    CollectionPatch,
    CollectionView,
    NewCollection,
)
from engageiq_files.runtime import FilesRuntime
from engageiq_tenancy.audit import AuditAction, AuditTarget
from engageiq_tenancy.audit.write_ahead import recorded, records_denial
from engageiq_tenancy.auth import requires_tenant_admin
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.governance import Audience, CollectionRecord, KnowledgeView
from engageiq_tenancy.keys import InvalidObjectId, object_id
from engageiq_tenancy.service import BEARER

CollectionIdPath = Annotated[str, PathParameter(description="A collection id.")]
ATTEMPTS = 5
"""Writes retried after a concurrent change of the same collection (each re-reads it)."""
ADMIN_ONLY = Errors.FORBIDDEN.documented(note="you are not a tenant admin")
BUSY = Errors.SERVICE_UNAVAILABLE.documented(note="the collection kept changing meanwhile")


async def _audience(
    files: FilesRuntime, tenant: TenantContext, body: AudienceBody | None
) -> Audience | None:
    if body is None:
        return None
    return await anyio.to_thread.run_sync(
        lambda: check_audience(
            body.users, body.roles, lambda user: files.members.is_member(tenant, user)
        )
    )


def _audience_detail(audience: Audience | None) -> dict[str, str | int | bool]:
    """Who the collection admits, as ids and roles (never names): what a reviewer asks."""
    if audience is None:
        return {"restricted": False}
    return {
        "restricted": True,
        "users": ",".join(audience.users),
        "roles": ",".join(r.value for r in audience.roles),
    }


async def _find(files: FilesRuntime, tenant: TenantContext, collection_id: str) -> CollectionRecord:
    try:
        object_id(collection_id)
    except InvalidObjectId:
        raise ApiError(Errors.COLLECTION_NOT_FOUND) from None
    record = await anyio.to_thread.run_sync(files.collections.get, tenant, collection_id)
    if record is None or not record.admits(tenant):
        raise ApiError(Errors.COLLECTION_NOT_FOUND)
    return record


@get("/api/collections", security=[BEARER], tags=["collections"])
async def list_collections(
    tenant: NamedDependency[TenantContext], files: NamedDependency[FilesRuntime]
) -> CollectionList:
    """The collections whose audience admits you (tenant admins: all), by name."""
    collections = await anyio.to_thread.run_sync(files.collections.all, tenant)
    visible = KnowledgeView(collections).visible_collections(tenant)
    return CollectionList(collections=[CollectionView.of(c) for c in visible])


@post(
    "/api/collections",
    security=[BEARER],
    tags=["collections"],
    status_code=201,
    guards=[records_denial(AuditAction.COLLECTION_CREATED, "collection"), requires_tenant_admin],
    responses=documented_errors(
        Errors.INVALID_COLLECTION_NAME,
        Errors.INVALID_COLLECTION_DESCRIPTION,
        Errors.INVALID_AUDIENCE,
        Errors.INVALID_REQUEST,
        ADMIN_ONLY,
        Errors.COLLECTION_NAME_TAKEN,
        Errors.USER_DIRECTORY_UNAVAILABLE,
    ),
)
async def create_collection(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    data: JSONBody[NewCollection],
) -> CollectionView:
    """Create a collection (tenant admins). Without `audience` it is open to the whole
    tenant; with one, only the users and roles it names (and tenant admins) see its files."""
    name = clean_name(data.name)
    description = clean_description(data.description)
    audience = await _audience(files, tenant, data.audience)
    now = now_iso()
    record = CollectionRecord(
        id=uuid.uuid4().hex,
        name=name,
        description=description,
        audience=audience,
        created_at=now,
        updated_at=now,
        created_by=tenant.user_id,
    )
    target = AuditTarget("collection", record.id, name)
    async with recorded(
        request, AuditAction.COLLECTION_CREATED, target, _audience_detail(audience)
    ):
        for _ in range(ATTEMPTS):
            try:
                await anyio.to_thread.run_sync(files.collections.create, tenant, record)
            except CollectionNameTaken:
                raise ApiError(Errors.COLLECTION_NAME_TAKEN, name=name) from None
            except CollectionChanged:
                # A concurrent transaction on the same name lock: the next attempt sees it.
                continue
            files.knowledge.forget(tenant)
            return CollectionView.of(record)
        raise ApiError(Errors.SERVICE_UNAVAILABLE, headers={"Retry-After": "1"})


@patch(
    "/api/collections/{collection_id:str}",
    security=[BEARER],
    tags=["collections"],
    guards=[
        records_denial(AuditAction.COLLECTION_CHANGED, "collection"),
        requires_tenant_admin,
    ],
    responses=documented_errors(
        Errors.INVALID_COLLECTION_NAME,
        Errors.INVALID_COLLECTION_DESCRIPTION,
        Errors.INVALID_AUDIENCE,
        Errors.INVALID_REQUEST,
        ADMIN_ONLY,
        Errors.COLLECTION_NOT_FOUND,
        Errors.COLLECTION_NAME_TAKEN,
        BUSY,
        Errors.USER_DIRECTORY_UNAVAILABLE,
    ),
)
async def update_collection(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    collection_id: CollectionIdPath,
    data: JSONBody[CollectionPatch],
) -> CollectionView:
    """Rename, describe or re-audience a collection (tenant admins); fields left out keep
    their value, `"audience": null` opens it to the whole tenant. Its files keep it."""
    changes: dict[str, object] = {}
    if not isinstance(data.name, msgspec.UnsetType):
        changes["name"] = clean_name(data.name)
    if not isinstance(data.description, msgspec.UnsetType):
        changes["description"] = clean_description(data.description)
    audience: Audience | None = None
    if not isinstance(data.audience, msgspec.UnsetType):
        changes["audience"] = audience = await _audience(files, tenant, data.audience)
    found = await _find(files, tenant, collection_id)
    # A new audience changes who sees the collection's files: its own action (decision 0119).
    action = (
        AuditAction.AUDIENCE_CHANGED if "audience" in changes else AuditAction.COLLECTION_CHANGED
    )
    detail: dict[str, str | int | bool] = {"fields": ",".join(sorted(changes))}
    if "audience" in changes:
        detail |= _audience_detail(audience)
    async with recorded(request, action, AuditTarget("collection", found.id, found.name), detail):
        for _ in range(ATTEMPTS):
            before = await _find(files, tenant, collection_id)
            after = msgspec.structs.replace(before, **changes, updated_at=now_iso())
            try:
                await anyio.to_thread.run_sync(files.collections.replace, tenant, before, after)
            except CollectionNameTaken:
                raise ApiError(Errors.COLLECTION_NAME_TAKEN, name=after.name) from None
            except CollectionChanged:
                continue
            files.knowledge.forget(tenant)
            return CollectionView.of(after)
        raise ApiError(Errors.SERVICE_UNAVAILABLE, headers={"Retry-After": "1"})


@delete(
    "/api/collections/{collection_id:str}",
    security=[BEARER],
    tags=["collections"],
    status_code=204,
    guards=[
        records_denial(AuditAction.COLLECTION_DELETED, "collection"),
        requires_tenant_admin,
    ],
    responses=documented_errors(ADMIN_ONLY, Errors.COLLECTION_NOT_FOUND, BUSY),
)
async def delete_collection(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    collection_id: CollectionIdPath,
) -> None:
    """Delete a collection (tenant admins). Its files are kept, unchanged: an id that no
    longer exists restricts nobody and is no longer shown."""
    found = await _find(files, tenant, collection_id)
    target = AuditTarget("collection", found.id, found.name)
    async with recorded(request, AuditAction.COLLECTION_DELETED, target):
        for _ in range(ATTEMPTS):
            record = await _find(files, tenant, collection_id)
            try:
                await anyio.to_thread.run_sync(files.collections.delete, tenant, record)
            except CollectionChanged:
                continue
            files.knowledge.forget(tenant)
            return
        raise ApiError(Errors.SERVICE_UNAVAILABLE, headers={"Retry-After": "1"})
