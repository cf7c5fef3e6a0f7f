"""PUT and DELETE /api/conversations/{conversationId}/messages/{messageId}/feedback.

Only assistant messages of the caller's own live conversation take feedback. Every other id -
another user's or tenant's, a user message, a deleted conversation, a malformed id - answers
the same 404 `message_not_found` as an id that never existed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Final

import msgspec
from litestar import delete, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from engageiq_chat.feedback.store import MessageNotFound
from engageiq_chat.messages.model import Feedback, Rating, StoredMessage
from engageiq_chat.services import ChatServices
from engageiq_tenancy.auth import requires_member
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.display_text import clean_display_text
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.keys import InvalidObjectId, object_id
from engageiq_tenancy.service import BEARER

MAX_REASON_CHARS: Final = 500
PATH: Final = "/api/conversations/{conversation_id:str}/messages/{message_id:str}/feedback"
_INVALID_FEEDBACK: Final = (
    Errors.INVALID_RATING.documented(note="not `up` or `down`"),
    Errors.REASON_TOO_LONG.documented(note=f"over {MAX_REASON_CHARS} characters"),
    Errors.INVALID_REQUEST.documented(note="not JSON, or unknown fields"),
)
_NOT_YOURS: Final = (
    Errors.FORBIDDEN.documented(doc="no role in your organisation"),
    Errors.TENANT_SUSPENDED,
    Errors.MESSAGE_NOT_FOUND,
)


class FeedbackInput(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    rating: str
    reason: str | None = None


class FeedbackView(msgspec.Struct, rename="camel"):
    message_id: str
    rating: str
    reason: str | None


class NoSuchMessage(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.MESSAGE_NOT_FOUND)


def clean_reason(raw: str | None) -> str | None:
    """One line of visible text (whitespace runs become one space, control and format
    characters go), or None when nothing is left; 400 `reason_too_long` past 500 characters."""
    if raw is None:
        return None
    reason = clean_display_text(raw)
    if len(reason) > MAX_REASON_CHARS:
        raise ApiError(Errors.REASON_TOO_LONG, limit=MAX_REASON_CHARS)
    return reason or None


def _ids(conversation_id: str, message_id: str) -> tuple[str, str]:
    try:
        return object_id(conversation_id), object_id(message_id)
    except InvalidObjectId:
        raise NoSuchMessage() from None


async def _require_live_conversation(
    chat: ChatServices, tenant: TenantContext, conversation_id: str
) -> None:
    # A conversation being deleted still has message items until its purge ends.
    if await chat.conversations.get(tenant, conversation_id) is None:
        raise NoSuchMessage()


async def _follow(
    chat: ChatServices, tenant: TenantContext, before: StoredMessage, after: Feedback | None
) -> None:
    """The content loop follows the rating (decision 0111): the cited files' thumbs-down and,
    for a thumbs-down with a reason, a content issue for their owners. Rating again repeats
    this idempotently, so a retry after a failure here leaves one issue."""
    await asyncio.gather(
        chat.content.signals.rated(tenant, before, after),
        chat.content.issues.rated(tenant, before, after),
    )


@put(
    PATH,
    guards=[requires_member],
    security=[BEARER],
    tags=["chat"],
    request_max_body_size=8192,
    responses=documented_errors(*_INVALID_FEEDBACK, *_NOT_YOURS),
)
async def put_feedback(
    conversation_id: FromPath[str],
    message_id: FromPath[str],
    data: JSONBody[FeedbackInput],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> FeedbackView:
    """Rate an answer `up` or `down`, with an optional reason (at most 500 characters, shown
    as one line of plain text). Replaces earlier feedback on the same message. A `down` with
    a reason on an answer with sources raises a content issue for the owners of the cited
    files and the tenant's admins (`GET /api/content-issues`); rating again updates it."""
    cid, mid = _ids(conversation_id, message_id)
    try:
        rating = Rating(data.rating)
    except ValueError:
        raise ApiError(Errors.INVALID_RATING) from None
    reason = clean_reason(data.reason)
    await _require_live_conversation(chat, tenant, cid)
    feedback = Feedback(
        rating=rating, reason=reason, updated_at=datetime.now(UTC).isoformat(timespec="seconds")
    )
    try:
        before = await chat.feedback.put(tenant, cid, mid, feedback)
    except MessageNotFound:
        raise NoSuchMessage() from None
    await _follow(chat, tenant, before, feedback)
    return FeedbackView(message_id=mid, rating=rating.value, reason=reason)


@delete(
    PATH,
    guards=[requires_member],
    security=[BEARER],
    tags=["chat"],
    status_code=204,
    responses=documented_errors(*_NOT_YOURS),
)
async def delete_feedback(
    conversation_id: FromPath[str],
    message_id: FromPath[str],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> None:
    """Withdraw the feedback on an answer (204 whether or not there was any); an open content
    issue it raised is withdrawn too."""
    cid, mid = _ids(conversation_id, message_id)
    await _require_live_conversation(chat, tenant, cid)
    try:
        before = await chat.feedback.clear(tenant, cid, mid)
    except MessageNotFound:
        raise NoSuchMessage() from None
    await _follow(chat, tenant, before, None)
