"""`IndexStore`: where a tenant's index lives (decision 0100). Under the tenant's S3 prefix,
"tenants/<t>/index/": immutable segments ("seg-<generation>-<random>") and manifests
("manifest-<generation>-<random>", JSON) listing them; a pointer item in the files table
(pk "<t>#FILES", sk "INDEX") names the current manifest in `indexKey`. Before segments,
`indexKey` named one blob of format 1 or 2 ("<generation>-<random>"), still read until the
tenant's next write replaces it.

`generation` counts changes to the tenant's files; `builtGeneration` is the generation up to
which a full reconcile (every file of the catalog against the index) was published. Publishing
is one conditional write: it succeeds only if the pointer still names the manifest the writer
started from (and a full reconcile's `builtGeneration` does not go back). A writer reads the
pointer before the records it indexes, so a publish that succeeds reflects every record change
made before it read them, and a change made after that is applied by its own writer, whose
publish either comes later or fails and starts again. So two instances, a slow stale build or
a kill at any moment never lose a segment or publish an older index; the loser deletes what
it wrote and starts again from the new manifest. Objects are named after the generation their
writer read with its base pointer."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_search.crash_points import crash_point
from engageiq_search.manifest import IndexManifest, SegmentEntry
from engageiq_search.segment import Segment
from engageiq_search.tenant_index import IndexPart, TenantIndex, read_segment_or_legacy
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import FILES_ENTITY, s3_key, s3_tenant_prefix, tenant_partition
from engageiq_tenancy.objects import TenantObjects
from engageiq_tenancy.tenant_credentials import TenantClients

log = structlog.get_logger(__name__)

INDEX_AREA: Final = "index"
POINTER_SORT_KEY: Final = "INDEX"
SEGMENT_PREFIX: Final = "seg-"
MANIFEST_PREFIX: Final = "manifest-"
MAX_INDEX_BLOB_BYTES: Final = 64 * 1024 * 1024 * 1024
"""A sanity bound on a downloaded segment (far above any tenant one instance can hold)."""
SPOOL_MEMORY_BYTES: Final = 8 * 1024 * 1024
"""Blobs up to this size are spooled in memory (a second copy of a small segment costs
nothing); larger ones roll over to a temporary file."""


@dataclass(frozen=True, slots=True)
class IndexPointer:
    generation: int
    built_generation: int
    key: str | None
    """The current manifest's key (or, before segments, the one index blob's)."""

    @property
    def version(self) -> str | None:
        """What a cache compares: the key changes with every publish."""
        return self.key

    @property
    def segmented(self) -> bool:
        return is_manifest_key(self.key)


def is_manifest_key(key: str | None) -> bool:
    return key is not None and key.rsplit("/", 1)[-1].startswith(MANIFEST_PREFIX)


def key_generation(key: str) -> int | None:
    """The generation an index object's key was written at (None for a foreign key)."""
    name = key.rsplit("/", 1)[-1]
    for prefix in (SEGMENT_PREFIX, MANIFEST_PREFIX):
        name = name.removeprefix(prefix)
    built = name.split("-", 1)[0]
    return int(built) if built.isdigit() else None


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

    def manifest(self, tenant: TenantContext, key: str) -> IndexManifest | None:
        """The manifest at `key`, or None if it is gone (a newer publish replaced it)."""
        blob = self._store.get_bytes(tenant, key)
        return None if blob is None else IndexManifest.from_json(blob)

    def load(
        self, tenant: TenantContext, key: str, previous: TenantIndex | None = None
    ) -> TenantIndex | None:
        """The index the manifest (or pre-segment blob) at `key` describes, or None if an
        object is gone (a newer publish replaced it: read the pointer again). Segments that
        `previous` holds under the same key are reused, not read again: after an upload a
        reader loads only the new segment. Blocking."""
        if not is_manifest_key(key):
            segment = self._segment(tenant, key, legacy=True)
            return None if segment is None else TenantIndex([IndexPart(key, segment)])
        manifest = self.manifest(tenant, key)
        if manifest is None:
            return None
        held = {part.key: part.segment for part in previous.parts} if previous else {}
        parts: list[IndexPart] = []
        for entry in manifest.segments:
            segment = held.get(entry.key) or self._segment(tenant, entry.key)
            if segment is None:
                return None
            parts.append(IndexPart(entry.key, segment, frozenset(entry.dead)))
        return TenantIndex(parts)

    def _segment(self, tenant: TenantContext, key: str, legacy: bool = False) -> Segment | None:
        """The segment at `key` (None if gone), streamed to an unlinked temporary file (in
        memory up to `SPOOL_MEMORY_BYTES`) and decoded from there member by member, so
        memory peaks at about the decoded segment, not blob plus segment (decision 0083)."""
        with tempfile.SpooledTemporaryFile(SPOOL_MEMORY_BYTES, prefix="engageiq-index-") as spool:
            try:
                self._store.download_to(tenant, key, spool, MAX_INDEX_BLOB_BYTES)
            except self._store.s3_for(tenant).exceptions.NoSuchKey:
                return None
            spool.seek(0)
            return read_segment_or_legacy(spool) if legacy else Segment.read(spool)

    def put_segment(self, tenant: TenantContext, blob: bytes, generation: int) -> str:
        """Store a serialised segment; returns its key (unpublished until a manifest lists it)."""
        key = s3_key(
            tenant, INDEX_AREA, f"{SEGMENT_PREFIX}{generation:012d}-{secrets.token_hex(6)}"
        )
        self._store.put_bytes(tenant, key, blob, "application/octet-stream")
        return key

    def publish(
        self,
        tenant: TenantContext,
        manifest: IndexManifest,
        base: IndexPointer,
        written: Collection[str] = (),
        *,
        full: bool = False,
    ) -> IndexPointer | None:
        """Make `manifest` the tenant's index if the pointer still names `base.key` (the
        manifest it was derived from, read with `base` before any record it indexes). `full`:
        the manifest reconciles every file of the catalog, so `builtGeneration` moves to
        `base.generation`. None if another publish got there first; the caller's `written`
        segments are then deleted (nothing lists them) and the caller starts again from the
        new pointer.

        After publishing, the manifest (or pre-segment blob) it replaced and every unlisted
        object of an older generation (what a killed build or merge left) are deleted: readers
        still holding one find it gone and read the pointer again."""
        generation = base.generation
        key = s3_key(
            tenant, INDEX_AREA, f"{MANIFEST_PREFIX}{generation:012d}-{secrets.token_hex(6)}"
        )
        self._store.put_bytes(tenant, key, manifest.to_json(), "application/json")
        values: dict[str, Any] = {":k": {"S": key}}
        if base.key is None:
            condition = "attribute_not_exists(indexKey)"
        else:
            condition = "indexKey = :base"
            values[":base"] = {"S": base.key}
        update = "SET indexKey = :k"
        if full:
            condition += " AND (attribute_not_exists(builtGeneration) OR builtGeneration <= :g)"
            update += ", builtGeneration = :g"
            values[":g"] = {"N": str(generation)}
        db = self._db(tenant)
        try:
            response = db.update_item(
                TableName=self._table,
                Key=_pointer_key(tenant),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except db.exceptions.ConditionalCheckFailedException:
            published = self.pointer(tenant)
            if published.key != key:
                for lost in (key, *written):
                    self._store.delete(tenant, lost)
                return None
            # Our own earlier attempt was applied and only its answer was lost (botocore
            # retried it): the manifest is published.
            current = published
        else:
            attributes = response.get("Attributes", {})
            current = IndexPointer(
                generation=int(attributes.get("generation", {}).get("N", "0")),
                built_generation=int(attributes.get("builtGeneration", {}).get("N", "-1")),
                key=key,
            )
        crash_point("published")  # tests only: a kill between the publish and its sweep
        if base.key is not None:
            self.delete_replaced(tenant, [base.key])
        self._delete_unlisted(tenant, manifest, key, generation)
        return current

    def publish_whole(
        self, tenant: TenantContext, blob: bytes, files: dict[str, int]
    ) -> IndexPointer | None:
        """Replace the tenant's index with the one serialised segment `blob` holding `files`
        (file id -> chunk count), conditional on the pointer read here: what benchmarks and
        tests publish to stand a tenant's index up in one step. None if a publish raced."""
        base = self.pointer(tenant)
        key = self.put_segment(tenant, blob, base.generation)
        manifest = IndexManifest(segments=[SegmentEntry(key, files, bytes=len(blob))])
        return self.publish(tenant, manifest, base, [key], full=True)

    def _delete_unlisted(
        self, tenant: TenantContext, manifest: IndexManifest, key: str, generation: int
    ) -> None:
        """Best effort: every index object neither listed by the published manifest nor
        possibly in flight (written at `generation` or later by a build that has not
        published yet) goes, including what a killed build or merge left. The next publish
        retries what fails here."""
        listed = {key, *(entry.key for entry in manifest.segments)}
        s3 = self._store.s3_for(tenant)
        prefix = s3_tenant_prefix(tenant) + INDEX_AREA + "/"
        try:
            pages = s3.get_paginator("list_objects_v2").paginate(
                Bucket=self._store.bucket, Prefix=prefix
            )
            for page in pages:
                for blob in page.get("Contents", []):
                    written = key_generation(blob["Key"])
                    if blob["Key"] not in listed and written is not None and written < generation:
                        self._store.delete(tenant, blob["Key"])
        except (BotoCoreError, ClientError) as exc:
            log.warning("old_index_objects_left", generation=generation, error=type(exc).__name__)

    def delete_replaced(self, tenant: TenantContext, keys: Collection[str]) -> None:
        """Best effort: delete index objects a publish replaced (they may be of the generation
        it published at, which `_delete_unlisted` leaves alone)."""
        for key in keys:
            try:
                self._store.delete(tenant, key)
            except (BotoCoreError, ClientError) as exc:
                log.warning("replaced_index_object_left", error=type(exc).__name__)

    def delete_all(self, tenant: TenantContext) -> None:
        s3 = self._store.s3_for(tenant)
        prefix = s3_tenant_prefix(tenant) + INDEX_AREA + "/"
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=self._store.bucket, Prefix=prefix
        )
        for page in pages:
            for blob in page.get("Contents", []):
                self._store.delete(tenant, blob["Key"])
        self._db(tenant).delete_item(TableName=self._table, Key=_pointer_key(tenant))
