"""Reading an answer as it is written, from wherever it is (decision 0114): a resume after a
dropped connection or a reload, a second tab, and the replay of a repeated question
(`Idempotency-Key`) all follow the answer from a point in its text to its end.

- In the process generating it (`LiveAnswers`), the reader follows the turn in memory:
  each change wakes it.
- Anywhere else, the reader polls the answer's item every `POLL_SECONDS` (strongly
  consistent reads): the generator checkpoints it every `checkpoint_seconds`.
- What is sent: every source (`citation`, numbered; sent again as it changes: the client
  replaces by number) before the text that cites it, the text past the reader's point as
  `delta`s, each with `id:` (the answer's length after it), and the answer's end as the stored
  message says it (`done`, or `error` for a failed one). A generator that died is seen as such
  once its lease runs out (`messages.model.as_read`): the answer ends `interrupted`.
- A reader never outlives `until` (App Runner cuts a request at 120 s): it then ends without
  `done`, and the client resumes from its last `id`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

import msgspec

from engageiq_chat.knowledge.scope import Knowledge
from engageiq_chat.knowledge.sources import SourceWall
from engageiq_chat.messages.model import (
    INTERRUPTED,
    Citation,
    MessageStatus,
    Role,
    StoredMessage,
)
from engageiq_chat.messages.store import MessageStore
from engageiq_chat.turns import events
from engageiq_chat.turns.idempotency import RememberedTurn
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.governance import KnowledgeView

if TYPE_CHECKING:
    from engageiq_chat.turns.turn import Turn

POLL_SECONDS: Final = 0.5
"""How often a reader on another instance than the generator's reads the answer's item."""
SAVE_SECONDS: Final = 10.0
"""At shutdown, the most the stopped answers get to be saved (a save takes milliseconds; the
bound is for a store that does not answer). The same 10 s the grace gave the save before it
had its own bound, so the worst case of a shutdown is unchanged."""
LiveKey = tuple[str, str, str]
"""Tenant, user and assistant message id."""


MAX_READERS_PER_USER: Final = 8
"""Readers one user may have following answers on one instance at once: tabs and devices
to spare, while a script opening hundreds of resumes cannot make this instance poll
DynamoDB hundreds of times a second for one user."""


class TooManyReaders(Exception):
    """The user already has `MAX_READERS_PER_USER` readers on this instance."""


class ReaderSlots:
    """The readers each user has on this instance. A slot is held for a reader's life and
    given back when it ends; one never given back (a response never started) lapses after
    `lapse_seconds`, so a user is never locked out for good."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_READERS_PER_USER if limit is None else limit
        self._held: dict[tuple[str, str], dict[object, float]] = {}

    def take(self, tenant: TenantContext, lapse_seconds: float) -> object:
        """A slot for one reader of the caller's: hand it to `give_back`. Raises
        `TooManyReaders` when they hold `limit` live slots already."""
        user = (tenant.tenant_id, tenant.user_id)
        now = time.monotonic()
        held = {k: v for k, v in self._held.get(user, {}).items() if v > now}
        if len(held) >= self.limit:
            self._held[user] = held
            raise TooManyReaders()
        slot = object()
        held[slot] = now + lapse_seconds
        self._held[user] = held
        return slot

    def give_back(self, tenant: TenantContext, slot: object) -> None:
        user = (tenant.tenant_id, tenant.user_id)
        held = self._held.get(user)
        if held is None:
            return
        held.pop(slot, None)
        if not held:
            del self._held[user]


