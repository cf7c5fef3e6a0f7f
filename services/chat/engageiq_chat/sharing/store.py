"""`ShareStore`: shared links to conversations (layout in `sharing.keys`, decision 0113).

A share is a snapshot: it holds the conversation's messages up to the last one there was
when the link was made (`through`), never the ones added later. A link resolves only in the
caller's own tenant, only while both of its items exist and the owner's conversation is live
(deleting the conversation revokes its links; the liveness check covers a delete whose
revocation was interrupted)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from engageiq_chat.conversations import keys as conversation_keys
from engageiq_chat.conversations.store import ACTIVE, Conversation
from engageiq_chat.ids import new_id
from engageiq_chat.sharing import keys
from engageiq_chat.storage import DynamoTables, values
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.cursors import decode_cursor, encode_cursor
from engageiq_tenancy.items import from_item, to_item
from engageiq_tenancy.tenant_ids import OBJECT_ID_PATTERN

_OWNER_SK: Final = re.compile(rf"SHARE#{OBJECT_ID_PATTERN.pattern}")


class Share(msgspec.Struct, rename="camel", kw_only=True):
    """One link as its owner lists it (the token is shown once, when it is made)."""

    id: str
    conversation_id: str
    title: str
    """The conversation's title when it was shared."""
    message_count: int
    """How many messages the snapshot holds."""
    created_at: str


@dataclass(frozen=True, slots=True)
class ResolvedShare:
    """A live link found by its token: the share, whose it is and the last message it holds."""

    share: Share
    owner: str
    through: str


def _share(item: dict[str, Any]) -> Share:
    return Share(
        id=item["shareId"],
        conversation_id=item["conversationId"],
        title=item.get("title", ""),
        message_count=int(item.get("messageCount", 0)),
        created_at=item["createdAt"],
    )


class ShareStore:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables

    async def create(
        self, tenant: TenantContext, conversation: Conversation, through: str
    ) -> tuple[str, Share]:
        """A new link to the caller's `conversation` holding its messages up to `through`:
        the token (returned only here) and the share."""
        token = keys.new_token()
        hashed = keys.token_hash(token)
        share = Share(
            id=new_id(),
            conversation_id=conversation.id,
            title=conversation.title,
            message_count=conversation.message_count,
            created_at=conversation_keys.now_iso(),
        )
        attributes = {
            "shareId": share.id,
            "owner": tenant.user_id,
            "conversationId": share.conversation_id,
            "title": share.title,
            "messageCount": share.message_count,
            "createdAt": share.created_at,
            "through": through,
        }
        await self._tables.transact(
            tenant,
            [
                self._put({**keys.token_key(tenant, hashed), **attributes}),
                self._put({**keys.owner_key(tenant, share.id), **attributes, "tokenHash": hashed}),
            ],
            token=share.id,
        )
        return token, share

    def _put(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._tables.conversations,
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    async def resolve(self, tenant: TenantContext, token: str) -> ResolvedShare | None:
        """The live link `token` names in the caller's tenant, or None: malformed, never made,
        revoked, of another tenant, or its conversation deleted (all alike)."""
        if keys.TOKEN_PATTERN.fullmatch(token) is None:
            return None
        answer = await self._tables.call(
            tenant,
            "get_item",
            TableName=self._tables.conversations,
            Key=values(keys.token_key(tenant, keys.token_hash(token))),
            ConsistentRead=True,
        )
        item = from_item(answer.get("Item", {}))
        if not item:
            return None
        resolved = ResolvedShare(share=_share(item), owner=item["owner"], through=item["through"])
        live = await self._tables.call(
            tenant,
            "get_item",
            TableName=self._tables.conversations,
            Key=values(
                {
                    "pk": keys.owner_partition(tenant, resolved.owner),
                    "sk": conversation_keys.conversation_sk(resolved.share.conversation_id),
                }
            ),
            ConsistentRead=True,
            ProjectionExpression="#status",
            ExpressionAttributeNames={"#status": "status"},
        )
        if from_item(live.get("Item", {})).get("status") != ACTIVE:
            return None
        return resolved

    async def list(
        self, tenant: TenantContext, limit: int, cursor: str | None
    ) -> tuple[list[Share], str | None]:
        """The caller's links, newest first."""
        pk = conversation_keys.partition(tenant)
        request: dict[str, Any] = {
            "TableName": self._tables.conversations,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": values({":pk": pk, ":prefix": keys.owner_prefix()}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            start = decode_cursor(
                tenant, cursor, {"sk": lambda v: _OWNER_SK.fullmatch(v) is not None}
            )
            request["ExclusiveStartKey"] = values({"pk": pk, "sk": start["sk"]})
        answer = await self._tables.call(tenant, "query", **request)
        shares = [_share(from_item(i)) for i in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        next_cursor = encode_cursor(tenant, {"sk": from_item(last)["sk"]}) if last else None
        return shares, next_cursor

    async def owned_hash(self, tenant: TenantContext, share_id: str) -> str | None:
        """The token hash of the caller's link `share_id`; None if they have no such link."""
        answer = await self._tables.call(
            tenant,
            "get_item",
            TableName=self._tables.conversations,
            Key=values(keys.owner_key(tenant, share_id)),
            ConsistentRead=True,
            ProjectionExpression="tokenHash",
        )
        item = from_item(answer.get("Item", {}))
        return str(item["tokenHash"]) if item else None

    async def revoke(self, tenant: TenantContext, share_id: str, hashed: str | None = None) -> bool:
        """Revoke the caller's link `share_id` at once (`hashed`: its token hash, if already
        read with `owned_hash`); False if they have no such link."""
        hashed = hashed or await self.owned_hash(tenant, share_id)
        if hashed is None:
            return False
        await self._delete(tenant, share_id, hashed)
        return True

    async def revoke_conversation(self, tenant: TenantContext, conversation_id: str) -> int:
        """Revoke every link of the caller's conversation; returns how many there were."""
        revoked = 0
        start: dict[str, Any] | None = None
        while True:
            request: dict[str, Any] = {
                "TableName": self._tables.conversations,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
                "FilterExpression": "conversationId = :cid",
                "ExpressionAttributeValues": values(
                    {
                        ":pk": conversation_keys.partition(tenant),
                        ":prefix": keys.owner_prefix(),
                        ":cid": conversation_id,
                    }
                ),
                "ProjectionExpression": "shareId, tokenHash",
            }
            if start:
                request["ExclusiveStartKey"] = start
            answer = await self._tables.call(tenant, "query", **request)
            for item in (from_item(i) for i in answer.get("Items", [])):
                await self._delete(tenant, str(item["shareId"]), str(item["tokenHash"]))
                revoked += 1
            start = answer.get("LastEvaluatedKey")
            if not start:
                return revoked

    async def _delete(self, tenant: TenantContext, share_id: str, hashed: str) -> None:
        # Both items at once: a link never resolves without its owner's record (or after it).
        await self._tables.transact(
            tenant,
            [
                {
                    "Delete": {
                        "TableName": self._tables.conversations,
                        "Key": values(key),
                    }
                }
                for key in (keys.token_key(tenant, hashed), keys.owner_key(tenant, share_id))
            ],
            token=new_id(),
        )
