"""`FeedbackStore`: a user's thumbs up or down on an assistant message, kept on the message's
own item (the caller's partition `<tenant>#USER#<user>`), so it is tenant- and user-scoped
exactly like the message, and deleted with it."""

from __future__ import annotations

import msgspec

from engageiq_chat.conversations import keys
from engageiq_chat.messages.model import Feedback, Role, StoredMessage
from engageiq_chat.messages.store import message_from_item
from engageiq_chat.storage import ConditionFailed, DynamoTables, values
from engageiq_tenancy.context import TenantContext

# Only an existing assistant message takes feedback; anything else fails the condition.
_ASSISTANT_MESSAGE = "attribute_exists(pk) AND #role = :assistant"


class MessageNotFound(Exception):
    """No assistant message with that id in the caller's conversation."""


class FeedbackStore:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables

    def _key(
        self, tenant: TenantContext, conversation_id: str, message_id: str
    ) -> dict[str, object]:
        return values(
            {"pk": keys.partition(tenant), "sk": keys.message_sk(conversation_id, message_id)}
        )

    async def put(
        self, tenant: TenantContext, conversation_id: str, message_id: str, feedback: Feedback
    ) -> StoredMessage:
        """Set (or replace) the feedback; returns the message as it was before (its earlier
        feedback, text and sources: the content loop's input). Raises MessageNotFound."""
        return await self._update(
            tenant,
            conversation_id,
            message_id,
            "SET feedback = :feedback",
            {":feedback": msgspec.to_builtins(feedback)},
        )

    async def clear(
        self, tenant: TenantContext, conversation_id: str, message_id: str
    ) -> StoredMessage:
        """Remove the feedback (a no-op if there is none); returns the message as it was
        before. Raises MessageNotFound."""
        return await self._update(tenant, conversation_id, message_id, "REMOVE feedback", {})

    async def _update(
        self,
        tenant: TenantContext,
        conversation_id: str,
        message_id: str,
        expression: str,
        extra_values: dict[str, object],
    ) -> StoredMessage:
        try:
            answer = await self._tables.call(
                tenant,
                "update_item",
                TableName=self._tables.conversations,
                Key=self._key(tenant, conversation_id, message_id),
                UpdateExpression=expression,
                ConditionExpression=_ASSISTANT_MESSAGE,
                ExpressionAttributeNames={"#role": "role"},
                ExpressionAttributeValues=values(
                    {":assistant": Role.ASSISTANT.value, **extra_values}
                ),
                # The old item comes back with the write, at no extra request.
                ReturnValues="ALL_OLD",
            )
        except ConditionFailed:
            raise MessageNotFound(message_id) from None
        return message_from_item(answer["Attributes"])
