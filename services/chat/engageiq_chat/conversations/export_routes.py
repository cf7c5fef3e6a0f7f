"""GET /api/conversations/{id}/export: the caller's conversation as a Markdown or JSON file
(`conversations.export`, decision 0113), streamed a page of messages at a time."""

from __future__ import annotations

from typing import Annotated, Any, cast

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from engageiq_chat.conversations.export import FORMATS, ExportFormat, export_chunks, file_name
from engageiq_chat.services import ChatServices
from engageiq_chat.turns.turn import ConversationNotFound, conversation_id_of
from engageiq_tenancy.audit import AuditAction, AuditTarget
from engageiq_tenancy.audit.requests import record_audit
from engageiq_tenancy.auth import requires_member
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.service import BEARER


@get(
    "/api/conversations/{conversation_id:str}/export",
    guards=[requires_member],
    security=[BEARER],
    tags=["conversations"],
    media_type="text/markdown",
    responses=documented_errors(
        Errors.UNKNOWN_EXPORT_FORMAT, Errors.INVALID_REQUEST, Errors.CONVERSATION_NOT_FOUND
    ),
)
async def export_conversation(
    request: Request[Any, Any, Any],
    conversation_id: FromPath[str],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
    export_format: Annotated[str, QueryParameter(name="format", max_length=8)] = "md",
) -> Stream:
    """The conversation as a file to download (`Content-Disposition: attachment`): `md`,
    Markdown with each answer's sources as numbered lines, or `json` (schema in
    docs/chat-service.md). A source the caller may no longer see is "unavailable"."""
    if export_format not in FORMATS:
        raise ApiError(Errors.UNKNOWN_EXPORT_FORMAT)
    chosen = cast(ExportFormat, export_format)
    conversation = await chat.conversations.get(tenant, conversation_id_of(conversation_id))
    if conversation is None:
        raise ConversationNotFound()
    media_type, extension = FORMATS[chosen]
    # Recorded before a byte is sent (decision 0119). Conversations are named by id only: their
    # titles quote the rep's questions, which the admins reading the log need not see.
    target = AuditTarget("conversation", conversation.id)
    await record_audit(
        request, AuditAction.CONVERSATION_EXPORTED, target, detail={"format": chosen}
    )
    return Stream(
        export_chunks(chat, tenant, conversation, chosen),
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file_name(conversation, extension)}"',
            "Cache-Control": "no-store",
        },
    )
