"""GET /api/chat-history: a conversation's messages, a page at a time, and its scope. Sources
are shown as the reader may see them now (`knowledge.sources.shown_sources`): a source whose
file is gone or hidden from the reader is withheld."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from engageiq_chat.knowledge.scope import ConversationScope
from engageiq_chat.knowledge.sources import ShownSource, SourceWall, shown_sources
from engageiq_chat.messages.model import Notice, StoredMessage
from engageiq_chat.services import ChatServices
from engageiq_chat.turns.turn import ConversationNotFound, conversation_id_of
from engageiq_tenancy.auth import requires_member
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import documented_errors
from engageiq_tenancy.service import BEARER


class FeedbackSummary(msgspec.Struct, rename="camel"):
    rating: str
    reason: str | None


class MessageView(msgspec.Struct, rename="camel"):
    id: str
    role: str
    content: str
    created_at: str
    status: str
    route: str
    citations: list[ShownSource]
    """Source n at index n - 1, as its `citation` event showed it (`number` included); one
    whose file is gone (deleted) or that the reader may no longer see is only
    `{number, withheld: true}`, the two alike."""
    feedback: FeedbackSummary | None
    """The caller's thumbs up or down on an assistant message, if any."""
    provider: str | None
    """Who answered (`anthropic`, `offline`, ...); None on user messages."""
    finish_reason: str | None
    """How the answer ended (`end_turn`, `length_limit`, `stopped`, `interrupted` (its
    generator died), `error`, ...). An answer being written has `status` `streaming` and
    none yet: follow it with `GET /api/conversations/{id}/messages/{id}/stream`."""
    uncited: bool = False
    """An answer with text citing none of the documents (the web says so)."""
    notice: Notice | None = None
    """Set when every source the answer cited was stale or unverified (decision 0111)."""


class HistoryPage(msgspec.Struct, rename="camel"):
    messages: list[MessageView]
    next_cursor: str | None
    scope: ConversationScope | None = None
    """The conversation's scope; None: everything the user may see."""


def view(message: StoredMessage, wall: SourceWall) -> MessageView:
    """`message` as the wall's reader is shown it (sources gone or hidden from them withheld)."""
    return MessageView(
        id=message.id,
        role=message.role.value,
        content=message.content,
        created_at=message.created_at,
        status=message.status.value,
        route=message.route,
        citations=shown_sources(message.citations, wall),
        feedback=FeedbackSummary(message.feedback.rating.value, message.feedback.reason)
        if message.feedback
        else None,
        provider=message.provider,
        finish_reason=message.finish_reason,
        uncited=message.uncited,
        notice=message.notice,
    )


@get(
    "/api/chat-history",
    guards=[requires_member],
    security=[BEARER],
    tags=["chat"],
    responses=documented_errors(
        Errors.INVALID_CURSOR, Errors.INVALID_REQUEST, Errors.CONVERSATION_NOT_FOUND
    ),
)
async def chat_history(
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
    conversation_id: Annotated[str, QueryParameter(name="conversationId", max_length=64)],
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
) -> HistoryPage:
    """Newest page first; within a page oldest first. `nextCursor` loads older messages."""
    cid = conversation_id_of(conversation_id)
    # The page is read only once the conversation is known to be the caller's: a missing one
    # is 404 before any cursor is judged (another caller's cursor would otherwise say 400).
    conversation, knowledge = await asyncio.gather(
        chat.conversations.get(tenant, cid), chat.knowledge.view(tenant)
    )
    if conversation is None:
        raise ConversationNotFound()
    messages, next_cursor = await chat.messages.page(tenant, cid, limit, cursor)
    # One read of the page's cited files' records: which still exist.
    wall = await chat.knowledge.source_wall(
        tenant, knowledge, (c for m in messages for c in m.citations)
    )
    return HistoryPage(
        messages=[view(m, wall) for m in messages],
        next_cursor=next_cursor,
        scope=conversation.scope,
    )
