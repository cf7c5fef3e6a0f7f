"""A conversation's scope: the collections and files its answers draw on. `POST /api/chat`
may set it (`scope`), the conversation item keeps it, and later turns without `scope` use it;
both lists empty clears it (everything the caller may see).

A scope is checked before anything of the turn is written: every collection must exist and
admit the caller, every file must be a live file of the tenant the caller may see; otherwise
400 `unknown_scope`, answered alike for a missing and a hidden id (an audience is a wall)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Final

import anyio.to_thread
import msgspec
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_chat.knowledge.sources import SourceWall
from engageiq_chat.messages.model import Citation
from engageiq_chat.storage import DynamoTables, values
from engageiq_search.file_filter import FileFilter
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.governance import KnowledgeReader, KnowledgeView
from engageiq_tenancy.items import from_item
from engageiq_tenancy.keys import (
    FILE_TAG,
    FILES_ENTITY,
    InvalidObjectId,
    sort_key,
    tenant_partition,
)
from engageiq_tenancy.tenant_gate import StorageUnavailable
from engageiq_tenancy.tenant_ids import KEY_DELIMITER

MAX_SCOPE_COLLECTIONS: Final = 20
MAX_SCOPE_FILES: Final = 50
BATCH_GET_KEYS: Final = 100
"""DynamoDB's limit of keys per BatchGetItem."""
_BATCH_GET_ATTEMPTS: Final = 4
_BATCH_GET_BACKOFF_SECONDS: Final = 0.05


class ConversationScope(
    msgspec.Struct, rename="camel", kw_only=True, frozen=True, forbid_unknown_fields=True
):
    """The collections and files a conversation's answers may draw on: the union of the
    collections' files and the files named. Both empty in a request: no scope."""

    collection_ids: Annotated[tuple[str, ...], msgspec.Meta(max_length=MAX_SCOPE_COLLECTIONS)] = ()
    file_ids: Annotated[tuple[str, ...], msgspec.Meta(max_length=MAX_SCOPE_FILES)] = ()

    @property
    def empty(self) -> bool:
        return not self.collection_ids and not self.file_ids

    def normalised(self) -> ConversationScope:
        """Each id once, in the order first given."""
        return ConversationScope(
            collection_ids=tuple(dict.fromkeys(self.collection_ids)),
            file_ids=tuple(dict.fromkeys(self.file_ids)),
        )


class UnknownScope(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.UNKNOWN_SCOPE)


def scope_from_item(value: Any) -> ConversationScope | None:
    """The scope stored on a conversation item (a plain map), None when it has none."""
    if not isinstance(value, dict):
        return None
    scope = msgspec.convert(value, ConversationScope)
    return None if scope.empty else scope


def scope_to_item(scope: ConversationScope) -> dict[str, Any]:
    return {"collectionIds": list(scope.collection_ids), "fileIds": list(scope.file_ids)}


def file_filter(
    view: KnowledgeView, caller: TenantContext, scope: ConversationScope | None
) -> FileFilter:
    """What retrieval may return for `caller`: never the files their audiences hide; with a
    scope, only the scope's collections' files and its files."""
    within = (
        None if scope is None else view.files_in(scope.collection_ids) | frozenset(scope.file_ids)
    )
    return FileFilter(within, view.hidden_files(caller))


