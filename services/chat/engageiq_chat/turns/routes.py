"""POST /api/chat: one turn, answered as a text/event-stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation
from litestar.params import JSONBody
from litestar.response import Stream

from engageiq_chat.services import ChatServices
from engageiq_chat.turns.events import STREAM_EVENTS, stream_item_schema
from engageiq_chat.turns.turn import ChatTurns
from engageiq_tenancy.auth import requires_member
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import documented_errors
from engageiq_tenancy.service import BEARER

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
            "comment lines (`: keep-alive`) are heartbeats. Events: "
            + ", ".join(f"`{name}`" for name in STREAM_EVENTS)
            + ".",
            headers={},
            content={"text/event-stream": EventStreamMediaType(item_schema=stream_item_schema())},
        )
        self.responses = responses


class ChatRequest(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """A turn. The tenant and user come from the token only: any other field is refused."""

    message: str
    conversation_id: str | None = None


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
    ),
)
async def chat_turn(
    data: JSONBody[ChatRequest],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> Stream:
    """Stream an answer: `meta`, `delta`… and `citation`…, then `done` or `error`."""
    turn = await ChatTurns(chat).start(tenant, data.message, data.conversation_id)
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
