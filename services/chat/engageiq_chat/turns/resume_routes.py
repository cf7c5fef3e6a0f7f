"""An answer outlives its connection (decision 0114):
`GET /api/conversations/{cid}/messages/{mid}/stream` follows it again from where the client
was, on any instance; `POST /api/chat/stop` stops the model, on any instance."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Stream

from engageiq_chat.messages.model import MessageStatus, Role, StoredMessage
from engageiq_chat.messages.store import NotStreaming
from engageiq_chat.services import ChatServices
from engageiq_chat.turns.follow import (
    Reader,
    TooManyReaders,
    follow,
    meta_event,
    source_of,
)
from engageiq_chat.turns.routes import MAX_BODY_BYTES, STREAM_HEADERS, ChatStreamOperation
from engageiq_chat.turns.turn import conversation_id_of
from engageiq_tenancy.auth import requires_member
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.keys import InvalidObjectId, object_id
from engageiq_tenancy.service import BEARER

# An event id is a length in characters: far below this for any stored answer.
MAX_EVENT_ID = 10_000_000
STOP_WAIT_SECONDS = 10.0
"""How long a Stop waits for the answer to be saved stopped (normally well under a second on
the generating instance, a checkpoint interval and a save elsewhere)."""
STOP_POLL_SECONDS = 0.2
READER_SLOT_GRACE_SECONDS = 10.0
"""A reader's slot outlives its time bound by this much before it lapses unreturned."""


class MessageNotFound(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.MESSAGE_NOT_FOUND)


async def own_answer(
    chat: ChatServices, tenant: TenantContext, conversation_id: str, message_id: str
) -> StoredMessage:
    """The caller's answer, or 404 `message_not_found`: another user's or tenant's answer is
    not in the caller's partition, so it answers exactly like one that never existed."""
    cid = conversation_id_of(conversation_id)
    try:
        mid = object_id(message_id)
    except InvalidObjectId:
        raise MessageNotFound() from None
    answer = await chat.messages.get(tenant, cid, mid)
    if answer is None or answer.role is not Role.ASSISTANT:
        raise MessageNotFound()
    return answer


def _event_id(header: str | None, after: int | None) -> int:
    """Where the client was: `?after=` wins over `Last-Event-ID`; none: from the start."""
    if after is not None:
        return after
    if header is None or not header.strip():
        return 0
    value = header.strip()
    if not value.isascii() or not value.isdigit() or int(value) > MAX_EVENT_ID:
        raise ApiError(Errors.INVALID_FIELDS, problems="Last-Event-ID is not an event id")
    return int(value)


@get(
    "/api/conversations/{conversation_id:str}/messages/{message_id:str}/stream",
    guards=[requires_member],
    security=[BEARER],
    tags=["chat"],
    status_code=200,
    operation_class=ChatStreamOperation,
    responses=documented_errors(
        Errors.INVALID_FIELDS,
        Errors.CONVERSATION_NOT_FOUND,
        Errors.MESSAGE_NOT_FOUND,
        Errors.TOO_MANY_READERS,
    ),
)
async def resume_answer(
    conversation_id: FromPath[str],
    message_id: FromPath[str],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
    last_event_id: Annotated[
        str | None,
        HeaderParameter(
            name="Last-Event-ID",
            description="The `id` of the last event the client read (the answer's length "
            "then); the stream goes on after it.",
        ),
    ] = None,
    after: Annotated[
        int | None,
        QueryParameter(
            ge=0,
            le=MAX_EVENT_ID,
            description="Like `Last-Event-ID` (which it overrides); 0 or neither: the whole "
            "answer.",
        ),
    ] = None,
) -> Stream:
    """Follow an answer from where the client was, while it is being written or after: `meta`,
    its sources (`citation`, all of them), the text past that point (`delta`), then live events
    until `done` or `error`; a finished answer as stored. Ends without `done` after
    `ENGAGEIQ_CHAT_STREAM_MAX_SECONDS` (resume again from the last `id`)."""
    start = _event_id(last_event_id, after)
    answer = await own_answer(chat, tenant, conversation_id, message_id)
    question, view = await asyncio.gather(
        chat.messages.question_of(tenant, answer.conversation_id, answer.id),
        chat.knowledge.view(tenant),
    )
    source = source_of(chat.live, chat.messages, tenant, answer.conversation_id, answer.id)
    max_seconds = chat.settings.stream_max_seconds
    try:
        slot = chat.live.readers.take(tenant, max_seconds + READER_SLOT_GRACE_SECONDS)
    except TooManyReaders:
        raise ApiError(Errors.TOO_MANY_READERS, headers={"Retry-After": "5"}) from None

    async def body() -> AsyncGenerator[bytes, None]:
        try:
            yield meta_event(answer, question.id if question else "")
            async for chunk in follow(
                source,
                start,
                Reader(tenant, view, chat.knowledge),
                heartbeat_seconds=chat.settings.heartbeat_seconds,
                until=time.monotonic() + max_seconds,
            ):
                yield chunk
        finally:
            chat.live.readers.give_back(tenant, slot)

    return Stream(body(), media_type="text/event-stream", headers=STREAM_HEADERS)


class StopRequest(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """Stop the answer being written: the model stops, the answer is saved `incomplete`."""

    conversation_id: str
    message_id: str


@post(
    "/api/chat/stop",
    guards=[requires_member],
    security=[BEARER],
    tags=["chat"],
    request_max_body_size=MAX_BODY_BYTES,
    status_code=204,
    responses=documented_errors(
        Errors.INVALID_REQUEST,
        Errors.CONVERSATION_NOT_FOUND,
        Errors.MESSAGE_NOT_FOUND,
        Errors.PAYLOAD_TOO_LARGE,
    ),
)
async def stop_answer(
    data: JSONBody[StopRequest],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> None:
    """The user's Stop (closing the stream no longer stops the model). On the generating
    instance the model stops at once; elsewhere a flag on the answer refuses its generator's
    next checkpoint (within `checkpoint_seconds` while text flows, 3 s at most otherwise).
    Answers 204 once the answer is saved stopped (so Continue can follow at once), or after
    `STOP_WAIT_SECONDS` at most; 204 also for an answer already finished: there is nothing
    left to stop. Its readers get `done` with `finishReason` `stopped`;
    `POST /api/chat/continue` picks it up."""
    turn = chat.live.get(tenant, data.message_id)
    if turn is not None and turn.user_message.conversation_id == data.conversation_id:
        turn.stop()
        if turn.worker is not None:
            await asyncio.wait({turn.worker}, timeout=STOP_WAIT_SECONDS)
        return
    answer = await own_answer(chat, tenant, data.conversation_id, data.message_id)
    try:
        await chat.messages.request_stop(tenant, answer.conversation_id, answer.id)
    except NotStreaming:
        return
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while time.monotonic() < deadline:
        await asyncio.sleep(STOP_POLL_SECONDS)
        saved = await chat.messages.get(tenant, answer.conversation_id, answer.id)
        if saved is None or saved.status is not MessageStatus.STREAMING:
            return
