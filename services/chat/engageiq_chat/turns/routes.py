"""POST /api/chat: one turn, answered as a text/event-stream."""

from __future__ import annotations

from typing import Final

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.response import Stream

from engageiq_chat.services import ChatServices
from engageiq_chat.turns.turn import ChatTurns
from engageiq_tenancy.auth import requires_member
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.service import BEARER

# Generous for the longest accepted message (JSON escaping can double it), far below 10 MB.
MAX_BODY_BYTES: Final = 256 * 1024
STREAM_HEADERS: Final = {
    "Cache-Control": "no-cache, no-store",
    # Proxies that buffer (nginx-style) must pass each event through at once.
    "X-Accel-Buffering": "no",
}


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
)
async def chat_turn(
    data: JSONBody[ChatRequest],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> Stream:
    """Stream an answer: `meta`, `delta`…, `citation`…, then `done` or `error`."""
    turn = await ChatTurns(chat).start(tenant, data.message, data.conversation_id)
    return Stream(turn.events(), media_type="text/event-stream", headers=STREAM_HEADERS)
