"""`MessageStore`: the message items of a conversation, and the writes that add them together
with the conversation item (one transaction: never a message without its live conversation)."""

from __future__ import annotations

import re
import time
from typing import Any

import msgspec

from engageiq_chat.conversations import keys
from engageiq_chat.conversations.store import ConversationStore
from engageiq_chat.ids import new_id
from engageiq_chat.knowledge.scope import ConversationScope
from engageiq_chat.messages.model import (
    LEASE_SECONDS,
    Citation,
    MessageStatus,
    Role,
    StoredMessage,
    as_read,
    bounded_citations,
    bounded_content,
    epoch_ms,
)
from engageiq_chat.storage import ConditionFailed, DynamoTables, values
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.cursors import InvalidCursor, decode_cursor, encode_cursor
from engageiq_tenancy.items import from_item, to_item
from engageiq_tenancy.tenant_gate import StorageUnavailable
from engageiq_tenancy.tenant_ids import OBJECT_ID_PATTERN

BATCH_WRITE_MAX = 25
# An answer follows its question directly; a few more cover turns sent at once.
QUESTION_LOOKBACK = 4
_KEY_ATTRIBUTES = ("pk", "sk")
FEEDBACK = "feedback"
"""The one attribute of an answer that its user writes, not its generator (`FeedbackStore`)."""
_REWRITTEN_ATTRIBUTES: tuple[str, ...] = (
    *(f.encode_name for f in msgspec.structs.fields(StoredMessage) if f.encode_name != FEEDBACK),
    "stopRequested",
)
"""What a rewrite sets or removes: every attribute of a message but its keys and feedback."""
_MESSAGE_SK = re.compile(rf"MSG#({OBJECT_ID_PATTERN.pattern})#({OBJECT_ID_PATTERN.pattern})")


class ConversationGone(Exception):
    """The conversation was deleted (or never existed) when a message was to be added."""


class CheckpointRefused(Exception):
    """A checkpoint of a streaming answer was refused: its Stop was asked for, another
    generation owns it now, or it is gone (its conversation deleted). The generator stops."""


class NotStreaming(Exception):
    """A Stop for an answer that is not being written (finished, or its generator died)."""


def _message(item: dict[str, Any], lease_seconds: float = LEASE_SECONDS) -> StoredMessage:
    data = {k: v for k, v in item.items() if k not in ("pk", "sk", "stopRequested")}
    # Every read sees an answer whose generator died as incomplete (decision 0114).
    return as_read(msgspec.convert(data, StoredMessage), time.time(), lease_seconds)


def message_from_item(item: dict[str, Any]) -> StoredMessage:
    """A message from its typed DynamoDB item (as GetItem or an update's old values give it)."""
    return _message(from_item(item))


