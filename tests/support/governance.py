"""Governed knowledge written straight into the files table (decision 0111's layout), for tests
of the chat service that need collections, audiences and verified files before (or without)
the files service's routes that write them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from engageiq.local.aws import LocalResources, aws_client
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.governance import (
    GOVERNED_ATTRIBUTE,
    governed_partition,
)
from engageiq_tenancy.items import serialize, to_item
from engageiq_tenancy.keys import FILE_TAG, FILES_ENTITY, sort_key, tenant_partition
from tests.support.collections import CollectionWriter


def _tenant(tenant_id: str) -> TenantContext:
    # Keys depend on the tenant id only.
    return TenantContext(tenant_id, "test-support", "test-support", frozenset({Role.MEMBER}))


def _files(resources: LocalResources) -> tuple[Any, str]:
    return aws_client("dynamodb", resources.endpoint_url), resources.tables["files"]


def file_record_key(tenant_id: str, file_id: str) -> dict[str, str]:
    """The key the files catalog stores a file record under: `<tenant>#FILES`, `FILE#<id>`."""
    tenant = _tenant(tenant_id)
    return {"pk": tenant_partition(tenant, FILES_ENTITY), "sk": sort_key(FILE_TAG, file_id)}


def put_collection(
    resources: LocalResources,
    tenant_id: str,
    collection_id: str,
    *,
    users: Sequence[str] = (),
    roles: Sequence[Role] = (),
    restricted: bool = False,
) -> None:
    """A collection item (`CollectionWriter.save`, named after its id); restricted to `users`
    and `roles` when any is given (or `restricted`), else open to the whole tenant."""
    CollectionWriter(*_files(resources)).save(
        tenant_id,
        collection_id,
        name=collection_id.title(),
        users=users,
        roles=roles,
        restricted=bool(users or roles or restricted),
    )


def put_file_record(
    resources: LocalResources,
    tenant_id: str,
    file_id: str,
    name: str,
    *,
    expires_at: int | None = None,
) -> None:
    """A bare ready file record (for chat tests that run without the files service);
    `expires_at` (epoch seconds) marks it as the catalog marks a file being deleted."""
    db, table = _files(resources)
    db.put_item(
        TableName=table,
        Item=to_item(
            {
                **file_record_key(tenant_id, file_id),
                "id": file_id,
                "name": name,
                "status": "ready",
                "objectKey": f"{tenant_id}/uploads/{file_id}",
                "createdAt": "2026-12-01T00:00:00.000Z",
                "updatedAt": "2026-12-01T00:00:00.000Z",
                "expiresAt": expires_at,
            }
        ),
    )


def govern_file(
    resources: LocalResources,
    tenant_id: str,
    file_id: str,
    *,
    collection_ids: Sequence[str] = (),
    verified_at: str | None = None,
    review_by: str | None = None,
) -> None:
    """Set an existing file record's collections and verification as the files service's
    routes do (decision 0111): the attributes, and `governed` so `by_governance` lists it."""
    db, table = _files(resources)
    attributes: dict[str, Any] = {
        "collectionIds": list(collection_ids),
        "verifiedAt": verified_at,
        "verifiedBy": "test-support" if verified_at else None,
        "reviewBy": review_by,
        GOVERNED_ATTRIBUTE: governed_partition(_tenant(tenant_id)),
        "updatedAt": "2026-12-02T00:00:00.000Z",
    }
    _set_attributes(db, table, _tenant(tenant_id), file_id, attributes)


def _set_attributes(
    db: Any, table: str, tenant: TenantContext, file_id: str, attributes: dict[str, Any]
) -> None:
    """SET `attributes` on an existing file record (a missing one fails the condition)."""
    names = {f"#a{i}": name for i, name in enumerate(attributes)}
    db.update_item(
        TableName=table,
        Key=to_item(file_record_key(tenant.tenant_id, file_id)),
        UpdateExpression="SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(attributes))),
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={
            f":v{i}": serialize(value) for i, value in enumerate(attributes.values())
        },
    )


def mark_stale(
    dynamodb: Any,
    files_table: str,
    tenant: TenantContext,
    file_id: str,
    review_by: str = "2026-01-31",
    verified_by: str = "tester",
) -> None:
    """Make a file verified once and stale since `review_by` (a past date): its record's
    `verifiedAt`, `verifiedBy`, `reviewBy`, and `governed`, which puts it in `by_governance`
    where `KnowledgeReader` finds it."""
    _set_attributes(
        dynamodb,
        files_table,
        tenant,
        file_id,
        {
            "verifiedAt": "2025-12-01T00:00:00.000Z",
            "verifiedBy": verified_by,
            "reviewBy": review_by,
            GOVERNED_ATTRIBUTE: governed_partition(tenant),
        },
    )


def delete_file_record(resources: LocalResources, tenant_id: str, file_id: str) -> None:
    """The file record gone, as at the end of a delete (the reaper's last step)."""
    db, table = _files(resources)
    db.delete_item(TableName=table, Key=to_item(file_record_key(tenant_id, file_id)))


def retire_file_record(resources: LocalResources, tenant_id: str, file_id: str) -> None:
    """The first step of a delete as the files catalog writes it (`FileCatalog.retire`): the
    record stays, `retiring` and expired at once, until the reaper finishes."""
    db, table = _files(resources)
    db.update_item(
        TableName=table,
        Key=to_item(file_record_key(tenant_id, file_id)),
        UpdateExpression="SET retiring = :yes, expiresAt = :now",
        ExpressionAttributeValues=to_item({":yes": True, ":now": int(time.time())}),
    )
