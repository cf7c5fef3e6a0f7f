"""`FileCatalog`: file metadata in DynamoDB, always addressed through the caller's tenant key.

Blocking (boto3); async callers run it in a worker thread."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from engageiq_files.catalog.records import FileRecord, FileStatus, from_item, now_iso, to_item
from engageiq_tenancy import cursors
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.governance import GOVERNED_ATTRIBUTE, governed_partition
from engageiq_tenancy.items import serialize
from engageiq_tenancy.keys import (
    FILE_TAG,
    FILES_ENTITY,
    InvalidObjectId,
    object_id,
    sort_key,
    tenant_partition,
)
from engageiq_tenancy.resources import FILES
from engageiq_tenancy.tenant_credentials import TenantClients
from engageiq_tenancy.tenant_ids import KEY_DELIMITER, is_valid_tenant_id

INGESTION_INDEX: Final = FILES.indexes[0]
"""Sparse: a file is in it (partition "due", sorted by `updatedAt`) exactly while it waits
for or is in ingestion, so the sweeper finds stranded files without a Scan (decision 0075)."""
INGESTION_DUE: Final = "due"
WRITE_TOKEN: Final = "writeToken"  # noqa: S105 - an attribute name, not a secret
"""Set by every conditional write of a file to a value of its own. botocore retries a write
whose answer was lost (a dropped connection, a timeout) although it was applied; the retry
then fails its own condition. Reading the token back tells that apart from a real conflict
(decision 0092)."""
UPLOAD_OPEN: Final = "upload"
"""The `by_ingestion` partition of records whose data may outlive them: uploads not verified
yet (streamed uploads in flight, direct uploads awaiting `complete`) and files being deleted.
The reaper finds the abandoned ones there (decision 0092)."""
IN_INGESTION: Final = frozenset({FileStatus.PENDING, FileStatus.PROCESSING})
LISTING_FIELDS: Final = (
    "id",
    "name",
    "status",
    "size",
    "objectKey",
    "createdAt",
    "uploadedBy",
    "owner",
    "awaitingUpload",
    "expiresAt",
    "retiring",
    "documentId",
    "replaces",
    "supersededBy",
    "versioned",
    "collectionIds",
)
"""What `FileCatalog.summaries` reads of each file: enough to find, sort and group the rows of
the files page, apply the audience wall and list a document's versions."""


@dataclass(frozen=True, slots=True)
class IngestionEntry:
    """A file the `by_ingestion` index lists: whose it is and the state it was read in."""

    tenant_id: str
    file_id: str
    status: FileStatus
    updated_at: str


@dataclass(frozen=True, slots=True)
class OpenUpload:
    """An upload the `by_ingestion` index lists as not verified yet, and when it expires."""

    tenant_id: str
    file_id: str
    object_key: str
    expires_at: int
    retiring: bool = False
    """A deletion cut short, rather than an upload never verified."""


class InvalidCursor(ValueError):
    """A pagination cursor that was not issued to this tenant."""


def file_key(tenant: TenantContext, file_id: str) -> dict[str, str]:
    return {"pk": tenant_partition(tenant, FILES_ENTITY), "sk": sort_key(FILE_TAG, file_id)}


def _typed_key(tenant: TenantContext, file_id: str) -> dict[str, Any]:
    return {k: {"S": v} for k, v in file_key(tenant, file_id).items()}


def encode_cursor(tenant: TenantContext, file_id: str) -> str:
    return cursors.encode_cursor(tenant, {"k": file_id})


def _is_object_id(value: str) -> bool:
    try:
        object_id(value)
    except InvalidObjectId:
        return False
    return True


def decode_cursor(tenant: TenantContext, cursor: str) -> str:
    """The file id a cursor continues after. The partition always comes from the caller, so a
    cursor can only move within the caller's own files; one issued to another tenant or user,
    or tampered with, is refused rather than silently reinterpreted."""
    try:
        return cursors.decode_cursor(tenant, cursor, {"k": _is_object_id})["k"]
    except cursors.InvalidCursor:
        raise InvalidCursor("not a cursor issued to this caller") from None


