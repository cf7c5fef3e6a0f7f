"""Shared links (decision 0113): the owner makes, lists and revokes them; any signed-in user
of the same tenant reads one (`GET /api/shared/{token}`) and copies it into a conversation of
their own. A link that never existed, was revoked, belongs to another tenant or whose
conversation was deleted answers 404 `share_not_found`, all alike; a signed-out visitor gets
the 401 every route gives, whatever the token."""

from __future__ import annotations

from typing import Annotated, Any, Final

import msgspec
import structlog
from litestar import Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from engageiq_chat.conversations.store import Conversation
from engageiq_chat.services import ChatServices
from engageiq_chat.sharing.reading import SharedConversation, copy_shared, shared_page
from engageiq_chat.sharing.store import ResolvedShare, Share
from engageiq_chat.turns.turn import ConversationNotFound, conversation_id_of
from engageiq_tenancy.audit import AuditAction, AuditTarget
from engageiq_tenancy.audit.write_ahead import recorded
from engageiq_tenancy.auth import requires_member
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.keys import InvalidObjectId, object_id
from engageiq_tenancy.service import BEARER

log = structlog.get_logger(__name__)
SHARED_PAGE_PATH: Final = "/shared/"
"""The web app's page of a shared link: `/shared/<token>`."""


class ShareNotFound(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.SHARE_NOT_FOUND)


class ShareLink(msgspec.Struct, rename="camel", kw_only=True):
    token: str
    """The link's secret; shown only in this answer (only its hash is stored)."""
    url: str
    """The web app's page of the link (`/shared/<token>`), relative to the web app's address."""
    share: Share


class SharePage(msgspec.Struct, rename="camel"):
    shares: list[Share]
    next_cursor: str | None


@post(
    "/api/conversations/{conversation_id:str}/share",
    guards=[requires_member],
    security=[BEARER],
    tags=["sharing"],
    status_code=201,
    responses=documented_errors(Errors.CONVERSATION_NOT_FOUND),
)
async def share_conversation(
    request: Request[Any, Any, Any],
    conversation_id: FromPath[str],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> ShareLink:
    """A new read-only link to the caller's conversation for the users of their organisation:
    a snapshot of its messages so far (later messages are not shared). Each call makes a new
    link; earlier ones keep working until revoked."""
    cid = conversation_id_of(conversation_id)
    conversation = await chat.conversations.get(tenant, cid)
    latest = await chat.messages.recent(tenant, cid, 1) if conversation else []
    if conversation is None or not latest:
        raise ConversationNotFound()
    # Conversations are named by id only in the log (their titles quote the rep's questions).
    target = AuditTarget("conversation", cid)
    async with recorded(request, AuditAction.SHARE_CREATED, target):
        token, share = await chat.shares.create(tenant, conversation, latest[-1].id)
    log.info("conversation_shared", conversation_id=cid, share_id=share.id)
    return ShareLink(token=token, url=f"{SHARED_PAGE_PATH}{token}", share=share)


@delete(
    "/api/conversations/{conversation_id:str}/share",
    guards=[requires_member],
    security=[BEARER],
    tags=["sharing"],
    status_code=204,
    responses=documented_errors(Errors.CONVERSATION_NOT_FOUND),
)
async def unshare_conversation(
    request: Request[Any, Any, Any],
    conversation_id: FromPath[str],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> None:
    """Revoke every link to the caller's conversation, at once (none: nothing to do)."""
    cid = conversation_id_of(conversation_id)
    if await chat.conversations.get(tenant, cid) is None:
        raise ConversationNotFound()
    target = AuditTarget("conversation", cid)
    async with recorded(request, AuditAction.SHARE_REVOKED, target, {"every_link": True}):
        revoked = await chat.shares.revoke_conversation(tenant, cid)
    log.info("conversation_unshared", conversation_id=cid, revoked=revoked)


@get(
    "/api/shares",
    guards=[requires_member],
    security=[BEARER],
    tags=["sharing"],
    responses=documented_errors(Errors.INVALID_CURSOR, Errors.INVALID_REQUEST),
)
async def list_shares(
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
) -> SharePage:
    """The caller's live links, newest first."""
    shares, next_cursor = await chat.shares.list(tenant, limit, cursor)
    return SharePage(shares=shares, next_cursor=next_cursor)


@delete(
    "/api/shares/{share_id:str}",
    guards=[requires_member],
    security=[BEARER],
    tags=["sharing"],
    status_code=204,
    responses=documented_errors(Errors.SHARE_NOT_FOUND),
)
async def revoke_share(
    request: Request[Any, Any, Any],
    share_id: FromPath[str],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> None:
    """Revoke one of the caller's links, at once."""
    try:
        sid = object_id(share_id)
    except InvalidObjectId:
        raise ShareNotFound() from None
    # Found first: an id that is not the caller's link (another tenant's, say) is a 404 that
    # leaves no entry, so no log ever holds an id its reader does not own.
    hashed = await chat.shares.owned_hash(tenant, sid)
    if hashed is None:
        raise ShareNotFound()
    async with recorded(request, AuditAction.SHARE_REVOKED, AuditTarget("share", sid)):
        await chat.shares.revoke(tenant, sid, hashed)
    log.info("share_revoked", share_id=sid)


async def _resolve(chat: ChatServices, tenant: TenantContext, token: str) -> ResolvedShare:
    resolved = await chat.shares.resolve(tenant, token)
    if resolved is None:
        raise ShareNotFound()
    return resolved


@get(
    "/api/shared/{token:str}",
    guards=[requires_member],
    security=[BEARER],
    tags=["sharing"],
    responses=documented_errors(
        Errors.SHARE_NOT_FOUND, Errors.INVALID_CURSOR, Errors.INVALID_REQUEST
    ),
)
async def read_shared(
    token: FromPath[str],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
) -> SharedConversation:
    """A shared conversation, read-only, oldest message first (`nextCursor` reads on). A
    source the caller may not see is shown only as `{number, withheld: true}`."""
    resolved = await _resolve(chat, tenant, token)
    return await shared_page(chat, tenant, resolved, cursor=cursor, limit=limit)


@post(
    "/api/shared/{token:str}/copy",
    guards=[requires_member],
    security=[BEARER],
    tags=["sharing"],
    status_code=201,
    responses=documented_errors(Errors.SHARE_NOT_FOUND),
)
async def copy_shared_conversation(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> Conversation:
    """ "Continue as my own": a new conversation of the caller's holding the shared messages
    (sources the caller may not see kept only as withheld); chat on in it as in any other."""
    resolved = await _resolve(chat, tenant, token)
    # The link's share id, never its token (a secret of the tenant, decision 0113).
    target = AuditTarget("share", resolved.share.id)
    async with recorded(request, AuditAction.SHARE_COPIED, target):
        conversation = await copy_shared(chat, tenant, resolved)
    log.info(
        "shared_conversation_copied",
        share_id=resolved.share.id,
        conversation_id=conversation.id,
        messages=conversation.message_count,
    )
    return conversation
