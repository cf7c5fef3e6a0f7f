"""POST /api/chat: one turn, answered as a text/event-stream."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Annotated, Any, Final

import msgspec
import structlog
from litestar import post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation
from litestar.params import HeaderParameter, JSONBody
from litestar.response import Stream

from engageiq_chat.knowledge.scope import ConversationScope
from engageiq_chat.routing.intents import Intent
from engageiq_chat.services import ChatServices
from engageiq_chat.turns import events
from engageiq_chat.turns.events import STREAM_EVENTS, stream_item_schema
from engageiq_chat.turns.follow import Reader, replay, source_of
from engageiq_chat.turns.idempotency import body_hash, checked_key
from engageiq_chat.turns.turn import ChatTurns
from engageiq_tenancy.auth import requires_member
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import documented_errors
from engageiq_tenancy.service import BEARER
from engageiq_tenancy.tenant_gate import StorageUnavailable

log = structlog.get_logger(__name__)

# Generous for the longest accepted message (JSON escaping can double it), far below 10 MB.
MAX_BODY_BYTES: Final = 256 * 1024
STREAM_HEADERS: Final = {
    "Cache-Control": "no-cache, no-store",
    # Proxies that buffer (nginx-style) must pass each event through at once.
    "X-Accel-Buffering": "no",
}


@dataclass
class EventStreamMediaType(OpenAPIMediaType):
    """A media type entry with OpenAPI 3.2's `itemSchema`: the schema of each event of a
    `text/event-stream` (Litestar's spec classes predate 3.2; schemathesis validates it)."""

    item_schema: dict[str, Any] | None = field(default=None, metadata={"alias": "itemSchema"})


@dataclass
class ChatStreamOperation(Operation):
    """`/api/chat` answers 200 with an event stream, not JSON (decision 0087)."""

    def __post_init__(self) -> None:
        responses = self.responses or {}
        responses["200"] = OpenAPIResponse(
            description="`text/event-stream`: `meta` at once, then `delta`... with each source's "
            "`citation` before the first `[n]` marker naming it, and `done` or `error` last; "
            "comment lines (`: keep-alive`) are heartbeats. Each event's `id` is the answer's "
            "length so far: after a dropped connection, `GET /api/conversations/{id}/messages/"
            "{id}/stream` with `Last-Event-ID` resumes it (the answer goes on meanwhile; "
            "decision 0114). Events: " + ", ".join(f"`{name}`" for name in STREAM_EVENTS) + ".",
            headers={},
            content={"text/event-stream": EventStreamMediaType(item_schema=stream_item_schema())},
        )
        self.responses = responses


class ChatRequest(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """A turn. The tenant and user come from the token only: any other field is refused."""

    message: str
    conversation_id: str | None = None
    scope: ConversationScope | None = None
    """The collections and files the answers of this conversation draw on, stored with it;
    omitted: the conversation's stored scope; both lists empty: cleared (everything the user
    may see). An id that does not exist or is hidden from the user: 400 `unknown_scope`."""
    intent: Intent | None = None
    """The route this turn takes instead of the router's guess: a play's intent (decision
    0115). Omitted: the router decides."""


@post(
    "/api/chat",
    guards=[requires_member],
    security=[BEARER],
    tags=["chat"],
    request_max_body_size=MAX_BODY_BYTES,
    status_code=200,
    operation_class=ChatStreamOperation,
    responses=documented_errors(
        Errors.EMPTY_MESSAGE,
        Errors.INVALID_REQUEST,
        Errors.CONVERSATION_NOT_FOUND,
        Errors.MESSAGE_TOO_LONG,
        Errors.PAYLOAD_TOO_LARGE,
        Errors.BUDGET_EXCEEDED,
        Errors.UNKNOWN_SCOPE,
        Errors.INVALID_IDEMPOTENCY_KEY,
        Errors.IDEMPOTENCY_KEY_REUSED,
        Errors.IDEMPOTENCY_KEY_IN_USE,
    ),
)
async def chat_turn(
    data: JSONBody[ChatRequest],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
    idempotency_key: Annotated[
        str | None,
        HeaderParameter(
            name="Idempotency-Key",
            description="One per question (8-128 of `A-Za-z0-9_-`, e.g. a UUID). A repeat by "
            "the same user with the same body gets the first request's answer (its ids, then "
            "the saved answer), not a second turn; with another body, 422 "
            "`idempotency_key_reused`. Remembered for 24 hours.",
        ),
    ] = None,
) -> Stream:
    """Stream an answer: `meta`, `delta`… and `citation`…, then `done` or `error`."""
    if idempotency_key is None:
        turn = await ChatTurns(chat).start(
            tenant, data.message, data.conversation_id, data.scope, intent=data.intent
        )
        return Stream(turn.events(), media_type="text/event-stream", headers=STREAM_HEADERS)
    key = checked_key(idempotency_key)
    digest = body_hash(data.message, data.conversation_id, data.scope, data.intent)
    if await chat.idempotency.claim(tenant, key, digest) is not None:
        first, view = await asyncio.gather(
            chat.idempotency.started(tenant, key, digest), chat.knowledge.view(tenant)
        )
        answer = replay(
            source_of(
                chat.live,
                chat.messages,
                tenant,
                first.conversation_id,
                first.assistant_message_id,
            ),
            first,
            Reader(tenant, view, chat.knowledge),
            heartbeat_seconds=chat.settings.heartbeat_seconds,
            # Within App Runner's request bound; the client resumes after the last `id`.
            until=time.monotonic() + chat.settings.stream_max_seconds,
        )
        return Stream(answer, media_type="text/event-stream", headers=STREAM_HEADERS)
    try:
        turn = await ChatTurns(chat).start(
            tenant, data.message, data.conversation_id, data.scope, intent=data.intent
        )
    except BaseException:
        # Refused before anything was done (budget, a missing conversation...): the key is
        # free again, so the same question can be retried once the cause is gone. The
        # refusal is what the client sees, even if freeing the key failed (it then expires).
        with contextlib.suppress(StorageUnavailable):
            await chat.idempotency.release(tenant, key)
        raise
    meta = events.Meta(
        conversation_id=turn.user_message.conversation_id,
        user_message_id=turn.user_message.id,
        assistant_message_id=turn.assistant_id,
        route=turn.request.intent,
        provider=chat.provider.name,
        model=turn.request.model,
        passages=len(turn.request.passages),
    )
    try:
        await chat.idempotency.record(tenant, key, meta)
    except StorageUnavailable:
        # The question is saved and will be answered; only a repeat of it cannot be replayed
        # (it gets 409 `idempotency_key_in_use`), which is better than no answer at all.
        log.warning("idempotency_key_not_recorded", conversation_id=meta.conversation_id)
    return Stream(turn.events(), media_type="text/event-stream", headers=STREAM_HEADERS)


class ContinueRequest(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """Continue a cut-off answer in place: the conversation's last message, stopped or cut."""

    conversation_id: str
    message_id: str


@post(
    "/api/chat/continue",
    guards=[requires_member],
    security=[BEARER],
    tags=["chat"],
    request_max_body_size=MAX_BODY_BYTES,
    status_code=200,
    operation_class=ChatStreamOperation,
    responses=documented_errors(
        Errors.INVALID_REQUEST,
        Errors.CONVERSATION_NOT_FOUND,
        Errors.NOTHING_TO_CONTINUE,
        Errors.PAYLOAD_TOO_LARGE,
        Errors.BUDGET_EXCEEDED,
    ),
)
async def continue_turn(
    data: JSONBody[ContinueRequest],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> Stream:
    """Stream the rest of a cut-off answer into the same message: `meta` (the same
    `assistantMessageId`), `delta`… (only the new text), `citation`… (new or grown sources,
    numbered on from the answer's), then `done` or `error`."""
    turn = await ChatTurns(chat).resume(tenant, data.conversation_id, data.message_id)
    return Stream(turn.events(), media_type="text/event-stream", headers=STREAM_HEADERS)
