"""`Idempotency-Key` on POST /api/chat: a question sent twice (a double click, a retry after a
dropped connection) is answered once. The first request claims the key with a conditional
put; a repeat by the same user with the same body gets the first one's answer replayed
(`turns.follow.replay`: followed live while it is still being written), never a second
conversation or model call; the same key with another body is refused (422). Decision 0110.

The claim lives in the caller's own partition (`<tenant>#USER#<user>`, sort key
`IDEM#<key>`, `engageiq_tenancy.keys`), so keys of different users never meet, and expires
through the table's TTL after `KEY_TTL_SECONDS`."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Final

import msgspec

from engageiq_chat.conversations import keys
from engageiq_chat.knowledge.scope import ConversationScope
from engageiq_chat.routing.intents import Intent
from engageiq_chat.storage import ConditionFailed, DynamoTables, values
from engageiq_chat.turns import events
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.items import from_item
from engageiq_tenancy.keys import InvalidIdempotencyKey, idempotency_sort_key

KEY_TTL_SECONDS: Final = 24 * 3600
"""How long a key is remembered: far longer than any client retries a question."""
STARTING_WAIT_SECONDS: Final = 10.0
"""How long a repeat waits for the first request to finish starting (normally milliseconds)."""
POLL_SECONDS: Final = 0.1
"""How often a repeat looks whether the first request has started."""


class RememberedTurn(msgspec.Struct, rename="camel", kw_only=True):
    """What the first request with a key left: its body's hash and, once it started, the ids
    and the `meta` fields of its stream ("" before)."""

    body_hash: str
    conversation_id: str = ""
    user_message_id: str = ""
    assistant_message_id: str = ""
    route: str = ""
    provider: str = ""
    model: str = ""
    passages: int = 0

    @property
    def started(self) -> bool:
        return bool(self.assistant_message_id)


def body_hash(
    message: str,
    conversation_id: str | None,
    scope: ConversationScope | None = None,
    intent: Intent | None = None,
) -> str:
    """The hash a repeat must match: the question, the conversation it goes to, the scope
    it sets and the route it asks for (a body without `scope` or `intent` hashes as it did
    before they existed)."""
    body: list[object] = [message, conversation_id]
    if scope is not None:
        body.append(scope.normalised())
    if intent is not None:
        body.append({"intent": intent.value})
    return hashlib.sha256(msgspec.json.encode(body)).hexdigest()


def checked_key(header: str) -> str:
    """The header's key, or 400 `invalid_idempotency_key`."""
    try:
        idempotency_sort_key(header)
    except InvalidIdempotencyKey:
        raise ApiError(Errors.INVALID_IDEMPOTENCY_KEY) from None
    return header


class IdempotencyStore:
    def __init__(self, tables: DynamoTables, ttl_seconds: int = KEY_TTL_SECONDS) -> None:
        self._tables = tables
        self._ttl_seconds = ttl_seconds

    def _key(self, tenant: TenantContext, key: str) -> dict[str, object]:
        return values({"pk": keys.partition(tenant), "sk": idempotency_sort_key(key)})

    async def claim(self, tenant: TenantContext, key: str, digest: str) -> RememberedTurn | None:
        """Claim `key` for this request: None if it is ours now (the first), else what the
        first request left. An expired claim (TTL deletes lazily) is taken over."""
        now = int(time.time())
        try:
            await self._tables.call(
                tenant,
                "put_item",
                TableName=self._tables.conversations,
                Item={
                    **self._key(tenant, key),
                    **values({"bodyHash": digest, "expiresAt": now + self._ttl_seconds}),
                },
                ConditionExpression="attribute_not_exists(pk) OR expiresAt < :now",
                ExpressionAttributeValues=values({":now": now}),
            )
        except ConditionFailed:
            remembered = await self.get(tenant, key)
            # Released between our put and our read: the key is free again.
            return remembered if remembered is not None else await self.claim(tenant, key, digest)
        return None

    async def get(self, tenant: TenantContext, key: str) -> RememberedTurn | None:
        answer = await self._tables.call(
            tenant,
            "get_item",
            TableName=self._tables.conversations,
            Key=self._key(tenant, key),
            ConsistentRead=True,
        )
        item = answer.get("Item")
        if item is None:
            return None
        plain = {k: v for k, v in from_item(item).items() if k not in ("pk", "sk", "expiresAt")}
        return msgspec.convert(plain, RememberedTurn)

    async def record(self, tenant: TenantContext, key: str, meta: events.Meta) -> None:
        """The first request started: remember its stream's `meta` for repeats."""
        await self._tables.call(
            tenant,
            "update_item",
            TableName=self._tables.conversations,
            Key=self._key(tenant, key),
            UpdateExpression="SET conversationId = :c, userMessageId = :u, "
            "assistantMessageId = :a, #route = :r, provider = :p, #model = :m, passages = :n",
            ExpressionAttributeNames={"#route": "route", "#model": "model"},
            ExpressionAttributeValues=values(
                {
                    ":c": meta.conversation_id,
                    ":u": meta.user_message_id,
                    ":a": meta.assistant_message_id,
                    ":r": meta.route,
                    ":p": meta.provider,
                    ":m": meta.model,
                    ":n": meta.passages,
                }
            ),
        )

    async def release(self, tenant: TenantContext, key: str) -> None:
        """The first request was refused before it started (budget, validation, storage):
        nothing was done, so a repeat may try again."""
        await self._tables.call(
            tenant, "delete_item", TableName=self._tables.conversations, Key=self._key(tenant, key)
        )

    async def started(self, tenant: TenantContext, key: str, digest: str) -> RememberedTurn:
        """The first request's turn once it has started (waiting briefly while it starts).
        422 `idempotency_key_reused` for another body; 409 `idempotency_key_in_use` if it
        does not start in time."""
        deadline = time.monotonic() + STARTING_WAIT_SECONDS
        while True:
            remembered = await self.get(tenant, key)
            if remembered is not None and remembered.body_hash != digest:
                raise ApiError(Errors.IDEMPOTENCY_KEY_REUSED)
            if remembered is not None and remembered.started:
                return remembered
            if time.monotonic() >= deadline:
                raise ApiError(Errors.IDEMPOTENCY_KEY_IN_USE)
            await asyncio.sleep(POLL_SECONDS)
