"""`ConversationStore`: the conversation items of the caller's partition."""

from __future__ import annotations

import time
from typing import Any, Final

import msgspec

from engageiq_chat.conversations import keys
from engageiq_chat.knowledge.scope import ConversationScope, scope_from_item, scope_to_item
from engageiq_chat.storage import ConditionFailed, DynamoTables, values
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.cursors import decode_cursor, encode_cursor
from engageiq_tenancy.display_text import clean_display_text, cut_at_grapheme
from engageiq_tenancy.items import from_item

ACTIVE: Final = "active"
DELETED: Final = "deleted"
TITLE_CHARS: Final = 80
# A conversation marked deleted whose purge was interrupted disappears by itself after this.
DELETED_TTL_SECONDS: Final = 7 * 24 * 3600


class Conversation(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    title: str
    created_at: str
    updated_at: str
    message_count: int = 0
    last_route: str | None = None
    scope: ConversationScope | None = None
    """The collections and files its answers draw on; None: everything the user may see."""


UNTITLED: Final = "New conversation"


def title_from(message: str) -> str:
    """A conversation's first title: its first message, cleaned like every name people see
    and cut at a character boundary."""
    return cut_at_grapheme(clean_display_text(message), TITLE_CHARS, "…") or UNTITLED


def _conversation(item: dict[str, Any]) -> Conversation:
    return Conversation(
        id=item["id"],
        title=item.get("title", ""),
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
        message_count=item.get("messageCount", 0),
        last_route=item.get("lastRoute"),
        scope=scope_from_item(item.get("scope")),
    )


def conversation_from_item(item: dict[str, Any]) -> Conversation:
    """A conversation from its plain item (as a listing or a batch read gives it)."""
    return _conversation(item)


class ConversationStore:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables

    async def get(self, tenant: TenantContext, conversation_id: str) -> Conversation | None:
        """The caller's live conversation, or None (missing, deleted, or not theirs)."""
        answer = await self._tables.call(
            tenant,
            "get_item",
            TableName=self._tables.conversations,
            Key=values({"pk": keys.partition(tenant), "sk": keys.conversation_sk(conversation_id)}),
            ConsistentRead=True,
        )
        item = from_item(answer.get("Item", {}))
        if not item or item.get("status") != ACTIVE:
            return None
        return _conversation(item)

    async def list(
        self, tenant: TenantContext, limit: int, cursor: str | None
    ) -> tuple[list[Conversation], str | None]:
        pk = keys.partition(tenant)
        request: dict[str, Any] = {
            "TableName": self._tables.conversations,
            "IndexName": keys.BY_UPDATED,
            "KeyConditionExpression": "gsi1pk = :pk",
            "ExpressionAttributeValues": values({":pk": pk}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            start = decode_cursor(
                tenant,
                cursor,
                {
                    "sk": lambda v: keys.CONVERSATION_SK.fullmatch(v) is not None,
                    "u": lambda v: keys.UPDATED_SK.fullmatch(v) is not None,
                },
            )
            request["ExclusiveStartKey"] = values(
                {"pk": pk, "sk": start["sk"], "gsi1pk": pk, "gsi1sk": start["u"]}
            )
        answer = await self._tables.call(tenant, "query", **request)
        items = [from_item(i) for i in answer.get("Items", [])]
        conversations = [_conversation(i) for i in items if i.get("status") == ACTIVE]
        last = answer.get("LastEvaluatedKey")
        next_cursor = None
        if last:
            plain = from_item(last)
            next_cursor = encode_cursor(tenant, {"sk": plain["sk"], "u": plain["gsi1sk"]})
        return conversations, next_cursor

    async def rename(
        self, tenant: TenantContext, conversation_id: str, title: str
    ) -> Conversation | None:
        try:
            answer = await self._tables.call(
                tenant,
                "update_item",
                TableName=self._tables.conversations,
                Key=values(
                    {"pk": keys.partition(tenant), "sk": keys.conversation_sk(conversation_id)}
                ),
                UpdateExpression="SET title = :title",
                ConditionExpression="#status = :active",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values({":title": title, ":active": ACTIVE}),
                ReturnValues="ALL_NEW",
            )
        except ConditionFailed:
            return None
        return _conversation(from_item(answer["Attributes"]))

    async def mark_deleted(
        self, tenant: TenantContext, conversation_id: str, expires_at: int
    ) -> bool:
        """Step 1 of a delete: the conversation vanishes from every route at once (and from the
        by_updated index); its messages are purged next. False if there was nothing to delete.
        A conversation already marked deleted answers True, so a retried DELETE resumes."""
        try:
            await self._tables.call(
                tenant,
                "update_item",
                TableName=self._tables.conversations,
                Key=values(
                    {"pk": keys.partition(tenant), "sk": keys.conversation_sk(conversation_id)}
                ),
                UpdateExpression="SET #status = :deleted, expiresAt = :expires "
                "REMOVE gsi1pk, gsi1sk",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values({":deleted": DELETED, ":expires": expires_at}),
            )
        except ConditionFailed:
            return False
        return True

    async def retire(self, tenant: TenantContext, conversation_id: str, idle_before: str) -> bool:
        """Step 1 of a retention deletion (decision 0122): like `mark_deleted`, but only if the
        conversation is still live and its last activity (`updatedAt`, ISO-8601) is still
        before `idle_before`, so a message added meanwhile keeps it; it moves to the retiring
        partition of by_updated (`keys.retiring_partition`), where the next sweep finds it
        if this one is cut short. False if the condition failed."""
        try:
            await self._tables.call(
                tenant,
                "update_item",
                TableName=self._tables.conversations,
                Key=values(
                    {"pk": keys.partition(tenant), "sk": keys.conversation_sk(conversation_id)}
                ),
                UpdateExpression="SET #status = :deleted, expiresAt = :expires, gsi1pk = :retiring",
                ConditionExpression="#status = :active AND updatedAt < :before",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values(
                    {
                        ":deleted": DELETED,
                        ":retiring": keys.retiring_partition(keys.partition(tenant)),
                        ":active": ACTIVE,
                        ":before": idle_before,
                        ":expires": int(time.time()) + DELETED_TTL_SECONDS,
                    }
                ),
            )
        except ConditionFailed:
            return False
        return True

    async def remove(self, tenant: TenantContext, conversation_id: str) -> None:
        """Last step of a delete, once no message item is left."""
        await self._tables.call(
            tenant,
            "delete_item",
            TableName=self._tables.conversations,
            Key=values({"pk": keys.partition(tenant), "sk": keys.conversation_sk(conversation_id)}),
        )

    def touch(
        self,
        tenant: TenantContext,
        conversation_id: str,
        *,
        new: bool,
        title: str,
        route: str | None,
        added_messages: int,
        now: str,
        scope: ConversationScope | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> dict[str, Any]:
        """The transaction part that creates or refreshes the conversation item as messages are
        added, so a message never exists without its conversation being live. `now` becomes
        the conversation's `updatedAt`: its version. `scope` is stored with it (a checked
        one), None removes it, UNSET keeps what is stored."""
        pk = keys.partition(tenant)
        names = {"#status": "status"}
        vals: dict[str, Any] = {
            ":now": now,
            ":gsk": keys.updated_sk(now, conversation_id),
            ":pk": pk,
            ":n": added_messages,
            ":active": ACTIVE,
        }
        expression = "SET updatedAt = :now, gsi1pk = :pk, gsi1sk = :gsk ADD messageCount :n"
        if route is not None:
            expression = expression.replace("ADD", ", lastRoute = :route ADD")
            vals[":route"] = route
        if new:
            expression = expression.replace(
                "SET ", "SET id = :id, title = :title, createdAt = :now, #status = :active, "
            )
            vals |= {":id": conversation_id, ":title": title}
            condition = "attribute_not_exists(pk)"
        else:
            condition = "#status = :active"
        if isinstance(scope, ConversationScope) and not scope.empty:
            expression = expression.replace(" ADD", ", #scope = :scope ADD")
            names["#scope"] = "scope"
            vals[":scope"] = scope_to_item(scope)
        elif scope is None or isinstance(scope, ConversationScope):
            expression += " REMOVE #scope"
            names["#scope"] = "scope"
        return {
            "Update": {
                "TableName": self._tables.conversations,
                "Key": values({"pk": pk, "sk": keys.conversation_sk(conversation_id)}),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values(vals),
            }
        }
