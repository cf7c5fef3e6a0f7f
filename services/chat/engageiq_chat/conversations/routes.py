"""GET /api/conversations, PATCH and DELETE /api/conversations/{id}."""

from __future__ import annotations

import time
from typing import Annotated, Any

import msgspec
import structlog
from litestar import Request, delete, get, patch
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from engageiq_chat.conversation_search.search import MAX_QUERY_CHARS, ConversationMatch
from engageiq_chat.conversations.store import DELETED_TTL_SECONDS, Conversation
from engageiq_chat.services import ChatServices
from engageiq_chat.turns.turn import ConversationNotFound, conversation_id_of
from engageiq_tenancy.audit import AuditAction, AuditTarget
from engageiq_tenancy.audit.write_ahead import recorded
from engageiq_tenancy.auth import requires_member
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.display_text import clean_display_text
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.service import BEARER

log = structlog.get_logger(__name__)
MAX_TITLE_CHARS = 120


class ConversationPage(msgspec.Struct, rename="camel", omit_defaults=True):
    conversations: list[Conversation]
    next_cursor: str | None
    matches: list[ConversationMatch] | None = None
    """With `q` only: why each conversation of the page matched, in the same order."""


class Rename(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    title: str


@get(
    "/api/conversations",
    guards=[requires_member],
    security=[BEARER],
    tags=["conversations"],
    responses=documented_errors(
        Errors.INVALID_CURSOR.documented(note="also: a cursor of another query, or of the listing"),
        Errors.INVALID_QUERY.documented(note=f"`q` over {MAX_QUERY_CHARS} characters"),
        Errors.INVALID_REQUEST,
    ),
)
async def list_conversations(
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    q: Annotated[
        str | None,
        QueryParameter(
            description="Search the caller's conversations (titles and message text): "
            "conversations holding every word, best first, with `matches`. Blank: no search."
        ),
    ] = None,
) -> ConversationPage:
    """The caller's conversations, most recently active first; with `q`, those matching it,
    best first, each with its match in `matches` (decision 0112)."""
    query = q.strip() if q else ""
    if len(query) > MAX_QUERY_CHARS:
        raise ApiError(Errors.INVALID_QUERY, limit=MAX_QUERY_CHARS)
    if query:
        found = await chat.conversation_search.search(tenant, query, limit, cursor)
        return ConversationPage(
            conversations=found.conversations,
            next_cursor=found.next_cursor,
            matches=found.matches,
        )
    conversations, next_cursor = await chat.conversations.list(tenant, limit, cursor)
    return ConversationPage(conversations=conversations, next_cursor=next_cursor)


@patch(
    "/api/conversations/{conversation_id:str}",
    guards=[requires_member],
    security=[BEARER],
    tags=["conversations"],
    request_max_body_size=4096,
    responses=documented_errors(
        Errors.INVALID_TITLE.documented(note=f"1 to {MAX_TITLE_CHARS} visible characters"),
        Errors.INVALID_REQUEST,
        Errors.CONVERSATION_NOT_FOUND,
    ),
)
async def rename_conversation(
    conversation_id: FromPath[str],
    data: JSONBody[Rename],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> Conversation:
    # The length rule applies to what is left after cleaning: a title of only U+200B is empty.
    title = clean_display_text(data.title)
    if not title or len(title) > MAX_TITLE_CHARS:
        raise ApiError(Errors.INVALID_TITLE, limit=MAX_TITLE_CHARS)
    renamed = await chat.conversations.rename(tenant, conversation_id_of(conversation_id), title)
    if renamed is None:
        raise ConversationNotFound()
    await chat.conversation_search.renamed(tenant, renamed.id)
    return renamed


@delete(
    "/api/conversations/{conversation_id:str}",
    guards=[requires_member],
    security=[BEARER],
    tags=["conversations"],
    status_code=204,
    responses=documented_errors(Errors.CONVERSATION_NOT_FOUND),
)
async def delete_conversation(
    request: Request[Any, Any, Any],
    conversation_id: FromPath[str],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> None:
    """Mark deleted (gone from every route at once), purge the messages, drop the item
    (docs/decisions/0026-chat-conversation-delete.md). A retry resumes an interrupted purge."""
    cid = conversation_id_of(conversation_id)
    expires_at = int(time.time()) + DELETED_TTL_SECONDS
    if await chat.conversations.get(tenant, cid) is None:
        # Missing (404), or marked deleted by an earlier attempt, which was recorded: resumed.
        await _delete(chat, tenant, cid, expires_at)
        return
    target = AuditTarget("conversation", cid)
    async with recorded(request, AuditAction.CONVERSATION_DELETED, target):
        await _delete(chat, tenant, cid, expires_at)


async def _delete(chat: ChatServices, tenant: TenantContext, cid: str, expires_at: int) -> None:
    if not await chat.conversations.mark_deleted(tenant, cid, expires_at):
        raise ConversationNotFound()
    # Its links stop resolving with the mark already; this removes them (decision 0113).
    await chat.shares.revoke_conversation(tenant, cid)
    # Before the purge: a search from now on drops its text (hits are checked live anyway).
    await chat.conversation_search.deleted(tenant, cid)
    removed = await chat.messages.purge(tenant, cid)
    await chat.conversations.remove(tenant, cid)
    log.info("conversation_deleted", conversation_id=cid, messages=removed)