class MessageStore:
    def __init__(
        self,
        tables: DynamoTables,
        conversations: ConversationStore,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._tables = tables
        self._conversations = conversations
        self.lease_seconds = lease_seconds
        """An answer without a checkpoint for this long lost its generator (decision 0114)."""

    def _item(self, tenant: TenantContext, message: StoredMessage) -> dict[str, Any]:
        content, cut = bounded_content(message.content)
        bounded = msgspec.structs.replace(
            message,
            content=content,
            truncated=message.truncated or cut,
            citations=bounded_citations(message.citations),
        )
        return to_item(
            {
                "pk": keys.partition(tenant),
                "sk": keys.message_sk(message.conversation_id, message.id),
                **msgspec.to_builtins(bounded),
            }
        )

    async def add(
        self,
        tenant: TenantContext,
        message: StoredMessage,
        *,
        new_conversation: bool,
        title: str = "",
        scope: ConversationScope | msgspec.UnsetType | None = msgspec.UNSET,
        answer: StoredMessage | None = None,
    ) -> str:
        """Store one message and refresh (or create) its conversation, atomically; returns the
        conversation's new version (`updatedAt`). `scope`: set (a checked scope) or cleared
        (None) on the conversation in the same write; UNSET leaves it. `answer`: its answer's
        `streaming` item, written in the same transaction (decision 0114)."""
        version = keys.now_iso()
        added = [message] if answer is None else [message, answer]
        touch = self._conversations.touch(
            tenant,
            message.conversation_id,
            new=new_conversation,
            title=title,
            route=message.route,
            added_messages=len(added),
            now=version,
            scope=scope,
        )
        puts = [
            {
                "Put": {
                    "TableName": self._tables.conversations,
                    "Item": self._item(tenant, m),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for m in added
        ]
        try:
            # The message id is unique per write: the transaction's idempotency token.
            await self._tables.transact(tenant, [*puts, touch], token=message.id)
        except ConditionFailed:
            raise ConversationGone(message.conversation_id) from None
        return version

    async def replace(
        self, tenant: TenantContext, message: StoredMessage, *, owner: str | None = None
    ) -> str:
        """Rewrite an existing message (an answer when it ends, or continued in place) and
        refresh its conversation, atomically; returns the conversation's new version.
        ConversationGone when the conversation or the message is gone, or (`owner` given)
        when another generation than `owner` holds the message now."""
        version = keys.now_iso()
        touch = self._conversations.touch(
            tenant,
            message.conversation_id,
            new=False,
            title="",
            route=message.route,
            added_messages=0,
            now=version,
        )
        try:
            # Each rewrite is a new write: its own idempotency token, not the message id.
            await self._tables.transact(
                tenant, [self._rewrite(tenant, message, owner), touch], token=new_id()
            )
        except ConditionFailed:
            raise ConversationGone(message.conversation_id) from None
        return version

    def _rewrite(
        self, tenant: TenantContext, message: StoredMessage, owner: str | None
    ) -> dict[str, Any]:
        """The transaction's update that makes the stored message `message`, attribute by
        attribute, except its feedback: a rating given while the answer was being written
        (the user may rate it before its end) is the user's, and the generator never held it.
        Every other attribute the item has and `message` lacks goes (`stopRequested`, the
        `streaming` answer's lease)."""
        item = self._item(tenant, message)
        kept = {k: v for k, v in item.items() if k not in (*_KEY_ATTRIBUTES, FEEDBACK)}
        gone = [a for a in _REWRITTEN_ATTRIBUTES if a not in kept]
        names = {f"#a{i}": name for i, name in enumerate([*kept, *gone])}
        placeholder = {name: key for key, name in names.items()}
        expression = "SET " + ", ".join(f"{placeholder[a]} = :a{i}" for i, a in enumerate(kept))
        if gone:
            expression += " REMOVE " + ", ".join(placeholder[a] for a in gone)
        attribute_values = {f":a{i}": v for i, v in enumerate(kept.values())}
        condition = "attribute_exists(pk)"
        if owner is not None:
            condition += " AND streamId = :owner"
            attribute_values[":owner"] = values({":owner": owner})[":owner"]
        return {
            "Update": {
                "TableName": self._tables.conversations,
                "Key": self._key(tenant, message.conversation_id, message.id),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": attribute_values,
            }
        }

    def _key(self, tenant: TenantContext, conversation_id: str, message_id: str) -> dict[str, Any]:
        return values(
            {"pk": keys.partition(tenant), "sk": keys.message_sk(conversation_id, message_id)}
        )

    async def checkpoint(
        self,
        tenant: TenantContext,
        conversation_id: str,
        message_id: str,
        *,
        owner: str,
        content: str,
        at: int,
        citations: list[Citation] | None = None,
        passages: int | None = None,
    ) -> None:
        """Write a streaming answer's text so far, and renew its lease (`at`, epoch
        milliseconds); `citations` and `passages` only when given (None: as the item has them,
        so a checkpoint between two new sources costs a smaller request; decision 0124).
        CheckpointRefused when its Stop was asked for, another generation than `owner` holds
        it, or it is gone."""
        bounded, cut = bounded_content(content)
        sets = ["content = :content", "checkpointAt = :at"]
        changed: dict[str, Any] = {":content": bounded, ":at": at}
        if cut:
            # Only ever set: the text grows, so an answer once cut stays cut.
            sets.append("truncated = :cut")
            changed[":cut"] = True
        if citations is not None:
            sets.append("citations = :citations")
            changed[":citations"] = msgspec.to_builtins(bounded_citations(citations))
        if passages is not None:
            sets.append("passages = :passages")
            changed[":passages"] = passages
        try:
            await self._tables.call(
                tenant,
                "update_item",
                TableName=self._tables.conversations,
                Key=self._key(tenant, conversation_id, message_id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="#status = :streaming AND streamId = :owner "
                "AND attribute_not_exists(stopRequested)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values(
                    {**changed, ":streaming": MessageStatus.STREAMING.value, ":owner": owner}
                ),
            )
        except ConditionFailed:
            raise CheckpointRefused(message_id) from None

    async def claim(
        self, tenant: TenantContext, message: StoredMessage, *, owner: str, at: int
    ) -> bool:
        """Mark a cut-off answer `streaming` for the generation `owner` that continues it; False
        when it is being written already (a live generation holds it) or is gone."""
        try:
            await self._tables.call(
                tenant,
                "update_item",
                TableName=self._tables.conversations,
                Key=self._key(tenant, message.conversation_id, message.id),
                UpdateExpression="SET #status = :streaming, streamId = :owner, checkpointAt = :at "
                "REMOVE stopRequested",
                # A dead generation's answer (no checkpoint within the lease) is claimable.
                ConditionExpression="attribute_exists(pk) AND "
                "(#status <> :streaming OR checkpointAt < :stale)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values(
                    {
                        ":streaming": MessageStatus.STREAMING.value,
                        ":owner": owner,
                        ":at": at,
                        ":stale": at - epoch_ms(self.lease_seconds),
                    }
                ),
            )
        except ConditionFailed:
            return False
        return True

    async def request_stop(
        self, tenant: TenantContext, conversation_id: str, message_id: str
    ) -> None:
        """Ask the generator of a streaming answer, wherever it runs, to stop: its next
        checkpoint is refused. NotStreaming when the answer is not being written (finished,
        or its generator died); None of it tells whether the message exists (`get` does)."""
        try:
            await self._tables.call(
                tenant,
                "update_item",
                TableName=self._tables.conversations,
                Key=self._key(tenant, conversation_id, message_id),
                UpdateExpression="SET stopRequested = :yes",
                ConditionExpression="#status = :streaming AND checkpointAt >= :stale",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values(
                    {
                        ":yes": True,
                        ":streaming": MessageStatus.STREAMING.value,
                        ":stale": epoch_ms(time.time() - self.lease_seconds),
                    }
                ),
            )
        except ConditionFailed:
            raise NotStreaming(message_id) from None

    async def get(
        self, tenant: TenantContext, conversation_id: str, message_id: str
    ) -> StoredMessage | None:
        """One message of the caller's conversation, or None (a strongly consistent read)."""
        answer = await self._tables.call(
            tenant,
            "get_item",
            TableName=self._tables.conversations,
            Key=values(
                {"pk": keys.partition(tenant), "sk": keys.message_sk(conversation_id, message_id)}
            ),
            ConsistentRead=True,
        )
        item = answer.get("Item")
        return _message(from_item(item), self.lease_seconds) if item is not None else None

    async def question_of(
        self, tenant: TenantContext, conversation_id: str, answer_id: str
    ) -> StoredMessage | None:
        """The user message an answer answers: the latest user message before it (ids are
        time-ordered). One Query of a few items, newest first."""
        answer = await self._tables.call(
            tenant,
            "query",
            TableName=self._tables.conversations,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :answer",
            ExpressionAttributeValues=values(
                {
                    ":pk": keys.partition(tenant),
                    ":first": keys.message_prefix(conversation_id),
                    ":answer": keys.message_sk(conversation_id, answer_id),
                }
            ),
            ScanIndexForward=False,
            Limit=QUESTION_LOOKBACK,
        )
        messages = [_message(from_item(i), self.lease_seconds) for i in answer.get("Items", [])]
        return next((m for m in messages if m.role == Role.USER), None)

    async def recent(
        self, tenant: TenantContext, conversation_id: str, limit: int
    ) -> list[StoredMessage]:
        """The latest `limit` messages, oldest first (what prompt building starts from)."""
        answer = await self._tables.call(
            tenant,
            "query",
            TableName=self._tables.conversations,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=values(
                {
                    ":pk": keys.partition(tenant),
                    ":prefix": keys.message_prefix(conversation_id),
                }
            ),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [
            _message(from_item(i), self.lease_seconds) for i in reversed(answer.get("Items", []))
        ]

    async def page(
        self, tenant: TenantContext, conversation_id: str, limit: int, cursor: str | None
    ) -> tuple[list[StoredMessage], str | None]:
        """One page of history. Pages run from the newest message backwards (a chat shows the
        latest first and loads older ones on scroll); within a page, oldest first."""
        pk = keys.partition(tenant)
        request: dict[str, Any] = {
            "TableName": self._tables.conversations,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": values(
                {":pk": pk, ":prefix": keys.message_prefix(conversation_id)}
            ),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            start = decode_cursor(
                tenant, cursor, {"sk": lambda v: _MESSAGE_SK.fullmatch(v) is not None}
            )
            if not start["sk"].startswith(keys.message_prefix(conversation_id)):
                # A cursor of another conversation: refuse rather than page across.
                raise InvalidCursor()
            request["ExclusiveStartKey"] = values({"pk": pk, "sk": start["sk"]})
        answer = await self._tables.call(tenant, "query", **request)
        messages = [
            _message(from_item(i), self.lease_seconds) for i in reversed(answer.get("Items", []))
        ]
        last = answer.get("LastEvaluatedKey")
        next_cursor = encode_cursor(tenant, {"sk": from_item(last)["sk"]}) if last else None
        return messages, next_cursor

    async def purge(self, tenant: TenantContext, conversation_id: str) -> int:
        """Delete every message item of a conversation (batched); returns how many."""
        pk = keys.partition(tenant)
        removed = 0
        start: dict[str, Any] | None = None
        while True:
            request: dict[str, Any] = {
                "TableName": self._tables.conversations,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
                "ExpressionAttributeValues": values(
                    {":pk": pk, ":prefix": keys.message_prefix(conversation_id)}
                ),
                "ProjectionExpression": "pk, sk",
            }
            if start:
                request["ExclusiveStartKey"] = start
            answer = await self._tables.call(tenant, "query", **request)
            item_keys = answer.get("Items", [])
            for i in range(0, len(item_keys), BATCH_WRITE_MAX):
                await self._delete_batch(tenant, item_keys[i : i + BATCH_WRITE_MAX])
            removed += len(item_keys)
            start = answer.get("LastEvaluatedKey")
            if not start:
                return removed

    async def _delete_batch(self, tenant: TenantContext, item_keys: list[dict[str, Any]]) -> None:
        requests: list[dict[str, Any]] = [{"DeleteRequest": {"Key": k}} for k in item_keys]
        for _ in range(5):
            answer = await self._tables.call(
                tenant, "batch_write_item", RequestItems={self._tables.conversations: requests}
            )
            requests = answer.get("UnprocessedItems", {}).get(self._tables.conversations, [])
            if not requests:
                return
        raise StorageUnavailable()
