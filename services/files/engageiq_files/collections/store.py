"""`CollectionStore`: collections as items of the tenant's files partition, each beside a
name lock that makes names unique within the tenant (compared ignoring case), even when two
admins create or rename at the same moment.

Layout (pk `<tenant>#FILES`):
- `COLLECTION#<id>`: the `CollectionRecord` (what `KnowledgeReader` reads);
- `COLLECTIONNAME#<sha256 of the folded name>`: `{collectionId}`, the lock. It is written in
  the same TransactWriteItems as its collection, on condition that no lock of that name
  exists, and moved in one transaction on a rename, so two collections can never hold one
  name. The tag does not begin with `COLLECTION#` or `FILE#`: neither the reader's nor the
  catalog's Queries ever see a lock.

Blocking (boto3); async callers run it in a worker thread."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from typing import Any, Final

import msgspec

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.governance import (
    COLLECTION_TAG,
    CollectionRecord,
    collection_from_item,
    collection_key,
)
from engageiq_tenancy.items import to_item
from engageiq_tenancy.keys import FILES_ENTITY, sort_key, tenant_partition
from engageiq_tenancy.tenant_credentials import TenantClients

NAME_LOCK_TAG: Final = "COLLECTIONNAME"


class CollectionNameTaken(Exception):
    """Another collection of the tenant already has this name (ignoring case)."""


class CollectionChanged(Exception):
    """The collection was changed or deleted since it was read: read it again."""


def folded_name(name: str) -> str:
    """What two names are compared by: Unicode-normalised (NFKC), case-folded, with runs of
    white space made one space and none at either end."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def name_lock_key(tenant: TenantContext, name: str) -> dict[str, str]:
    digest = hashlib.sha256(folded_name(name).encode()).hexdigest()
    return {
        "pk": tenant_partition(tenant, FILES_ENTITY),
        "sk": sort_key(NAME_LOCK_TAG, digest),
    }


def _typed(key: dict[str, str]) -> dict[str, Any]:
    return {k: {"S": v} for k, v in key.items()}


def _collection_item(tenant: TenantContext, record: CollectionRecord) -> dict[str, Any]:
    plain = msgspec.to_builtins(record)
    return to_item({**plain, **collection_key(tenant, record.id)})


class CollectionStore:
    def __init__(self, clients: TenantClients, table: str) -> None:
        self._clients = clients
        self._table = table

    def _db(self, tenant: TenantContext) -> Any:
        # Signed as the tenant in the cloud: IAM's LeadingKeys refuses any other partition.
        return self._clients.client(tenant, "dynamodb")

    def all(self, tenant: TenantContext) -> dict[str, CollectionRecord]:
        """Every collection of the tenant, by id, read consistently (a write just made is in
        it; the `KnowledgeReader`'s cached view may be up to 5 s old)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :tag)",
            "ExpressionAttributeValues": {
                ":pk": {"S": tenant_partition(tenant, FILES_ENTITY)},
                ":tag": {"S": f"{COLLECTION_TAG}#"},
            },
            "ConsistentRead": True,
        }
        collections: dict[str, CollectionRecord] = {}
        while True:
            response = self._db(tenant).query(**request)
            for item in response.get("Items", []):
                record = collection_from_item(item)
                collections[record.id] = record
            last = response.get("LastEvaluatedKey")
            if last is None:
                return collections
            request["ExclusiveStartKey"] = last

    def get(self, tenant: TenantContext, collection_id: str) -> CollectionRecord | None:
        """The collection, or None (an id that cannot be a key raises `InvalidObjectId`)."""
        item = (
            self._db(tenant)
            .get_item(
                TableName=self._table,
                Key=_typed(collection_key(tenant, collection_id)),
                ConsistentRead=True,
            )
            .get("Item")
        )
        return None if item is None else collection_from_item(item)

    def create(self, tenant: TenantContext, record: CollectionRecord) -> None:
        """Write a new collection with its name lock, both or neither. Raises
        `CollectionNameTaken`."""
        self._transact(
            tenant,
            [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": _collection_item(tenant, record),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                self._take_name(tenant, record),
            ],
            name_step=1,
        )

    def replace(
        self, tenant: TenantContext, before: CollectionRecord, after: CollectionRecord
    ) -> None:
        """Write `after` over `before` (same id), only if the collection is still as `before`
        was read (its `updatedAt`); a new name moves the lock in the same transaction.
        Raises `CollectionNameTaken` and `CollectionChanged`."""
        steps: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _collection_item(tenant, after),
                    "ConditionExpression": "updatedAt = :seen",
                    "ExpressionAttributeValues": {":seen": {"S": before.updated_at}},
                }
            }
        ]
        name_step = None
        if folded_name(before.name) != folded_name(after.name):
            steps.append(self._release_name(tenant, before))
            name_step = len(steps)
            steps.append(self._take_name(tenant, after))
        self._transact(tenant, steps, name_step=name_step)

    def delete(self, tenant: TenantContext, record: CollectionRecord) -> None:
        """Delete the collection and its name lock, only if it is still as `record` was read.
        Files keep their `collectionIds`: an id that no longer exists restricts nothing.
        Raises `CollectionChanged`."""
        self._transact(
            tenant,
            [
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": _typed(collection_key(tenant, record.id)),
                        "ConditionExpression": "updatedAt = :seen",
                        "ExpressionAttributeValues": {":seen": {"S": record.updated_at}},
                    }
                },
                self._release_name(tenant, record),
            ],
            name_step=None,
        )

    def _take_name(self, tenant: TenantContext, record: CollectionRecord) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_item({**name_lock_key(tenant, record.name), "collectionId": record.id}),
                # The lock's own collection may take it again (a retried transaction).
                "ConditionExpression": "attribute_not_exists(pk) OR collectionId = :id",
                "ExpressionAttributeValues": {":id": {"S": record.id}},
            }
        }

    def _release_name(self, tenant: TenantContext, record: CollectionRecord) -> dict[str, Any]:
        return {
            "Delete": {
                "TableName": self._table,
                "Key": _typed(name_lock_key(tenant, record.name)),
                "ConditionExpression": "collectionId = :id",
                "ExpressionAttributeValues": {":id": {"S": record.id}},
            }
        }

    def _transact(
        self, tenant: TenantContext, steps: list[dict[str, Any]], *, name_step: int | None
    ) -> None:
        """Run `steps` as one transaction. A refusal is `CollectionNameTaken` when the step
        `name_step` (taking a name) failed its condition, else `CollectionChanged`.
        `ClientRequestToken` makes botocore's retry of a write whose answer was lost a no-op
        rather than a failure of its own conditions."""
        db = self._db(tenant)
        try:
            db.transact_write_items(TransactItems=steps, ClientRequestToken=uuid.uuid4().hex)
        except db.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons") or []
            codes = [r.get("Code", "None") for r in reasons]
            if name_step is not None and len(codes) > name_step:
                if codes[name_step] == "ConditionalCheckFailed":
                    raise CollectionNameTaken() from None
            elif name_step is not None and self._name_held_by_other(tenant, steps[name_step]):
                # No reasons given (some emulators): tell by reading the lock.
                raise CollectionNameTaken() from None
            raise CollectionChanged() from None

    def _name_held_by_other(self, tenant: TenantContext, step: dict[str, Any]) -> bool:
        item = step["Put"]["Item"]
        held = (
            self._db(tenant)
            .get_item(
                TableName=self._table,
                Key={"pk": item["pk"], "sk": item["sk"]},
                ConsistentRead=True,
            )
            .get("Item")
        )
        return held is not None and held.get("collectionId") != item["collectionId"]
