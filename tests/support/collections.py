"""Collections and memberships for tests of the audience wall (decision 0111), written straight
into the files table with boto3, as the collections API stores them.

This is the one place tests make collections: once `/api/collections` and `PATCH /api/files/{id}`
exist, `CollectionWriter` can call them instead, and no test changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from engageiq_files.catalog.catalog import file_key
from engageiq_files.catalog.records import now_iso
from engageiq_tenancy import governance
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.items import serialize, to_item


def _tenant(tenant_id: str) -> TenantContext:
    # Only the tenant id makes keys; who "writes" is not recorded here.
    return TenantContext(tenant_id, "test-support", "test-support", frozenset({Role.TENANT_ADMIN}))


@dataclass
class CollectionWriter:
    """Writes a tenant's collections and its files' `collectionIds` in the files table.

    `db` is a boto3 DynamoDB client with the right to write any tenant's items (the local
    platform's), `table` the files table's physical name."""

    db: Any
    table: str

    def save(
        self,
        tenant_id: str,
        collection_id: str,
        *,
        name: str | None = None,
        users: Iterable[str] = (),
        roles: Iterable[Role] = (),
        restricted: bool = True,
    ) -> None:
        """Create or replace a collection: restricted to `users` and `roles` (`restricted`),
        or open to the whole tenant. An empty restricted audience admits admins only."""
        audience = (
            governance.Audience(users=tuple(users), roles=tuple(roles)) if restricted else None
        )
        now = now_iso()
        record = governance.CollectionRecord(
            id=collection_id,
            name=name or f"Collection {collection_id[-6:]}",
            audience=audience,
            created_at=now,
            updated_at=now,
            created_by="test-support",
        )
        key = governance.collection_key(_tenant(tenant_id), collection_id)
        # No `audience` attribute at all for an open collection (None is left out).
        item = to_item({**msgspec.to_builtins(record), **key})
        self.db.put_item(TableName=self.table, Item=item)

    def delete(self, tenant_id: str, collection_id: str) -> None:
        key = governance.collection_key(_tenant(tenant_id), collection_id)
        self.db.delete_item(TableName=self.table, Key={k: {"S": v} for k, v in key.items()})

    def file_into(self, tenant_id: str, file_id: str, collection_ids: Iterable[str]) -> None:
        """Set a file's `collectionIds` (replacing them), and its place in `by_governance`
        (`governed`, kept while the file is in any collection)."""
        tenant = _tenant(tenant_id)
        ids = list(dict.fromkeys(collection_ids))
        names = {"#c": "collectionIds", "#g": governance.GOVERNED_ATTRIBUTE, "#u": "updatedAt"}
        values: dict[str, Any] = {":c": serialize(ids), ":u": serialize(now_iso())}
        if ids:
            values[":g"] = serialize(governance.governed_partition(tenant))
            expression = "SET #c = :c, #g = :g, #u = :u"
        else:
            expression = "SET #c = :c, #u = :u REMOVE #g"
        self.db.update_item(
            TableName=self.table,
            Key={k: {"S": v} for k, v in file_key(tenant, file_id).items()},
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def collections_of(self, tenant_id: str, file_id: str) -> list[str]:
        """A file's `collectionIds` as stored ([] for a file never put in one)."""
        item = self.db.get_item(
            TableName=self.table,
            Key={k: {"S": v} for k, v in file_key(_tenant(tenant_id), file_id).items()},
            ConsistentRead=True,
        ).get("Item", {})
        stored = item.get("collectionIds", {}).get("L", [])
        return [str(c["S"]) for c in stored]