class FileCatalog:
    def __init__(self, clients: TenantClients, table: str) -> None:
        self._clients = clients
        self._table = table

    @property
    def table(self) -> str:
        """The files table's physical name."""
        return self._table

    def _db(self, tenant: TenantContext) -> Any:
        # Signed as the tenant in the cloud: IAM's LeadingKeys refuses any other partition.
        return self._clients.client(tenant, "dynamodb")

    def create(self, tenant: TenantContext, record: FileRecord) -> None:
        # `updatedAt` is an index key: DynamoDB refuses an empty string there.
        record = msgspec.structs.replace(record, updated_at=record.updated_at or record.created_at)
        item = to_item(record, file_key(tenant, record.id))
        if record.awaiting_upload:
            item[INGESTION_INDEX.partition_key] = {"S": UPLOAD_OPEN}
        elif record.status in IN_INGESTION:
            item[INGESTION_INDEX.partition_key] = {"S": INGESTION_DUE}
        if record.governed:
            item[GOVERNED_ATTRIBUTE] = {"S": governed_partition(tenant)}
        token = uuid.uuid4().hex
        item[WRITE_TOKEN] = {"S": token}
        try:
            self._db(tenant).put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._db(tenant).exceptions.ConditionalCheckFailedException:
            if not self._written_by(tenant, record.id, token):
                raise

    def _written_by(self, tenant: TenantContext, file_id: str, token: str) -> bool:
        """Whether the file's last write carried `token`: a retried write whose first attempt
        was applied (its answer lost) failed only its own condition."""
        item = (
            self._db(tenant)
            .get_item(
                TableName=self._table,
                Key=_typed_key(tenant, file_id),
                ConsistentRead=True,
                ProjectionExpression="#t",
                ExpressionAttributeNames={"#t": WRITE_TOKEN},
            )
            .get("Item", {})
        )
        return bool(item.get(WRITE_TOKEN, {}).get("S") == token)

    def get(
        self, tenant: TenantContext, file_id: str, *, include_expired: bool = False
    ) -> FileRecord | None:
        """The file's record; an expired one (an abandoned upload) only if `include_expired`."""
        response = self._db(tenant).get_item(
            TableName=self._table, Key=_typed_key(tenant, file_id), ConsistentRead=True
        )
        item = response.get("Item")
        if item is None:
            return None
        record = from_item(item)
        return None if record.expired() and not include_expired else record

    def page(
        self,
        tenant: TenantContext,
        limit: int,
        after: str | None = None,
        *,
        consistent: bool = False,
        keep: Callable[[FileRecord], bool] | None = None,
    ) -> tuple[list[FileRecord], str | None]:
        """Up to `limit` live files, newest first, and the id to continue after (or None).
        `consistent` asks DynamoDB for a strongly consistent read (twice the read cost).
        `keep` leaves out the records it refuses (files hidden from the caller, older
        versions) and reads on until the page is full, so a page is short only at the end;
        each Query asks for just the records still missing, so the id returned is the last
        record read and the next page starts right after it."""
        records: list[FileRecord] = []
        start = after
        now = time.time()
        while len(records) < limit:
            request: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :file)",
                "ExpressionAttributeValues": {
                    ":pk": {"S": tenant_partition(tenant, FILES_ENTITY)},
                    ":file": {"S": f"{FILE_TAG}#"},
                },
                "ScanIndexForward": False,
                "Limit": limit - len(records),
                "ConsistentRead": consistent,
            }
            if start is not None:
                request["ExclusiveStartKey"] = _typed_key(tenant, start)
            response = self._db(tenant).query(**request)
            page = [from_item(item) for item in response.get("Items", [])]
            records += [r for r in page if not r.expired(now) and (keep is None or keep(r))]
            last = response.get("LastEvaluatedKey")
            if last is None:
                return records, None
            start = last["sk"]["S"].partition("#")[2]
        return records, records[-1].id if records else None

    def summaries(self, tenant: TenantContext) -> list[FileRecord]:
        """Every live file of the tenant with only `LISTING_FIELDS` read (the rest left at
        their defaults): what the files page needs to find, sort and group every row
        (decision 0116). Read with a projection, so a tenant of thousands of files travels
        as a few hundred kilobytes; the rows shown are then read whole (`get_many`)."""
        names = {f"#a{i}": name for i, name in enumerate(LISTING_FIELDS)}
        records: list[FileRecord] = []
        start: dict[str, Any] | None = None
        now = time.time()
        while True:
            request: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :file)",
                "ExpressionAttributeValues": {
                    ":pk": {"S": tenant_partition(tenant, FILES_ENTITY)},
                    ":file": {"S": f"{FILE_TAG}#"},
                },
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
                "ScanIndexForward": False,
            }
            if start is not None:
                request["ExclusiveStartKey"] = start
            response = self._db(tenant).query(**request)
            found = (from_item(item) for item in response.get("Items", []))
            records += [r for r in found if not r.expired(now)]
            start = response.get("LastEvaluatedKey")
            if start is None:
                return records

    def get_many(self, tenant: TenantContext, file_ids: Collection[str]) -> dict[str, FileRecord]:
        """{id: record} of those of `file_ids` that are live files of the tenant, read whole
        (BatchGetItem, 100 keys a request; keys DynamoDB leaves unprocessed are asked again)."""
        wanted = list(dict.fromkeys(file_ids))
        found: dict[str, FileRecord] = {}
        now = time.time()
        for at in range(0, len(wanted), 100):
            keys = [_typed_key(tenant, file_id) for file_id in wanted[at : at + 100]]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                response = self._db(tenant).batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table, []):
                    record = from_item(item)
                    if not record.expired(now):
                        found[record.id] = record
                request = response.get("UnprocessedKeys") or {}
        return found

    def all_files(self, tenant: TenantContext, *, consistent: bool = False) -> Iterator[FileRecord]:
        after: str | None = None
        while True:
            page, after = self.page(tenant, 500, after, consistent=consistent)
            yield from page
            if after is None:
                return

    def update(
        self,
        tenant: TenantContext,
        file_id: str,
        *,
        expect_status: FileStatus | Collection[FileStatus] | None = None,
        expect_awaiting: bool | None = None,
        expect_updated_at: str | None = None,
        expect_live: bool = False,
        remove: tuple[str, ...] = (),
        **fields: Any,
    ) -> bool:
        """Set `fields` (camelCase attribute names) on an existing file; False if the file is
        gone or not in the expected state (a concurrent delete or a second `complete`).
        `expect_status` is one status or a collection of accepted ones.
        `expect_live` also refuses a file whose `expiresAt` has passed: an expired upload
        belongs to the reaper, which may be deleting its object.

        A change of `status` also puts the file into or takes it out of the `by_ingestion`
        index, so that index can never disagree with the status."""
        if "status" in fields:
            if FileStatus(fields["status"]) in IN_INGESTION:
                fields[INGESTION_INDEX.partition_key] = INGESTION_DUE
            else:
                remove = (*remove, INGESTION_INDEX.partition_key)
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = {f":v{i}": serialize(value) for i, value in enumerate(fields.values())}
        token = uuid.uuid4().hex
        names |= {"#updated": "updatedAt", "#token": WRITE_TOKEN}
        values |= {":updated": serialize(now_iso()), ":token": serialize(token)}
        sets = [f"#f{i} = :v{i}" for i in range(len(fields))]
        sets += ["#updated = :updated", "#token = :token"]
        expression = "SET " + ", ".join(sets)
        if remove:
            names |= {f"#r{i}": name for i, name in enumerate(remove)}
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
        # A file being deleted takes no more changes (a late ingestion step, a `complete`).
        names["#retiring"] = "retiring"
        values[":false"] = serialize(False)
        conditions = [
            "attribute_exists(pk)",
            "(attribute_not_exists(#retiring) OR #retiring = :false)",
        ]
        if expect_status is not None:
            accepted = [expect_status] if isinstance(expect_status, FileStatus) else expect_status
            names["#status"] = "status"
            placeholders = []
            for i, status in enumerate(sorted(accepted)):
                values[f":expected{i}"] = serialize(status.value)
                placeholders.append(f":expected{i}")
            conditions.append(f"#status IN ({', '.join(placeholders)})")
        if expect_awaiting is not None:
            names["#awaiting"] = "awaitingUpload"
            values[":awaiting"] = serialize(expect_awaiting)
            conditions.append("#awaiting = :awaiting")
        if expect_updated_at is not None:
            values[":seen"] = serialize(expect_updated_at)
            conditions.append("#updated = :seen")
        if expect_live:
            names["#expires"] = "expiresAt"
            values[":now"] = serialize(int(time.time()))
            values[":null"] = serialize("NULL")
            # Records store a cleared `expiresAt` as NULL (every field is written).
            conditions.append(
                "(attribute_not_exists(#expires) OR attribute_type(#expires, :null)"
                " OR #expires > :now)"
            )
        try:
            self._db(tenant).update_item(
                TableName=self._table,
                Key=_typed_key(tenant, file_id),
                UpdateExpression=expression,
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except self._db(tenant).exceptions.ConditionalCheckFailedException:
            return self._written_by(tenant, file_id, token)
        return True

    def count_failed_attempt(self, tenant: TenantContext, file_id: str) -> int | None:
        """Add one to the file's `failedAttempts` while it is `processing` (its ingestion
        failed for a reason outside the file) and return the new count; None when the file is
        no longer `processing` (finished by another delivery, deleted, being deleted).

        Counted here, not from SQS's receive count, because a job handed back unfinished (a
        deploy) is received again without having failed (decision 0141). The count is kept
        when the file leaves `processing`: the sweeper's new job for a file taken back
        continues it."""
        names = {
            "#attempts": "failedAttempts",
            "#status": "status",
            "#retiring": "retiring",
            "#updated": "updatedAt",
        }
        values = {
            ":one": {"N": "1"},
            ":processing": serialize(FileStatus.PROCESSING.value),
            ":false": serialize(False),
            ":updated": serialize(now_iso()),
        }
        try:
            response = self._db(tenant).update_item(
                TableName=self._table,
                Key=_typed_key(tenant, file_id),
                UpdateExpression="ADD #attempts :one SET #updated = :updated",
                ConditionExpression=(
                    "attribute_exists(pk) AND #status = :processing"
                    " AND (attribute_not_exists(#retiring) OR #retiring = :false)"
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="UPDATED_NEW",
            )
        except self._db(tenant).exceptions.ConditionalCheckFailedException:
            return None
        return int(response["Attributes"]["failedAttempts"]["N"])

    def govern(self, tenant: TenantContext, before: FileRecord, after: FileRecord) -> bool:
        """Write `after`'s governance fields (collections, owner, verification) over `before`,
        only if the record was not written since `before` was read (False then, or if it is
        gone: read it again and decide again). The `governed` attribute is set exactly while
        `after.governed`, so the sparse `by_governance` index lists the file then and only
        then (decision 0111); the conditional write keeps two concurrent changes from
        leaving it wrong."""
        values: dict[str, Any] = {
            "collectionIds": list(after.collection_ids),
            "owner": after.owner,
            "verifiedAt": after.verified_at,
            "verifiedBy": after.verified_by,
            "reviewBy": after.review_by,
        }
        fields = {name: value for name, value in values.items() if value is not None}
        remove = tuple(name for name, value in values.items() if value is None)
        if after.governed:
            fields[GOVERNED_ATTRIBUTE] = governed_partition(tenant)
        else:
            remove = (*remove, GOVERNED_ATTRIBUTE)
        return self.update(
            tenant,
            before.id,
            # Records from before `updatedAt` was kept: no version to compare with.
            expect_updated_at=before.updated_at or None,
            remove=remove,
            **fields,
        )

    def delete(self, tenant: TenantContext, file_id: str) -> None:
        self._db(tenant).delete_item(TableName=self._table, Key=_typed_key(tenant, file_id))

    def retire(self, tenant: TenantContext, file_id: str) -> None:
        """The first step of a delete: the record is hidden at once (expired now) and listed
        for the reaper, which finishes the delete if it is cut short. Idempotent."""
        now = int(time.time())
        self._db(tenant).update_item(
            TableName=self._table,
            Key=_typed_key(tenant, file_id),
            UpdateExpression="SET #retiring = :yes, #expires = :now, #open = :open, #u = :u",
            ExpressionAttributeNames={
                "#retiring": "retiring",
                "#expires": "expiresAt",
                "#open": INGESTION_INDEX.partition_key,
                "#u": "updatedAt",
            },
            ExpressionAttributeValues={
                ":yes": {"BOOL": True},
                ":now": {"N": str(now)},
                ":open": {"S": UPLOAD_OPEN},
                ":u": {"S": now_iso()},
            },
        )

    def delete_open_upload(self, tenant: TenantContext, file_id: str) -> bool:
        """Delete a record only while its upload is still unverified (`awaitingUpload`); False
        if it was completed meanwhile or is gone."""
        try:
            self._db(tenant).delete_item(
                TableName=self._table,
                Key=_typed_key(tenant, file_id),
                ConditionExpression="#awaiting = :yes",
                ExpressionAttributeNames={"#awaiting": "awaitingUpload"},
                ExpressionAttributeValues={":yes": {"BOOL": True}},
            )
        except self._db(tenant).exceptions.ConditionalCheckFailedException:
            return False
        return True

    def open_uploads(self, updated_before: str, limit: int) -> list[OpenUpload]:
        """Up to `limit` unverified uploads, of any tenant, last written before
        `updated_before` (ISO, like `updatedAt`), oldest first; the caller checks `expires_at`.
        One Query page on the sparse index with the service's own client, like
        `stale_ingestions`. Blocking."""
        response = self._clients.service_client("dynamodb").query(
            TableName=self._table,
            IndexName=INGESTION_INDEX.name,
            KeyConditionExpression="#open = :open AND #updated < :before",
            ProjectionExpression="pk, sk, objectKey, expiresAt, retiring",
            ExpressionAttributeNames={
                "#open": INGESTION_INDEX.partition_key,
                "#updated": INGESTION_INDEX.sort_key,
            },
            ExpressionAttributeValues={
                ":open": {"S": UPLOAD_OPEN},
                ":before": {"S": updated_before},
            },
            ScanIndexForward=True,
            Limit=limit,
        )
        uploads: list[OpenUpload] = []
        for item in response.get("Items", []):
            tenant_id, _, entity = item["pk"]["S"].partition(KEY_DELIMITER)
            tag, _, file_id = item["sk"]["S"].partition(KEY_DELIMITER)
            if entity != FILES_ENTITY or tag != FILE_TAG or not is_valid_tenant_id(tenant_id):
                continue
            expires = item.get("expiresAt", {}).get("N")
            if expires is None:
                continue  # never written by this code: an open upload always expires
            retiring = bool(item.get("retiring", {}).get("BOOL", False))
            uploads.append(
                OpenUpload(tenant_id, file_id, item["objectKey"]["S"], int(expires), retiring)
            )
        return uploads

    def stale_ingestions(self, updated_before: str, limit: int) -> list[IngestionEntry]:
        """Up to `limit` files, of any tenant, that entered or last progressed in ingestion
        before `updated_before` (an ISO timestamp like `updatedAt`), oldest first.

        One page of a Query on the sparse `by_ingestion` index, with the service's own client:
        it spans tenants by design and reads only keys and status (decision 0075). Blocking."""
        response = self._clients.service_client("dynamodb").query(
            TableName=self._table,
            IndexName=INGESTION_INDEX.name,
            KeyConditionExpression="#due = :due AND #updated < :before",
            ProjectionExpression="pk, sk, #status, #updated",
            ExpressionAttributeNames={
                "#due": INGESTION_INDEX.partition_key,
                "#updated": INGESTION_INDEX.sort_key,
                "#status": "status",
            },
            ExpressionAttributeValues={
                ":due": {"S": INGESTION_DUE},
                ":before": {"S": updated_before},
            },
            ScanIndexForward=True,
            Limit=limit,
        )
        entries: list[IngestionEntry] = []
        for item in response.get("Items", []):
            tenant_id, _, entity = item["pk"]["S"].partition(KEY_DELIMITER)
            tag, _, file_id = item["sk"]["S"].partition(KEY_DELIMITER)
            status = item["status"]["S"]
            # Anything else is never expected in this index and never touched: a non-file
            # item, a key no tenant id could make, or a status out of ingestion.
            if entity != FILES_ENTITY or tag != FILE_TAG or not is_valid_tenant_id(tenant_id):
                continue
            if status not in IN_INGESTION:
                continue
            entries.append(
                IngestionEntry(tenant_id, file_id, FileStatus(status), item["updatedAt"]["S"])
            )
        return entries
