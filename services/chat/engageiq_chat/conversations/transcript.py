"""A conversation's messages read oldest first, a page at a time, up to a bound: what an
export streams, a shared link shows and "continue as my own" copies (decision 0113). History
(`MessageStore.page`) reads newest first for the chat screen; a transcript reads forward."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from engageiq_chat.conversations import keys
from engageiq_chat.messages.model import StoredMessage
from engageiq_chat.messages.store import message_from_item
from engageiq_chat.storage import DynamoTables, values
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.items import from_item

PAGE_MESSAGES: Final = 100
"""Messages read per query: a page of a 300 KB-bounded message each stays under DynamoDB's
1 MB page anyway, and memory holds one page at a time."""
_AFTER_EVERY_ID: Final = "~"
"""Sorts after every id character ([A-Za-z0-9_-]): the end of a conversation's message range."""


@dataclass(frozen=True, slots=True)
class Transcript:
    """One conversation's message range: `partition` (its owner's, `keys.partition`),
    `conversation_id`, and `through`, the id of the last message it holds (a share's
    snapshot) or None for every message."""

    partition: str
    conversation_id: str
    through: str | None = None

    @property
    def first_sk(self) -> str:
        return keys.message_prefix(self.conversation_id)

    @property
    def last_sk(self) -> str:
        if self.through is None:
            return keys.message_prefix(self.conversation_id) + _AFTER_EVERY_ID
        return keys.message_sk(self.conversation_id, self.through)

    def holds(self, sk: str) -> bool:
        """Whether `sk` (a cursor's) is a message key inside this range."""
        return sk.startswith(self.first_sk) and sk <= self.last_sk


async def read_page(
    tables: DynamoTables,
    reader: TenantContext,
    transcript: Transcript,
    *,
    after: str | None,
    limit: int = PAGE_MESSAGES,
) -> tuple[list[StoredMessage], str | None]:
    """Up to `limit` messages after sort key `after` (None: from the first), oldest first,
    and the sort key to read on from (None when the range is done). `reader` is whose
    credentials read (the partition is the tenant's: IAM checks its leading key)."""
    request: dict[str, Any] = {
        "TableName": tables.conversations,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
        "ExpressionAttributeValues": values(
            {
                ":pk": transcript.partition,
                ":first": transcript.first_sk,
                ":last": transcript.last_sk,
            }
        ),
        "ScanIndexForward": True,
        "Limit": limit,
    }
    if after is not None:
        request["ExclusiveStartKey"] = values({"pk": transcript.partition, "sk": after})
    answer = await tables.call(reader, "query", **request)
    messages = [message_from_item(i) for i in answer.get("Items", [])]
    last = answer.get("LastEvaluatedKey")
    return messages, (str(from_item(last)["sk"]) if last else None)


async def pages(
    tables: DynamoTables,
    reader: TenantContext,
    transcript: Transcript,
    *,
    limit: int = PAGE_MESSAGES,
) -> AsyncIterator[list[StoredMessage]]:
    """Every message of `transcript`, one page (at most `limit`) at a time, oldest first;
    the next page is read only when the consumer asks for it."""
    after: str | None = None
    while True:
        messages, after = await read_page(tables, reader, transcript, after=after, limit=limit)
        if messages:
            yield messages
        if after is None:
            return