class LiveAnswers:
    """The turns this process is generating, by tenant, user and message: a reader or a Stop
    of the same process reaches the turn itself (no polling, no flag to wait for). `readers`:
    the resume readers each user has here."""

    def __init__(self) -> None:
        self._turns: dict[LiveKey, Turn] = {}
        self.readers = ReaderSlots()

    def add(self, turn: Turn) -> None:
        self._turns[turn.key] = turn

    def discard(self, turn: Turn) -> None:
        if self._turns.get(turn.key) is turn:
            del self._turns[turn.key]

    def get(self, tenant: TenantContext, message_id: str) -> Turn | None:
        """The caller's own live answer only: the key holds the token's tenant and user."""
        return self._turns.get((tenant.tenant_id, tenant.user_id, message_id))

    def __len__(self) -> int:
        return len(self._turns)

    async def settle(self, grace_seconds: float, save_seconds: float = SAVE_SECONDS) -> None:
        """At shutdown: let the answers being written end, for up to `grace_seconds`, then
        stop the rest (saved `incomplete`, to be continued) rather than lose them. Saving the
        stopped answers gets its own bound, `save_seconds`: a short grace must not cut the
        save short too (a loaded store took more than a 0.2 s grace in CI)."""
        workers = [t.worker for t in self._turns.values() if t.worker is not None]
        if not workers:
            return
        _, pending = await asyncio.wait(workers, timeout=grace_seconds)
        for turn in list(self._turns.values()):
            turn.stop(INTERRUPTED)
        if pending:
            await asyncio.wait(pending, timeout=save_seconds)


@dataclass(frozen=True, slots=True)
class Progress:
    """An answer as a reader finds it: its text past the reader's point, where that text ends,
    its sources, and, once it ended, the stored answer (or the closing event of one that could
    not be stored)."""

    text: str
    end: int
    citations: Sequence[Citation]
    ended: StoredMessage | bytes | None


class AnswerSource(Protocol):
    async def read(self, after: int) -> Progress | None:
        """The answer past `after` (characters); None when it is gone."""
        ...

    async def wait(self, seconds: float) -> None:
        """Until it may have changed, at most `seconds`."""
        ...


@dataclass(slots=True)
class InMemory:
    """The answer in the turn generating it, in this process."""

    turn: Turn
    seen: int = -1
    """The turn's revision at the last read: a change since wakes the next wait at once."""

    async def read(self, after: int) -> Progress | None:
        turn = self.turn
        self.seen = turn.revision
        ended: StoredMessage | bytes | None = None
        if turn.closing is not None:
            ended = turn.answer if turn.answer is not None else turn.closing
        return Progress(turn.text_after(after), turn.length, list(turn.citations), ended)

    async def wait(self, seconds: float) -> None:
        await self.turn.changed(seconds, self.seen)


@dataclass(frozen=True, slots=True)
class Stored:
    """The answer's item, as its generator (on any instance) last checkpointed it."""

    messages: MessageStore
    tenant: TenantContext
    conversation_id: str
    message_id: str

    async def read(self, after: int) -> Progress | None:
        answer = await self.messages.get(self.tenant, self.conversation_id, self.message_id)
        if answer is None or answer.role is not Role.ASSISTANT:
            return None
        ended = answer if answer.status is not MessageStatus.STREAMING else None
        return Progress(answer.content[after:], len(answer.content), answer.citations, ended)

    async def wait(self, seconds: float) -> None:
        await asyncio.sleep(min(seconds, POLL_SECONDS))


def citation_event(number: int, citation: Citation, wall: SourceWall, event_id: int) -> bytes:
    """Source `number` as the stream sends it, every field kept; one whose file is gone or
    that the wall's reader may no longer see (decision 0111) only as its number, `withheld`,
    every other field empty."""
    if not wall.shows(citation.source_id):
        return events.sse(
            "citation",
            events.CitationEvent(
                number=number, source_id="", title="", location="", snippet="", withheld=True
            ),
            event_id,
        )
    return events.sse(
        "citation",
        events.CitationEvent(number=number, **msgspec.structs.asdict(citation)),
        event_id,
    )


def closing_event(answer: StoredMessage) -> bytes:
    """How a stored answer's stream ended: `error` for an answer the model failed (with or
    without some text: a `done` would read as a complete answer), else `done` as stored."""
    end = len(answer.content)
    if answer.status is MessageStatus.FAILED or answer.finish_reason == "error":
        return events.sse(
            "error",
            events.ErrorEvent(code="model_error", message="The model failed to answer. Try again."),
            end,
        )
    return events.sse(
        "done",
        events.Done(
            finish_reason=answer.finish_reason or "end_turn",
            usage=events.Usage(
                input_tokens=answer.input_tokens, output_tokens=answer.output_tokens
            ),
            uncited=answer.uncited,
            notice=answer.notice or msgspec.UNSET,
        ),
        end,
    )