class Knowledge:
    """The chat service's reads of governed knowledge: the tenant's `KnowledgeView` (one
    `KnowledgeReader` per process, cached per tenant) and file records (a scope's checks,
    and which cited files still exist when history is shown), both with the chat service's
    tenant-scoped clients."""

    def __init__(self, reader: KnowledgeReader, tables: DynamoTables, files_table: str) -> None:
        self._reader = reader
        self._tables = tables
        self._files_table = files_table

    async def view(self, tenant: TenantContext, *, fresh: bool = False) -> KnowledgeView:
        """The tenant's view (at most `VIEW_TTL_SECONDS` old unless `fresh`). A failed read
        is 503 `storage_unavailable`: without the view nobody can tell which files are hidden."""
        if fresh:
            self._reader.forget(tenant)
        try:
            return await anyio.to_thread.run_sync(self._reader.view, tenant)
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable() from exc

    async def file_collections(
        self, tenant: TenantContext, file_ids: Sequence[str]
    ) -> dict[str, tuple[str, ...] | None]:
        """For each id, the collections of the live file it names, or None when there is no
        such file (missing, malformed id, an abandoned upload or a file being deleted)."""
        # gather, not a task group: a storage failure stays the 503 it is, not a group.
        found = await asyncio.gather(*(self._collections_of(tenant, f) for f in file_ids))
        return dict(zip(file_ids, found, strict=True))

    async def _collections_of(self, tenant: TenantContext, file_id: str) -> tuple[str, ...] | None:
        try:
            key = {
                "pk": tenant_partition(tenant, FILES_ENTITY),
                "sk": sort_key(FILE_TAG, file_id),
            }
        except InvalidObjectId:
            return None
        answer = await self._tables.call(
            tenant,
            "get_item",
            TableName=self._files_table,
            Key=values(key),
            ConsistentRead=True,
            ProjectionExpression="id, collectionIds, expiresAt",
        )
        record = from_item(answer.get("Item", {}))
        if not record:
            return None
        expires = record.get("expiresAt")
        # An expiry marks an abandoned upload or a file being deleted (files catalog).
        if expires is not None and float(expires) <= time.time():
            return None
        return tuple(str(c) for c in record.get("collectionIds") or ())

    async def source_wall(
        self, reader: TenantContext, view: KnowledgeView, citations: Iterable[Citation]
    ) -> SourceWall:
        """What `reader` is shown of `citations` (a page's, or one answer's) now: the cited
        files that still exist (one read of their records, `existing_files`) and that `view`
        lets them see."""
        cited = [c.source_id for c in citations]
        existing = await self.existing_files(reader, cited) if cited else frozenset[str]()
        return SourceWall(view, reader, existing)

    async def existing_files(
        self, tenant: TenantContext, file_ids: Sequence[str]
    ) -> frozenset[str]:
        """Of `file_ids`, those naming a file that still exists: a record neither retiring
        (being deleted) nor expired (an abandoned upload, or a delete under way), as
        `_collections_of` judges a scope's files (`file_records`: a history page's sources
        are usually one request)."""
        records = await self.file_records(tenant, file_ids, ("expiresAt", "retiring"))
        now = time.time()
        return frozenset(
            file_id
            for file_id, record in records.items()
            if not record.get("retiring")
            and (record.get("expiresAt") is None or float(record["expiresAt"]) > now)
        )

    async def file_records(
        self, tenant: TenantContext, file_ids: Sequence[str], attributes: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """The stored records of `file_ids` (plain values, only `attributes`), by id; ids
        that are malformed or name no record are absent. One BatchGetItem per
        `BATCH_GET_KEYS` distinct ids, sent together, unprocessed keys retried;
        StorageUnavailable when some stay unread, since a file that was not read can be
        neither shown nor withheld with certainty."""
        keys: dict[str, dict[str, Any]] = {}
        for file_id in dict.fromkeys(file_ids):
            try:
                sk = sort_key(FILE_TAG, file_id)
            except InvalidObjectId:
                continue  # never a file
            keys[sk] = values({"pk": tenant_partition(tenant, FILES_ENTITY), "sk": sk})
        batches = list(keys.values())
        names = {f"#a{i}": name for i, name in enumerate(attributes)}
        read = await asyncio.gather(
            *(
                self._records(tenant, batches[at : at + BATCH_GET_KEYS], names)
                for at in range(0, len(batches), BATCH_GET_KEYS)
            )
        )
        # `FILE#<id>`: the id is what follows the tag.
        return {
            str(record["sk"]).partition(KEY_DELIMITER)[2]: record
            for found in read
            for record in found
        }

    async def _records(
        self, tenant: TenantContext, keys: list[dict[str, Any]], names: dict[str, str]
    ) -> list[dict[str, Any]]:
        """The records of `keys` (at most `BATCH_GET_KEYS`): their key and `names` (every
        attribute by placeholder: `name` and `owner` are DynamoDB reserved words)."""
        request: dict[str, Any] = {
            self._files_table: {
                "Keys": keys,
                "ProjectionExpression": ", ".join(["pk", "sk", *names]),
                **({"ExpressionAttributeNames": names} if names else {}),
            }
        }
        found: list[dict[str, Any]] = []
        for attempt in range(_BATCH_GET_ATTEMPTS):
            if attempt:
                await asyncio.sleep(_BATCH_GET_BACKOFF_SECONDS * attempt)
            answer = await self._tables.call(tenant, "batch_get_item", RequestItems=request)
            found += [from_item(i) for i in answer.get("Responses", {}).get(self._files_table, [])]
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                return found
        raise StorageUnavailable()

    async def check(
        self,
        tenant: TenantContext,
        scope: ConversationScope,
        view: KnowledgeView,
        files: dict[str, tuple[str, ...] | None],
    ) -> None:
        """Raises 400 `unknown_scope` unless every collection of `scope` exists and admits
        `tenant`'s caller and every file (`files`: `file_collections` of its ids) is live and
        visible to them. A collection missing from the cached `view` is looked up once more
        in a fresh one (it may have been created within the view's lifetime)."""
        if any(c not in view.collections for c in scope.collection_ids):
            view = await self.view(tenant, fresh=True)
        for collection_id in scope.collection_ids:
            collection = view.collections.get(collection_id)
            if collection is None or not collection.admits(tenant):
                raise UnknownScope()
        for file_id in scope.file_ids:
            collections = files.get(file_id)
            if collections is None or not view.may_see_collections(tenant, collections):
                raise UnknownScope()
