"""What a viewer of a shared link reads, and the copy "continue as my own" makes of it
(decision 0113). Sources go through the same wall as history (`knowledge.sources`): a cited
file the viewer may not see, or that is gone, is `{number, withheld: true}` - no name, place,
text or file id - and a copy keeps only such a placeholder (`WITHHELD_CITATION`), so nothing
hidden ever lands in the viewer's own partition."""

from __future__ import annotations

import re
from typing import Any, Final

import msgspec

from engageiq_chat.conversations import keys as conversation_keys
from engageiq_chat.conversations.store import Conversation
from engageiq_chat.conversations.transcript import Transcript, pages, read_page
from engageiq_chat.ids import new_id
from engageiq_chat.knowledge.sources import ShownSource, SourceWall, shown_sources
from engageiq_chat.messages.model import (
    INTERRUPTED,
    Citation,
    MessageStatus,
    Notice,
    StoredMessage,
)
from engageiq_chat.services import ChatServices
from engageiq_chat.sharing.keys import owner_partition
from engageiq_chat.sharing.store import ResolvedShare
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.cursors import decode_cursor, encode_cursor
from engageiq_tenancy.items import to_item
from engageiq_tenancy.tenant_gate import StorageUnavailable
from engageiq_tenancy.tenant_ids import OBJECT_ID_PATTERN

_MESSAGE_SK: Final = re.compile(rf"MSG#({OBJECT_ID_PATTERN.pattern})#({OBJECT_ID_PATTERN.pattern})")
BATCH_WRITE_MAX: Final = 25
_BATCH_WRITE_ATTEMPTS: Final = 5
WITHHELD_CITATION: Final = Citation(source_id="", title="")
"""What a copy keeps of a source the viewer may not see: its place in the numbering only.
An empty id names no file, so history shows it withheld to its new owner too."""


class SharedMessage(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    role: str
    content: str
    created_at: str
    status: str
    citations: list[ShownSource]
    """Source n at index n - 1; a file the viewer may not see, or that is gone, is only
    `{number, withheld: true}`."""
    uncited: bool = False
    notice: Notice | None = None


class SharedConversation(msgspec.Struct, rename="camel", kw_only=True):
    """A page of a shared conversation, oldest message first."""

    title: str
    shared_at: str
    message_count: int
    """How many messages the snapshot holds."""
    messages: list[SharedMessage]
    next_cursor: str | None
    """Reads the next (later) messages; None at the end of the snapshot."""


def transcript_of(viewer: TenantContext, resolved: ResolvedShare) -> Transcript:
    return Transcript(
        partition=owner_partition(viewer, resolved.owner),
        conversation_id=resolved.share.conversation_id,
        through=resolved.through,
    )


async def shared_page(
    chat: ChatServices,
    viewer: TenantContext,
    resolved: ResolvedShare,
    *,
    cursor: str | None,
    limit: int,
) -> SharedConversation:
    """One page of the snapshot as `viewer` may see it. Raises InvalidCursor (400) for a
    cursor not issued to the viewer for this link."""
    transcript = transcript_of(viewer, resolved)
    after = None
    if cursor:
        after = decode_cursor(
            viewer,
            cursor,
            {"sk": lambda v: _MESSAGE_SK.fullmatch(v) is not None and transcript.holds(v)},
        )["sk"]
    view = await chat.knowledge.view(viewer)
    messages, last = await read_page(chat.tables, viewer, transcript, after=after, limit=limit)
    cited = (c for m in messages for c in m.citations)
    wall = await chat.knowledge.source_wall(viewer, view, cited)
    return SharedConversation(
        title=resolved.share.title,
        shared_at=resolved.share.created_at,
        message_count=resolved.share.message_count,
        messages=[_shared(m, wall) for m in messages],
        next_cursor=encode_cursor(viewer, {"sk": last}) if last else None,
    )


def _shared(message: StoredMessage, wall: SourceWall) -> SharedMessage:
    return SharedMessage(
        id=message.id,
        role=message.role.value,
        content=message.content,
        created_at=message.created_at,
        status=message.status.value,
        citations=shown_sources(message.citations, wall),
        uncited=message.uncited,
        notice=message.notice,
    )


async def copy_shared(
    chat: ChatServices, viewer: TenantContext, resolved: ResolvedShare
) -> Conversation:
    """A new conversation of `viewer`'s holding the snapshot's messages (new ids, the same
    order and times; no feedback, no token counts, no scope: those were the owner's; an answer
    still being written is copied cut off, `incomplete`), with
    each source the viewer may not see kept only as `WITHHELD_CITATION`. The messages are
    written first and the conversation item last, so an interrupted copy leaves nothing
    visible."""
    transcript = transcript_of(viewer, resolved)
    view = await chat.knowledge.view(viewer)
    cid = new_id()
    partition = conversation_keys.partition(viewer)
    copied = 0
    async for page in pages(chat.tables, viewer, transcript):
        cited = (c for m in page for c in m.citations)
        wall = await chat.knowledge.source_wall(viewer, view, cited)
        items = [
            to_item(
                {
                    "pk": partition,
                    "sk": conversation_keys.message_sk(cid, copy.id),
                    **msgspec.to_builtins(copy),
                }
            )
            for copy in (_copy(m, cid, wall) for m in page)
        ]
        for at in range(0, len(items), BATCH_WRITE_MAX):
            await _put_batch(chat, viewer, items[at : at + BATCH_WRITE_MAX])
        copied += len(items)
    now = conversation_keys.now_iso()
    touch = chat.conversations.touch(
        viewer,
        cid,
        new=True,
        title=resolved.share.title,
        route=None,
        added_messages=copied,
        now=now,
        scope=None,
    )
    await chat.tables.transact(viewer, [touch], token=cid)
    return Conversation(
        id=cid, title=resolved.share.title, created_at=now, updated_at=now, message_count=copied
    )


def _copy(message: StoredMessage, cid: str, wall: SourceWall) -> StoredMessage:
    if message.status is MessageStatus.STREAMING:
        # The owner's answer still being written: the copy has its text so far, and no
        # generator of the viewer's will ever write it, so it is cut off (to continue), as
        # an answer whose generator died reads; the owner's generation id stays theirs.
        cut = MessageStatus.INCOMPLETE if message.content.strip() else MessageStatus.FAILED
        message = msgspec.structs.replace(
            message, status=cut, finish_reason=INTERRUPTED, stream_id=None, checkpoint_at=None
        )
    return msgspec.structs.replace(
        message,
        id=new_id(),
        conversation_id=cid,
        citations=[c if wall.shows(c.source_id) else WITHHELD_CITATION for c in message.citations],
        feedback=None,
        input_tokens=0,
        output_tokens=0,
    )


async def _put_batch(chat: ChatServices, viewer: TenantContext, items: list[Any]) -> None:
    requests: list[dict[str, Any]] = [{"PutRequest": {"Item": item}} for item in items]
    for _ in range(_BATCH_WRITE_ATTEMPTS):
        answer = await chat.tables.call(
            viewer, "batch_write_item", RequestItems={chat.tables.conversations: requests}
        )
        requests = answer.get("UnprocessedItems", {}).get(chat.tables.conversations, [])
        if not requests:
            return
    raise StorageUnavailable()