def meta_event(answer: StoredMessage, user_message_id: str) -> bytes:
    """A resumed stream's `meta`: the answer's ids, route, provider and model as stored."""
    return events.sse(
        "meta",
        events.Meta(
            conversation_id=answer.conversation_id,
            user_message_id=user_message_id,
            assistant_message_id=answer.id,
            route=answer.route,
            provider=answer.provider or "",
            model=answer.model or "",
            passages=answer.passages,
        ),
    )


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads, and what the reader's sources are checked against."""

    tenant: TenantContext
    view: KnowledgeView
    knowledge: Knowledge


def source_of(
    live: LiveAnswers,
    messages: MessageStore,
    tenant: TenantContext,
    conversation_id: str,
    message_id: str,
) -> AnswerSource:
    """Memory when this process generates the answer, else its item."""
    turn = live.get(tenant, message_id)
    if turn is not None and turn.user_message.conversation_id == conversation_id:
        return InMemory(turn)
    return Stored(messages, tenant, conversation_id, message_id)


async def follow(
    source: AnswerSource,
    after: int,
    reader: Reader,
    *,
    heartbeat_seconds: float,
    until: float,
) -> AsyncGenerator[bytes, None]:
    """The answer from `after` (characters) to its end, or to `until` (monotonic seconds):
    changed sources, then new text, then the end; a comment line whenever
    `heartbeat_seconds` pass without an event."""
    shown: list[Citation] = []
    offset = max(after, 0)
    quiet_since = time.monotonic()
    while True:
        progress = await source.read(offset)
        if progress is None:
            # Deleted (with its conversation) while it was read.
            yield events.sse(
                "error",
                events.ErrorEvent(
                    code=Errors.CONVERSATION_NOT_FOUND.code,
                    message=Errors.CONVERSATION_NOT_FOUND.message,
                ),
            )
            return
        ended = progress.ended
        citations = (
            ended.citations if isinstance(ended, StoredMessage) else list(progress.citations)
        )
        changed = [
            (n, c) for n, c in enumerate(citations, start=1) if n > len(shown) or shown[n - 1] != c
        ]
        out: list[bytes] = []
        if changed:
            wall = await reader.knowledge.source_wall(
                reader.tenant, reader.view, (c for _, c in changed)
            )
            out += [citation_event(n, c, wall, offset) for n, c in changed]
            shown = list(citations)
        if progress.text:
            offset = progress.end
            out.append(events.sse("delta", events.Delta(text=progress.text), offset))
        if isinstance(ended, StoredMessage):
            out.append(closing_event(ended))
        elif ended is not None:
            out.append(ended)
        if out:
            yield b"".join(out)
            quiet_since = time.monotonic()
        if ended is not None:
            return
        now = time.monotonic()
        if now >= until:
            return  # the client comes back after the last `id` it read
        if now - quiet_since >= heartbeat_seconds:
            yield events.HEARTBEAT
            quiet_since = now
        await source.wait(max(0.05, min(heartbeat_seconds - (now - quiet_since), until - now)))


async def replay(
    source: AnswerSource,
    first: RememberedTurn,
    reader: Reader,
    *,
    heartbeat_seconds: float,
    until: float,
) -> AsyncGenerator[bytes, None]:
    """The stream of a question sent again with its `Idempotency-Key`: the first request's
    `meta` (its ids) at once, then its answer from the start, followed live while it is being
    written; its end as stored (decision 0110, 0114)."""
    yield events.sse(
        "meta",
        events.Meta(
            conversation_id=first.conversation_id,
            user_message_id=first.user_message_id,
            assistant_message_id=first.assistant_message_id,
            route=first.route,
            provider=first.provider,
            model=first.model,
            passages=first.passages,
        ),
        0,
    )
    async for chunk in follow(source, 0, reader, heartbeat_seconds=heartbeat_seconds, until=until):
        yield chunk
