"""`IndexStore`: where a tenant's index lives. The blob is under the tenant's S3 prefix
("tenants/<t>/index/<generation>-<random>"); a pointer item in the files table
(pk "<t>#FILES", sk "INDEX") names the current blob.

`generation` counts changes to the tenant's files; `builtGeneration` is the generation the
current blob was built at. Publishing is conditional on moving `builtGeneration` forward, so a
slow, stale build (another instance, an older request) never replaces a newer index."""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from typing import Any, Final

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_search.tenant_index import TenantIndex
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import FILES_ENTITY, s3_key, s3_tenant_prefix, tenant_partition
from engageiq_tenancy.objects import TenantObjects
from engageiq_tenancy.tenant_credentials import TenantClients

log = structlog.get_logger(__name__)

INDEX_AREA: Final = "index"
POINTER_SORT_KEY: Final = "INDEX"
MAX_INDEX_BLOB_BYTES: Final = 64 * 1024 * 1024 * 1024
"""A sanity bound on a downloaded index (far above any tenant one instance can hold)."""
SPOOL_MEMORY_BYTES: Final = 8 * 1024 * 1024
"""Blobs up to this size are spooled in memory (a second copy of a small index costs
nothing); larger ones roll over to a temporary file."""


@dataclass(frozen=True, slots=True)
class IndexPointer:
    generation: int
    built_generation: int
    key: str | None

    @property
    def version(self) -> str | None:
        """What a cache compares: the blob key changes with every published build."""
        return self.key


def _pointer_key(tenant: TenantContext) -> dict[str, Any]:
    return {
        "pk": {"S": tenant_partition(tenant, FILES_ENTITY)},
        "sk": {"S": POINTER_SORT_KEY},
    }


class IndexStore:
    def __init__(self, clients: TenantClients, table: str, store: TenantObjects) -> None:
        """`store`: the uploads bucket, read and written with the same tenant's clients (the
        files service passes its `FileStore`)."""
        self._clients = clients
        self._table = table
        self._store = store

    def _db(self, tenant: TenantContext) -> Any:
        return self._clients.client(tenant, "dynamodb")

    def note_change(self, tenant: TenantContext) -> int:
        """Record that the tenant's indexable files changed; returns the new generation."""
        response = self._db(tenant).update_item(
            TableName=self._table,
            Key=_pointer_key(tenant),
            UpdateExpression="ADD #g :one",
            ExpressionAttributeNames={"#g": "generation"},
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["generation"]["N"])

    def pointer(self, tenant: TenantContext) -> IndexPointer:
        item = (
            self._db(tenant)
            .get_item(TableName=self._table, Key=_pointer_key(tenant), ConsistentRead=True)
            .get("Item", {})
        )
        return IndexPointer(
            generation=int(item.get("generation", {}).get("N", "0")),
            built_generation=int(item.get("builtGeneration", {}).get("N", "-1")),
            key=item.get("indexKey", {}).get("S"),
        )

    def load(self, tenant: TenantContext, key: str) -> TenantIndex | None:
        """The index stored at `key`, or None if that blob is gone (a newer build replaced
        it: read the pointer again). Blocking.

        The blob is streamed to an unlinked temporary file (in memory up to
        `SPOOL_MEMORY_BYTES`) and decoded from there member by member, so memory peaks at
        about the decoded index, not blob plus index (decision 0083); the file disappears
        when closed, even if the process dies."""
        with tempfile.SpooledTemporaryFile(SPOOL_MEMORY_BYTES, prefix="engageiq-index-") as spool:
            try:
                self._store.download_to(tenant, key, spool, MAX_INDEX_BLOB_BYTES)
            except self._store.s3_for(tenant).exceptions.NoSuchKey:
                return None
            spool.seek(0)
            return TenantIndex.read(spool)

    def publish(self, tenant: TenantContext, blob: bytes, generation: int) -> IndexPointer | None:
        """Store a serialised index built at `generation`; None if a newer build got there
        first."""
        key = s3_key(tenant, INDEX_AREA, f"{generation:012d}-{secrets.token_hex(6)}")
        self._store.put_bytes(tenant, key, blob, "application/octet-stream")
        try:
            response = self._db(tenant).update_item(
                TableName=self._table,
                Key=_pointer_key(tenant),
                UpdateExpression="SET builtGeneration = :g, indexKey = :k",
                ConditionExpression=(
                    "attribute_not_exists(builtGeneration) OR builtGeneration < :g"
                ),
                ExpressionAttributeValues={":g": {"N": str(generation)}, ":k": {"S": key}},
                ReturnValues="ALL_OLD",
            )
        except self._db(tenant).exceptions.ConditionalCheckFailedException:
            published = self.pointer(tenant)
            if published.key == key:
                # Our own earlier attempt was applied and only its answer was lost (botocore
                # retried it): the blob is published, and deleting it would leave the pointer
                # naming a missing index. The answer named the blob it replaced; without it,
                # every blob of an older generation goes (none can be published any more).
                self._delete_blobs_before(tenant, generation)
                return published
            self._store.delete(tenant, key)
            return None
        # Readers that still hold an old key re-read the pointer when it is gone. Every older
        # blob goes, not only the one replaced: a delete that failed before (S3 throttling, a
        # killed instance) is made good here instead of leaving a blob for good.
        self._delete_blobs_before(tenant, generation)
        current = int(response.get("Attributes", {}).get("generation", {}).get("N", "0"))
        return IndexPointer(generation=current, built_generation=generation, key=key)

    def _delete_blobs_before(self, tenant: TenantContext, generation: int) -> None:
        """Best effort: the index is published already, and the next publish retries."""
        try:
            self._delete_older_blobs(tenant, generation)
        except (BotoCoreError, ClientError) as exc:
            log.warning("old_index_blobs_left", generation=generation, error=type(exc).__name__)

    def _delete_older_blobs(self, tenant: TenantContext, generation: int) -> None:
        s3 = self._store.s3_for(tenant)
        prefix = s3_tenant_prefix(tenant) + INDEX_AREA + "/"
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=self._store.bucket, Prefix=prefix
        )
        for page in pages:
            for blob in page.get("Contents", []):
                built = blob["Key"][len(prefix) :].split("-", 1)[0]
                if built.isdigit() and int(built) < generation:
                    self._store.delete(tenant, blob["Key"])

    def delete_all(self, tenant: TenantContext) -> None:
        pointer = self.pointer(tenant)
        if pointer.key:
            self._store.delete(tenant, pointer.key)
        self._db(tenant).delete_item(TableName=self._table, Key=_pointer_key(tenant))
